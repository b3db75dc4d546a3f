#!/usr/bin/env bash
# The numeric path is part of what a run depends on: the results file records it,
# a --resume on another backend or kernel ISA is refused (one file never mixes two
# computations), and a job whose ranks would resolve different paths (nodes of two
# CPU generations) stops before training with one line naming the rank.
source "$(dirname "$0")/common.sh"
make_data
write_ini n "$WORK/out/n.h5" 2 0-1
run_mtl 2 "$WORK/n.ini" --train.backend onednn
expect_rc 0 "onednn run"
path=$("$PY" -c "import h5py,sys; a = h5py.File(sys.argv[1],'r').attrs['numeric_path']; print(a.decode() if isinstance(a, bytes) else a)" "$WORK/out/n.h5")
case "$path" in onednn*) ;; *) fail "numeric_path attribute: '$path'";; esac
grep -q "^numerics: onednn" "$WORK/last.log" || fail "no numerics banner: $(cat "$WORK/last.log")"
run_mtl 2 "$WORK/n.ini" --resume --train.backend kernels
expect_rc 2 "resume on the kernels backend"
grep -q "mtl_mpi" "$WORK/last.log" || fail "no message: $(cat "$WORK/last.log")"
[ "$(grep -c "mtl_mpi" "$WORK/last.log")" = 1 ] || fail "expected one line: $(cat "$WORK/last.log")"
run_mtl 2 "$WORK/n.ini" --resume --train.backend onednn
expect_rc 0 "resume on the same path"
if "$MTL_MPI" --version | grep -q "^backend kernels: generic"; then
  echo "numeric path: this CPU has no AVX2: the ISA-mismatch part is not applicable"
else
  # Rank 0 capped to the generic kernels, rank 1 not: refused before any training.
  write_ini h "$WORK/out/h.h5" 2 0-1
  rc=0
  "${MPIRUN[@]}" -n 1 env MTL_MAX_ISA=generic "$MTL_MPI" "$WORK/h.ini" : -n 1 "$MTL_MPI" "$WORK/h.ini" \
    > "$WORK/last.log" 2>&1 || rc=$?
  expect_rc 2 "ranks on different kernel variants"
  grep -q "rank 1 would compute with 'kernels" "$WORK/last.log" || fail "message: $(cat "$WORK/last.log")"
  [ ! -e "$WORK/out/h.h5" ] || fail "a results file was written"
  run_mtl 2 "$WORK/h.ini"
  expect_rc 0 "same job, one path"
  MTL_MAX_ISA=generic run_mtl 2 "$WORK/h.ini" --resume
  expect_rc 2 "resume under another kernel ISA"
fi
echo "numeric path: OK"
