#!/usr/bin/python3
"""Write a small results file that follows docs/results.md exactly, with
KNOWN values, so the analysis scripts can be tested before (and besides) mtl_mpi.

    python3 tests/python/make_results_fixture.py OUT.h5 [--complete]

Grid: 4 sites x lambdas (0, 1, 5) x 6 seeds (0..5), primary flow, auxiliary temp.
Every number is built from the tables below, so a test can recompute the
statistics by hand from them:
- S01: lambda 5 is best on val and better on test in every seed (Wilcoxon better);
- S02: lambda 1 is best on val, test differences of mixed sign (not different);
- S03: lambda 1 is best on val, worse on test in every seed (Wilcoxon worse);
- S04: lambda 0 seeds 4, 5 pending, lambda 5 seed 1 failed, lambda 1 seed 0 done
  but NSE not computable (NaN): best lambda 5 has only 3 pairs (insufficient).
With --complete the two pending runs are written as failed instead, so the file
is complete (complete = 1); their NSE stays NaN.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

SITES = ["S01", "S02", "S03", "S04"]
LAMBDAS = [0.0, 1.0, 5.0]
SEEDS = [0, 1, 2, 3, 4, 5]
PARTITIONS = ["train", "val", "test"]
VARIABLES = ["flow", "temp"]
NAN = float("nan")

# Test-partition flow NSE [site][lambda] -> 6 seeds. lambda > 0 rows are lambda 0
# plus the per-seed differences in DIFF (so the paired differences are the DIFF rows
# up to float rounding; the tests call scipy on the subtracted arrays).
BASE_TEST = {
    "S01": [0.60, 0.62, 0.58, 0.61, 0.59, 0.63],
    "S02": [0.50, 0.52, 0.48, 0.51, 0.49, 0.53],
    "S03": [0.70, 0.72, 0.68, 0.71, 0.69, 0.73],
    "S04": [0.40, 0.42, 0.38, 0.41, 0.39, 0.43],
}
DIFF_TEST = {
    ("S01", 1.0): [0.01, 0.00, 0.02, -0.01, 0.02, 0.01],
    ("S01", 5.0): [0.05, 0.06, 0.04, 0.07, 0.05, 0.08],
    ("S02", 1.0): [0.02, -0.01, 0.01, -0.02, 0.03, -0.01],
    ("S02", 5.0): [-0.01, 0.01, -0.02, 0.00, 0.01, -0.01],
    ("S03", 1.0): [-0.03, -0.05, -0.02, -0.04, -0.06, -0.01],
    ("S03", 5.0): [-0.10, -0.12, -0.08, -0.11, -0.09, -0.13],
    ("S04", 1.0): [0.01, 0.02, 0.01, 0.03, 0.02, 0.01],
    ("S04", 5.0): [0.04, 0.05, 0.03, 0.06, 0.04, 0.05],
}
# Validation-partition flow NSE: test values shifted by a per-(site, lambda)
# offset, which decides the best lambda (val medians: S01 5, S02 1, S03 1, S04 5).
VAL_SHIFT = {
    ("S01", 0.0): 0.05, ("S01", 1.0): 0.05, ("S01", 5.0): 0.06,
    ("S02", 0.0): 0.05, ("S02", 1.0): 0.08, ("S02", 5.0): 0.02,
    ("S03", 0.0): 0.05, ("S03", 1.0): 0.10, ("S03", 5.0): 0.05,
    ("S04", 0.0): 0.05, ("S04", 1.0): 0.05, ("S04", 5.0): 0.05,
}
# Per-site truth for --truth: world 2's `temp_gain_expected` (1 = temperature
# should help the flow model), stored in the data file as (site) float64.
TRUTH = {"S01": 1.0, "S02": 1.0, "S03": 0.0, "S04": 0.0}
PENDING = [("S04", 0.0, 4), ("S04", 0.0, 5)]
FAILED = {("S04", 5.0, 1): "NaN loss at epoch 12"}
DONE_NAN = [("S04", 1.0, 0)]  # done, but NSE not computable (e.g. < 10 observations)
# nse_month = NSE of the partition + SEASON[month] * lambda / (1 + lambda): a
# high-flow-season (Mar-Jun) gain that grows with lambda; zero for lambda = 0.
SEASON = np.array([0, 0, 0.04, 0.06, 0.05, 0.02, 0, 0, 0, 0, 0, 0])


def test_nse(site, lam):
    """Flow test NSE over seeds [6] before status masking."""
    base = np.array(BASE_TEST[site])
    return base if lam == 0 else base + np.array(DIFF_TEST[(site, lam)])


def build_nse(complete=False):
    """nse [S, L, K, P, V] and status [S, L, K] following the tables above."""
    S, L, K = len(SITES), len(LAMBDAS), len(SEEDS)
    nse = np.empty((S, L, K, 3, 2))
    status = np.ones((S, L, K), dtype=np.int8)
    message = np.full((S, L, K), b"", dtype="S96")
    for s, site in enumerate(SITES):
        for l, lam in enumerate(LAMBDAS):
            t = test_nse(site, lam)
            nse[s, l, :, 2, 0] = t
            nse[s, l, :, 1, 0] = t + VAL_SHIFT[(site, lam)]
            nse[s, l, :, 0, 0] = t + 0.2  # train: better than test
            nse[s, l, :, :, 1] = 0.9 - 0.01 * np.arange(3)[None, :] - 0.001 * l  # temp
    for site, lam, seed in PENDING:
        idx = (SITES.index(site), LAMBDAS.index(lam), SEEDS.index(seed))
        status[idx] = 2 if complete else 0
        if complete:
            message[idx] = b"rank killed"
        nse[idx] = NAN
    for (site, lam, seed), msg in FAILED.items():
        idx = (SITES.index(site), LAMBDAS.index(lam), SEEDS.index(seed))
        status[idx], message[idx], nse[idx] = 2, msg.encode(), NAN
    for site, lam, seed in DONE_NAN:
        nse[SITES.index(site), LAMBDAS.index(lam), SEEDS.index(seed)] = NAN
    return nse, status, message


# Predictions (--predictions): test period of 2 years from 2010-10-01, flow and
# temp observed on all days but every 7th. Prediction = obs + ERR for lambda 0 and
# obs + ERR * (1 - PRED_GAIN[month] * lambda / (1 + lambda)) for lambda > 0, where
# ERR[s, k, t] = cos(0.7 t + k + s): multi-task only changes Mar-Jun errors.
TEST_START, TEST_DAYS = 14883, 731  # 2010-10-01 as days since 1970-01-01
PRED_GAIN = np.array([0, 0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0, 0])


def observations():
    """Observed [S, T] flow and temp on the test days (NaN every 7th day)."""
    t = np.arange(TEST_DAYS)
    doy = 2 * np.pi * t / 365.25
    flow = np.array([10 + s + 5 * np.sin(doy) for s in range(len(SITES))])
    temp = np.array([12 + 8 * np.sin(doy - 1) + 0.1 * s for s in range(len(SITES))])
    flow[:, ::7] = np.nan
    temp[:, ::7] = np.nan
    return flow, temp


def months_of_test():
    d = np.datetime64("1970-01-01") + np.arange(TEST_START, TEST_START + TEST_DAYS).astype(
        "timedelta64[D]")
    return d.astype("datetime64[M]").astype(np.int64) % 12 + 1


def predictions(status):
    """predictions [S, L, K, T, V] (V: flow, temp) following the rule above (NaN unless done)."""
    S, L, K = status.shape
    t = np.arange(TEST_DAYS)
    err = np.cos(0.7 * t[None, None, :] + np.arange(K)[None, :, None]
                 + np.arange(S)[:, None, None])  # [S, K, T]
    gain = PRED_GAIN[months_of_test() - 1]  # [T]
    obs = np.nan_to_num(np.stack(observations(), axis=-1))  # [S, T, V], gaps filled
    pred = np.empty((S, L, K, TEST_DAYS, 2))
    for l, lam in enumerate(LAMBDAS):
        scale = 1 - gain * lam / (1 + lam)  # [T]
        pred[:, l] = obs[:, None] + (err * scale)[..., None]
    pred[status != 1] = np.nan
    return pred


# Site coordinates and basin attributes (--attributes): LAT, LON (longitude only
# with lon=True) and AREA as (site) variables, area with mtl_role = attribute.
LAT = {"S01": 40.0, "S02": 42.5, "S03": 45.0, "S04": 47.5}
LON = {"S01": -105.0, "S02": -100.0, "S03": -95.0, "S04": -90.0}
AREA = {"S01": 100.0, "S02": 250.0, "S03": 50.0, "S04": 400.0}


def write_data_file(path, truth=False, attributes=False, lon=False):
    """The input data set the predictions are scored against (design.md layout);
    truth adds TRUTH as `temp_gain_expected` (site), mtl_role = truth (world 2);
    attributes adds `latitude`, `gauge_lat` and `area` (mtl_role = attribute, as
    world 2 writes them), lon also `longitude`."""
    import h5py
    flow, temp = observations()
    with h5py.File(path, "w") as f:
        _coord(f, "site", np.arange(len(SITES), dtype=np.int32))
        _coord(f, "time", np.arange(TEST_START, TEST_START + TEST_DAYS, dtype=np.int32),
               units="days since 1970-01-01")
        ids = f.create_dataset("site_id", data=SITES, dtype=h5py.string_dtype())
        ids.dims[0].attach_scale(f["site"])
        for name, v, unit in (("flow", flow, "m3 s-1"), ("temp", temp, "degC")):
            _var(f, name, v.astype(np.float32), ("site", "time"), np.float32(np.nan),
                 units=unit)
        if attributes:
            lat = np.array([LAT[s] for s in SITES])
            _var(f, "latitude", lat, ("site",), np.nan, units="degrees_north")
            _var(f, "gauge_lat", lat, ("site",), np.nan, units="degrees_north",
                 mtl_role="attribute")
            _var(f, "area", np.array([AREA[s] for s in SITES]), ("site",), np.nan,
                 units="km2", mtl_role="attribute")
        if lon:
            _var(f, "longitude", np.array([LON[s] for s in SITES]), ("site",), np.nan,
                 units="degrees_east")
        if truth:
            _var(f, "temp_gain_expected", np.array([TRUTH[s] for s in SITES]), ("site",),
                 np.nan, units="1", mtl_role="truth")


def _coord(f, name, data, **attrs):
    d = _put(f, name, data)
    d.make_scale(name)
    for k, v in attrs.items():
        d.attrs[k] = v
    return d


def _var(f, name, data, dims, fill=None, **attrs):
    d = _put(f, name, data) if fill is None else f.create_dataset(name, data=data,
                                                                    fillvalue=fill)
    if fill is not None:
        d.attrs["_FillValue"] = np.array(fill, dtype=d.dtype)
    for i, dim in enumerate(dims):
        d.dims[i].attach_scale(f[dim])
    for k, v in attrs.items():
        d.attrs[k] = v
    return d


STRING_FORMS = ("fixed", "chars", "vlen")


def _strings(values, width, form):
    """Strings as the schema's fixed-length S<width> ("fixed"), netCDF char
    arrays [..., width] of S1 ("chars") or variable-length UTF-8 ("vlen")."""
    a = np.asarray(values, dtype=f"S{width}")
    if form == "chars":
        return a.view("S1").reshape(a.shape + (width,))
    if form == "vlen":
        return np.array([v.decode() for v in a.reshape(-1)], dtype=object).reshape(a.shape)
    return a


def _put(f, name, data):
    """create_dataset that gives object (vlen str) arrays the h5py string dtype."""
    if data.dtype == object:
        import h5py
        return f.create_dataset(name, data=data, dtype=h5py.string_dtype())
    return f.create_dataset(name, data=data)


def write(path, complete=False, strings="vlen", with_predictions=False, truth=False,
          experiment="fixture", attributes=False, lon=False):
    """Write the fixture. strings: "vlen" (variable-length UTF-8, what mtl_mpi
    writes), or, to test that the reader refuses them cleanly, "fixed" (S<n>:
    netCDF-C 4.9.0 aborts on those, Unidata/netcdf-c#2159) or "chars" (1-byte
    char arrays with a trailing string-length dim);
    with_predictions adds `time`, `prediction_flow`, `prediction_temp` and the data set <stem>_data.h5
    beside it, named in effective_config as [data] file (relative name); truth writes
    that data set (also without predictions) with the per-site TRUTH; experiment is
    the `experiment` attribute ("exp1" brings the paper's counts into the summary);
    attributes and lon add coordinates and basin attributes to that data set."""
    import h5py
    import os
    data_name = os.path.splitext(os.path.basename(path))[0] + "_data.h5"
    nse, status, message = build_nse(complete)
    message = _strings(message, 96, strings)
    run_dims = ("site", "lambda", "seed")
    mdims = run_dims + ("partition", "variable")
    month_of = nse[..., None] + SEASON * (np.array(LAMBDAS) / (1 + np.array(LAMBDAS)))[
        None, :, None, None, None, None]
    with h5py.File(path, "w") as f:
        _coord(f, "site", _strings(SITES, 8, strings))
        _coord(f, "lambda", np.array(LAMBDAS, dtype=np.float64))
        _coord(f, "seed", np.array(SEEDS, dtype=np.int32))
        _coord(f, "partition", _strings(PARTITIONS, 8, strings))
        _coord(f, "variable", _strings(VARIABLES, 8, strings))
        _coord(f, "month", np.arange(1, 13, dtype=np.int32))
        _var(f, "status", status, run_dims, flag_values=np.array([0, 1, 2], dtype=np.int8),
             flag_meanings="pending done failed")
        _var(f, "message", message, run_dims)
        done = status == 1
        _var(f, "train_seconds", np.where(done, 1.5, np.nan), run_dims, units="s")
        _var(f, "final_loss", np.where(done, 0.3, np.nan), run_dims)
        _var(f, "epochs_run", np.where(done, 50, 0).astype(np.int32), run_dims)
        _var(f, "mpi_rank", np.zeros(status.shape, dtype=np.int32), run_dims)
        for name in ("nse", "nse_high", "nse_low", "nse_log", "kge", "rmse_log"):
            _var(f, name, nse if name == "nse" else nse - 0.05, mdims, np.nan, units="1")
        # Quantities in the target's units: one variable per target (flow, temp).
        for v, (var, unit) in enumerate((("flow", "m3 s-1"), ("temp", "K"))):
            for name in ("rmse", "rmse_high", "rmse_low", "bias"):
                _var(f, f"{name}_{var}", 1.0 - nse[..., v], mdims[:-1], np.nan, units=unit)
            _var(f, f"rmse_month_{var}", (1 - month_of[..., v, :]).astype(np.float32),
                 mdims[:-1] + ("month",), np.nan, units=unit)
        n_obs = np.where(np.isfinite(nse), 365, -1).astype(np.int64)
        _var(f, "n_obs", n_obs, mdims, units="1")
        _var(f, "nse_month", month_of.astype(np.float32), mdims + ("month",), np.nan, units="1")
        if with_predictions:
            _coord(f, "time", np.arange(TEST_START, TEST_START + TEST_DAYS, dtype=np.int32),
                   units="days since 1970-01-01")
            pred = predictions(status).astype(np.float32)
            for v, (var, unit) in enumerate((("flow", "m3 s-1"), ("temp", "degC"))):
                _var(f, f"prediction_{var}", pred[..., v], run_dims + ("time",),
                     np.float32(np.nan), units=unit)
        if with_predictions or truth or attributes or lon:
            write_data_file(os.path.join(os.path.dirname(os.path.abspath(path)), data_name),
                            truth, attributes, lon)
        c = dict(done=int(done.sum()), failed=int((status == 2).sum()),
                 pending=int((status == 0).sum()))
        attrs = dict(ini="[experiment]\nname = fixture\n",
                     effective_config=f"[experiment]\nname = fixture\n[data]\nfile = {data_name}\n",
                     config_path="fixture.ini", experiment=experiment, primary="flow",
                     auxiliary="temp", scope="single_site", program_version="fixture",
                     git_hash="0" * 40, onednn_version="-", onednn_isa="-",
                     hdf5_version=h5py.version.hdf5_version, mpi_version="-", ranks=1,
                     start_time="2026-11-27T00:00:00Z", end_time="2026-11-27T00:01:00Z",
                     complete=int(c["pending"] == 0), runs_total=int(status.size),
                     runs_done=c["done"], runs_failed=c["failed"], runs_pending=c["pending"],
                     Conventions="CF-1.8")
        for k, v in attrs.items():
            f.attrs[k] = v
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description="write the analysis test fixture")
    ap.add_argument("out")
    ap.add_argument("--complete", action="store_true", help="pending runs written as failed")
    ap.add_argument("--strings", choices=STRING_FORMS, default="vlen",
                    help="string storage (vlen = what mtl_mpi writes)")
    ap.add_argument("--predictions", action="store_true",
                    help="add test predictions and the observations data set")
    ap.add_argument("--truth", action="store_true",
                    help="write the data set with the per-site truth temp_gain_expected")
    a = ap.parse_args(argv)
    write(a.out, a.complete, a.strings, a.predictions, a.truth)
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
