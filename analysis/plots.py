#!/usr/bin/python3
"""Figures of the multi-task study from one mtl_mpi results file (PNG, Agg).

    python3 analysis/plots.py results/exp1.h5 --out DIR [--partition val|test]
        [--variable flow|temp|SERIES]

Writes into DIR:
- nse_vs_lambda.png          NSE over seeds against lambda, one panel per site
                             (only for up to MAX_PANELS sites);
- nse_change_heatmap.png     median paired NSE change vs lambda = 0, sites x lambda;
- best_change_distribution.png  per-site median NSE change of the best and the
                             naive lambda over single-task, coloured by class;
- seasonal_improvement.png   per-month NSE change (from nse_month) of the best and
                             naive lambda, median and IQR over sites;
- seasonal_improvement_predictions.png  the same from the test predictions and the
                             observations of the input data set (when both exist).
Exit 0 on success, 2 with one line on a bad file. Statistics: analysis/stats.py.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seasonal  # noqa: E402
import stats  # noqa: E402
from resultsfile import ResultsFileError, load_for_analysis  # noqa: E402

MAX_PANELS = 16
CLASS_COLOURS = {"better": "#1b9e77", "not different": "#999999", "worse": "#d95f02",
                 "insufficient": "#7570b3"}
MONTHS = "JFMAMJJASOND"


def lam_labels(lambdas):
    return [f"{l:g}" for l in lambdas]


def fig_nse_vs_lambda(res, x, site_rows, partition, variable, path):
    """Small multiples: box of NSE over seeds per lambda (categorical x), best marked."""
    n = len(res.sites)
    ncol = min(4, n)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.8 * nrow), squeeze=False,
                             sharex=True)
    pos = np.arange(len(res.lambdas))
    for s, ax in enumerate(axes.flat):
        if s >= n:
            ax.axis("off")
            continue
        data = [v[np.isfinite(v)] for v in x.values[s]]
        keep = [i for i, d in enumerate(data) if d.size]
        if keep:
            ax.boxplot([data[i] for i in keep], positions=pos[keep], widths=0.6,
                       medianprops=dict(color="black"))
        row = site_rows[s]
        if np.isfinite(row["best_lambda"]):
            ib = res.lam(row["best_lambda"])
            ax.axvspan(ib - 0.4, ib + 0.4, color=CLASS_COLOURS[row["best_class"]], alpha=0.25,
                       label=f"best λ: {row['best_class']}")
            ax.legend(loc="lower left", fontsize=7, frameon=False)
        ax.set_title(res.sites[s], fontsize=10)
        ax.set_xticks(pos, lam_labels(res.lambdas))
        ax.grid(axis="y", alpha=0.3)
        if s % ncol == 0:
            ax.set_ylabel(f"NSE ({variable}, {partition}) [-]")
        if s >= n - ncol:
            ax.set_xlabel("multi-task scaling factor λ")
    fig.suptitle(f"NSE over seeds per λ ({partition}, {variable}); box = IQR, "
                 "whiskers 1.5 IQR; shaded = best λ (chosen on val)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def median_change(x):
    """Median over paired seeds of NSE(lambda) - NSE(0): (site, lambda), NaN if no pairs."""
    return stats.median_over_seeds(x - x.sel({"lambda": 0.0}))


def fig_heatmap(res, x, site_rows, partition, variable, path):
    m = median_change(x).values
    lim = np.nanmax(np.abs(m)) if np.isfinite(m).any() else 1.0
    lim = lim if lim > 0 else 1.0
    n = len(res.sites)
    fig, ax = plt.subplots(figsize=(3.0 + 0.9 * len(res.lambdas), min(2.0 + 0.25 * n, 14.0)))
    im = ax.imshow(m, aspect="auto", cmap="RdBu", vmin=-lim, vmax=lim,
                   interpolation="nearest")
    for s, row in enumerate(site_rows):
        if np.isfinite(row["best_lambda"]):
            ax.add_patch(plt.Rectangle((res.lam(row["best_lambda"]) - 0.5, s - 0.5), 1, 1,
                                       fill=False, ec="black", lw=2 if n <= 40 else 1))
    if n <= 20:
        for (s, l), v in np.ndenumerate(m):
            dark = np.isfinite(v) and abs(v) > 0.6 * lim  # white text on dark cells
            ax.text(l, s, "NA" if not np.isfinite(v) else f"{v:+.3f}", ha="center",
                    va="center", fontsize=7, color="white" if dark else "black")
    ax.set_xticks(range(len(res.lambdas)), lam_labels(res.lambdas))
    ax.set_yticks(range(n), res.sites if n <= 60 else [""] * n, fontsize=7 if n <= 30 else 5)
    ax.set_xlabel("multi-task scaling factor λ")
    ax.set_ylabel("site")
    ax.set_title(f"Median paired NSE change vs λ = 0 ({partition}, {variable})\n"
                 "framed = best λ (chosen on val); NA = no complete pair", fontsize=10)
    fig.colorbar(im, ax=ax, label="ΔNSE [-] (blue: multi-task better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fig_distribution(site_rows, naive_note, partition, variable, path):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    all_d = [r[f"{t}_median_diff"] for r in site_rows for t in ("best", "naive")]
    all_d = np.array([d for d in all_d if np.isfinite(d)])
    lo, hi = (all_d.min(), all_d.max()) if all_d.size else (-0.1, 0.1)
    pad = max(hi - lo, 1e-3) * 0.05
    bins = np.linspace(lo - pad, hi + pad, 21)
    for ax, tag, title in ((axes[0], "best", "best λ (chosen on val)"),
                           (axes[1], "naive", naive_note)):
        groups, colours, labels = [], [], []
        for c in stats.CLASSES:
            d = [r[f"{tag}_median_diff"] for r in site_rows if r[f"{tag}_class"] == c]
            d = [v for v in d if np.isfinite(v)]
            groups.append(d)
            colours.append(CLASS_COLOURS[c])
            labels.append(f"{c} ({sum(1 for r in site_rows if r[f'{tag}_class'] == c)})")
        ax.hist(groups, bins=bins, stacked=True, color=colours, label=labels)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"median paired ΔNSE vs single-task [-] ({partition}, {variable})")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8, title="sites", title_fontsize=8)
    axes[0].set_ylabel("number of sites")
    axes[0].yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.suptitle("NSE change of multi-task over single-task per site "
                 f"(Wilcoxon signed-rank, α = {stats.ALPHA})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fig_seasonal(changes, source, naive_note, partition, variable, path):
    """changes: {"best": [S, 12], "naive": [S, 12]} median paired monthly ΔNSE per site."""
    fig, ax = plt.subplots(figsize=(8, 4))
    months = np.arange(1, 13)
    for tag, label, colour in (("best", "best λ (chosen on val)", "#1b9e77"),
                               ("naive", naive_note, "#d95f02")):
        d = changes[tag]
        ok = np.isfinite(d).any(axis=0)
        q = np.full((3, d.shape[1]), np.nan)
        if ok.any():
            q[:, ok] = np.nanpercentile(d[:, ok], [25, 50, 75], axis=0)
        n_sites = int(np.isfinite(d).sum(axis=0).max())
        ax.plot(months, q[1], marker="o", color=colour,
                label=f"{label}: median over sites (n ≤ {n_sites})")
        ax.fill_between(months, q[0], q[2], color=colour, alpha=0.2,
                        label=f"{label}: IQR over sites")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(months, list(MONTHS))
    ax.set_xlabel("month")
    ax.set_ylabel("paired ΔNSE per month vs λ = 0 [-]")
    ax.set_title(f"Seasonal change of monthly NSE by multi-task learning ({partition}, "
                 f"{variable}; from {source})", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def seasonal_figures(res, site_rows, naive_note, partition, variable, data, out):
    """seasonal_improvement.png (nse_month) and _predictions.png (predictions + obs)."""
    def changes(nse_m):
        return {t: seasonal.paired_month_change(nse_m, res, site_rows, t)
                for t in ("best", "naive")}

    if res.nse_month is not None:
        fig_seasonal(changes(seasonal.from_nse_month(res, partition, variable)), "nse_month",
                     naive_note, partition, variable, out("seasonal_improvement.png"))
    else:
        print("no nse_month in the file: seasonal figure from nse_month skipped")
    if res.prediction is None:
        return
    if partition != "test":
        print("predictions cover the test period only: prediction-based seasonal figure "
              "skipped for --partition val")
        return
    data_path = seasonal.find_data_file(res, data)
    if data_path is None:
        print(f"predictions present but the input data set ({data or res.data_file()}) "
              "was not found: give --data FILE for the prediction-based seasonal figure")
        return
    obs = seasonal.load_observations(res, data_path, variable)
    fig_seasonal(changes(seasonal.from_predictions(res, obs, variable)),
                 f"test predictions vs {os.path.basename(data_path)}", naive_note, partition,
                 variable, out("seasonal_improvement_predictions.png"))


def make_plots(path, out_dir, partition="test", variable=None, data=None) -> list:
    res, variable = load_for_analysis(path, partition, variable)
    x = stats.valid_nse(res, partition, variable)
    site_rows = stats.site_table(res, partition, variable).to_dict("records")
    _, naive_note = stats.naive_lambda(res.lambdas)
    os.makedirs(out_dir, exist_ok=True)
    written = []

    def out(name):
        written.append(os.path.join(out_dir, name))
        return written[-1]

    if len(res.sites) <= MAX_PANELS:
        fig_nse_vs_lambda(res, x, site_rows, partition, variable, out("nse_vs_lambda.png"))
    fig_heatmap(res, x, site_rows, partition, variable, out("nse_change_heatmap.png"))
    fig_distribution(site_rows, naive_note, partition, variable,
                     out("best_change_distribution.png"))
    seasonal_figures(res, site_rows, naive_note, partition, variable, data, out)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="mtl_mpi results file (.h5)")
    ap.add_argument("--out", required=True, help="output folder for the PNG files")
    ap.add_argument("--partition", default="test", choices=["val", "test"])
    ap.add_argument("--variable", help="flow, temp or the file's auxiliary series (default: primary)")
    ap.add_argument("--data", help="input data set with the observations (default: the "
                    "[data] file of the config stored in the results file)")
    a = ap.parse_args(argv)
    try:
        for p in make_plots(a.results, a.out, a.partition, a.variable, a.data):
            print(p)
    except (ResultsFileError, OSError) as exc:
        print(f"plots.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
