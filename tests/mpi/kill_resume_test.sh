#!/usr/bin/env bash
# kill -9 of every rank part-way, then --resume with another rank count: the
# final file equals an uninterrupted run's, and journaled runs are not redone.
source "$(dirname "$0")/common.sh"
make_data
# 3 sites x 2 lambdas x 6 seeds = 36 runs of 3000 epochs (~0.1-0.3 s each on the lockstep path).
write_ini ref "$WORK/ref.h5" 3000 0-5
run_mtl 2 "$WORK/ref.ini"
expect_rc 0 "uninterrupted run"

write_ini kill "$WORK/kill.h5" 3000 0-5
"${MPIRUN[@]}" -n 2 "$MTL_MPI" "$WORK/kill.ini" > "$WORK/kill.log" 2>&1 &
launcher=$!
wait_records "$WORK/kill.h5.journal" 4 120
ranks=$(pgrep -P "$launcher" || true)
[ -n "$ranks" ] || fail "no rank processes under mpiexec $launcher"
kill -9 $ranks
wait "$launcher" || true
# A rank whose mpiexec is gone is reaped by pid 1, which in some sandboxes does so
# up to ~2 s later; until then kill -0 still finds its pid and the lock below would
# read as held, not stale. Wait (at most 20 s) for the killed pids to vanish.
for _ in $(seq 200); do
  alive=0
  for p in $ranks; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ "$alive" -eq 0 ] && break
  sleep 0.1
done
[ ! -e "$WORK/kill.h5" ] || fail "a results file appeared although every rank was killed"
before=$(journal_records "$WORK/kill.h5.journal")
[ "$before" -lt 36 ] || fail "the kill came too late ($before runs journaled)"
echo "killed with $before of 36 runs journaled"

# The killed launch could not remove its lock: it is reported as stale (its
# pid is gone on this host) with how to break it, and nothing is touched.
run_mtl 3 "$WORK/kill.ini" --resume
expect_rc 2 "--resume with the killed launch's lock"
grep -q "stale lock: mtl_mpi pid [0-9]* on host .* is gone; .*rm '$WORK/kill.h5.lock'" "$WORK/last.log" ||
  fail "stale lock message: $(cat "$WORK/last.log")"
[ "$(journal_records "$WORK/kill.h5.journal")" = "$before" ] || fail "the refused launch changed the journal"
rm "$WORK/kill.h5.lock"

run_mtl 3 "$WORK/kill.ini" --resume
expect_rc 0 "--resume -n 3"
trained=$(sed -n 's/.*this launch trained \([0-9]*\) runs.*/\1/p' "$WORK/last.log")
[ "$trained" = $((36 - before)) ] || fail "resume trained $trained runs, expected $((36 - before))"
[ "$(attr "$WORK/kill.h5" complete)" = 1 ] || fail "resumed file not complete"
same_results "$WORK/ref.h5" "$WORK/kill.h5"
[ ! -e "$WORK/kill.h5.lock" ] || fail "the finished launch left its lock"
ls "$WORK" | grep -q "kill.h5.part" && fail "partial files left: $(ls "$WORK")"
echo "kill -9 + resume: OK"
