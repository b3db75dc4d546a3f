"""analysis/ceiling.py: the twin truth re-measured on resampled seeds (issue 22).

Planted grids with known answers: lambdas 0, 1, 5, validation always best at
lambda 1 (so lambda* is fixed and every gain is NSE(1) - NSE(0)); per seed an
independent N(0, 0.005) noise on each run's test NSE, so a paired difference
has sd 0.005 sqrt(2) (gain) or 0.01 (gain world - gain twin). Link sites gain
+0.05 in the world only (10 noise sds: found in every draw), generic sites
+0.05 in world and twin (the world's detections find them, the truth must not),
null sites nothing: a two-sided Wilcoxon at alpha 0.05 calls a null site
"better" with probability 0.025, i.e. 0.6 of 24 null sites a draw."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.join(HERE, "..", "..", "analysis")
sys.path.insert(0, HERE)
sys.path.insert(0, ANALYSIS)

import ceiling  # noqa: E402
import make_results_fixture as fx  # noqa: E402
import stats  # noqa: E402
import summarize  # noqa: E402
import twin  # noqa: E402
from resultsfile import load  # noqa: E402
from test_analysis_twin import write_twin  # noqa: E402

S, K, NOISE = 30, 20, 0.005
LINK, GENERIC = range(0, 6), range(6, 12)


def planted(link=LINK, generic=GENERIC, seed=1) -> ceiling.Grid:
    rng = np.random.default_rng(seed)
    lam = np.array([0.0, 1.0, 5.0])
    x = [0.6 + rng.normal(0, NOISE, (S, 3, K)) for _ in range(2)]  # world, twin
    for s in generic:
        for w in x:
            w[s, 1] += 0.05
    for s in link:
        x[0][s, 1] += 0.05
    v = np.zeros((S, 3, K))
    v[:, 1] = 0.01  # lambda 1 best on validation in both worlds
    return ceiling.Grid(x[0], v, x[1], v.copy(), lam, [f"S{i:02d}" for i in range(S)])


def rows(table, method, seeds):
    t = table[(table["method"] == method) & (table["seeds"] == seeds)]
    return t.set_index("predictor")


def test_classes_equal_twin_and_site_tables(tmp_path):
    # The fixture's world and twin (S04 with failed runs, NaN): classes() at all
    # seeds must be the classes summarize.py reports.
    world = fx.write(str(tmp_path / "world.h5"), truth=True)
    tw = write_twin(str(tmp_path / "twin.h5"))
    w, t = load(world), load(tw)
    g = ceiling.grid(w, t, "test", "flow")
    truth, found = ceiling.classes(g, np.arange(len(w.seeds)))
    tt = twin.twin_table(w, t, "test", "flow")
    st = stats.site_table(w, "test", "flow")
    assert list(truth) == list(tt["link_class"] == "better")
    assert list(found) == list(st["best_class"] == "better")
    assert truth.any() and found.sum() >= truth.sum()


def test_a_planted_link_is_found_and_reproduces():
    g = planted()
    truth, found = ceiling.classes(g, np.arange(K))
    assert truth[list(LINK)].all() and found[list(LINK) + list(GENERIC)].all()
    assert not truth[list(GENERIC)].any()  # the generic gain is in the twin too
    # Disjoint halves of 10 fresh seeds: the link sites in every half (exact
    # Wilcoxon p 2 / 2^10), about 0.6 null sites besides: precision and recall
    # ~6 / 6.6 = 0.91 (bound 0.8); the detections call generic sites too: ~6 / 12.
    h = {x["predictor"]: x for x in ceiling.random_halves(g, 20, np.random.default_rng(0))}
    assert h[ceiling.TRUTH]["precision"] > 0.8 and h[ceiling.TRUTH]["recall"] > 0.8
    assert h[ceiling.DETECTIONS]["recall"] > 0.8
    assert 0.35 < h[ceiling.DETECTIONS]["precision"] < 0.6
    # The bootstrap redraws this sample's seeds: link sites positive in every draw;
    # a null site that is significant in the sample (here S29, by chance) is so in
    # most draws, so each draw holds 6 link sites and 2-3 others.
    r, pi = ceiling.bootstrap(g, K, 30, np.random.default_rng(0),
                              {"link sites": np.isin(np.arange(S), LINK)})
    r = {x["predictor"]: x for x in r}
    assert (pi[list(LINK)] == 1).all()
    assert truth[29] and pi[29] > 0.5 and (pi[~truth] < 0.5).all()
    assert r["link sites"]["precision"] == 1.0
    assert 0.6 < r["link sites"]["recall"] < 0.9  # 6 of the 8-9 positives a draw
    assert r[ceiling.ORACLE]["predicted_sites"] >= 7  # the link sites and S29
    assert r[ceiling.TRUTH]["precision"] > 0.7 and r[ceiling.TRUTH]["recall"] > 0.7
    assert 0.4 < r[ceiling.DETECTIONS]["precision"] < 0.6


def test_no_link_no_reproducible_truth():
    # Null and generic sites only: on disjoint halves a site is "better" twice with
    # probability 0.025^2; precision ~ 30 * 0.025^2 / (30 * 0.025) = 0.025.
    g = planted(link=())
    r = {x["predictor"]: x for x in ceiling.random_halves(g, 40, np.random.default_rng(3))}
    t = r[ceiling.TRUTH]
    assert t["truth_sites"] < 0.1 * S
    assert not t["precision"] >= 0.2  # NaN (no call in any split) passes too
    assert r[ceiling.DETECTIONS]["predicted_sites"] >= len(GENERIC)


def test_table_is_deterministic_and_shaped(tmp_path):
    d = tmp_path
    world = fx.write(str(d / "world.h5"), truth=True)
    tw = write_twin(str(d / "twin.h5"))
    a = ceiling.ceiling_table(load(world), load(tw), "test", "flow", reps=3, seeds_n=(6, 12))
    b = ceiling.ceiling_table(load(world), load(tw), "test", "flow", reps=3, seeds_n=(6, 12))
    assert a.equals(b)
    assert list(a["method"].unique()) == ["bootstrap"]  # 6 seeds: halves of 3 not scored
    assert sorted(a["seeds"].unique()) == [6, 12]
    assert set(a["predictor"]) == {ceiling.TRUTH, ceiling.DETECTIONS, ceiling.ORACLE}


def test_rules_read_from_the_data_file(tmp_path):
    data = str(tmp_path / "data.nc")
    fx.write_data_file(data, truth=True)
    with h5py.File(data, "r+") as f:
        f.create_dataset("temp_link_gain_expected", data=np.array([1.0, 0.0, 0.0, 0.0]))
    rules = twin.read_rules(data, "temp")
    assert list(rules) == [twin.rule_label("stored rule", "temp_gain_expected"),
                           twin.rule_label("restated rule", "temp_link_gain_expected")]
    assert rules[twin.rule_label("restated rule", "temp_link_gain_expected")]["S01"] == 1.0
    assert twin.read_rules(None, "temp") == {}


def test_summarize_ceiling_option(tmp_path):
    world = fx.write(str(tmp_path / "world.h5"), truth=True)
    tw = write_twin(str(tmp_path / "twin.h5"))
    out = summarize.summarize(world, str(tmp_path / "s"), "test", None, quiet=True, twin=tw,
                              ceiling_reps=2)
    assert "## How well the twin truth can be predicted at all" in out["text"]
    assert os.path.exists(tmp_path / "s" / "twin_ceiling.csv")
    # n = 3, 6, 12, 24; truth, detections, oracle and the data file's stored rule.
    c = out["twin_ceiling"]
    assert len(c) == 4 * 4 and sorted(c["seeds"].unique()) == [3, 6, 12, 24]
    assert (c["predictor"] == twin.rule_label("stored rule", "temp_gain_expected")).sum() == 4
    p = subprocess.run(["/usr/bin/python3", os.path.join(ANALYSIS, "summarize.py"), world,
                        "--out", str(tmp_path / "x"), "--ceiling", "5", "-q"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "--ceiling 5: needs --twin" in p.stderr


def test_restate_recovers_a_planted_rule():
    # Link sites are the snowy, strongly linked ones (melt 0.3, link 0.6); generic
    # sites are snowy but unlinked (link 0.05), the rest rain-fed and unlinked. The
    # rule chosen on either half must select exactly the link sites.
    import restate
    melt = np.where(np.isin(np.arange(S), list(LINK) + list(GENERIC)), 0.3, 0.02)
    link = np.where(np.isin(np.arange(S), LINK), 0.6, 0.05)
    props = dict(melt_share=melt, temp_link=link, temp_hidden_share=np.full(S, 0.5))
    fixed = {"stored": melt >= 0.25}  # snow alone: calls the generic sites too
    t = restate.cross_fit(planted(), restate.candidates(props), fixed, reps=10)
    chosen = t[t["kind"] == "chosen"]
    masks = restate.candidates(props)
    for rule in chosen["rule"]:
        assert list(np.flatnonzero(masks[rule])) == list(LINK), rule
    assert (chosen["precision"] > 0.6).all() and (chosen["recall"] > 0.6).all()
    stored = t[t["kind"] == "fixed"]
    assert (stored["precision"] < chosen["precision"].to_numpy()).all()


def test_restate_refuses_a_data_file_without_the_variables(tmp_path):
    world = fx.write(str(tmp_path / "world.h5"), truth=True)
    tw = write_twin(str(tmp_path / "twin.h5"))
    data = str(tmp_path / "data.nc")
    fx.write_data_file(data, truth=True)
    p = subprocess.run(["/usr/bin/python3", os.path.join(ANALYSIS, "restate.py"), world, tw,
                        "--data", data, "--reps", "2"], capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "no site variable 'melt_share'" in p.stderr and data in p.stderr


def test_report_shows_the_ceiling_of_the_summary(tmp_path):
    import re
    import report
    world = fx.write(str(tmp_path / "world.h5"), truth=True)
    tw = write_twin(str(tmp_path / "twin.h5"))
    page = open(report.build([world], str(tmp_path / "r0"), twin=tw), encoding="utf-8").read()
    assert "How well the twin truth can be predicted at all" not in page  # no summary yet
    out = summarize.summarize(world, summarize.default_out(world), "test", None, quiet=True,
                              twin=tw, ceiling_reps=2)
    page = open(report.build([world], str(tmp_path / "r1"), twin=tw), encoding="utf-8").read()
    text = re.sub(r"<[^>]+>", " ", page)
    assert "How well the twin truth can be predicted at all" in text
    first = out["twin_ceiling"].iloc[0]
    assert re.search(rf"bootstrap\s+3\s+{first['truth_sites']:.3g}\s+twin truth", text)
