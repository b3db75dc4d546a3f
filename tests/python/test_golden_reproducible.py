"""The committed PyTorch golden file (tests/data/golden_lstm.h5) is what its
generator (tests/reference/make_golden.py) produces, and it follows our
documented conventions (flat parameter layout, gate order i, f, g, o, masked RMSE
loss of include/mtl/loss.hpp), checked independently of PyTorch with numpy.

Skipped when torch or h5py is missing.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("MTL_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
GENERATOR = os.path.join(SOURCE, "tests", "reference", "make_golden.py")
GOLDEN = os.path.join(SOURCE, "tests", "data", "golden_lstm.h5")

# Regeneration on the same machine is bit-identical (float64, one thread). Another
# machine or BLAS may sum in another order: ~1e-16 relative per operation, a few
# hundred operations per value, amplified by at most ~1e2 through 20 Adam steps
# (Adam divides by sqrt(v), which is well away from 0 here) -> rtol 1e-10 with
# atol 1e-12 for values near zero.
REGEN_RTOL, REGEN_ATOL = 1e-10, 1e-12
# numpy re-computation of the forward pass / loss in float64: each value is a few
# hundred double operations on O(1) numbers through 12 recurrent steps whose
# Jacobian norm stays below ~1 (|weights| <= 0.5, H = 5): 1e-12 covers it.
NUMPY_TOL = 1e-12


def read_all(path):
    with h5py.File(path, "r") as f:
        attrs = {k: f.attrs[k] for k in f.attrs}
        data = {}
        f.visititems(lambda name, obj: data.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return attrs, data


def test_generator_reproduces_committed_file(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "golden_lstm.h5"
    subprocess.run([sys.executable, GENERATOR, "--out", str(out)], check=True,
                   capture_output=True, text=True)
    attrs_new, new = read_all(str(out))
    attrs_old, old = read_all(GOLDEN)
    assert attrs_new.keys() == attrs_old.keys()
    for k in attrs_old:
        if k == "torch_version":
            continue  # informative only
        assert attrs_new[k] == attrs_old[k], k
    assert sorted(new) == sorted(old)
    for name in old:
        a, b = np.asarray(new[name]), np.asarray(old[name])
        assert a.shape == b.shape and a.dtype == b.dtype, name
        if a.dtype == np.float32:
            # inputs and initial weights: exact draws
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            np.testing.assert_allclose(a, b, rtol=REGEN_RTOL, atol=REGEN_ATOL, err_msg=name)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def split_flat(flat, c, h):
    """Our ParamLayout: wx [C,4H], wh [H,4H], b [4H], head_w [H,2], head_b [2]."""
    g = 4 * h
    sizes = [c * g, h * g, g, 2 * h, 2]
    parts = np.split(np.asarray(flat, dtype=np.float64), np.cumsum(sizes)[:-1])
    return (parts[0].reshape(c, g), parts[1].reshape(h, g), parts[2],
            parts[3].reshape(h, 2), parts[4])


def test_file_follows_our_layout_and_equations():
    attrs, d = read_all(GOLDEN)
    assert attrs["version"] == 1
    t_len, n, c, h, lam = (int(attrs["T"]), int(attrs["N"]), int(attrs["C"]), int(attrs["H"]),
                           float(attrs["lambda"]))
    assert os.path.getsize(GOLDEN) < 100 * 1024
    wx, wh, b, head_w, head_b = split_flat(d["initial/flat"], c, h)
    assert d["initial/flat"].size == 4 * h * (c + h + 1) + 2 * h + 2
    # flat layout <-> PyTorch naming
    np.testing.assert_array_equal(wx, d["initial/weight_ih_l0"].T)
    np.testing.assert_array_equal(wh, d["initial/weight_hh_l0"].T)
    np.testing.assert_array_equal(b, d["initial/bias_ih_l0"])
    np.testing.assert_array_equal(d["initial/bias_hh_l0"], 0)
    np.testing.assert_array_equal(head_w, d["initial/head_weight"].T)
    # LSTM forward (gates i, f, g, o in blocks of H) from zero state, in float64
    x = d["inputs/x"].astype(np.float64)
    hs, cs = np.zeros((n, h)), np.zeros((n, h))
    for t in range(t_len):
        z = x[t] @ wx + hs @ wh + b
        i, f, g, o = (z[:, k * h:(k + 1) * h] for k in range(4))
        cs = sigmoid(f) * cs + sigmoid(i) * np.tanh(g)
        hs = sigmoid(o) * np.tanh(cs)
        np.testing.assert_allclose(hs, d["forward/h"][t], rtol=0, atol=NUMPY_TOL)
        np.testing.assert_allclose(cs, d["forward/c"][t], rtol=0, atol=NUMPY_TOL)
    pred = d["forward/h"] @ head_w + head_b
    np.testing.assert_allclose(pred, d["forward/pred"], rtol=0, atol=NUMPY_TOL)
    # masked RMSE loss and its gradient as documented in loss.cpp
    y = d["inputs/y"].astype(np.float64)
    losses, dpred = [], np.zeros_like(pred)
    for v, scale in ((0, 1.0), (1, lam)):
        obs = ~np.isnan(y[..., v])
        assert 0 < obs.sum() < obs.size  # both variables partially masked
        diff = pred[..., v][obs] - y[..., v][obs]
        rmse = np.sqrt(np.mean(diff ** 2))
        losses.append(rmse)
        dv = np.zeros(obs.shape)
        dv[obs] = scale * diff / (obs.sum() * rmse)
        dpred[..., v] = dv
    np.testing.assert_allclose(d["loss/primary"], losses[0], rtol=NUMPY_TOL)
    np.testing.assert_allclose(d["loss/auxiliary"], losses[1], rtol=NUMPY_TOL)
    np.testing.assert_allclose(d["loss/total"], losses[0] + lam * losses[1], rtol=NUMPY_TOL)
    np.testing.assert_allclose(d["grad/dpred"], dpred, rtol=0, atol=NUMPY_TOL)
    # head gradients follow from dpred: dW = h^T dpred summed over [T, N]
    hflat = d["forward/h"].reshape(-1, h)
    np.testing.assert_allclose(d["grad/head_weight"].T, hflat.T @ dpred.reshape(-1, 2),
                               rtol=0, atol=NUMPY_TOL)
    np.testing.assert_allclose(d["grad/head_bias"], dpred.reshape(-1, 2).sum(0), rtol=0,
                               atol=NUMPY_TOL)
    # grad/flat is the named gradients in our layout
    gx, gh, gb, ghw, ghb = split_flat(d["grad/flat"], c, h)
    np.testing.assert_array_equal(gx, d["grad/weight_ih_l0"].T)
    np.testing.assert_array_equal(gh, d["grad/weight_hh_l0"].T)
    np.testing.assert_array_equal(gb, d["grad/bias_ih_l0"])
    np.testing.assert_array_equal(ghw, d["grad/head_weight"].T)
    np.testing.assert_array_equal(ghb, d["grad/head_bias"])
    # Adam: 21 losses, the first is the forward loss, and the loss moves measurably
    curve = d["adam/loss_total"]
    assert curve.shape == (int(attrs["adam_steps"]) + 1,)
    assert curve[0] == d["loss/total"]
    assert curve[-1] < 0.95 * curve[0]
    # the same two double operations as the generator: equal up to a rounding or two
    np.testing.assert_allclose(curve, d["adam/loss_primary"] + lam * d["adam/loss_auxiliary"],
                               rtol=4e-16)
