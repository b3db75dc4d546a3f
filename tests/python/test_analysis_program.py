"""analysis/summarize.py on a results file made by mtl_mpi itself (2 ranks):
its per-site medians, best lambda, paired differences and p-values equal the
values computed here directly from the file with numpy/scipy, and plots.py
writes its figures."""
import csv
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from mtl_program import run_tiny_grid

h5py = pytest.importorskip("h5py")
stats = pytest.importorskip("scipy.stats")

ROOT = os.environ.get("MTL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PY = os.environ.get("MTL_PYTHON", sys.executable)
LAMBDAS = [0.0, 1.0, 10.0]
SEEDS = 7  # >= 6 pairs, so the Wilcoxon test can classify


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("analysis_program"))
    out = run_tiny_grid(work, "analysis_check", f"""[model]
hidden = 8
[train]
epochs = 20
learning_rate = 0.01
[grid]
lambdas = {" ".join(str(x) for x in LAMBDAS)}
seeds = 0-{SEEDS - 1}
[output]
predictions = test
""", seed=2)
    summary = os.path.join(work, "summary")
    run = subprocess.run([PY, os.path.join(ROOT, "analysis", "summarize.py"), out, "--out", summary],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    yield out, summary, run.stdout
    shutil.rmtree(work, ignore_errors=True)


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def _nse(path, partition):
    """NSE of flow, [site, lambda, seed], read straight from the file."""
    with h5py.File(path, "r") as f:
        parts = [p.decode() if isinstance(p, bytes) else p for p in f["partition"][()]]
        return f["nse"][:, :, :, parts.index(partition), 0], [
            s.decode() if isinstance(s, bytes) else s for s in f["site"][()]]


def test_medians_match_the_file(results):
    out, summary, _ = results
    test_nse, sites = _nse(out, "test")
    rows = _rows(os.path.join(summary, "per_lambda.csv"))
    assert len(rows) == len(sites) * len(LAMBDAS)
    for r in rows:
        s, l = sites.index(r["site"]), LAMBDAS.index(float(r["lambda"]))
        assert int(r["n_used"]) == SEEDS
        assert float(r["median"]) == pytest.approx(np.median(test_nse[s, l]), abs=1e-12)


def test_best_lambda_and_paired_tests_match_scipy(results):
    out, summary, _ = results
    test_nse, sites = _nse(out, "test")
    val_nse, _ = _nse(out, "val")
    for r in _rows(os.path.join(summary, "per_site.csv")):
        s = sites.index(r["site"])
        # best lambda > 0 by validation median (ties: the smaller lambda)
        medians = [np.median(val_nse[s, l]) for l in range(1, len(LAMBDAS))]
        best = 1 + int(np.argmax(medians))
        assert float(r["best_lambda"]) == LAMBDAS[best]
        d = test_nse[s, best] - test_nse[s, 0]  # seeds pair up: same initial weights
        assert float(r["best_median_diff"]) == pytest.approx(np.median(d), abs=1e-12)
        assert int(r["best_n_pairs"]) == SEEDS
        assert float(r["best_p_wilcoxon"]) == pytest.approx(stats.wilcoxon(d).pvalue, rel=1e-9)
        welch = stats.ttest_ind(test_nse[s, best], test_nse[s, 0], equal_var=False).pvalue
        assert float(r["best_p_welch"]) == pytest.approx(welch, rel=1e-9)
        # Hodges-Lehmann shift: median of the Walsh averages (d_i + d_j) / 2, i <= j
        hl = np.median([(d[i] + d[j]) / 2 for i in range(len(d)) for j in range(i, len(d))])
        assert float(r["best_hl_shift"]) == pytest.approx(hl, abs=1e-12)
        p = float(r["best_p_wilcoxon"])
        expected = "not different" if p >= 0.05 else ("better" if hl > 0 else "worse")
        assert r["best_class"] == expected


def test_bh_counts_match_a_hand_adjustment(results):
    _, summary, _ = results
    site_rows = _rows(os.path.join(summary, "per_site.csv"))
    p = np.array([float(r["best_p_wilcoxon"]) for r in site_rows])  # all sites have 7 pairs
    m, order = len(p), np.argsort(p)
    q = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):  # BH step-up: q_(i) = min_{j >= i} m p_(j) / j
        running = min(running, p[order[rank - 1]] * m / rank)
        q[order[rank - 1]] = running
    for r, want in zip(site_rows, q):
        assert float(r["best_q_bh"]) == pytest.approx(want, rel=1e-12)
        if want >= 0.05:
            assert r["best_class_bh"] in ("not different", "insufficient")
    head = {r["comparison"]: r for r in _rows(os.path.join(summary, "headline.csv"))}
    assert int(head["best"]["better_bh"]) + int(head["best"]["worse_bh"]) == sum(
        r["best_class_bh"] in ("better", "worse") for r in site_rows)


def test_headline_counts_add_up(results):
    _, summary, stdout = results
    rows = _rows(os.path.join(summary, "headline.csv"))
    assert len(rows) == 2
    for r in rows:
        counts = sum(int(r[k]) for k in ("better", "not different", "worse", "insufficient"))
        assert counts == int(r["sites"]) == 3
    assert "runs: 63 total, 63 done, 0 failed, 0 pending" in stdout


def test_plots_are_written(results):
    out, _, _ = results
    fig = os.path.join(os.path.dirname(out), "figures")
    run = subprocess.run([PY, os.path.join(ROOT, "analysis", "plots.py"), out, "--out", fig],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    for name in ("nse_vs_lambda.png", "nse_change_heatmap.png", "best_change_distribution.png",
                 "seasonal_improvement.png"):
        path = os.path.join(fig, name)
        assert os.path.getsize(path) > 10000, name
