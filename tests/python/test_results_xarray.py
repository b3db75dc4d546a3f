"""xarray opens a results file written by mtl_mpi (2 ranks) with named
dimensions, coordinate values and the schema's variables (docs/results.md)."""
import shutil
import tempfile

import numpy as np
import pytest

from mtl_program import run_tiny_grid

xr = pytest.importorskip("xarray")


@pytest.fixture(scope="module")
def results_file():
    work = tempfile.mkdtemp(prefix="mtl_xr_")
    try:
        yield run_tiny_grid(work, "xr", """[model]
hidden = 8
[train]
epochs = 3
[grid]
lambdas = 0 1 5
seeds = 0-1
[output]
loss_curves = true
predictions = test
""")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_named_dims_and_coordinates(results_file):
    ds = xr.open_dataset(results_file)
    assert ds.nse.dims == ("site", "lambda", "seed", "partition", "variable")
    assert ds.nse_month.dims[-1] == "month"
    assert ds.prediction_flow.dims == ("site", "lambda", "seed", "time")
    assert ds.rmse_temp.dims == ("site", "lambda", "seed", "partition")
    assert ds.loss_total.dims == ("site", "lambda", "seed", "epoch")
    assert list(ds.site.values) == ["synth000", "synth001", "synth002"]
    assert list(ds["lambda"].values) == [0.0, 1.0, 5.0]
    assert list(ds.seed.values) == [0, 1]
    assert list(ds.partition.values) == ["train", "val", "test"]
    assert list(ds.variable.values) == ["flow", "temp"]
    assert ds.time.size == 731 and str(ds.time.values[0])[:10] == "1986-10-01"
    assert ds.sizes["epoch"] == 3


def test_values_and_attributes(results_file):
    ds = xr.open_dataset(results_file)
    assert int((ds.status == 1).sum()) == 18
    assert ds.attrs["complete"] == 1 and ds.attrs["runs_total"] == 18
    assert ds.attrs["ranks"] == 2 and ds.attrs["Conventions"] == "CF-1.8"
    for key in ("ini", "effective_config", "onednn_version", "onednn_isa", "hdf5_version",
                "mpi_version", "git_hash", "start_time", "end_time"):
        assert ds.attrs[key], key
    med = ds.nse.sel(partition="val", variable="flow").median("seed")
    assert med.dims == ("site", "lambda") and np.isfinite(med.values).all()
    assert set(np.unique(ds.mpi_rank.values)) == {0, 1} and ds.mpi_rank.dtype == np.int32
    assert (ds.message == "").all()
    # counts stay integers (no _FillValue on integer variables); done runs have real counts
    assert ds.n_obs.dtype == np.int64 and ds.epochs_run.dtype == np.int32
    assert (ds.n_obs.sel(partition="train", variable="flow") > 0).all()
