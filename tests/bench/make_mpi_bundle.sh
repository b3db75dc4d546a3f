#!/usr/bin/env bash
# Pack mtl_mpi/mtl_data with every shared library they need and the Open MPI
# runtime (mpirun, plugins, help files, PMIx) into one tarball, so the scaling
# benchmark can run on a machine without Debian's packages.
# Usage: bash tests/bench/make_mpi_bundle.sh BUILD_DIR OUT.tar.xz
set -euo pipefail
build=$1 out=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/root"
cp "$build/src/mtl_mpi" "$build/src/mtl_data" /usr/bin/orterun /usr/bin/orted "$stage/bin/"
ln -s orterun "$stage/bin/mpirun"
# Open MPI and PMIx look for plugins and help files at their configured absolute
# paths: keep those paths under root/ and copy them to / on the target if absent.
for d in /usr/lib/x86_64-linux-gnu/openmpi /usr/lib/x86_64-linux-gnu/pmix2 /usr/share/openmpi \
         /usr/share/pmix /etc/openmpi; do
  [ -e "$d" ] && mkdir -p "$stage/root$(dirname "$d")" && cp -aL "$d" "$stage/root$d"
done
# Libraries of the programs and of every plugin (except the C runtime itself).
objs=("$stage"/bin/* $(find "$stage/root" -name '*.so*' -type f))
for o in "${objs[@]}"; do ldd "$o" 2>/dev/null | awk '/=> \// {print $3}'; done | sort -u |
  grep -vE '/(libc|libm|libdl|libpthread|librt|ld-linux-x86-64)\.so' |
  while read -r lib; do cp -L "$lib" "$stage/lib/"; done
tar -C "$stage" -cJf "$out" .
du -h "$out"
