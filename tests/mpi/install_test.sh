#!/usr/bin/env bash
# `cmake --install` into a temporary prefix gives a usable package: the programs in
# bin answer --version, the analysis scripts and job templates sit in
# share/mtl_mpi, and the demo runs from the prefix in an unrelated folder -- data
# made by the installed mtl_data, the grid trained by the installed mtl_mpi through
# the installed job script (which finds mtl_mpi on PATH), summarised and one run
# re-predicted by the installed analysis scripts. Progress and summary lines carry
# ISO 8601 UTC timestamps.
source "$(dirname "$0")/common.sh"
: "${MTL_BUILD_DIR:?}" "${CMAKE_COMMAND:?}"
prefix=$WORK/prefix
"$CMAKE_COMMAND" --install "$MTL_BUILD_DIR" --prefix "$prefix" > "$WORK/install.log" ||
  { cat "$WORK/install.log" >&2; fail "cmake --install failed"; }
(cd "$prefix" && find . -type f | sort) > "$WORK/tree.txt"
for f in bin/mtl_mpi bin/mtl_data share/mtl_mpi/jobs/demo.ini share/mtl_mpi/jobs/demo.slurm \
         share/mtl_mpi/jobs/exp1.slurm share/mtl_mpi/jobs/slurm_run.sh \
         share/mtl_mpi/jobs/site.env.example share/doc/mtl_mpi/README.md \
         share/doc/mtl_mpi/docs/training.md share/doc/mtl_mpi/docs/results.md \
         share/mtl_mpi/analysis/summarize.py share/mtl_mpi/analysis/plots.py \
         share/mtl_mpi/analysis/predict.py share/mtl_mpi/analysis/resultsfile.py \
         share/mtl_mpi/analysis/stats.py share/mtl_mpi/analysis/seasonal.py; do
  grep -qx "./$f" "$WORK/tree.txt" || { cat "$WORK/tree.txt" >&2; fail "installed tree lacks $f"; }
done
for prog in mtl_mpi mtl_data; do
  out=$("$prefix/bin/$prog" --version) || fail "$prog --version exits non-zero"
  echo "$out" | head -1 | grep -Eq "^$prog [0-9.]+ \(git [0-9a-f]+|unknown\)" || fail "$prog --version: $out"
  echo "$out" | grep -q "^backend onednn: .*oneDNN [0-9]" || fail "$prog --version names no oneDNN backend: $out"
  echo "$out" | grep -q "^backend kernels: " || fail "$prog --version names no kernels backend: $out"
done

# The demo, from an empty folder with only the installed prefix on PATH: the job
# script runs outside SLURM too (mpirun, one rank), which is enough to see it
# find mtl_mpi on PATH. 5 epochs instead of 50 keep it short; all 900 runs.
run=$WORK/user
mkdir -p "$run"
cd "$run"
export PATH="$prefix/bin:$PATH" MTL_PROGRESS_SECONDS=0.5
mtl_data synth --sites 10 --years 40 --seed 1 --out data/synth101.nc > /dev/null
unset MTL_MPI
rc=0
MTL_LAUNCHER=mpirun bash "$prefix/share/mtl_mpi/jobs/demo.slurm" --train.epochs 5 \
  --output.weights final > demo.log 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat demo.log >&2; fail "installed demo.slurm exit code $rc"; }
grep -q "^== program $prefix/bin/mtl_mpi: mtl_mpi " demo.log ||
  { cat demo.log >&2; fail "the job script did not use the mtl_mpi on PATH"; }
ts='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
grep -Eq "$ts progress: [0-9]+/900 runs" demo.log || { cat demo.log >&2; fail "no timestamped progress line"; }
[ "$(grep -Ec "$ts summary: " demo.log)" = 3 ] || { cat demo.log >&2; fail "summary lines without timestamps"; }
[ "$(attr results/demo.h5 runs_done)" = 900 ] || fail "installed demo: not 900 runs done"
"$PY" "$prefix/share/mtl_mpi/analysis/summarize.py" results/demo.h5 -q ||
  fail "installed summarize.py failed"
[ -s results/demo_summary/per_site.csv ] || fail "installed summarize.py wrote no per_site.csv"
"$PY" "$prefix/share/mtl_mpi/analysis/predict.py" results/demo.h5 --site synth003 --lambda 1 \
  --seed 0 --out pred.csv || fail "installed predict.py failed"
[ "$(wc -l < pred.csv)" = 3654 ] || fail "predict.py: expected 3653 test days + header"
"$PY" - results/demo.h5 pred.csv <<'PYEOF' || fail "predict.py does not reproduce the stored test predictions"
import sys, numpy as np, pandas as pd, xarray as xr
ds = xr.open_dataset(sys.argv[1])
p = pd.read_csv(sys.argv[2], index_col="date", parse_dates=True)
run = ds.sel(site="synth003", seed=0).sel({"lambda": 1.0})
for v in ("flow", "temp"):
    want = run[f"prediction_{v}"].values
    # tolerance: tests/python/test_predict.py (1e-5 y_std) plus 7-digit CSV rounding
    tol = 1e-5 * float(run[f"y_std_{v}"]) + 1e-6 * np.abs(want)
    assert np.all(np.abs(p[v].values - want) <= tol), v
PYEOF
head -3 demo.log; grep -m 2 -E "progress:" demo.log  # -m, not | head: a SIGPIPE would fail under pipefail
echo "install: $(wc -l < "$WORK/tree.txt") files installed; demo (900 runs) trained, summarised and re-predicted from the prefix"
