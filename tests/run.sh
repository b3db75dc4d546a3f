#!/usr/bin/env bash
# The test command: install missing packages, configure, build, run every test
# (unit, MPI, Python, SLURM) with ctest. Usage: bash tests/run.sh [ctest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/jobs/install_deps.sh"
build="${MTL_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
# nproc --all: plain nproc honours OMP_NUM_THREADS, which clusters often set to 1.
cmake --build "$build" -j "$(nproc --all)"
cd "$build"
ctest --output-on-failure -j "$(nproc --all)" "$@"
