#!/usr/bin/env bash
# --overwrite deletes narrowly, --trace never clobbers: what a user already has
# survives every refused launch byte for byte (issue 13, rows 1-4).
source "$(dirname "$0")/common.sh"
make_data
sum() { find "$@" -type f -print0 | sort -z | xargs -0 sha256sum; }
refused() {  # refused WHAT PATTERN: exit 2 with one matching line
  expect_rc 2 "$1"
  grep -q "$2" "$WORK/last.log" || fail "$1: message: $(cat "$WORK/last.log")"
  [ "$(grep -c "^mtl_mpi" "$WORK/last.log")" = 1 ] || fail "$1: expected one line: $(cat "$WORK/last.log")"
}

# Row 1: output naming a directory that holds a user's files.
mkdir -p "$WORK/keep/sub" && echo precious > "$WORK/keep/notes.txt" && echo more > "$WORK/keep/sub/x"
before=$(sum "$WORK/keep")
write_ini dir "$WORK/keep" 2 0-1
for flags in --overwrite --resume ""; do
  run_mtl 1 "$WORK/dir.ini" $flags
  refused "directory output $flags" "output = '$WORK/keep' is a directory"
done
[ "$(sum "$WORK/keep")" = "$before" ] || fail "the directory changed"

# Row 2: output = . in a working directory with files.
mkdir -p "$WORK/cwd" && echo mine > "$WORK/cwd/file.txt"
write_ini dot . 2 0-1
(cd "$WORK/cwd" && run_mtl 1 "$WORK/dot.ini" --overwrite && echo "$rc" > "$WORK/rc")
rc=$(cat "$WORK/rc")
refused "output = ." "output = '.' is a directory"
[ "$(ls -A "$WORK/cwd")" = file.txt ] || fail "the working directory changed: $(ls -A "$WORK/cwd")"

# Row 3: output = the data file, the config file, or any file mtl_mpi did not write.
data_before=$(sum "$WORK/synth3.nc")
write_ini data "$WORK/synth3.nc" 2 0-1
run_mtl 1 "$WORK/data.ini" --overwrite
refused "output = data file" "is the input data file"
write_ini self "$WORK/self.ini" 2 0-1
run_mtl 1 "$WORK/self.ini" --overwrite
refused "output = config file" "is the configuration file"
cp "$WORK/synth3.nc" "$WORK/other.nc"   # HDF5, but not a results file
echo "my notes" > "$WORK/notes.h5"      # not HDF5 at all
for f in other.nc notes.h5; do
  write_ini foreign "$WORK/$f" 2 0-1
  run_mtl 1 "$WORK/foreign.ini" --overwrite
  refused "output = $f" "is not a results file written by mtl_mpi"
done
[ "$(sum "$WORK/synth3.nc")" = "$data_before" ] || fail "the data file changed"
cmp -s "$WORK/synth3.nc" "$WORK/other.nc" || fail "other.nc changed"
[ "$(cat "$WORK/notes.h5")" = "my notes" ] || fail "notes.h5 changed"

# --overwrite of a real results file: only its own files go; a stranger in
# the journal folder makes it refuse before anything is deleted.
write_ini o "$WORK/out/o.h5" 2 0-1
run_mtl 1 "$WORK/o.ini"
expect_rc 0 "first run"
echo keep > "$WORK/out/o.h5.journal/README"
before=$(sum "$WORK/out")
run_mtl 1 "$WORK/o.ini" --overwrite
refused "journal folder with a foreign file" "holds 'README', which mtl_mpi did not write"
[ "$(sum "$WORK/out")" = "$before" ] || fail "a refused --overwrite changed files"
rm "$WORK/out/o.h5.journal/README"
echo neighbour > "$WORK/out/o.h5.notes"
run_mtl 1 "$WORK/o.ini" --overwrite
expect_rc 0 "--overwrite of a results file"
[ "$(ls "$WORK/out/o.h5.journal" | wc -l)" = 1 ] || fail "old journal files kept"
[ "$(cat "$WORK/out/o.h5.notes")" = neighbour ] || fail "a neighbouring file changed"
[ "$(ls "$WORK/out")" = "$(printf 'o.h5\no.h5.journal\no.h5.notes')" ] || fail "left over: $(ls "$WORK/out")"

# Row 4: --trace onto an existing file.
only=(--only site=synth000,lambda=0,seed=0)
trace() { rc=0; "$MTL_MPI" "$WORK/o.ini" "${only[@]}" --trace "$@" > "$WORK/last.log" 2>&1 || rc=$?; }
trace "$WORK/synth3.nc"
refused "--trace onto the data file" "is the input data file"
trace "$WORK/synth3.nc" --overwrite
refused "--trace --overwrite onto the data file" "is the input data file"
trace "$WORK/notes.h5"
refused "--trace onto a file" "is not a trace written by mtl_mpi"
trace "$WORK/t.h5"
expect_rc 0 "--trace to a new file"
trace "$WORK/t.h5"
refused "--trace onto an existing trace" "already exists; use --overwrite"
trace "$WORK/t.h5" --overwrite
expect_rc 0 "--trace --overwrite onto a trace"
[ "$(sum "$WORK/synth3.nc")" = "$data_before" ] || fail "the data file changed"
[ "$(cat "$WORK/notes.h5")" = "my notes" ] || fail "notes.h5 changed"
ls "$WORK" | grep -q "t.h5.part" && fail "trace partial left: $(ls "$WORK")"
echo "overwrite and trace refusals: OK"
