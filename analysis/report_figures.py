"""Figures of the study report (analysis/report.py), each returned as PNG bytes
(matplotlib Agg) for embedding in the page. Inputs are the tables report.py
builds; nothing here reads a file.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import stats  # noqa: E402

CLASS_COLOURS = {"better": "#1b9e77", "not different": "#999999", "worse": "#d95f02",
                 "insufficient": "#7570b3"}
DPI = 80          # the page stays a few hundred kB for a 101-site study
MAX_ATTRS = 16    # panels of the change-against-attributes figure


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def _class_colours(classes):
    return [CLASS_COLOURS.get(c, "#000000") for c in classes]


def _legend_classes(ax, classes, title="best λ vs single-task"):
    for c in stats.CLASSES:
        n = int(np.sum(np.asarray(classes) == c))
        if n:
            ax.scatter([], [], color=CLASS_COLOURS[c], label=f"{c} ({n})")
    ax.legend(fontsize=7, frameon=False, title=title, title_fontsize=7)


def nse_vs_lambda(lambdas, curves: dict, partition: str) -> bytes:
    """curves: variable -> [S, L] per-site median NSE over seeds. Median over
    sites with the interquartile band, one line per variable (categorical x)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    pos = np.arange(len(lambdas))
    for var, m in curves.items():
        q = np.full((3, len(lambdas)), np.nan)
        ok = np.isfinite(m).any(axis=0)
        if ok.any():
            q[:, ok] = np.nanpercentile(m[:, ok], [25, 50, 75], axis=0)
        ax.plot(pos, q[1], marker="o", label=f"{var}: median over sites")
        ax.fill_between(pos, q[0], q[2], alpha=0.2, label=f"{var}: IQR over sites")
    ax.set_xticks(pos, [f"{v:g}" for v in lambdas])
    ax.set_xlabel("multi-task scaling factor λ (0 = single-task)")
    ax.set_ylabel(f"NSE ({partition}) [-]")
    ax.set_title("NSE against λ: per site the median over seeds", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return png(fig)


def change_map(lat, lon, shift, classes, variable) -> bytes:
    """Per-site Hodges-Lehmann shift of the best λ: on a lat/lon map, or against
    latitude when lon is None."""
    fig, ax = plt.subplots(figsize=(7, 4))
    shift = np.asarray(shift, dtype=np.float64)
    if lon is not None:
        lim = np.nanmax(np.abs(shift)) if np.isfinite(shift).any() else 1.0
        sc = ax.scatter(lon, lat, c=shift, cmap="RdBu", vmin=-lim or -1, vmax=lim or 1,
                        edgecolors="black", linewidths=0.4)
        fig.colorbar(sc, ax=ax, label=f"HL shift of NSE ({variable}) [-]")
        ax.set_xlabel("longitude [degrees east]")
        ax.set_ylabel("latitude [degrees north]")
        ax.set_title("Per-site change, best λ vs single-task (blue: multi-task better)",
                     fontsize=10)
    else:
        ax.scatter(lat, shift, color=_class_colours(classes), edgecolors="black",
                   linewidths=0.4)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("latitude [degrees north] (no longitude in the data set)")
        ax.set_ylabel(f"HL shift of NSE ({variable}) [-]")
        ax.set_title("Per-site change, best λ vs single-task, against latitude", fontsize=10)
        _legend_classes(ax, classes)
    ax.grid(alpha=0.3)
    return png(fig)


def change_vs_attributes(attrs: dict, shift, classes, rho: dict, variable,
                         what: str = "site attributes") -> bytes:
    """attrs: name -> (values [S], units). One panel per attribute (at most
    MAX_ATTRS, strongest |Spearman rho| first)."""
    names = sorted(attrs, key=lambda n: -abs(rho[n]) if np.isfinite(rho[n]) else 0)[:MAX_ATTRS]
    ncol = min(4, len(names))
    nrow = -(-len(names) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.0 * ncol, 2.4 * nrow), squeeze=False,
                             sharey=True)
    for ax, name in zip(axes.flat, names):
        values, units = attrs[name]
        ax.scatter(values, shift, s=14, color=_class_colours(classes))
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(f"{name} [{units}]  ρ = {rho[name]:+.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel(f"HL shift ({variable})", fontsize=8)
    fig.suptitle(f"Per-site shift against {what} (ρ = Spearman)", fontsize=10)
    return png(fig)


def hydrographs(panels: list, variable: str, units: str) -> bytes:
    """panels: dicts with title, days (datetime64 [T]), obs [T] or None, single [T],
    multi [T], labels. One panel per site."""
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.6 * len(panels)), squeeze=False)
    for ax, p in zip(axes[:, 0], panels):
        if p["obs"] is not None:
            ax.plot(p["days"], p["obs"], color="black", lw=1.0, label="observed")
        ax.plot(p["days"], p["single"], color="#7570b3", lw=0.9, label=p["single_label"])
        ax.plot(p["days"], p["multi"], color="#1b9e77", lw=0.9, label=p["multi_label"])
        ax.set_title(p["title"], fontsize=9)
        ax.set_ylabel(f"{variable} [{units}]", fontsize=8)
        ax.legend(fontsize=7, loc="upper right")
        ax.grid(alpha=0.3)
    return png(fig)


def truth_strip(shift, truth, classes, name: str, variable: str) -> bytes:
    """Best-λ HL shift of the sites grouped by the stored truth (0 / 1)."""
    fig, ax = plt.subplots(figsize=(5, 3.4))
    shift, truth = np.asarray(shift, np.float64), np.asarray(truth, np.float64)
    rng = np.random.default_rng(0)  # jitter only
    for x in (0, 1):
        sel = truth == x
        ax.scatter(x + rng.uniform(-0.15, 0.15, int(sel.sum())), shift[sel], s=16,
                   color=_class_colours(np.asarray(classes)[sel]))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks([0, 1], [f"{name} = 0\n({int((truth == 0).sum())} sites)",
                           f"{name} = 1\n({int((truth == 1).sum())} sites)"])
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylabel(f"HL shift, best λ ({variable})")
    ax.set_title("Change against the stored truth", fontsize=10)
    _legend_classes(ax, classes)
    return png(fig)


def regional_scatter(local, regional, classes) -> bytes:
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    local, regional = np.asarray(local, np.float64), np.asarray(regional, np.float64)
    ax.scatter(local, regional, s=16, color=_class_colours(classes))
    both = np.concatenate([local[np.isfinite(local)], regional[np.isfinite(regional)]])
    lo, hi = (both.min(), both.max()) if both.size else (0, 1)
    ax.plot([lo, hi], [lo, hi], color="black", lw=0.8, label="1:1")
    ax.set_xlabel("local (one model per site): median NSE")
    ax.set_ylabel("regional (one model): median NSE")
    ax.set_title("Single-task NSE per site, regional vs local", fontsize=10)
    _legend_classes(ax, classes, "regional vs local")
    ax.grid(alpha=0.3)
    return png(fig)
