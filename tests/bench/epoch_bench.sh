#!/usr/bin/env bash
# Epoch benchmark of the converged profile (jobs/exp1_converged.ini) on a fixed
# small grid: 6 sites x lambda 0 1 5 x seeds 0-5 = 108 runs, at -n 1 and -n 2.
# Prints per launch the ms per epoch (sum of train_seconds / sum of epochs_run in
# the results file: the epoch loop only, validation pass included), core-s per
# run (wall x ranks / runs, the whole launch) and the -n 2 / -n 1 ratio of the
# ms per epoch. Record: docs/performance.md.
#
# A/B: BINS names several folders holding an mtl_mpi (e.g. a copy of the old
# build's binary); every repetition runs each of them at -n 1 and -n 2, one after
# the other, so all figures of one repetition share the machine's load. The sum of
# epochs_run and the mean test NSE are printed to show the launches computed the
# same thing (equal for bit-identical numerics).
#
# Usage: [BINS="build/src /tmp/old"] [REPS=2] [RANKS="1 2"] bash tests/bench/epoch_bench.sh
# Runs from the repository root; needs /usr/bin/python3 with h5py.
set -euo pipefail
bins=${BINS:-build/src}
reps=${REPS:-2}
ranks=${RANKS:-1 2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
work=$(mktemp -d /tmp/mtl_epoch_bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
first_bin=${bins%% *}
"$first_bin/mtl_data" synth --sites 101 --years 40 --seed 1 --out "$work/synth101.nc" > /dev/null
echo "# $(date -u +%FT%TZ) $(nproc) cpus, $(lscpu | grep 'Model name' | sed 's/.*: *//')," \
  "git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo +dirty)"
echo "# $("$first_bin/mtl_mpi" --version 2>&1 | grep -m1 'backend kernels')"
printf '%-22s %5s %7s %9s %10s %7s %8s %10s %6s\n' binary ranks load1 ms/epoch core-s/run epochs nse_test ratio_n2 rep
for rep in $(seq 1 "$reps"); do
  for b in $bins; do
    declare -A ms=()
    for n in $ranks; do
      load=$(cut -d' ' -f1 /proc/loadavg)
      out="$work/r$rep-n$n.h5"
      start=$(date +%s.%N)
      mpirun --bind-to core -n "$n" "$b/mtl_mpi" jobs/exp1_converged.ini \
        --data.file "$work/synth101.nc" --experiment.output "$out" --overwrite \
        --data.sites "synth000 synth001 synth002 synth003 synth004 synth005" \
        --grid.lambdas "0 1 5" --grid.seeds 0-5 > "$work/log" 2>&1 \
        || { echo "launch failed ($b, -n $n):"; tail -20 "$work/log"; exit 1; }
      end=$(date +%s.%N)
      read -r m cs ep nse < <(/usr/bin/python3 - "$out" "$n" "$start" "$end" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
n, wall = int(sys.argv[2]), float(sys.argv[4]) - float(sys.argv[3])
sec, ep = f["train_seconds"][...].ravel(), f["epochs_run"][...].ravel()
if not (ep > 0).all():
    sys.exit("epoch_bench: a run has no epochs (failed?)")
parts = [p.decode() if isinstance(p, bytes) else str(p) for p in f["partition"][...]]
nse = f["nse"][...][..., parts.index("test"), 0]  # [site, lambda, seed, part, variable]
print(f"{1e3 * sec.sum() / ep.sum():.4f} {wall * n / sec.size:.4f} {int(ep.sum())} {np.nanmean(nse):.6f}")
EOF
)
      ms[$n]=$m
      ratio="-"
      if [ "$n" != 1 ] && [ -n "${ms[1]:-}" ]; then ratio=$(awk "BEGIN {printf \"%.3f\", ${ms[$n]} / ${ms[1]}}"); fi
      printf '%-22s %5s %7s %9s %10s %7s %8s %10s %6s\n' "$b" "$n" "$load" "$m" "$cs" "$ep" "$nse" "$ratio" "$rep"
    done
    unset ms
  done
done
