#!/usr/bin/env bash
# The portable binary on CPUs it was not built on, emulated by QEMU user mode:
# EPYC-Rome (Zen 2: AVX2 + FMA, no AVX-512) and Nehalem (SSE4.2, no AVX). Each
# must start without SIGILL, pick the right kernel variant, pass the kernel tests
# of every variant it can run, and train a run through the program.
# Env: MTL_MPI, MTL_DATA, MTL_TEST_BIN (directory of the unit test programs).
set -euo pipefail
[[ "$(uname -m)" == x86_64 ]] || { echo "SKIP: not x86-64"; exit 77; }
command -v qemu-x86_64 > /dev/null || { echo "SKIP: qemu-x86_64 missing (apt-get install qemu-user)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$MTL_DATA" synth --sites 1 --years 6 --seed 3 --out "$work/s.nc" > /dev/null
cat > "$work/q.ini" <<INI
[experiment]
name = q
output = $work/q.h5
[data]
file = $work/s.nc
train = 1980-10-01:1983-09-30
val = 1983-10-01:1984-09-30
test = 1984-10-01:1985-09-30
[model]
hidden = 8
[train]
epochs = 2
[grid]
lambdas = 1
seeds = 0
INI
fail=0
for pair in EPYC-Rome:avx2 Nehalem:generic; do  # qemu CPU model : expected kernel variant
  cpu=${pair%%:*} want=${pair##*:}
  q="qemu-x86_64 -cpu $cpu"
  version=$($q "$MTL_MPI" --version 2> /dev/null) || { echo "FAIL: $cpu: mtl_mpi --version died"; fail=1; continue; }
  echo "$version" | grep -q "^backend kernels: $want " || { echo "FAIL: $cpu: expected kernels $want:"; echo "$version"; fail=1; }
  $q "$MTL_TEST_BIN/kernels_test" > "$work/k.log" 2>&1 || { echo "FAIL: $cpu: kernels_test"; tail -20 "$work/k.log"; fail=1; }
  grep -q "Kernels.MatchesDoubleReferenceH20/$want " "$work/k.log" || { echo "FAIL: $cpu: $want variant not tested"; fail=1; }
  if grep -q "/avx512 " "$work/k.log"; then echo "FAIL: $cpu: AVX-512 variant ran on a CPU without it"; fail=1; fi
  for backend in auto kernels onednn; do
    out=$($q "$MTL_MPI" "$work/q.ini" --only site=synth000,lambda=1,seed=0 --train.backend $backend 2> "$work/err") \
      || { echo "FAIL: $cpu: --only ($backend) failed"; cat "$work/err"; fail=1; continue; }
    echo "$cpu backend=$backend: $(echo "$out" | grep '^numerics:')"
    echo "$out" | grep -q "^run .*: done" || { echo "FAIL: $cpu: run not done"; echo "$out"; fail=1; }
  done
done
[[ $fail -eq 0 ]] && echo "OK: the portable binary runs and dispatches on AVX2-only and pre-AVX CPUs"
exit $fail
