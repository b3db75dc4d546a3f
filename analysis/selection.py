"""How much of "multi-task is worse" comes from choosing lambda (issue 22 item 4).

Three rules pick one lambda per site, each then compared with lambda = 0 on the
reported partition (stats.compare: paired seeds, Wilcoxon, Hodges-Lehmann):
- paper: the lambda > 0 with the best validation median (stats.best_lambda, the
  paper's rule and summarize.py's "best");
- guarded: that lambda only if it is significantly better than lambda = 0 on
  validation (two-sided Wilcoxon over paired seeds, alpha, positive HL shift),
  else lambda = 0 (single-task kept: "not different" by construction);
- oracle: the lambda > 0 with the best median on the reported partition itself,
  an upper bound no real selection can reach (it looks at the test data).
The paper's rule stays the default everywhere else; this table is beside it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import stats

RULES = ("paper", "guarded", "oracle")


def selection_table(res, partition: str, variable: str) -> pd.DataFrame:
    """Per site and rule: the chosen lambda, its HL shift against lambda = 0 on
    `partition`, the Wilcoxon p and the class."""
    x = stats.valid_nse(res, partition, variable)
    xv = stats.valid_nse(res, "val", variable)
    rows = []
    for site in x.site.values:
        xs, xvs = x.sel(site=site), xv.sel(site=site)
        single = xs.sel({"lambda": 0.0}).values
        paper = stats.best_lambda(xvs)
        guarded = 0.0
        if paper is not None:
            v = stats.compare(xvs.sel({"lambda": paper}).values, xvs.sel({"lambda": 0.0}).values)
            if v["class"] == "better":
                guarded = paper
        for rule, lam in (("paper", paper), ("guarded", guarded), ("oracle", stats.best_lambda(xs))):
            if lam is None:
                c = stats.compare(np.full(single.size, np.nan), single)
            else:
                c = stats.compare(xs.sel({"lambda": lam}).values, single)
            rows.append(dict(site=str(site), rule=rule,
                             chosen_lambda=np.nan if lam is None else float(lam),
                             hl_shift=c["hl_shift"], p_wilcoxon=c["p_wilcoxon"],
                             n_pairs=c["n_pairs"], **{"class": c["class"]}))
    return pd.DataFrame(rows)


def counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per rule: sites per class, the median HL shift over sites, and how often lambda = 0 is kept."""
    out = []
    for rule in RULES:
        t = table[table["rule"] == rule]
        c = t["class"].value_counts()
        out.append(dict(rule=rule, **{k: int(c.get(k, 0)) for k in stats.CLASSES},
                        median_hl_shift=float(np.nanmedian(t["hl_shift"])) if len(t) else np.nan,
                        kept_single=int((t["chosen_lambda"] == 0).sum())))
    return pd.DataFrame(out)
