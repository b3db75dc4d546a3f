#!/usr/bin/env bash
# No hang when one rank fails inside the collective write (issue 13, row 9):
# MTL_TEST_FAULT=write_results@1 makes rank 1 throw while rank 0 is inside an
# HDF5 collective, as an I/O error on one rank does. Every rank ends within
# seconds with exit 5, one line naming the rank; the journal stays whole.
source "$(dirname "$0")/common.sh"
make_data
write_ini ref "$WORK/ref.h5" 2 0-2
run_mtl 3 "$WORK/ref.ini"
expect_rc 0 "reference run"
write_ini f "$WORK/f.h5" 2 0-2
for rank in 1 0; do
  rm -rf "$WORK"/f.h5*
  start=$(date +%s)
  rc=0
  timeout 120 "${MPIRUN[@]}" -n 3 -x MTL_TEST_FAULT=write_results@$rank "$MTL_MPI" "$WORK/f.ini" \
    > "$WORK/last.log" 2>&1 || rc=$?
  took=$(($(date +%s) - start))
  [ "$rc" != 124 ] || fail "fault on rank $rank: hung (killed after 120 s)"
  [ "$rc" = 5 ] || { cat "$WORK/last.log" >&2; fail "fault on rank $rank: exit $rc, expected 5"; }
  [ "$took" -lt 60 ] || fail "fault on rank $rank: took $took s"
  grep -q "rank $rank: error: .*injected fault.*aborting all ranks" "$WORK/last.log" ||
    fail "fault on rank $rank: message: $(cat "$WORK/last.log")"
  [ ! -e "$WORK/f.h5" ] || fail "fault on rank $rank: a results file appeared"
  [ ! -e "$WORK/f.h5.lock" ] || fail "fault on rank $rank: the aborted launch left its lock"
  [ "$(journal_records "$WORK/f.h5.journal")" = 18 ] || fail "fault on rank $rank: journal not intact"
  echo "fault on rank $rank: exit $rc after $took s"
done
run_mtl 2 "$WORK/f.ini" --resume
expect_rc 0 "--resume after the aborted write"
same_results "$WORK/ref.h5" "$WORK/f.h5"
ls "$WORK" | grep -q "f.h5.part" && fail "partial file left: $(ls "$WORK")"
echo "fault inside the collective write: OK"
