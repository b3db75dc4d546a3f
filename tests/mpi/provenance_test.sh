#!/usr/bin/env bash
# --resume checks what the journal's runs came from (issue 13, row 11): other
# data values in the selected sites' periods, or another program version, are
# refused with a line naming the part that changed; values the runs never read
# are not a change.
source "$(dirname "$0")/common.sh"
make_data
# train starts a year after the file does: 1980-10-01..1981-09-30 is never read.
write_ini p "$WORK/p.h5" 2 0-1
sed -i 's/^train = 1980-10-01:/train = 1981-10-01:/' "$WORK/p.ini"
grep -q "^train = 1981-10-01:1985-09-30$" "$WORK/p.ini" || fail "ini edit"
run_mtl 2 "$WORK/p.ini"
expect_rc 0 "first run"
edit() {  # edit SITE DATE VALUE: set flow of SITE on DATE
  "$PY" - "$WORK/synth3.nc" "$@" <<'PYEOF'
import sys, datetime, h5py
path, site, date, value = sys.argv[1:5]
with h5py.File(path, "r+") as f:
    ids = [s.decode() if isinstance(s, bytes) else s for s in f["site_id"][:]]
    day = (datetime.date.fromisoformat(date) - datetime.date(1970, 1, 1)).days
    t = list(f["time"][:]).index(day)
    f["flow"][ids.index(site), t] = float(value)
PYEOF
}
edit synth001 1981-02-01 123.0   # before the train period
run_mtl 2 "$WORK/p.ini" --resume
expect_rc 0 "--resume after a change outside the periods"
grep -q "this launch trained 0 runs" "$WORK/last.log" || fail "runs retrained: $(cat "$WORK/last.log")"
edit synth001 1984-02-01 123.0   # inside the train period
run_mtl 2 "$WORK/p.ini" --resume
expect_rc 2 "--resume with other data"
grep -q "refused: different input data .* \[data: journal '[0-9a-f]*', now '[0-9a-f]*'\]" "$WORK/last.log" ||
  fail "message: $(cat "$WORK/last.log")"
[ "$(grep -c "^mtl_mpi" "$WORK/last.log")" = 1 ] || fail "expected one line: $(cat "$WORK/last.log")"
# The results file carries the journal's data digest (the report's data fingerprint).
journal_digest=$(sed -n "s/.*\[data: journal '\([0-9a-f]*\)'.*/\1/p" "$WORK/last.log")
file_digest=$("$PY" -c "import h5py,sys; v=h5py.File(sys.argv[1],'r').attrs['data_digest']; print(v.decode() if isinstance(v, bytes) else v)" "$WORK/p.h5")
[ -n "$journal_digest" ] && [ "$file_digest" = "$journal_digest" ] ||
  fail "data_digest attribute '$file_digest', journal '$journal_digest'"

# Another program version: the journal's header as an older build wrote it.
run_mtl 2 "$WORK/p.ini" --overwrite
expect_rc 0 "run on the edited data"
for f in "$WORK"/p.h5.journal/*.bin; do
  "$PY" - "$f" <<'PYEOF'
import sys, struct
p = sys.argv[1]
b = open(p, "rb").read()
n = struct.unpack_from("<I", b, 8)[0]
lines = b[12:12 + n].decode().splitlines()
text = "".join((("part.program=mtl_mpi 0.0.9 (git 0123456789ab)" if l.startswith("part.program=") else l) + "\n")
               for l in lines).encode()
h = 1469598103934665603
for c in text:
    h = ((h ^ c) * 1099511628211) % (1 << 64)
open(p, "wb").write(b[:8] + struct.pack("<I", len(text)) + text + struct.pack("<Q", h) + b[12 + n + 8:])
PYEOF
done
run_mtl 2 "$WORK/p.ini" --resume
expect_rc 2 "--resume with another program version"
grep -q "refused: different program .* \[program: journal 'mtl_mpi 0.0.9 (git 0123456789ab)', now 'mtl_mpi " "$WORK/last.log" ||
  fail "message: $(cat "$WORK/last.log")"
echo "provenance: OK"
