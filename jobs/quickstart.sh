#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a finished demo and its report:
# installs the packages, builds, generates the embedded default data set, trains
# jobs/demo_converged.ini with mpirun, one rank per core, prints the headline table
# (analysis/summarize.py) and the path of the report page (analysis/report.py).
# Usage: bash jobs/quickstart.sh [INI]   (default jobs/demo_converged.ini;
#        the paper's training profile: bash jobs/quickstart.sh jobs/demo.ini)
set -euo pipefail
start=$SECONDS
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ini="${1:-jobs/demo_converged.ini}"
bash jobs/install_deps.sh
cores=$(bash jobs/cores.sh)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"
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
echo "quickstart: $ini on $cores ranks, one per core"
mpirun -n "$cores" --bind-to core build/src/mtl_mpi "$ini" --overwrite || status=$?
# 3: the grid finished but some runs failed (the summary lists them); else stop here.
[ "$status" = 0 ] || [ "$status" = 3 ] || exit $status
out=$(build/src/mtl_mpi "$ini" --dry-run | sed -n 's/^output: //p')
stem=${out%.h5}
py=/usr/bin/python3
$py analysis/summarize.py "$out" -q
echo
# The headline section of the summary (the whole summary and the CSV tables: ${stem}_summary/).
sed -n '/^## Headline/,/^## Paper/p' "${stem}_summary/summary.md" | sed '$d'
page=$($py analysis/report.py "$out" --out "${stem}_report")
echo "results: $root/$out"
echo "tables:  $root/${stem}_summary/ (CSV)"
echo "report:  $root/$page"
echo "quickstart: $((SECONDS - start)) s"
exit $status
