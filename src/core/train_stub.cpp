// Placeholder until the training core lands; removed by it.
#include "mtl/train.hpp"

namespace mtl {
RunResult train_run(const RunSpec& run, const SiteData&, const Config&, RunTrace*) {
  RunResult r;
  r.run_id = run.run_id;
  r.status = RunStatus::failed;
  r.message = "training core not built yet";
  return r;
}
std::vector<RunResult> train_group(const std::vector<RunSpec>& runs, const SiteData& data,
                                   const Config& cfg) {
  std::vector<RunResult> out;
  for (const auto& r : runs) out.push_back(train_run(r, data, cfg));
  return out;
}
}  // namespace mtl
