"""Run the real programs from a pytest: a tiny synthetic data set (3 sites, 8
water years) and a small grid trained with `mpiexec -n 2 mtl_mpi`. Paths come
from the environment ctest sets (MPIEXEC, MTL_MPI, MTL_DATA)."""
import os
import subprocess

import pytest

TINY_PERIODS = """train = 1980-10-01:1985-09-30
val = 1985-10-01:1986-09-30
test = 1986-10-01:1988-09-30"""


def program_env():
    for key in ("MPIEXEC", "MTL_MPI", "MTL_DATA"):
        if not os.environ.get(key):
            pytest.skip(f"{key} not set (run through ctest)")
    return dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def run_tiny_grid(work, name, sections, seed=1):
    """Write synth data and `name`.ini (experiment + data sections, then
    `sections`: the [model]/[train]/[grid]/[output] text), train it on 2 ranks and
    return the results file's path."""
    env = program_env()
    data = os.path.join(work, "synth.nc")
    subprocess.run([env["MTL_DATA"], "synth", "--sites", "3", "--years", "8", "--seed", str(seed),
                    "--out", data], check=True, env=env, capture_output=True)
    ini = os.path.join(work, f"{name}.ini")
    out = os.path.join(work, f"{name}.h5")
    with open(ini, "w") as f:
        f.write(f"[experiment]\nname = {name}\noutput = {out}\n[data]\nfile = {data}\n"
                f"{TINY_PERIODS}\n{sections}")
    run = subprocess.run([env["MPIEXEC"], "--oversubscribe", "-n", "2", env["MTL_MPI"], ini],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return out
