"""Seasonal (per calendar month) NSE change of multi-task over single-task.

Two sources:
- the results file's `nse_month` (site, lambda, seed, partition, variable, month);
- the test-period `prediction_<variable>` (site, lambda, seed, time) against the
  observations of the input data set named in the stored config ([data] file)
  or given explicitly.
Monthly NSE from predictions follows mtl_mpi's metrics (src/core/metrics.cpp):
for month m, the pairs are the observed days of that calendar month over all
years; NSE = 1 - sum (sim - obs)^2 / sum (obs - mean_m obs)^2 (Nash & Sutcliffe
1970), NaN for fewer than MIN_OBS pairs or zero observed variance.
Both reduce to [S, 12]: per site, the median over paired seeds of
NSE_m(lambda) - NSE_m(0), for the best and the naive lambda.
"""
from __future__ import annotations

import os

import numpy as np

from resultsfile import STATUS_DONE, Results, ResultsFileError, days_since_epoch

MIN_OBS = 10  # mtl::kMinObs


def month_of_days(days: np.ndarray) -> np.ndarray:
    """Calendar month 1..12 of integer days since 1970-01-01."""
    d = np.datetime64("1970-01-01") + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    return d.astype("datetime64[M]").astype(np.int64) % 12 + 1


def paired_month_change(nse_m: np.ndarray, res: Results, site_rows: list, tag: str):
    """nse_m [S, L, K, 12] (NaN = invalid) -> [S, 12] median paired change vs lambda 0.
    site_rows: the per-site table as records, in the file's site order."""
    i0 = res.lam(0.0)
    out = np.full((nse_m.shape[0], nse_m.shape[-1]), np.nan)
    for s, row in enumerate(site_rows):
        lam = row[f"{tag}_lambda"]
        if not np.isfinite(lam):
            continue
        d = nse_m[s, res.lam(lam)] - nse_m[s, i0]  # [K, 12]
        for m in range(d.shape[1]):
            v = d[:, m][np.isfinite(d[:, m])]
            if v.size:
                out[s, m] = np.median(v)
    return out


def from_nse_month(res: Results, partition: str, variable: str) -> np.ndarray:
    """nse_month of done runs [S, L, K, 12] (NaN elsewhere)."""
    ds = res.ds
    nm = ds.nse_month.sel(partition=partition, variable=variable).where(ds.status == STATUS_DONE)
    return nm.transpose("site", "lambda", "seed", "month").values.astype(np.float64)


def find_data_file(res: Results, explicit: str | None = None) -> str | None:
    """The input data set: explicit path, else [data] file of the stored config,
    tried as given (relative to the working directory), then relative to the
    config file's folder and to the results file's folder and its parent."""
    if explicit:
        return explicit if os.path.exists(explicit) else None
    name = res.data_file()
    if not name:
        return None
    bases = ["", os.path.dirname(str(res.attrs.get("config_path", ""))),
             os.path.dirname(os.path.abspath(res.path)),
             os.path.dirname(os.path.dirname(os.path.abspath(res.path)))]
    for base in bases:
        cand = os.path.join(base, name) if base else name
        if os.path.exists(cand):
            return cand
    return None


def load_observations(res: Results, data_path: str, variable: str) -> np.ndarray:
    """Observations [S, T] of `variable` on the results file's sites and test days
    (NaN where the data set has no such day)."""
    import xarray as xr
    try:
        data = xr.open_dataset(data_path)
    except (OSError, ValueError) as exc:
        raise ResultsFileError(f"{data_path}: cannot read the input data set ({exc})")
    with data:
        for name in ("site_id", "time", variable):
            if name not in data.variables:
                raise ResultsFileError(f"{data_path}: input data set has no '{name}'")
        obs = data[variable].assign_coords(site=[str(v) for v in data.site_id.values])
        missing = [s for s in res.sites if s not in obs.site.values]
        if missing:
            raise ResultsFileError(f"{data_path}: site '{missing[0]}' of {res.path} not in "
                                   "the data set")
        obs = obs.assign_coords(time=days_since_epoch(obs.time.values))
        return (obs.sel(site=res.sites).reindex(time=res.time)
                .transpose("site", "time").values.astype(np.float64))


def from_predictions(res: Results, obs: np.ndarray, variable: str) -> np.ndarray:
    """Monthly NSE [S, L, K, 12] of the test predictions against obs [S, T]."""
    sim = res.ds[f"prediction_{variable}"].values.astype(np.float64)  # [S, L, K, T]
    months = month_of_days(res.time)
    out = np.full(sim.shape[:3] + (12,), np.nan)
    for m in range(1, 13):
        sel = months == m
        o = obs[:, None, None, sel]  # [S, 1, 1, Tm]
        p = sim[..., sel]
        ok = np.isfinite(o) & np.isfinite(p)
        n = ok.sum(axis=-1)
        o_ok = np.where(ok, o, 0.0)
        mean_o = o_ok.sum(axis=-1) / np.maximum(n, 1)
        sse = np.where(ok, (p - o) ** 2, 0.0).sum(axis=-1)
        sst = np.where(ok, (o - mean_o[..., None]) ** 2, 0.0).sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            nse = np.where((n >= MIN_OBS) & (sst > 0), 1.0 - sse / sst, np.nan)
        out[..., m - 1] = nse
    out[res.status != STATUS_DONE] = np.nan
    return out
