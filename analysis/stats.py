"""Statistics of the multi-task study from a loaded results file (xarray/pandas).

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
Effect size: the Hodges-Lehmann shift of the paired differences (median of
their Walsh averages, analysis/effects.py), the estimator of the Wilcoxon test,
so the direction it gives agrees with the test.
Classification (primary test only): fewer than MIN_PAIRS complete pairs ->
"insufficient" (the exact two-sided Wilcoxon p cannot go below 2 / 2^n, which
is >= 0.05 for n <= 5); else p < alpha, |HL shift| >= min_effect (default 0)
and HL shift > 0 -> "better", < 0 -> "worse"; otherwise "not different".
The same rule with the Benjamini-Hochberg adjusted p (FDR over the sites of one
comparison that have >= MIN_PAIRS pairs) gives `class_bh` (SITE_STATS).

A run counts only if its status is done and its NSE is finite. Nothing is
dropped silently: every statistic carries its n, and every comparison the
number of seeds excluded because either side is missing.

Extending: a statistic of one comparison is a function in COMPARISON_STATS
(it gets a Sides: the paired seeds and both sides' valid values, and returns
named numbers, which become columns `best_<name>` / `naive_<name>` of the per-site
table); a statistic over sites (e.g. a multiple-testing adjustment) is a
function of the per-site DataFrame that adds columns, listed in SITE_STATS.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats as sps

from effects import bh_adjust, hodges_lehmann
from resultsfile import STATUS_DONE, STATUS_FAILED, STATUS_PENDING, Results

ALPHA = 0.05
MIN_PAIRS = 6
CLASSES = ("better", "not different", "worse", "insufficient")


def valid_nse(res: Results, partition: str, variable: str) -> xr.DataArray:
    """NSE (site, lambda, seed) on one partition/variable, NaN unless the run is done."""
    ds = res.ds
    return ds.nse.sel(partition=partition, variable=variable).where(ds.status == STATUS_DONE)


def spread(values) -> dict:
    """Median, quartiles, min/max of the finite values (n = how many)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return dict(n=0, median=math.nan, q25=math.nan, q75=math.nan,
                    iqr=math.nan, min=math.nan, max=math.nan, mean=math.nan)
    q25, med, q75 = np.percentile(v, [25, 50, 75])  # linear interpolation (numpy default)
    return dict(n=int(v.size), median=float(med), q25=float(q25), q75=float(q75),
                iqr=float(q75 - q25), min=float(v.min()), max=float(v.max()),
                mean=float(v.mean()))


def median_over_seeds(x: xr.DataArray) -> xr.DataArray:
    """spread()'s median over the seed dimension (finite values only)."""
    return xr.apply_ufunc(lambda v: spread(v)["median"], x, input_core_dims=[["seed"]],
                          vectorize=True)


def naive_lambda(lambdas) -> tuple:
    """(lambda, note): lambda = 1 if in the grid, else the smallest lambda > 0 (None if none)."""
    lambdas = np.asarray(lambdas, dtype=np.float64)
    if np.isclose(lambdas, 1.0, rtol=0, atol=1e-12).any():
        return 1.0, "naive lambda = 1"
    pos = lambdas[lambdas > 0]
    if pos.size == 0:
        return None, "no lambda > 0 in the grid"
    lam = float(pos.min())
    return lam, f"lambda = 1 not in the grid: naive lambda = smallest lambda > 0 = {lam:g}"


def best_lambda(val_nse_site: xr.DataArray):
    """The lambda > 0 with the highest validation median NSE of (lambda, seed); None if no
    lambda > 0 has a valid run. Ties keep the smaller lambda."""
    med = median_over_seeds(val_nse_site).sortby("lambda")
    med = med.where((med["lambda"] > 0) & np.isfinite(med), drop=True)
    if med.size == 0:
        return None
    return float(med["lambda"][int(np.argmax(med.values))])  # argmax: first (smallest) of ties


def _safe_p(fn, *args, **kw) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p = float(fn(*args, **kw).pvalue)
        except ValueError:
            return math.nan
    return p


@dataclass
class Sides:
    """One comparison's data: paired seeds (both finite) and each side's valid values."""
    paired_multi: np.ndarray   # [n_pairs] multi-task NSE of the paired seeds
    paired_single: np.ndarray  # [n_pairs] single-task NSE of the same seeds
    multi: np.ndarray          # every finite multi-task NSE
    single: np.ndarray         # every finite single-task NSE
    n_seeds: int

    @property
    def d(self) -> np.ndarray:
        """Paired differences multi - single."""
        return self.paired_multi - self.paired_single


# --- statistics of one comparison: f(Sides) -> dict of named numbers ---
def _counts(s: Sides) -> dict:
    return dict(n_multi=int(s.multi.size), n_single=int(s.single.size),
                n_pairs=int(s.d.size), n_excluded=int(s.n_seeds - s.d.size))


def _location(s: Sides) -> dict:
    d = s.d
    return dict(median_diff=float(np.median(d)) if d.size else math.nan,
                mean_diff=float(np.mean(d)) if d.size else math.nan,
                hl_shift=hodges_lehmann(d))


def wilcoxon_p(d: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p of paired differences d [n] (NaN if n = 0)."""
    if d.size >= 1 and np.all(d == 0):
        return 1.0  # identical models: no difference, scipy would refuse
    if d.size >= 1:
        return _safe_p(sps.wilcoxon, d, zero_method="wilcox", alternative="two-sided")
    return math.nan


def _wilcoxon(s: Sides) -> dict:
    return dict(p_wilcoxon=wilcoxon_p(s.d))


def _ttest_rel(s: Sides) -> dict:
    if s.d.size < 2:
        return dict(p_ttest_rel=math.nan)
    return dict(p_ttest_rel=_safe_p(sps.ttest_rel, s.paired_multi, s.paired_single))


def _welch(s: Sides) -> dict:
    if s.multi.size < 2 or s.single.size < 2:
        return dict(p_welch=math.nan)
    return dict(p_welch=_safe_p(sps.ttest_ind, s.multi, s.single, equal_var=False))


COMPARISON_STATS = [_counts, _location, _wilcoxon, _ttest_rel, _welch]


def compare(multi, single, min_effect: float = 0.0) -> dict:
    """Compare NSE over seeds [K] of a multi-task lambda with lambda = 0 [K] (same seed order)."""
    multi, single = np.asarray(multi, dtype=np.float64), np.asarray(single, dtype=np.float64)
    pair = np.isfinite(multi) & np.isfinite(single)
    sides = Sides(multi[pair], single[pair], multi[np.isfinite(multi)],
                  single[np.isfinite(single)], int(pair.size))
    out = {}
    for stat in COMPARISON_STATS:
        out.update(stat(sides))
    out["class"] = classify(out, min_effect)
    return out


def call(p: float, hl: float, n_pairs: int, min_effect: float = 0.0) -> str:
    """One class from a p-value, the HL shift and the number of pairs (rule above)."""
    if n_pairs < MIN_PAIRS or not np.isfinite(p):
        return "insufficient"
    if p < ALPHA and np.isfinite(hl) and abs(hl) >= min_effect and hl != 0:
        return "better" if hl > 0 else "worse"
    return "not different"


def classify(c: dict, min_effect: float = 0.0) -> str:
    return call(c["p_wilcoxon"], c["hl_shift"], c["n_pairs"], min_effect)


def runs_table(res: Results, partition: str, variable: str) -> pd.DataFrame:
    """One row per run: site, lambda, seed, status, message, nse (NaN unless done)."""
    ds = res.ds
    parts = {"status": ds.status, "nse": valid_nse(res, partition, variable)}
    if "message" in ds:
        parts["message"] = ds.message.fillna("")
    df = xr.Dataset(parts).drop_vars(["partition", "variable"], errors="ignore") \
        .to_dataframe().reset_index()
    if "message" not in df:
        df["message"] = ""
    return df[["site", "lambda", "seed", "status", "message", "nse"]]


def per_lambda_table(res: Results, partition: str, variable: str) -> pd.DataFrame:
    """Rows (site, lambda), in file order: status counts, n used and the NSE spread over seeds."""
    runs = runs_table(res, partition, variable)
    g = runs.groupby(["site", "lambda"], sort=False)
    table = pd.DataFrame({
        "n_seeds": g.size(),
        "n_done": g["status"].agg(lambda s: int((s == STATUS_DONE).sum())),
        "n_failed": g["status"].agg(lambda s: int((s == STATUS_FAILED).sum())),
        "n_pending": g["status"].agg(lambda s: int((s == STATUS_PENDING).sum())),
    })
    table = table.join(g["nse"].apply(lambda s: pd.Series(spread(s))).unstack())
    table = table.rename(columns={"n": "n_used"})
    table["n_used"] = table["n_used"].astype(int)
    table["n_done_nan"] = table["n_done"] - table["n_used"]
    return table.reset_index()[["site", "lambda", "n_seeds", "n_done", "n_failed", "n_pending",
                                "n_used", "n_done_nan", "median", "q25", "q75", "iqr", "min",
                                "max", "mean"]]


def _comparison(x_site: xr.DataArray, lam, prefix: str, min_effect: float = 0.0) -> dict:
    """Columns `<prefix>_*` for multi-task lambda `lam` against lambda = 0 on one site."""
    single = x_site.sel({"lambda": 0.0})
    if lam is None:
        c = compare(np.full(single.size, np.nan), single.values, min_effect)
        row = {"lambda": math.nan, "median": math.nan}
    else:
        c = compare(x_site.sel({"lambda": lam}).values, single.values, min_effect)
        row = {"lambda": lam, "median": spread(x_site.sel({"lambda": lam}).values)["median"]}
    row.update(c)
    return {f"{prefix}_{k}": v for k, v in row.items()}


def site_table(res: Results, partition: str, variable: str,
               min_effect: float = 0.0) -> pd.DataFrame:
    """Per site: best lambda (chosen on val), naive lambda, both against lambda = 0.
    min_effect: NSE; a significant |HL shift| below it counts as "not different"."""
    if not res.has_lambda(0.0):
        raise ValueError(f"{res.path}: no lambda = 0 (single-task baseline) in the grid")
    x = valid_nse(res, partition, variable)
    xv = valid_nse(res, "val", variable)
    naive, _ = naive_lambda(res.lambdas)
    rows = []
    for site in x.site.values:
        xs, xvs = x.sel(site=site), xv.sel(site=site)
        single = xs.sel({"lambda": 0.0}).values
        row = dict(site=str(site), median_single=spread(single)["median"],
                   n_single=int(np.isfinite(single).sum()))
        best = best_lambda(xvs)
        for tag, lam in (("best", best), ("naive", naive)):
            cols = _comparison(xs, lam, tag, min_effect)
            cols[f"{tag}_val_median"] = (math.nan if lam is None else
                                         spread(xvs.sel({"lambda": lam}).values)["median"])
            row.update(cols)
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["min_effect"] = float(min_effect)
    for stat in SITE_STATS:
        table = stat(table)
    return table


def _benjamini_hochberg(table: pd.DataFrame) -> pd.DataFrame:
    """`<tag>_q_bh`: BH-adjusted Wilcoxon p over the sites of the comparison that
    have >= MIN_PAIRS pairs (the tests that can reject); `<tag>_class_bh`: the class
    with q in place of p (same min_effect)."""
    min_effect = table.attrs.get("min_effect", 0.0)
    for tag in ("best", "naive"):
        tested = (table[f"{tag}_n_pairs"] >= MIN_PAIRS).to_numpy()
        p = table[f"{tag}_p_wilcoxon"].to_numpy(dtype=np.float64)
        table[f"{tag}_q_bh"] = bh_adjust(np.where(tested, p, np.nan))
        table[f"{tag}_class_bh"] = [
            call(q, hl, n, min_effect) for q, hl, n in
            zip(table[f"{tag}_q_bh"], table[f"{tag}_hl_shift"], table[f"{tag}_n_pairs"])]
    return table


SITE_STATS = [_benjamini_hochberg]  # functions DataFrame -> DataFrame adding columns


def headline(site_rows: pd.DataFrame, tag: str, adjusted: bool = False) -> dict:
    """Counts of sites per class for the 'best' or 'naive' comparison (raw or BH)."""
    counts = site_rows[f"{tag}_class" + ("_bh" if adjusted else "")].value_counts()
    out = {c: int(counts.get(c, 0)) for c in CLASSES}
    out["sites"] = int(len(site_rows))
    return out


def paired_differences(res: Results, partition: str, variable: str, site_rows: pd.DataFrame,
                       tag: str = "best") -> list:
    """Per site (table order), the paired per-seed NSE differences (multi - single) [n_pairs]."""
    x = valid_nse(res, partition, variable)
    out = []
    for site, lam in zip(site_rows["site"], site_rows[f"{tag}_lambda"]):
        if not np.isfinite(lam):
            out.append(np.array([]))
            continue
        xs = x.sel(site=site)
        d = (xs.sel({"lambda": lam}) - xs.sel({"lambda": 0.0})).values
        out.append(d[np.isfinite(d)])
    return out
