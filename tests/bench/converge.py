#!/usr/bin/python3
"""Convergence study: which training setting gets single-task models within 0.02
median test NSE of a long early-stopped reference, at the least cost?

Runs `mpiexec -n RANKS mtl_mpi CONFIG` once per profile (lambda 0 only, the given
seeds, overrides from PROFILES or --profile NAME=KEY=VALUE,...), reads each results
file and prints per profile: the median over sites of the median test NSE (primary)
over seeds, its difference to the reference profile, the mean epochs run and the
cost: sequence-epochs per run (epochs run x training windows of 365 days, which the
FLOPs are proportional to, independent of machine load) relative to the paper's
50 x 25, and the measured training seconds per run (wall, so load-dependent). Not a test: a documented benchmark (docs/science.md).

  /usr/bin/python3 tests/bench/converge.py jobs/demo.ini --seeds 0-2 [--ranks 2]
  /usr/bin/python3 tests/bench/converge.py jobs/camels_flow.ini --seeds 0-4 \
      --train-days 3653 --set data.sites=01022500
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

# name -> command-line overrides of mtl_mpi ("reference" is the yardstick).
PROFILES = {
    "reference": ["--train.epochs", "5000", "--train.patience", "300"],
    "paper": ["--train.epochs", "50"],
    "full300": ["--train.epochs", "300"],
    "full1000_p50": ["--train.epochs", "1000", "--train.patience", "50"],
    "lr3e-3_500_p50": ["--train.epochs", "500", "--train.patience", "50",
                       "--train.learning_rate", "0.003"],
    "mb5_s73_100_p20": ["--train.epochs", "100", "--train.patience", "20", "--train.batch", "5",
                        "--data.train_stride", "73"],
    "mb8_s73_60_p15": ["--train.epochs", "60", "--train.patience", "15", "--train.batch", "8",
                       "--data.train_stride", "73"],
}


def run_profile(args, name, overrides, work):
    out = os.path.join(work, f"{name}.h5")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [args.mpiexec, "--oversubscribe", "-n", str(args.ranks), args.mtl_mpi, args.config,
           "--experiment.output", out, "--grid.lambdas", "0", "--grid.seeds", args.seeds,
           "--output.loss_curves", "false", "--output.predictions", "none"] + args.overrides + overrides
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"converge.py: profile {name} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    with h5py.File(out, "r") as f:
        nse = f["nse"][:, 0, :, 2, 0]                   # [site, seed] test, primary role 0
        site_med = np.nanmedian(nse, axis=1)
        secs = float(np.nansum(f["train_seconds"][()]))
        epochs = float(np.nanmean(f["epochs_run"][()]))
        runs = int(np.prod(f["train_seconds"].shape))
    stride = int(overrides[overrides.index("--data.train_stride") + 1]) \
        if "--data.train_stride" in overrides else 365
    windows = (args.train_days - 365) // stride + 1
    return {"nse": float(np.nanmedian(site_med)), "site_med": site_med, "secs": secs / runs,
            "epochs": epochs, "work": epochs * windows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--mtl-mpi", default="build/src/mtl_mpi")
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--only", default="", help="comma-separated profile names")
    ap.add_argument("--train-days", type=int, default=9131, help="days of [data] train (cost)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an override for every profile, e.g. --set data.sites=01022500")
    ap.add_argument("--profile", action="append", default=[],
                    help="NAME=--key,value,--key,value (added to the list)")
    args = ap.parse_args()
    args.overrides = [w for kv in args.set for w in ("--" + kv.split("=", 1)[0], kv.split("=", 1)[1])]
    profiles = dict(PROFILES)
    for p in args.profile:
        name, rest = p.split("=", 1)
        profiles[name] = rest.split(",")
    if args.only:
        keep = set(args.only.split(",")) | {"reference", "paper"}
        profiles = {k: v for k, v in profiles.items() if k in keep}
    with tempfile.TemporaryDirectory(prefix="mtl_converge_") as work:
        res = {name: run_profile(args, name, o, work) for name, o in profiles.items()}
    ref, paper = res["reference"], res["paper"]
    print(f"# {args.config}, lambda 0, seeds {args.seeds}; NSE = median over sites of the "
          f"median test NSE over seeds")
    print("| profile | test NSE | vs reference | worst site vs reference | epochs run | "
          "sequence-epochs | cost vs paper | train s/run (wall) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in res.items():
        worst = float(np.nanmin(r["site_med"] - ref["site_med"]))
        print(f"| {name} | {r['nse']:.3f} | {r['nse'] - ref['nse']:+.3f} | {worst:+.3f} | "
              f"{r['epochs']:.0f} | {r['work']:.0f} | {r['work'] / paper['work']:.1f}x | "
              f"{r['secs']:.2f} |")


if __name__ == "__main__":
    main()
