"""One regional model (scope = multi_site, e.g. experiment 2) against one model per
site (scope = single_site, e.g. experiment 1) on the same sites: per site, the NSE
of each over seeds at lambda = 0 (single-task), the paired per-seed difference
regional - local with its Hodges-Lehmann shift and two-sided Wilcoxon test (the
statistics of stats.compare), Benjamini-Hochberg over the sites, and the counts.
Seeds are paired by value: seed k of the regional file with seed k of the local
one (different models, same seed numbers); only seeds in both files count.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import stats
from resultsfile import ResultsFileError, Results

COLUMNS = ["site", "regional_median", "local_median", "n_pairs", "median_diff", "hl_shift",
           "p_wilcoxon", "q_bh", "class", "class_bh"]


def _single_task(res: Results, partition: str, variable: str, path: str):
    if not res.has_lambda(0.0):
        raise ResultsFileError(f"{path}: no lambda = 0 (single-task) runs to compare")
    return stats.valid_nse(res, partition, variable).isel({"lambda": res.lam(0.0)})


def regional_vs_local(regional: Results, local: Results, partition: str, variable: str,
                      paths=("regional", "local")) -> pd.DataFrame:
    """Per-site table (COLUMNS) of the sites both files have, in the regional file's order."""
    if str(regional.attrs.get("scope")) != "multi_site":
        raise ResultsFileError(f"{paths[0]}: scope is {regional.attrs.get('scope')}, "
                               "not multi_site (a regional model)")
    if str(local.attrs.get("scope")) != "single_site":
        raise ResultsFileError(f"{paths[1]}: scope is {local.attrs.get('scope')}, "
                               "not single_site (one model per site)")
    local.check_var(variable)
    r = _single_task(regional, partition, variable, paths[0])
    l0 = _single_task(local, partition, variable, paths[1])
    seeds = sorted(set(int(s) for s in regional.seeds) & set(int(s) for s in local.seeds))
    if not seeds:
        raise ResultsFileError(f"{paths[0]} and {paths[1]} share no seed")
    sites = [s for s in regional.sites if s in set(local.sites)]
    if not sites:
        raise ResultsFileError(f"{paths[0]} and {paths[1]} share no site")
    rows = []
    for site in sites:
        a = r.sel(site=site, seed=seeds).values.astype(np.float64)
        b = l0.sel(site=site, seed=seeds).values.astype(np.float64)
        c = stats.compare(a, b)
        rows.append(dict(site=site, regional_median=float(np.nanmedian(a)) if np.isfinite(a).any()
                         else np.nan,
                         local_median=float(np.nanmedian(b)) if np.isfinite(b).any() else np.nan,
                         n_pairs=c["n_pairs"], median_diff=c["median_diff"],
                         hl_shift=c["hl_shift"], p_wilcoxon=c["p_wilcoxon"], **{"class": c["class"]}))
    table = pd.DataFrame(rows)
    tested = (table["n_pairs"] >= stats.MIN_PAIRS).to_numpy()
    table["q_bh"] = stats.bh_adjust(np.where(tested, table["p_wilcoxon"].to_numpy(np.float64), np.nan))
    table["class_bh"] = [stats.call(q, hl, n) for q, hl, n in
                         zip(table["q_bh"], table["hl_shift"], table["n_pairs"])]
    table.attrs["seeds"] = seeds
    return table[COLUMNS]


def summary(table: pd.DataFrame) -> dict:
    """Medians over sites of each side's per-site median, NSE > 0 counts, class counts."""
    out = dict(sites=int(len(table)), seeds=len(table.attrs.get("seeds", [])))
    for side in ("regional", "local"):
        m = table[f"{side}_median"].to_numpy(np.float64)
        out[f"{side}_median"] = float(np.nanmedian(m)) if np.isfinite(m).any() else np.nan
        out[f"{side}_positive"] = int(np.sum(m > 0))
    for adj in ("class", "class_bh"):
        counts = table[adj].value_counts()
        out[adj] = {c: int(counts.get(c, 0)) for c in stats.CLASSES}
    return out
