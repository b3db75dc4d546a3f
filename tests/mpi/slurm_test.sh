#!/usr/bin/env bash
# A real single-node SLURM (Debian slurm-wlm; the recipe of shared/docs/local-slurm.md):
# start slurmctld + slurmd with a private slurm.conf (no munge, no accounting),
# sbatch jobs/demo.slurm on a tiny grid, poll squeue, check the results file is
# complete, stop the daemons by PID. Exit 77 (skipped) without slurm-wlm.
source "$(dirname "$0")/slurm_common.sh"

make_data
write_ini tiny "$WORK/sub/results/tiny.h5" 3 0-1
sub=$WORK/sub
# No logs/ folder: the job scripts log into the submit folder, which exists.
mkdir -p "$sub/jobs"
cp "$src/jobs/demo.slurm" "$src/jobs/slurm_run.sh" "$sub/jobs/"
cd "$sub"
job=$(sbatch --parsable --export="ALL,MTL_INI=$WORK/tiny.ini,MTL_MPI=$MTL_MPI" jobs/demo.slurm)
echo "submitted job $job"
wait_job "$job" 300
log=$(ls "$sub"/*"$job".out)
cat "$log"
grep -q "mtl_mpi exit code 0" "$log" || fail "job did not finish with exit code 0"
grep -q "== program $MTL_MPI: mtl_mpi " "$log" || fail "job log does not name the program and its version"
[ "$(attr "$sub/results/tiny.h5" complete)" = 1 ] || fail "results file not complete"
[ "$(attr "$sub/results/tiny.h5" runs_done)" = 12 ] || fail "expected 12 done runs"
[ "$(attr "$sub/results/tiny.h5" ranks)" = 2 ] || fail "expected 2 ranks"
echo "slurm: demo job OK"

# A stop before the time limit: SLURM signals the batch shell (what
# --signal=B:USR1@300 does), the script forwards SIGUSR1 through srun to every
# rank, mtl_mpi exits 4, the script requeues the job, and the requeued job
# finishes the grid with --resume.
write_ini long "$sub/results/long.h5" 3000 0-3
job=$(sbatch --parsable --export="ALL,MTL_INI=$WORK/long.ini,MTL_MPI=$MTL_MPI" jobs/demo.slurm)
for i in $(seq 1 20); do  # started, or pending for a reason that will not pass
  [ "$(squeue -h -j "$job" -o %T 2> /dev/null)" = PENDING ] || break
  check_pending "$job"
  sleep 0.5
done
wait_records "$sub/results/long.h5.journal" 2 120
scancel --batch --signal=USR1 "$job"
gone=0
for i in $(seq 1 600); do
  state=$(squeue -h -o %T -j "$job" 2> /dev/null || true)
  # Between the first launch's end and the requeued job's appearance squeue can
  # briefly show nothing: the job is done only when the final launch has logged
  # its exit, or when nothing has been listed for 30 s.
  if [ -z "$state" ]; then
    gone=$((gone + 1))
    grep -q "mtl_mpi exit code 0" "$sub"/*"$job".out 2> /dev/null && break
    [ "$gone" -ge 60 ] && break
  else
    gone=0
    check_pending "$job"
  fi
  sleep 0.5
done
log=$(ls "$sub"/*"$job".out)
cat "$log"
[ -z "$(squeue -h -j "$job" 2> /dev/null)" ] || fail "job $job not finished after 300 s"
grep -q "mtl_mpi exit code 4" "$log" || fail "first launch was not stopped cleanly (exit 4)"
grep -q "restart 1" "$log" || {
  scontrol show job "$job" >&2 || true
  grep -iE "requeue|job_?id=$job|JobId=$job" "$conf"/log/*.log "$conf"/log/*.out 2> /dev/null | tail -20 >&2
  fail "job was not requeued"; }
grep -q "mtl_mpi exit code 0" "$log" || fail "requeued job did not finish the grid"
[ "$(attr "$sub/results/long.h5" complete)" = 1 ] || fail "results file not complete"
[ "$(attr "$sub/results/long.h5" runs_done)" = 24 ] || fail "expected 24 done runs"
echo "slurm: OK"
