#!/usr/bin/python3
"""Restate a truth rule from the twin, fitted on one half of the seeds and scored
on the other (issue 22 item 2).

    python3 analysis/restate.py WORLD.h5 TWIN.h5 [--data DATA.nc] [--reps 400]

Candidates: every rule "melt_share >= a and temp_link >= b and temp_hidden_share
>= c" over the grids below (c = 0: no hidden-share condition), site variables of
the synthetic data file. Each half of the seeds (first K/2, last K/2) gives
bootstrap draws of the twin truth (ceiling.bootstrap, n = K/2); a rule's score
is min(precision, recall) against them. The rule chosen on one half is scored
on the other, beside the stored rule and the oracle of that half, so no seed
serves both to choose and to judge. Prints a Markdown table; exit 2 with one
line on a bad file.
"""
from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np
import pandas as pd

import ceiling
import seasonal
import twin as twinmod
from paper import read_truth
from resultsfile import ResultsFileError, load
from summarize import md_table

GRID = {"melt_share": (0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
        "temp_link": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
        "temp_hidden_share": (0.0, 0.25)}


def candidates(props: dict, grid: dict = GRID) -> dict:
    """{'melt_share >= a, ...': bool [S]} for every threshold combination."""
    names = list(grid)
    out = {}
    for ts in itertools.product(*(grid[n] for n in names)):
        out[", ".join(f"{n} >= {t:g}" for n, t in zip(names, ts))] = np.all(
            [props[n] >= t for n, t in zip(names, ts)], axis=0)
    return out


def cross_fit(g: ceiling.Grid, rules: dict, fixed: dict, reps: int, seed: int = 22) -> pd.DataFrame:
    """Per direction (fit half -> score half): the candidate with the best
    min(P, R) on the fit half, and it, the fixed rules and the oracle scored on
    the other half."""
    K = g.xw.shape[2]
    halves = {"A": np.arange(K // 2), "B": np.arange(K // 2, 2 * (K // 2))}
    rng = np.random.default_rng(seed)
    score = {}
    for h, idx in halves.items():
        rows, _ = ceiling.bootstrap(g.take(idx), idx.size, reps, rng, {**rules, **fixed})
        score[h] = {r["predictor"]: (r["precision"], r["recall"]) for r in rows}
    out = []
    for fit, on in (("A", "B"), ("B", "A")):
        best = max(rules, key=lambda k: min(score[fit][k]))
        for kind, name in (("chosen", best), *(("fixed", f) for f in fixed),
                           ("oracle", ceiling.ORACLE)):
            out.append(dict(fit_half=fit, scored_half=on, kind=kind, rule=name,
                            fit_precision=score[fit][name][0], fit_recall=score[fit][name][1],
                            precision=score[on][name][0], recall=score[on][name][1]))
    return pd.DataFrame(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("world")
    ap.add_argument("twin")
    ap.add_argument("--data", help="synthetic data file (default: [data] file of the config)")
    ap.add_argument("--reps", type=int, default=400,
                    help="bootstrap draws per half (default 400: there the choice between "
                         "neighbouring thresholds is stable)")
    ap.add_argument("--variable", default=None)
    a = ap.parse_args(argv)
    try:
        w, t = load(a.world), load(a.twin)
        twinmod.check_pair(w, t)
        variable = a.variable or w.primary
        data = seasonal.find_data_file(w, a.data)
        aux = str(w.attrs.get("auxiliary", ""))
        if not data:
            raise ResultsFileError(f"{a.world}: its data file is not found; give --data")
        g = ceiling.grid(w, t, "test", variable)
        props = {}
        for n in GRID:
            v = read_truth(data, n)
            if v is None:
                raise ResultsFileError(f"{data}: no site variable '{n}' (a world-2 data file?)")
            props[n] = np.array([v[s] for s in g.sites])
        fixed = ceiling.rule_masks(g, twinmod.read_rules(data, aux))
        table = cross_fit(g, candidates(props), fixed, a.reps)
    except (ResultsFileError, OSError) as exc:
        print(f"restate.py: error: {exc}", file=sys.stderr)
        return 2
    cols = list(table.columns)
    print(md_table(cols, [[f"{v:.3f}" if isinstance(v, float) else v for v in r]
                          for r in table.itertuples(index=False)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
