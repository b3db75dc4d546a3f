#!/usr/bin/env bash
# Prints the number of physical cores this process may use: the affinity mask
# (`nproc` without the OpenMP variables, which it would honour: many clusters
# export OMP_NUM_THREADS=1) divided by the hardware threads per core, so that
# one rank per core never puts two ranks on one core. Used by quickstart.sh and study.sh.
cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
per_core=$(lscpu 2> /dev/null | awk -F: '/^Thread\(s\) per core/ {gsub(/ /, "", $2); print $2}')
cores=$((cpus / ${per_core:-1}))
[ "$cores" -ge 1 ] || cores=1
echo "$cores"
