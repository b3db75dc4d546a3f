"""analysis/twin.py and analysis/explain.py (issue 22 items 1 and 3).

twin: the fixture (make_results_fixture.py) is the world; its twin is the same
file with known test NSE edits at lambda > 0, validation untouched (so both
worlds choose the same lambda: S01 5, S02 1, S03 1, S04 5):
- S01: the twin gains 0.05 less in every seed -> link-specific gain +0.05, better;
- S02: unchanged -> differences all zero, not different;
- S03: the twin gains 0.02 more in every seed -> link worse;
- S04: 3 pairs -> insufficient.
explain: OLS against scipy.stats.linregress (one predictor), Spearman against
scipy.stats.spearmanr, and a planted two-predictor model recovered within its
intervals."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.join(HERE, "..", "..", "analysis")
sys.path.insert(0, HERE)
sys.path.insert(0, ANALYSIS)

import explain  # noqa: E402
import make_results_fixture as fx  # noqa: E402
import summarize  # noqa: E402
import twin  # noqa: E402
from resultsfile import ResultsFileError, load  # noqa: E402

EDIT = {("S01", 5.0): -0.05, ("S03", 1.0): +0.02}  # twin test NSE minus world, every seed
STORED = twin.rule_label("stored rule", "temp_gain_expected")


def write_twin(path, edit=EDIT):
    fx.write(path, truth=True)
    with h5py.File(path, "r+") as f:
        nse = f["nse"][...]
        for (site, lam), d in edit.items():
            nse[fx.SITES.index(site), fx.LAMBDAS.index(lam), :, 2, 0] += d
        f["nse"][...] = nse
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("twin")
    world = fx.write(str(d / "world.h5"), truth=True)
    return world, write_twin(str(d / "twin.h5"))


def test_link_classes_follow_the_planted_edits(files):
    world, tw = files
    t = twin.twin_table(load(world), load(tw), "test", "flow").set_index("site")
    assert list(t["world_lambda"]) == list(t["twin_lambda"]) == [5.0, 1.0, 1.0, 5.0]
    assert t.loc["S01", "link_hl_shift"] == pytest.approx(0.05, abs=1e-12)
    assert t.loc["S01", "link_class"] == "better"
    # 6 positive pairs: the exact two-sided Wilcoxon p is 2 / 2^6.
    assert t.loc["S01", "link_p_wilcoxon"] == pytest.approx(2 / 64)
    assert t.loc["S02", "link_class"] == "not different" and t.loc["S02", "link_hl_shift"] == 0
    assert t.loc["S03", "link_class"] == "worse"
    assert t.loc["S03", "link_hl_shift"] == pytest.approx(-0.02, abs=1e-12)
    assert t.loc["S04", "link_class"] == "insufficient"
    assert (t["single_differs"] == 0).all()
    # At the world's lambda without re-selection: the same planted shifts.
    assert t.loc["S01", "link_hl_at_world_lambda"] == pytest.approx(0.05, abs=1e-12)
    # The twin alone: S01's gain shrinks from +0.05..0.08 to 0..0.03 (one zero pair).
    d = np.array(fx.DIFF_TEST[("S01", 5.0)]) - 0.05
    assert t.loc["S01", "twin_hl_shift"] == pytest.approx(
        np.median([(a + b) / 2 for i, a in enumerate(d) for b in d[i:]]), abs=1e-12)


def test_scores_against_the_twin_truth(files):
    world, tw = files
    res = load(world)
    rows = summarize.stats.site_table(res, "test", "flow")
    t = twin.twin_table(res, load(tw), "test", "flow")
    s = twin.score(rows, t, {STORED: dict(fx.TRUTH)}).set_index(
        ["predictor", "adjustment"])
    w = s.loc[("world detections (best lambda better)", "raw")]
    # Detected better: S01 only (fixture); link better: S01; scored: S01-S03.
    assert (w["tp"], w["fp"], w["fn"], w["tn"]) == (1, 0, 0, 2)
    assert w["precision"] == 1 and w["recall"] == 1
    r = s.loc[("stored rule (temp_gain_expected = 1)", "raw")]
    # Rule: S01, S02 expected; link truth S01 -> precision 1/2, recall 1.
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (1, 1, 0, 1)


def test_single_task_mismatch_is_reported(tmp_path, files):
    world, _ = files
    tw = write_twin(str(tmp_path / "other.h5"), {("S02", 0.0): 0.01})
    t = twin.twin_table(load(world), load(tw), "test", "flow").set_index("site")
    assert t.loc["S02", "single_differs"] == 6 and t["single_differs"].sum() == 6
    out = summarize.summarize(world, str(tmp_path / "s"), "test", None, quiet=True, twin=tw)
    assert "single-task runs differ between the files at 1 sites" in out["text"]


def test_summarize_twin_tables_and_refusal(tmp_path, files):
    world, tw = files
    out = summarize.summarize(world, str(tmp_path / "s"), "test", None, quiet=True, twin=tw)
    assert "## Counterfactual twin" in out["text"]
    assert "## Site properties and the link-specific gain" in out["text"]
    for name in ("twin", "twin_scores", "explain_rank_best", "explain_regression_link"):
        assert os.path.exists(tmp_path / "s" / f"{name}.csv"), name
    bad = str(tmp_path / "bad.h5")
    fx.write(bad)
    with h5py.File(bad, "r+") as f:
        f["seed"][...] = np.arange(10, 10 + len(fx.SEEDS))
    with pytest.raises(ResultsFileError, match="seeds differ"):
        twin.twin_table(load(world), load(bad), "test", "flow")
    p = subprocess.run(["/usr/bin/python3", os.path.join(ANALYSIS, "summarize.py"), world,
                        "--out", str(tmp_path / "x"), "--twin", bad, "-q"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "seeds differ" in p.stderr and bad in p.stderr


def test_regression_matches_linregress():
    rng = np.random.default_rng(5)
    x = rng.normal(size=40)
    y = 0.3 * x + rng.normal(scale=0.5, size=40)
    props = pd.DataFrame({"x": x})
    coefs, fit = explain.regression(y, props, ["x"])
    ref = sps.linregress(x, y)
    sd = x.std(ddof=1)
    c = coefs.set_index("property")
    # z-scored predictor: coefficient = slope x sd(x), its se likewise.
    assert c.loc["x", "coef"] == pytest.approx(ref.slope * sd, rel=1e-10)
    assert c.loc["x", "se"] == pytest.approx(ref.stderr * sd, rel=1e-10)
    assert c.loc["x", "p"] == pytest.approx(ref.pvalue, rel=1e-8)
    assert c.loc["(intercept)", "coef"] == pytest.approx(y.mean(), rel=1e-10)
    assert fit["r2"] == pytest.approx(ref.rvalue ** 2, rel=1e-10) and fit["n"] == 40


def test_regression_recovers_a_planted_model():
    rng = np.random.default_rng(7)
    n = 400
    a, b, c = rng.normal(size=n), rng.uniform(size=n), rng.normal(size=n)
    y = 0.02 * (a - a.mean()) / a.std(ddof=1) - 0.01 * (b - b.mean()) / b.std(ddof=1) \
        + rng.normal(scale=0.01, size=n)
    props = pd.DataFrame({"a": a, "b": b, "c": c})
    props.loc[3, "c"] = np.nan  # a site without the property is left out
    coefs, fit = explain.regression(y, props, ["a", "b", "c"])
    k = coefs.set_index("property")
    assert fit["n"] == n - 1 and fit["dof"] == n - 1 - 4
    for name, true in (("a", 0.02), ("b", -0.01), ("c", 0.0)):
        # 4.5 standard errors: a planted value outside that happens with p < 1e-5.
        assert abs(k.loc[name, "coef"] - true) < 4.5 * k.loc[name, "se"], name
        assert k.loc[name, "ci_low"] < k.loc[name, "coef"] < k.loc[name, "ci_high"]
    assert k.loc["a", "p"] < 1e-6 and k.loc["b", "p"] < 1e-6


def test_rank_table_and_default_predictors():
    rng = np.random.default_rng(3)
    y = rng.normal(size=30)
    props = pd.DataFrame({explain.SKILL: y + rng.normal(scale=0.1, size=30),
                          "flat": np.ones(30), "noise": rng.normal(size=30)})
    props.loc[0, "noise"] = np.nan
    kinds = {explain.SKILL: "skill", "flat": "attribute", "noise": "attribute"}
    t = explain.rank_table(y, props, kinds)
    assert list(t["property"]) == [explain.SKILL, "noise"]  # constant dropped, |rho| order
    ok = np.isfinite(props["noise"])
    ref = sps.spearmanr(props["noise"][ok], y[ok])
    assert t.loc[1, "rho"] == pytest.approx(ref[0]) and t.loc[1, "n"] == 29
    assert explain.default_predictors(props, kinds) == [explain.SKILL]  # 30 sites: at most 3
    props["temp_link"] = rng.uniform(size=30)
    kinds["temp_link"] = "truth"
    assert explain.default_predictors(props, kinds) == ["temp_link", explain.SKILL]


def test_report_twin_section(tmp_path, files):
    import re
    import report
    world, tw = files
    page = open(report.build([world], str(tmp_path / "r"), twin=tw), encoding="utf-8").read()
    text = re.sub(r"<[^>]+>", " ", page)
    assert "The link adds skill at 1 sites, takes it at 1, no difference at 1" in text
    assert "Site properties and the link-specific shift" in text
    # World detections against the twin truth: scored 3, TP 1, FP 0, FN 0, TN 2.
    assert re.search(r"world detections \(best lambda better\)\s+raw\s+3\s+1\s+0\s+0\s+2\s+1\s+1",
                     text)


def test_explain_names_chosen_and_refused(tmp_path, files):
    world, _ = files
    out = summarize.summarize(world, str(tmp_path / "s"), "test", None, quiet=True,
                              explain_names=["temp_gain_expected"])
    coefs = out["explain"][0][3]
    assert list(coefs["property"]) == ["(intercept)", "temp_gain_expected"]
    p = subprocess.run(["/usr/bin/python3", os.path.join(ANALYSIS, "summarize.py"), world,
                        "--out", str(tmp_path / "x"), "--explain", "single_task_nse,nope", "-q"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "--explain: nope not a site property" in p.stderr


def doubled(path, second=None):
    """The fixture's 6 seeds twice over as 12 seeds (6-11 a copy of 0-5, or of
    `second`'s seeds): two independent-looking halves with known contents."""
    import xarray as xr
    from resultsfile import Results
    a = load(path).ds
    b = (load(second).ds if second else a).assign_coords(seed=a.seed + len(fx.SEEDS))
    return Results(path=path, ds=xr.concat([a, b], dim="seed"))


def test_parse_and_select_seeds(files):
    from resultsfile import parse_seeds, select_seeds
    assert parse_seeds("0-2, 5 7-8") == [0, 1, 2, 5, 7, 8]
    assert parse_seeds("3 3 1") == [1, 3]
    for bad in ("", "2-1", "a"):
        with pytest.raises(ValueError):
            parse_seeds(bad)
    res = load(files[0])
    sub = select_seeds(res, [1, 4])
    assert list(sub.seeds) == [1, 4]
    np.testing.assert_array_equal(sub.nse, res.nse[:, :, [1, 4]])
    with pytest.raises(ResultsFileError, match="seeds 9 not in file"):
        select_seeds(res, [4, 9])


def test_split_halves_identical_halves_agree(files):
    world, tw = files
    h = twin.split_halves(doubled(world), doubled(tw), "test", "flow", {STORED: dict(fx.TRUTH)})
    assert list(h["predictor_seeds"].unique()) == ["0-5", "6-11"]
    h = h[h["predictor_seeds"] == "0-5"].set_index("predictor")
    # Half B repeats half A: the truth finds itself (S01 better; S04 insufficient).
    t = h.loc["twin truth (link better)"]
    assert (t["tp"], t["fp"], t["fn"], t["tn"], t["scored"]) == (1, 0, 0, 2, 3)
    assert t["rho_shift"] == pytest.approx(1.0)
    w = h.loc["world detections (best lambda better)"]
    assert (w["tp"], w["fp"], w["fn"], w["tn"]) == (1, 0, 0, 2)
    r = h.loc["stored rule (temp_gain_expected = 1)"]
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (1, 1, 0, 1)
    assert twin.spearman_brown(0.5) == pytest.approx(2 / 3)


def test_split_halves_truth_that_does_not_reproduce(files):
    world, tw = files
    # Seeds 6-11 of the twin are the world itself: no link in that half, so
    # half A's detections (S01) are all false positives against half B's truth.
    h = twin.split_halves(doubled(world), doubled(tw, second=world), "test", "flow", None)
    a = h[h["predictor_seeds"] == "0-5"].set_index("predictor")
    assert len(a) == 2  # no rule given
    t = a.loc["twin truth (link better)"]
    assert (t["tp"], t["fp"], t["fn"]) == (0, 1, 0)
    assert t["precision"] == 0 and np.isnan(t["recall"])
    b = h[h["predictor_seeds"] == "6-11"].set_index("predictor")
    assert b.loc["twin truth (link better)", "recall"] == 0  # S01 true in A, missed in B
    assert twin.split_halves(load(world), load(tw), "test", "flow", None) is None  # 6 seeds


def test_summarize_seeds_option(tmp_path, files, capsys):
    world, tw = files
    out = summarize.summarize(world, str(tmp_path / "s"), "test", None, quiet=True, twin=tw,
                              seeds=[0, 1, 2, 3, 4, 5])
    assert "(--seeds: 0-5 only)" in out["text"]
    assert "Independent seed halves: fewer than 12 seeds" in out["text"]
    assert summarize.main([world, "--out", str(tmp_path / "t"), "-q", "--seeds", "0-3"]) == 0
    assert summarize.main([world, "-q", "--seeds", "4-2"]) == 2
    assert "--seeds 4-2: range 4-2 runs backwards" in capsys.readouterr().err
    assert summarize.main([world, "-q", "--seeds", "0-6"]) == 2
    assert "seeds 6 not in file" in capsys.readouterr().err


def test_report_twin_halves(tmp_path, files):
    import re
    import shutil
    import report
    world, tw = files
    paths = []
    for name, src in (("world12.h5", world), ("twin12.h5", tw)):
        p = str(tmp_path / name)
        doubled(src).ds.to_netcdf(p)  # netCDF-4 = HDF5, read back by resultsfile.load
        paths.append(p)
    # The stored config names the data file beside the fixture (its truth).
    data = load(world).data_file()
    shutil.copy(os.path.join(os.path.dirname(world), data), tmp_path / data)
    page = open(report.build([paths[0]], str(tmp_path / "r"), twin=paths[1]),
                encoding="utf-8").read()
    text = re.sub(r"<[^>]+>", " ", page)
    assert "shift correlates with itself at ρ = 1 between halves" in text
    assert re.search(r"twin truth \(link better\)\s+0-5\s+6-11\s+3\s+1\s+0\s+0\s+1\s+1\s+1", text)


def test_link_dz(files):
    world, tw = files
    t = twin.twin_table(load(world), load(tw), "test", "flow").set_index("site")
    assert np.isnan(t.loc["S02", "link_dz"])  # every difference exactly 0: no spread
    # A twin whose S03 gain at lambda 1 moves by a different amount in each seed:
    # d_z is the mean over the standard deviation of exactly those differences.
    from resultsfile import Results
    edit = np.array([0.01, 0.03, 0.02, 0.04, 0.00, 0.02])
    w = load(world)
    ds = w.ds.copy(deep=True)
    ds["nse"].values[fx.SITES.index("S03"), fx.LAMBDAS.index(1.0), :, 2, 0] += edit
    t2 = twin.twin_table(w, Results(path="t", ds=ds), "test", "flow").set_index("site")
    x = summarize.stats.valid_nse(w, "test", "flow").sel(site="S03")
    g = (x.sel({"lambda": 1.0}) - x.sel({"lambda": 0.0})).values
    diff = g - (g + edit)
    assert t2.loc["S03", "link_dz"] == pytest.approx(diff.mean() / diff.std(ddof=1), rel=1e-9)
