"""analysis/report.py on the results-file fixture (make_results_fixture.py): one
self-contained page, the headline counts and the paper sentence as the fixture's
tables make them, the notes a page gives when something is missing, and one
error line on bad input. The page in a real browser: test_report_browser.py."""
import base64
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest
from scipy import stats as sps

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSIS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "analysis")
sys.path.insert(0, HERE)
sys.path.insert(0, ANALYSIS)

import make_results_fixture as fx  # noqa: E402
import report  # noqa: E402
import stats  # noqa: E402
from resultsfile import load_for_analysis  # noqa: E402

SCRIPT = os.path.join(ANALYSIS, "report.py")
IMG = re.compile(r'<img alt="([^"]*)" src="([^"]*)">')


def text_of(page):
    """The page's text without tags and images (entities decoded)."""
    import html
    return html.unescape(re.sub(r"<[^>]+>", " ", IMG.sub(" ", page)))


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """exp1 fixture with predictions, truth, latitude and attributes (no longitude)."""
    d = tmp_path_factory.mktemp("full")
    path = fx.write(str(d / "exp1.h5"), with_predictions=True, truth=True, experiment="exp1",
                    attributes=True)
    page = open(report.build([path], str(d / "out")), encoding="utf-8").read()
    return path, page


def test_one_self_contained_page(full):
    _, page = full
    imgs = IMG.findall(page)
    alts = [a for a, _ in imgs]
    assert alts == ["NSE against lambda", "per-site change map", "change against attributes",
                    "change against the truth", "hydrographs"]
    for _, src in imgs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # Nothing to fetch: no src/href other than the embedded images.
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert all(r.startswith("data:image/png;base64,") for r in refs)
    assert "http://" not in page and "https://" not in page


def test_headline_counts_and_paper_sentence(full):
    text = text_of(full[1])
    # The fixture: S01 better, S02 not different, S03 worse, S04 insufficient (best
    # lambda, raw and BH); naive lambda 1: S01 and S02 not different, S03 worse
    # raw, not different after BH.
    assert re.search(r"best\s+raw\s+1\s+1\s+1\s+1\s+4\s+56 / 43 / 2 of 101", text)
    assert re.search(r"naive\s+BH\s+0\s+3\s+0\s+1\s+4\s+- / - / 3 of 101", text)
    # Shares of 4 sites against the paper's 101: 25 % improved vs 55 %, 25 % no
    # difference vs 43 %, 25 % worse vs 2 %: none within 15 points.
    assert ("Best λ, paper (exp1): improved 56 / no difference 43 / worse 2 of 101 sites. "
            "Here raw: improved 1 / no difference 1 / worse 1 of 4 sites, does not hold "
            "(0 of 3 shares") in text
    # naive, BH: worse 0 of 4 (0 %) vs 3 of 101 (3 %): within 15 points.
    assert "BH: worse 0 of 4 sites, holds (1 of 1 shares" in text


def test_map_falls_back_to_latitude(full, tmp_path):
    assert "has latitude (latitude) but no longitude" in text_of(full[1])
    path = fx.write(str(tmp_path / "lon.h5"), experiment="exp1", attributes=True, lon=True)
    page = open(report.build([path], str(tmp_path / "out")), encoding="utf-8").read()
    assert "no longitude" not in page and "per-site change map" in page


def test_attribute_correlation_is_the_sites(full):
    path, page = full
    res, var = load_for_analysis(path, "test", None)
    shift = stats.site_table(res, "test", var)["best_hl_shift"].to_numpy()
    area = np.array([fx.AREA[s] for s in fx.SITES])
    rho, p = sps.spearmanr(area, shift)
    assert re.search(rf"area\s+attribute\s+{re.escape(f'{rho:.3g}')}\s+{re.escape(f'{p:.3g}')}\s+4",
                     text_of(page))
    # The regression's single predictor (4 sites: one per 10, at least one) is the skill.
    assert re.search(r"\(intercept\)\s+\S+\s+\S+\s+\S+\s+\[\S+, \S+\]\s+single_task_nse",
                     text_of(page))


def test_truth_table_in_page(full):
    text = text_of(full[1])
    # best, raw: S01 expected and better, S02 expected but not different, S03 neither.
    assert re.search(r"best\s+raw\s+3\s+1\s+1\s+0\s+1\s+1\s+0\.5", text)


def test_notes_when_things_are_missing(tmp_path):
    path = fx.write(str(tmp_path / "plain.h5"))
    page = text_of(open(report.build([path], str(tmp_path / "out")), encoding="utf-8").read())
    assert "add `[output] predictions = test`" in page
    assert "Input data set plain_data.h5 not found" in page
    assert "INCOMPLETE GRID: 2 of 72 runs pending" in page
    assert "no data_digest attribute in this file" in page
    assert "The paper gives no counts for experiment 'fixture'" in page


def test_provenance_digest_and_complete(tmp_path):
    path = fx.write(str(tmp_path / "c.h5"), complete=True)
    with h5py.File(path, "r+") as f:
        f.attrs["data_digest"] = "0123456789abcdef"
        f.attrs["numeric_path"] = "kernels avx2"
    page = text_of(open(report.build([path], str(tmp_path / "out")), encoding="utf-8").read())
    assert "data digest 0123456789abcdef" in page and "kernels avx2" in page
    assert "INCOMPLETE" not in page
    assert "72 total: 69 done, 3 failed, 0 pending" in page
    assert "0 h 1 min 0 s" in page  # start_time .. end_time of the fixture


def test_regional_against_local(tmp_path):
    local = fx.write(str(tmp_path / "exp1.h5"), experiment="exp1")
    reg = fx.write(str(tmp_path / "exp2.h5"), experiment="exp2")
    with h5py.File(reg, "r+") as f:
        f.attrs["scope"] = "multi_site"
    page = text_of(open(report.build([local, reg], str(tmp_path / "out")),
                        encoding="utf-8").read())
    # Same fixture twice: regional = local at every seed, so no site differs.
    assert "Regional (exp2) against local (exp1)" in page
    assert "4 sites, 6 paired seeds" in page
    assert re.search(r"raw: 0 better, [34] not different, 0 worse", page)
    alone = text_of(open(report.build([reg], str(tmp_path / "o2")), encoding="utf-8").read())
    assert "give a single_site file of the same primary" in alone


@pytest.mark.parametrize("case", ["missing", "not_results"])
def test_bad_input_one_line_exit_2(tmp_path, case):
    bad = str(tmp_path / "x.h5")
    if case == "not_results":
        with h5py.File(bad, "w") as f:
            f["flow"] = np.zeros(3)
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, SCRIPT, bad, "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("report.py: error: ") and bad in lines[0]
    assert not (out / "report.html").exists()
