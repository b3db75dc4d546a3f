// Provenance parts of a grid (see provenance.hpp) and their comparison.
#include "mtl/provenance.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "mtl/backend.hpp"
#include "mtl/version.hpp"
#include "mtl/journal.hpp"

namespace mtl {
namespace {

std::string hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

uint64_t hash_text(const std::string& s, uint64_t h) {
  const uint64_t n = s.size();  // length first: "ab"+"c" != "a"+"bc"
  h = fnv1a64(&n, sizeof n, h);
  return fnv1a64(s.data(), s.size(), h);
}

const char* describe(const std::string& name) {
  if (name == "config") return "configuration (effective config or resolved site list)";
  if (name == "data") return "input data (selected sites' values on the train/val/test dates)";
  if (name == "program") return "program (version or build-time git hash)";
  if (name == "numerics") return "numeric path (LSTM backend, kernel ISA: [train] backend, MTL_MAX_ISA, the CPU)";
  return nullptr;
}

std::string join_list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

std::string format_eps(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace

Provenance resume_provenance(const Plan& plan) {
  return {
      // What computes the LSTM (backend.hpp): another backend or kernel ISA rounds
      // differently, so a resume on it would mix two computations in one file.
      {"numerics", numeric_path(plan.cfg.train.backend).text()},
      {"config", config_digest(plan.cfg, plan.grid.sites)},
      {"data", plan.data_digest.empty() ? "unknown" : plan.data_digest},
      {"program", program_identity()},
      {"inputs", inputs_text(plan)},
  };
}

std::string inputs_text(const Plan& plan) {
  std::string t = "inputs:";
  for (const auto& d : plan.drivers) t += " " + d;
  return t + "; " + scaling_text(plan.cfg);
}

std::string scaling_text(const Config& c) {
  std::string t = "static attributes: ";
  t += c.data.static_all ? "all" : c.data.statics.empty() ? "none" : join_list(c.data.statics);
  t += c.data.uses_static() ? " (z-scored over the selected sites)" : "";
  t += "; flow: ";
  t += c.data.flow_scaling == FlowScaling::depth ? "depth, mm/day = m3 s-1 x 86.4 / area km2, " : "m3 s-1, ";
  t += c.data.log_flow ? "ln(q + 0.001), " : "";
  t += "z-score pooled over the sites' training days; temp: degC, z-score pooled; loss ";
  t += to_string(c.model.loss);
  if (c.model.loss == LossKind::nse_star) t += " (eps " + format_eps(c.model.nse_star_eps) + ")";
  return t;
}

std::string config_digest(const Config& cfg, const std::vector<std::string>& sites) {
  std::string text = effective_ini(cfg);
  text += "\n[resolved]\nsites =";
  for (const auto& s : sites) text += " " + s;
  return hex(fnv1a64(text.data(), text.size()));
}

std::string data_digest(const DataSet& data, const std::vector<int>& sites, const Config& cfg) {
  uint64_t h = hash_text("mtl data digest 1", 1469598103934665603ULL);
  std::vector<const std::vector<float>*> vars;
  for (int d = 0; d < data.n_drivers(); ++d) {
    h = hash_text(data.driver_names[d], h);
    vars.push_back(&data.drivers[d]);
  }
  h = hash_text("flow", h);
  vars.push_back(&data.flow);
  h = hash_text("temp", h);
  vars.push_back(&data.temp);
  const DateRange periods[] = {cfg.data.train, cfg.data.val, cfg.data.test};
  const int32_t t0 = data.time.empty() ? 0 : data.time.front();
  const int64_t nt = data.n_time();
  std::vector<uint32_t> bits;
  for (int s : sites) {
    h = hash_text(data.site_ids.at(s), h);
    for (const auto* v : vars) {
      for (const DateRange& p : periods) {
        const int64_t a = std::max<int64_t>(0, p.first - t0), b = std::min<int64_t>(nt, p.last - t0 + 1);
        h = fnv1a64(&p.first, sizeof p.first, h);
        bits.clear();
        for (int64_t t = a; t < b; ++t) {
          const float x = (*v)[static_cast<std::size_t>(s * nt + t)];
          uint32_t u = 0x7fc00000u;  // one NaN, whatever its payload
          if (!std::isnan(x)) std::memcpy(&u, &x, 4);
          bits.push_back(u);
        }
        h = fnv1a64(bits.data(), bits.size() * 4, h);
      }
    }
    // Attributes: only those the run reads (data.static), so a file that gains
    // an unused attribute keeps its digest.
    for (const auto& a : data.attributes) {
      const auto& names = cfg.data.statics;
      const bool used = cfg.data.static_all || std::find(names.begin(), names.end(), a.name) != names.end() ||
                        (a.name == "area" && cfg.data.flow_scaling == FlowScaling::depth);
      if (!used) continue;
      h = hash_text(a.name, h);
      h = fnv1a64(&a.values.at(static_cast<std::size_t>(s)), sizeof(double), h);
    }
  }
  return hex(h);
}

std::string program_identity() {
  return "mtl_mpi " + program_version() + " (git " + git_hash() + ")";
}

std::string provenance_mismatch(const Provenance& journal, const Provenance& now) {
  for (const ProvenancePart& p : now) {
    const ProvenancePart* old = nullptr;
    for (const ProvenancePart& j : journal) {
      if (j.name == p.name) old = &j;
    }
    const char* what = describe(p.name);
    const std::string label = what ? what : p.name;
    if (old == nullptr) {
      return "the journal does not record the " + label + " (written by another program version)";
    }
    if (old->value != p.value) {
      return "different " + label + " than when this journal was written [" + p.name +
             ": journal '" + old->value + "', now '" + p.value + "']";
    }
  }
  for (const ProvenancePart& j : journal) {
    bool known = false;
    for (const ProvenancePart& p : now) known = known || p.name == j.name;
    if (!known) return "the journal records a part '" + j.name + "' this program does not know";
  }
  return "";
}

}  // namespace mtl
