"""Site choice and thresholds of the world-2 oracle checks (tests/bench/oracle.sh).

  oracle_check.py sites DATA.nc            -> "positive ids" TAB "negative ids"
  oracle_check.py check WORK "POS" "NEG"   -> prints the numbers, exit 1 if a check fails

Numbers are flow NSE on the test period (2010-2020), averaged over seeds per site;
a gain is (variant) - (single-task lambda = 0 on the same flow data). Single-task
runs do not depend on temperature, so the link-off and shuffled variants are
compared with the base run's lambda = 0 (same flow, same seeds, same numbers).
"""
import sys

import h5py
import numpy as np
import xarray as xr

N_NEGATIVE = 8  # truth-negative sites in the oracle (largest hidden share first)


def sites(path):
    with h5py.File(path, "r") as f:
        ids = [s.decode() if isinstance(s, bytes) else s for s in f["site_id"][...]]
        expected = f["temp_gain_expected"][...]
        share = f["temp_hidden_share"][...]
    pos = [i for i in range(len(ids)) if expected[i] == 1]
    neg = sorted((i for i in range(len(ids)) if expected[i] == 0), key=lambda i: -share[i])[:N_NEGATIVE]
    print(" ".join(ids[i] for i in pos) + "\t" + " ".join(ids[i] for i in sorted(neg)))


def nse(work, name, lam, site_ids):
    with xr.open_dataset(f"{work}/{name}.h5") as r:
        v = r.nse.sel(partition="test", variable="flow", site=site_ids, **{"lambda": lam})
        return v.mean("seed").values


def line(label, gain):
    return (f"{label:<44s} mean {gain.mean():+.4f}  median {np.median(gain):+.4f}  "
            f"better at {int((gain > 0).sum())}/{gain.size}")


def check(work, positive, negative):
    pos, neg = positive.split(), negative.split()
    base0 = nse(work, "base", 0.0, pos)
    gain = {
        "V1 truth inputs (single-task)": nse(work, "truth_inputs", 0.0, pos) - base0,
        "V2 auxiliary soil_true, lambda 1": nse(work, "aux_soil", 1.0, pos) - base0,
        "V3 auxiliary temp, lambda 1": nse(work, "base", 1.0, pos) - base0,
        "V3 ... temperature link off": nse(work, "link_off", 1.0, pos) - base0,
        "V3 ... temperature years shuffled": nse(work, "shuffled", 1.0, pos) - base0,
        "V3 ... at truth-negative sites": nse(work, "base", 1.0, neg) - nse(work, "base", 0.0, neg),
        "V4 ... complete flow records": nse(work, "full", 1.0, pos) - nse(work, "full", 0.0, pos),
    }
    print(f"single-task flow test NSE at the {len(pos)} truth-positive sites: mean {base0.mean():.3f}")
    for label, g in gain.items():
        print(line(label, g))
    v1, v2, on, off, shuf, negative_gain, full = (g.mean() for g in gain.values())
    share_v1 = (gain["V1 truth inputs (single-task)"] > 0).mean()
    share_v2 = (gain["V2 auxiliary soil_true, lambda 1"] > 0).mean()
    share_on = (gain["V3 auxiliary temp, lambda 1"] > 0).mean()
    checks = [
        ("V1 truth inputs: mean gain >= 0.05 and better at >= 80 % of sites", v1 >= 0.05 and share_v1 >= 0.8),
        ("V2 true-state auxiliary: mean gain > 0 and better at > 50 % of sites", v2 > 0 and share_v2 > 0.5),
        ("V3 temperature auxiliary: mean gain >= 0.02, better at >= 60 % of sites", on >= 0.02 and share_on >= 0.6),
        ("V3 link off: gain <= half the linked gain", off <= on / 2),
        ("V3 years shuffled: gain <= half the linked gain", shuf <= on / 2),
        ("V3 truth-negative sites: gain <= half the positive sites' gain", negative_gain <= on / 2),
        ("V4 complete records: gain <= half the short-record gain", full <= on / 2),
    ]
    failed = 0
    for text, ok in checks:
        print(("PASS " if ok else "FAIL ") + text)
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1] == "sites":
        sites(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4]))
