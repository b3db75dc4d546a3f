"""A trace (write_trace) replayed in PyTorch: the final weights in nn.LSTM naming,
fed the traced normalised inputs and un-scaled with the traced statistics, give
the traced predictions, and the traced NSE follows from them.

The trace comes from tests/bench/real_site_nse (built with the benchmarks) on the
real CAMELS basin 01022500 in ../shared; skipped when either is missing.
"""
import os
import subprocess

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")
torch = pytest.importorskip("torch")

SHARED = os.environ.get("MTL_SHARED_DIR", "")
PROGRAM = os.path.join(os.getcwd(), "real_site_nse")  # ctest runs in build/tests


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    if not os.path.isdir(os.path.join(SHARED, "data", "real", "camels_us_cuahsi_sample")):
        pytest.skip("shared CAMELS sample not available")
    if not os.access(PROGRAM, os.X_OK):
        pytest.skip("real_site_nse not built (MTL_BUILD_BENCHMARKS=OFF)")
    path = str(tmp_path_factory.mktemp("trace") / "trace.h5")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run([PROGRAM, "--shared", SHARED, "--epochs", "20", "--trace", path],
                   check=True, env=env, stdout=subprocess.PIPE)
    with h5py.File(path, "r") as f:
        yield {k: f[k][()] for k in _datasets(f)} | {"attrs": dict(f.attrs),
                                                    "names": f["metrics/values"].attrs["names"]}


def _datasets(f):
    out = []
    f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Dataset) else None)
    return out


def replay(t, part):
    """Un-scaled primary predictions of PyTorch on the traced inputs, in trace order."""
    H = t["final/weight_hh_l0"].shape[1]
    C = t["final/weight_ih_l0"].shape[1]
    lstm = torch.nn.LSTM(C, H)
    with torch.no_grad():
        for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(lstm, k).copy_(torch.from_numpy(t["final/" + k]))
        h, _ = lstm(torch.from_numpy(t[part + "/x"]))
        pred = (h @ torch.from_numpy(t["final/head_weight"]).T
                + torch.from_numpy(t["final/head_bias"])).numpy()
    z = pred[..., 0] * t["normalization/y_std"][0] + t["normalization/y_mean"][0]
    day = t[part + "/day"]
    order = [(t_, n) for n in range(day.shape[1]) for t_ in range(day.shape[0]) if day[t_, n] >= 0]
    days = np.array([day[i] for i in order])
    sort = np.argsort(days, kind="stable")
    return days[sort], np.array([z[i] for i in order])[sort]


def test_predictions_match_pytorch(trace):
    days, ours_torch = replay(trace, "test")
    np.testing.assert_array_equal(days, trace["prediction/test/day"])
    traced = trace["prediction/test/value"][:, 0]
    # Both are float32 evaluations of the same 365-step LSTM: relative error of
    # the hidden states ~ T (C + H + 1) eps = 365 * 28 * 1.2e-7 = 1.2e-3 (worst case,
    # lstm_test's bound), times the un-scaled magnitude.
    scale = np.abs(traced).max()
    np.testing.assert_allclose(ours_torch, traced, rtol=0, atol=1.2e-3 * scale)


def test_nse_follows_from_predictions(trace):
    names = trace["names"]
    names = (names.decode() if isinstance(names, bytes) else names).split(",")
    y = trace["test/y"][..., 0] * trace["normalization/y_std"][0] + trace["normalization/y_mean"][0]
    day = trace["test/day"]
    obs = {int(day[t, n]): y[t, n] for n in range(day.shape[1]) for t in range(day.shape[0])
           if day[t, n] >= 0}
    o = np.array([obs[int(d)] for d in trace["prediction/test/day"]])
    s = trace["prediction/test/value"][:, 0].astype(np.float64)
    m = ~np.isnan(o)
    nse = 1 - np.sum((s[m] - o[m]) ** 2) / np.sum((o[m] - o[m].mean()) ** 2)
    traced = trace["metrics/values"][0, 2, 0, names.index("nse")]
    assert abs(nse - traced) <= 1e-6 * max(1.0, abs(nse))  # double sums of float data


def test_layout(trace):
    a = trace["attrs"]
    assert (a["status"].decode() if isinstance(a["status"], bytes) else a["status"]) == "done"
    T, N, C = trace["train/x"].shape
    assert trace["train/y"].shape == (T, N, 2)
    assert trace["initial/bias_hh_l0"].shape == trace["initial/bias_ih_l0"].shape
    assert not trace["final/bias_hh_l0"].any()
    assert len(trace["loss/total"]) == 20
