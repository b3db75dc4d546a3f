#!/usr/bin/env bash
# Scaling benchmark on one node: runs/s of a fixed 640-run slice of exp1 at
# 1, 2, 4, 8 and 16 ranks, then the whole exp1 grid (27,270 runs) on every core.
# Runs from the repository root on a machine with Debian's packages, or with a
# bundle from make_mpi_bundle.sh (BUNDLE=path) on a machine without them.
# Usage: [RANKS="1 2"] [FULL=0] [BUNDLE=x.tar.xz] bash tests/bench/scaling.sh [OUTDIR]
set -uo pipefail
out=${1:-${OUT:-/tmp/mtl_scaling}}
mkdir -p "$out"
work=$(mktemp -d /tmp/mtl_scaling.XXXXXX)
if [ -n "${BUNDLE:-}" ]; then
  tar -C "$work" -xJf "$BUNDLE"
  if command -v mpirun > /dev/null; then
    # The machine has its own Open MPI (same libmpi.so.40 ABI): use it whole, so
    # mpirun, its plugins and the library the programs load all match (and its
    # newer C++ runtime, which that Open MPI needs).
    echo "using the machine's $(mpirun --version 2>&1 | head -1)" | tee -a "$out/scaling.txt"
    rm -f "$work"/bin/{mpirun,orterun,orted} "$work"/lib/lib{mpi,open-,pmix,hwloc,event,stdc++,gcc_s}*
  else
    # Open MPI/PMIx need their plugin and help-file folders at the configured paths.
    (cd "$work/root" && find . -mindepth 1 -maxdepth 4 -type d) | while read -r d; do
      [ -e "/$d" ] || { mkdir -p "$(dirname "/$d")"; cp -a "$work/root/$d" "/$d"; }
    done
  fi
  export PATH="$work/bin:$PATH" LD_LIBRARY_PATH="$work/lib"
  bin="$work/bin"
else
  bin=${MTL_BIN:-build/src}
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
export MTL_PROGRESS_SECONDS=30
{
  echo "host: $(nproc) cpus; $(lscpu | grep -E 'Model name' | sed 's/  */ /g')"
  lscpu | grep -E '^(Thread|Core|Socket)' | sed 's/  */ /g'
} | tee -a "$out/scaling.txt"
"$bin/mtl_data" synth --sites 101 --years 40 --seed 1 --out "$work/synth101.nc" > /dev/null
sites="synth000 synth001 synth002 synth003 synth004 synth005 synth006 synth007 synth008 synth009 synth010 synth011 synth012 synth013 synth014 synth015"
for n in ${RANKS:-1 2 4 8 16}; do
  start=$(date +%s.%N)
  mpirun --oversubscribe --bind-to core -n "$n" "$bin/mtl_mpi" jobs/exp1.ini --data.file "$work/synth101.nc" \
    --experiment.output "$work/slice$n.h5" --data.sites "$sites" --grid.lambdas "0 1 5 10" --grid.seeds 0-9 \
    --overwrite > "$work/slice$n.log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  [ $rc = 0 ] || head -40 "$work/slice$n.log" > "$out/failed_slice$n.log"
  echo "ranks $n: exit $rc, wall $(awk "BEGIN {printf \"%.1f\", $end - $start}") s, $(grep 'summary: this launch' "$work/slice$n.log")" | tee -a "$out/scaling.txt"
done
[ "${FULL:-1}" = 1 ] || exit 0
n=$(nproc)
start=$(date +%s.%N)
mpirun --oversubscribe --bind-to core -n "$n" "$bin/mtl_mpi" jobs/exp1.ini --data.file "$work/synth101.nc" \
  --experiment.output "$work/exp1.h5" --overwrite > "$work/exp1.log" 2>&1
rc=$?
end=$(date +%s.%N)
echo "exp1 full grid on $n ranks: exit $rc, wall $(awk "BEGIN {printf \"%.1f\", $end - $start}") s" | tee -a "$out/scaling.txt"
grep -E '^(summary|results)' "$work/exp1.log" | tee -a "$out/scaling.txt"
tail -5 "$work/slice1.log" > "$out/slice1_tail.txt"
rm -rf "$work"
