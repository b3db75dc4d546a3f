#!/usr/bin/env bash
# jobs/study.sh --twin: experiment 1 on the default world and on its counterfactual
# twin (temperature link off), on two sites and a tiny model through overrides;
# the twin's single-task runs must equal the world's (same seeds, inputs and flow:
# twin.csv's single_differs), and the tables and the report score against it.
# --twin without experiment 1 or with another data file is refused in one line.
source "$(dirname "$0")/common.sh"
src=${MTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$WORK"
tiny=(--data.sites "synth000 synth008" --model.hidden 4 --train.epochs 3
      --grid.lambdas "0 1")
study() { MTL_PYTHON=$PY MTL_DATA=$MTL_DATA bash "$src/jobs/study.sh" "$@" > "$WORK/study.log" 2>&1; }
rc=0
study --profile paper --experiments 1 --ranks 2 --seeds 0-5 --twin -- "${tiny[@]}" || rc=$?
cat "$WORK/study.log"
[ "$rc" = 0 ] || fail "study.sh --twin exit code $rc"
cmp -s data/synth101.nc data/synth101_twin.nc && fail "twin data = world data"
for f in results/exp1.h5 results/exp1_twin.h5; do
  [ "$(attr "$f" complete)" = 1 ] && [ "$(attr "$f" runs_done)" = 24 ] || fail "$f incomplete"
done
csv=results/exp1_summary/twin.csv
[ -f "$csv" ] && [ -f results/exp1_summary/explain_regression_link.csv ] || fail "no twin tables"
[ -f results/exp1_summary/twin_ceiling.csv ] || fail "no twin_ceiling table (--ceiling)"
"$PY" - "$csv" <<'PYEOF' || fail "single-task runs differ between world and twin"
import sys, pandas as pd
t = pd.read_csv(sys.argv[1])
assert len(t) == 2 and (t["single_differs"] == 0).all(), t
PYEOF
grep -q "Against the counterfactual twin" results/study/report.html || fail "report lacks the twin"
for bad in "--experiments 3 --twin" "--twin -- --data.file x.nc"; do
  rc=0
  # shellcheck disable=SC2086
  study $bad || rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l < "$WORK/study.log")" = 1 ] && grep -q "^study.sh: --twin" "$WORK/study.log" ||
    fail "study.sh $bad: exit $rc, $(cat "$WORK/study.log")"
done
echo "study_twin_test: ok"
