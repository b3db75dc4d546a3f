"""What the study report (analysis/report.py) reads besides the statistics: site
coordinates and basin attributes from the input data set, the hydrographs of
the sites with the largest gain and loss, and each file's provenance.
"""
from __future__ import annotations

import datetime
import math

import numpy as np

import seasonal
from resultsfile import STATUS_DONE, Results, run_counts

LAT_NAMES = ("latitude", "gauge_lat", "lat")
LON_NAMES = ("longitude", "gauge_lon", "lon")
HYDRO_DAYS = 730  # the first two years of the test period: ten years of days are unreadable


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def site_info(data_path: str, sites: list) -> dict:
    """From the data set: lat / lon [S] (NaN where unknown; None when the file has
    no such variable) with their variable names, and attrs: name -> (values [S],
    units) of the (site) variables marked mtl_role = attribute (world 2, CAMELS).
    Sites of the results file missing in the data set get NaN."""
    import h5py
    out = dict(lat=None, lat_name=None, lon=None, lon_name=None, attrs={})
    with h5py.File(data_path, "r") as f:
        if "site_id" not in f:
            return out
        ids = [_text(s) for s in f["site_id"][()]]
        where = [ids.index(s) if s in ids else -1 for s in sites]

        def per_site(name):
            v = np.asarray(f[name][()], dtype=np.float64)
            return np.array([v[i] if i >= 0 else math.nan for i in where])

        def one_d(name):
            return name in f and f[name].ndim == 1 and f[name].shape[0] == len(ids)

        for key, names in (("lat", LAT_NAMES), ("lon", LON_NAMES)):
            name = next((n for n in names if one_d(n) and np.isfinite(per_site(n)).any()), None)
            if name:
                out[key], out[f"{key}_name"] = per_site(name), name
        for name in sorted(f):
            if one_d(name) and _text(f[name].attrs.get("mtl_role", "")) == "attribute":
                out["attrs"][name] = (per_site(name), _text(f[name].attrs.get("units", "")))
    return out


def hydrograph_panels(res: Results, site_rows: list, variable: str, data_path) -> tuple:
    """(panels, note): for the sites with the largest and smallest best-λ
    Hodges-Lehmann shift, observed (when the data set is found), single-task and
    best-λ test predictions (median over done seeds per day). panels is empty
    and note says why when the file holds no predictions."""
    name = f"prediction_{variable}"
    if name not in res.ds or res.time is None:
        return [], ("The results file holds no predictions: add `[output] predictions = test` "
                    "to the INI (or pass `--output.predictions test` to mtl_mpi) and run the "
                    "grid again for the hydrographs.")
    shift = np.array([r["best_hl_shift"] for r in site_rows], dtype=np.float64)
    if not np.isfinite(shift).any():
        return [], "No site has a best-λ shift (too few paired seeds): no hydrographs."
    picks = [int(np.nanargmax(shift)), int(np.nanargmin(shift))]
    picks = list(dict.fromkeys(picks))
    obs, note = None, ""
    if data_path:
        obs = seasonal.load_observations(res, data_path, variable)
    else:
        note = "Observations not shown: the input data set was not found (give --data FILE)."
    days = np.datetime64("1970-01-01") + res.time.astype("timedelta64[D]")
    n = min(HYDRO_DAYS, days.size)
    panels = []
    for s in picks:
        row = site_rows[s]
        # One site at a time: a whole grid's predictions can be gigabytes.
        pred = res.ds[name].isel(site=s).where(res.ds.status.isel(site=s) == STATUS_DONE)
        single = pred.sel({"lambda": 0.0})
        multi = pred.sel({"lambda": row["best_lambda"]})
        what = "largest gain" if s == picks[0] else "largest loss"
        panels.append(dict(
            title=f"{row['site']} ({what}: HL shift {row['best_hl_shift']:+.3f}, "
                  f"class {row['best_class']}); first {n} days of the test period",
            days=days[:n], obs=None if obs is None else obs[s, :n],
            single=_seed_median(single)[:n], multi=_seed_median(multi)[:n],
            single_label=f"single-task (λ = 0), median NSE {row['median_single']:.3f}",
            multi_label=f"best λ = {row['best_lambda']:g}, median NSE {row['best_median']:.3f}"))
    return panels, note


def _seed_median(da) -> np.ndarray:
    v = da.transpose("seed", "time").values.astype(np.float64)
    ok = np.isfinite(v).any(axis=0)
    out = np.full(v.shape[1], np.nan)
    out[ok] = np.nanmedian(v[:, ok], axis=0)
    return out


def wall_time(start: str, end: str) -> str:
    try:
        t0, t1 = (datetime.datetime.fromisoformat(str(t).replace("Z", "+00:00"))
                  for t in (start, end))
    except ValueError:
        return "unknown (start_time / end_time unreadable)"
    seconds = int((t1 - t0).total_seconds())
    return f"{seconds // 3600} h {seconds // 60 % 60} min {seconds % 60} s"


def provenance(res: Results, data_path) -> list:
    """(label, value) rows: config, program, numeric path, data fingerprint, runs."""
    a = res.attrs
    c = run_counts(res)
    digest = a.get("data_digest")
    if digest:
        data = f"data digest {_text(digest)} (the journal's, checked by --resume)"
    else:
        present = [k for k in ("inputs", "flow_scaling", "loss") if k in a]
        data = ("no data_digest attribute in this file; data attributes present: "
                + (", ".join(present) if present else "none"))
    seconds = res.ds["train_seconds"].sum().item() if "train_seconds" in res.ds else math.nan
    rows = [("file", res.path), ("experiment", a.get("experiment", "?")),
            ("scope", a.get("scope", "?")), ("config", a.get("config_path", "?")),
            ("input data set", f"{res.data_file()} (found: {data_path or 'no'})"),
            ("data fingerprint", data),
            ("program", f"{a.get('program_version', '?')}, git {a.get('git_hash', '?')}"),
            ("numeric path", a.get("numeric_path", "not recorded")),
            ("ranks", a.get("ranks", "?")),
            ("start / end", f"{a.get('start_time', '?')} / {a.get('end_time', '?')}"),
            ("wall time (end - start)", wall_time(a.get("start_time", ""), a.get("end_time", ""))),
            ("training time summed over runs", f"{seconds:.0f} s"),
            ("runs", f"{c['total']} total: {c['done']} done, {c['failed']} failed, "
                     f"{c['pending']} pending" + (f", {c['unknown']} unknown" if c["unknown"]
                                                  else "")),
            ("complete", a.get("complete", "not recorded"))]
    return [(k, _text(v)) for k, v in rows]
