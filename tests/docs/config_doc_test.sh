#!/usr/bin/env bash
# docs/config.md's table of keys must be exactly what `mtl_mpi --help-config=markdown`
# prints (the table of src/core/config_keys_*.cpp), so the document cannot drift.
#   bash tests/docs/config_doc_test.sh            check (ctest: docs.config_table)
#   bash tests/docs/config_doc_test.sh --update   rewrite the table in docs/config.md
# MTL_MPI names the program (default build/src/mtl_mpi).
set -euo pipefail
root=${MTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
program=${MTL_MPI:-$root/build/src/mtl_mpi}
doc=$root/docs/config.md
begin='<!-- begin: mtl_mpi --help-config=markdown -->'
end='<!-- end: mtl_mpi --help-config=markdown -->'

for marker in "$begin" "$end"; do
  n=$(grep -cxF -- "$marker" "$doc" || true)
  if [ "$n" != 1 ]; then
    echo "FAIL: $doc must hold the line '$marker' once (found $n)" >&2
    exit 1
  fi
done
want=$("$program" --help-config=markdown)
# Through ENVIRON, not awk -v: -v would turn the table's \| into |.
export B="$begin" E="$end" T="$want"
have=$(awk '$0 == ENVIRON["E"] { p = 0 } p { print } $0 == ENVIRON["B"] { p = 1 }' "$doc")

if [ "${1:-}" = --update ]; then
  tmp=$(mktemp)
  awk '$0 == ENVIRON["E"] { print ENVIRON["T"]; p = 0 } !p { print } $0 == ENVIRON["B"] { p = 1 }' \
      "$doc" > "$tmp"
  mv "$tmp" "$doc"
  echo "updated $doc"
  exit 0
fi
if [ "$have" != "$want" ]; then
  echo "FAIL: the table in $doc differs from '$program --help-config=markdown'" >&2
  echo "(< the document, > the program; fix with: bash tests/docs/config_doc_test.sh --update)" >&2
  diff <(printf '%s\n' "$have") <(printf '%s\n' "$want") >&2 || true
  exit 1
fi
echo "ok: $doc's table is the program's ($(printf '%s\n' "$want" | wc -l) lines)"
