# Shared by tests/mpi/*_test.sh (sourced, not a test itself): a scratch folder,
# a tiny synthetic data set, tiny configurations, and comparisons.
set -euo pipefail
: "${MPIEXEC:?}" "${MTL_MPI:?}" "${MTL_DATA:?}"
PY="${MTL_PYTHON:-/usr/bin/python3}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mtl_mpi_test.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
MPIRUN=("$MPIEXEC" --oversubscribe)

fail() { echo "FAIL: $*" >&2; exit 1; }

# 3 sites, 8 water years (1980-10-01 .. 1988-09-30).
make_data() { "$MTL_DATA" synth --sites 3 --years 8 --seed 1 --out "$WORK/synth3.nc" > /dev/null; }

# write_ini NAME OUTPUT EPOCHS SEEDS [extra INI lines...]; env SITES (default all)
write_ini() {
  local name=$1 out=$2 epochs=$3 seeds=$4
  shift 4
  cat > "$WORK/$name.ini" <<INI
[experiment]
name = $name
output = $out
[data]
file = $WORK/synth3.nc
sites = ${SITES:-all}
train = 1980-10-01:1985-09-30
val = 1985-10-01:1986-09-30
test = 1986-10-01:1988-09-30
[model]
hidden = 8
[train]
epochs = $epochs
[grid]
lambdas = 0 1
seeds = $seeds
[output]
loss_curves = true
predictions = test
weights = final
INI
  for line in "$@"; do echo "$line" >> "$WORK/$name.ini"; done
}

# run_mtl NRANKS ARGS...: runs mtl_mpi, returns its exit code in $rc (never exits)
run_mtl() {
  local n=$1
  shift
  rc=0
  "${MPIRUN[@]}" -n "$n" "$MTL_MPI" "$@" > "$WORK/last.log" 2>&1 || rc=$?
}

expect_rc() {  # expect_rc WANT WHAT
  if [ "$rc" != "$1" ]; then
    cat "$WORK/last.log" >&2
    fail "$2: exit code $rc, expected $1"
  fi
}

# same_results A B: every result variable bit-identical (NaN == NaN), except
# the per-launch bookkeeping (train_seconds, mpi_rank); attributes complete/runs_*.
same_results() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
skip = {"train_seconds", "mpi_rank"}
names = sorted(k for k in a.keys() if k not in skip)
assert names == sorted(k for k in b.keys() if k not in skip), (names, list(b.keys()))
for k in names:
    x, y = a[k][()], b[k][()]
    if x.dtype.kind in "fc":
        ok = x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
    else:
        ok = x.shape == y.shape and np.array_equal(x, y)
    if not ok:
        sys.exit(f"differs: {k}")
for k in ["complete", "runs_done", "runs_failed", "runs_pending", "runs_total"]:
    if a.attrs[k] != b.attrs[k]:
        sys.exit(f"attribute differs: {k} {a.attrs[k]} {b.attrs[k]}")
n = sum(a[k].size for k in names)
print(f"identical: {len(names)} variables, {n} values")
PYEOF
}

attr() { "$PY" -c "import h5py,sys; print(int(h5py.File(sys.argv[1],'r').attrs[sys.argv[2]]))" "$1" "$2"; }

# journal_records DIR: complete journal records so far (record heads only;
# journal format 2, see include/mtl/journal.hpp)
journal_records() {
  "$PY" - "$1" <<'PYEOF'
import sys, os, struct, glob
n = 0
for p in glob.glob(os.path.join(sys.argv[1], "*.bin")):
    b = open(p, "rb").read()
    if len(b) < 12 or b[:8] != b"MTLJRNL2":
        continue
    pos = 12 + struct.unpack_from("<I", b, 8)[0] + 8
    while pos + 16 <= len(b):
        magic, fmt, _, ln, _ = struct.unpack_from("<IHHII", b, pos)
        if magic != 0x4D524543 or pos + 16 + ln + 8 > len(b):
            break
        n += 1
        pos += 16 + ln + 8
print(n)
PYEOF
}

# wait_records DIR N TIMEOUT_S: until the journals hold at least N records
wait_records() {
  local t=0
  while [ "$(journal_records "$1" 2>/dev/null || echo 0)" -lt "$2" ]; do
    sleep 0.2
    t=$((t + 1))
    [ $t -lt $(($3 * 5)) ] || fail "no $2 journal records after $3 s"
  done
}
