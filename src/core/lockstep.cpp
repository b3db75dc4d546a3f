// train_group (train.hpp): the runs of one SiteData trained in lockstep.
//
// Every epoch, each live model of the group does forward -> masked_loss ->
// backward -> adam_step with the SAME conventions as train_run (train.cpp):
// loss curves, mini-batches in epoch_order(seed, epoch, N) with the partial last
// batch kept, early stopping on the validation loss with the best weights
// restored, "non-finite loss/gradient at epoch K" failures. A model that fails or
// stops early is frozen; the others go on. Init, loss, Adam and metrics are the
// shared functions (params.hpp, loss.hpp, optim.hpp, evaluate.hpp).
//
// The LSTM arithmetic (lockstep.hpp) is per model with a fixed order, so a run's
// numbers do not depend on the group it is trained in. The group shares the data,
// the activation tape and the scratch buffers: after the first epoch nothing is
// allocated, and the tape (about 5 MB for T = 365, N = 25, H = 20) stays in cache
// from one model to the next.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "mtl/evaluate.hpp"
#include "mtl/minibatch.hpp"
#include "mtl/lockstep.hpp"
#include "mtl/loss.hpp"
#include "mtl/optim.hpp"
#include "mtl/params.hpp"
#include "mtl/train.hpp"

namespace mtl {

namespace lockstep {

namespace {

constexpr std::size_t kOut = 2;  // [.., 2]: primary, auxiliary
using Clock = std::chrono::steady_clock;

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float e) { return std::isfinite(e); });
}

/// One run's state inside a group.
struct Model {
  const RunSpec* run = nullptr;
  RunResult res;
  std::vector<float> params, grads, m, v, best;  // flat, layout.total each
  int64_t step = 0;                              // Adam updates done
  double best_val = std::numeric_limits<double>::infinity();
  int since_best = 0;
  bool live = true;
};

class GroupTrainer {
 public:
  GroupTrainer(const std::vector<RunSpec>& runs, const SiteData& data, const Config& cfg)
      : data_(data), cfg_(cfg), lay_(make_param_layout(data.train.n_in, cfg.model.hidden)),
        models_(runs.size()) {
    int max_n = data.train.n_seq;
    for (const auto& s : data.eval) max_n = std::max(max_n, s.n_seq);
    scratch_.resize(Dims{data.train.n_in, cfg.model.hidden, max_n});
    tape_.resize(data.train.seq_len, Dims{data.train.n_in, cfg.model.hidden, batch_size()});
    for (std::size_t g = 0; g < runs.size(); ++g) {
      Model& m = models_[g];
      m.run = &runs[g];
      m.res.run_id = runs[g].run_id;
      m.params.resize(lay_.total);
      m.grads.assign(lay_.total, 0.0f);
      m.m.assign(lay_.total, 0.0f);
      m.v.assign(lay_.total, 0.0f);
      init_params(m.params.data(), lay_, runs[g].seed);
    }
  }

  void train();
  std::vector<float> predict(const Model& m, const SequenceSet& s);
  std::vector<Model>& models() { return models_; }

 private:
  int batch_size() const { return training_batch_size(cfg_.train, data_); }
  LossValue batch_step(Model& m, const float* x, const float* y, int n, const char*& bad);
  LossValue epoch(Model& m, int e, const char*& bad);
  void after_epoch(Model& m, int e);

  const SiteData& data_;
  const Config& cfg_;
  ParamLayout lay_;
  std::vector<Model> models_;
  Tape tape_;
  Scratch scratch_;
  std::vector<float> xb_, yb_, pred_, dpred_;  // batch buffers, reused by every model
};

LossValue GroupTrainer::batch_step(Model& m, const float* x, const float* y, int n,
                                   const char*& bad) {
  const int T = data_.train.seq_len;
  const Dims d{data_.train.n_in, cfg_.model.hidden, n};
  const std::size_t points = static_cast<std::size_t>(T) * n;
  pred_.resize(points * kOut);
  dpred_.resize(points * kOut);
  forward_train(d, T, m.params.data(), lay_, x, tape_, pred_.data(), scratch_);
  const LossValue loss =
      masked_loss(pred_.data(), y, points, m.run->lambda, cfg_.model.loss, dpred_.data());
  if (!std::isfinite(loss.total)) {
    bad = "loss";
    return loss;
  }
  backward(d, T, m.params.data(), lay_, x, tape_, dpred_.data(), m.grads.data(), scratch_);
  if (!all_finite(m.grads)) {
    bad = "gradient";
    return loss;
  }
  adam_step(m.params.data(), m.grads.data(), m.m.data(), m.v.data(), lay_.total, ++m.step,
            cfg_.train);
  return loss;
}

LossValue GroupTrainer::epoch(Model& m, int e, const char*& bad) {
  return train_epoch(data_.train, batch_size(), m.run->seed, e, xb_, yb_, bad,
                     [this, &m](const float* x, const float* y, int n, const char*& b) {
                       return batch_step(m, x, y, n, b);
                     });
}

/// Early stopping bookkeeping of one model after epoch e (0-based).
void GroupTrainer::after_epoch(Model& m, int e) {
  if (cfg_.train.patience <= 0) return;
  const SequenceSet& s = data_.eval[static_cast<int>(Part::val)];
  const std::vector<float> p = predict(m, s);
  const std::size_t points = static_cast<std::size_t>(s.seq_len) * s.n_seq;
  const double vl =
      masked_loss(p.data(), s.y.data(), points, m.run->lambda, cfg_.model.loss, nullptr).total;
  m.res.val_loss.push_back(static_cast<float>(vl));
  if (vl < m.best_val) {  // NaN never improves
    m.best_val = vl;
    m.best = m.params;
    m.since_best = 0;
  } else if (++m.since_best >= cfg_.train.patience) {
    m.live = false;
  }
  (void)e;
}

void GroupTrainer::train() {
  for (int e = 0; e < cfg_.train.epochs; ++e) {
    for (Model& m : models_) {
      if (!m.live) continue;
      const auto start = Clock::now();
      const char* bad = nullptr;
      const LossValue l = epoch(m, e, bad);
      if (bad) {
        m.res.status = RunStatus::failed;
        m.res.failed_epoch = e + 1;
        m.res.message = std::string("non-finite ") + bad + " at epoch " + std::to_string(e + 1);
        m.live = false;
      } else {
        m.res.loss_total.push_back(static_cast<float>(l.total));
        m.res.loss_primary.push_back(static_cast<float>(l.primary));
        m.res.loss_auxiliary.push_back(static_cast<float>(l.auxiliary));
        m.res.epochs_run = e + 1;
        after_epoch(m, e);
      }
      m.res.train_seconds += std::chrono::duration<double>(Clock::now() - start).count();
    }
  }
  for (Model& m : models_) {
    if (cfg_.train.patience > 0 && !m.best.empty() && m.res.status != RunStatus::failed)
      m.params = m.best;
    if (!m.res.loss_total.empty()) m.res.final_loss = m.res.loss_total.back();
  }
}

std::vector<float> GroupTrainer::predict(const Model& m, const SequenceSet& s) {
  std::vector<float> out(static_cast<std::size_t>(s.seq_len) * s.n_seq * kOut);
  forward_predict(Dims{s.n_in, cfg_.model.hidden, s.n_seq}, s.seq_len, m.params.data(), lay_,
                  s.x.data(), out.data(), scratch_);
  return out;
}



/// Train one chunk of runs together; evaluate (metrics) when asked.
void train_chunk(const RunSpec* first, std::size_t count, const SiteData& data, const Config& cfg,
                 bool evaluate, std::vector<RunResult>& out,
                 std::vector<std::vector<float>>* final_params) {
  const std::vector<RunSpec> runs(first, first + count);
  GroupTrainer tr(runs, data, cfg);
  tr.train();
  for (Model& m : tr.models()) {
    RunResult& r = m.res;
    if (evaluate && r.status == RunStatus::failed) fill_failed_metrics(data, r);
    if (evaluate && r.status != RunStatus::failed) {
      std::array<std::vector<float>, kNumParts> pred;
      for (int p = 0; p < kNumParts; ++p) pred[p] = tr.predict(m, data.eval[p]);
      evaluate_predictions(data, cfg, pred, r, nullptr);
      if (m.run->site_index >= 0 && r.sites.size() == 1) {  // single site: grid index
        r.sites[0].site_index = m.run->site_index;
        for (auto& p : r.predictions) p.site_index = m.run->site_index;
      }
    }
    if (r.status != RunStatus::failed) r.status = RunStatus::done;
    if (r.status == RunStatus::done && cfg.output.weights == WeightsOutput::final)
      r.final_params = m.params;
    if (final_params) final_params->push_back(m.params);
    out.push_back(std::move(r));
  }
}

}  // namespace

// kDefaultGroupSize (train.hpp): the G vs runs/s curve is flat (README "Performance");
// a group shares data, tape and scratch, allocated once per group.
int default_group_size() { return kDefaultGroupSize; }

std::vector<RunResult> train_group_models(const std::vector<RunSpec>& runs, const SiteData& data,
                                          const Config& cfg, bool evaluate,
                                          std::vector<std::vector<float>>* final_params) {
  std::vector<RunResult> out;
  out.reserve(runs.size());
  RunResult probe;
  if (fail_if_untrainable(data, probe)) {  // the same rule and message as train_run
    for (const RunSpec& run : runs) {
      RunResult r = probe;
      r.run_id = run.run_id;
      out.push_back(std::move(r));
      if (final_params) final_params->emplace_back();
    }
    return out;
  }
  const std::size_t g = static_cast<std::size_t>(cfg.train.group >= 1 ? cfg.train.group
                                                                      : default_group_size());
  for (std::size_t i = 0; i < runs.size(); i += g)
    train_chunk(runs.data() + i, std::min(g, runs.size() - i), data, cfg, evaluate, out,
                final_params);
  return out;
}

}  // namespace lockstep

std::vector<RunResult> train_group(const std::vector<RunSpec>& runs, const SiteData& data,
                                   const Config& cfg) {
  if (cfg.train.group == 1) {  // the single-run oneDNN path, one model at a time
    std::vector<RunResult> out;
    out.reserve(runs.size());
    for (const RunSpec& r : runs) out.push_back(train_run(r, data, cfg));
    return out;
  }
  return lockstep::train_group_models(runs, data, cfg, true, nullptr);
}

}  // namespace mtl
