#!/usr/bin/env bash
# More ranks than runs: the ranks without runs still join the collective write
# (empty selections) and the file equals a 1-rank run's.
source "$(dirname "$0")/common.sh"
make_data
# 1 site x 2 lambdas x 1 seed = 2 runs.
export SITES=synth001
write_ini one "$WORK/one.h5" 3 0
run_mtl 1 "$WORK/one.ini"
expect_rc 0 "-n 1"
write_ini five "$WORK/five.h5" 3 0
run_mtl 5 "$WORK/five.ini"
expect_rc 0 "-n 5 with 2 runs"
[ "$(attr "$WORK/five.h5" runs_total)" = 2 ] || fail "runs_total"
same_results "$WORK/one.h5" "$WORK/five.h5"
echo "many ranks: OK"
