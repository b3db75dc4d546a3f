#!/usr/bin/env bash
# Does the converged profile's epoch cap change an answer? Trains a sample of
# jobs/exp1_converged.ini (default: 12 sites x lambda 0 1 5 x seeds 0-3 = 144 runs)
# at its cap (200 epochs) and at a higher one (400), then, for the runs that hit
# the cap, compares their test NSE (flow, and temperature where lambda > 0).
# Record: docs/convergence.md ("The epoch cap").
# Usage: [CAP=400] [NP=2] [SITES=12] [SEEDS=0-3] bash tests/bench/epoch_cap.sh
set -euo pipefail
cap=${CAP:-400}
np=${NP:-2}
nsites=${SITES:-12}
seeds=${SEEDS:-0-3}
bin=${MTL_BIN:-build/src}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
work=$(mktemp -d /tmp/mtl_epoch_cap.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bin/mtl_data" synth --sites 101 --years 40 --seed 1 --out "$work/synth101.nc" > /dev/null
sites=$(for i in $(seq 0 $((nsites - 1))); do printf 'synth%03d ' $((i * 101 / nsites)); done)
echo "# $(date -u +%FT%TZ) git $(git rev-parse --short HEAD 2>/dev/null || echo unknown); sites: $sites; seeds $seeds"
for e in default "$cap"; do
  extra=()
  [ "$e" = default ] || extra=(--train.epochs "$e")
  mpirun --bind-to core -n "$np" "$bin/mtl_mpi" jobs/exp1_converged.ini --data.file "$work/synth101.nc" \
    --experiment.output "$work/cap_$e.h5" --overwrite --data.sites "$sites" \
    --grid.lambdas "0 1 5" --grid.seeds "$seeds" "${extra[@]}" > "$work/log" 2>&1 \
    || { tail -20 "$work/log"; exit 1; }
done
/usr/bin/python3 - "$work/cap_default.h5" "$work/cap_$cap.h5" <<'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
parts = [p.decode() if isinstance(p, bytes) else str(p) for p in a["partition"][...]]
test = parts.index("test")
cap_a = int(a["epochs_run"][...].max())
ea, eb = a["epochs_run"][...], b["epochs_run"][...]
hit = ea == cap_a  # [site, lambda, seed]
lam = a["lambda"][...]
print(f"runs {ea.size}; at the cap of {cap_a} epochs: {hit.sum()} ({100 * hit.mean():.0f} %)")
print(f"those runs at the higher cap: epochs run median {np.median(eb[hit]):.0f}, "
      f"{(eb[hit] == eb.max()).sum()} reach it; other runs unchanged: "
      f"{np.array_equal(ea[~hit], eb[~hit])}")
for v, name in enumerate(["flow", "temp"]):
    na, nb = a["nse"][..., test, v], b["nse"][..., test, v]
    sel = hit.copy()
    if v == 1:
        sel &= (lam > 0)[None, :, None]
    d = (nb - na)[sel]
    d = d[np.isfinite(d)]
    if d.size == 0:
        continue
    print(f"test NSE {name}, capped runs (n={d.size}): mean change {d.mean():+.4f}, "
          f"median {np.median(d):+.4f}, |change| > 0.02: {(np.abs(d) > 0.02).sum()}, "
          f"min {d.min():+.4f}, max {d.max():+.4f}")
    for j, l in enumerate(lam):
        dl = (nb - na)[..., j, :][hit[:, j, :]]
        dl = dl[np.isfinite(dl)]
        if dl.size and (v == 0 or l > 0):
            print(f"  lambda {l:g}: n={dl.size} mean {dl.mean():+.4f}; median NSE at the cap "
                  f"{np.nanmedian(na[:, j, :][hit[:, j, :]]):.3f} -> {np.nanmedian(nb[:, j, :][hit[:, j, :]]):.3f}")
EOF
