#!/usr/bin/env bash
# Reduced oracle checks of synthetic world 2 (the full ones: tests/bench/oracle.sh),
# small enough for CI: on the first three truth-positive sites of the default world
# with short flow records, trained to convergence (early stopping), two seeds:
#   V1  drivers + the true hidden stores as inputs beat drivers alone;
#   V2  multi-task with the true soil store as auxiliary beats single-task.
# Both fail if the truth series are wrong, mixed up with the drivers, or not read
# as the auxiliary target.
source "$(dirname "$0")/common.sh"
"$MTL_DATA" synth --sites 101 --years 40 --seed 1 --out "$WORK/w2.nc" > /dev/null
sites=$("$PY" - "$WORK/w2.nc" <<'PYEOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    ids = [s.decode() if isinstance(s, bytes) else s for s in f["site_id"][...]]
    print(" ".join([i for i, e in zip(ids, f["temp_gain_expected"][...]) if e == 1][:3]))
PYEOF
)
cat > "$WORK/oracle.ini" <<INI
[experiment]
name = oracle
[data]
file = $WORK/w2.nc
sites = $sites
train = 1980-10-01:2005-09-30
val = 2005-10-01:2010-09-30
test = 2010-10-01:2020-09-30
[train]
epochs = 1000
patience = 30
[grid]
lambdas = 0
seeds = 0-1
INI
run_mtl 2 "$WORK/oracle.ini" --experiment.output "$WORK/base.h5"
expect_rc 0 "single-task"
run_mtl 2 "$WORK/oracle.ini" --experiment.output "$WORK/truth.h5" \
  --data.drivers "dayl prcp srad swe tmax tmin vp swe_true soil_true gw_true"
expect_rc 0 "truth inputs"
run_mtl 2 "$WORK/oracle.ini" --experiment.output "$WORK/aux.h5" --grid.lambdas 1 --experiment.auxiliary soil_true
expect_rc 0 "auxiliary soil_true"
"$PY" - "$WORK" <<'PYEOF' || fail "oracle checks"
import sys, xarray as xr
w = sys.argv[1]
def nse(name, lam):
    with xr.open_dataset(f"{w}/{name}.h5") as r:
        assert r.attrs["auxiliary"] == ("soil_true" if name == "aux" else "temp"), r.attrs["auxiliary"]
        return r.nse.sel(partition="test", variable="flow", **{"lambda": lam}).mean("seed").values
base = nse("base", 0.0)
v1, v2 = nse("truth", 0.0) - base, nse("aux", 1.0) - base
print("single-task flow test NSE", base.round(3), "| V1 gain", v1.round(3), "| V2 gain", v2.round(3))
ok = v1.mean() >= 0.03 and (v1 > 0).all() and v2.mean() > 0 and (v2 > 0).sum() >= 2
sys.exit(0 if ok else 1)
PYEOF
echo "oracle_reduced_test: ok"
