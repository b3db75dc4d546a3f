"""[output] weights = final keeps every run's model: analysis/predict.py reloads a run
from the results file and predicts a period of the input data set, reproducing the
predictions mtl_mpi stored (train, val and test periods, with log_flow so the
exp(.) back-transform is exercised), in numpy and through PyTorch modules."""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from mtl_program import run_tiny_grid

xr = pytest.importorskip("xarray")
ROOT = os.environ.get("MTL_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
import predict  # noqa: E402
from resultsfile import ResultsFileError  # noqa: E402

PY = os.environ.get("MTL_PYTHON", sys.executable)
# mtl_mpi predicts in float32 (register-blocked kernels, FMA), predict.py in float64.
# Per step a gate sums C + H + 1 = 14 products of O(1) values: ~14 float32 ulps
# (eps 6e-8) = 1e-6 relative; forget gates < 1 keep that from growing over the 365
# steps of a block, so |dz| stays near 1e-6 (measured: 7e-7). In target units the
# bound is 1e-5 * y_std (10x margin) -- times (q + 0.001) for flow with log_flow,
# the derivative of exp -- plus the float32 rounding of the stored value.
TOL_Z = 1e-5


@pytest.fixture(scope="module")
def grid():
    work = tempfile.mkdtemp(prefix="mtl_predict_")
    try:
        out = run_tiny_grid(work, "pred", """log_flow = true
[model]
hidden = 6
[train]
epochs = 4
[grid]
lambdas = 0 2
seeds = 0-1
[output]
predictions = all
weights = final
""")
        yield out, os.path.join(work, "synth.nc")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def stored(ds, var, part, site, lam, seed):
    name = f"prediction_{var}" + ("" if part == "test" else f"_{part}")
    return ds[name].sel(site=site, seed=seed).sel({"lambda": lam}).values.astype(np.float64)


def test_reproduces_stored_predictions(grid):
    path, data = grid
    ds = xr.open_dataset(path)
    n = 0
    for site in ds.site.values:
        for lam in ds["lambda"].values:
            for seed in ds.seed.values:
                m = predict.load_model(path, str(site), float(lam), int(seed))
                assert m.log_flow and m.heads == ["flow", "temp"]
                for part in ("train", "val", "test"):
                    got = predict.predict(m, data, str(site), *m.periods[part])
                    for var in ("flow", "temp"):
                        want = stored(ds, var, part, site, lam, seed)
                        assert got[var].size == want.size
                        slope = np.abs(want) + predict.LOG_FLOW_OFFSET if var == "flow" else 1
                        tol = TOL_Z * m.y_std[var] * slope
                        tol = tol + np.abs(want) * 2.0 ** -24
                        assert np.all(np.abs(got[var].values - want) <= tol), (site, lam, seed, part, var)
                        n += want.size
    assert n > 10000


def test_torch_modules_give_the_same_predictions(grid):
    torch = pytest.importorskip("torch")
    path, data = grid
    m = predict.load_model(path, "synth001", 2.0, 1)
    lstm, head = m.to_torch()
    first, last = m.periods["test"]
    drivers = predict.read_drivers(data, "synth001", m.drivers, first, last)
    z = ((drivers.to_numpy(np.float64) - m.x_mean) / m.x_std).astype(np.float32)[:m.seq_len]
    with torch.no_grad():
        h, _ = lstm(torch.from_numpy(z)[:, None, :])  # one block from a zero state
        y = head(h)[:, 0, :].numpy().astype(np.float64)
    ours = predict.lstm_forward(m.weights, z[:, None, :])[:, 0, :]
    assert np.max(np.abs(y - ours)) < TOL_Z


def test_cli_writes_csv_and_refuses_a_file_without_weights(grid, tmp_path):
    path, data = grid
    out = tmp_path / "p.csv"
    run = subprocess.run([PY, os.path.join(ROOT, "analysis", "predict.py"), path, "--site",
                          "synth000", "--lambda", "0", "--seed", "1", "--period",
                          "1987-01-01:1987-12-31", "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "date,flow,temp" and len(lines) == 366
    assert lines[1].startswith("1987-01-01,")
    # a file written without [output] weights: one clear line, exit 2
    ds = xr.open_dataset(path)
    bare = tmp_path / "bare.h5"
    ds.drop_vars([v for v in ds.variables if v.startswith(("weight", "bias_", "head_"))]) \
      .to_netcdf(bare)
    with pytest.raises(ResultsFileError, match="no saved weights"):
        predict.load_model(str(bare), "synth000", 0.0, 1)
    run = subprocess.run([PY, os.path.join(ROOT, "analysis", "predict.py"), str(bare), "--site",
                          "synth000", "--lambda", "0", "--seed", "1"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr


@pytest.fixture(scope="module")
def regional_grid():
    work = tempfile.mkdtemp(prefix="mtl_predict_reg_")
    try:
        out = run_tiny_grid(work, "predreg", """flow_scaling = depth
static = all
[experiment]
scope = multi_site
[model]
hidden = 6
loss = nse_star
[train]
epochs = 4
[grid]
lambdas = 0
seeds = 0
[output]
predictions = test
weights = final
""")
        yield out, os.path.join(work, "synth.nc")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_reproduces_a_regional_model_with_statics_and_depth(regional_grid):
    """Static attributes are constant inputs and flow comes back from mm/day by the
    site's area: the same tolerance argument as above, with C = 7 + 15 inputs (29
    products per gate: still 5x below TOL_Z) and y_std in mm/day times area / 86.4."""
    path, data = regional_grid
    ds = xr.open_dataset(path)
    areas = dict(zip([str(s) for s in xr.open_dataset(data).site_id.values],
                     xr.open_dataset(data)["area"].values))
    for site in ds.site.values:
        m = predict.load_model(path, str(site), 0.0, 0)
        assert m.flow_depth and "aridity" in m.drivers
        got = predict.predict(m, data, str(site), *m.periods["test"])
        for var in ("flow", "temp"):
            want = stored(ds, var, "test", site, 0.0, 0)
            scale = areas[str(site)] / 86.4 if var == "flow" else 1.0
            tol = TOL_Z * m.y_std[var] * scale + np.abs(want) * 2.0 ** -24
            assert np.all(np.abs(got[var].values - want) <= tol), (site, var)
