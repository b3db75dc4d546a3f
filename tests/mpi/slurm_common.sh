# Shared by the real-SLURM tests (sourced, not a test itself): a single-node SLURM
# from Debian's slurm-wlm (the recipe of shared/docs/local-slurm.md): slurmctld +
# slurmd with a private slurm.conf (no munge, no accounting) on a random port pair,
# stopped by PID on exit; check_pending says at once why a job cannot start.
# Exit 77 (skipped) without slurm-wlm.
source "$(dirname "$0")/common.sh"
for tool in slurmctld slurmd sbatch squeue sinfo; do
  command -v "$tool" > /dev/null || { echo "skip: $tool not installed (apt-get install slurm-wlm)"; exit 77; }
done
src=${MTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
conf=$WORK/slurm
mkdir -p "$conf"/{state,spool,log}
# A random port pair, so parallel tests or another user's test SLURM do not clash.
port=$((20000 + RANDOM % 20000))
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
# The node as slurmd itself sees it (CPUs, sockets, cores, threads per core), never
# `nproc`, which honours OMP_NUM_THREADS: with OMP_NUM_THREADS=1 exported it said
# CPUs=1 and the 2-task job pended forever (reason PartitionConfig).
node=$(slurmd -C 2> /dev/null | head -1 | tr ' ' '\n' |
       grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
[ -n "$node" ] || node="CPUs=$(nproc --all)"
cat > "$conf/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
# A requeued job waits cred_expire seconds before it starts again (default 120;
# starting it earlier gets it killed with "Job credential revoked").
AuthInfo=cred_expire=10
MpiDefault=none
ProctrackType=proctrack/linuxproc
# task/affinity: srun --cpu-bind=cores (jobs/slurm_run.sh) really binds.
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$conf/state
SlurmdSpoolDir=$conf/spool
SlurmctldPidFile=$conf/slurmctld.pid
SlurmdPidFile=$conf/slurmd.pid
SlurmctldLogFile=$conf/log/slurmctld.log
SlurmdLogFile=$conf/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
KillWait=5
NodeName=localhost NodeHostname=localhost $node RealMemory=$mem_mb
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf/slurm.conf
ctld= slurmd_pid=
stop_daemons() {
  # Only the two daemons this test started, by PID.
  for pid in $slurmd_pid $ctld; do kill "$pid" 2> /dev/null || true; done
  for pid in $slurmd_pid $ctld; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$WORK"
}
trap stop_daemons EXIT
slurmctld -D -i > "$conf/log/ctld.out" 2>&1 &
ctld=$!
slurmd -D -N localhost > "$conf/log/slurmd.out" 2>&1 &
slurmd_pid=$!
for i in $(seq 1 150); do
  [ "$(sinfo -h -o %T 2> /dev/null | head -1)" = idle ] && break
  sleep 0.2
done
[ "$(sinfo -h -o %T 2> /dev/null | head -1)" = idle ] || {
  tail -5 "$conf"/log/*.log >&2; fail "SLURM node never became idle"; }

# A job that can never start (more CPUs than the node has, a bad partition...)
# pends with a reason: say it at once instead of waiting for the timeout.
# Priority/Resources/None: it waits its turn; BeginTime: a requeued job waiting
# cred_expire; JobHeldAdmin: briefly, while a requeue is processed; Dependency:
# an afterok job waiting for the jobs it depends on.
check_pending() {  # check_pending JOB
  local line state reason
  line=$(squeue -h -j "$1" -o '%T %r' 2> /dev/null || true)
  state=${line%% *}
  reason=${line#* }
  [ "$state" = PENDING ] || return 0
  case "$reason" in
    None | Priority | Resources | BeginTime | JobHeldAdmin | Dependency | "") return 0 ;;
  esac
  scontrol show job "$1" >&2 || true
  sinfo -N -o '%N %T %c %z' >&2 || true
  fail "job $1 cannot start: pending, reason $reason"
}

wait_job() {  # wait_job JOB SECONDS: until the job has left the queue; fails when it
  local i                                # cannot start (check_pending) or is still there
  for i in $(seq 1 $(($2 * 2))); do
    [ -z "$(squeue -h -j "$1" 2> /dev/null)" ] && return 0
    [ $((i % 4)) = 0 ] && check_pending "$1"
    sleep 0.5
  done
  [ -z "$(squeue -h -j "$1" 2> /dev/null)" ] || fail "job $1 still queued/running after $2 s"
}
