"""How well can anything predict a measured twin truth? (issue 22, the 0.7 / 0.7 bar)

The twin truth (twin.py) is itself a measurement over seeds: a site is "link
better" when the paired differences d = gain_world - gain_twin over the seeds
pass the two-sided Wilcoxon test with a positive Hodges-Lehmann shift, each
world's lambda* chosen on validation by the paper's rule. Drawn again from new
seeds, that label changes where the link's gain is of the size of the seed noise.
This module measures how much, with the whole procedure (lambda* re-chosen)
re-run on resampled seeds:

- random halves: the K seeds split at random into two disjoint halves, the
  truth and the detections of one half scored against the truth of the other
  (no modelling; twin.split_halves does the same for one fixed split);
- bootstrap (Efron & Tibshirani 1993): n seeds drawn with replacement from the
  K, per replicate the twin truth and the world's detections. pi_s = how often
  site s is truth-positive. Scored against an independent replicate: the truth
  itself, the detections, and any fixed rule (site -> 0/1). The oracle ranks
  the sites by pi_s, i.e. knows every site's chance of being found, and calls
  the top k; its best min(precision, recall) over k is the ceiling of any
  predictor against an n-seed truth (optimistic: pi_s comes from the same
  replicates). n > K extrapolates to more seeds drawn from the same
  distribution (ties in the resample count as in scipy's Wilcoxon).

Shapes: Grid arrays [site S, lambda L, seed K] of NSE on the reported
partition (x) and on validation (v), world and twin, from stats.valid_nse.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

import stats
from effects import hodges_lehmann
from twin import precision_recall


@dataclass
class Grid:
    xw: np.ndarray  # [S, L, K] world, reported partition
    vw: np.ndarray  # [S, L, K] world, validation
    xt: np.ndarray  # [S, L, K] twin, reported partition
    vt: np.ndarray  # [S, L, K] twin, validation
    lambdas: np.ndarray  # [L]
    sites: list

    def take(self, idx) -> "Grid":
        """The same grid on the seeds idx only."""
        return Grid(self.xw[:, :, idx], self.vw[:, :, idx], self.xt[:, :, idx],
                    self.vt[:, :, idx], self.lambdas, self.sites)


def grid(world, twin, partition: str, variable: str) -> Grid:
    """The four NSE arrays of a world/twin pair (twin.check_pair first)."""
    def a(res, part):
        return stats.valid_nse(res, part, variable).transpose("site", "lambda", "seed").values
    lam = np.asarray(world.ds["lambda"].values, dtype=np.float64)
    return Grid(a(world, partition), a(world, "val"), a(twin, partition), a(twin, "val"), lam,
                [str(s) for s in world.ds["site"].values])


def _label(d: np.ndarray) -> str:
    """stats.compare's class of paired differences d (NaN pairs dropped), without
    compare's other tests (this runs for every site of every resample)."""
    d = d[np.isfinite(d)]
    return stats.call(stats.wilcoxon_p(d), hodges_lehmann(d), d.size)


def _gains(x: np.ndarray, v: np.ndarray, lam: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """[S, n] gain NSE(lambda*) - NSE(0) over the seeds idx, lambda* = the lambda > 0
    with the best validation median over those seeds (stats.best_lambda: finite
    runs only, ties keep the smaller lambda; NaN gains where no lambda > 0 ran)."""
    order = np.argsort(lam, kind="stable")
    pos = order[lam[order] > 0]
    zero = int(np.flatnonzero(lam == 0)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-NaN slices: no valid run at that lambda
        med = np.nanmedian(v[:, pos][:, :, idx], axis=2)  # [S, L+]
    has = np.isfinite(med).any(axis=1)
    star = pos[np.argmax(np.where(np.isfinite(med), med, -np.inf), axis=1)]
    g = x[np.arange(x.shape[0]), star][:, idx] - x[:, zero][:, idx]
    g[~has] = np.nan
    return g


def classes(g: Grid, idx) -> tuple:
    """(truth, detected) bool [S] on the seeds idx: the twin truth (link better) and
    the world's detections (best lambda better), as twin.twin_table and
    stats.site_table classify them."""
    idx = np.asarray(idx)
    gw, gt = _gains(g.xw, g.vw, g.lambdas, idx), _gains(g.xt, g.vt, g.lambdas, idx)
    truth = np.array([_label(gw[s] - gt[s]) == "better" for s in range(gw.shape[0])])
    found = np.array([_label(gw[s]) == "better" for s in range(gw.shape[0])])
    return truth, found


def _mean_pr(pred_rows, truth_rows) -> tuple:
    """Mean precision and recall over replicates (rows paired), NaNs skipped."""
    every = np.ones(len(truth_rows[0]) if len(truth_rows) else 0, dtype=bool)
    v = np.array([[r["precision"], r["recall"]] for r in
                  (precision_recall(p, t, every) for p, t in zip(pred_rows, truth_rows))],
                 dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(np.nanmean(v, axis=0)) if v.size else (math.nan, math.nan)


def oracle(pi: np.ndarray, truths: np.ndarray) -> tuple:
    """(k, precision, recall): the best min(P, R) over k of calling the k sites of
    highest pi, scored against every replicate truth [R, S] and averaged."""
    order = np.argsort(-pi, kind="stable")
    best, score = (0, math.nan, math.nan), -1.0
    for k in range(1, pi.size + 1):
        sel = np.zeros(pi.size, dtype=bool)
        sel[order[:k]] = True
        p, r = _mean_pr([sel] * len(truths), truths)
        if min(p, r) > score:
            score, best = min(p, r), (k, p, r)
    return best


TRUTH, DETECTIONS, ORACLE = ("twin truth (an independent draw)",
                             "world detections (best lambda better)",
                             "oracle (the k sites most often truth-positive)")


def _row(method, n, reps, truth_sites, predictor, predicted, pr) -> dict:
    return dict(method=method, seeds=n, reps=reps, truth_sites=truth_sites, predictor=predictor,
                predicted_sites=predicted, precision=pr[0], recall=pr[1])


def random_halves(g: Grid, reps: int, rng: np.random.Generator) -> list:
    """Rows: the truth and the detections of one random half scored against the
    truth of the other (disjoint seeds), means over `reps` splits."""
    K = g.xw.shape[2]
    k = K // 2
    ta, da, tb = [], [], []
    for _ in range(reps):
        perm = rng.permutation(K)
        t1, d1 = classes(g, perm[:k])
        t2, _ = classes(g, perm[k:2 * k])
        ta.append(t1), da.append(d1), tb.append(t2)
    n_truth = float(np.mean([t.sum() for t in tb]))
    return [_row("random halves", k, reps, n_truth, TRUTH, float(np.mean([t.sum() for t in ta])),
                 _mean_pr(ta, tb)),
            _row("random halves", k, reps, n_truth, DETECTIONS,
                 float(np.mean([d.sum() for d in da])), _mean_pr(da, tb))]


def bootstrap(g: Grid, n: int, reps: int, rng: np.random.Generator,
              rules: dict | None = None) -> tuple:
    """(rows, pi [S]): 2 reps replicates of n seeds drawn with replacement; the
    truth and detections of the first reps scored against the truths of the
    second reps (independent draws); the oracle and each rule (label -> bool [S])
    against all 2 reps truths."""
    K = g.xw.shape[2]
    draws = [classes(g, rng.integers(0, K, n)) for _ in range(2 * reps)]
    truths = np.array([t for t, _ in draws])
    found = np.array([d for _, d in draws])
    a, b = slice(0, reps), slice(reps, 2 * reps)
    pi = truths.mean(axis=0)
    n_truth = float(pi.sum())
    k, p, r = oracle(pi, truths)
    rows = [_row("bootstrap", n, reps, n_truth, TRUTH, n_truth, _mean_pr(truths[a], truths[b])),
            _row("bootstrap", n, reps, n_truth, DETECTIONS, float(found.sum(axis=1).mean()),
                 _mean_pr(found[a], truths[b])),
            _row("bootstrap", n, reps, n_truth, ORACLE, float(k), (p, r))]
    for label, pred in (rules or {}).items():
        rows.append(_row("bootstrap", n, reps, n_truth, label, float(pred.sum()),
                         _mean_pr([pred] * len(truths), truths)))
    return rows, pi


def rule_masks(g: Grid, rules: dict | None) -> dict:
    """{label: {site: value}} (twin.read_rules) -> {label: bool [S]} (value 1)."""
    return {label: np.array([r.get(s, math.nan) == 1 for s in g.sites])
            for label, r in (rules or {}).items()}


def ceiling_table(world, twin, partition: str, variable: str, reps: int = 100,
                  seeds_n=None, rules: dict | None = None, seed: int = 2022) -> pd.DataFrame:
    """Random halves (when each half has stats.MIN_PAIRS seeds), then the
    bootstrap for each n in seeds_n (default K / 2, K, 2 K, 4 K); rules as
    twin.read_rules gives them. Deterministic in `seed`."""
    g = grid(world, twin, partition, variable)
    K = g.xw.shape[2]
    rng = np.random.default_rng(seed)
    rows = random_halves(g, reps, rng) if K // 2 >= stats.MIN_PAIRS else []
    masks = rule_masks(g, rules)
    for n in seeds_n or (K // 2, K, 2 * K, 4 * K):
        rows += bootstrap(g, n, reps, rng, masks)[0]
    return pd.DataFrame(rows)
