"""`mtl_mpi --only ... --trace` reproduces the numbers the grid wrote for that run,
bit for bit: same backend, same ISA variant, same code path (train_run and the
grid's train_runs share one training loop and a backend keeps no state that
changes a number). Checked for the default backend, for oneDNN, and for the
generic kernel variant (MTL_MAX_ISA=generic), whose rounding differs."""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pytest
from mtl_program import program_env, run_tiny_grid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import resultsfile  # noqa: E402

SECTIONS = """[model]
hidden = 8
[train]
epochs = 4
backend = {backend}
[grid]
lambdas = 0 1
seeds = 0-1
[output]
loss_curves = true
predictions = test
"""


@pytest.fixture(params=[("auto", ""), ("onednn", ""), ("kernels", "generic")],
                ids=["auto", "onednn", "kernels-generic"])
def grid_and_trace(request):
    backend, cap = request.param
    work = tempfile.mkdtemp(prefix="mtl_trace_grid_")
    old = os.environ.get("MTL_MAX_ISA")
    if cap:
        os.environ["MTL_MAX_ISA"] = cap
    try:
        results = run_tiny_grid(work, "g", SECTIONS.format(backend=backend))
        trace = os.path.join(work, "trace.h5")
        env = program_env()
        run = subprocess.run([env["MTL_MPI"], os.path.join(work, "g.ini"), "--only",
                              "site=synth001,lambda=1,seed=1", "--trace", trace],
                             env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr
        yield results, trace, run.stdout
    finally:
        if cap:
            if old is None:
                del os.environ["MTL_MAX_ISA"]
            else:
                os.environ["MTL_MAX_ISA"] = old
        shutil.rmtree(work, ignore_errors=True)


def test_trace_is_the_grids_run(grid_and_trace):
    results, trace, stdout = grid_and_trace
    with h5py.File(results, "r") as r, h5py.File(trace, "r") as t:
        path = r.attrs["numeric_path"]
        path = path.decode() if isinstance(path, bytes) else str(path)
        assert f"numerics: {path}\n" in stdout  # --only names the path it used
        site, lam, seed = 1, 1, 1  # synth001, lambda 1, seed 1
        np.testing.assert_array_equal(r["loss_total"][site, lam, seed], t["loss/total"][()])
        np.testing.assert_array_equal(r["loss_auxiliary"][site, lam, seed], t["loss/auxiliary"][()])
        names = t["metrics/values"].attrs["names"]
        names = (names.decode() if isinstance(names, bytes) else str(names)).split(",")
        # Every metric of the trace (C++ metric_names()) is in the grid's file under
        # its own name [partition, variable] or, in a target's units, as one
        # variable per target [partition]; and the reader finds exactly those.
        seen = set()
        for k, metric in enumerate(names):
            traced = t["metrics/values"][0, :, :, k]      # [partition, variable]
            if metric in r:
                np.testing.assert_array_equal(r[metric][site, lam, seed], traced, err_msg=metric)
                seen.add(metric)
                continue
            for v, var in enumerate(("flow", "temp")):
                grid = r[f"{metric}_{var}"][site, lam, seed]  # [partition]
                np.testing.assert_array_equal(grid, traced[:, v], err_msg=f"{metric}_{var}")
                seen.add(f"{metric}_{var}")
        assert {"nse", "kge", "n_obs", "rmse_flow", "rmse_temp"} <= seen
        # Test predictions: the grid stores them on the test period's calendar.
        days = t["prediction/test/day"][()]
        first = int(days.min())
        for v, var in enumerate(("flow", "temp")):
            stored = r[f"prediction_{var}"][site, lam, seed][days - first]   # [time]
            np.testing.assert_array_equal(stored, t["prediction/test/value"][:, v])
            assert not np.isnan(stored).all()
    assert sorted(seen) == sorted(resultsfile.load(results).metrics)
