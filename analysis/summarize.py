#!/usr/bin/python3
"""The paper's answers from one mtl_mpi results file: tables of NSE per site and
lambda, the best multi-task lambda against single-task with significance over
seeds, the headline counts, and every failed or missing run.

    python3 analysis/summarize.py results/exp1.h5 [--out DIR]
        [--partition val|test] [--variable flow|temp|SERIES] [--min-effect NSE]
        [--local EXP1.h5] [--twin TWIN.h5 [--ceiling REPS]] [--explain NAMES] [--seeds SEEDS]

With --local, the file is a regional model (multi_site, e.g. exp2) and its
single-task NSE per site is compared with the per-site models of EXP1.h5 on
the same sites, seeds paired (regional.py; table regional_vs_local).
With --twin, the file's counterfactual twin (mtl_data synth --twin, same grid)
gives the link-specific gain per site and scores the detections against it
(twin.py; table twin), and on independent seed halves when there are at least
12 seeds (table twin_halves); --ceiling re-measures the twin truth on resampled
seeds and scores every predictor, an oracle among them, against it (ceiling.py;
table twin_ceiling). --seeds analyses a subset of the seeds (in every file), e.g.
seeds held out from those a rule was read from. The shift is set against the site properties in every
case (explain.py; tables explain_rank, explain_regression), with --explain
naming the regression's predictors.

Prints Markdown and writes the tables as CSV (and Parquet when pyarrow or
fastparquet is installed) + Markdown into DIR (default: <stem>_summary next to
the results file). Exit 0 on success, 2 with one line on a bad file or option.
Statistics are documented in analysis/stats.py and docs/analysis.md.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ceiling  # noqa: E402
import explain  # noqa: E402
import paper  # noqa: E402
import regional  # noqa: E402
import seasonal  # noqa: E402
import selection  # noqa: E402
import stats  # noqa: E402
import twin as twinmod  # noqa: E402
from resultsfile import (STATUS_DONE, STATUS_NAMES, ResultsFileError,  # noqa: E402
                         load, load_for_analysis, parse_seeds, run_counts, select_seeds)

TABLES = ("per_lambda", "per_site", "missing_runs", "headline", "paper_table")

PRINT_LIMIT = 20  # rows of missing runs printed; the CSV has all of them


def fmt(v, digits=3) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return "NA"
        return f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"
    return str(v)


def fmt_p(p) -> str:
    return "NA" if p is None or not math.isfinite(p) else f"{p:.3g}"


def fmt_lam(v) -> str:
    return "NA" if not math.isfinite(v) else f"{v:g}"


def records(table: pd.DataFrame) -> list:
    """Rows of a table as dicts (plain Python values)."""
    return table.to_dict("records")


def md_table(header: list, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def write_table(out_dir: str, name: str, table: pd.DataFrame) -> list:
    """<name>.csv (NaN as an empty field), and <name>.parquet when pandas has a
    Parquet engine (pyarrow or fastparquet; Debian 12 packages neither).
    Returns the file names written."""
    table.to_csv(os.path.join(out_dir, f"{name}.csv"), index=False, na_rep="")
    written = [f"{name}.csv"]
    try:
        table.to_parquet(os.path.join(out_dir, f"{name}.parquet"), index=False)
        written.append(f"{name}.parquet")
    except ImportError:
        pass
    return written


def missing_runs(res, partition, variable) -> pd.DataFrame:
    """Every run that contributes no NSE: failed, pending, or done with NaN NSE."""
    runs = stats.runs_table(res, partition, variable)
    miss = runs[(runs["status"] != STATUS_DONE) | ~np.isfinite(runs["nse"])].copy()
    what = miss["status"].map(lambda st: STATUS_NAMES.get(int(st), f"status {int(st)}"))
    what[miss["status"] == STATUS_DONE] = f"done, NSE not computable ({partition}/{variable})"
    miss["status"] = what
    miss["seed"] = miss["seed"].astype(int)
    return miss[["site", "lambda", "seed", "status", "message"]].reset_index(drop=True)


def status_section(res, partition, variable, miss) -> str:
    c = run_counts(res)
    complete = res.attrs.get("complete")
    out = ["## Runs", ""]
    if complete is None:
        out += ["(no `complete` attribute in the file: completeness judged from status)", ""]
    if complete == 0 or c["pending"] > 0:
        out.append(f"**INCOMPLETE GRID** (complete = {complete}): {c['pending']} of "
                   f"{c['total']} runs pending; statistics below use the runs done so far.")
        out.append("")
    out.append(f"runs: {c['total']} total, {c['done']} done, {c['failed']} failed, "
               f"{c['pending']} pending" + (f", {c['unknown']} with unknown status"
                                            if c["unknown"] else ""))
    nan_done = int(miss["status"].str.startswith("done").sum())
    if nan_done:
        out.append(f"\n{nan_done} done runs have no finite NSE on {partition}/{variable}.")
    if len(miss):
        out += ["", f"Runs without an NSE ({len(miss)}; first {min(len(miss), PRINT_LIMIT)} "
                "shown, all in missing_runs.csv):", ""]
        out.append(md_table(["site", "lambda", "seed", "status", "message"],
                            [[r["site"], fmt_lam(r["lambda"]), r["seed"], r["status"],
                              r["message"]] for r in records(miss.head(PRINT_LIMIT))]))
    return "\n".join(out)


def headline_section(site_rows, naive_note, min_effect) -> str:
    rows = []
    for tag, label in (("best", "best multi-task lambda (chosen on val)"),
                       ("naive", "naive lambda")):
        for adjusted in (False, True):
            h = stats.headline(site_rows, tag, adjusted)
            rows.append([label, "BH" if adjusted else "raw"] + [h[c] for c in stats.CLASSES]
                        + [h["sites"]])
    effect = f", |HL shift| >= {min_effect:g} NSE" if min_effect > 0 else ""
    return "\n".join(["## Headline: sites where multi-task is ... than single-task", "",
                      md_table(["comparison", "p", "significantly better", "not different",
                                "significantly worse", "insufficient pairs", "sites"], rows),
                      "", f"({naive_note}; significance: two-sided Wilcoxon signed-rank "
                      f"over paired seeds, alpha = {stats.ALPHA}{effect}, direction = sign "
                      "of the Hodges-Lehmann shift; BH = Benjamini-Hochberg adjusted over "
                      f"the sites; fewer than {stats.MIN_PAIRS} pairs = insufficient)"])


def paper_section(table, experiment) -> str:
    rows = [[r["partition"], r["comparison"], r["adjustment"], r["improved"],
             r["no_difference"], r["worse"], r["insufficient"], r["sites"],
             "/".join(fmt_count(r[f"paper_{k}"]) for k in
                      ("improved", "no_difference", "worse", "sites"))]
            for r in records(table)]
    key = paper.paper_experiment(experiment)
    note = (f"paper: Sadler et al. 2022, WRR, {key} (test NSE; '-' = not given)"
            if key in {k[0] for k in paper.PAPER} else
            "no paper counts for this experiment")
    return "\n".join(["## Paper-style table (best lambda chosen on val; val rows are "
                      "optimistic)", "",
                      md_table(["partition", "comparison", "p", "improved", "no difference",
                                "worse", "insufficient", "sites",
                                "paper impr./no diff./worse/sites"], rows), "", f"({note})"])


def fmt_count(v) -> str:
    return "-" if not math.isfinite(v) else str(int(v))


def truth_section(table, note) -> str:
    if table is None:
        return f"## Agreement with the synthetic truth\n\n{note}"
    rows = [[r["comparison"], r["adjustment"], r["scored"], r["expected_improved"],
             r["expected_not_improved"], r["improved_not_expected"], r["neither"],
             r["no_truth"], fmt(r["precision"]), fmt(r["recall"])] for r in records(table)]
    return "\n".join(["## Agreement with the synthetic truth", "",
                      md_table(["comparison", "p", "scored sites", "expected & improved",
                                "expected, not improved", "improved, not expected",
                                "neither", "no truth", "precision", "recall"], rows), "",
                      f"({note}; improved = class better; insufficient sites not scored)"])


def site_section(res, site_rows, lam_rows, partition) -> str:
    med = lam_rows.set_index(["site", "lambda"])["median"]
    header = ["site"] + [f"λ={l:g}" for l in res.lambdas] + [
        "best λ", "ΔNSE best", "HL best", "pairs (excl.)", "p Wilcoxon", "q BH", "p paired t",
        "p Welch", "best vs single", "best (BH)", "HL naive", "p naive", "naive vs single",
        "naive (BH)"]
    rows = []
    for r in records(site_rows):
        rows.append([r["site"]] + [fmt(med[(r["site"], float(l))]) for l in res.lambdas] + [
            fmt_lam(r["best_lambda"]), fmt(r["best_median_diff"]), fmt(r["best_hl_shift"]),
            f"{r['best_n_pairs']} ({r['best_n_excluded']})", fmt_p(r["best_p_wilcoxon"]),
            fmt_p(r["best_q_bh"]), fmt_p(r["best_p_ttest_rel"]), fmt_p(r["best_p_welch"]),
            r["best_class"], r["best_class_bh"], fmt(r["naive_hl_shift"]),
            fmt_p(r["naive_p_wilcoxon"]), r["naive_class"], r["naive_class_bh"]])
    return "\n".join([f"## Per site: median NSE over seeds ({partition}) and best lambda vs "
                      "lambda = 0", "",
                      "ΔNSE = median over paired seeds of NSE(λ) − NSE(0); HL = Hodges-Lehmann "
                      "shift of the same differences; pairs = seeds with both runs valid, "
                      "excl. = seeds missing either side; q BH = Benjamini-Hochberg adjusted p.",
                      "",
                      md_table(header, rows)])


def regional_section(table, local_path) -> str:
    s = regional.summary(table)
    rows = [[r["site"], fmt(r["regional_median"]), fmt(r["local_median"]), r["n_pairs"],
             fmt(r["hl_shift"]), fmt_p(r["p_wilcoxon"]), fmt_p(r["q_bh"]), r["class"],
             r["class_bh"]] for r in records(table)]
    counts = "; ".join(f"{adj}: " + " / ".join(f"{s[key][c]} {c}" for c in stats.CLASSES)
                       for adj, key in (("raw", "class"), ("BH", "class_bh")))
    return "\n".join([
        f"## Regional (this file) against local (one model per site: {local_path})", "",
        f"Single-task (lambda = 0) NSE, {s['sites']} sites, {s['seeds']} paired seeds. Median over "
        f"sites of the per-site median: regional {fmt(s['regional_median'])} (NSE > 0 at "
        f"{s['regional_positive']} sites), local {fmt(s['local_median'])} (NSE > 0 at "
        f"{s['local_positive']}). Regional is ... than local at: {counts}.", "",
        md_table(["site", "regional", "local", "pairs", "HL shift", "p Wilcoxon", "q BH",
                  "regional vs local", "(BH)"], rows)])


def selection_section(table) -> str:
    rows = [[r["rule"], r["better"], r["not different"], r["worse"], r["insufficient"],
             fmt(r["median_hl_shift"]), r["kept_single"]] for r in records(selection.counts(table))]
    return "\n".join(["## Selection rules (how much of 'worse' is the choice of lambda)", "",
                       md_table(["rule", "better", "not different", "worse", "insufficient",
                                 "median HL shift", "sites keeping lambda = 0"], rows), "",
                       "(paper = best validation median, the default above; guarded = that lambda "
                       "only if significantly better than lambda = 0 on validation, else lambda = 0; "
                       "oracle = best on the reported partition itself, an upper bound; "
                       "raw Wilcoxon classes; analysis/selection.py)"])


def halves_section(halves) -> str:
    if halves is None:
        return ("Independent seed halves: fewer than "
                f"{2 * stats.MIN_PAIRS} seeds, not scored.")
    rows = [[r["predictor"], r["predictor_seeds"], r["truth_seeds"], r["scored"], r["tp"],
             r["fp"], r["fn"], r["tn"], fmt(r["precision"]), fmt(r["recall"]),
             fmt(r["rho_shift"])] for r in records(halves)]
    rho, reliability = twinmod.self_agreement(halves)
    return "\n".join([
        "Independent seed halves (raw classes): the predictor from one half of the seeds, the "
        "twin truth from the other, so no seed's noise is on both sides; rho = Spearman "
        "correlation over the sites of the predictor's shift with the other half's link shift. "
        f"The truth against itself: rho {fmt(rho)} between halves; a measure from both halves "
        f"together has the reliability 2 rho / (1 + rho) = {fmt(reliability)} "
        "(Spearman-Brown).", "",
        md_table(["predictor", "predictor seeds", "truth seeds", "sites", "TP", "FP", "FN",
                  "TN", "precision", "recall", "rho"], rows)])


def twin_section(trows, scores, twin_path, halves) -> str:
    cnt = {adj: trows[f"link_class{sfx}"].value_counts() for adj, sfx in (("raw", ""),
                                                                          ("BH", "_bh"))}
    lines = "; ".join(f"{adj}: " + " / ".join(f"{int(c.get(k, 0))} {k}" for k in stats.CLASSES)
                      for adj, c in cnt.items())
    alone = trows["twin_class"].value_counts()
    rows = [[r["predictor"], r["adjustment"], r["scored"], r["tp"], r["fp"], r["fn"], r["tn"],
             fmt(r["precision"]), fmt(r["recall"])] for r in records(scores)]
    differs = int((trows["single_differs"] > 0).sum())
    return "\n".join([
        f"## Counterfactual twin: the link-specific gain (twin: {twin_path})", "",
        "Per site and seed: gain of the best lambda (chosen on val in each world) over lambda = 0 "
        "in this world minus the same in the twin (temperature link off); Wilcoxon over seeds.", "",
        f"Link-specific gain: {lines}. The twin alone (no link) gains at "
        f"{int(alone.get('better', 0))} sites and loses at {int(alone.get('worse', 0))}. "
        f"Median link HL shift over sites {fmt(float(np.nanmedian(trows['link_hl_shift'])))}; "
        f"at the world's lambda without re-selection "
        f"{fmt(float(np.nanmedian(trows['link_hl_at_world_lambda'])))}."
        + (f" WARNING: single-task runs differ between the files at {differs} sites: "
           "not a twin trained with the same config." if differs else ""), "",
        md_table(["scored against the twin truth (link better)", "p", "sites", "TP", "FP", "FN",
                  "TN", "precision", "recall"], rows), "", halves_section(halves)])


def ceiling_section(ceil) -> str:
    rows = [[r["method"], r["seeds"], r["reps"], fmt(r["truth_sites"]), r["predictor"],
             fmt(r["predicted_sites"]), fmt(r["precision"]), fmt(r["recall"])]
            for r in records(ceil)]
    return "\n".join([
        "## How well the twin truth can be predicted at all (ceiling.py)", "",
        "The twin truth re-measured on resampled seeds, lambda* re-chosen each time: random "
        "halves (disjoint seeds) and the bootstrap with n seeds drawn with replacement (n above "
        "the file's seeds: more seeds from the same distribution). Each predictor is scored "
        "against independent draws of the truth; the oracle calls the k sites most often "
        "truth-positive (an upper bound for any predictor, k in the sites column).", "",
        md_table(["method", "seeds", "reps", "truth sites", "predictor", "sites called",
                  "precision", "recall"], rows)])


def explain_section(name, rank, coefs, fit) -> str:
    rrows = [[r["property"], r["kind"], fmt(r["rho"]), fmt_p(r["p"]), r["n"]]
             for r in records(rank)]
    crows = [[r["property"], fmt(r["coef"]), fmt(r["se"]), fmt_p(r["p"]),
              f"[{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]"] for r in records(coefs)]
    return "\n".join([
        f"## Site properties and the {name}", "",
        "Spearman rank correlation with the per-site HL shift (two-sided p, one test per "
        "property, unadjusted):", "", md_table(["property", "kind", "rho", "p", "n"], rrows), "",
        f"Least squares on z-scored properties (coefficient = NSE per standard deviation; "
        f"n = {fit['n']}, R² {fmt(fit['r2'])}, adjusted {fmt(fit['r2_adj'])}; 95 % t "
        "intervals; explain.py):", "",
        md_table(["property", "coefficient", "se", "p", "95 % interval"], crows)])


def lambda_section(lam_rows) -> str:
    header = ["site", "lambda", "n used / seeds", "failed", "pending", "median", "IQR",
              "q25", "q75", "min", "max"]
    rows = [[r["site"], fmt_lam(r["lambda"]), f"{r['n_used']}/{r['n_seeds']}", r["n_failed"],
             r["n_pending"], fmt(r["median"]), fmt(r["iqr"]), fmt(r["q25"]), fmt(r["q75"]),
             fmt(r["min"]), fmt(r["max"])] for r in records(lam_rows)]
    return "\n".join(["## NSE over seeds per site and lambda", "", md_table(header, rows)])


def explanations(res, site_rows, data_path, trows, names) -> list:
    """[(label, response, rank table, coefficient table, fit)]: the best lambda's
    shift, and the link-specific shift when a twin is given."""
    props, kinds = explain.site_properties(data_path, list(site_rows["site"]),
                                           site_rows["median_single"])
    unknown = [n for n in names or [] if n not in props]
    if unknown:
        raise ResultsFileError(f"--explain: {', '.join(unknown)} not a site property "
                               f"(have: {' '.join(props)})")
    names = names or explain.default_predictors(props, kinds)
    out = []
    responses = [("gain (best lambda vs single-task)", "best", site_rows["best_hl_shift"])]
    if trows is not None:
        responses.append(("link-specific gain (world vs twin)", "link",
                          trows.set_index("site").loc[site_rows["site"], "link_hl_shift"]))
    for label, key, y in responses:
        y = np.asarray(y, dtype=np.float64)
        coefs, fit = explain.regression(y, props, names)
        out.append((label, key, explain.rank_table(y, props, kinds), coefs, fit))
    return out


def summarize(path, out_dir, partition, variable, quiet=False, min_effect=0.0,
              data_file=None, local=None, twin=None, explain_names=None, seeds=None,
              ceiling_reps=0) -> dict:
    res, variable = load_for_analysis(path, partition, variable)
    if seeds:
        res = select_seeds(res, seeds)
    versus = (regional.regional_vs_local(res, load(local), partition, variable, (path, local))
              if local else None)
    lam_rows = stats.per_lambda_table(res, partition, variable)
    site_rows = stats.site_table(res, partition, variable, min_effect)
    # Both partitions for the paper table: the reported one and the other of val/test.
    parts = {p: (site_rows if p == partition else
                 stats.site_table(res, p, variable, min_effect))
             for p in ("val", "test") if p in res.partitions}
    experiment = str(res.attrs.get("experiment", ""))
    paper_rows = paper.paper_table(parts, experiment, variable)
    data_path = seasonal.find_data_file(res, data_file)
    truth, truth_note = paper.truth_agreement(res, site_rows, variable, data_path)
    trows = scores = halves = ceil = None
    if twin:
        tres = select_seeds(load(twin), seeds) if seeds else load(twin)
        trows = twinmod.twin_table(res, tres, partition, variable)
        truth_rules = twinmod.read_rules(data_path, str(res.attrs.get("auxiliary", "")))
        scores = twinmod.score(site_rows, trows, truth_rules)
        halves = twinmod.split_halves(res, tres, partition, variable, truth_rules, min_effect)
        if ceiling_reps:
            ceil = ceiling.ceiling_table(res, tres, partition, variable, ceiling_reps,
                                         rules=truth_rules)
    why = explanations(res, site_rows, data_path, trows, explain_names)
    miss = missing_runs(res, partition, variable)
    rules = selection.selection_table(res, partition, variable)
    _, naive_note = stats.naive_lambda(res.lambdas)
    title = (f"# {res.attrs.get('experiment', os.path.basename(path))}: NSE of {variable} "
             f"({partition} partition), primary = {res.primary}, "
             f"auxiliary = {res.attrs.get('auxiliary', '?')}")
    notes = [f"file: {path}", f"sites {len(res.sites)}, lambdas "
             f"{', '.join(f'{l:g}' for l in res.lambdas)}, seeds {len(res.seeds)}"
             + (f" (--seeds: {twinmod._seed_label(res.seeds)} only)" if seeds else "")]
    if len(res.seeds) < stats.MIN_PAIRS:
        notes.append(f"NOTE: {len(res.seeds)} seeds < {stats.MIN_PAIRS}: the two-sided "
                     "Wilcoxon test cannot reach p < 0.05 with so few pairs, so every "
                     "comparison is 'insufficient'; use more seeds for significance.")
    if partition == "val":
        notes.append("WARNING: best lambda chosen and reported on the validation partition: "
                     "its advantage is optimistic (selection on the same data).")
    if variable != res.primary:
        notes.append(f"note: {variable} is the auxiliary variable of this experiment.")
    text = "\n\n".join([title, "\n".join(notes), status_section(res, partition, variable, miss),
                        headline_section(site_rows, naive_note, min_effect),
                        paper_section(paper_rows, experiment), truth_section(truth, truth_note),
                        selection_section(rules)]
                       + ([twin_section(trows, scores, twin, halves)] if trows is not None else [])
                       + ([ceiling_section(ceil)] if ceil is not None else [])
                       + [explain_section(w[0], w[2], w[3], w[4]) for w in why]
                       + [site_section(res, site_rows, lam_rows, partition)]
                       + ([regional_section(versus, local)] if versus is not None else []))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write(text + "\n\n" + lambda_section(lam_rows) + "\n")
    heads = pd.DataFrame([dict(comparison=t, **stats.headline(site_rows, t),
                               **{f"{k}_bh": v for k, v in
                                  stats.headline(site_rows, t, True).items() if k != "sites"})
                          for t in ("best", "naive")])
    tables = dict(per_lambda=lam_rows, per_site=site_rows, missing_runs=miss, headline=heads,
                  paper_table=paper_rows)
    written = ["summary.md"]
    for name in TABLES:
        written += write_table(out_dir, name, tables[name])
    if truth is not None:
        written += write_table(out_dir, "truth_agreement", truth)
    if versus is not None:
        written += write_table(out_dir, "regional_vs_local", versus)
    written += write_table(out_dir, "selection_rules", rules)
    if trows is not None:
        written += write_table(out_dir, "twin", trows)
        written += write_table(out_dir, "twin_scores", scores)
        if halves is not None:
            written += write_table(out_dir, "twin_halves", halves)
        if ceil is not None:
            written += write_table(out_dir, "twin_ceiling", ceil)
    for _, key, rank, coefs, _ in why:
        written += write_table(out_dir, f"explain_rank_{key}", rank)
        written += write_table(out_dir, f"explain_regression_{key}", coefs)
    if not quiet:
        print(text)
        print(f"\nwritten: {out_dir}/" + ", ".join(written))
    return dict(results=res, per_lambda=lam_rows, per_site=site_rows, missing=miss,
                headline={h["comparison"]: h for h in records(heads)}, text=text,
                written=written, paper=paper_rows, truth=truth, site_tables=parts,
                regional_vs_local=versus, selection=rules, twin=trows, twin_scores=scores,
                twin_halves=halves, twin_ceiling=ceil, explain=why)


def default_out(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(os.path.abspath(path)), f"{stem}_summary")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="mtl_mpi results file (.h5)")
    ap.add_argument("--out", help="output folder (default <stem>_summary beside the file)")
    ap.add_argument("--partition", default="test", choices=["val", "test"],
                    help="partition reported (best lambda is always chosen on val)")
    ap.add_argument("--variable", help="variable scored: flow, temp or the file's auxiliary series "
                    "(default: the file's primary)")
    ap.add_argument("--min-effect", type=float, default=0.0, metavar="NSE",
                    help="a significant |Hodges-Lehmann shift| below this counts as not "
                         "different (default 0)")
    ap.add_argument("--data", help="input data set for the truth check (default: [data] "
                                   "file of the stored config)")
    ap.add_argument("--local", metavar="EXP1.h5",
                    help="per-site models (single_site) of the same sites: compare this regional "
                         "file's single-task NSE with theirs, seeds paired")
    ap.add_argument("--twin", metavar="TWIN.h5",
                    help="the same grid trained on the counterfactual twin (mtl_data synth "
                         "--twin): link-specific gain per site and detections scored against it")
    ap.add_argument("--explain", metavar="NAMES",
                    help="site properties of the regression of the shift (space- or "
                         "comma-separated; default: explain.default_predictors)")
    ap.add_argument("--seeds", metavar="SEEDS",
                    help="analyse only these seeds, e.g. 10-29 or '0 2 4' (they must be in "
                         "every file)")
    ap.add_argument("--ceiling", type=int, default=0, metavar="REPS",
                    help="with --twin: re-measure the twin truth on REPS resamples of the seeds "
                         "(ceiling.py; about 0.3 s per 100 sites and resample) and score every "
                         "predictor against it (default 0: off)")
    ap.add_argument("-q", "--quiet", action="store_true", help="write files, print nothing")
    a = ap.parse_args(argv)
    if not (math.isfinite(a.min_effect) and a.min_effect >= 0):
        print(f"summarize.py: error: --min-effect {a.min_effect}: must be a finite NSE >= 0",
              file=sys.stderr)
        return 2
    if a.ceiling < 0 or (a.ceiling and not a.twin):
        print(f"summarize.py: error: --ceiling {a.ceiling}: needs --twin and REPS >= 1",
              file=sys.stderr)
        return 2
    try:
        seeds = parse_seeds(a.seeds) if a.seeds else None
    except ValueError as exc:
        print(f"summarize.py: error: --seeds {a.seeds}: {exc}", file=sys.stderr)
        return 2
    try:
        summarize(a.results, a.out or default_out(a.results), a.partition, a.variable, a.quiet,
                  a.min_effect, a.data, a.local, a.twin,
                  a.explain.replace(",", " ").split() if a.explain else None, seeds, a.ceiling)
    except ResultsFileError as exc:
        print(f"summarize.py: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        return 0
    except OSError as exc:
        print(f"summarize.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
