#!/usr/bin/env bash
# `mtl_data synth --twin FILE` writes the counterfactual twin of issue 22: the same
# world with the temperature link off. The world file is byte-identical to a plain
# synth, the twin to `--temp-link off` with the same seed; the two differ only in
# water temperature and its truth (flow and drivers are checked equal in
# synth_world2_test), and the twin's link strength is 0 at every site.
source "$(dirname "$0")/common.sh"
cd "$WORK"
"$MTL_DATA" synth --sites 4 --years 12 --seed 3 --out world.nc --twin twin.nc > /dev/null
"$MTL_DATA" synth --sites 4 --years 12 --seed 3 --out plain.nc > /dev/null
"$MTL_DATA" synth --sites 4 --years 12 --seed 3 --temp-link off --out off.nc > /dev/null
cmp -s world.nc plain.nc || fail "--twin changed the world file"
cmp -s twin.nc off.nc || fail "the twin is not the --temp-link off world"
"$PY" - <<'PYEOF' || fail "twin contents"
import h5py, numpy as np
with h5py.File("world.nc", "r") as w, h5py.File("twin.nc", "r") as t:
    assert np.array_equal(w["flow"][...], t["flow"][...], equal_nan=True)
    assert not np.array_equal(w["temp"][...], t["temp"][...], equal_nan=True)
    assert (t["temp_link"][...] == 0).all() and (w["temp_link"][...] > 0).any()
PYEOF
# Refused with one line and the usage status: a world without a link, or one file.
for args in "--world 1 --out a.nc --twin b.nc" "--temp-link off --out a.nc --twin b.nc" \
            "--out a.nc --twin a.nc"; do
  set +e
  "$MTL_DATA" synth --sites 2 --years 4 $args > out.txt 2> err.txt
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "synth $args: exit $rc, expected 1"
  [ "$(wc -l < err.txt)" = 1 ] && grep -q -- "--twin" err.txt || fail "synth $args: $(cat err.txt)"
  [ ! -e b.nc ] || fail "synth $args wrote the twin"
done
echo "twin_test: ok"
