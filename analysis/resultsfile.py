"""Shared loader for mtl_mpi results files (schema: README "The results file").

Reads with h5py only (xarray is not needed to read, but the file stays xarray-
compatible). Every array is returned in the schema's canonical dimension order,
whatever order the writer used, by reading the attached HDF5 dimension scales;
fixed-length byte strings are decoded to str; optional variables that are absent
come back as None. Anything that makes the file unusable raises ResultsFileError
with one line naming the file and the problem.
"""
from __future__ import annotations

import configparser
import os
from dataclasses import dataclass, field

import numpy as np

STATUS_PENDING, STATUS_DONE, STATUS_FAILED = 0, 1, 2
STATUS_NAMES = {STATUS_PENDING: "pending", STATUS_DONE: "done", STATUS_FAILED: "failed"}

# Canonical dimension order of each variable we read (schema tables).
RUN_DIMS = ("site", "lambda", "seed")
METRIC_DIMS = RUN_DIMS + ("partition", "variable")
MONTH_DIMS = METRIC_DIMS + ("month",)
PRED_DIMS = RUN_DIMS + ("time", "variable")
REQUIRED_COORDS = ("site", "lambda", "seed", "partition", "variable")


class ResultsFileError(Exception):
    """The file is missing, unreadable or not a usable mtl_mpi results file."""


def decode(value):
    """bytes / numpy bytes / 0-d arrays -> str (or plain Python scalar)."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", errors="replace").rstrip("\x00").strip()
    if isinstance(value, np.generic):
        return value.item()
    return value


def join_chars(arr: np.ndarray, ndim: int) -> np.ndarray:
    """netCDF char arrays [..., strlen] of 1-byte strings -> fixed strings [...].

    The schema writes fixed-length strings (S<n>), but netCDF-C 4.9.0 cannot read
    those (Unidata/netcdf-c#2159, fixed in 4.9.1), so a writer may switch to the
    netCDF-classic form: 1-byte chars with an extra string-length dimension.
    """
    arr = np.asarray(arr)
    if arr.dtype.kind == "S" and arr.dtype.itemsize == 1 and arr.ndim == ndim + 1:
        arr = np.ascontiguousarray(arr).view(f"S{arr.shape[-1]}")[..., 0]
    return arr


def decode_strings(arr) -> list:
    """A 1-D array of fixed-length (S), char [n, strlen] or vlen strings -> list of str."""
    return [str(decode(v)) for v in join_chars(arr, 1).reshape(-1)]


@dataclass
class Results:
    path: str
    sites: list
    lambdas: np.ndarray            # [L] float64
    seeds: np.ndarray              # [K] int
    partitions: list               # e.g. ["train", "val", "test"]
    variables: list                # e.g. ["flow", "temp"]
    status: np.ndarray             # [S, L, K] int8
    message: np.ndarray            # [S, L, K] str (object)
    nse: np.ndarray                # [S, L, K, P, V] float64, NaN = not computable
    attrs: dict
    months: np.ndarray | None = None
    nse_month: np.ndarray | None = None     # [S, L, K, P, V, 12]
    prediction: np.ndarray | None = None    # [S, L, K, T, V]
    time: np.ndarray | None = None          # [T] days since 1970-01-01
    metrics: dict = field(default_factory=dict)  # other [S,L,K,P,V] metrics by name

    @property
    def primary(self) -> str:
        return str(self.attrs.get("primary") or self.variables[0])

    def part(self, name: str) -> int:
        if name not in self.partitions:
            raise ResultsFileError(f"{self.path}: partition '{name}' not in file "
                                   f"(has {', '.join(self.partitions)})")
        return self.partitions.index(name)

    def var(self, name: str) -> int:
        if name not in self.variables:
            raise ResultsFileError(f"{self.path}: variable '{name}' not in file "
                                   f"(has {', '.join(self.variables)})")
        return self.variables.index(name)

    def lam(self, value: float) -> int | None:
        hits = np.flatnonzero(np.isclose(self.lambdas, value, rtol=0, atol=1e-12))
        return int(hits[0]) if hits.size else None

    def data_file(self) -> str | None:
        """The input data set named by the stored config ([data] file), if any."""
        for key in ("effective_config", "ini"):
            text = self.attrs.get(key)
            if not text:
                continue
            cp = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                cp.read_string(str(text))
            except configparser.Error:
                continue
            if cp.has_option("data", "file"):
                return cp.get("data", "file").strip().strip('"')
        return None


def _dim_names(dset) -> list | None:
    """Names of the dimension scales attached to dset, or None if any is missing."""
    names = []
    for dim in dset.dims:
        if len(dim) == 0:
            return None
        scale = dim[0]
        names.append(scale.name.rsplit("/", 1)[-1])
    return names


def _read_var(f, name, dims, path, required=True):
    """Read f[name] as an array in canonical `dims` order (None if absent+optional)."""
    if name not in f:
        if required:
            raise ResultsFileError(f"{path}: not an mtl_mpi results file "
                                   f"(no variable '{name}')")
        return None
    dset = f[name]
    data = dset[()]
    names = _dim_names(dset)
    if data.dtype.kind == "S" and data.dtype.itemsize == 1 and data.ndim == len(dims) + 1:
        data = join_chars(data, len(dims))  # char array: drop the string-length dim
        names = names[:-1] if names is not None else None
    if names is not None and sorted(names) == sorted(dims) and len(set(names)) == len(names):
        data = np.transpose(data, [names.index(d) for d in dims])
    elif data.ndim != len(dims):
        raise ResultsFileError(f"{path}: variable '{name}' has {data.ndim} dims, "
                               f"expected {len(dims)} ({', '.join(dims)})")
    return data


def _as_float(data):
    """Float array with the fill values (NaN already, or int -1 for n_obs) as NaN."""
    return np.asarray(data, dtype=np.float64)


def _check_shape(path, name, arr, shape):
    if arr is not None and tuple(arr.shape[:len(shape)]) != tuple(shape):
        raise ResultsFileError(f"{path}: variable '{name}' has shape {arr.shape}, "
                               f"expected leading {tuple(shape)}")


def load(path: str) -> Results:
    """Open and validate a results file; see the module docstring."""
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ResultsFileError(f"h5py is not importable ({exc}); use /usr/bin/python3")
    if not os.path.exists(path):
        raise ResultsFileError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        hint = ("; the file is locked, probably still being written (a copy, or "
                "HDF5_USE_FILE_LOCKING=FALSE, reads it)" if "lock" in str(exc).lower() else "")
        raise ResultsFileError(f"{path}: cannot open as HDF5 ({exc}){hint}")
    with f:
        return _load_open(f, path)


def load_for_analysis(path: str, partition: str, variable: str | None) -> tuple:
    """Load a results file for the paper's comparison: check the partition, the
    validation partition (the best lambda is chosen there), the variable (default:
    the file's primary) and the single-task baseline lambda = 0.
    Returns (results, variable)."""
    res = load(path)
    variable = variable or (res.primary if res.primary in res.variables else res.variables[0])
    res.var(variable)
    res.part(partition)
    res.part("val")
    if res.lam(0.0) is None:
        raise ResultsFileError(f"{path}: no lambda = 0 (single-task baseline) in the grid")
    return res, variable


def _load_open(f, path) -> Results:
    for name in REQUIRED_COORDS + ("status", "nse"):
        if name not in f:
            raise ResultsFileError(f"{path}: not an mtl_mpi results file "
                                   f"(no variable '{name}')")
    sites = decode_strings(f["site"][()])
    lambdas = np.asarray(f["lambda"][()], dtype=np.float64)
    seeds = np.asarray(f["seed"][()]).astype(np.int64)
    partitions = decode_strings(f["partition"][()])
    variables = decode_strings(f["variable"][()])
    attrs = {k: decode(v) for k, v in f.attrs.items()}
    run_shape = (len(sites), len(lambdas), len(seeds))
    metric_shape = run_shape + (len(partitions), len(variables))

    status = np.asarray(_read_var(f, "status", RUN_DIMS, path), dtype=np.int64)
    _check_shape(path, "status", status, run_shape)
    nse = _as_float(_read_var(f, "nse", METRIC_DIMS, path))
    _check_shape(path, "nse", nse, metric_shape)
    msg = _read_var(f, "message", RUN_DIMS, path, required=False)
    if msg is None:
        message = np.full(run_shape, "", dtype=object)
    else:
        message = np.array(decode_strings(msg), dtype=object).reshape(run_shape)

    metrics = {}
    for name in ("rmse", "kge", "rmse_high", "nse_high", "rmse_low", "nse_low",
                 "rmse_log", "nse_log", "bias", "n_obs"):
        arr = _read_var(f, name, METRIC_DIMS, path, required=False)
        if arr is not None:
            _check_shape(path, name, arr, metric_shape)
            arr = _as_float(arr)
            if name == "n_obs":
                arr[arr < 0] = np.nan
            metrics[name] = arr

    res = Results(path=path, sites=sites, lambdas=lambdas, seeds=seeds,
                  partitions=partitions, variables=variables, status=status,
                  message=message, nse=nse, attrs=attrs, metrics=metrics)
    nm = _read_var(f, "nse_month", MONTH_DIMS, path, required=False)
    if nm is not None:
        _check_shape(path, "nse_month", nm, metric_shape)
        res.nse_month = _as_float(nm)
        res.months = (np.asarray(f["month"][()]).astype(int) if "month" in f
                      else np.arange(1, nm.shape[-1] + 1))
    pred = _read_var(f, "prediction", PRED_DIMS, path, required=False)
    if pred is not None and "time" in f:
        _check_shape(path, "prediction", pred, run_shape)
        res.prediction = _as_float(pred)
        res.time = np.asarray(f["time"][()]).astype(np.int64)
    return res


def run_counts(res: Results) -> dict:
    """Counts of runs by status, from the status variable (the file's truth)."""
    total = int(res.status.size)
    counts = {name: int(np.sum(res.status == code)) for code, name in STATUS_NAMES.items()}
    counts["unknown"] = total - sum(counts.values())
    counts["total"] = total
    return counts
