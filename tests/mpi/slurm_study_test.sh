#!/usr/bin/env bash
# jobs/study.sh --slurm on a real single-node SLURM (slurm_common.sh): the four
# experiment jobs (paper profile, tiny grids through overrides) and a report job
# that waits for them (afterok) and then writes the tables and the report.
# Exit 77 (skipped) without slurm-wlm.
source "$(dirname "$0")/slurm_common.sh"
make_data
# The submit folder as a repository root looks to the job scripts: jobs/ and analysis/.
sub=$WORK/sub
mkdir -p "$sub/jobs" "$sub/analysis"
cp "$src"/jobs/*.slurm "$src"/jobs/*.ini "$src"/jobs/*.sh "$sub/jobs/"
cp "$src"/analysis/*.py "$sub/analysis/"
cd "$sub"
tiny=(--data.file "$WORK/synth3.nc" --data.sites all --data.min_train_obs 0
      --data.train 1980-10-01:1985-09-30 --data.val 1985-10-01:1986-09-30
      --data.test 1986-10-01:1988-09-30 --model.hidden 4 --train.epochs 2
      --grid.lambdas "0 1")
MTL_PYTHON=$PY bash jobs/study.sh --slurm --profile paper --ranks 2 --seeds 0-1 \
  -- "${tiny[@]}" > "$WORK/submit.log" 2>&1 || { cat "$WORK/submit.log"; fail "study.sh --slurm failed"; }
cat "$WORK/submit.log"
mapfile -t exps < <(sed -n 's/^submitted exp[1-4]\.ini: job \([0-9]*\) .*/\1/p' "$WORK/submit.log")
report=$(sed -n 's/^submitted report: job \([0-9]*\) .*/\1/p' "$WORK/submit.log")
[ "${#exps[@]}" = 4 ] && [ -n "$report" ] || fail "expected 4 experiment job ids and a report job id"
# Two CPUs, two ranks a job: the experiments run one after another, so the
# report job is still waiting for them now.
[ "$(squeue -h -j "$report" -o %r)" = Dependency ] || fail "report job not waiting on a dependency"
dep=$(scontrol show job "$report" | grep -o 'Dependency=[^ ]*')
for job in "${exps[@]}"; do
  [[ "$dep" == *afterok* && "$dep" == *"$job"* ]] || fail "report job: $dep, not afterok on job $job"
done
for job in "${exps[@]}" "$report"; do wait_job "$job" 600; done
for job in "${exps[@]}"; do
  grep -q "mtl_mpi exit code 0" "$sub"/*"-$job.out" || { cat "$sub"/*"-$job.out"; fail "job $job failed"; }
done
cat "$sub"/mtl-report-"$report".out
for n in 1 2 3 4; do
  [ "$(attr "results/exp$n.h5" complete)" = 1 ] || fail "exp$n not complete"
  [ -f "results/exp${n}_summary/headline.csv" ] || fail "no CSV tables for exp$n"
  grep -q "<h2 id=\"exp$n\">" results/study/report.html || fail "report lacks exp$n"
done
# The report ran after the last experiment ended (times from scontrol, 1 s resolution).
when() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
last=$(for job in "${exps[@]}"; do when "$job" EndTime; done | sort | tail -1)
[[ ! "$(when "$report" StartTime)" < "$last" ]] || fail "report started before the experiments ended"
echo "slurm study: OK"
