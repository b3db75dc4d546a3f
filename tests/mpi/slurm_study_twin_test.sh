#!/usr/bin/env bash
# jobs/study.sh --slurm --twin on a real single-node SLURM (slurm_common.sh):
# experiment 1 on the default world and on its counterfactual twin as two jobs,
# and the report job after both (afterok), whose tables score against the twin.
# Exit 77 (skipped) without slurm-wlm.
source "$(dirname "$0")/slurm_common.sh"
sub=$WORK/sub
mkdir -p "$sub/jobs" "$sub/analysis"
cp "$src"/jobs/*.slurm "$src"/jobs/*.ini "$src"/jobs/*.sh "$sub/jobs/"
cp "$src"/analysis/*.py "$sub/analysis/"
cd "$sub"
tiny=(--data.sites "synth000 synth008" --model.hidden 4 --train.epochs 3 --grid.lambdas "0 1")
MTL_PYTHON=$PY bash jobs/study.sh --slurm --profile paper --experiments 1 --ranks 2 --seeds 0-5 \
  --twin -- "${tiny[@]}" > "$WORK/submit.log" 2>&1 || { cat "$WORK/submit.log"; fail "study.sh --slurm --twin failed"; }
cat "$WORK/submit.log"
jobs=$(sed -n 's/^submitted .*: job \([0-9]*\) .*/\1/p' "$WORK/submit.log")
report=$(sed -n 's/^submitted report: job \([0-9]*\) .*/\1/p' "$WORK/submit.log")
[ "$(echo "$jobs" | wc -w)" = 3 ] && grep -q "on the twin: job" "$WORK/submit.log" ||
  fail "expected the exp1, twin and report jobs"
for job in $jobs; do wait_job "$job" 600; done
cat "$sub"/mtl-report-"$report".out
for f in results/exp1.h5 results/exp1_twin.h5; do
  [ "$(attr "$f" complete)" = 1 ] || fail "$f not complete"
done
"$PY" - results/exp1_summary/twin.csv <<'PYEOF' || fail "twin table"
import sys, pandas as pd
t = pd.read_csv(sys.argv[1])
assert len(t) == 2 and (t["single_differs"] == 0).all(), t
PYEOF
[ -f results/exp1_summary/twin_ceiling.csv ] || fail "no twin_ceiling table (--ceiling)"
grep -q "Against the counterfactual twin" results/study/report.html || fail "report lacks the twin"
echo "slurm study twin: OK"
