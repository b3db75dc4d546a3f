"""The paper-style table (improved / no difference / worse per comparison, raw and
Benjamini-Hochberg) and, on synthetic data, agreement with the stored truth.

Paper counts: Sadler, J. M., Appling, A. P., Read, J. S., Oliver, S. K., Jia, X.,
Zwart, J. A., & Kumar, V. (2022). Multi-task deep learning of daily streamflow and
water temperature. Water Resources Research, 58, e2021WR030138. Experiment 1 (one
LSTM per site, flow primary, temperature auxiliary, 101 sites, test NSE): the best
multi-task lambda was significantly better at 56 sites, not different at 43 and
worse at 2 (= 101 - 56 - 43); the naive lambda (1) made 3 of 101 sites significantly worse (its
improved / not-different counts are not given; NaN here). Experiment 2 (one LSTM for all 101
sites, flow primary): 17 sites improved (best lambda; other counts not given). Experiment 3 (one
LSTM per site, temperature primary, 53 sites): the naive lambda made 47 of 53 sites
significantly worse. Counts the paper does not give are NaN. A converged profile of an
experiment (`exp1_converged`, ...) is compared with the same counts: the paper trained one
profile only.
"""
from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

import stats

PAPER = {  # (experiment, variable, comparison) -> counts; see the module docstring
    ("exp1", "flow", "best"): dict(improved=56, no_difference=43, worse=2, sites=101),
    ("exp1", "flow", "naive"): dict(improved=math.nan, no_difference=math.nan, worse=3,
                                    sites=101),
    ("exp2", "flow", "best"): dict(improved=17, no_difference=math.nan, worse=math.nan,
                                   sites=101),
    ("exp3", "temp", "naive"): dict(improved=math.nan, no_difference=math.nan, worse=47,
                                    sites=53),
}


def paper_experiment(name: str) -> str:
    """The paper's experiment a run's experiment name stands for: `exp1_converged` is
    experiment 1 trained with the converged profile (docs/convergence.md)."""
    return name[:-len("_converged")] if name.endswith("_converged") else name
COUNTS = ("improved", "no_difference", "worse", "insufficient", "sites")

# Synthetic world 2 stores per site `<auxiliary>_gain_expected` (dims (site),
# mtl_role = truth; 1 where the auxiliary should help the primary) in the data file.
TRUTH_SUFFIX = "_gain_expected"


def paper_table(site_tables: dict, experiment: str, variable: str) -> pd.DataFrame:
    """site_tables: partition -> per-site table (stats.site_table). One row per
    (partition, comparison, adjustment) with the counts, and paper_* columns where
    the paper gives counts (test partition of exp1, flow)."""
    rows = []
    for part, table in site_tables.items():
        for tag in ("best", "naive"):
            for adjusted in (False, True):
                h = stats.headline(table, tag, adjusted)
                row = dict(partition=part, comparison=tag,
                           adjustment="BH" if adjusted else "raw", improved=h["better"],
                           no_difference=h["not different"], worse=h["worse"],
                           insufficient=h["insufficient"], sites=h["sites"])
                key = (paper_experiment(experiment), variable, tag)
                paper = PAPER.get(key) if part == "test" else None
                for k in ("improved", "no_difference", "worse", "sites"):
                    row[f"paper_{k}"] = paper[k] if paper else math.nan
                rows.append(row)
    return pd.DataFrame(rows)


def read_truth(path: str, name: str) -> dict | None:
    """{site id: value} of the per-site variable `name` of a data file, or None
    when the file lacks it (or it is not a (site) variable)."""
    import h5py
    with h5py.File(path, "r") as f:
        if name not in f or "site_id" not in f:
            return None
        ids = [s.decode() if isinstance(s, bytes) else str(s) for s in f["site_id"][()]]
        v = f[name][()]
        if np.ndim(v) != 1 or len(v) != len(ids):
            return None
    return dict(zip(ids, np.asarray(v, dtype=np.float64)))


def truth_agreement(res, site_table: pd.DataFrame, variable: str, data_file: str | None):
    """(table, note). Per (comparison, adjustment): sites detected as improved vs the
    truth `<auxiliary>_gain_expected` (1 = expected to improve). Only sites with a
    finite truth and a test (class not insufficient) are scored. table is None when
    there is nothing to score; note says why."""
    aux = str(res.attrs.get("auxiliary", ""))
    name = aux + TRUTH_SUFFIX
    if variable != res.primary:
        return None, f"truth check skipped: {variable} is not the primary variable"
    if not data_file or not os.path.exists(data_file):
        return None, "truth check skipped: input data file not found"
    try:
        truth = read_truth(data_file, name)
    except OSError as exc:
        return None, f"truth check skipped: cannot read {data_file} ({exc})"
    if truth is None:
        return None, f"truth check skipped: no per-site '{name}' in {data_file}"
    expected = np.array([truth.get(s, math.nan) for s in site_table["site"]])
    rows = []
    for tag in ("best", "naive"):
        for adjusted in (False, True):
            cls = site_table[f"{tag}_class" + ("_bh" if adjusted else "")].to_numpy()
            scored = np.isfinite(expected) & (cls != "insufficient")
            hit, exp = (cls == "better") & scored, (expected == 1) & scored
            tp, fp = int((hit & exp).sum()), int((hit & ~exp).sum())
            fn, tn = int((~hit & exp).sum()), int((~hit & ~exp & scored).sum())
            rows.append(dict(comparison=tag, adjustment="BH" if adjusted else "raw",
                             truth=name, scored=int(scored.sum()),
                             no_truth=int((~np.isfinite(expected)).sum()),
                             expected_improved=tp, expected_not_improved=fn,
                             improved_not_expected=fp, neither=tn,
                             precision=tp / (tp + fp) if tp + fp else math.nan,
                             recall=tp / (tp + fn) if tp + fn else math.nan))
    return pd.DataFrame(rows), f"truth: '{name}' in {data_file}"
