"""Hodges-Lehmann shift, Benjamini-Hochberg counts, --min-effect, the paper-style
table on both partitions and the truth agreement (analysis/effects.py, stats.py,
paper.py) on the fixture of make_results_fixture.py. Expected values are worked
out by hand in the comments."""
import math
import os
import sys

import numpy as np
import pytest
from scipy import stats as sps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "analysis"))

import effects  # noqa: E402
import make_results_fixture as fx  # noqa: E402
import stats  # noqa: E402
import summarize  # noqa: E402

TOL = 1e-12  # float64 sums of 2-decimal numbers (see test_analysis.py)


def run(tmp_path, name="o", **kw):
    fx_kw = {k: kw.pop(k) for k in ("truth", "experiment", "with_predictions") if k in kw}
    path = fx.write(str(tmp_path / f"{name}.h5"), **fx_kw)
    return summarize.summarize(path, str(tmp_path / name), "test", None, quiet=True, **kw)


def rows(table):
    return {r["site"]: r for r in table.to_dict("records")}


def test_hodges_lehmann_by_hand():
    # Walsh averages of 1 2 4: 1 2 4 1.5 2.5 3 -> sorted 1 1.5 2 2.5 3 4 -> 2.25 (median 2)
    assert effects.hodges_lehmann([1, 2, 4]) == 2.25
    assert math.isnan(effects.hodges_lehmann([]))


def test_hl_in_site_table(tmp_path):
    r = rows(run(tmp_path)["per_site"])
    # S01 best (lambda 5) d = .05 .06 .04 .07 .05 .08; its 21 Walsh averages sorted:
    # .04 .045x2 .05x4 .055x3 .06x4 .065x3 .07x2 .075 .08 -> 11th = .06 (median d .055)
    assert r["S01"]["best_hl_shift"] == pytest.approx(0.06, abs=TOL)
    assert r["S01"]["best_median_diff"] == pytest.approx(0.055, abs=TOL)
    # S03 best (lambda 1) d = -.03 -.05 -.02 -.04 -.06 -.01: symmetric about -.035
    assert r["S03"]["best_hl_shift"] == pytest.approx(-0.035, abs=TOL)


def test_hl_sign_decides_where_the_median_disagrees():
    # 21 small negative and 19 large positive differences: median < 0, but W+ is
    # large (the negatives have ranks 1..21, W- = 231 of 820), so the test rejects
    # towards "multi-task better", and so does the HL shift. The old rule (sign of
    # the median) called this "worse".
    d = np.concatenate([-0.001 * np.arange(1, 22) / 21, 0.1 + 0.005 * np.arange(19)])
    single = np.full(d.size, 0.5)
    c = stats.compare(single + d, single)
    assert c["median_diff"] < 0 < c["hl_shift"]
    assert c["p_wilcoxon"] == pytest.approx(sps.wilcoxon(d).pvalue, rel=1e-6)
    assert c["p_wilcoxon"] < 0.05 and c["class"] == "better"


def test_bh_by_hand():
    # p .01 .04 .03 .2 -> sorted .01 .03 .04 .2, m p/j = .04 .06 .0533 .2,
    # running min from the top: .04 .0533 .0533 .2; NaN ignored (m = 4, not 5)
    q = effects.bh_adjust([0.01, 0.04, np.nan, 0.03, 0.2])
    np.testing.assert_allclose(q, [0.04, 0.16 / 3, np.nan, 0.16 / 3, 0.2], atol=TOL)
    assert effects.bh_adjust([0.9, 0.8])[0] == 0.9  # capped by the running minimum
    fdc = getattr(sps, "false_discovery_control", None)  # scipy >= 1.11 only
    if fdc is not None:
        p = np.random.default_rng(1).uniform(0, 0.2, 50)
        np.testing.assert_allclose(effects.bh_adjust(p), fdc(p, method="bh"), atol=TOL)


def test_bh_over_the_sites(tmp_path):
    s = run(tmp_path)
    r = rows(s["per_site"])
    # best: tested sites S01, S02, S03 (S04 has 3 pairs); S01 and S03 p = 2/64 (exact,
    # one sign), S02 p = .84: m p / j = 6/64, 3/64, .84, running min from the top
    # 3/64, 3/64, .84 -> q(S01) = q(S03) = 3/64
    assert r["S01"]["best_q_bh"] == pytest.approx(3 / 64, abs=TOL)
    assert r["S03"]["best_q_bh"] == pytest.approx(3 / 64, abs=TOL)
    assert math.isnan(r["S04"]["best_q_bh"])
    # naive (lambda 1): S03 p = 2/64 is the smallest of three; q = min(3 p1, 3/2 p2, p3)
    p = {k: sps.wilcoxon(fx.test_nse(k, 1.0) - fx.test_nse(k, 0.0)).pvalue
         for k in ("S01", "S02", "S03")}
    srt = sorted(p.values())
    assert r["S03"]["naive_q_bh"] == pytest.approx(
        min(3 * srt[0], 1.5 * srt[1], srt[2]), abs=TOL)
    assert r["S03"]["naive_q_bh"] > 0.05  # worse raw, not different after BH
    assert (r["S03"]["naive_class"], r["S03"]["naive_class_bh"]) == ("worse", "not different")
    h = s["headline"]["naive"]
    assert (h["worse"], h["worse_bh"], h["not different_bh"]) == (1, 0, 3)


def test_min_effect(tmp_path):
    # |HL| S01 best .06, S03 best .035: 0.05 keeps S01 better, makes S03 not different
    r = rows(run(tmp_path, min_effect=0.05)["per_site"])
    assert (r["S01"]["best_class"], r["S03"]["best_class"]) == ("better", "not different")
    assert r["S03"]["best_class_bh"] == "not different"
    r = rows(run(tmp_path, "o2", min_effect=0.07)["per_site"])
    assert r["S01"]["best_class"] == "not different"
    assert summarize.main([str(tmp_path / "o.h5"), "--min-effect", "-1"]) == 2


def test_paper_table_both_partitions(tmp_path):
    t = run(tmp_path, experiment="exp1")["paper"]
    get = {(r["partition"], r["comparison"], r["adjustment"]): r for r in t.to_dict("records")}
    assert len(get) == 8
    c = ("improved", "no_difference", "worse", "insufficient", "sites")
    assert tuple(get[("test", "best", "raw")][k] for k in c) == (1, 1, 1, 1, 4)
    assert tuple(get[("test", "naive", "BH")][k] for k in c) == (0, 3, 0, 1, 4)
    # val d = test d + (VAL_SHIFT[lambda] - VAL_SHIFT[0]): S01 (l5) +.01 all > 0,
    # S02 (l1) +.03 -> .05 .02 .04 .01 .06 .02 all > 0, S03 (l1) +.05 -> mixed
    assert tuple(get[("val", "best", "raw")][k] for k in c) == (2, 1, 0, 1, 4)
    p = get[("test", "best", "raw")]
    assert (p["paper_improved"], p["paper_no_difference"], p["paper_worse"],
            p["paper_sites"]) == (56, 43, 2, 101)
    assert get[("test", "naive", "BH")]["paper_worse"] == 3
    assert math.isnan(get[("val", "best", "raw")]["paper_improved"])
    other = run(tmp_path, "o2")["paper"]
    assert other["paper_improved"].isna().all()
    # a converged profile of experiment 1 is read against experiment 1's counts
    conv = run(tmp_path, "o3", experiment="exp1_converged")["paper"]
    assert conv[(conv.partition == "test") & (conv.comparison == "best")][
        "paper_improved"].tolist() == [56, 56]


def test_truth_agreement(tmp_path):
    s = run(tmp_path, truth=True)
    t = {(r["comparison"], r["adjustment"]): r for r in s["truth"].to_dict("records")}
    # truth S01 1, S02 1, S03 0, S04 0; best classes better, not different, worse,
    # insufficient -> S01 hit, S02 missed, S03 correct negative, S04 not scored
    r = t[("best", "raw")]
    assert (r["scored"], r["expected_improved"], r["expected_not_improved"],
            r["improved_not_expected"], r["neither"]) == (3, 1, 1, 0, 1)
    assert (r["precision"], r["recall"]) == (1.0, 0.5)
    assert os.path.exists(tmp_path / "o" / "truth_agreement.csv")
    assert "Agreement with the synthetic truth" in s["text"]


def test_truth_skipped_cleanly(tmp_path):
    s = run(tmp_path, with_predictions=True)  # a data file, but without the truth variable
    assert s["truth"] is None and "no per-site 'temp_gain_expected'" in s["text"]
    s = run(tmp_path, "o2")  # no data file at all
    assert s["truth"] is None and "input data file not found" in s["text"]
    assert not os.path.exists(tmp_path / "o2" / "truth_agreement.csv")
