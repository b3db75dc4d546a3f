#!/usr/bin/env bash
# jobs/study.sh locally: experiments 1 and 2 (paper profile) on tiny grids through
# overrides, then the CSV tables and the report; a second call resumes and trains
# nothing; bad options are refused with one line.
source "$(dirname "$0")/common.sh"
src=${MTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
make_data
cd "$WORK"
tiny=(--data.file "$WORK/synth3.nc" --data.sites all --data.min_train_obs 0
      --data.train 1980-10-01:1985-09-30 --data.val 1985-10-01:1986-09-30
      --data.test 1986-10-01:1988-09-30 --model.hidden 4 --train.epochs 2
      --grid.lambdas "0 1" --output.predictions test)
study() { MTL_PYTHON=$PY bash "$src/jobs/study.sh" "$@" > "$WORK/study.log" 2>&1; }
rc=0
study --profile paper --experiments 1,2 --ranks 2 --seeds 0-1 -- "${tiny[@]}" || rc=$?
cat "$WORK/study.log"
[ "$rc" = 0 ] || fail "study.sh exit code $rc"
for f in results/exp1.h5 results/exp2.h5; do
  [ "$(attr "$f" complete)" = 1 ] || fail "$f not complete"
  [ "$(attr "$f" runs_done)" = 12 ] || [ "$(attr "$f" runs_done)" = 4 ] || fail "$f: runs_done"
  [ -f "${f%.h5}_summary/headline.csv" ] || fail "no CSV tables for $f"
done
page=results/study/report.html
grep -q "report: $page" "$WORK/study.log" || fail "study.sh did not print the report path"
grep -q '<h2 id="exp1">' "$page" && grep -q '<h2 id="exp2">' "$page" || fail "report lacks an experiment"
grep -q "Regional (exp2) against local (exp1)" "$page" || fail "no regional vs local section"
[ "$(grep -o '<img ' "$page" | wc -l)" -ge 6 ] || fail "report has too few figures"

# Again: everything is journaled, nothing is trained.
study --profile paper --experiments 1,2 --ranks 2 --seeds 0-1 -- "${tiny[@]}" || fail "rerun failed"
[ "$(grep -c "this launch trained 0 runs" "$WORK/study.log")" = 2 ] || {
  cat "$WORK/study.log"; fail "rerun trained runs again"; }

for bad in "--profile fast" "--experiments 5" "--ranks 0" "--nope"; do
  rc=0
  # shellcheck disable=SC2086
  study $bad || rc=$?
  [ "$rc" = 2 ] && [ "$(wc -l < "$WORK/study.log")" = 1 ] && grep -q "^study.sh: " "$WORK/study.log" ||
    fail "study.sh $bad: exit $rc, $(cat "$WORK/study.log")"
done
echo "study: OK"
