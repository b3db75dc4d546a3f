"""Statistics of the multi-task study from a loaded results file.

Per (site, lambda): median and spread of NSE over seeds. Per site: the best
multi-task lambda (lambda > 0, highest VALIDATION median NSE; ties -> smaller
lambda), compared with single-task (lambda = 0) on the reported partition.

Significance over seeds (alpha = 0.05):
- primary, paired: Wilcoxon signed-rank test, two-sided, on the per-seed
  differences NSE(lambda) - NSE(0). Seeds pair up because a seed gives identical
  initial weights for every lambda of a site. NSE over seeds is skewed with a
  long lower tail, so a rank test is preferred to the paired t-test (which is
  reported too, as a secondary number).
- Welch's t-test (unequal variances) on all valid values of each side, unpaired.
Classification (primary test only): fewer than MIN_PAIRS complete pairs ->
"insufficient" (the exact two-sided Wilcoxon p cannot go below 2 / 2^n, which
is >= 0.05 for n <= 5); else p_wilcoxon < alpha and median difference > 0 ->
"better", < 0 -> "worse"; otherwise "not different".

A run counts only if its status is done and its NSE is finite. Nothing is
dropped silently: every statistic carries its n, and every comparison the
number of seeds excluded because either side is missing.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats as sps

from resultsfile import STATUS_DONE, Results

ALPHA = 0.05
MIN_PAIRS = 6
CLASSES = ("better", "not different", "worse", "insufficient")


def valid_nse(res: Results, partition: str, variable: str) -> np.ndarray:
    """NSE [S, L, K] on one partition/variable, NaN unless the run is done."""
    x = res.nse[:, :, :, res.part(partition), res.var(variable)].copy()
    x[res.status != STATUS_DONE] = np.nan
    return x


def spread(values: np.ndarray) -> dict:
    """Median, quartiles, min/max of the finite values (n = how many)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return dict(n=0, median=math.nan, q25=math.nan, q75=math.nan,
                    iqr=math.nan, min=math.nan, max=math.nan, mean=math.nan)
    q25, med, q75 = np.percentile(v, [25, 50, 75])  # linear interpolation (numpy default)
    return dict(n=int(v.size), median=float(med), q25=float(q25), q75=float(q75),
                iqr=float(q75 - q25), min=float(v.min()), max=float(v.max()),
                mean=float(v.mean()))


def naive_lambda(lambdas: np.ndarray) -> tuple:
    """(index, note): lambda = 1 if in the grid, else the smallest lambda > 0."""
    hits = np.flatnonzero(np.isclose(lambdas, 1.0, rtol=0, atol=1e-12))
    if hits.size:
        return int(hits[0]), "naive lambda = 1"
    pos = np.flatnonzero(lambdas > 0)
    if pos.size == 0:
        return None, "no lambda > 0 in the grid"
    i = int(pos[np.argmin(lambdas[pos])])
    return i, f"lambda = 1 not in the grid: naive lambda = smallest lambda > 0 = {lambdas[i]:g}"


def best_lambda(val_nse_site: np.ndarray, lambdas: np.ndarray):
    """Index of the lambda > 0 with the highest validation median NSE [L, K] -> int|None."""
    best, best_med = None, -math.inf
    for i in np.argsort(lambdas, kind="stable"):
        if lambdas[i] <= 0:
            continue
        med = spread(val_nse_site[i])["median"]
        if np.isfinite(med) and med > best_med:  # strict: ties keep the smaller lambda
            best, best_med = int(i), med
    return best


def _safe_p(fn, *args, **kw) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p = float(fn(*args, **kw).pvalue)
        except ValueError:
            return math.nan
    return p


def compare(multi: np.ndarray, single: np.ndarray) -> dict:
    """Compare NSE over seeds [K] of a multi-task lambda with lambda = 0 [K]."""
    pair = np.isfinite(multi) & np.isfinite(single)
    d = multi[pair] - single[pair]
    out = dict(n_multi=int(np.isfinite(multi).sum()), n_single=int(np.isfinite(single).sum()),
               n_pairs=int(pair.sum()), n_excluded=int(pair.size - pair.sum()),
               median_diff=float(np.median(d)) if d.size else math.nan,
               mean_diff=float(np.mean(d)) if d.size else math.nan,
               p_wilcoxon=math.nan, p_ttest_rel=math.nan, p_welch=math.nan)
    if d.size >= 1 and np.all(d == 0):
        out["p_wilcoxon"] = 1.0  # identical models: no difference, scipy would refuse
    elif d.size >= 1:
        out["p_wilcoxon"] = _safe_p(sps.wilcoxon, d, zero_method="wilcox",
                                    alternative="two-sided")
    if d.size >= 2:
        out["p_ttest_rel"] = _safe_p(sps.ttest_rel, multi[pair], single[pair])
    a, b = multi[np.isfinite(multi)], single[np.isfinite(single)]
    if a.size >= 2 and b.size >= 2:
        out["p_welch"] = _safe_p(sps.ttest_ind, a, b, equal_var=False)
    out["class"] = classify(out)
    return out


def classify(c: dict) -> str:
    if c["n_pairs"] < MIN_PAIRS or not np.isfinite(c["p_wilcoxon"]):
        return "insufficient"
    if c["p_wilcoxon"] < ALPHA and c["median_diff"] > 0:
        return "better"
    if c["p_wilcoxon"] < ALPHA and c["median_diff"] < 0:
        return "worse"
    return "not different"


def per_lambda_table(res: Results, partition: str, variable: str) -> list:
    """Rows (site, lambda): status counts, n used and the spread of NSE over seeds."""
    x = valid_nse(res, partition, variable)
    rows = []
    for s, site in enumerate(res.sites):
        for l, lam in enumerate(res.lambdas):
            st = res.status[s, l]
            row = dict(site=site, **{"lambda": float(lam)}, n_seeds=int(st.size),
                       n_done=int((st == STATUS_DONE).sum()), n_failed=int((st == 2).sum()),
                       n_pending=int((st == 0).sum()))
            row.update(spread(x[s, l]))
            row["n_used"] = row.pop("n")
            row["n_done_nan"] = row["n_done"] - row["n_used"]
            rows.append(row)
    return rows


def site_table(res: Results, partition: str, variable: str) -> list:
    """Per site: best lambda (chosen on val), naive lambda, both against lambda = 0."""
    i0 = res.lam(0.0)
    if i0 is None:
        raise ValueError(f"{res.path}: no lambda = 0 (single-task baseline) in the grid")
    x = valid_nse(res, partition, variable)
    xv = valid_nse(res, "val", variable)
    i_naive, _ = naive_lambda(res.lambdas)
    rows = []
    for s, site in enumerate(res.sites):
        row = dict(site=site, median_single=spread(x[s, i0])["median"],
                   n_single=int(np.isfinite(x[s, i0]).sum()))
        ib = best_lambda(xv[s], res.lambdas)
        for tag, i in (("best", ib), ("naive", i_naive)):
            if i is None:
                c = compare(np.full(x.shape[2], np.nan), x[s, i0])
                row[f"{tag}_lambda"] = math.nan
                row[f"{tag}_val_median"] = math.nan
                row[f"{tag}_median"] = math.nan
            else:
                c = compare(x[s, i], x[s, i0])
                row[f"{tag}_lambda"] = float(res.lambdas[i])
                row[f"{tag}_val_median"] = spread(xv[s, i])["median"]
                row[f"{tag}_median"] = spread(x[s, i])["median"]
            for k, v in c.items():
                row[f"{tag}_{k}"] = v
        rows.append(row)
    return rows


def headline(site_rows: list, tag: str) -> dict:
    """Counts of sites per class for the 'best' or 'naive' comparison."""
    counts = {c: sum(1 for r in site_rows if r[f"{tag}_class"] == c) for c in CLASSES}
    counts["sites"] = len(site_rows)
    return counts


def paired_differences(res: Results, partition: str, variable: str, site_rows: list,
                       tag: str = "best") -> list:
    """Per site, the paired per-seed NSE differences (multi - single) [n_pairs]."""
    x = valid_nse(res, partition, variable)
    i0 = res.lam(0.0)
    out = []
    for s, row in enumerate(site_rows):
        lam = row[f"{tag}_lambda"]
        if not np.isfinite(lam):
            out.append(np.array([]))
            continue
        d = x[s, res.lam(lam)] - x[s, i0]
        out.append(d[np.isfinite(d)])
    return out
