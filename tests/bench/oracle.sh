#!/usr/bin/env bash
# Oracle checks of synthetic world 2 (docs/synthetic.md, "Oracle checks"): with the
# real programs, on sites chosen by the truth stored in the data file, does the
# world give the answer it claims?
#   V1  drivers + true hidden states (swe_true soil_true gw_true) beat drivers alone
#   V2  multi-task with a true hidden state (soil_true) as auxiliary beats single-task
#   V3  multi-task with temperature gains at truth-positive sites; the gain vanishes
#       with the temperature link off, with the temperature years shuffled, and at
#       truth-negative sites (hidden temperature variance from groundwater mixing only)
#   V4  the gain shrinks when the flow record is complete (25 training years, not 1-2)
# Prints the numbers and PASS/FAIL per check; exit status 0 only when all pass.
# Training: the converged profile (jobs/*_converged.ini: Adam lr 0.005, at most 200 epochs,
# patience 20 on the primary validation loss), seeds 0-9: 1,280 runs, ~10 min on 2 cores.
# Usage: [RANKS=2] [SEEDS=0-9] [MTL_BIN=build/src] bash tests/bench/oracle.sh [WORKDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MTL_BIN:-$root/build/src}
work=${1:-/tmp/mtl_oracle}
ranks=${RANKS:-2}
seeds=${SEEDS:-0-9}
py=${MTL_PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p "$work"
echo "oracle: $(nproc) cpus, $(lscpu | sed -n 's/^Model name: *//p'); work folder $work"

# The world: default seed, short flow records (the default 1-2 training years), and its controls.
synth() { "$bin/mtl_data" synth --sites 101 --years 40 --seed 1 "$@" > /dev/null; }
synth --out "$work/short.nc"
synth --temp-link off --out "$work/link_off.nc"
synth --shuffle-temp-years --out "$work/shuffled.nc"
synth --short-flow none --out "$work/full.nc"

# Sites from the stored truth: every truth-positive site, and the 8 truth-negative
# sites with the largest hidden share of temperature variance.
IFS=$'\t' read -r positive negative < <("$py" "$root/tests/bench/oracle_check.py" sites "$work/short.nc")
echo "truth-positive sites: $positive"
echo "truth-negative sites (high hidden share, little snow): $negative"

# The converged profile and the demo's periods are jobs/demo_converged.ini's: the
# oracle overrides only what it varies (data file, sites, lambdas, seeds, outputs).
base=("$root/jobs/demo_converged.ini" --experiment.name oracle --grid.seeds "$seeds"
      --output.loss_curves false --output.predictions none)
run() {  # run NAME DATA ARGS...: one grid on $work/DATA.nc, results in $work/NAME.h5
  local name=$1 data=$2
  shift 2
  local t0=$SECONDS
  mpirun -n "$ranks" "$bin/mtl_mpi" "${base[@]}" --data.file "$work/$data.nc" --overwrite \
    --experiment.output "$work/$name.h5" "$@" > "$work/$name.log" 2>&1 || { tail -5 "$work/$name.log"; exit 1; }
  echo "  $name: $((SECONDS - t0)) s"
}
echo "training (logs in $work/*.log):"
run base short --data.sites "$positive $negative" --grid.lambdas "0 1"
run truth_inputs short --data.sites "$positive" --grid.lambdas 0 \
  --data.drivers "dayl prcp srad swe tmax tmin vp swe_true soil_true gw_true"
run aux_soil short --data.sites "$positive" --grid.lambdas 1 --experiment.auxiliary soil_true
run link_off link_off --data.sites "$positive" --grid.lambdas 1
run shuffled shuffled --data.sites "$positive" --grid.lambdas 1
run full full --data.sites "$positive" --grid.lambdas "0 1"
"$py" "$root/tests/bench/oracle_check.py" check "$work" "$positive" "$negative"
