#pragma once
// What a grid's finished runs depend on besides (site, lambda, seed), as named
// parts. Every journal file records them in its header; --resume refuses a
// journal whose parts differ and says WHICH part changed. A new part is one
// line in resume_provenance().
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/dataset.hpp"
#include "mtl/runner.hpp"

namespace mtl {

struct ProvenancePart {
  std::string name;   // short key: config, data, program, ...
  std::string value;  // one line: a hex digest or a readable identity
};
using Provenance = std::vector<ProvenancePart>;

/// The parts of a planned grid: config (effective configuration and resolved
/// site list), data (plan.data_digest), program (version and build-time git hash).
Provenance resume_provenance(const Plan& plan);

/// The model's inputs and target scaling in one readable line (a provenance
/// part and the results file's `inputs` attribute): drivers, static
/// attributes, how flow was scaled, the loss.
std::string inputs_text(const Plan& plan);
/// The part of inputs_text after the input names: static attributes, how the
/// targets are scaled, the loss (also the dry run's `scaling:` line).
std::string scaling_text(const Config& cfg);

/// Hex digest of effective_ini(cfg) plus the resolved site list.
std::string config_digest(const Config& cfg, const std::vector<std::string>& sites);

/// Hex digest of the values the runs read: the names of the used drivers and
/// targets, then for each of `sites` (indices into data, in the given order)
/// its id and every driver, flow and temp value on the days of the train, val
/// and test periods (float bits; every NaN counts as one value), and the values
/// of the attributes the run reads (data.static; `area` for flow as depth).
/// Days outside the periods, latitude and units are not read by training and
/// not covered.
std::string data_digest(const DataSet& data, const std::vector<int>& sites, const Config& cfg);

/// "mtl_mpi <version> (git <build-time hash>)".
std::string program_identity();

/// "" when every part of `now` equals the journal's, else one phrase naming
/// the first part that differs with both values.
std::string provenance_mismatch(const Provenance& journal, const Provenance& now);

}  // namespace mtl
