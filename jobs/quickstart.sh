#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a finished demo grid:
# installs the packages, builds, generates the embedded default data set,
# trains jobs/demo.ini with mpirun on every core, and prints where the results are.
# Usage: bash jobs/quickstart.sh [INI]   (default jobs/demo.ini)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ini="${1:-jobs/demo.ini}"
bash jobs/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
if [ ! -f data/synth101.nc ]; then
  mkdir -p data
  build/src/mtl_data synth --sites 101 --years 40 --seed 1 --out data/synth101.nc
fi
mkdir -p results
# Root may run mpirun here (containers, CI); harmless otherwise.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
status=0
mpirun -n "$(nproc)" build/src/mtl_mpi "$ini" --overwrite || status=$?
out=$(build/src/mtl_mpi "$ini" --dry-run | sed -n 's/^output: //p')
echo
echo "results: $root/$out"
echo "  summary: /usr/bin/python3 analysis/summarize.py $out"
echo "  figures: /usr/bin/python3 analysis/plots.py $out --out results/figures"
exit $status
