"""The results file follows CF-1.8 where a file of this kind can (docs/results.md,
"CF conventions"): every units attribute is a UDUNITS-2 string (checked
with Debian's udunits2 program) of the right kind, every variable and coordinate
has a long_name, standard names come from the CF table, counts stay integers in
xarray, and no name shadows an xarray.Dataset method. Debian 12 packages no CF
checker (cfchecks, compliance-checker), so these rules are checked here by hand."""
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

from mtl_program import run_tiny_grid

xr = pytest.importorskip("xarray")

# CF standard-name table entries the file may use, with their canonical units.
CF_STANDARD_NAMES = {"time": "s", "water_volume_transport_in_river_channel": "m3 s-1"}


@pytest.fixture(scope="module")
def results_file():
    work = tempfile.mkdtemp(prefix="mtl_cf_")
    try:
        yield run_tiny_grid(work, "cf", """[model]
hidden = 4
[train]
epochs = 2
[grid]
lambdas = 0 1
seeds = 0
[output]
loss_curves = true
predictions = all
weights = final
""")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def udunits(have, want=""):
    """Exit status of udunits2 converting `have` to `want` ("" = just parse it)."""
    if shutil.which("udunits2") is None:
        pytest.skip("udunits2 not installed (apt-get install udunits-bin)")
    run = subprocess.run(["udunits2", "-H", have, "-W", want], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=30)
    return run.returncode


def test_global_attributes(results_file):
    ds = xr.open_dataset(results_file)
    assert ds.attrs["Conventions"] == "CF-1.8"
    for key in ("title", "source", "history", "references"):
        assert ds.attrs.get(key), key


def test_every_units_attribute_is_udunits(results_file):
    ds = xr.open_dataset(results_file, decode_times=False)
    units = {n: v.attrs["units"] for n, v in ds.variables.items() if "units" in v.attrs}
    assert len(units) > 40
    bad = [f"{n}: {u!r}" for n, u in units.items() if udunits(u) != 0]
    assert not bad, bad


@pytest.mark.parametrize("name, kind", [
    ("rmse_flow", "m3/s"), ("bias_flow", "m3/s"), ("rmse_month_flow", "m3/s"),
    ("prediction_flow", "m3/s"), ("prediction_flow_val", "m3/s"),
    ("rmse_temp", "K"), ("rmse_high_temp", "K"), ("bias_temp", "K"),
    ("prediction_temp", "degC"), ("y_mean_temp", "degC"), ("y_std_temp", "K"),
    ("nse", "1"), ("rmse_log", "1"), ("kge", "1"), ("n_obs", "1"),
    ("train_seconds", "s"), ("x_mean_prcp", "mm/day"), ("x_std_tmax", "K"),
])
def test_units_have_the_right_kind(results_file, name, kind):
    ds = xr.open_dataset(results_file, decode_times=False)
    assert udunits(ds[name].attrs["units"], kind) == 0, (name, ds[name].attrs["units"])


def test_names_attributes_and_types(results_file):
    ds = xr.open_dataset(results_file, decode_times=False)
    for name, v in ds.variables.items():
        assert v.attrs.get("long_name"), f"{name} has no long_name"
        assert not hasattr(xr.Dataset, name), f"{name} shadows xarray.Dataset.{name}"
        sn = v.attrs.get("standard_name")
        if sn:
            assert sn in CF_STANDARD_NAMES, (name, sn)
            assert udunits(v.attrs["units"].split(" since ")[0], CF_STANDARD_NAMES[sn]) == 0
        if v.dtype.kind in "iu":  # integers: no _FillValue, so xarray keeps them integer
            assert "_FillValue" not in v.encoding, name
    for dim in ds.dims:
        assert dim in ds.coords, f"dimension {dim} has no coordinate variable"
    for name in ("time", "time_train", "time_val"):
        assert ds[name].attrs["units"] == "days since 1970-01-01"
        assert ds[name].attrs["calendar"] == "proleptic_gregorian"
    assert ds.status.attrs["flag_meanings"] == "pending done failed"
    decoded = xr.open_dataset(results_file)
    for name, dtype in (("status", np.int8), ("epochs_run", np.int32), ("mpi_rank", np.int32),
                        ("n_obs", np.int64)):
        assert decoded[name].dtype == dtype, name
    assert "rank" not in ds.variables  # renamed mpi_rank: ds.rank is xarray's method
