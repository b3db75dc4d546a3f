#!/usr/bin/env bash
# Input sizes are checked before allocating (issue 13, rows 12-13), with the
# real programs: a few-KB HDF5 file declaring 2^50 values is a data error
# (exit 2) naming the variable, and a seed list of a million is refused at
# once, stating the limit.
source "$(dirname "$0")/common.sh"
make_data
"$PY" - "$WORK/synth3.nc" "$WORK/huge.nc" <<'PYEOF'
import sys, h5py, numpy as np
src, dst = sys.argv[1:3]
with h5py.File(src, "r") as s, h5py.File(dst, "w") as d:
    d["site_id"] = s["site_id"][:]
    t = d.create_dataset("time", shape=(2 ** 50,), dtype="i4", chunks=(1024,))
    t.attrs["units"] = "days since 1970-01-01"
PYEOF
size=$(stat -c %s "$WORK/huge.nc")
[ "$size" -lt 20000 ] || fail "test file is $size bytes"
rc=0
"$MTL_DATA" info "$WORK/huge.nc" > "$WORK/last.log" 2>&1 || rc=$?
expect_rc 2 "mtl_data info on a file declaring 2^50 days"
grep -q "huge.nc: variable 'time' declares shape \[1125899906842624\]" "$WORK/last.log" ||
  fail "message: $(cat "$WORK/last.log")"
write_ini h "$WORK/h.h5" 2 0-1
sed -i "s|^file = .*|file = $WORK/huge.nc|" "$WORK/h.ini"
rc=0
"$MTL_MPI" "$WORK/h.ini" --dry-run > "$WORK/last.log" 2>&1 || rc=$?
expect_rc 2 "mtl_mpi --dry-run on that file"
grep -q "variable 'time' declares shape" "$WORK/last.log" || fail "message: $(cat "$WORK/last.log")"
run_mtl 2 "$WORK/h.ini"
expect_rc 2 "mtl_mpi under mpirun on that file"

write_ini s "$WORK/s.h5" 2 0-999999
start=$(date +%s)
rc=0
timeout 60 "$MTL_MPI" "$WORK/s.ini" --dry-run > "$WORK/last.log" 2>&1 || rc=$?
expect_rc 2 "seeds = 0-999999"
[ $(($(date +%s) - start)) -lt 10 ] || fail "seeds = 0-999999 took more than 10 s"
grep -q "\[grid\] seeds = '0-999999': '0-999999': more than 100000 seeds (the limit)" "$WORK/last.log" ||
  fail "message: $(cat "$WORK/last.log")"
echo "input limits: OK"
