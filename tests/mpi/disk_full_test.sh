#!/usr/bin/env bash
# The final file is durable or absent (issue 13, row 8): with every rank's
# files limited (ulimit -f: writes beyond fail with EFBIG, as on a full disk)
# the launch never exits 0, never hangs, leaves no file at the final name and
# keeps the journal; --resume then writes the file of an unhindered run.
source "$(dirname "$0")/common.sh"
make_data
write_ini ref "$WORK/ref.h5" 2 0-1
run_mtl 2 "$WORK/ref.ini"
expect_rc 0 "reference run"
write_ini full "$WORK/full.h5" 2 0-1
run_mtl 2 "$WORK/full.ini"
expect_rc 0 "sizing run"
size_kb=$(( $(stat -c %s "$WORK/full.h5") / 1024 ))
journal_kb=$(( $(stat -c %s "$WORK"/full.h5.journal/*.bin | sort -n | tail -1) / 1024 + 1 ))
[ "$size_kb" -gt $((journal_kb + 20)) ] || fail "results ($size_kb KB) must outgrow a journal ($journal_kb KB)"
# Limits from just above a journal file to just below the results file: the
# write fails in the collective phase, in rank 0's serial phase, or at close.
for kb in $((journal_kb + 2)) $(((journal_kb + size_kb) / 2)) $((size_kb - 1)); do
  rm -rf "$WORK"/full.h5*
  rc=0
  timeout 120 "${MPIRUN[@]}" -n 2 bash -c "trap '' XFSZ; ulimit -f $kb; exec '$MTL_MPI' '$WORK/full.ini'" \
    > "$WORK/last.log" 2>&1 || rc=$?
  [ "$rc" != 124 ] || fail "limit $kb KB: hung (killed after 120 s)"
  [ "$rc" != 0 ] || fail "limit $kb KB: exit 0 although the results could not be written"
  [ ! -e "$WORK/full.h5" ] || fail "limit $kb KB: a file got the final name (exit $rc)"
  grep -q "the journal keeps every finished run" "$WORK/last.log" ||
    fail "limit $kb KB: no clear message: $(cat "$WORK/last.log")"
  [ "$(journal_records "$WORK/full.h5.journal")" = 12 ] || fail "limit $kb KB: journal not intact"
  [ ! -e "$WORK/full.h5.lock" ] || fail "limit $kb KB: the failed launch left its lock"
  echo "limit $kb KB of $size_kb KB: exit $rc, no final file, journal intact"
  run_mtl 2 "$WORK/full.ini" --resume
  expect_rc 0 "limit $kb KB: --resume"
  grep -q "this launch trained 0 runs" "$WORK/last.log" || fail "limit $kb KB: resume retrained runs"
  same_results "$WORK/ref.h5" "$WORK/full.h5"
  ls "$WORK" | grep -q "full.h5.part" && fail "limit $kb KB: partial file left: $(ls "$WORK")"
done
echo "disk full during the final write: OK"
