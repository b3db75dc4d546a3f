"""Input data set round trips between the C++ writer/reader and xarray.

(a) a file written by `mtl_data synth` opens with xarray (engine netcdf4) with
    named dims site/time, and its values equal what h5py reads (an independent
    reader of the same bytes);
(b) files written by xarray's to_netcdf (time as int days with a units
    attribute, or as decoded datetimes; site_id as str) are read by the C++
    reader: `mtl_data convert` re-writes them and the values must be equal.
"""
import os
import subprocess

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("netCDF4")
h5py = pytest.importorskip("h5py")

MTL_DATA = os.environ.get("MTL_DATA")
if not MTL_DATA or not os.path.exists(MTL_DATA):
    pytest.skip("MTL_DATA (mtl_data program) not set", allow_module_level=True)

DRIVERS = ["dayl", "prcp", "srad", "swe", "tmax", "tmin", "vp"]


def run(*args):
    res = subprocess.run([MTL_DATA, *map(str, args)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res


def test_cpp_file_opens_in_xarray(tmp_path):
    path = tmp_path / "synth.nc"
    run("synth", "--sites", 3, "--years", 2, "--seed", 5, "--out", path)
    with xr.open_dataset(path, engine="netcdf4") as ds, h5py.File(path, "r") as h5:
        assert dict(ds.sizes) == {"site": 3, "time": 730}
        for name in DRIVERS + ["flow", "temp"]:
            assert ds[name].dims == ("site", "time"), name
            assert ds[name].dtype == np.float32
            # Exact: both readers return the same float32 bytes (NaN = missing).
            np.testing.assert_array_equal(ds[name].values, h5[name][...])
            assert ds[name].attrs["units"] == h5[name].attrs["units"].decode()
        assert list(ds.site_id.values) == ["synth000", "synth001", "synth002"]
        assert ds.time.values[0] == np.datetime64("1980-10-01")
        assert ds.time.values[-1] == np.datetime64("1982-09-30")
        assert ds.flow.attrs["units"] == "m3 s-1" and ds.temp.attrs["units"] == "degC"
        assert np.isnan(ds.temp.values).any() and np.isnan(ds.flow.values).any()
        np.testing.assert_array_equal(ds.latitude.values, h5["latitude"][...])
    with xr.open_dataset(path, engine="netcdf4", decode_times=False) as raw:
        assert raw.time.attrs["units"] == "days since 1970-01-01"
        assert raw.time.values[0] == 3926  # 1980-10-01


def make_xarray_dataset(time_form):
    rng = np.random.default_rng(3)
    ids = np.array(["01022500", "00012345", "12345678"], dtype=object)
    dates = np.arange(np.datetime64("1999-12-30"), np.datetime64("2000-01-09"))
    data = {n: (("site", "time"), rng.normal(size=(3, dates.size)).astype(np.float32)) for n in ["prcp", "tmax"]}
    flow = rng.gamma(2.0, size=(3, dates.size))
    flow[1, 3] = np.nan
    data["flow"] = (("site", "time"), flow)  # float64 on purpose: reader converts
    data["temp"] = (("site", "time"), np.full((3, dates.size), np.nan, np.float32))
    ds = xr.Dataset(data)
    ds["site_id"] = ("site", ids)
    ds["latitude"] = ("site", np.array([44.8, 40.1, np.nan]))
    if time_form == "datetime":
        ds = ds.assign_coords(time=dates)
    else:
        days = (dates - np.datetime64("1970-01-01")).astype(np.int64)
        ds["time"] = ("time", days, {"units": "days since 1970-01-01"})
    return ds, dates


@pytest.mark.parametrize("time_form", ["int_days", "datetime"])
def test_xarray_file_reads_in_cpp(tmp_path, time_form):
    src, dates = make_xarray_dataset(time_form)
    path_in, path_out = tmp_path / "xr.nc", tmp_path / "out.nc"
    src.to_netcdf(path_in, engine="netcdf4")
    run("convert", path_in, path_out)
    with xr.open_dataset(path_out, engine="netcdf4") as out:
        assert list(out.site_id.values) == list(src.site_id.values)  # leading zeros kept
        np.testing.assert_array_equal(out.time.values, dates.astype("datetime64[ns]"))
        assert [v for v in out.data_vars if out[v].dims == ("site", "time") and v not in ("flow", "temp")] == ["prcp", "tmax"]
        for name in ["prcp", "tmax", "temp"]:
            np.testing.assert_array_equal(out[name].values, src[name].values)
        # float64 flow arrives as float32: exact after the same rounding.
        np.testing.assert_array_equal(out.flow.values, src.flow.values.astype(np.float32))
        np.testing.assert_array_equal(out.latitude.values, src.latitude.values)


def test_non_nan_fill_value_becomes_nan(tmp_path):
    src, _ = make_xarray_dataset("int_days")
    path_in, path_out = tmp_path / "xr.nc", tmp_path / "out.nc"
    src.to_netcdf(path_in, engine="netcdf4", encoding={"flow": {"_FillValue": -999.0}})
    with h5py.File(path_in, "r") as h5:
        assert h5["flow"][1, 3] == -999.0  # the file really holds the fill value
    run("convert", path_in, path_out, "--sites", "00012345", "01022500")
    with xr.open_dataset(path_out, engine="netcdf4") as out:
        assert list(out.site_id.values) == ["01022500", "00012345"]  # file order, not request order
        assert np.isnan(out.flow.values[1, 3])
        np.testing.assert_array_equal(out.flow.values, src.flow.values[[0, 1]].astype(np.float32))


def test_unknown_site_is_a_clear_error(tmp_path):
    path = tmp_path / "synth.nc"
    run("synth", "--sites", 2, "--years", 1, "--out", path)
    res = subprocess.run([MTL_DATA, "convert", str(path), str(tmp_path / "o.nc"), "--sites", "nope"],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert str(path) in res.stderr and "site 'nope'" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_world1_file_is_unchanged(tmp_path):
    """World 1 stays byte for byte what it was before world 2: this sha256 was
    taken from `mtl_data synth --sites 3 --years 12 --seed 1` (then the only
    world) on Debian 12 (glibc libm, HDF5 1.10), before any world-2 change."""
    import hashlib
    path = tmp_path / "w1.nc"
    run("synth", "--world", 1, "--sites", 3, "--years", 12, "--seed", 1, "--out", path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == \
        "080066b1531ba42d529285df4c865e0140727f245805895b0ff58afd7e27b207"


def test_world2_truth_is_marked_and_kept_by_convert(tmp_path):
    path, out = tmp_path / "w2.nc", tmp_path / "out.nc"
    run("synth", "--sites", 2, "--years", 2, "--out", path)
    with xr.open_dataset(path, engine="netcdf4") as ds:
        assert ds.swe_true.dims == ("site", "time") and ds.swe_true.attrs["mtl_role"] == "truth"
        assert ds.temp_hidden_share.dims == ("site",) and ds.temp_hidden_share.attrs["mtl_role"] == "truth"
        assert "mtl_role" not in ds.prcp.attrs
    run("convert", path, out, "--sites", "synth001")
    with xr.open_dataset(path, engine="netcdf4") as a, xr.open_dataset(out, engine="netcdf4") as b:
        for name in ["swe_true", "flow_true", "temp_hidden_share", "temp_gain_expected"]:
            np.testing.assert_array_equal(b[name].values, a[name].values[1:])
            assert b[name].attrs["mtl_role"] == "truth"


def test_synth_file_bytes_are_deterministic(tmp_path):
    a, b, c = tmp_path / "a.nc", tmp_path / "b.nc", tmp_path / "c.nc"
    run("synth", "--sites", 3, "--years", 2, "--seed", 9, "--out", a)
    run("synth", "--sites", 3, "--years", 2, "--seed", 9, "--out", b)
    run("synth", "--sites", 3, "--years", 2, "--seed", 10, "--out", c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_imported_nwis_file_opens_in_xarray(tmp_path):
    shared = os.environ.get("MTL_SHARED_DIR", "")
    d = os.path.join(shared, "data/real/nwis_wtemp_flow_prism_410sites_jswade/data_download")
    if not os.path.isdir(d):
        pytest.skip("no ../shared/data/real")
    out = tmp_path / "nwis.nc"
    run("import-csv", "--flow", f"{d}/Discharge/Discharge_2016_2020.csv", "--flow-units", "cfs",
        "--temp", f"{d}/StreamTemperature/ST_2016_2020.csv",
        "--driver", f"tmean={d}/AirTemperature/PRISM_tmean_2016_2020.csv",
        "--sitelist", f"{d}/StreamTemperature/sitelist_2016_2020.csv",
        "--coords", f"{d}/AirTemperature/sites_getprism.csv", "--dayl-from-latitude", "--out", out)
    with xr.open_dataset(out, engine="netcdf4") as ds:
        assert dict(ds.sizes) == {"site": 410, "time": 1461}
        assert ds.site_id.values[0] == "01104475"
        assert ds.tmean.attrs["units"] == "degC" and ds.dayl.attrs["units"] == "s"
        # Row 10/1/2016, column sm1: 0.2 cfs, 13.7 degC (read by hand from the CSV files).
        assert ds.flow.values[0, 0] == np.float32(0.2 * 0.028316846592)
        assert ds.temp.values[0, 0] == np.float32(13.7)


def test_transposed_square_variable_is_refused(tmp_path):
    """(time, site) with n_site == n_time would read transposed: must be an error."""
    ds = xr.Dataset({
        "site_id": ("site", np.array(["a", "b", "c"], dtype=object)),
        "prcp": (("time", "site"), np.zeros((3, 3), np.float32)),
        "flow": (("site", "time"), np.zeros((3, 3), np.float32)),
        "temp": (("site", "time"), np.zeros((3, 3), np.float32)),
    })
    ds["time"] = ("time", np.arange(3), {"units": "days since 2000-01-01"})
    path = tmp_path / "t.nc"
    ds.to_netcdf(path, engine="netcdf4")
    res = subprocess.run([MTL_DATA, "info", str(path)], capture_output=True, text=True)
    assert res.returncode == 2
    assert "'prcp' must have dims (site, time)" in res.stderr


def test_site_coordinate_instead_of_site_id(tmp_path):
    src, _ = make_xarray_dataset("datetime")
    src = src.drop_vars("site_id").assign_coords(site=["01022500", "00012345", "12345678"])
    path_in, path_out = tmp_path / "xr.nc", tmp_path / "out.nc"
    src.to_netcdf(path_in, engine="netcdf4")
    run("convert", path_in, path_out)
    with xr.open_dataset(path_out, engine="netcdf4") as out:
        assert list(out.site_id.values) == ["01022500", "00012345", "12345678"]
        np.testing.assert_array_equal(out.prcp.values, src.prcp.values)
