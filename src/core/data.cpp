// From daily series to training batches (see data.hpp): date ranges ->
// z-scores with training statistics -> time-major [T, N, C] sequences.
#include "mtl/data.hpp"

#include <algorithm>
#include <cmath>

#include "mtl/errors.hpp"

namespace mtl {

const char* to_string(Part p) {
  switch (p) {
    case Part::train: return "train";
    case Part::val: return "val";
    case Part::test: return "test";
  }
  return "?";
}

namespace {


const std::vector<float>& target(const DataSet& d, Variable v) {
  return v == Variable::flow ? d.flow : d.temp;
}

/// Value as it is z-scored: flow optionally to depth (per site), then
/// optionally through ln(max(q, 0) + offset).
double transform(const Scaling& s, Variable v, double value, int site) {
  if (v != Variable::flow) return value;
  if (!s.flow_depth.empty()) value *= s.flow_depth[static_cast<std::size_t>(site)];
  if (s.log_flow) return std::log(std::max(value, 0.0) + kLogFlowOffset);
  return value;
}

/// mm/day per m3 s-1 for a catchment of `area_km2`: 86400 s/day * 1e3 mm/m / 1e6 m2/km2.
constexpr double kDepthPerFlow = 86.4;

/// Mean and population std by Welford's update (stable for large means such
/// as dayl ~ 4e4 s). The safe rule: std := 1 when it is 0 or undefined
/// (constant or unobserved series) and mean := 0 when there is nothing to
/// average, so scaling never divides by zero or yields NaN.
struct Moments {
  double mean_ = 0, m2 = 0;
  int64_t n = 0;
  void add(double x) {
    ++n;
    const double d = x - mean_;
    mean_ += d / static_cast<double>(n);
    m2 += d * (x - mean_);
  }
  double mean() const { return mean_; }
  double std_dev() const {
    if (n == 0) return 1.0;
    const double sd = std::sqrt(std::max(m2, 0.0) / static_cast<double>(n));
    return (sd > 0.0 && std::isfinite(sd)) ? sd : 1.0;
  }
};

struct Context {
  const DataSet& data;
  const std::vector<int>& sites;
  std::vector<int> drivers;  // data-set driver indices, [C]
  std::array<DateRange, kNumParts> ranges;
  std::array<int, kNumParts> offset;  // first day's index on the data-set time axis
  const std::string& source;
};

[[noreturn]] void fail(const Context& c, const std::string& what) {
  throw DataError(c.source + ": " + what);
}

void check_ranges(Context& c, const Config& cfg) {
  c.ranges = {cfg.data.train, cfg.data.val, cfg.data.test};
  const auto& time = c.data.time;
  for (int p = 0; p < kNumParts; ++p) {
    const DateRange& r = c.ranges[p];
    const std::string name = std::string("data.") + to_string(static_cast<Part>(p));
    if (r.days() < 1)
      fail(c, name + " = " + iso_date(r.first) + ":" + iso_date(r.last) + " has no days");
    if (time.empty() || r.first < time.front() || r.last > time.back())
      fail(c, name + " = " + iso_date(r.first) + ":" + iso_date(r.last) +
                  " outside the file's time axis " +
                  (time.empty() ? std::string("(empty)") : iso_date(time.front()) + ":" + iso_date(time.back())));
    c.offset[p] = r.first - time.front();
  }
}

/// A driver must be finite on every day of every partition (it is an input).
void check_drivers(const Context& c) {
  const int nt = c.data.n_time();
  for (int s : c.sites)
    for (int k : c.drivers)
      for (int p = 0; p < kNumParts; ++p)
        for (int i = 0; i < c.ranges[p].days(); ++i) {
          const float v = c.data.drivers[k][static_cast<size_t>(s) * nt + c.offset[p] + i];
          if (!std::isfinite(v))
            fail(c, "site " + c.data.site_ids[s] + " driver " + c.data.driver_names[k] + " date " +
                        iso_date(c.ranges[p].first + i) + ": missing value (" + std::to_string(v) +
                        ") inside the " + to_string(static_cast<Part>(p)) + " period");
        }
}

/// Per-site flow-to-depth factors from the `area` attribute (km2); a site
/// without a positive finite area is a data error naming it.
std::vector<double> depth_factors(const Context& c) {
  const int a = c.data.attribute_index("area");
  if (a < 0)
    fail(c, "data.flow_scaling = depth needs a per-site attribute 'area' (km2, mtl_role = attribute); "
            "the file has none");
  std::vector<double> f;
  for (int s : c.sites) {
    const double area = c.data.attributes[a].values[static_cast<std::size_t>(s)];
    if (!(area > 0.0) || !std::isfinite(area))
      fail(c, "data.flow_scaling = depth: attribute 'area' of site " + c.data.site_ids[s] + " is " +
                  std::to_string(area) + " (needs a positive area in km2)");
    f.push_back(kDepthPerFlow / area);
  }
  return f;
}

Scaling fit_scaling(const Context& c, bool log_flow, FlowScaling flow_scaling) {
  Scaling sc;
  sc.log_flow = log_flow;
  if (flow_scaling == FlowScaling::depth) sc.flow_depth = depth_factors(c);
  const int nt = c.data.n_time(), t0 = c.offset[0], days = c.ranges[0].days();
  for (int k : c.drivers) {
    Moments m;
    for (int s : c.sites)
      for (int i = 0; i < days; ++i) m.add(c.data.drivers[k][static_cast<size_t>(s) * nt + t0 + i]);
    sc.x_mean.push_back(static_cast<float>(m.mean()));
    sc.x_std.push_back(static_cast<float>(m.std_dev()));
  }
  for (Variable v : {Variable::flow, Variable::temp}) {
    Moments m;
    const auto& y = target(c.data, v);
    for (size_t si = 0; si < c.sites.size(); ++si)
      for (int i = 0; i < days; ++i) {
        const float q = y[static_cast<size_t>(c.sites[si]) * nt + t0 + i];
        if (!std::isnan(q)) m.add(transform(sc, v, q, static_cast<int>(si)));
      }
    sc.y_mean[static_cast<int>(v)] = m.mean();
    sc.y_std[static_cast<int>(v)] = m.std_dev();
  }
  return sc;
}

/// How a partition is cut into sequences of seq_len steps (data.hpp).
struct CutRule {
  int seq_len = 0;
  int warmup = 0;   // leading steps without targets (state warm-up)
  int stride = 0;   // training: days between window starts
  bool eval = false;
};

/// Cut partition p into [T, N, C] sequences, sites concatenated site by site
/// (sequence n = site_pos * blocks + b).
/// Training: windows [b stride, b stride + T) inside the period, partial last
/// window dropped. Evaluation: blocks of T - W reported days, each preceded by
/// the W days before it (from before the period where the file has them, else
/// zero inputs), the partial last block padded with zero inputs, NaN targets and
/// day -1. Warm-up steps (t < W) have NaN targets and day -1 in both.
/// statics: [site position, n_static] z-scored attribute values.
SequenceSet cut(const Context& c, const SiteData& sd, Part part, const CutRule& k,
                const std::vector<float>& statics) {
  const int p = static_cast<int>(part);
  const int days = c.ranges[p].days(), nt = c.data.n_time();
  const int T = k.seq_len, W = k.warmup, step = k.eval ? T - W : k.stride;
  const int blocks = k.eval ? (days + step - 1) / step : (days >= T ? (days - T) / step + 1 : 0);
  SequenceSet q;
  q.seq_len = T;
  const int n_dyn = static_cast<int>(c.drivers.size());
  q.n_in = n_dyn + sd.n_static;
  q.n_seq = blocks * static_cast<int>(c.sites.size());
  const size_t tn = static_cast<size_t>(T) * q.n_seq;
  q.x.assign(tn * q.n_in, 0.0f);
  q.y.assign(tn * 2, std::nanf(""));
  q.day.assign(tn, -1);
  q.site.assign(q.n_seq, 0);
  const Scaling& sc = sd.scaling;
  const auto& y0 = target(c.data, sd.primary);
  const auto& y1 = target(c.data, sd.auxiliary);
  for (size_t si = 0; si < c.sites.size(); ++si) {
    const long base = static_cast<long>(c.sites[si]) * nt;  // the site's row on the time axis
    for (int b = 0; b < blocks; ++b) {
      const size_t n = si * blocks + b;
      q.site[n] = static_cast<int32_t>(si);
      const int start = k.eval ? b * step - W : b * step;  // day of step 0, relative to the period
      for (int t = 0; t < T && start + t < days; ++t) {
        const int i = start + t;
        const long at = c.offset[p] + i;  // on the data set's time axis; < 0: before the file
        const size_t tnn = static_cast<size_t>(t) * q.n_seq + n;  // [t, n] of [T, N]
        if (at < 0) continue;                                      // zero inputs, no target
        bool finite = true;
        for (int kk = 0; kk < n_dyn; ++kk) finite = finite && std::isfinite(c.data.drivers[c.drivers[kk]][base + at]);
        if (!finite) continue;  // only possible before the period (check_drivers covers it)
        for (int kk = 0; kk < n_dyn; ++kk) {
          const double v = c.data.drivers[c.drivers[kk]][base + at];
          q.x[tnn * q.n_in + kk] = static_cast<float>((v - sc.x_mean[kk]) / sc.x_std[kk]);
        }
        // Static attributes: the same z-scored value at every step (Kratzert et al. 2019).
        std::copy_n(statics.data() + si * sd.n_static, sd.n_static, q.x.data() + tnn * q.n_in + n_dyn);
        if (t < W) continue;  // warm-up: input only
        q.day[tnn] = c.ranges[p].first + i;
        const float a = y0[base + at];
        const int pos = static_cast<int>(si);
        if (!std::isnan(a)) q.y[tnn * 2] = static_cast<float>(scale(sc, sd.primary, a, pos));
        const float b2 = y1[base + at];
        if (sd.has_auxiliary && !std::isnan(b2))
          q.y[tnn * 2 + 1] = static_cast<float>(scale(sc, sd.auxiliary, b2, pos));
      }
    }
  }
  return q;
}

std::vector<int> driver_indices(const Context& c, const Config& cfg) {
  std::vector<int> idx;
  if (cfg.data.drivers.empty()) {
    for (int k = 0; k < c.data.n_drivers(); ++k) idx.push_back(k);
    return idx;
  }
  for (const auto& name : cfg.data.drivers) {
    const int k = c.data.driver_index(name);
    if (k < 0) fail(c, "data.drivers: driver '" + name + "' not in the data set");
    idx.push_back(k);
  }
  return idx;
}

/// s_b: population std of each target over the site's observed training days,
/// in the units before the z-score (NaN with fewer than 2 observations).
std::vector<std::array<double, kNumVariables>> site_target_std(const Context& c, const Scaling& sc) {
  const int nt = c.data.n_time(), t0 = c.offset[0], days = c.ranges[0].days();
  std::vector<std::array<double, kNumVariables>> out(c.sites.size());
  for (size_t si = 0; si < c.sites.size(); ++si)
    for (Variable v : {Variable::flow, Variable::temp}) {
      Moments m;
      const auto& y = target(c.data, v);
      for (int i = 0; i < days; ++i) {
        const float q = y[static_cast<size_t>(c.sites[si]) * nt + t0 + i];
        if (!std::isnan(q)) m.add(transform(sc, v, q, static_cast<int>(si)));
      }
      out[si][static_cast<int>(v)] =
          m.n < 2 ? std::nan("") : std::sqrt(std::max(m.m2, 0.0) / static_cast<double>(m.n));
    }
  return out;
}

/// nse_star weights [N, 2] of a sequence set: 1 / (s_b + eps)^2 by column
/// (Kratzert et al. 2019, eq. 5, the per-basin NSE* weight). A site with fewer
/// than 2 training observations of a target (s_b undefined) takes s_b = 0.
/// s_b: site_target_std, [site position][Variable].
void set_weights(SequenceSet& q, const SiteData& sd,
                 const std::vector<std::array<double, kNumVariables>>& s_b, double eps) {
  const Variable cols[kNumVariables] = {sd.primary, sd.auxiliary};
  q.weight.assign(static_cast<size_t>(q.n_seq) * kNumVariables, 0.0f);
  for (int n = 0; n < q.n_seq; ++n)
    for (int k = 0; k < kNumVariables; ++k) {
      double sb = s_b[static_cast<size_t>(q.site[n])][static_cast<int>(cols[k])];
      if (std::isnan(sb)) sb = 0.0;
      q.weight[static_cast<size_t>(n) * kNumVariables + k] = static_cast<float>(1.0 / ((sb + eps) * (sb + eps)));
    }
}

}  // namespace

StaticScaling fit_static(const DataSet& data, const std::vector<int>& sites, const Config& cfg,
                         const std::string& source) {
  StaticScaling st;
  const auto fail_with = [&](const std::string& what) { throw DataError(source + ": data.static: " + what); };
  if (cfg.data.static_all) {
    for (const auto& a : data.attributes) st.names.push_back(a.name);
    if (st.names.empty()) fail_with("'all', but the file has no attributes (mtl_role = attribute)");
  } else {
    st.names = cfg.data.statics;
  }
  for (const auto& name : st.names) {
    const int a = data.attribute_index(name);
    if (a < 0) {
      std::string known;
      for (const auto& x : data.attributes) known += (known.empty() ? "" : " ") + x.name;
      fail_with("attribute '" + name + "' not in the file (attributes: " +
                (known.empty() ? std::string("none") : known) + ")");
    }
    // NaN is refused, as NeuralHydrology's attributes_sanity_check does: a
    // filled mean would hide a basin the model then sees as average.
    Moments m;
    for (int s : sites) {
      const double v = data.attributes[static_cast<size_t>(a)].values[static_cast<size_t>(s)];
      if (!std::isfinite(v)) fail_with("attribute '" + name + "' is missing (" + std::to_string(v) + ") at site " + data.site_ids[s]);
      m.add(v);
    }
    if (m.n < 2)
      fail_with("attribute '" + name + "' cannot be z-scored over " + std::to_string(m.n) +
                " site (needs 2 or more selected sites)");
    const double sd = std::sqrt(std::max(m.m2, 0.0) / static_cast<double>(m.n - 1));  // ddof 1
    if (!(sd > 1e-12 * std::max(1.0, std::fabs(m.mean()))))
      fail_with("attribute '" + name + "' is constant (" + std::to_string(m.mean()) + ") over the " +
                std::to_string(m.n) + " selected sites from site " + data.site_ids[sites.front()] +
                ": zero spread, no information");
    st.index.push_back(a);
    st.mean.push_back(m.mean());
    st.std.push_back(sd);
  }
  return st;
}

SiteData prepare_sites(const DataSet& data, const std::vector<int>& site_indices, const Config& cfg,
                       const std::string& source, const StaticScaling* statics) {
  Context c{data, site_indices, {}, {}, {}, source};
  if (site_indices.empty()) fail(c, "no sites selected");
  for (int s : site_indices)
    if (s < 0 || s >= data.n_sites()) fail(c, "site index " + std::to_string(s) + " out of range");
  const int seq_len = cfg.model.seq_len;
  if (seq_len < 1) fail(c, "model.seq_len = " + std::to_string(seq_len) + " must be >= 1");
  c.drivers = driver_indices(c, cfg);
  check_ranges(c, cfg);
  if (c.ranges[0].days() < seq_len)
    fail(c, "data.train has " + std::to_string(c.ranges[0].days()) +
                " days, fewer than one sequence (model.seq_len = " + std::to_string(seq_len) + ")");
  check_drivers(c);
  StaticScaling own;
  if (!statics) {
    std::vector<int> every(data.n_sites());
    for (int s = 0; s < data.n_sites(); ++s) every[s] = s;
    if (cfg.data.uses_static()) own = fit_static(data, every, cfg, source);
    statics = &own;
  }
  SiteData sd;
  sd.site_indices = site_indices;
  for (int s : site_indices) sd.site_ids.push_back(data.site_ids[s]);
  sd.primary = cfg.experiment.primary;
  sd.has_auxiliary = cfg.experiment.has_auxiliary;
  sd.auxiliary = cfg.experiment.auxiliary;
  for (int v = 0; v < kNumVariables; ++v)
    sd.variable_names[v] = variable_name(cfg.experiment, static_cast<Variable>(v));
  for (int k : c.drivers) sd.driver_names.push_back(data.driver_names[k]);
  sd.scaling = fit_scaling(c, cfg.data.log_flow, cfg.data.flow_scaling);
  // Static attributes: inputs after the drivers, z-scored over the experiment's sites.
  sd.n_static = static_cast<int>(statics->names.size());
  std::vector<float> zs(site_indices.size() * static_cast<size_t>(sd.n_static));
  for (int j = 0; j < sd.n_static; ++j) {
    sd.driver_names.push_back(statics->names[j]);
    sd.scaling.x_mean.push_back(static_cast<float>(statics->mean[j]));
    sd.scaling.x_std.push_back(static_cast<float>(statics->std[j]));
    const auto& values = data.attributes[static_cast<size_t>(statics->index[j])].values;
    for (size_t si = 0; si < site_indices.size(); ++si) {
      const double v = values[static_cast<size_t>(site_indices[si])];
      if (!std::isfinite(v))
        fail(c, "data.static: attribute '" + statics->names[j] + "' is missing at site " + sd.site_ids[si]);
      zs[si * sd.n_static + j] = static_cast<float>((v - statics->mean[j]) / statics->std[j]);
    }
  }
  const int stride = cfg.data.train_stride > 0 ? cfg.data.train_stride : seq_len;
  sd.train = cut(c, sd, Part::train, {seq_len, cfg.model.warmup, stride, false}, zs);
  for (int p = 0; p < kNumParts; ++p)
    sd.eval[p] = cut(c, sd, static_cast<Part>(p), {seq_len, cfg.model.warmup, 0, true}, zs);
  if (cfg.model.loss == LossKind::nse_star) {
    const auto s_b = site_target_std(c, sd.scaling);
    set_weights(sd.train, sd, s_b, cfg.model.nse_star_eps);
    for (auto& e : sd.eval) set_weights(e, sd, s_b, cfg.model.nse_star_eps);
  }
  const int nt = data.n_time();
  for (int s : site_indices)
    for (int i = 0; i < c.ranges[0].days(); ++i) {
      const size_t at = static_cast<size_t>(s) * nt + c.offset[0] + i;
      sd.train_obs[0] += !std::isnan(target(data, sd.primary)[at]);
      if (sd.has_auxiliary) sd.train_obs[1] += !std::isnan(target(data, sd.auxiliary)[at]);
    }
  return sd;
}

std::vector<int64_t> count_observed(const DataSet& data, Variable v, const DateRange& range) {
  std::vector<int64_t> n(data.n_sites(), 0);
  if (data.time.empty()) return n;
  const int nt = data.n_time();
  const int first = std::max(range.first, data.time.front()) - data.time.front();
  const int last = std::min(range.last, data.time.back()) - data.time.front();
  const auto& y = target(data, v);
  for (int s = 0; s < data.n_sites(); ++s)
    for (int i = first; i <= last; ++i) n[s] += !std::isnan(y[static_cast<size_t>(s) * nt + i]);
  return n;
}

double scale(const Scaling& s, Variable v, double value, int site) {
  const int i = static_cast<int>(v);
  return (transform(s, v, value, site) - s.y_mean[i]) / s.y_std[i];
}

double unscale(const Scaling& s, Variable v, double z, int site) {
  const int i = static_cast<int>(v);
  double u = z * s.y_std[i] + s.y_mean[i];
  if (v != Variable::flow) return u;
  if (s.log_flow) u = std::exp(u) - kLogFlowOffset;
  if (!s.flow_depth.empty()) u /= s.flow_depth[static_cast<std::size_t>(site)];
  return u;
}

void gather_sequences(const SequenceSet& set, const std::vector<int>& order, int first, int count,
                      std::vector<float>& x, std::vector<float>& y, std::vector<float>& w) {
  const std::size_t T = set.seq_len, C = set.n_in, N = set.n_seq, B = static_cast<std::size_t>(count);
  w.resize(set.weight.empty() ? 0 : B * kNumVariables);
  for (std::size_t b = 0; b < w.size() / kNumVariables; ++b)
    std::copy_n(&set.weight[static_cast<std::size_t>(order[static_cast<std::size_t>(first) + b]) * kNumVariables],
                kNumVariables, &w[b * kNumVariables]);
  x.resize(T * B * C);
  y.resize(T * B * kNumVariables);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t b = 0; b < B; ++b) {
      const std::size_t src = t * N + static_cast<std::size_t>(order[static_cast<std::size_t>(first) + b]);
      const std::size_t dst = t * B + b;
      std::copy_n(&set.x[src * C], C, &x[dst * C]);
      std::copy_n(&set.y[src * kNumVariables], kNumVariables, &y[dst * kNumVariables]);
    }
  }
}

}  // namespace mtl
