#!/usr/bin/python3
"""The study report: one self-contained HTML page (figures embedded as PNG, no
external address) from one or more mtl_mpi results files.

    python3 analysis/report.py results/exp1.h5 [results/exp2.h5 ...] --out DIR
        [--partition test|val] [--data FILE] [--twin TWIN.h5]

Per file: the headline counts (improved / no difference / worse, raw and
Benjamini-Hochberg) next to the paper's (analysis/paper.py) with a sentence on
what holds; NSE against lambda; the per-site change on a map (or against
latitude); the change against basin attributes; hydrographs of the sites with the
largest gain and loss; agreement with the synthetic truth; the change against
site properties (rank correlations, a regression; explain.py); with --twin the
link-specific gain against the counterfactual twin (twin.py); regional against
local when a multi_site and a single_site file of the same primary are given;
and the provenance (config, program, numeric path, data digest, runs, wall time).
Writes DIR/report.html and prints its path. The tables behind it are the CSV
files of summarize.py; nothing here is a second copy of the results.
Exit 0 on success, 2 with one line on a bad file or option.
"""
from __future__ import annotations

import argparse
import base64
import datetime
import html
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import explain  # noqa: E402
import paper  # noqa: E402
import regional  # noqa: E402
import report_data  # noqa: E402
import report_figures as figs  # noqa: E402
import seasonal  # noqa: E402
import stats  # noqa: E402
import summarize  # noqa: E402
import twin as twinmod  # noqa: E402
from resultsfile import ResultsFileError, load, load_for_analysis, run_counts  # noqa: E402

AGREE_PP = 15  # a count "agrees" with the paper's when its share of sites is this close (pp)
CSS = """body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:2px 6px;
font-size:13px;text-align:right}th{background:#eee}td:first-child{text-align:left}
img{max-width:100%;display:block;margin:.5em 0}.note{color:#555;font-size:13px}
pre{background:#f6f6f6;padding:.5em;font-size:12px;overflow-x:auto}
.kv td{text-align:left}.warn{color:#b00;font-weight:bold}"""


def esc(v) -> str:
    return html.escape(str(v))


def table(header, rows, cls="") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table{' class=' + chr(34) + cls + chr(34) if cls else ''}><tr>{head}</tr>{body}</table>"


def figure(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def para(text, cls="") -> str:
    return f'<p{" class=" + chr(34) + cls + chr(34) if cls else ""}>{esc(text)}</p>'


def reference_experiment(name: str) -> tuple:
    """(paper experiment, note): `exp1_converged` -> exp1; the demo grids are
    experiment 1's setting on 10 sites, compared with it as shares of sites."""
    key = paper.paper_experiment(name)
    if key.startswith("demo"):
        return "exp1", f"'{name}' is experiment 1's setting on a subset of sites: compared " \
                       "with the paper's experiment 1 as shares of sites"
    return key, ""


def paper_counts(experiment: str, variable: str, tag: str) -> str:
    """The paper's improved / no difference / worse of sites ('-' = not given)."""
    key, _ = reference_experiment(experiment)
    ref = paper.PAPER.get((key, variable, tag))
    if not ref:
        return "-"
    return " / ".join("-" if not np.isfinite(ref[k]) else str(int(ref[k]))
                      for k in ("improved", "no_difference", "worse")) + f" of {ref['sites']}"


def counts_rows(site_rows, experiment: str, variable: str) -> list:
    """[comparison, p, improved, no difference, worse, insufficient, sites, paper]."""
    rows = []
    for tag in ("best", "naive"):
        for adjusted in (False, True):
            h = stats.headline(site_rows, tag, adjusted)
            rows.append([tag, "BH" if adjusted else "raw"] + [h[c] for c in stats.CLASSES]
                        + [h["sites"], paper_counts(experiment, variable, tag)])
    return rows


def verdict(site_rows, experiment: str, variable: str) -> list:
    """Sentences: per comparison the paper gives counts for, whether ours agree
    (each given count's share of sites within AGREE_PP percentage points)."""
    key, note = reference_experiment(experiment)
    out = [note] if note else []
    given = [(tag, paper.PAPER[(key, variable, tag)]) for tag in ("best", "naive")
             if (key, variable, tag) in paper.PAPER]
    if not given:
        return out + [f"The paper gives no counts for experiment '{experiment}' scoring "
                      f"{variable}: nothing to compare."]
    names = dict(improved="better", no_difference="not different", worse="worse")
    for tag, ref in given:
        shown = [k for k in names if np.isfinite(ref[k])]
        parts = []
        for adjusted in (False, True):
            h = stats.headline(site_rows, tag, adjusted)
            tested = h["sites"] - h["insufficient"]
            if tested == 0:
                parts.append(f"{'BH' if adjusted else 'raw'}: no site has {stats.MIN_PAIRS} "
                             "paired seeds, so no test and nothing to compare")
                continue
            close = [abs(100 * h[names[k]] / h["sites"] - 100 * ref[k] / ref["sites"])
                     <= AGREE_PP for k in shown]
            word = ("holds" if all(close) else "does not hold" if not any(close)
                    else "holds in part")
            ours = " / ".join(f"{k.replace('_', ' ')} {h[names[k]]}" for k in shown)
            parts.append(f"{'BH' if adjusted else 'raw'}: {ours} of {h['sites']} sites, "
                         f"{word} ({sum(close)} of {len(shown)} shares within {AGREE_PP} "
                         "percentage points)")
        theirs = " / ".join(f"{k.replace('_', ' ')} {int(ref[k])}" for k in shown)
        out.append(f"{tag.capitalize()} λ, paper ({key}): {theirs} of {ref['sites']} sites. "
                   f"Here {'; '.join(parts)}.")
    return out


class Experiment:
    """One results file with the tables the page needs."""

    def __init__(self, path, partition, data):
        self.res, self.variable = load_for_analysis(path, partition, None)
        self.path, self.partition = path, partition
        self.name = str(self.res.attrs.get("experiment", os.path.basename(path)))
        self.sites = stats.site_table(self.res, partition, self.variable)
        self.rows = self.sites.to_dict("records")
        self.data_path = seasonal.find_data_file(self.res, data)

    @property
    def scope(self):
        return str(self.res.attrs.get("scope", ""))

    def shift(self):
        return self.sites["best_hl_shift"].to_numpy(np.float64)

    def classes(self):
        return self.sites["best_class"].to_numpy()


def nse_section(e: Experiment) -> str:
    curves = {}
    for var in e.res.variables:
        m = stats.median_over_seeds(stats.valid_nse(e.res, e.partition, var))
        curves[var] = m.transpose("site", "lambda").values
    return figure(figs.nse_vs_lambda(e.res.lambdas, curves, e.partition), "NSE against lambda")


def site_sections(e: Experiment) -> str:
    """Map (or latitude), attributes, truth: all need the input data set."""
    if not e.data_path:
        return para(f"Input data set {e.res.data_file()} not found (give --data FILE): no map, "
                    "attributes or truth.", "note")
    info = report_data.site_info(e.data_path, e.res.sites)
    out = ["<h3>Where multi-task helps</h3>"]
    if info["lat"] is None:
        out.append(para(f"{e.data_path} has no site latitude: no map.", "note"))
    else:
        if info["lon"] is None:
            out.append(para(f"{e.data_path} has latitude ({info['lat_name']}) but no longitude: "
                            "the change is plotted against latitude.", "note"))
        out.append(figure(figs.change_map(info["lat"], info["lon"], e.shift(), e.classes(),
                                          e.variable), "per-site change map"))
    if info["attrs"]:
        rho = {n: twinmod.spearman(v, e.shift()) for n, (v, _) in info["attrs"].items()}
        out.append(figure(figs.change_vs_attributes(info["attrs"], e.shift(), e.classes(), rho,
                                                    e.variable), "change against attributes"))
    else:
        out.append(para(f"{e.data_path} has no basin attributes (mtl_role = attribute).", "note"))
    out.append(explain_section(e, "the shift of the best λ", e.shift()))
    truth, note = paper.truth_agreement(e.res, e.sites, e.variable, e.data_path)
    out.append("<h3>Agreement with the stored truth</h3>")
    if truth is None:
        out.append(para(note, "note"))
    else:
        cols = ["comparison", "adjustment", "scored", "expected_improved",
                "expected_not_improved", "improved_not_expected", "neither", "precision",
                "recall"]
        out.append(table([c.replace("_", " ") for c in cols],
                         [[_fmt(r[c]) for c in cols] for r in truth.to_dict("records")]))
        name = str(truth["truth"].iloc[0])
        t = paper.read_truth(e.data_path, name)
        values = np.array([t.get(s, np.nan) for s in e.res.sites])
        out.append(figure(figs.truth_strip(e.shift(), values, e.classes(), name, e.variable),
                          "change against the truth"))
        out.append(para(note + "; improved = class better.", "note"))
    return "\n".join(out)


def explain_section(e: Experiment, label: str, shift) -> str:
    """Rank correlations (strongest 8) and the regression of a per-site shift on the
    site properties (explain.py), with a figure of the truth variables when present."""
    props, kinds = explain.site_properties(e.data_path, list(e.res.sites),
                                           e.sites["median_single"])
    rank = explain.rank_table(shift, props, kinds)
    names = explain.default_predictors(props, kinds)
    coefs, fit = explain.regression(shift, props, names)
    out = [f"<h3>Site properties and {esc(label)}</h3>",
           table(["property", "kind", "Spearman ρ", "p", "n"],
                 [[r["property"], r["kind"], _fmt(r["rho"]), _fmt(r["p"]), r["n"]]
                  for r in rank.head(8).to_dict("records")]),
           para(f"Least squares on z-scored properties (NSE per standard deviation, 95 % t "
                f"interval; n = {fit['n']}, R² {_fmt(fit['r2'])}, adjusted "
                f"{_fmt(fit['r2_adj'])}):"),
           table(["property", "coefficient", "se", "p", "95 % interval"],
                 [[r["property"], _fmt(r["coef"]), _fmt(r["se"]), _fmt(r["p"]),
                   f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"]
                  for r in coefs.to_dict("records")])]
    truth = {n: (props[n].to_numpy(), "") for n in explain.TRUTH_PREDICTORS
             if kinds.get(n) == "truth"}
    if truth:
        rho = {n: twinmod.spearman(v, np.asarray(shift, dtype=np.float64)) for n, (v, _) in truth.items()}
        out.append(figure(figs.change_vs_attributes(truth, shift, e.classes(), rho, e.variable,
                                                    "truth variables"),
                          f"{label} against the truth variables"))
    out.append(para("Spearman p: one test per property, not adjusted; the table is sorted by "
                    "|ρ|. Tables: summarize.py (explain_rank_*, explain_regression_*).", "note"))
    return "\n".join(out)


def twin_section(e: Experiment, twin_path: str) -> str:
    """The link-specific gain against the counterfactual twin and the scores (twin.py)."""
    tres = load(twin_path)
    t = twinmod.twin_table(e.res, tres, e.partition, e.variable)
    rules = twinmod.read_rules(e.data_path, str(e.res.attrs.get("auxiliary", "")))
    sc = twinmod.score(e.sites, t, rules)
    c = t["link_class"].value_counts()
    cols = ["predictor", "adjustment", "scored", "tp", "fp", "fn", "tn", "precision", "recall"]
    out = ["<h3>Against the counterfactual twin (temperature link off)</h3>",
           para(f"{esc(twin_path)}: the gain of the best λ in this world minus the gain in the "
                f"twin, seeds paired. The link adds skill at {int(c.get('better', 0))} sites, "
                f"takes it at {int(c.get('worse', 0))}, no difference at "
                f"{int(c.get('not different', 0))} (raw Wilcoxon); the twin alone gains at "
                f"{int((t['twin_class'] == 'better').sum())}."),
           table([x.replace("_", " ") for x in cols],
                 [[_fmt(r[x]) for x in cols] for r in sc.to_dict("records")])]
    halves = twinmod.split_halves(e.res, tres, e.partition, e.variable, rules)
    if halves is not None:
        own, reliability = twinmod.self_agreement(halves)
        hcols = ["predictor", "predictor_seeds", "truth_seeds", "scored", "tp", "fp", "fn",
                 "precision", "recall", "rho_shift"]
        out += [para("On independent seeds (the predictor from one half of the seeds, the truth "
                     "from the other; the table above shares the world's seeds on both sides): "
                     f"the truth's shift correlates with itself at ρ = {_fmt(own)} between "
                     "halves, a reliability of "
                     f"{_fmt(reliability)} for both halves together "
                     "(Spearman-Brown)."),
                table([x.replace("_", " ") for x in hcols],
                      [[_fmt(r[x]) for x in hcols] for r in halves.to_dict("records")])]
    out += ceiling_part(e.res.path)
    e_link = t.set_index("site").loc[e.sites["site"], "link_hl_shift"].to_numpy(np.float64)
    out.append(explain_section(e, "the link-specific shift", e_link))
    return "\n".join(out)


def ceiling_part(results_path: str) -> list:
    """The twin_ceiling table of summarize.py --ceiling (ceiling.py, ~100 s, so read from
    the summary folder beside the results file, not recomputed); [] when absent."""
    csv = os.path.join(summarize.default_out(results_path), "twin_ceiling.csv")
    if not os.path.exists(csv):
        return []
    c = pd.read_csv(csv)
    cols = ["method", "seeds", "truth_sites", "predictor", "predicted_sites", "precision",
            "recall"]
    return [para(f"How well the twin truth can be predicted at all ({esc(csv)}, from "
                 "summarize.py --ceiling): the truth re-measured on resampled seeds, each "
                 "predictor scored against independent draws; the oracle knows every site's "
                 "chance of being found and bounds any predictor."),
            table([x.replace("_", " ") for x in cols],
                  [[_fmt(r[x]) for x in cols] for r in c.to_dict("records")])]


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "NA" if not np.isfinite(v) else f"{v:.3g}"
    return str(v)


def hydrograph_section(e: Experiment) -> str:
    out = ["<h3>Hydrographs: largest gain and loss</h3>"]
    if e.partition != "test":
        return out[0] + para("Predictions cover the test period: shown with --partition test.")
    panels, note = report_data.hydrograph_panels(e.res, e.rows, e.variable, e.data_path)
    if panels:
        units = e.res.ds[f"prediction_{e.variable}"].attrs.get("units", "")
        out.append(figure(figs.hydrographs(panels, e.variable, units), "hydrographs"))
    if note:
        out.append(para(note, "note"))
    return "\n".join(out)


def regional_section(reg: Experiment, loc: Experiment) -> str:
    t = regional.regional_vs_local(reg.res, loc.res, reg.partition, reg.variable,
                                   (reg.path, loc.path))
    s = regional.summary(t)
    counts = "; ".join(f"{adj}: " + ", ".join(f"{s[key][c]} {c}" for c in stats.CLASSES)
                       for adj, key in (("raw", "class"), ("BH", "class_bh")))
    return "\n".join([
        f"<h3>Regional ({esc(reg.name)}) against local ({esc(loc.name)})</h3>",
        para(f"Single-task NSE of {reg.variable}, {s['sites']} sites, {s['seeds']} paired seeds. "
             f"Median over sites: regional {s['regional_median']:.3f}, local "
             f"{s['local_median']:.3f}. Regional is ... than local at: {counts}."),
        figure(figs.regional_scatter(t["local_median"], t["regional_median"], t["class"]),
               "regional vs local")])


def experiment_section(e: Experiment, others: list, twin=None) -> str:
    r = e.res
    out = [f"<h2 id=\"{esc(e.name)}\">{esc(e.name)}: {esc(e.variable)} primary "
           f"({esc(e.scope)})</h2>",
           para(f"{e.path}: {len(r.sites)} sites, λ {', '.join(f'{v:g}' for v in r.lambdas)}, "
                f"{len(r.seeds)} seeds; {e.partition} NSE of {e.variable}, auxiliary "
                f"{r.attrs.get('auxiliary', '?')}."),
           incomplete_note(r),
           "<h3>Headline: sites where multi-task is ... than single-task</h3>",
           table(["comparison", "p", "improved", "no difference", "worse", "insufficient",
                  "sites", "paper (test)"], counts_rows(e.sites, e.name, e.variable))]
    out += [para(s) for s in verdict(e.sites, e.name, e.variable)]
    _, naive_note = stats.naive_lambda(r.lambdas)
    out.append(para(f"Best λ chosen on val; {naive_note}. Two-sided Wilcoxon over paired seeds "
                    f"(α = {stats.ALPHA}), sign of the Hodges-Lehmann shift; BH = "
                    "Benjamini-Hochberg over the sites. Tables: python3 analysis/summarize.py "
                    f"{e.path} (CSV).", "note"))
    out += ["<h3>NSE against λ</h3>", nse_section(e), site_sections(e), hydrograph_section(e)]
    if twin:
        out.append(twin_section(e, twin))
    if e.scope == "multi_site":
        loc = next((o for o in others if o.scope == "single_site" and o.variable == e.variable
                    and set(o.res.sites) & set(r.sites)), None)
        out.append(regional_section(e, loc) if loc else para(
            "Regional vs local: give a single_site file of the same primary (e.g. exp1 with "
            "exp2) for the comparison.", "note"))
    rows = report_data.provenance(r, e.data_path)
    out += ["<h3>Provenance</h3>", table(["", ""], rows, "kv"),
            f"<details><summary>effective configuration</summary><pre>"
            f"{esc(r.attrs.get('effective_config', r.attrs.get('ini', '(none stored)')))}"
            "</pre></details>"]
    return "\n".join(out)


def incomplete_note(res) -> str:
    c = run_counts(res)
    if res.attrs.get("complete") == 0 or c["pending"]:
        return para(f"INCOMPLETE GRID: {c['pending']} of {c['total']} runs pending; the numbers "
                    "below use the runs done so far (mtl_mpi ... --resume finishes it).", "warn")
    return ""


def overview(exps: list) -> str:
    rows = []
    for e in exps:
        h = {(t, a): stats.headline(e.sites, t, a) for t in ("best", "naive") for a in (0, 1)}
        cell = [f"{h[k]['better']} / {h[k]['not different']} / {h[k]['worse']}" for k in h]
        rows.append([e.name, e.variable, len(e.res.sites), len(e.res.seeds)] + cell
                    + [paper_counts(e.name, e.variable, "best")])
    return table(["experiment", "primary", "sites", "seeds", "best raw", "best BH", "naive raw",
                  "naive BH", "paper best"], rows)


def build(paths, out_dir, partition="test", data=None, twin=None) -> str:
    """twin: results of the counterfactual twin of the FIRST file (same grid)."""
    exps = [Experiment(p, partition, data) for p in paths]
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = ["<h1>mtl_mpi study report</h1>",
            para(f"Made {stamp} by analysis/report.py from {len(exps)} results file(s). Does "
                 "learning the auxiliary target help the LSTM predict the primary one "
                 "(Sadler et al. 2022, WRR, doi:10.1029/2021WR030138)?"),
            "<h2>Overview: improved / no difference / worse</h2>", overview(exps)]
    body += [experiment_section(e, [o for o in exps if o is not e], twin if i == 0 else None)
             for i, e in enumerate(exps)]
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>mtl_mpi study report</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "report.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", help="mtl_mpi results files (.h5)")
    ap.add_argument("--out", required=True, help="folder for report.html")
    ap.add_argument("--partition", default="test", choices=["val", "test"])
    ap.add_argument("--data", help="input data set (default: [data] file of each stored config)")
    ap.add_argument("--twin", metavar="TWIN.h5", help="the first file's grid trained on its "
                    "counterfactual twin (mtl_data synth --twin): link-specific gain section")
    a = ap.parse_args(argv)
    try:
        print(build(a.results, a.out, a.partition, a.data, a.twin))
    except (ResultsFileError, OSError) as exc:
        print(f"report.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
