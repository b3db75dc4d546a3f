#!/usr/bin/env bash
# SIGTERM to the ranks (as SLURM/scancel do) and SIGUSR1 to mpiexec (which
# forwards it to every rank): each stops between journal writes, writes a file
# marked incomplete, exits 4 (kExitIncomplete); --resume finishes the grid.
source "$(dirname "$0")/common.sh"
make_data
# 48 runs of 3000 epochs (~0.1-0.3 s each on the lockstep path) on 2 ranks: plenty left when each signal arrives, even on a
# loaded machine (the signal is sent as soon as 2 more runs are journaled).
write_ini ref "$WORK/ref.h5" 3000 0-7
run_mtl 2 "$WORK/ref.ini"
expect_rc 0 "uninterrupted run"

write_ini sig "$WORK/sig.h5" 3000 0-7
stop_part_way() {  # stop_part_way SIGNAL TARGET(ranks|launcher) MIN_RECORDS ARGS...
  local sig=$1 target=$2 min=$3
  shift 3
  "${MPIRUN[@]}" -n 2 "$MTL_MPI" "$WORK/sig.ini" "$@" > "$WORK/sig.log" 2>&1 &
  local launcher=$!
  wait_records "$WORK/sig.h5.journal" "$min" 120
  if [ "$target" = ranks ]; then kill -"$sig" $(pgrep -P "$launcher"); else kill -"$sig" "$launcher"; fi
  rc=0
  wait "$launcher" || rc=$?
  if [ "$rc" != 4 ]; then cat "$WORK/sig.log" >&2; fail "$sig: exit code $rc, expected 4"; fi
  [ "$(attr "$WORK/sig.h5" complete)" = 0 ] || fail "$sig: file claims to be complete"
  local pending
  pending=$(attr "$WORK/sig.h5" runs_pending)
  [ "$pending" -gt 0 ] || fail "$sig: no pending runs"
  grep -q "INCOMPLETE" "$WORK/sig.log" || fail "$sig: no incomplete notice"
  echo "$sig to $target: stopped with $pending runs pending"
}
stop_part_way TERM ranks 2
stop_part_way USR1 launcher "$(( $(journal_records "$WORK/sig.h5.journal") + 2 ))" --resume
run_mtl 1 "$WORK/sig.ini" --resume
expect_rc 0 "--resume -n 1"
same_results "$WORK/ref.h5" "$WORK/sig.h5"
echo "signals: OK"
