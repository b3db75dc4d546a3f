#pragma once
// What was built: the git state of the source tree taken at BUILD time
// (cmake/build_info.cmake runs at every build), so a commit or an edit after
// `cmake -S . -B build` is not misreported.

namespace mtl {

/// "<12 hex>" (clean tree), "<12 hex>-dirty+<8 hex digest of git diff HEAD>"
/// (uncommitted changes to tracked files), or "unknown" (no git).
const char* build_git_hash();

}  // namespace mtl
