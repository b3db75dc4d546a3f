#!/usr/bin/env bash
# Body shared by jobs/*.slurm (exec'd from the batch script, so it keeps the
# batch shell's PID and receives `--signal=B:USR1@...`).
#
#   usage (inside a SLURM allocation): slurm_run.sh CONFIG.ini [mtl_mpi options]
#   env:  MTL_MPI       program (default: mtl_mpi on PATH, else build/src/mtl_mpi
#                       of the submit folder)
#         MTL_SITE_ENV  a file sourced first, for the cluster's `module load` lines
#                       (default: site.env beside this script, when it exists;
#                       see site.env.example)
#         MTL_LAUNCHER  srun | mpirun (default: srun when it offers PMIx, else mpirun)
#         MTL_REQUEUE   1 (default): after a clean stop before the time limit
#                       (exit 4), requeue this job so it finishes the grid
#
# Always runs with --resume: the first launch starts the grid, a requeued or
# resubmitted job finishes it (same config required; see README, exit codes).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "${SLURM_SUBMIT_DIR:-.}"
ini=${1:?usage: slurm_run.sh CONFIG.ini [options]}
shift
site_env=${MTL_SITE_ENV:-$here/site.env}
if [ -f "$site_env" ]; then
  echo "== site setup: $site_env"
  # shellcheck source=/dev/null
  source "$site_env" || { echo "== $site_env failed" >&2; exit 2; }
fi
mtl=${MTL_MPI:-$(command -v mtl_mpi || echo "$PWD/build/src/mtl_mpi")}
[ -x "$mtl" ] || { echo "== no mtl_mpi: not on PATH, not at $mtl; set MTL_MPI" >&2; exit 2; }
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}   # oneDNN threads per rank
# Open MPI refuses to run as root unless told; only root needs (and gets) that.
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

launcher=${MTL_LAUNCHER:-}
if [ -z "$launcher" ]; then
  if srun --mpi=list 2>&1 | grep -q pmix; then launcher=srun; else launcher=mpirun; fi
fi
echo "== $(date -u +%FT%TZ) job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}) on ${SLURM_JOB_NODELIST:-?}:" \
     "${SLURM_NTASKS:-?} ranks x ${OMP_NUM_THREADS} threads, launcher $launcher"
echo "== program $mtl: $("$mtl" --version 2>&1 | head -1)"
echo "== config $ini $*"
"$mtl" "$ini" "$@" --dry-run --ranks "${SLURM_NTASKS:-1}" | head -20 || true

# SLURM signals this shell (B:USR1) before the time limit; srun and mpirun both
# forward SIGUSR1 to every rank, which stops at its next journal write (about a second of training).
child=
forward_stop() {
  echo "== $(date -u +%FT%TZ) got a stop signal, forwarding SIGUSR1 to the ranks"
  [ -n "$child" ] && kill -USR1 "$child"
}
trap forward_stop USR1 TERM
# Each rank bound to its own core(s) (the allocation asked for --hint=nomultithread);
# --kill-on-bad-exit: a rank that dies ends the step instead of leaving the others
# waiting in a collective call.
if [ "$launcher" = srun ]; then
  srun --mpi=pmix --kill-on-bad-exit=1 --cpu-bind=cores \
       --cpus-per-task="${SLURM_CPUS_PER_TASK:-1}" "$mtl" "$ini" --resume "$@" &
else
  mpirun -n "${SLURM_NTASKS:-1}" --map-by "slot:PE=${SLURM_CPUS_PER_TASK:-1}" --bind-to core \
         "$mtl" "$ini" --resume "$@" &
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
