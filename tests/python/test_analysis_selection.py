"""analysis/selection.py: the paper's lambda choice beside a guarded rule and the
test-partition oracle, on the fixture whose numbers are known (make_results_fixture.py):
S03's validation favours lambda 1, but lambda 1 is not significantly better than
lambda 0 on validation (paired differences DIFF_TEST + 0.05 include a zero and a
negative), so the guarded rule keeps lambda 0 where the paper's rule reports 'worse'."""
import os
import sys

import numpy as np
import pytest
from scipy import stats as sps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "analysis"))

import make_results_fixture as fx  # noqa: E402
import selection  # noqa: E402
import summarize  # noqa: E402
from resultsfile import load  # noqa: E402


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = fx.write(str(tmp_path_factory.mktemp("sel") / "fx.h5"))
    return selection.selection_table(load(path), "test", "flow").set_index(["site", "rule"]), path


def val_diffs(site, lam):
    return (np.array(fx.DIFF_TEST[(site, lam)]) + fx.VAL_SHIFT[(site, lam)]
            - fx.VAL_SHIFT[(site, 0.0)])


def test_rules_choose_as_documented(table):
    t, _ = table
    assert t.loc[("S01", "paper"), "chosen_lambda"] == 5.0
    assert t.loc[("S03", "paper"), "chosen_lambda"] == 1.0
    # S01 (lambda 5) and S02 (lambda 1) are significantly better on validation: kept.
    for site, lam in (("S01", 5.0), ("S02", 1.0)):
        assert sps.wilcoxon(val_diffs(site, lam)).pvalue < 0.05 and np.all(val_diffs(site, lam) > 0)
        assert t.loc[(site, "guarded"), "chosen_lambda"] == lam
    # S03: not significant on validation -> lambda 0, 'not different', no shift.
    assert sps.wilcoxon(val_diffs("S03", 1.0)).pvalue >= 0.05
    assert t.loc[("S03", "guarded"), "chosen_lambda"] == 0.0
    assert t.loc[("S03", "guarded"), "class"] == "not different"
    assert t.loc[("S03", "guarded"), "hl_shift"] == 0.0
    assert t.loc[("S03", "paper"), "class"] == "worse"
    # Oracle: the lambda > 0 with the best test median (S03: lambda 1 loses less than 5).
    assert t.loc[("S01", "oracle"), "chosen_lambda"] == 5.0
    assert t.loc[("S03", "oracle"), "chosen_lambda"] == 1.0


def test_counts_and_summary_section(table, tmp_path):
    t, path = table
    c = selection.counts(t.reset_index()).set_index("rule")
    assert c.loc["paper", "worse"] == 1 and c.loc["guarded", "worse"] == 0
    assert c.loc["guarded", "kept_single"] >= 1
    out = summarize.summarize(path, str(tmp_path), "test", None, quiet=True)
    assert "## Selection rules" in out["text"]
    assert os.path.exists(tmp_path / "selection_rules.csv")
