// One training run (site, lambda, seed) on the single-model oneDNN path (train.hpp).
//
//   init_params(seed) -> for each epoch: for each batch (default: all training
//   sequences, one Adam step per epoch): forward [T, B, C] -> pred [T, B, 2],
//   masked_loss(lambda) -> dpred, backward -> grads (overwritten), adam_step
//   (step counter from 1) -> after the last epoch: predict every partition and
//   evaluate_predictions.
//
// Conventions (documented in README "One training run"):
// - loss_* [epoch] is the training loss of the epoch's forward pass(es): full
//   batch -> the loss before that epoch's update; mini-batches -> the mean of the
//   batch losses weighted by the number of sequences in each batch (each batch
//   loss measured before its own update).
// - mini-batches of cfg.train.batch sequences in epoch_order(seed, epoch, N)
//   order; the last partial batch is kept and gets its own cached primitive shape.
// - early stopping (patience > 0): after each epoch the validation loss
//   (masked_loss on data.eval[val]) is recorded; the best weights (lowest val
//   loss; ties keep the earlier epoch) are restored at the end; training stops
//   after `patience` epochs without a strict improvement.
// - a non-finite loss or gradient stops the run: status failed, failed_epoch = K
//   (1-based), message "non-finite loss at epoch K" (or "... gradient ..."),
//   loss curves hold the K-1 finished epochs, metrics are NaN.
// - train_seconds: wall time of the epoch loop (not the final evaluation).
#include "mtl/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "mtl/evaluate.hpp"
#include "mtl/minibatch.hpp"
#include "mtl/loss.hpp"
#include "mtl/lstm.hpp"
#include "mtl/optim.hpp"
#include "mtl/params.hpp"

namespace mtl {

namespace {

constexpr std::size_t kOut = 2;  // [.., 2]: primary, auxiliary

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float e) { return std::isfinite(e); });
}

struct Trainer {
  const RunSpec& run;
  const SiteData& data;
  const Config& cfg;
  ParamLayout layout;
  std::vector<float> params, grads, m, v;  // flat, layout.total each
  std::vector<float> xb, yb, pred, dpred;  // batch buffers
  int64_t step = 0;                        // Adam updates done

  Trainer(const RunSpec& r, const SiteData& d, const Config& c)
      : run(r), data(d), cfg(c), layout(make_param_layout(d.train.n_in, c.model.hidden)),
        params(layout.total), grads(layout.total), m(layout.total, 0.0f), v(layout.total, 0.0f) {
    init_params(params.data(), layout, r.seed);
  }

  int batch_size() const { return training_batch_size(cfg.train, data); }

  /// One forward/backward/Adam step on [T, n, .] batch data. Returns the loss
  /// before the update; sets `bad` to "loss"/"gradient" when non-finite.
  LossValue batch_step(const float* x, const float* y, int n, const char*& bad) {
    const SequenceSet& s = data.train;
    LstmNet& net = lstm_net({s.seq_len, n, s.n_in, cfg.model.hidden}, LstmMode::training);
    const std::size_t points = static_cast<std::size_t>(s.seq_len) * n;
    pred.resize(points * kOut);
    dpred.resize(points * kOut);
    net.forward(params.data(), x, pred.data());
    const LossValue loss =
        masked_loss(pred.data(), y, points, run.lambda, cfg.model.loss, dpred.data());
    if (!std::isfinite(loss.total)) {
      bad = "loss";
      return loss;
    }
    net.backward(params.data(), dpred.data(), grads.data());
    if (!all_finite(grads)) {
      bad = "gradient";
      return loss;
    }
    adam_step(params.data(), grads.data(), m.data(), v.data(), layout.total, ++step, cfg.train);
    return loss;
  }

  /// One epoch; the loss is the sequence-weighted mean over its batches.
  LossValue epoch(int e, const char*& bad) {
    return train_epoch(data.train, batch_size(), run.seed, e, xb, yb, bad,
                       [this](const float* x, const float* y, int n, const char*& b) {
                         return batch_step(x, y, n, b);
                       });
  }

  /// Normalised predictions [T, N, 2] on an evaluation set.
  std::vector<float> predict(const SequenceSet& s) {
    LstmNet& net = lstm_net({s.seq_len, s.n_seq, s.n_in, cfg.model.hidden}, LstmMode::inference);
    std::vector<float> out(static_cast<std::size_t>(s.seq_len) * s.n_seq * kOut);
    net.forward(params.data(), s.x.data(), out.data());
    return out;
  }

  double val_loss() {
    const SequenceSet& s = data.eval[static_cast<int>(Part::val)];
    const std::vector<float> p = predict(s);
    const std::size_t points = static_cast<std::size_t>(s.seq_len) * s.n_seq;
    return masked_loss(p.data(), s.y.data(), points, run.lambda, cfg.model.loss, nullptr).total;
  }

  void train(RunResult& r);
};

void Trainer::train(RunResult& r) {
  const auto start = std::chrono::steady_clock::now();
  const int patience = cfg.train.patience;
  double best_val = std::numeric_limits<double>::infinity();
  std::vector<float> best_params;
  int since_best = 0;
  for (int e = 0; e < cfg.train.epochs; ++e) {
    const char* bad = nullptr;
    const LossValue l = epoch(e, bad);
    if (bad) {
      r.status = RunStatus::failed;
      r.failed_epoch = e + 1;
      r.message = std::string("non-finite ") + bad + " at epoch " + std::to_string(e + 1);
      break;
    }
    r.loss_total.push_back(static_cast<float>(l.total));
    r.loss_primary.push_back(static_cast<float>(l.primary));
    r.loss_auxiliary.push_back(static_cast<float>(l.auxiliary));
    r.epochs_run = e + 1;
    if (patience <= 0) continue;
    const double vl = val_loss();
    r.val_loss.push_back(static_cast<float>(vl));
    if (vl < best_val) {  // NaN never improves
      best_val = vl;
      best_params = params;
      since_best = 0;
    } else if (++since_best >= patience) {
      break;
    }
  }
  if (patience > 0 && !best_params.empty() && r.status != RunStatus::failed) params = best_params;
  r.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.loss_total.empty()) r.final_loss = r.loss_total.back();
}


}  // namespace

RunResult train_run(const RunSpec& run, const SiteData& data, const Config& cfg,
                    RunTrace* trace) {
  RunResult r;
  r.run_id = run.run_id;
  if (fail_if_untrainable(data, r)) return r;
  set_compute_threads(cfg.train.threads);
  Trainer t(run, data, cfg);
  if (trace) trace->initial_params = t.params;
  t.train(r);
  if (trace) trace->final_params = t.params;
  if (r.status == RunStatus::failed) {
    fill_failed_metrics(data, r);
    return r;
  }
  std::array<std::vector<float>, kNumParts> pred;
  for (int p = 0; p < kNumParts; ++p) pred[p] = t.predict(data.eval[p]);
  evaluate_predictions(data, cfg, pred, r, trace ? &trace->predictions : nullptr);
  if (run.site_index >= 0 && r.sites.size() == 1) {  // single site: grid index
    r.sites[0].site_index = run.site_index;
    for (auto& p : r.predictions) p.site_index = run.site_index;
    if (trace)
      for (auto& p : trace->predictions) p.site_index = run.site_index;
  }
  r.status = RunStatus::done;
  if (cfg.output.weights == WeightsOutput::final) r.final_params = t.params;
  return r;
}

int training_batch_size(const TrainConfig& train, const SiteData& data) {
  const int n = data.train.n_seq;
  const int sites = static_cast<int>(data.site_indices.size());
  const int b = train.batch > 0 ? train.batch : (sites > 1 ? sites : n);
  return b >= n ? n : b;
}

}  // namespace mtl
