#!/usr/bin/env bash
# One writer per output (issue 13, row 5): while a launch trains, a second
# launch on the same output stops at once naming the holder, whatever its
# flags, and touches nothing; the first finishes as if alone.
# (Stale locks: tests/unit/runner_safety_test.cpp and kill_resume_test.sh.)
source "$(dirname "$0")/common.sh"
make_data
write_ini a "$WORK/a.h5" 2000 0-1
"${MPIRUN[@]}" -n 2 "$MTL_MPI" "$WORK/a.ini" > "$WORK/a.log" 2>&1 &
first=$!
wait_records "$WORK/a.h5.journal" 2 120
# Pause the first launch's ranks mid-grid, so it is busy whatever this machine's speed.
ranks=$(pgrep -P "$first" || true)
[ -n "$ranks" ] || fail "no rank processes under mpiexec $first"
trap 'kill -CONT $ranks 2> /dev/null; kill $ranks 2> /dev/null; cleanup' EXIT  # never leave them stopped
kill -STOP $ranks
[ -f "$WORK/a.h5.lock" ] || fail "no lock file while training"
grep -q "^pid=" "$WORK/a.h5.lock" && grep -q "^host=" "$WORK/a.h5.lock" && grep -q "^slurm_job=" "$WORK/a.h5.lock" ||
  fail "lock does not name its holder: $(cat "$WORK/a.h5.lock")"
for flags in "" --resume --overwrite; do
  start=$(date +%s)
  run_mtl 1 "$WORK/a.ini" $flags
  expect_rc 2 "second launch $flags"
  grep -q "a.h5 is being written by mtl_mpi pid [0-9]* on host" "$WORK/last.log" ||
    fail "second launch $flags: $(cat "$WORK/last.log")"
  [ $(($(date +%s) - start)) -lt 20 ] || fail "the second launch did not stop at once"
done
kill -0 "$first" 2> /dev/null || fail "the first launch ended before the second launches were tried"
kill -CONT $ranks
trap cleanup EXIT
rc=0
wait "$first" || rc=$?
[ "$rc" = 0 ] || { cat "$WORK/a.log" >&2; fail "first launch: exit $rc"; }
[ ! -e "$WORK/a.h5.lock" ] || fail "lock left after the first launch"
[ "$(attr "$WORK/a.h5" complete)" = 1 ] && [ "$(attr "$WORK/a.h5" runs_done)" = 12 ] ||
  fail "the first launch's results are not complete"
[ "$(journal_records "$WORK/a.h5.journal")" = 12 ] || fail "journal records besides the first launch's"
echo "one writer per output: OK"
