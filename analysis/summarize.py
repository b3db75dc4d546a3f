#!/usr/bin/python3
"""The paper's answers from one mtl_mpi results file: tables of NSE per site and
lambda, the best multi-task lambda against single-task with significance over
seeds, the headline counts, and every failed or missing run.

    python3 analysis/summarize.py results/exp1.h5 [--out DIR]
        [--partition val|test] [--variable flow|temp|SERIES]

Prints Markdown and writes CSV + Markdown into DIR (default: <stem>_summary next
to the results file). Exit 0 on success, 2 with one line on a bad file or option.
Statistics are documented in analysis/stats.py and README "Analysis".
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats  # noqa: E402
from resultsfile import (STATUS_DONE, STATUS_NAMES, ResultsFileError,  # noqa: E402
                         load_for_analysis, run_counts)

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


def md_table(header: list, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def write_csv(path: str, rows: list, fields: list | None = None) -> None:
    fields = fields or (list(rows[0].keys()) if rows else ["empty"])
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if isinstance(v, float) and not math.isfinite(v) else v)
                        for k, v in r.items()})


def missing_runs(res, partition, variable) -> list:
    """Every run that contributes no NSE: failed, pending, or done with NaN NSE."""
    x = res.nse[:, :, :, res.part(partition), res.var(variable)]
    rows = []
    for s, l, k in zip(*np.nonzero((res.status != STATUS_DONE) | ~np.isfinite(x))):
        st = int(res.status[s, l, k])
        what = STATUS_NAMES.get(st, f"status {st}")
        if st == STATUS_DONE:
            what = f"done, NSE not computable ({partition}/{variable})"
        rows.append(dict(site=res.sites[s], **{"lambda": float(res.lambdas[l])},
                         seed=int(res.seeds[k]), status=what, message=res.message[s, l, k]))
    return rows


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
    nan_done = sum(1 for r in miss if r["status"].startswith("done"))
    if nan_done:
        out.append(f"\n{nan_done} done runs have no finite NSE on {partition}/{variable}.")
    if miss:
        out += ["", f"Runs without an NSE ({len(miss)}; first {min(len(miss), PRINT_LIMIT)} "
                "shown, all in missing_runs.csv):", ""]
        out.append(md_table(["site", "lambda", "seed", "status", "message"],
                            [[r["site"], fmt_lam(r["lambda"]), r["seed"], r["status"],
                              r["message"]] for r in miss[:PRINT_LIMIT]]))
    return "\n".join(out)


def headline_section(site_rows, naive_note) -> str:
    rows = []
    for tag, label in (("best", "best multi-task lambda (chosen on val)"),
                       ("naive", "naive lambda")):
        h = stats.headline(site_rows, tag)
        rows.append([label] + [h[c] for c in stats.CLASSES] + [h["sites"]])
    return "\n".join(["## Headline: sites where multi-task is ... than single-task", "",
                      md_table(["comparison", "significantly better", "not different",
                                "significantly worse", "insufficient pairs", "sites"], rows),
                      "", f"({naive_note}; significance: two-sided Wilcoxon signed-rank "
                      f"over paired seeds, alpha = {stats.ALPHA}, sign of the median "
                      f"paired difference; fewer than {stats.MIN_PAIRS} pairs = insufficient)"])


def site_section(res, site_rows, lam_rows, partition) -> str:
    med = {(r["site"], r["lambda"]): r["median"] for r in lam_rows}
    header = ["site"] + [f"λ={l:g}" for l in res.lambdas] + [
        "best λ", "ΔNSE best", "pairs (excl.)", "p Wilcoxon", "p paired t", "p Welch",
        "best vs single", "ΔNSE naive", "p naive", "naive vs single"]
    rows = []
    for r in site_rows:
        rows.append([r["site"]] + [fmt(med[(r["site"], float(l))]) for l in res.lambdas] + [
            fmt_lam(r["best_lambda"]), fmt(r["best_median_diff"]),
            f"{r['best_n_pairs']} ({r['best_n_excluded']})", fmt_p(r["best_p_wilcoxon"]),
            fmt_p(r["best_p_ttest_rel"]), fmt_p(r["best_p_welch"]), r["best_class"],
            fmt(r["naive_median_diff"]), fmt_p(r["naive_p_wilcoxon"]), r["naive_class"]])
    return "\n".join([f"## Per site: median NSE over seeds ({partition}) and best lambda vs "
                      "lambda = 0", "",
                      "ΔNSE = median over paired seeds of NSE(λ) − NSE(0); pairs = seeds with "
                      "both runs valid, excl. = seeds missing either side.", "",
                      md_table(header, rows)])


def lambda_section(lam_rows) -> str:
    header = ["site", "lambda", "n used / seeds", "failed", "pending", "median", "IQR",
              "q25", "q75", "min", "max"]
    rows = [[r["site"], fmt_lam(r["lambda"]), f"{r['n_used']}/{r['n_seeds']}", r["n_failed"],
             r["n_pending"], fmt(r["median"]), fmt(r["iqr"]), fmt(r["q25"]), fmt(r["q75"]),
             fmt(r["min"]), fmt(r["max"])] for r in lam_rows]
    return "\n".join(["## NSE over seeds per site and lambda", "", md_table(header, rows)])


def summarize(path, out_dir, partition, variable, quiet=False) -> dict:
    res, variable = load_for_analysis(path, partition, variable)
    lam_rows = stats.per_lambda_table(res, partition, variable)
    site_rows = stats.site_table(res, partition, variable)
    miss = missing_runs(res, partition, variable)
    _, naive_note = stats.naive_lambda(res.lambdas)
    title = (f"# {res.attrs.get('experiment', os.path.basename(path))}: NSE of {variable} "
             f"({partition} partition), primary = {res.primary}, "
             f"auxiliary = {res.attrs.get('auxiliary', '?')}")
    notes = [f"file: {path}", f"sites {len(res.sites)}, lambdas "
             f"{', '.join(f'{l:g}' for l in res.lambdas)}, seeds {len(res.seeds)}"]
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
                        headline_section(site_rows, naive_note),
                        site_section(res, site_rows, lam_rows, partition)])
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write(text + "\n\n" + lambda_section(lam_rows) + "\n")
    write_csv(os.path.join(out_dir, "per_lambda.csv"), lam_rows)
    write_csv(os.path.join(out_dir, "per_site.csv"), site_rows)
    write_csv(os.path.join(out_dir, "missing_runs.csv"), miss,
              ["site", "lambda", "seed", "status", "message"])
    heads = [dict(comparison=t, **stats.headline(site_rows, t)) for t in ("best", "naive")]
    write_csv(os.path.join(out_dir, "headline.csv"), heads)
    if not quiet:
        print(text)
        print(f"\nwritten: {out_dir}/summary.md, per_lambda.csv, per_site.csv, "
              "headline.csv, missing_runs.csv")
    return dict(results=res, per_lambda=lam_rows, per_site=site_rows, missing=miss,
                headline={h["comparison"]: h for h in heads}, text=text)


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
    ap.add_argument("-q", "--quiet", action="store_true", help="write files, print nothing")
    a = ap.parse_args(argv)
    try:
        summarize(a.results, a.out or default_out(a.results), a.partition, a.variable, a.quiet)
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
