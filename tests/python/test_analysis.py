"""Tests of analysis/ on a results-file fixture with known values
(tests/python/make_results_fixture.py; schema docs/results.md).

Expected numbers are recomputed here by hand from the fixture's tables, and the
p-values by calling scipy directly on the hand-picked arrays, so a change in the
scripts' selection/pairing logic shows up as a mismatch.
"""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as sps

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ANALYSIS = os.path.join(ROOT, "analysis")
sys.path.insert(0, HERE)
sys.path.insert(0, ANALYSIS)

import make_results_fixture as fx  # noqa: E402
import resultsfile  # noqa: E402
import summarize  # noqa: E402

# Statistics go through float64 sums/differences of 2-decimal numbers: rounding
# error is a few ulp of 1 (~1e-16); 1e-12 is far above that and far below any
# difference the tables encode (0.005).
TOL = 1e-12
PY = sys.executable


@pytest.fixture(scope="module")
def fixture_file(tmp_path_factory):
    return fx.write(str(tmp_path_factory.mktemp("fx") / "fx.h5"))


@pytest.fixture(scope="module")
def summary(fixture_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("sum")
    return summarize.summarize(fixture_file, str(out), "test", None, quiet=True), out


def records(table):
    """Rows of a summary table (pandas DataFrame) as dicts."""
    return table.to_dict("records")


def site_row(summary, site):
    return next(r for r in records(summary[0]["per_site"]) if r["site"] == site)


def test_loader_decodes_and_orders(fixture_file):
    res = resultsfile.load(fixture_file)
    assert res.sites == fx.SITES and res.partitions == fx.PARTITIONS
    assert res.variables == fx.VARIABLES and res.primary == "flow"
    assert res.nse.shape == (4, 3, 6, 3, 2) and res.nse_month.shape == (4, 3, 6, 3, 2, 12)
    assert res.message[3, 2, 1] == "NaN loss at epoch 12"
    assert res.attrs["complete"] == 0
    assert resultsfile.run_counts(res) == dict(pending=2, done=69, failed=1, unknown=0,
                                               total=72)


@pytest.mark.parametrize("form", ["fixed", "chars"])
def test_loader_refuses_strings_netcdf_cannot_read(tmp_path, form):
    # netCDF-C 4.9.0 aborts the process on fixed-length HDF5 strings
    # (Unidata/netcdf-c#2159) and fails on bare char arrays: the loader must say
    # so in one line instead of letting xarray crash. mtl_mpi writes vlen strings.
    path = fx.write(str(tmp_path / f"{form}.h5"), strings=form)
    with pytest.raises(resultsfile.ResultsFileError) as err:
        resultsfile.load(path)
    assert path in str(err.value) and "\n" not in str(err.value)


def test_xarray_sees_named_dims(tmp_path):
    xr = pytest.importorskip("xarray")
    path = fx.write(str(tmp_path / "v.h5"))
    with xr.open_dataset(path) as ds:
        assert ds.nse.dims == ("site", "lambda", "seed", "partition", "variable")
        med = ds.nse.sel(partition="val", variable="flow", site="S02").median("seed")
        want = np.median(fx.test_nse("S02", 1.0) + fx.VAL_SHIFT[("S02", 1.0)])
        assert float(med.sel({"lambda": 1.0})) == pytest.approx(want, abs=TOL)


def test_per_lambda_medians_and_counts(summary):
    rows = {(r["site"], r["lambda"]): r for r in records(summary[0]["per_lambda"])}
    # S01 lambda 0 test: sorted .58 .59 .60 .61 .62 .63 -> median (.60 + .61) / 2
    assert abs(rows[("S01", 0.0)]["median"] - 0.605) < TOL
    assert abs(rows[("S01", 0.0)]["min"] - 0.58) < TOL
    assert abs(rows[("S01", 0.0)]["max"] - 0.63) < TOL
    # S01 lambda 5 = base + (.05 .06 .04 .07 .05 .08) = .65 .68 .62 .68 .64 .71
    assert abs(rows[("S01", 5.0)]["median"] - (0.65 + 0.68) / 2) < TOL
    # S04 lambda 0: seeds 4, 5 pending -> .40 .42 .38 .41, median .405, n used 4
    r = rows[("S04", 0.0)]
    assert (r["n_used"], r["n_pending"], r["n_failed"]) == (4, 2, 0)
    assert abs(r["median"] - 0.405) < TOL
    r = rows[("S04", 1.0)]  # seed 0 done with NaN NSE
    assert (r["n_used"], r["n_done"], r["n_done_nan"]) == (5, 6, 1)
    r = rows[("S04", 5.0)]  # seed 1 failed
    assert (r["n_used"], r["n_failed"]) == (5, 1)


def test_best_lambda_chosen_on_validation(summary):
    # val medians = test medians + VAL_SHIFT: S01 l1 .61+.05 < l5 .665+.06;
    # S02 l1 .515+.08 > l5 .505+.02; S03 l1 .67+.10 > l5 .60+.05;
    # S04 l1 (.43 .40 .44 .41 .44 minus NaN seed 0 -> median .43)+.05 < l5 .44+.05.
    best = {r["site"]: r["best_lambda"] for r in records(summary[0]["per_site"])}
    assert best == {"S01": 5.0, "S02": 1.0, "S03": 1.0, "S04": 5.0}


def _hand_test(site, lam, seeds=None):
    a, b = fx.test_nse(site, lam), fx.test_nse(site, 0.0)
    if seeds is not None:
        a, b = a[seeds], b[seeds]
    return a, b


def test_paired_tests_match_scipy(summary):
    for site, lam in (("S01", 5.0), ("S02", 1.0), ("S03", 1.0)):
        r = site_row(summary, site)
        a, b = _hand_test(site, lam)
        assert r["best_n_pairs"] == 6 and r["best_n_excluded"] == 0
        assert r["best_p_wilcoxon"] == pytest.approx(sps.wilcoxon(a - b).pvalue, abs=TOL)
        assert r["best_p_ttest_rel"] == pytest.approx(sps.ttest_rel(a, b).pvalue, abs=TOL)
        assert r["best_p_welch"] == pytest.approx(
            sps.ttest_ind(a, b, equal_var=False).pvalue, abs=TOL)
        assert r["best_median_diff"] == pytest.approx(np.median(a - b), abs=TOL)
    # all six differences of one sign: exact two-sided Wilcoxon p = 2 / 2^6
    assert site_row(summary, "S01")["best_p_wilcoxon"] == pytest.approx(2 / 64, abs=TOL)


def test_missing_pairs_excluded_and_counted(summary):
    r = site_row(summary, "S04")
    # best lambda 5: seed 1 failed, seeds 4, 5 pending at lambda 0 -> pairs 0, 2, 3
    assert (r["best_n_pairs"], r["best_n_excluded"]) == (3, 3)
    a, b = _hand_test("S04", 5.0, [0, 2, 3])
    assert r["best_p_wilcoxon"] == pytest.approx(sps.wilcoxon(a - b).pvalue, abs=TOL)
    # Welch uses every valid run of each side: 5 (lambda 5) and 4 (lambda 0)
    a5 = fx.test_nse("S04", 5.0)[[0, 2, 3, 4, 5]]
    a0 = fx.test_nse("S04", 0.0)[[0, 1, 2, 3]]
    assert (r["best_n_multi"], r["best_n_single"]) == (5, 4)
    assert r["best_p_welch"] == pytest.approx(
        sps.ttest_ind(a5, a0, equal_var=False).pvalue, abs=TOL)
    assert r["best_class"] == "insufficient"  # 3 pairs < MIN_PAIRS


def test_classification_and_headline(summary):
    cls = {r["site"]: (r["best_class"], r["naive_class"]) for r in records(summary[0]["per_site"])}
    # naive = lambda 1. S01 naive: diffs .01 0 .02 -.01 .02 .01, scipy p > .05.
    a, b = _hand_test("S01", 1.0)
    assert sps.wilcoxon(a - b).pvalue > 0.05
    assert cls == {"S01": ("better", "not different"), "S02": ("not different",) * 2,
                   "S03": ("worse", "worse"), "S04": ("insufficient", "insufficient")}
    h = summary[0]["headline"]
    assert (h["best"]["better"], h["best"]["not different"], h["best"]["worse"],
            h["best"]["insufficient"]) == (1, 1, 1, 1)
    assert (h["naive"]["better"], h["naive"]["not different"], h["naive"]["worse"],
            h["naive"]["insufficient"]) == (0, 2, 1, 1)


def test_missing_runs_listed(summary):
    miss = records(summary[0]["missing"])
    assert len(miss) == 4
    assert sum(m["status"] == "pending" for m in miss) == 2
    assert [m["message"] for m in miss if m["status"] == "failed"] == ["NaN loss at epoch 12"]
    assert "INCOMPLETE GRID" in summary[0]["text"]
    for name in ("summary.md", "per_lambda.csv", "per_site.csv", "headline.csv",
                 "missing_runs.csv"):
        assert os.path.getsize(summary[1] / name) > 0
    # Parquet beside each CSV exactly when pandas has an engine (Debian 12: none)
    engine = any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet"))
    parquet = [n for n in summary[0]["written"] if n.endswith(".parquet")]
    assert len(parquet) == (4 if engine else 0), parquet


def test_naive_lambda_fallback():
    lam, note = summarize.stats.naive_lambda(np.array([0.0, 5.0, 2.0]))
    assert lam == 2.0 and "smallest lambda > 0 = 2" in note


def test_cli_ok_and_bad_files(fixture_file, tmp_path, capsys):
    ok = subprocess.run([PY, os.path.join(ANALYSIS, "summarize.py"), fixture_file, "--out",
                         str(tmp_path / "o"), "--partition", "val"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "Headline" in ok.stdout and "WARNING" in ok.stdout
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    import h5py
    import plots
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = [1]
    # In-process main() (a subprocess per case would cost ~1 s of imports each);
    # one real subprocess below checks the exit status the shell sees.
    for path in (str(tmp_path / "missing.h5"), str(bad), str(tmp_path / "other.h5")):
        for main in (summarize.main, plots.main):
            capsys.readouterr()
            assert main([path, "--out", str(tmp_path / "o2")]) == 2, (main, path)
            lines = capsys.readouterr().err.strip().splitlines()
            assert len(lines) == 1 and path in lines[0], lines
    p = subprocess.run([PY, os.path.join(ANALYSIS, "plots.py"), str(bad), "--out",
                        str(tmp_path / "o3")], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_complete_file_has_no_incomplete_banner(tmp_path):
    path = fx.write(str(tmp_path / "c.h5"), complete=True)
    s = summarize.summarize(path, str(tmp_path / "o"), "test", None, quiet=True)
    assert "INCOMPLETE" not in s["text"]
    assert sum(m["status"] == "failed" for m in records(s["missing"])) == 3


def test_plots_written(fixture_file, tmp_path):
    p = subprocess.run([PY, os.path.join(ANALYSIS, "plots.py"), fixture_file, "--out",
                        str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    for name in ("nse_vs_lambda.png", "nse_change_heatmap.png", "best_change_distribution.png",
                 "seasonal_improvement.png"):
        path = tmp_path / name
        assert path.exists() and path.stat().st_size > 1000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_many_sites_get_heatmap_only(fixture_file, tmp_path, monkeypatch):
    import plots
    monkeypatch.setattr(plots, "MAX_PANELS", 2)  # fixture's 4 sites count as "many"
    names = sorted(os.path.basename(p) for p in plots.make_plots(fixture_file, str(tmp_path)))
    assert names == ["best_change_distribution.png", "nse_change_heatmap.png",
                     "seasonal_improvement.png"]


def _hand_month_nse(obs, sim, months, m):
    """Monthly NSE written out plainly: pairs of month m with both values finite."""
    pairs = [(o, p) for o, p, mm in zip(obs, sim, months)
             if mm == m and np.isfinite(o) and np.isfinite(p)]
    if len(pairs) < 10:
        return float("nan")
    mean_o = sum(o for o, _ in pairs) / len(pairs)
    sse = sum((p - o) ** 2 for o, p in pairs)
    sst = sum((o - mean_o) ** 2 for o, _ in pairs)
    return 1 - sse / sst


def test_seasonal_from_predictions(tmp_path, capsys):
    import seasonal
    path = fx.write(str(tmp_path / "p.h5"), with_predictions=True)
    res = resultsfile.load(path)
    assert res.prediction.shape == (4, 3, 6, fx.TEST_DAYS, 2)
    data = seasonal.find_data_file(res)
    assert data is not None and data.endswith("p_data.h5")
    obs = seasonal.load_observations(res, data, "flow")
    nse_m = seasonal.from_predictions(res, obs, "flow")
    months = fx.months_of_test()
    np.testing.assert_array_equal(months, seasonal.month_of_days(res.time))
    flow, _ = fx.observations()
    pred = fx.predictions(res.status)
    # float32 storage of predictions: relative error ~6e-8 of values ~10-20, squared
    # errors summed over ~50 days against sst of similar size: 1e-5 absolute is ample.
    for s, l, k, m in ((0, 2, 3, 4), (1, 0, 0, 1), (2, 1, 5, 6)):
        want = _hand_month_nse(flow[s], pred[s, l, k, :, 0].astype(np.float32), months, m)
        assert nse_m[s, l, k, m - 1] == pytest.approx(want, abs=1e-5)
    assert np.isnan(nse_m[3, 2, 1]).all()  # failed run
    site_rows = records(summarize.stats.site_table(res, "test", "flow"))
    ch = seasonal.paired_month_change(nse_m, res, site_rows, "best")
    # PRED_GAIN: only March-June errors shrink with lambda; other months identical
    assert np.all(ch[:, [0, 1, 6, 7, 8, 9, 10, 11]] == 0)
    assert np.all(ch[:, 2:6] > 0)
    import plots
    assert plots.main([path, "--out", str(tmp_path / "fig")]) == 0
    assert (tmp_path / "fig" / "seasonal_improvement_predictions.png").stat().st_size > 1000
    os.remove(data)  # observations gone: figure skipped with a message, still exit 0
    capsys.readouterr()
    assert plots.main([path, "--out", str(tmp_path / "fig2")]) == 0
    assert "--data FILE" in capsys.readouterr().out
    assert not (tmp_path / "fig2" / "seasonal_improvement_predictions.png").exists()


def test_best_lambda_ties_and_order():
    # lambdas unsorted on purpose; lambda 0 never chosen even with the top median;
    # equal val medians of lambda 5 and 1 -> the smaller lambda (1).
    xr = pytest.importorskip("xarray")
    lambdas = np.array([5.0, 0.0, 1.0])
    val = np.array([[0.5, 0.6, np.nan], [0.9, 0.9, 0.9], [0.6, 0.5, 0.55]])
    da = xr.DataArray(val, dims=("lambda", "seed"), coords={"lambda": lambdas})
    assert summarize.stats.best_lambda(da) == 1.0
    da[2] = np.nan  # lambda 1 without any valid run: not eligible
    assert summarize.stats.best_lambda(da) == 5.0
