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
[ ! -e "$WORK/kill.h5" ] || fail "a results file appeared although every rank was killed"
before=$(journal_records "$WORK/kill.h5.journal")
[ "$before" -lt 36 ] || fail "the kill came too late ($before runs journaled)"
echo "killed with $before of 36 runs journaled"

run_mtl 3 "$WORK/kill.ini" --resume
expect_rc 0 "--resume -n 3"
trained=$(sed -n 's/.*this launch trained \([0-9]*\) runs.*/\1/p' "$WORK/last.log")
[ "$trained" = $((36 - before)) ] || fail "resume trained $trained runs, expected $((36 - before))"
[ "$(attr "$WORK/kill.h5" complete)" = 1 ] || fail "resumed file not complete"
same_results "$WORK/ref.h5" "$WORK/kill.h5"
echo "kill -9 + resume: OK"
