#!/usr/bin/python3
"""PyTorch twin of bench_backends: the identical model, data and initial weights.

Reads the HDF5 file bench_backends --data wrote (x [T,N,C], y [T,N,2], initial_flat
in our ParamLayout order, epochs), trains nn.LSTM + a [2, H] linear head with the
masked RMSE (L = RMSE_primary + 1 * RMSE_auxiliary) and Adam (lr 1e-3, eps 1e-7)
for `epochs` full-batch steps on one thread, and prints the wall seconds per run
(best and mean over --runs) and the final training loss.

  OMP_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_torch.py DATA.h5 [--runs R]
"""
import argparse
import time

import h5py
import numpy as np
import torch


def masked_rmse(pred, y):
    mask = ~torch.isnan(y)
    diff = pred[mask] - y[mask]
    return torch.sqrt(torch.mean(diff * diff))


def unflatten(flat, C, H):
    """Our flat layout: wx [C,4H], wh [H,4H], b [4H], head_w [H,2], head_b [2]."""
    G = 4 * H
    o = 0
    wx = flat[o:o + C * G].reshape(C, G); o += C * G
    wh = flat[o:o + H * G].reshape(H, G); o += H * G
    b = flat[o:o + G]; o += G
    hw = flat[o:o + 2 * H].reshape(H, 2); o += 2 * H
    hb = flat[o:o + 2]
    return wx.T.copy(), wh.T.copy(), b.copy(), hw.T.copy(), hb.copy()


def one_run(x, y, flat, C, H, epochs):
    lstm = torch.nn.LSTM(C, H)
    head = torch.nn.Linear(H, 2)
    wx, wh, b, hw, hb = (torch.from_numpy(a) for a in unflatten(flat, C, H))
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(wx)
        lstm.weight_hh_l0.copy_(wh)
        lstm.bias_ih_l0.copy_(b)
        lstm.bias_hh_l0.zero_()
        head.weight.copy_(hw)
        head.bias.copy_(hb)
    # Our model has one combined bias: bias_hh stays 0 and untrained (training it
    # too would double the bias learning rate).
    lstm.bias_hh_l0.requires_grad_(False)
    params = [p for p in lstm.parameters() if p.requires_grad] + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss = None
    for _ in range(epochs):
        opt.zero_grad()
        h, _ = lstm(x)
        pred = head(h)
        loss = masked_rmse(pred[..., 0], y[..., 0]) + 1.0 * masked_rmse(pred[..., 1], y[..., 1])
        loss.backward()
        opt.step()
    return float(loss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with h5py.File(args.data, "r") as f:
        x = torch.from_numpy(f["x"][()])
        y = torch.from_numpy(f["y"][()])
        flat = f["initial_flat"][()].astype(np.float32)
        epochs = int(f["epochs"][0])
    T, N, C = x.shape
    # Solve P = C*4H + H*4H + 4H + 2H + 2 for H.
    P = len(flat)
    H = next(h for h in range(1, 512) if C * 4 * h + 4 * h * h + 4 * h + 2 * h + 2 == P)
    one_run(x, y, flat, C, H, 1)  # warm-up (allocator, kernels)
    times, loss = [], None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        loss = one_run(x, y, flat, C, H, epochs)
        times.append(time.perf_counter() - t0)
    print("torch %s threads %d shape T=%d N=%d C=%d H=%d epochs=%d runs=%d" %
          (torch.__version__, torch.get_num_threads(), T, N, C, H, epochs, args.runs))
    print("torch_run_seconds_best %.4f" % min(times))
    print("torch_run_seconds_mean %.4f" % (sum(times) / len(times)))
    print("torch_final_loss %.6f" % loss)


if __name__ == "__main__":
    main()
