#!/usr/bin/env bash
# Body shared by jobs/*.slurm (exec'd from the batch script, so it keeps the
# batch shell's PID and receives `--signal=B:USR1@...`).
#
#   usage (inside a SLURM allocation): jobs/slurm_run.sh CONFIG.ini [mtl_mpi options]
#   env:  MTL_MPI       program (default: $SLURM_SUBMIT_DIR/build/src/mtl_mpi)
#         MTL_LAUNCHER  srun | mpirun (default: srun when it offers PMIx, else mpirun)
#         MTL_REQUEUE   1 (default): after a clean stop before the time limit
#                       (exit 4), requeue this job so it finishes the grid
#
# Always runs with --resume: the first launch starts the grid, a requeued or
# resubmitted job finishes it (same config required; see README, exit codes).
set -uo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
ini=${1:?usage: slurm_run.sh CONFIG.ini [options]}
shift
mtl=${MTL_MPI:-$PWD/build/src/mtl_mpi}
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}   # oneDNN threads per rank
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}

launcher=${MTL_LAUNCHER:-}
if [ -z "$launcher" ]; then
  if srun --mpi=list 2>&1 | grep -q pmix; then launcher=srun; else launcher=mpirun; fi
fi
echo "== $(date -u +%FT%TZ) job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_JOB_NODELIST:-?}:" \
     "${SLURM_NTASKS:-?} ranks x ${OMP_NUM_THREADS} threads, launcher $launcher"
echo "== $("$mtl" --version 2>&1 | head -1)"
echo "== config $ini $*"
"$mtl" "$ini" "$@" --dry-run --ranks "${SLURM_NTASKS:-1}" | head -20 || true

# SLURM signals this shell (B:USR1) before the time limit; srun and mpirun both
# forward SIGUSR1 to every rank, which stops at its next group boundary.
child=
forward_stop() {
  echo "== $(date -u +%FT%TZ) got a stop signal, forwarding SIGUSR1 to the ranks"
  [ -n "$child" ] && kill -USR1 "$child"
}
trap forward_stop USR1 TERM
if [ "$launcher" = srun ]; then
  srun --mpi=pmix --cpus-per-task="${SLURM_CPUS_PER_TASK:-1}" "$mtl" "$ini" --resume "$@" &
else
  mpirun -n "${SLURM_NTASKS:-1}" "$mtl" "$ini" --resume "$@" &
fi
child=$!
while true; do
  rc=0
  wait "$child" || rc=$?
  # > 128 with the launcher still alive: `wait` was interrupted by our trap.
  if [ "$rc" -gt 128 ] && kill -0 "$child" 2>/dev/null; then continue; fi
  break
done
echo "== $(date -u +%FT%TZ) mtl_mpi exit code $rc"
if [ "$rc" = 4 ] && [ "${MTL_REQUEUE:-1}" = 1 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
  echo "== incomplete: requeueing job $SLURM_JOB_ID to finish the grid"
  scontrol requeue "$SLURM_JOB_ID"
fi
exit $rc
