"""Which site properties go with the multi-task gain (issue 22 item 3).

The response is a per-site shift (the Hodges-Lehmann shift of the best lambda
against lambda = 0, or the link-specific shift of twin.py); the properties are
the single-task skill (median single-task NSE over seeds), the basin attributes
(mtl_role = attribute) and, on synthetic data, the per-site truth variables
(mtl_role = truth). Two views:
- rank_table: Spearman's rho of each property with the shift, its two-sided p
  (scipy, t approximation) and n; descriptive, one test per property, no
  adjustment (read it with the regression);
- regression: ordinary least squares of the shift on a few z-scored properties
  (coefficient = change of the shift per standard deviation of the property,
  the others held fixed), with classical standard errors
  se = sqrt(diag(s^2 (X'X)^-1)), s^2 = RSS / (n - p), and 95 % intervals from
  Student's t with n - p degrees of freedom; R^2 and adjusted R^2.
Default predictors: on synthetic data (a truth variable present) the truth
variables that vary plus single-task skill; otherwise single-task skill plus
the common climate indices present in the file (DEFAULT_ATTRIBUTES), at most
one predictor per 10 sites. `--explain NAMES` in summarize.py chooses them.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

SKILL = "single_task_nse"
# Truth variables that describe a site (the binary rule itself is left out: it is
# a function of these).
TRUTH_PREDICTORS = ("temp_link", "temp_hidden_share", "temp_snow_share", "melt_share",
                    "short_flow_years")
# CAMELS / world 2 climate indices (Addor et al. 2017) and size, where present.
DEFAULT_ATTRIBUTES = ("frac_snow", "aridity", "p_mean", "area")


def site_properties(data_path: str | None, sites: list, skill) -> tuple:
    """(DataFrame [site x property], {name: kind}) with kind 'skill', 'attribute'
    or 'truth'; every (site) float variable of the data file whose mtl_role is
    attribute or truth. Sites missing from the file get NaN."""
    props = {SKILL: np.asarray(skill, dtype=np.float64)}
    kinds = {SKILL: "skill"}
    if data_path:
        import h5py
        with h5py.File(data_path, "r") as f:
            if "site_id" in f:
                ids = [s.decode() if isinstance(s, bytes) else str(s) for s in f["site_id"][()]]
                where = [ids.index(s) if s in ids else -1 for s in sites]
                for name in sorted(f):
                    d = f[name]
                    role = d.attrs.get("mtl_role", b"")
                    role = role.decode() if isinstance(role, bytes) else str(role)
                    if (role in ("attribute", "truth") and getattr(d, "ndim", 0) == 1
                            and d.shape[0] == len(ids) and d.dtype.kind == "f"):
                        v = np.asarray(d[()], dtype=np.float64)
                        props[name] = np.array([v[i] if i >= 0 else math.nan for i in where])
                        kinds[name] = role
    return pd.DataFrame(props, index=list(sites)), kinds


def rank_table(shift, props: pd.DataFrame, kinds: dict) -> pd.DataFrame:
    """Per property: Spearman rho with the shift, two-sided p, n (finite pairs);
    strongest |rho| first. Constant properties are left out."""
    y = np.asarray(shift, dtype=np.float64)
    rows = []
    for name in props:
        x = props[name].to_numpy()
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            continue
        r = sps.spearmanr(x[ok], y[ok])
        rows.append(dict(property=name, kind=kinds.get(name, ""), rho=float(r[0]),
                         p=float(r[1]), n=int(ok.sum())))
    t = pd.DataFrame(rows, columns=["property", "kind", "rho", "p", "n"])
    return t.reindex(t["rho"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def default_predictors(props: pd.DataFrame, kinds: dict) -> list:
    """Truth variables + skill on synthetic data, else skill + DEFAULT_ATTRIBUTES
    present; only properties that vary; at most one per 10 sites."""
    def varies(n):
        x = props[n].to_numpy()
        x = x[np.isfinite(x)]
        return x.size > 2 and np.ptp(x) > 0
    if any(kinds.get(n) == "truth" for n in TRUTH_PREDICTORS if n in props):
        names = [n for n in TRUTH_PREDICTORS if n in props] + [SKILL]
    else:
        names = [SKILL] + [n for n in DEFAULT_ATTRIBUTES if n in props]
    names = [n for n in names if varies(n)]
    return names[:max(1, len(props) // 10)]


def regression(shift, props: pd.DataFrame, names: list) -> tuple:
    """(coefficients DataFrame, fit dict). OLS of the shift on the z-scored
    properties `names` plus an intercept, over the sites where all are finite."""
    y = np.asarray(shift, dtype=np.float64)
    X = props[names].to_numpy(dtype=np.float64)
    ok = np.isfinite(y) & np.isfinite(X).all(axis=1)
    y, X = y[ok], X[ok]
    n, p = len(y), len(names) + 1
    fit = dict(n=int(n), predictors=len(names), r2=math.nan, r2_adj=math.nan, dof=n - p)
    cols = ["property", "coef", "se", "t", "p", "ci_low", "ci_high"]
    if n - p < 2 or np.ptp(y) == 0:  # no residual freedom, or nothing to explain
        return pd.DataFrame(columns=cols), fit
    sd = X.std(axis=0, ddof=1)
    Z = np.column_stack([np.ones(n), (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)])
    beta, *_ = np.linalg.lstsq(Z, y, rcond=None)
    resid = y - Z @ beta
    rss, tss = float(resid @ resid), float(((y - y.mean()) ** 2).sum())
    s2 = rss / (n - p)
    se = np.sqrt(np.diag(s2 * np.linalg.pinv(Z.T @ Z)))
    tq = sps.t.ppf(0.975, n - p)
    rows = []
    for name, b, e in zip(["(intercept)"] + list(names), beta, se):
        t = b / e if e > 0 else math.nan
        rows.append(dict(property=name, coef=float(b), se=float(e), t=float(t),
                         p=float(2 * sps.t.sf(abs(t), n - p)) if math.isfinite(t) else math.nan,
                         ci_low=float(b - tq * e), ci_high=float(b + tq * e)))
    fit.update(r2=1 - rss / tss if tss > 0 else math.nan,
               r2_adj=1 - (rss / (n - p)) / (tss / (n - 1)) if tss > 0 else math.nan)
    return pd.DataFrame(rows, columns=cols), fit
