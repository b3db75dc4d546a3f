"""The link-specific gain: a world against its counterfactual twin (issue 22 item 1).

The twin (`mtl_data synth --twin`) is the same world with the temperature link
off, trained with the same grid. Per site and seed, the tool's procedure is run
in each world: the best lambda > 0 on validation (stats.best_lambda, the paper's
rule), its gain g = NSE(lambda*) - NSE(0) on the reported partition. The
link-specific gain is g_world - g_twin, seeds paired (a seed gives the same
initial weights in both worlds, and lambda = 0 sees the same inputs and flow, so
its runs agree; `single_differs` counts seeds where they do not). Its class
(stats.compare: two-sided Wilcoxon over seeds, Hodges-Lehmann shift; raw and
Benjamini-Hochberg over the sites) is the measured truth: "better" = the link
adds skill at this site. `twin_class` says whether the twin alone gains (a
temperature target as such, without the hidden state in it).

score() rates the world's detections (class better of its best lambda) against
this truth, and the data file's rules (read_rules: the stored
`temp_gain_expected` and the restated `temp_link_gain_expected`) too. Both
sides of that score share the world's seeds, so its noise is shared too.
split_halves() scores on independent seeds instead: the truth from one half of
the seeds, the detections from the other, and the truth against itself (half A
against half B: how far a measured truth reproduces at all).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scipy import stats as sps

import paper
import stats
from effects import bh_adjust
from resultsfile import ResultsFileError, select_seeds

# The truth rules a synthetic data file may hold per site, <auxiliary><suffix>
# (docs/synthetic.md): the world's design rule and the rule restated from the twin.
RULES = (("stored rule", paper.TRUTH_SUFFIX), ("restated rule", "_link_gain_expected"))


def rule_label(kind: str, name: str) -> str:
    return f"{kind} ({name} = 1)"


def read_rules(data_path: str | None, auxiliary: str) -> dict:
    """{label: {site: 0/1}} of the RULES the data file holds (none: {})."""
    out = {}
    for kind, suffix in RULES:
        r = paper.read_truth(data_path, auxiliary + suffix) if data_path else None
        if r is not None:
            out[rule_label(kind, auxiliary + suffix)] = r
    return out


def check_pair(world, twin) -> None:
    """The two files must hold the same grid (sites, lambdas, seeds, primary)."""
    for what in ("sites", "lambdas", "seeds"):
        a, b = list(getattr(world, what)), list(getattr(twin, what))
        if a != b:
            raise ResultsFileError(f"{twin.path}: {what} differ from {world.path} "
                                   f"({len(b)} vs {len(a)}): not a twin of the same grid")
    if world.primary != twin.primary:
        raise ResultsFileError(f"{twin.path}: primary '{twin.primary}' differs from "
                               f"'{world.primary}' in {world.path}")


def _chosen(x_site, xv_site):
    """(lambda*, NSE(lambda*) [K], NSE(0) [K]) by the paper's rule (NaN if no lambda > 0)."""
    lam = stats.best_lambda(xv_site)
    single = x_site.sel({"lambda": 0.0}).values
    if lam is None:
        return math.nan, np.full(single.shape, np.nan), single
    return lam, x_site.sel({"lambda": lam}).values, single


def twin_table(world, twin, partition: str, variable: str) -> pd.DataFrame:
    """Per site: each world's lambda*, the link-specific comparison (columns
    link_*), the twin's own gain class, and the link gain at the world's lambda*
    (both worlds at the same lambda: no selection in it)."""
    check_pair(world, twin)
    xw, xt = (stats.valid_nse(r, partition, variable) for r in (world, twin))
    vw, vt = (stats.valid_nse(r, "val", variable) for r in (world, twin))
    rows = []
    for site in xw.site.values:
        lw, mw, sw = _chosen(xw.sel(site=site), vw.sel(site=site))
        lt, mt, st = _chosen(xt.sel(site=site), vt.sel(site=site))
        both = np.isfinite(sw) & np.isfinite(st)
        link = stats.compare(mw - sw, mt - st)  # gain in the world vs gain in the twin
        d = (mw - sw) - (mt - st)
        d = d[np.isfinite(d)]
        # Standardised effect d_z = mean / sd of the paired differences (Cohen 1988):
        # how far the link's gain stands out of the seed-to-seed noise.
        dz = (float(d.mean() / d.std(ddof=1)) if d.size > 1 and d.std(ddof=1) > 0
              else math.nan)
        alone = stats.compare(mt, st)
        fixed = (stats.compare(xw.sel(site=site, **{"lambda": lw}).values,
                               xt.sel(site=site, **{"lambda": lw}).values)
                 if math.isfinite(lw) else dict(hl_shift=math.nan))
        rows.append(dict(site=str(site), world_lambda=lw, twin_lambda=lt,
                         link_hl_shift=link["hl_shift"], link_median_diff=link["median_diff"],
                         link_p_wilcoxon=link["p_wilcoxon"], link_n_pairs=link["n_pairs"],
                         link_class=link["class"], link_dz=dz,
                         twin_hl_shift=alone["hl_shift"],
                         twin_class=alone["class"], link_hl_at_world_lambda=fixed["hl_shift"],
                         single_differs=int((sw[both] != st[both]).sum())))
    t = pd.DataFrame(rows)
    tested = (t["link_n_pairs"] >= stats.MIN_PAIRS).to_numpy()
    t["link_q_bh"] = bh_adjust(np.where(tested, t["link_p_wilcoxon"].to_numpy(float), np.nan))
    t["link_class_bh"] = [stats.call(q, hl, n) for q, hl, n in
                          zip(t["link_q_bh"], t["link_hl_shift"], t["link_n_pairs"])]
    return t


def precision_recall(hit, truth, scored) -> dict:
    """Confusion counts, precision and recall of bool [S] hit against truth over
    the scored sites."""
    tp, fp = int((hit & truth & scored).sum()), int((hit & ~truth & scored).sum())
    fn, tn = int((~hit & truth & scored).sum()), int((~hit & ~truth & scored).sum())
    return dict(scored=int(scored.sum()), tp=tp, fp=fp, fn=fn, tn=tn,
                precision=tp / (tp + fp) if tp + fp else math.nan,
                recall=tp / (tp + fn) if tp + fn else math.nan)


def score(site_rows: pd.DataFrame, twin_rows: pd.DataFrame, rules: dict | None) -> pd.DataFrame:
    """Precision and recall against the twin truth (link class better, raw and BH)
    of: the world's detections (best lambda class better, same adjustment), the
    twin's own detections (gain without the link: what the world's detections
    would be if the link added nothing), and each rule (label -> {site: 0/1})."""
    t = twin_rows.set_index("site").loc[site_rows["site"]]
    rows = []
    for adj, sfx in (("raw", ""), ("BH", "_bh")):
        truth = (t[f"link_class{sfx}"] == "better").to_numpy()
        tested = (t[f"link_class{sfx}"] != "insufficient").to_numpy()
        world = site_rows[f"best_class{sfx}"].to_numpy()
        rows.append(dict(predictor="world detections (best lambda better)", adjustment=adj,
                         **precision_recall(world == "better", truth, tested & (world != "insufficient"))))
        if adj == "raw":
            rows.append(dict(predictor="twin's own gain (no link)", adjustment=adj,
                             **precision_recall((t["twin_class"] == "better").to_numpy(), truth, tested)))
        for label, rule in (rules or {}).items():
            r = np.array([rule.get(s, math.nan) for s in site_rows["site"]])
            rows.append(dict(predictor=label, adjustment=adj,
                             **precision_recall(r == 1, truth, tested & np.isfinite(r))))
    return pd.DataFrame(rows)


def _seed_label(seeds) -> str:
    seeds = list(seeds)
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return " ".join(map(str, seeds))


def spearman(x, y) -> float:
    """Spearman's rho over the pairs where both are finite (NaN if < 3 or constant)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return math.nan
    return float(sps.spearmanr(x[ok], y[ok])[0])


def split_halves(world, twin, partition: str, variable: str, rules: dict | None,
                 min_effect: float = 0.0) -> pd.DataFrame | None:
    """Scores on independent seeds: the seeds split into a first and a second
    half (an odd last seed left out), each half analysed alone (site_table and
    twin_table). For each direction (A -> B, B -> A), against the twin truth of
    the other half (raw classes): that half's own twin truth, the world's
    detections, and the stored rule; precision and recall as score(), plus
    rho = Spearman's rank correlation over the sites of the predictor's shift
    (link HL shift, best-lambda HL shift, rule 0/1) with the other half's link
    HL shift. None when a half has fewer than stats.MIN_PAIRS seeds."""
    seeds = [int(s) for s in world.seeds]
    k = len(seeds) // 2
    if k < stats.MIN_PAIRS:
        return None
    halves = {"A": seeds[:k], "B": seeds[k:2 * k]}
    per = {}
    for h, ss in halves.items():
        w, t = select_seeds(world, ss), select_seeds(twin, ss)
        per[h] = (stats.site_table(w, partition, variable, min_effect).set_index("site"),
                  twin_table(w, t, partition, variable).set_index("site"))
    sites = list(per["A"][0].index)
    rs = {label: np.array([rule.get(s, math.nan) for s in sites], dtype=np.float64)
          for label, rule in (rules or {}).items()}
    rows = []
    for a, b in (("A", "B"), ("B", "A")):
        (sa, ta), (_, tb) = per[a], per[b]
        tb = tb.loc[sites]
        truth = (tb["link_class"] == "better").to_numpy()
        tested = (tb["link_class"] != "insufficient").to_numpy()
        shift = tb["link_hl_shift"].to_numpy()
        base = dict(predictor_seeds=_seed_label(halves[a]), truth_seeds=_seed_label(halves[b]))
        ta, sa = ta.loc[sites], sa.loc[sites]
        preds = [("twin truth (link better)", ta["link_class"].to_numpy(),
                  ta["link_hl_shift"]),
                 ("world detections (best lambda better)", sa["best_class"].to_numpy(),
                  sa["best_hl_shift"])]
        for name, cls, x in preds:
            rows.append(dict(predictor=name, **base,
                             **precision_recall(cls == "better", truth, tested & (cls != "insufficient")),
                             rho_shift=spearman(x, shift)))
        for label, r in rs.items():
            rows.append(dict(predictor=label, **base,
                             **precision_recall(r == 1, truth, tested & np.isfinite(r)),
                             rho_shift=spearman(r, shift)))
    return pd.DataFrame(rows)


def self_agreement(halves: pd.DataFrame) -> tuple:
    """(rho, reliability): the twin truth's mean half-to-half rho and its
    Spearman-Brown reliability for both halves together."""
    own = halves.loc[halves["predictor"].str.startswith("twin truth"), "rho_shift"].to_numpy()
    rho = float(np.nanmean(own)) if np.isfinite(own).any() else math.nan
    return rho, spearman_brown(rho)


def spearman_brown(rho_half: float) -> float:
    """Reliability of a measure from twice the seeds, given the correlation of
    its two halves: 2 r / (1 + r) (Spearman 1910, Brown 1910); NaN if r <= -1."""
    return 2 * rho_half / (1 + rho_half) if rho_half > -1 else math.nan
