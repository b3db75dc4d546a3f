#!/usr/bin/env bash
# The whole study in one command: experiments 1-4 on the default data, then the
# report (analysis/report.py) and the CSV tables (analysis/summarize.py).
#
#   bash jobs/study.sh [--profile converged|paper] [--experiments 1,2,3,4] [--seeds SPEC]
#                      [--ranks N] [--out DIR] [--twin] [--slurm] [-- MTL_MPI_OPTIONS...]
#
# Run it from the folder where data/ and results/ belong (the repository root).
# Locally: each experiment with mpirun, one rank per core (--ranks N to change),
# always with --resume, so a rerun finishes what is journaled and skips what is
# done. --slurm: submits the experiment jobs (jobs/expN.slurm) and a report job
# (jobs/report.slurm) that starts only after all of them succeeded
# (sbatch --dependency=afterok:...), prints the job ids and returns.
# Profiles: converged (default) runs jobs/expN_converged.ini, paper jobs/expN.ini.
# Options after -- go to every mtl_mpi launch (e.g. --train.epochs 5).
# --twin: experiment 1 also on the default world's counterfactual twin
# (data/synth101_twin.nc: the temperature link off, docs/synthetic.md), into
# <exp1 stem>_twin.h5; summarize.py and report.py then score the detections
# against the link-specific gain (analysis/twin.py), summarize.py also how far
# that truth can be predicted at all (--ceiling 100, analysis/ceiling.py). Needs experiment 1 and the
# default data.
# Programs: MTL_MPI / MTL_DATA, else on PATH, else build/src/ of this checkout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "study.sh: $*" >&2; exit 2; }

profile=converged experiments=1,2,3,4 seeds= ranks= out= slurm=0 twin=0
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=${2:-}; shift 2 ;;
    --experiments) experiments=${2:-}; shift 2 ;;
    --seeds) seeds=${2:-}; shift 2 ;;
    --ranks) ranks=${2:-}; shift 2 ;;
    --out) out=${2:-}; shift 2 ;;
    --slurm) slurm=1; shift ;;
    --twin) twin=1; shift ;;
    --) shift; break ;;
    *) die "unknown option '$1' (see the header of jobs/study.sh)" ;;
  esac
done
extra=("$@")
[ -n "$seeds" ] && extra+=(--grid.seeds "$seeds")
case "$profile" in
  converged) suffix=_converged ;;
  paper) suffix= ;;
  *) die "--profile '$profile': expected converged or paper" ;;
esac
[[ "$experiments" =~ ^[1-4](,[1-4])*$ ]] || die "--experiments '$experiments': expected a list of 1-4, e.g. 1,3"
[ -z "$ranks" ] || [[ "$ranks" =~ ^[1-9][0-9]*$ ]] || die "--ranks '$ranks': expected a positive number"
out=${out:-results/study$suffix}

find_program() {  # find_program NAME ENV_VALUE
  if [ -n "$2" ]; then echo "$2"; elif command -v "$1" > /dev/null; then command -v "$1"
  else echo "$here/../build/src/$1"; fi
}
mtl=$(find_program mtl_mpi "${MTL_MPI:-}")
[ -x "$mtl" ] || die "no mtl_mpi (set MTL_MPI, put it on PATH, or build: bash jobs/quickstart.sh)"
analysis=$here/../analysis
py=${MTL_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# The default data set, once (as quickstart.sh makes it), unless --data.file names another.
own_data=0
for a in "${extra[@]}"; do [ "$a" = --data.file ] && own_data=1; done
if [ "$twin" = 1 ]; then
  [ "$own_data" = 0 ] || die "--twin: the twin is of the default data; drop --data.file"
  [[ ",$experiments," == *,1,* ]] || die "--twin: needs experiment 1 in --experiments"
fi
world=(synth --sites 101 --years 40 --seed 1)
if [ "$own_data" = 0 ] && [ ! -f data/synth101.nc ]; then
  mtl_data=$(find_program mtl_data "${MTL_DATA:-}")
  mkdir -p data
  if [ "$twin" = 1 ]; then
    "$mtl_data" "${world[@]}" --out data/synth101.nc --twin data/synth101_twin.nc
  else
    "$mtl_data" "${world[@]}" --out data/synth101.nc
  fi
fi
if [ "$twin" = 1 ] && [ ! -f data/synth101_twin.nc ]; then
  # The same file --twin writes (tests/mpi/twin_test.sh), beside an existing world.
  "$(find_program mtl_data "${MTL_DATA:-}")" "${world[@]}" --temp-link off --out data/synth101_twin.nc
fi
mkdir -p results

nums=() inis=() files=()
for n in ${experiments//,/ }; do
  ini=$here/exp$n$suffix.ini
  [ -f "$ini" ] || die "no $ini"
  file=$("$mtl" "$ini" "${extra[@]}" --dry-run | sed -n 's/^output: //p')
  [ -n "$file" ] || die "$ini: the dry run names no output (run: $mtl $ini --dry-run)"
  nums+=("$n") inis+=("$ini") files+=("$file")
done
twin_args=() twin_file=
if [ "$twin" = 1 ]; then
  for i in "${!nums[@]}"; do [ "${nums[$i]}" = 1 ] && twin_file=${files[$i]%.h5}_twin.h5 && exp1=$i; done
  twin_args=(--data.file data/synth101_twin.nc --experiment.output "$twin_file")
fi

if [ "$slurm" = 1 ]; then
  ids=()
  for i in "${!inis[@]}"; do
    slurm_args=(--parsable --export="ALL,MTL_INI=${inis[$i]},MTL_MPI=$mtl")
    [ -n "$ranks" ] && slurm_args+=(--ntasks "$ranks")
    id=$(sbatch "${slurm_args[@]}" "$here/exp${nums[$i]}.slurm" "${extra[@]}")
    echo "submitted $(basename "${inis[$i]}"): job $id -> ${files[$i]}"
    ids+=("${id%%;*}")
  done
  report_args=("$out")
  if [ "$twin" = 1 ]; then
    slurm_args=(--parsable --export="ALL,MTL_INI=${inis[$exp1]},MTL_MPI=$mtl")
    [ -n "$ranks" ] && slurm_args+=(--ntasks "$ranks")
    id=$(sbatch "${slurm_args[@]}" "$here/exp1.slurm" "${extra[@]}" "${twin_args[@]}")
    echo "submitted $(basename "${inis[$exp1]}") on the twin: job $id -> $twin_file"
    ids+=("${id%%;*}")
    report_args+=(--twin "$twin_file" --twin-of "${files[$exp1]}")
  fi
  dep=$(IFS=:; echo "${ids[*]}")
  id=$(sbatch --parsable --dependency="afterok:$dep" --export="ALL,MTL_PYTHON=$py" \
         "$here/report.slurm" "${report_args[@]}" "${files[@]}")
  echo "submitted report: job $id (after $dep) -> $out/report.html"
  exit 0
fi

ranks=${ranks:-$(bash "$here/cores.sh")}
for i in "${!inis[@]}"; do
  echo "== study: $(basename "${inis[$i]}") on $ranks ranks -> ${files[$i]}"
  rc=0
  mpirun -n "$ranks" --bind-to core "$mtl" "${inis[$i]}" --resume "${extra[@]}" || rc=$?
  # 3: the grid finished but some runs failed: the report counts them.
  [ "$rc" = 0 ] || [ "$rc" = 3 ] || die "$(basename "${inis[$i]}"): mtl_mpi exit code $rc (rerun this command to resume)"
  if [ "$twin" = 1 ] && [ "$i" = "$exp1" ]; then
    echo "== study: $(basename "${inis[$i]}") on the twin (temperature link off) -> $twin_file"
    rc=0
    mpirun -n "$ranks" --bind-to core "$mtl" "${inis[$i]}" --resume "${extra[@]}" "${twin_args[@]}" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || die "twin of $(basename "${inis[$i]}"): mtl_mpi exit code $rc (rerun this command to resume)"
  fi
done
report_twin=()
for i in "${!files[@]}"; do
  args=()
  # --ceiling 100: the twin truth re-measured on resampled seeds (ceiling.py, ~100 s at 101 x 30).
  [ "$twin" = 1 ] && [ "$i" = "$exp1" ] && args=(--twin "$twin_file" --ceiling 100)
  "$py" "$analysis/summarize.py" "${files[$i]}" -q "${args[@]}"
done
ordered=("${files[@]}")
if [ "$twin" = 1 ]; then  # report.py's --twin belongs to its first file: experiment 1 first
  ordered=("${files[$exp1]}")
  for i in "${!files[@]}"; do [ "$i" = "$exp1" ] || ordered+=("${files[$i]}"); done
  report_twin=(--twin "$twin_file")
fi
page=$("$py" "$analysis/report.py" "${ordered[@]}" --out "$out" "${report_twin[@]}")
echo "== study: tables in <stem>_summary/ beside each results file; report: $page"
