"""analysis/regional.py and summarize.py --local: one regional model against one
model per site, seeds paired. The regional file is the fixture with scope
multi_site and known per-seed test-NSE shifts at lambda = 0, so every number of
the table is recomputed here from those shifts with scipy."""
import os
import sys

import h5py
import numpy as np
import pytest
from scipy import stats as sps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))

import make_results_fixture as fx  # noqa: E402
import regional  # noqa: E402
import summarize  # noqa: E402
from effects import hodges_lehmann  # noqa: E402
from resultsfile import ResultsFileError, load  # noqa: E402

# Regional minus local test NSE per seed (lambda 0): S01 better in every seed,
# S02 mixed, S03 worse in every seed; S04 has pending local runs (seeds 4, 5).
SHIFT = {"S01": [0.10, 0.12, 0.08, 0.11, 0.09, 0.13],
         "S02": [0.01, -0.02, 0.02, -0.01, 0.00, 0.01],
         "S03": [-0.05, -0.04, -0.06, -0.03, -0.07, -0.05],
         "S04": [0.02, 0.03, 0.01, 0.02, 0.04, 0.03]}
TOL = 1e-12


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("reg")
    local = fx.write(str(d / "exp1.h5"))
    reg = fx.write(str(d / "exp2.h5"))
    with h5py.File(reg, "r+") as f:
        f.attrs["scope"] = "multi_site"
        nse = f["nse"][...]
        for s, site in enumerate(fx.SITES):
            nse[s, 0, :, 2, 0] = np.array(fx.BASE_TEST[site]) + np.array(SHIFT[site])
        f["nse"][...] = nse
    return reg, local


def test_table_matches_hand_statistics(files):
    reg, local = files
    t = regional.regional_vs_local(load(reg), load(local), "test", "flow").set_index("site")
    for site in ("S01", "S02", "S03"):
        a = np.array(fx.BASE_TEST[site]) + np.array(SHIFT[site])
        b = np.array(fx.BASE_TEST[site])
        d = a - b
        assert t.loc[site, "n_pairs"] == 6
        assert abs(t.loc[site, "hl_shift"] - hodges_lehmann(d)) < TOL
        assert abs(t.loc[site, "p_wilcoxon"] - sps.wilcoxon(d).pvalue) < TOL
        assert abs(t.loc[site, "regional_median"] - np.median(a)) < TOL
        assert abs(t.loc[site, "local_median"] - np.median(b)) < TOL
    assert t.loc["S01", "class"] == "better"
    assert t.loc["S02", "class"] == "not different"
    assert t.loc["S03", "class"] == "worse"
    # S04: local seeds 4, 5 pending -> 4 pairs, fewer than stats.MIN_PAIRS.
    assert t.loc["S04", "n_pairs"] == 4
    assert t.loc["S04", "class"] == "insufficient"
    s = regional.summary(t.reset_index())
    assert s["class"] == {"better": 1, "not different": 1, "worse": 1, "insufficient": 1}
    assert s["regional_positive"] == 4 and s["sites"] == 4 and s["seeds"] == 6


def test_summarize_local_section_and_csv(files, tmp_path):
    reg, local = files
    out = summarize.summarize(reg, str(tmp_path), "test", None, quiet=True, local=local)
    assert "## Regional (this file) against local" in out["text"]
    assert "regional_vs_local.csv" in out["written"]
    assert os.path.exists(tmp_path / "regional_vs_local.csv")


def test_scopes_are_checked(files, tmp_path):
    reg, local = files
    with pytest.raises(ResultsFileError, match="not multi_site"):
        regional.regional_vs_local(load(local), load(local), "test", "flow", (local, local))
    with pytest.raises(ResultsFileError, match="not single_site"):
        regional.regional_vs_local(load(reg), load(reg), "test", "flow", (reg, reg))
    assert summarize.main([local, "--local", local, "--out", str(tmp_path), "-q"]) == 2
