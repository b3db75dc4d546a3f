#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a finished demo grid:
# installs the packages, builds, generates the embedded default data set,
# trains jobs/demo.ini with mpirun, one rank per core, and prints where the results are.
# Usage: bash jobs/quickstart.sh [INI]   (default jobs/demo.ini)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ini="${1:-jobs/demo.ini}"
bash jobs/install_deps.sh
# Cores this process may use: the affinity mask (`nproc` without the OpenMP
# variables, which it would honour: many clusters export OMP_NUM_THREADS=1)
# divided by the hardware threads per core, so that no two ranks share a core.
cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
per_core=$(lscpu 2>/dev/null | awk -F: '/^Thread\(s\) per core/ {gsub(/ /, "", $2); print $2}')
cores=$(( cpus / ${per_core:-1} ))
[ "$cores" -ge 1 ] || cores=1
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$cpus"
if [ ! -f data/synth101.nc ]; then
  mkdir -p data
  build/src/mtl_data synth --sites 101 --years 40 --seed 1 --out data/synth101.nc
fi
mkdir -p results
# Open MPI refuses root unless told (containers, CI); only root gets that.
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
status=0
echo "quickstart: $cores ranks, one per core"
mpirun -n "$cores" --bind-to core build/src/mtl_mpi "$ini" --overwrite || status=$?
out=$(build/src/mtl_mpi "$ini" --dry-run | sed -n 's/^output: //p')
echo
echo "results: $root/$out"
echo "  summary: /usr/bin/python3 analysis/summarize.py $out"
echo "  figures: /usr/bin/python3 analysis/plots.py $out --out results/figures"
exit $status
