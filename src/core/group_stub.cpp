// Placeholder until the lockstep trainer lands; the lockstep work deletes this file.
#include "mtl/train.hpp"

namespace mtl {
std::vector<RunResult> train_group(const std::vector<RunSpec>& runs, const SiteData& data,
                                   const Config& cfg) {
  std::vector<RunResult> out;
  for (const auto& r : runs) out.push_back(train_run(r, data, cfg));
  return out;
}
}  // namespace mtl
