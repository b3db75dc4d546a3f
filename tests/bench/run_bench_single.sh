#!/usr/bin/env bash
# Single-run benchmark, ours vs Debian's PyTorch, one core, identical model/data.
#   tests/bench/run_bench_single.sh [BUILD_DIR] [RUNS]
# Prints both programs' numbers and the wall-time ratio per run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-5}"
data="$(mktemp --suffix=.h5)"
trap 'rm -f "$data"' EXIT
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
ours="$("$build/tests/bench_single" --runs "$runs" --data "$data")"
torch="$(/usr/bin/python3 "$here/bench_torch.py" "$data" --runs "$runs")"
echo "$ours"
echo "$torch"
o=$(awk '/^ours_train_seconds_best/ {print $2}' <<<"$ours")
r=$(awk '/^ours_run_seconds_best/ {print $2}' <<<"$ours")
t=$(awk '/^torch_run_seconds_best/ {print $2}' <<<"$torch")
awk -v o="$o" -v r="$r" -v t="$t" 'BEGIN {
  printf "ratio torch/ours (training loop, best of runs): %.2fx\n", t / o;
  printf "ratio torch/ours (whole train_run incl. evaluation): %.2fx\n", t / r }'
