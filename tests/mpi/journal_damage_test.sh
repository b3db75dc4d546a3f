#!/usr/bin/env bash
# The journal survives its own damage (issue 13, rows 6-7): an empty journal
# file (interrupted header write) is a warning, never a stop; one flipped byte
# in the middle of a journal file costs exactly the one record it hit.
source "$(dirname "$0")/common.sh"
make_data
write_ini j "$WORK/j.h5" 2 0-3   # 3 sites x 2 lambdas x 4 seeds = 24 runs
run_mtl 2 "$WORK/j.ini"
expect_rc 0 "first run"
cp "$WORK/j.h5" "$WORK/ref.h5"

# Row 6: a 0-byte journal file next to the good ones.
: > "$WORK/j.h5.journal/rank0-of2-20990101T000000-1-1.bin"
run_mtl 3 "$WORK/j.ini" --resume
expect_rc 0 "--resume with an empty journal file"
grep -q "warning: .*rank0-of2-20990101T000000-1-1.bin: empty file" "$WORK/last.log" ||
  fail "no warning naming the empty file: $(cat "$WORK/last.log")"
grep -q "this launch trained 0 runs" "$WORK/last.log" || fail "runs retrained: $(cat "$WORK/last.log")"
grep -q -- "--overwrite" "$WORK/last.log" && fail "the output suggests --overwrite: $(cat "$WORK/last.log")"
rm "$WORK/j.h5.journal/rank0-of2-20990101T000000-1-1.bin"

# Row 7: one flipped byte in the middle of the first launch's rank-0 journal.
file=$(ls "$WORK"/j.h5.journal/rank0-of2-*.bin | head -1)
"$PY" - "$file" <<'PYEOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x20
open(p, "wb").write(b)
PYEOF
run_mtl 2 "$WORK/j.ini" --resume
expect_rc 0 "--resume with a flipped byte"
grep -q "this launch trained 1 runs" "$WORK/last.log" || fail "expected 1 run retrained: $(cat "$WORK/last.log")"
grep -q "note: journal: skipped 1 damaged record(s), 0 torn tail(s)" "$WORK/last.log" ||
  fail "summary does not count the skipped record: $(cat "$WORK/last.log")"
same_results "$WORK/ref.h5" "$WORK/j.h5"
echo "journal damage: OK"
