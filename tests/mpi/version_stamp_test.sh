#!/usr/bin/env bash
# The git hash is taken at build time with a dirty flag (issue 13, item 7):
# cmake/build_info.cmake run on a scratch repository follows commits and
# edits made after configuring, and rewrites its output only on a change.
source "$(dirname "$0")/common.sh"
command -v git > /dev/null || { echo "skip: git not installed"; exit 77; }
command -v cmake > /dev/null || { echo "skip: cmake not installed"; exit 77; }
src=${MTL_SOURCE_DIR:?}
repo=$WORK/repo out=$WORK/build_info.cpp
stamp() { cmake -DSOURCE_DIR="$repo" -DOUT="$out" -P "$src/cmake/build_info.cmake" && grep -o 'return "[^"]*"' "$out"; }
git init -q "$repo"
git -C "$repo" -c user.email=t@t -c user.name=t commit -q --allow-empty -m one
echo a > "$repo/f" && git -C "$repo" add f && git -C "$repo" -c user.email=t@t -c user.name=t commit -q -m two
head=$(git -C "$repo" rev-parse --short=12 HEAD)
[ "$(stamp)" = "return \"$head\"" ] || fail "clean tree: $(stamp), expected $head"
before=$(stat -c %y "$out"); sleep 1.1
stamp > /dev/null
[ "$(stat -c %y "$out")" = "$before" ] || fail "unchanged tree rewrote $out (everything would relink)"
echo b > "$repo/f"
dirty1=$(stamp)
echo "$dirty1" | grep -q "return \"$head-dirty+[0-9a-f]\{8\}\"" || fail "edited tree: $dirty1"
echo c > "$repo/f"
[ "$(stamp)" != "$dirty1" ] || fail "two different edits give the same stamp"
git -C "$repo" -c user.email=t@t -c user.name=t commit -q -am three
[ "$(stamp)" = "return \"$(git -C "$repo" rev-parse --short=12 HEAD)\"" ] || fail "after commit: $(stamp)"
rm -rf "$repo/.git"
[ "$(stamp)" = 'return "unknown"' ] || fail "without git: $(stamp)"
# The built program reports the stamp in the same form (and results files and
# journals carry it).
"$MTL_MPI" --version | grep -Eq '^mtl_mpi [0-9.]+ \(git ([0-9a-f]{12}(-dirty\+[0-9a-f]{8})?|unknown)\)$' ||
  fail "mtl_mpi --version: $("$MTL_MPI" --version)"
echo "build-time version stamp: OK"
