#!/usr/bin/env bash
# Backend benchmark side by side in one go, one core (CPU seconds per run):
# for H = 20 and 64, each ISA cap (MTL_MAX_ISA for our kernels, the matching
# ONEDNN_MAX_CPU_ISA for oneDNN's LSTM and for the SGEMM peak of that ISA), both
# backends, then Debian's PyTorch on identical data and initial weights.
# Numbers: docs/backends.md.
# Usage: tests/bench/run_bench_backends.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-8}"
export OMP_NUM_THREADS=1
echo "# $(date -u +%FT%TZ) $(uname -n), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg); git $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
for h in 20 64; do
  # generic beside oneDNN capped to AVX (a pre-AVX2 CPU): oneDNN 2.6 cannot build
  # its LSTM weight reorder under ONEDNN_MAX_CPU_ISA=SSE41 on an AVX-512 CPU.
  for cap in avx512:AVX512_CORE avx2:AVX2 generic:AVX; do
    MTL_MAX_ISA=${cap%%:*} ONEDNN_MAX_CPU_ISA=${cap##*:} \
      taskset -c 0 "$build/tests/bench_backends" --hidden "$h" --runs "$runs" --data "$data/h$h.h5" \
      || echo "H=$h cap ${cap%%:*}: not available on this CPU"
  done
  echo "# PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null), 1 thread, H=$h"
  taskset -c 0 /usr/bin/python3 "$here/bench_torch.py" "$data/h$h.h5" --runs 2 || echo "bench_torch.py failed"
done
