#!/usr/bin/env bash
# Install the Debian 12 packages mtl_mpi needs (build, run, tests, analysis).
# Idempotent: installs only what is missing. Needs root (or sudo) when it installs.
set -euo pipefail
PKGS=(cmake g++ make git
      libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
      libdnnl-dev ocl-icd-opencl-dev libboost-program-options-dev libgtest-dev
      libblosc-dev nlohmann-json3-dev
      python3 python3-numpy python3-h5py python3-scipy python3-matplotlib
      python3-xarray python3-pandas python3-netcdf4 python3-pytest python3-torch libopenblas0-openmp
      udunits-bin
      slurm-wlm qemu-user
      chromium)   # tests/python/test_report_browser.py: the report page in headless Chromium
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
