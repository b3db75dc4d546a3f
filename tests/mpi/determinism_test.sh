#!/usr/bin/env bash
# -n 1, -n 2 and -n 3 give bit-identical result arrays (issue 5: deterministic),
# the saved weights included ([output] weights = final in common.sh's configs).
source "$(dirname "$0")/common.sh"
make_data
for n in 1 2 3; do
  write_ini det$n "$WORK/det$n.h5" 4 0-2
  run_mtl $n "$WORK/det$n.ini"
  expect_rc 0 "-n $n"
  [ "$(attr "$WORK/det$n.h5" complete)" = 1 ] || fail "-n $n: file not complete"
  [ "$(attr "$WORK/det$n.h5" ranks)" = $n ] || fail "-n $n: ranks attribute"
done
same_results "$WORK/det1.h5" "$WORK/det2.h5"
same_results "$WORK/det1.h5" "$WORK/det3.h5"
# The rows really came from different ranks (the split is not trivial).
"$PY" -c "
import h5py, sys
r = h5py.File('$WORK/det3.h5','r')['mpi_rank'][()]
assert sorted(set(r.ravel())) == [0, 1, 2], r
"
# multi_site: one model per (lambda, seed) on all sites; every site row of a run
# carries that run's per-site metrics, written by the rank that trained it.
for n in 1 3; do
  write_ini multi$n "$WORK/multi$n.h5" 4 0-2
  run_mtl $n "$WORK/multi$n.ini" --experiment.scope multi_site
  expect_rc 0 "multi_site -n $n"
done
same_results "$WORK/multi1.h5" "$WORK/multi3.h5"
echo "determinism: -n 1/2/3 identical (single_site), -n 1/3 identical (multi_site)"
