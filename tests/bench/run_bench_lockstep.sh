#!/usr/bin/env bash
# Lockstep benchmark, side by side in one go on one core:
#   lockstep path (train_group kernels) vs single-run oneDNN path (train_run)
#   vs large oneDNN SGEMM, then the group-size sweep, then PyTorch if the
#   reference script (tests/bench/bench_torch.py, LSTM developer) is present.
# Usage: tests/bench/run_bench_lockstep.sh [BUILD_DIR] [extra bench_lockstep options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
shift || true
export OMP_NUM_THREADS=1
echo "# $(date -u +%FT%TZ) $(uname -n), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# git $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
taskset -c 0 "$build/tests/bench_lockstep" --runs 16 --single 3 --sweep 1,2,4,8,16,30 "$@"
if [[ -f "$here/bench_torch.py" && -x "$build/tests/bench_single" ]]; then
  # Same shape (T=365, N=25, C=7, H=20, 50 epochs); bench_single writes the data
  # and initial weights that the PyTorch twin trains on.
  data="$(mktemp --suffix=.h5)"
  trap 'rm -f "$data"' EXIT
  "$build/tests/bench_single" --runs 1 --data "$data" > /dev/null
  echo "# PyTorch (Debian python3-torch), same model and data shape, 1 thread"
  taskset -c 0 /usr/bin/python3 "$here/bench_torch.py" "$data" --runs 3 || echo "bench_torch.py failed"
else
  echo "# tests/bench/bench_torch.py or bench_single missing: PyTorch column skipped"
fi
