#!/usr/bin/python3
"""PyTorch golden reference for the multi-task LSTM (writes tests/data/golden_lstm.h5).

A tiny problem (T=12 days, N=3 sequences, C=4 drivers, H=5 hidden units, NaN
targets in both variables, lambda=2.5), random weights from torch.manual_seed,
computed in float64 so the stored values are accurate references for the C++
float implementation:

  model    nn.LSTM (gate order i, f, g, o; zero initial state; bias_hh fixed at 0
           so the combined bias is bias_ih) + two linear heads as one [2, H] weight
           applied to every day's hidden state -> pred [T, N, 2]
  loss     masked RMSE per variable over observed (non-NaN) targets, 0 for a
           variable without observations; L = L_primary + lambda * L_auxiliary
           (exactly include/mtl/loss.hpp, kind rmse)
  backward all gradients (and dL/dpred)
  Adam     20 steps, Keras epsilon placement (include/mtl/optim.hpp):
             m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2
             lr_t = lr sqrt(1-b2^t)/(1-b1^t); p -= lr_t m / (sqrt(v) + eps)
           lr 0.01, b1 0.9, b2 0.999, eps 1e-7, bias_hh not trained; the loss
           before each step and after the last one ([21]).

Inputs and initial weights are drawn in float32 and then widened, so the file's
float32 copies are exactly what the float64 model used.

Layout of the file (all shapes time-major; "flat" = our ParamLayout order
wx [C,4H] = weight_ih_l0^T, wh [H,4H] = weight_hh_l0^T, b [4H] = bias_ih_l0,
head_w [H,2] = head_weight^T, head_b [2]):
  attrs   version, generator, torch_version, torch_seed, T, N, C, H, lambda,
          learning_rate, beta1, beta2, epsilon, adam_steps
  /inputs/x [T,N,C] f4, /inputs/y [T,N,2] f4 (NaN = not observed)
  /initial/flat f4, /initial/{weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
           head_weight, head_bias} f4
  /forward/h [T,N,H], /forward/c [T,N,H], /forward/pred [T,N,2]    f8
  /loss/{total, primary, auxiliary}                                 f8 scalars
  /grad/{weight_ih_l0, weight_hh_l0, bias_ih_l0, head_weight, head_bias, flat},
  /grad/dpred [T,N,2]                                               f8
  /adam/{loss_total, loss_primary, loss_auxiliary} [21], /adam/final_flat f8

Regenerate:  /usr/bin/python3 tests/reference/make_golden.py [--out PATH]
"""
import argparse
import math
import os

import h5py
import numpy as np
import torch

VERSION = 1
T, N, C, H = 12, 3, 4, 5
LAMBDA = 2.5
TORCH_SEED = 20220401
LR, BETA1, BETA2, EPS = 0.01, 0.9, 0.999, 1e-7
ADAM_STEPS = 20
WEIGHT_SCALE = 0.5  # U(-0.5, 0.5): large enough that every gate is non-trivial


def make_inputs(gen):
    """x [T,N,C] ~ N(0,1); y [T,N,2] ~ N(0,1) with NaN gaps (30 % / 50 %)."""
    x = torch.randn(T, N, C, generator=gen, dtype=torch.float32)
    y = torch.randn(T, N, 2, generator=gen, dtype=torch.float32)
    gap = torch.rand(T, N, 2, generator=gen) < torch.tensor([0.3, 0.5])
    y[gap] = float("nan")
    for v in range(2):
        observed = int((~torch.isnan(y[..., v])).sum())
        assert 0 < observed < T * N, "each variable needs observed and missing points"
    return x, y


def make_weights(gen):
    """Float32 draws (exact in the C++ float buffers), widened later."""
    def uniform(*shape):
        return (torch.rand(*shape, generator=gen, dtype=torch.float32) * 2 - 1) * WEIGHT_SCALE
    return {
        "weight_ih_l0": uniform(4 * H, C),
        "weight_hh_l0": uniform(4 * H, H),
        "bias_ih_l0": uniform(4 * H),
        "bias_hh_l0": torch.zeros(4 * H, dtype=torch.float32),
        "head_weight": uniform(2, H),
        "head_bias": uniform(2),
    }


def flat_layout(w):
    """Our ParamLayout order: wx [C,4H], wh [H,4H], b [4H], head_w [H,2], head_b [2]."""
    parts = [w["weight_ih_l0"].T, w["weight_hh_l0"].T, w["bias_ih_l0"] + w["bias_hh_l0"],
             w["head_weight"].T, w["head_bias"]]
    return torch.cat([p.reshape(-1) for p in parts])


def masked_rmse(pred, y):
    """loss.hpp, kind rmse: sqrt(mean over observed of (pred - y)^2), 0 if none observed."""
    mask = ~torch.isnan(y)
    if int(mask.sum()) == 0:
        return pred.sum() * 0.0
    diff = pred[mask] - y[mask]
    return torch.sqrt(torch.mean(diff * diff))


class Model(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.lstm = torch.nn.LSTM(C, H, dtype=torch.float64)  # time-major [T, N, C]
        self.head_weight = torch.nn.Parameter(w["head_weight"].double().clone())
        self.head_bias = torch.nn.Parameter(w["head_bias"].double().clone())
        with torch.no_grad():
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                getattr(self.lstm, name).copy_(w[name].double())
        self.lstm.bias_hh_l0.requires_grad_(False)  # combined bias = bias_ih

    def trained(self):
        return {"weight_ih_l0": self.lstm.weight_ih_l0, "weight_hh_l0": self.lstm.weight_hh_l0,
                "bias_ih_l0": self.lstm.bias_ih_l0, "head_weight": self.head_weight,
                "head_bias": self.head_bias}

    def forward(self, x):
        h, _ = self.lstm(x)  # zero initial state
        return h, h @ self.head_weight.T + self.head_bias


def cell_states(model, x):
    """c [T,N,H] by stepping the same LSTM one day at a time (nn.LSTM returns only c_T)."""
    h = torch.zeros(1, N, H, dtype=torch.float64)
    c = torch.zeros(1, N, H, dtype=torch.float64)
    out = []
    for t in range(T):
        _, (h, c) = model.lstm(x[t:t + 1], (h, c))
        out.append(c[0])
    return torch.stack(out)


def losses(pred, y):
    primary = masked_rmse(pred[..., 0], y[..., 0])
    auxiliary = masked_rmse(pred[..., 1], y[..., 1])
    return primary + LAMBDA * auxiliary, primary, auxiliary


def flat_from(tensors):
    named = dict(tensors)
    named.setdefault("bias_hh_l0", torch.zeros(4 * H, dtype=torch.float64))
    return flat_layout(named)


def adam_keras(model, x, y):
    """ADAM_STEPS Keras-style Adam steps in float64; losses before each step and after."""
    params = model.trained()
    m = {k: torch.zeros_like(p) for k, p in params.items()}
    v = {k: torch.zeros_like(p) for k, p in params.items()}
    curve = {"total": [], "primary": [], "auxiliary": []}
    for step in range(1, ADAM_STEPS + 2):
        model.zero_grad()
        total, primary, auxiliary = losses(model(x)[1], y)
        for key, val in zip(("total", "primary", "auxiliary"), (total, primary, auxiliary)):
            curve[key].append(float(val))
        if step > ADAM_STEPS:
            break
        total.backward()
        lr_t = LR * math.sqrt(1 - BETA2 ** step) / (1 - BETA1 ** step)
        with torch.no_grad():
            for k, p in params.items():
                g = p.grad
                m[k] = BETA1 * m[k] + (1 - BETA1) * g
                v[k] = BETA2 * v[k] + (1 - BETA2) * g * g
                p -= lr_t * m[k] / (torch.sqrt(v[k]) + EPS)
    final = flat_from({k: p.detach() for k, p in params.items()})
    return curve, final


def generate():
    """Every array of the golden file, as a dict of path -> numpy value."""
    torch.manual_seed(TORCH_SEED)
    gen = torch.Generator().manual_seed(TORCH_SEED)
    x32, y32 = make_inputs(gen)
    w32 = make_weights(gen)
    x, y = x32.double(), y32.double()
    model = Model(w32)
    out = {"inputs/x": x32.numpy(), "inputs/y": y32.numpy(),
           "initial/flat": flat_layout(w32).numpy()}
    for k, val in w32.items():
        out["initial/" + k] = val.numpy()

    h, pred = model(x)
    pred.retain_grad()
    total, primary, auxiliary = losses(pred, y)
    total.backward()
    out.update({"forward/h": h.detach().numpy(), "forward/pred": pred.detach().numpy(),
                "forward/c": cell_states(model, x).detach().numpy(),
                "loss/total": np.float64(total), "loss/primary": np.float64(primary),
                "loss/auxiliary": np.float64(auxiliary), "grad/dpred": pred.grad.numpy()})
    grads = {k: p.grad.detach().clone() for k, p in model.trained().items()}
    for k, g in grads.items():
        out["grad/" + k] = g.numpy()
    out["grad/flat"] = flat_from(grads).numpy()

    curve, final = adam_keras(model, x, y)
    for key, vals in curve.items():
        out["adam/loss_" + key] = np.array(vals, dtype=np.float64)
    out["adam/final_flat"] = final.numpy()
    return out


def attributes():
    return {"version": VERSION, "generator": "tests/reference/make_golden.py",
            "torch_version": str(torch.__version__), "torch_seed": TORCH_SEED,
            "T": T, "N": N, "C": C, "H": H, "lambda": LAMBDA, "learning_rate": LR,
            "beta1": BETA1, "beta2": BETA2, "epsilon": EPS, "adam_steps": ADAM_STEPS}


def write(path):
    data = generate()
    tmp = path + ".tmp"
    with h5py.File(tmp, "w", track_order=True) as f:
        for k, val in attributes().items():
            f.attrs[k] = val
        for k, val in data.items():
            f.create_dataset(k, data=val, track_times=False)
    os.replace(tmp, path)  # never leave a half-written golden file behind


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "data", "golden_lstm.h5")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=default, help="output HDF5 path (default: %(default)s)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    write(os.path.normpath(args.out))
    print("wrote", os.path.normpath(args.out))


if __name__ == "__main__":
    main()
