// Placeholder until the training core lands; the training-core work deletes this file.
#include "mtl/train.hpp"

namespace mtl {
RunResult train_run(const RunSpec& run, const SiteData&, const Config&, RunTrace*) {
  RunResult r;
  r.run_id = run.run_id;
  r.status = RunStatus::failed;
  r.message = "training core not built yet";
  return r;
}
}  // namespace mtl
