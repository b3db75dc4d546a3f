#!/usr/bin/env bash
# The four experiments and the demo, end to end on the embedded synthetic world:
# each dry run gives the paper's grid size, and a small-epoch version of each
# trains under mpiexec -n 2 to a complete results file that the analysis reads.
source "$(dirname "$0")/common.sh"
cd "$MTL_SOURCE_DIR"
"$MTL_DATA" synth --sites 101 --years 40 --seed 1 --out "$WORK/synth101.nc" > /dev/null

expect_size() {  # expect_size INI RUNS
  local got
  got=$("$MTL_MPI" "$1" --data.file "$WORK/synth101.nc" --dry-run --ranks 512 | sed -n 's/^grid: .* = \([0-9,]*\) runs.*/\1/p')
  [ "$got" = "$2" ] || fail "$1: dry run gives '$got' runs, expected $2"
  echo "$1: $got runs"
}
expect_size jobs/exp1.ini 27,270
expect_size jobs/exp2.ini 270
expect_size jobs/exp3.ini 14,310
expect_size jobs/exp4.ini 270
expect_size jobs/demo.ini 900
# The converged profiles (docs/convergence.md): same experiments, lambdas 0.1 0.2 0.5 added.
expect_size jobs/exp1_converged.ini 36,360
expect_size jobs/exp2_converged.ini 360
expect_size jobs/exp3_converged.ini 19,080
expect_size jobs/exp4_converged.ini 360
expect_size jobs/demo_converged.ini 1,200
# Each job script's header states its INI's grid size (e.g. "... = 900 runs");
# jobs/report.slurm trains nothing (the study's report job, tested by slurm_study_test.sh).
for slurm in jobs/*.slurm; do
  [ "$slurm" = jobs/report.slurm ] && continue
  ini=jobs/$(basename "$slurm" .slurm).ini
  grep -qF "\${MTL_INI:-\$jobs/$(basename "$ini")}" "$slurm" || fail "$slurm does not run $ini"
  said=$(sed -n '2s/.*[ (]\([0-9,]*\) runs.*/\1/p' "$slurm")
  got=$("$MTL_MPI" "$ini" --data.file "$WORK/synth101.nc" --dry-run | sed -n 's/^grid: .* = \([0-9,]*\) runs.*/\1/p')
  [ -n "$said" ] && [ "$said" = "$got" ] || fail "$slurm says '$said' runs, $ini has $got"
done
imb=$("$MTL_MPI" jobs/exp1.ini --data.file "$WORK/synth101.nc" --dry-run --ranks 512 | sed -n 's/.*imbalance (max\/mean): //p')
"$PY" -c "import sys; sys.exit(0 if float('$imb') <= 1.03 else 1)" || fail "exp1 imbalance at 512 ranks $imb > 1.03"

# Small versions: 2 epochs, 2 lambdas, 2 seeds; single-site ones on 3 sites
# (exp3: all sites, so its observation rule still selects 53).
small=(--data.file "$WORK/synth101.nc" --train.epochs 2 --grid.lambdas "0 10" --grid.seeds 0-1)
for exp in exp1 exp2 exp3 exp4; do
  extra=()
  [ "$exp" = exp1 ] && extra=(--data.sites "synth000 synth001 synth002")
  run_mtl 2 "jobs/$exp.ini" "${small[@]}" "${extra[@]}" --experiment.output "$WORK/$exp.h5"
  expect_rc 0 "$exp (small)"
  [ "$(attr "$WORK/$exp.h5" complete)" = 1 ] || fail "$exp: results file not complete"
  "$PY" analysis/summarize.py "$WORK/$exp.h5" --out "$WORK/${exp}_summary" -q > /dev/null ||
    fail "$exp: summarize.py failed"
  echo "$exp: $(attr "$WORK/$exp.h5" runs_done) runs done, summary written"
done
"$PY" - "$WORK" <<'PYEOF'
import sys, h5py, numpy as np
w = sys.argv[1]
for exp, sites, primary in [("exp2", 101, b"flow"), ("exp4", 53, b"temp")]:
    f = h5py.File(f"{w}/{exp}.h5", "r")
    nse = f["nse"][()]                       # (site, lambda, seed, partition, variable)
    assert nse.shape[:3] == (sites, 2, 2), (exp, nse.shape)
    # a multi_site run reports metrics per site: every site row of a run is filled
    pv = 0 if primary == b"flow" else 1
    assert np.isfinite(nse[:, :, :, 2, pv]).mean() > 0.95, exp
    assert (f["status"][()] == 1).all(), exp
print("multi-site files: per-site metrics for every site")
PYEOF
echo "experiments: OK"
