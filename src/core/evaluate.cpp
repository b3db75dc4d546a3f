// From normalised predictions to metrics (evaluate.hpp; shared by the
// single-run and lockstep paths).
//
// For each partition p, each site s of data (position in data.site_indices) and
// each modelled variable (column 0 = data.primary, column 1 = data.auxiliary
// when data.has_auxiliary):
//   - skip padding (day == -1); un-scale prediction and observation with
//     unscale(data.scaling, variable, z) (observations are stored z-scored);
//   - compute_metrics(obs, sim) over the days (NaN observations are dropped
//     there) and compute_monthly with the days;
// A variable the model does not predict (no auxiliary) gets NaN metrics with
// n_obs 0. SiteMetrics::site_index is the position of the site in
// data.site_indices (train_run replaces it by RunSpec::site_index for a
// single-site run). Predictions are per site and partition, days ascending,
// value [day][Variable] with NaN for a variable the model does not predict.
#include "mtl/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "mtl/metrics.hpp"

namespace mtl {

namespace {

/// Un-scaled (day, obs, sim) of one site and partition, days ascending.
struct SiteSeries {
  std::vector<int32_t> day;
  std::array<std::vector<float>, kNumVariables> obs, sim;  // by column (role)
};

SiteSeries collect(const SiteData& data, const SequenceSet& s, const float* pred, int site,
                   int n_cols) {
  const Variable vars[kNumVariables] = {data.primary, data.auxiliary};
  std::vector<std::size_t> rows;  // t * N + n of the site's real days
  for (int t = 0; t < s.seq_len; ++t)
    for (int n = 0; n < s.n_seq; ++n) {
      const std::size_t r = static_cast<std::size_t>(t) * s.n_seq + n;
      const int seq_site = s.site.empty() ? 0 : s.site[n];
      if (seq_site == site && s.day[r] != -1) rows.push_back(r);
    }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](std::size_t a, std::size_t b) { return s.day[a] < s.day[b]; });
  SiteSeries out;
  out.day.reserve(rows.size());
  for (std::size_t r : rows) out.day.push_back(s.day[r]);
  for (int k = 0; k < n_cols; ++k) {
    out.obs[k].reserve(rows.size());
    out.sim[k].reserve(rows.size());
    for (std::size_t r : rows) {
      const float y = s.y[r * kNumVariables + k];
      out.obs[k].push_back(std::isnan(y) ? y : static_cast<float>(unscale(data.scaling, vars[k], y, site)));
      out.sim[k].push_back(static_cast<float>(unscale(data.scaling, vars[k], pred[r * kNumVariables + k], site)));
    }
  }
  return out;
}

Prediction make_prediction(const SiteData& data, const SiteSeries& ss, int site, Part part,
                           int n_cols) {
  const Variable vars[kNumVariables] = {data.primary, data.auxiliary};
  Prediction p;
  p.site_index = site;
  p.part = part;
  p.day = ss.day;
  p.value.assign(ss.day.size() * kNumVariables, std::numeric_limits<float>::quiet_NaN());
  for (int k = 0; k < n_cols; ++k) {
    const auto v = static_cast<std::size_t>(vars[k]);
    for (std::size_t i = 0; i < ss.day.size(); ++i) p.value[i * kNumVariables + v] = ss.sim[k][i];
  }
  return p;
}

bool wanted(PredictionOutput o, Part p) {
  return o == PredictionOutput::all || (o == PredictionOutput::test && p == Part::test);
}

}  // namespace

void evaluate_predictions(const SiteData& data, const Config& cfg,
                          const std::array<std::vector<float>, kNumParts>& pred,
                          RunResult& result, std::vector<Prediction>* all_predictions) {
  const int n_sites = static_cast<int>(data.site_indices.size());
  const int n_cols = data.has_auxiliary ? 2 : 1;
  const Variable vars[kNumVariables] = {data.primary, data.auxiliary};
  result.sites.assign(n_sites, SiteMetrics{});
  for (int s = 0; s < n_sites; ++s) {
    SiteMetrics& sm = result.sites[s];
    sm.site_index = s;
    for (auto& part : sm.m) part.fill(nan_metrics());
    for (auto& part : sm.monthly) part.fill(nan_monthly());
    for (int p = 0; p < kNumParts; ++p) {
      const SiteSeries ss = collect(data, data.eval[p], pred[p].data(), s, n_cols);
      for (int k = 0; k < n_cols; ++k) {
        const auto v = static_cast<std::size_t>(vars[k]);
        const std::size_t n = ss.day.size();
        sm.m[p][v] = compute_metrics(ss.obs[k].data(), ss.sim[k].data(), n);
        sm.monthly[p][v] = compute_monthly(ss.obs[k].data(), ss.sim[k].data(), ss.day.data(), n);
      }
      const Part part = static_cast<Part>(p);
      if (wanted(cfg.output.predictions, part))
        result.predictions.push_back(make_prediction(data, ss, s, part, n_cols));
      if (all_predictions) all_predictions->push_back(make_prediction(data, ss, s, part, n_cols));
    }
  }
}

void fill_failed_metrics(const SiteData& data, RunResult& r) {
  const MetricSet m = nan_metrics();  // n_obs 0
  const MonthlyMetrics mm = nan_monthly();
  r.sites.assign(data.site_indices.size(), SiteMetrics{});
  for (std::size_t s = 0; s < r.sites.size(); ++s) {
    r.sites[s].site_index = static_cast<int>(s);
    for (auto& part : r.sites[s].m) part.fill(m);
    for (auto& part : r.sites[s].monthly) part.fill(mm);
  }
  r.final_loss = std::numeric_limits<double>::quiet_NaN();
}

bool fail_if_untrainable(const SiteData& data, RunResult& r) {
  if (data.train_obs[0] > 0 && data.train.n_seq > 0) return false;
  fill_failed_metrics(data, r);
  r.status = RunStatus::failed;
  r.message = data.train.n_seq <= 0
                  ? std::string("no complete training sequence in training period")
                  : std::string("no observed ") + to_string(data.primary) + " in training period";
  return true;
}

}  // namespace mtl
