// --version text and the oneDNN facts that the results file records too.
#include "mtl/version.hpp"

#include <oneapi/dnnl/dnnl.h>

#include "mtl/backend.hpp"
#include "mtl/build_info.hpp"

namespace mtl {
namespace {

const char* onednn_isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "all";
  }
}

}  // namespace

// MTL_VERSION is defined for this file only (src/CMakeLists.txt); the git hash is
// generated at build time (cmake/build_info.cmake: "-dirty+<digest>" when the tree
// has uncommitted changes), so a new commit recompiles one small file.
std::string program_version() { return MTL_VERSION; }
std::string git_hash() { return build_git_hash(); }

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

std::string onednn_hash() { return std::string("hash ") + dnnl_version()->hash; }

std::string onednn_isa() { return onednn_isa_name(dnnl_get_effective_cpu_isa()); }

std::string version_report(const std::string& program) {
  std::string s = program + " " + program_version() + " (git " + git_hash() + ")\n";
  return s + numeric_paths_summary() + "\n";
}

}  // namespace mtl
