#!/usr/bin/python3
"""Reload one run's trained LSTM from a results file ([output] weights = final)
and predict a period of an input data set.

    python3 analysis/predict.py results/demo.h5 --site synth003 --lambda 1 --seed 0 \
        [--data FILE] [--period test|val|train|YYYY-MM-DD:YYYY-MM-DD] [--out pred.csv]

Writes CSV (date, then one column per modelled target, un-scaled: flow m3 s-1,
temp degC) to --out or stdout. Exit 0, or 2 with one line on a bad file/option.

The model is the one mtl_mpi trained: nn.LSTM(C, H) (PyTorch gate order i, f, g,
o; bias_hh_l0 = 0) and a linear head [2, H] (row 0 primary, row 1 auxiliary),
fed z-scored drivers with the run's training-period statistics (x_mean_<driver>,
x_std_<driver>; a static attribute of [data] static is a driver that is the
same every day), un-scaled with y_mean_<target>, y_std_<target> (and
exp(.) - 0.001 for flow when data.log_flow; flow as depth, [data] flow_scaling =
depth, back to m3 s-1 by the site's area: / (86.4 / area km2)). As in mtl_mpi's evaluation, the
period is cut into blocks of model.seq_len days from its first day, each
started from a zero state. `load_model(...).to_torch()` gives the PyTorch
modules for NeuralHydrology-style use.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resultsfile import (STATUS_DONE, ResultsFileError, days_since_epoch,  # noqa: E402
                         load)

TENSORS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "head_weight", "head_bias")
LOG_FLOW_OFFSET = 1e-3  # mtl::kLogFlowOffset, m3 s-1


@dataclass
class Model:
    """One run's trained model and the statistics its inputs/outputs are scaled with."""
    weights: dict            # PyTorch names -> float32 arrays (see TENSORS)
    drivers: list            # input order
    x_mean: np.ndarray       # [C] float32
    x_std: np.ndarray        # [C] float32
    y_mean: dict             # target -> float64
    y_std: dict
    heads: list              # [primary, auxiliary or "none"]
    log_flow: bool
    flow_depth: bool         # [data] flow_scaling = depth: flow modelled in mm/day
    seq_len: int
    periods: dict            # "train"/"val"/"test" -> (first, last) numpy datetime64[D]
    data_file: str | None

    @property
    def hidden(self) -> int:
        return self.weights["weight_hh_l0"].shape[1]

    def to_torch(self):
        """(torch.nn.LSTM(C, H), torch.nn.Linear(H, 2)) with this model's weights."""
        import torch
        lstm = torch.nn.LSTM(len(self.drivers), self.hidden)
        head = torch.nn.Linear(self.hidden, 2)
        with torch.no_grad():
            for name in TENSORS[:4]:
                getattr(lstm, name).copy_(torch.from_numpy(self.weights[name]))
            head.weight.copy_(torch.from_numpy(self.weights["head_weight"]))
            head.bias.copy_(torch.from_numpy(self.weights["head_bias"]))
        return lstm, head


def _period(cp, name: str):
    first, last = cp.get("data", name).split(":")
    return np.datetime64(first.strip(), "D"), np.datetime64(last.strip(), "D")


def load_model(path: str, site: str, lam: float, seed: int) -> Model:
    """The weights of run (site, lambda, seed); ResultsFileError if the file has none."""
    res = load(path)
    ds = res.ds
    if "weight_ih_l0" not in ds:
        raise ResultsFileError(f"{path}: no saved weights (run the grid with [output] weights = final)")
    if site not in res.sites:
        raise ResultsFileError(f"{path}: site '{site}' not in the file")
    if not res.has_lambda(lam):
        raise ResultsFileError(f"{path}: lambda {lam:g} not in the file")
    if seed not in res.seeds:
        raise ResultsFileError(f"{path}: seed {seed} not in the file")
    run = ds.sel(site=site, seed=seed).isel({"lambda": res.lam(lam)})
    if int(run.status) != STATUS_DONE:
        raise ResultsFileError(f"{path}: run site={site} lambda={lam:g} seed={seed} is not done")
    drivers = [str(d) for d in ds.driver.values]
    cp = res.config()
    return Model(
        weights={n: run[n].values.astype(np.float32) for n in TENSORS},
        drivers=drivers,
        x_mean=np.array([run[f"x_mean_{d}"].values for d in drivers], dtype=np.float32),
        x_std=np.array([run[f"x_std_{d}"].values for d in drivers], dtype=np.float32),
        y_mean={v: float(run[f"y_mean_{v}"]) for v in ("flow", "temp")},
        y_std={v: float(run[f"y_std_{v}"]) for v in ("flow", "temp")},
        heads=[str(h) for h in ds.output.values],
        log_flow=cp.getboolean("data", "log_flow", fallback=False),
        flow_depth=cp.get("data", "flow_scaling", fallback="pooled") == "depth",
        seq_len=cp.getint("model", "seq_len", fallback=365),
        periods={p: _period(cp, p) for p in ("train", "val", "test")},
        data_file=res.data_file())


def lstm_forward(w: dict, x: np.ndarray) -> np.ndarray:
    """x [T, N, C] (normalised) -> head outputs [T, N, 2], zero initial state, in float64.
    PyTorch nn.LSTM: gates = x W_ih^T + b_ih + h W_hh^T + b_hh, split i, f, g, o."""
    W_ih, W_hh = w["weight_ih_l0"].astype(np.float64), w["weight_hh_l0"].astype(np.float64)
    b = (w["bias_ih_l0"] + w["bias_hh_l0"]).astype(np.float64)
    H = W_hh.shape[1]
    T, N, _ = x.shape
    h, c = np.zeros((N, H)), np.zeros((N, H))
    out = np.empty((T, N, 2))
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    for t in range(T):
        g = x[t] @ W_ih.T + h @ W_hh.T + b
        i, f, gg, o = sig(g[:, :H]), sig(g[:, H:2 * H]), np.tanh(g[:, 2 * H:3 * H]), sig(g[:, 3 * H:])
        c = f * c + i * gg
        h = o * np.tanh(c)
        out[t] = h @ w["head_weight"].astype(np.float64).T + w["head_bias"].astype(np.float64)
    return out


def read_drivers(data_path: str, site: str, drivers: list, first, last) -> pd.DataFrame:
    """Drivers of one site over [first, last] from an input data set (xarray), by date."""
    import xarray as xr
    try:
        data = xr.open_dataset(data_path)
    except (OSError, ValueError) as exc:
        raise ResultsFileError(f"{data_path}: cannot read the input data set ({exc})")
    with data:
        ids = [str(s) for s in data.site_id.values]
        if site not in ids:
            raise ResultsFileError(f"{data_path}: site '{site}' not in the data set")
        missing = [d for d in drivers if d not in data]
        if missing:
            raise ResultsFileError(f"{data_path}: driver '{missing[0]}' not in the data set")
        sel = data[drivers].isel(site=ids.index(site))
        days = pd.to_datetime(np.datetime64("1970-01-01") +
                              days_since_epoch(sel.time.values).astype("timedelta64[D]"))
        # A static attribute (site) is the same input every day.
        table = pd.DataFrame({d: np.broadcast_to(sel[d].values, days.shape) for d in drivers},
                             index=days)
    want = pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")
    table = table.reindex(want)
    gaps = table.isna().any(axis=1)
    if gaps.any():
        raise ResultsFileError(f"{data_path}: site {site}: drivers missing on "
                               f"{gaps[gaps].index[0].date()} ({int(gaps.sum())} days of the period)")
    return table


def predict(model: Model, data_path: str, site: str, first, last) -> pd.DataFrame:
    """Un-scaled predictions of days first..last (inclusive) of `site`: one column per
    modelled target, indexed by date."""
    # Flow as depth needs the site's `area` attribute: read in the same pass as the drivers.
    extra = ["area"] if model.flow_depth and "area" not in model.drivers else []
    table = read_drivers(data_path, site, model.drivers + extra, first, last)
    drivers = table[model.drivers]
    # z-score exactly as mtl_mpi does: (double(v) - mean) / std, rounded to float32.
    z = ((drivers.to_numpy(np.float64) - model.x_mean.astype(np.float64)) /
         model.x_std.astype(np.float64)).astype(np.float32)
    days, T = z.shape[0], model.seq_len
    blocks = math.ceil(days / T)
    x = np.zeros((T, blocks, z.shape[1]), dtype=np.float32)  # padded at the end, as mtl_mpi
    for b in range(blocks):
        n = min(T, days - b * T)
        x[:n, b] = z[b * T:b * T + n]
    y = lstm_forward(model.weights, x)  # [T, blocks, 2]
    y = y.transpose(1, 0, 2).reshape(blocks * T, 2)[:days]
    out = {}
    for k, target in enumerate(model.heads):
        if target == "none":
            continue
        u = y[:, k] * model.y_std[target] + model.y_mean[target]
        if target == "flow" and model.log_flow:
            u = np.exp(u) - LOG_FLOW_OFFSET
        if target == "flow" and model.flow_depth:
            u = u / (86.4 / float(table["area"].iloc[0]))  # mm/day -> m3 s-1 (mtl::unscale)
        out[target] = u
    return pd.DataFrame(out, index=drivers.index.rename("date"))


def parse_period(model: Model, text: str):
    if text in model.periods:
        return model.periods[text]
    try:
        first, last = (np.datetime64(p.strip(), "D") for p in text.split(":"))
    except ValueError:
        raise ResultsFileError(f"--period '{text}': expected train, val, test or "
                               "YYYY-MM-DD:YYYY-MM-DD")
    if last < first:
        raise ResultsFileError(f"--period '{text}': ends before it starts")
    return first, last


def find_data(model: Model, results_path: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    name = model.data_file
    for base in ("", os.path.dirname(os.path.abspath(results_path))):
        cand = os.path.join(base, name) if base and name else name
        if cand and os.path.exists(cand):
            return cand
    raise ResultsFileError(f"{results_path}: its input data set ({name}) was not found; "
                           "give --data FILE")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="results file written with [output] weights = final")
    ap.add_argument("--site", required=True)
    ap.add_argument("--lambda", dest="lam", type=float, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--data", help="input data set (default: [data] file of the stored config)")
    ap.add_argument("--period", default="test",
                    help="train, val, test (the run's periods) or YYYY-MM-DD:YYYY-MM-DD")
    ap.add_argument("--out", help="CSV file (default: stdout)")
    a = ap.parse_args(argv)
    try:
        model = load_model(a.results, a.site, a.lam, a.seed)
        first, last = parse_period(model, a.period)
        table = predict(model, find_data(model, a.results, a.data), a.site, first, last)
    except (ResultsFileError, OSError) as exc:
        print(f"predict.py: error: {exc}", file=sys.stderr)
        return 2
    table.to_csv(a.out if a.out else sys.stdout, float_format="%.7g")
    return 0


if __name__ == "__main__":
    sys.exit(main())
