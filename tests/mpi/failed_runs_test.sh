#!/usr/bin/env bash
# A failed run is data, not a crash: a site without any flow observation makes
# its runs fail (status 2 with a reason), the other sites' runs finish, the
# file is complete and the exit code is 3 (kExitRunsFailed).
source "$(dirname "$0")/common.sh"
make_data
"$PY" - "$WORK/synth3.nc" <<'PYEOF'
import sys, netCDF4, numpy as np
with netCDF4.Dataset(sys.argv[1], "a") as ds:
    ids = [str(s) for s in ds["site_id"][:]]
    ds["flow"][ids.index("synth001"), :] = np.nan
PYEOF
write_ini f "$WORK/f.h5" 3 0-1
run_mtl 2 "$WORK/f.ini"
expect_rc 3 "grid with a site without flow"
"$PY" - "$WORK/f.h5" <<'PYEOF'
import sys, xarray as xr
ds = xr.open_dataset(sys.argv[1])
st = ds.status
assert (st.sel(site="synth001") == 2).all(), st.values
assert (st.sel(site=["synth000", "synth002"]) == 1).all(), st.values
msg = ds.message.sel(site="synth001").values.ravel()
assert all(m for m in msg), msg
assert ds.attrs["complete"] == 1 and ds.attrs["runs_failed"] == 4, dict(ds.attrs)
print("failed runs:", sorted(set(msg)))
PYEOF
grep -q "4 failed" "$WORK/last.log" || fail "summary does not report the failed runs"
echo "failed runs: OK"
