#!/usr/bin/env bash
# Existing results refused without --resume/--overwrite; --resume against a
# different configuration refused; one clear line and exit code 2 each time.
source "$(dirname "$0")/common.sh"
make_data
write_ini r "$WORK/out/r.h5" 2 0-1
run_mtl 2 "$WORK/r.ini"
expect_rc 0 "first run"
run_mtl 2 "$WORK/r.ini"
expect_rc 2 "second run without flags"
grep -q "already exists; use --resume" "$WORK/last.log" || fail "message: $(cat "$WORK/last.log")"
[ "$(grep -c "mtl_mpi" "$WORK/last.log")" = 1 ] || fail "expected one line: $(cat "$WORK/last.log")"
run_mtl 2 "$WORK/r.ini" --resume --train.epochs 3
expect_rc 2 "resume with another config"
grep -q "different configuration" "$WORK/last.log" || fail "message: $(cat "$WORK/last.log")"
run_mtl 3 "$WORK/r.ini" --resume
expect_rc 0 "resume of a finished grid"
grep -q "this launch trained 0 runs" "$WORK/last.log" || fail "resume retrained: $(cat "$WORK/last.log")"
rm "$WORK/out/r.h5"
run_mtl 2 "$WORK/r.ini"
expect_rc 2 "journal left without results file"
run_mtl 2 "$WORK/r.ini" --overwrite
expect_rc 0 "--overwrite"
[ "$(ls "$WORK/out/r.h5.journal" | wc -l)" = 2 ] || fail "--overwrite kept old journals"
echo "refusals: OK"
