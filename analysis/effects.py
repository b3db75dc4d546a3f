"""Effect size and multiple-testing adjustment used by stats.py.

- Hodges-Lehmann shift of paired differences d [n] (Hodges & Lehmann 1963): the
  median of the n(n+1)/2 Walsh averages (d_i + d_j) / 2, i <= j. It is the
  estimator that goes with the Wilcoxon signed-rank test: without zeros and ties
  the test statistic W+ is the number of positive Walsh averages, so a test that
  says "more positive than negative" and a positive HL shift agree, which the
  plain median of d does not guarantee.
- Benjamini-Hochberg adjusted p-values (Benjamini & Hochberg 1995, FDR):
  q_(i) = min_{j >= i} min(1, m p_(j) / j) over the m p-values sorted ascending;
  the same as scipy.stats.false_discovery_control(p, method="bh") (scipy >= 1.11;
  Debian 12 has 1.10).
"""
from __future__ import annotations

import math

import numpy as np


def hodges_lehmann(d) -> float:
    """Median of the Walsh averages of d [n] (NaN if n = 0)."""
    d = np.asarray(d, dtype=np.float64)
    if d.size == 0:
        return math.nan
    i, j = np.triu_indices(d.size)  # i <= j: n(n+1)/2 pairs, the diagonal = d itself
    return float(np.median((d[i] + d[j]) / 2))


def bh_adjust(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, same order as p [m]; NaN stays NaN and
    does not count in m."""
    p = np.asarray(p, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return q
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return q
