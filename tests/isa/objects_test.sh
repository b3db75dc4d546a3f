#!/usr/bin/env bash
# The portable build: no object outside the per-ISA kernel units contains an
# AVX, AVX2 or AVX-512 instruction (any VEX/EVEX-encoded v* instruction or an
# AVX-512 mask k* instruction), the AVX2 unit contains no AVX-512, and the kernel
# units define no weak (COMDAT) symbol the linker could pick for baseline code.
# Then the same check on the linked mtl_mpi, function by function.
# Env: MTL_CORE_LIB, MTL_IO_LIB (static libraries), MTL_MPI (program).
set -euo pipefail
[[ "$(uname -m)" == x86_64 ]] || { echo "SKIP: not x86-64"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# AT&T mnemonics: VEX/EVEX instructions start with v (verr/verw are legacy),
# AVX-512 mask instructions with k.
vector_lines() { objdump -d --no-show-raw-insn "$1" | grep -E $'^\s+[0-9a-f]+:\t(v|k)[a-z]' | grep -vE $'\t(verr|verw)' || true; }
fail=0
checked=0
for lib in "$MTL_CORE_LIB" "$MTL_IO_LIB"; do
  mkdir -p "$work/x" && rm -f "$work"/x/* && (cd "$work/x" && ar x "$lib")
  for obj in "$work"/x/*.o; do
    name=$(basename "$obj")
    checked=$((checked + 1))
    case "$name" in
      avx512.cpp.o) ;;
      avx2.cpp.o)
        if vector_lines "$obj" | grep -qE '%zmm|%k[0-7]|\{'; then
          echo "FAIL: $name (AVX2 unit) contains AVX-512 instructions"; fail=1
        fi ;;
      *)
        n=$(vector_lines "$obj" | wc -l)
        if [[ $n -gt 0 ]]; then
          echo "FAIL: $name ($(basename "$lib")) has $n AVX/AVX2/AVX-512 instructions, e.g.:"
          vector_lines "$obj" | head -3; fail=1
        fi ;;
    esac
    case "$name" in
      avx512.cpp.o|avx2.cpp.o|generic.cpp.o)
        weak=$(nm -C --defined-only "$obj" | awk '$2 ~ /^[WVu]$/' || true)
        if [[ -n "$weak" ]]; then echo "FAIL: $name defines weak symbols:"; echo "$weak" | head; fail=1; fi ;;
    esac
  done
done
[[ $checked -gt 20 ]] || { echo "FAIL: only $checked objects found"; exit 1; }
# In the program, vector instructions may appear only in the kernels' own
# functions (internal linkage in mtl::kernels::(anonymous namespace)).
bad=$(objdump -d --no-show-raw-insn -C "$MTL_MPI" | awk '
  /^[0-9a-f]+ <.*>:$/ { fn = $0; next }
  /^\s+[0-9a-f]+:\t(v|k)[a-z]/ && $0 !~ /\t(verr|verw)/ { if (fn !~ /mtl::kernels::\(anonymous namespace\)::/) print fn }' | sort -u)
if [[ -n "$bad" ]]; then echo "FAIL: vector instructions outside the kernels in mtl_mpi:"; echo "$bad" | head; fail=1; fi
kern=$(objdump -d --no-show-raw-insn -C "$MTL_MPI" | grep -cE '%zmm' || true)
[[ $kern -gt 0 ]] || { echo "FAIL: no AVX-512 code at all in mtl_mpi: the check would be vacuous"; fail=1; }
[[ $fail -eq 0 ]] && echo "OK: $checked objects; vector code only in the kernel units ($kern AVX-512 instructions there)"
exit $fail
