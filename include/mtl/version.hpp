#pragma once
// What every program answers to --version, in one place: the program's version
// and git hash, then one line per numeric backend this build can use on this
// CPU. A new backend adds its line in version_report (src/core/version.cpp).
#include <string>

namespace mtl {

/// "PROGRAM VERSION (git HASH)\n" followed by one "backend NAME: ..." line per backend
/// and what backend = auto picks (backend.hpp). Throws ConfigError on a bad MTL_MAX_ISA.
std::string version_report(const std::string& program);

/// This build's version (CMake project version) and git commit (short hash, or "unknown").
std::string program_version();
std::string git_hash();

/// oneDNN's library version, e.g. "2.6.3", and its build, e.g. "hash 7710ed0...".
std::string onednn_version();
std::string onednn_hash();

/// The instruction set oneDNN dispatches to on this CPU (ONEDNN_MAX_CPU_ISA caps it),
/// e.g. "avx512_core_bf16".
std::string onednn_isa();

}  // namespace mtl
