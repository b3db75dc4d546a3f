// Choosing the kernel variant once per process: the CPU's best, capped by
// MTL_MAX_ISA. Baseline code: it must run on any CPU, including those that
// would fault on the variant it rejects.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "mtl/errors.hpp"
#include "mtl/kernels.hpp"

namespace mtl::kernels {

#if MTL_X86_KERNELS
extern const Variant kAvx512Variant;
extern const Variant kAvx2Variant;
#endif
extern const Variant kGenericVariant;

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::generic: return "generic";
  }
  return "?";
}

const char* built_variants() { return MTL_X86_KERNELS ? "avx512 avx2 generic" : "generic"; }

Isa detected_isa() {
#if MTL_X86_KERNELS
  // x86-64-v4 and -v3 as GCC defines them (the -march of the two units); libgcc's
  // cpu model also checks that the OS saves the wider registers (XCR0).
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return Isa::avx512;
  if (__builtin_cpu_supports("x86-64-v3")) return Isa::avx2;
#endif
  return Isa::generic;
}

Isa isa_cap_from_env() {
  const char* s = std::getenv("MTL_MAX_ISA");
  if (!s || !*s) return Isa::avx512;
  const std::string v(s);
  if (v == "avx512") return Isa::avx512;
  if (v == "avx2") return Isa::avx2;
  if (v == "generic") return Isa::generic;
  throw ConfigError("environment: MTL_MAX_ISA = '" + v + "': must be avx512, avx2 or generic");
}

const Variant& variant(Isa isa) {
  if (static_cast<int>(isa) > static_cast<int>(detected_isa())) {
    throw ConfigError(std::string("kernel variant ") + isa_name(isa) +
                      " needs an instruction set this CPU lacks (best: " +
                      isa_name(detected_isa()) + ")");
  }
#if MTL_X86_KERNELS
  if (isa == Isa::avx512) return kAvx512Variant;
  if (isa == Isa::avx2) return kAvx2Variant;
#endif
  return kGenericVariant;
}

const Variant& selected_variant() {
  // A throw (bad MTL_MAX_ISA) leaves v uninitialised; the next call tries again.
  static const Variant& v = variant(static_cast<Isa>(
      std::min(static_cast<int>(isa_cap_from_env()), static_cast<int>(detected_isa()))));
  return v;
}

}  // namespace mtl::kernels
