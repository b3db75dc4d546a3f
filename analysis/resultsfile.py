"""Open an mtl_mpi results file with xarray (schema: docs/results.md).

    res = load("results/demo.h5")          # checked; res.ds is the xarray.Dataset
    res.ds.nse.sel(partition="test", variable="flow").median("seed")

`load` opens the file with `xarray.open_dataset` (netCDF4 engine), checks that it
is a results file, puts every variable into the schema's dimension order and
keeps the Dataset in `Results.ds`; the analysis selects by name from there.
A few numpy views (`nse`, `status`, ...) remain for the figures. Anything that
makes the file unusable raises ResultsFileError with one line naming the file.

Strings must be variable-length (what mtl_mpi writes): netCDF-C 4.9.0 aborts the
process on fixed-length HDF5 strings (Unidata/netcdf-c#2159), so those files are
refused with a message before xarray sees them.
"""
from __future__ import annotations

import configparser
import os
from dataclasses import dataclass

import numpy as np

STATUS_PENDING, STATUS_DONE, STATUS_FAILED = 0, 1, 2
STATUS_NAMES = {STATUS_PENDING: "pending", STATUS_DONE: "done", STATUS_FAILED: "failed"}

RUN_DIMS = ("site", "lambda", "seed")
METRIC_DIMS = RUN_DIMS + ("partition", "variable")
REQUIRED = ("site", "lambda", "seed", "partition", "variable", "status", "nse")
STRING_COORDS = ("site", "partition", "variable", "message")


class ResultsFileError(Exception):
    """The file is missing, unreadable or not a usable mtl_mpi results file."""


def _precheck(path: str) -> None:
    """Cheap checks with h5py before netCDF-C opens the file (it aborts on some)."""
    import h5py
    if not os.path.exists(path):
        raise ResultsFileError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        hint = ("; the file is locked, probably still being written (a copy, or "
                "HDF5_USE_FILE_LOCKING=FALSE, reads it)" if "lock" in str(exc).lower() else "")
        raise ResultsFileError(f"{path}: cannot open as HDF5 ({exc}){hint}")
    with f:
        for name in REQUIRED:
            if name not in f:
                raise ResultsFileError(f"{path}: not an mtl_mpi results file (no variable '{name}')")
        for name in STRING_COORDS:
            if name in f and f[name].dtype.kind == "S":
                raise ResultsFileError(
                    f"{path}: variable '{name}' holds fixed-length strings, which netCDF-C "
                    "4.9.0 cannot read; mtl_mpi writes variable-length strings")


@dataclass
class Results:
    """A checked results file: the Dataset in schema order plus a few helpers."""
    path: str
    ds: "xarray.Dataset"  # noqa: F821

    @property
    def attrs(self) -> dict:
        return self.ds.attrs

    @property
    def sites(self) -> list:
        return [str(s) for s in self.ds.site.values]

    @property
    def lambdas(self) -> np.ndarray:
        return self.ds["lambda"].values.astype(np.float64)

    @property
    def seeds(self) -> np.ndarray:
        return self.ds.seed.values.astype(np.int64)

    @property
    def partitions(self) -> list:
        return [str(p) for p in self.ds.partition.values]

    @property
    def variables(self) -> list:
        return [str(v) for v in self.ds.variable.values]

    @property
    def primary(self) -> str:
        return str(self.attrs.get("primary") or self.variables[0])

    @property
    def status(self) -> np.ndarray:
        """[S, L, K] int."""
        return self.ds.status.values.astype(np.int64)

    @property
    def message(self) -> np.ndarray:
        """[S, L, K] str (object)."""
        if "message" not in self.ds:
            return np.full(self.status.shape, "", dtype=object)
        return self.ds.message.fillna("").values.astype(object)

    @property
    def nse(self) -> np.ndarray:
        """[S, L, K, P, V] float64, NaN = not computable."""
        return self.ds.nse.values.astype(np.float64)

    @property
    def metrics(self) -> list:
        """Names of the per-run metric variables in the file (metric_names)."""
        return metric_names(self.ds)

    @property
    def nse_month(self) -> np.ndarray | None:
        """[S, L, K, P, V, 12] float64, or None."""
        return self.ds.nse_month.values.astype(np.float64) if "nse_month" in self.ds else None

    @property
    def time(self) -> np.ndarray | None:
        """Test days as integer days since 1970-01-01, or None without predictions."""
        if "time" not in self.ds.coords:
            return None
        return days_since_epoch(self.ds.time.values)

    @property
    def prediction(self) -> np.ndarray | None:
        """Test predictions [S, L, K, T, V] (variables in `variables` order), or None."""
        names = [f"prediction_{v}" for v in self.variables]
        if not all(n in self.ds for n in names):
            return None
        return np.stack([self.ds[n].values.astype(np.float64) for n in names], axis=-1)

    def check_part(self, name: str) -> None:
        if name not in self.partitions:
            raise ResultsFileError(f"{self.path}: partition '{name}' not in file "
                                   f"(has {', '.join(self.partitions)})")

    def check_var(self, name: str) -> None:
        if name not in self.variables:
            raise ResultsFileError(f"{self.path}: variable '{name}' not in file "
                                   f"(has {', '.join(self.variables)})")

    def has_lambda(self, value: float) -> bool:
        return self.lam(value) is not None

    def lam(self, value: float) -> int | None:
        """Position of lambda `value` on the lambda axis (figures), or None."""
        hits = np.flatnonzero(np.isclose(self.lambdas, value, rtol=0, atol=1e-12))
        return int(hits[0]) if hits.size else None

    def config(self) -> configparser.ConfigParser | None:
        """The stored effective configuration (or the verbatim INI), parsed."""
        for key in ("effective_config", "ini"):
            text = self.attrs.get(key)
            if not text:
                continue
            cp = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                cp.read_string(str(text))
            except configparser.Error:
                continue
            return cp
        return None

    def data_file(self) -> str | None:
        """The input data set named by the stored config ([data] file), if any."""
        cp = self.config()
        if cp is not None and cp.has_option("data", "file"):
            return cp.get("data", "file").strip().strip('"')
        return None


def metric_names(ds) -> list:
    """The per-run metric variables of a results file, read from the file itself
    (the metric list lives in the C++ alone, MTL_METRICS in include/mtl/metrics.hpp;
    never copy it here): scores on (site, lambda, seed, partition, variable), e.g.
    nse, n_obs, and quantities in a target's units, one variable per target on
    (site, lambda, seed, partition), e.g. rmse_flow, rmse_temp."""
    shapes = (set(METRIC_DIMS), set(RUN_DIMS + ("partition",)))
    return [str(n) for n, v in ds.data_vars.items() if set(v.dims) in shapes]


def days_since_epoch(times) -> np.ndarray:
    """datetime64 (as xarray decodes CF time) or integer days -> int days since 1970-01-01."""
    t = np.asarray(times)
    if np.issubdtype(t.dtype, np.datetime64):
        return ((t - np.datetime64("1970-01-01")) // np.timedelta64(1, "D")).astype(np.int64)
    return t.astype(np.int64)


def open_dataset(path: str):
    """xarray.open_dataset after the checks above; ResultsFileError on failure."""
    try:
        import xarray as xr
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ResultsFileError(f"xarray is not importable ({exc}); use /usr/bin/python3")
    _precheck(path)
    try:
        return xr.open_dataset(path)
    except (OSError, ValueError) as exc:
        raise ResultsFileError(f"{path}: xarray cannot open it ({exc})")


def load(path: str) -> Results:
    """Open and validate a results file; see the module docstring."""
    ds = open_dataset(path)
    for name in ("status", "nse"):
        want = RUN_DIMS if name == "status" else METRIC_DIMS
        if set(ds[name].dims) != set(want):
            raise ResultsFileError(f"{path}: variable '{name}' has dims {ds[name].dims}, "
                                   f"expected {want}")
    order = [d for d in RUN_DIMS + ("partition", "variable", "month", "time") if d in ds.dims]
    # Schema order, whatever order the writer used; values are read lazily and
    # cached (open_dataset's cache=True), so large predictions load only if used.
    return Results(path=path, ds=ds.transpose(*order, ...))


def load_for_analysis(path: str, partition: str, variable: str | None) -> tuple:
    """Load a results file for the paper's comparison: check the partition, the
    validation partition (the best lambda is chosen there), the variable (default:
    the file's primary) and the single-task baseline lambda = 0.
    Returns (results, variable)."""
    res = load(path)
    variable = variable or (res.primary if res.primary in res.variables else res.variables[0])
    res.check_var(variable)
    res.check_part(partition)
    res.check_part("val")
    if not res.has_lambda(0.0):
        raise ResultsFileError(f"{path}: no lambda = 0 (single-task baseline) in the grid")
    return res, variable


def parse_seeds(spec: str) -> list:
    """'0-9', '10-29', '0 2 4' or '0,2,4-6' -> sorted distinct ints (ValueError if bad)."""
    out = set()
    for tok in spec.replace(",", " ").split():
        lo, sep, hi = tok.partition("-")
        a, b = int(lo), int(hi) if sep else int(lo)
        if b < a:
            raise ValueError(f"range {tok} runs backwards")
        out.update(range(a, b + 1))
    if not out:
        raise ValueError("no seed given")
    return sorted(out)


def select_seeds(res: Results, seeds) -> Results:
    """The same results restricted to `seeds` (all must be in the file): the
    analysis of a seed subset, e.g. seeds held out from those a rule was fitted on."""
    have = list(res.seeds)
    missing = [s for s in seeds if s not in have]
    if missing:
        shown = " ".join(map(str, missing[:8])) + (" ..." if len(missing) > 8 else "")
        raise ResultsFileError(f"{res.path}: seeds {shown} not in file "
                               f"(has {len(have)} seeds, {min(have)}..{max(have)})")
    return Results(path=res.path, ds=res.ds.isel(seed=[have.index(s) for s in seeds]))


def run_counts(res: Results) -> dict:
    """Counts of runs by status, from the status variable (the file's truth)."""
    codes = res.ds.status.to_series().value_counts()
    counts = {name: int(codes.get(code, 0)) for code, name in STATUS_NAMES.items()}
    counts["total"] = int(res.ds.status.size)
    counts["unknown"] = counts["total"] - sum(counts[n] for n in STATUS_NAMES.values())
    return counts
