// The one training loop (train.hpp): runs (site, lambda, seed) on an LSTM backend
// (backend.hpp), which only computes forward, backward and predict.
//
//   init_params(seed) -> for each epoch: for each batch (default: all training
//   sequences, one Adam step per epoch): forward [T, B, C] -> pred [T, B, 2]
//   (with each sequence's length up to its last target: the backend may skip
//   the rest), masked_loss(lambda) -> dpred, backward -> grads (overwritten), adam_step
//   (step counter from 1) -> after the last epoch: predict every partition and
//   evaluate_predictions.
//
// Conventions (documented in docs/training.md, "One training run"):
// - loss_* [epoch] is the training loss of the epoch's forward pass(es): full
//   batch -> the loss before that epoch's update; mini-batches -> the mean of the
//   batch losses weighted by the number of sequences in each batch (each batch
//   loss measured before its own update).
// - mini-batches of cfg.train.batch sequences in epoch_order(seed, epoch, N)
//   order; the last partial batch is kept and gets its own cached primitive shape.
// - early stopping (patience > 0): after each epoch the validation loss
//   (batch_loss on data.eval[val]: its primary term, or the total with
//   [train] early_stop_on = total) is recorded; the best weights (lowest val
//   loss; ties keep the earlier epoch) are restored at the end; training stops
//   after `patience` epochs without a strict improvement, but not before epoch
//   [train] min_epochs (the count goes on; 0 = no minimum).
// - a non-finite loss or gradient stops the run: status failed, failed_epoch = K
//   (1-based), message "non-finite loss at epoch K" (or "... gradient ..."),
//   loss curves hold the K-1 finished epochs, metrics are NaN.
// - train_seconds: wall time of the epoch loop (not the final evaluation).
#include "mtl/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>
#include <memory>
#include <string>

#include "mtl/backend.hpp"
#include "mtl/evaluate.hpp"
#include "mtl/minibatch.hpp"
#include "mtl/loss.hpp"
#include "mtl/lstm.hpp"
#include "mtl/optim.hpp"
#include "mtl/params.hpp"

namespace mtl {

namespace {

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float e) { return std::isfinite(e); });
}

/// len[r] = 1 + the last step of sequence r with an observed target (either
/// variable), 0 if none ([n] entries, y [T, n, 2]): the steps every loss reads
/// (masked_loss and the others read pred only where y is not NaN), for the
/// backend's forward and predict_rows.
void steps_with_targets(const float* y, int T, int n, std::vector<int>& len) {
  len.assign(static_cast<std::size_t>(n), 0);
  for (int r = 0; r < n; ++r)
    for (int t = T - 1; t >= 0; --t) {
      const float* yi = y + (static_cast<std::size_t>(t) * n + r) * kNumVariables;
      if (!std::isnan(yi[0]) || !std::isnan(yi[1])) {
        len[static_cast<std::size_t>(r)] = t + 1;
        break;
      }
    }
}

struct Trainer {
  const RunSpec& run;
  const SiteData& data;
  const Config& cfg;
  LstmBackend& lstm;
  ParamLayout layout;
  std::vector<float> params, grads, m, v;  // flat, layout.total each
  std::vector<float> xb, yb, wb, pred, dpred;  // batch buffers (wb: nse_star weights [n, 2])
  std::vector<float> daux;                 // [T, n] unscaled dL_a/dpred
  std::vector<float> acc;                  // [H] auxiliary head gradient
  std::vector<int> len;                    // [n] steps the loss reads per sequence of the batch
  std::vector<int> val_len;                // [n] the same for the val set
  std::vector<float> val_pred;             // [T, n, 2] val predictions (0 where not computed)
  int64_t step = 0;                        // Adam updates done

  Trainer(const RunSpec& r, const SiteData& d, const Config& c, LstmBackend& b)
      : run(r), data(d), cfg(c), lstm(b), layout(make_param_layout(d.train.n_in, c.model.hidden)),
        params(layout.total), grads(layout.total), m(layout.total, 0.0f), v(layout.total, 0.0f) {
    init_params(params.data(), layout, r.seed);
  }

  int batch_size() const { return training_batch_size(cfg.train, data); }

  /// One forward/backward/Adam step on [T, n, .] batch data. Returns the loss
  /// before the update; sets `bad` to "loss"/"gradient" when non-finite.
  LossValue batch_step(const float* x, const float* y, const float* w, int n, const char*& bad) {
    const int T = data.train.seq_len;
    const std::size_t points = static_cast<std::size_t>(T) * n;
    pred.resize(points * kNumVariables);
    dpred.resize(points * kNumVariables);
    const bool unscaled = cfg.train.auxiliary_head == AuxHead::unscaled && data.has_auxiliary;
    daux.resize(unscaled ? points : 0);
    steps_with_targets(y, T, n, len);
    lstm.forward(params.data(), x, n, pred.data(), len.data());
    const LossValue loss = batch_loss(pred.data(), y, T, n, run.lambda, cfg.model.loss,
                                      dpred.data(), unscaled ? daux.data() : nullptr, w);
    if (!std::isfinite(loss.total)) {
      bad = "loss";
      return loss;
    }
    lstm.backward(params.data(), dpred.data(), grads.data());
    if (unscaled) auxiliary_head_gradient(n);
    if (!all_finite(grads)) {
      bad = "gradient";
      return loss;
    }
    adam_step(params.data(), grads.data(), m.data(), v.data(), layout.total, ++step, cfg.train);
    return loss;
  }

  /// The paper-era rule (science.md): the auxiliary head's gradient is dL_a, not
  /// lambda dL_a (the trunk keeps lambda dL_a), so the head trains at lambda = 0.
  /// head_w[:, 1] = sum_{t,n} h[t,n,:] daux[t,n], head_b[1] = sum daux: replaces
  /// the backend's lambda-scaled values. Fixed order (t, then n, ascending).
  void auxiliary_head_gradient(int n) {
    const int H = layout.hidden;
    acc.assign(static_cast<std::size_t>(H), 0.0f);
    float gb = 0.0f;
    head_sums<4>(lstm.hidden(), n, gb);
    float* gw = grads.data() + layout.head_w;
    for (int k = 0; k < H; ++k) gw[k * 2 + 1] = acc[k];
    grads[layout.head_b + 1] = gb;
  }

  /// acc[k] += h[t, r, k] daux[t, r], gb += daux over the observed points, t then r
  /// ascending. For H = KH (tried 4, 8, .., 32) the sums live in a local array of
  /// compile-time size, which GCC keeps in registers (through memory, each point's
  /// adds waited for the previous point's stores: 2 % of an epoch); other H sum
  /// into acc. The same operations in the same order either way.
  template <int KH>
  void head_sums(const LstmBackend::Hidden& hid, int n, float& gb) {
    if constexpr (KH <= 32) {
      if (layout.hidden != KH) return head_sums<KH + 4>(hid, n, gb);
    }
    constexpr bool fixed = KH <= 32;
    float a[fixed ? KH : 1] = {};
    float* sum = fixed ? a : acc.data();
    const int nk = fixed ? KH : layout.hidden;
    for (int t = 0; t < data.train.seq_len; ++t)
      for (int r = 0; r < n; ++r) {
        const float d = daux[static_cast<std::size_t>(t) * n + r];
        if (d == 0.0f) continue;  // unobserved (or exactly fitted) points add nothing
        const float* hi = hid.at(t, r);
        for (int k = 0; k < nk; ++k) sum[k] += hi[k] * d;
        gb += d;
      }
    if (fixed) std::copy(a, a + nk, acc.begin());
  }

  /// One epoch; the loss is the sequence-weighted mean over its batches.
  LossValue epoch(int e, const char*& bad) {
    return train_epoch(data.train, batch_size(), run.seed, e, xb, yb, wb, bad,
                       [this](const float* x, const float* y, const float* w, int n, const char*& b) {
                         return batch_step(x, y, w, n, b);
                       });
  }

  /// Normalised predictions [T, N, 2] on an evaluation set.
  std::vector<float> predict(const SequenceSet& s) {
    std::vector<float> out(static_cast<std::size_t>(s.seq_len) * s.n_seq * kNumVariables);
    lstm.predict(params.data(), s.x.data(), s.seq_len, s.n_seq, out.data());
    return out;
  }

  /// Validation loss for early stopping: the primary term (default) or the total.
  /// Forward-only, into buffers made at the first call; only the steps up to each
  /// sequence's last target are computed (the loss reads observed points only).
  double val_loss() {
    const SequenceSet& s = data.eval[static_cast<int>(Part::val)];
    if (val_pred.empty()) {
      steps_with_targets(s.y.data(), s.seq_len, s.n_seq, val_len);
      val_pred.assign(static_cast<std::size_t>(s.seq_len) * s.n_seq * kNumVariables, 0.0f);
    }
    lstm.predict_rows(params.data(), s.x.data(), s.seq_len, s.n_seq, val_len.data(),
                      val_pred.data());
    const LossValue l = batch_loss(val_pred.data(), s.y.data(), s.seq_len, s.n_seq, run.lambda,
                                   cfg.model.loss, nullptr, nullptr,
                                   s.weight.empty() ? nullptr : s.weight.data());
    return cfg.train.early_stop_on == StopOn::primary ? l.primary : l.total;
  }

  void train(RunResult& r);
};

void Trainer::train(RunResult& r) {
  const auto start = std::chrono::steady_clock::now();
  const int patience = cfg.train.patience;
  double best_val = std::numeric_limits<double>::infinity();
  std::vector<float> best_params;
  int since_best = 0;
  for (auto* curve : {&r.loss_total, &r.loss_primary, &r.loss_auxiliary, &r.val_loss})
    curve->reserve(static_cast<std::size_t>(cfg.train.epochs));  // no growth inside the loop
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
    } else if (++since_best >= patience && e + 1 >= cfg.train.min_epochs) {
      break;
    }
  }
  if (patience > 0 && !best_params.empty() && r.status != RunStatus::failed) params = best_params;
  r.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.loss_total.empty()) r.final_loss = r.loss_total.back();
}


/// Train and evaluate one run on `lstm`.
RunResult train_one(const RunSpec& run, const SiteData& data, const Config& cfg, LstmBackend& lstm,
                    RunTrace* trace) {
  RunResult r;
  r.run_id = run.run_id;
  if (fail_if_untrainable(data, r)) return r;
  Trainer t(run, data, cfg, lstm);
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

/// The process-wide backend of this shape (like lstm_net's cache): its buffers
/// serve every run of the shape. Backends hold no state that changes a number.
/// One training thread per process.
LstmBackend& backend_for(const SiteData& data, const Config& cfg) {
  static std::map<std::tuple<int, int, int, int>, std::unique_ptr<LstmBackend>> cache;
  set_compute_threads(cfg.train.threads);
  const BackendKind kind = numeric_path(cfg.train.backend).backend;
  const auto key = std::make_tuple(static_cast<int>(kind), data.train.n_in, cfg.model.hidden,
                                   data.train.seq_len);
  auto& slot = cache[key];
  if (!slot) slot = make_backend(kind, data.train.n_in, cfg.model.hidden, data.train.seq_len);
  return *slot;
}

}  // namespace

RunResult train_run(const RunSpec& run, const SiteData& data, const Config& cfg,
                    RunTrace* trace) {
  return train_one(run, data, cfg, backend_for(data, cfg), trace);
}

std::vector<RunResult> train_runs(const std::vector<RunSpec>& runs, const SiteData& data,
                                  const Config& cfg) {
  LstmBackend& lstm = backend_for(data, cfg);
  std::vector<RunResult> out;
  out.reserve(runs.size());
  for (const RunSpec& run : runs) out.push_back(train_one(run, data, cfg, lstm, nullptr));
  return out;
}

int training_batch_size(const TrainConfig& train, const SiteData& data) {
  const int n = data.train.n_seq;
  const int sites = static_cast<int>(data.site_indices.size());
  const int b = train.batch > 0 ? train.batch : (sites > 1 ? sites : n);
  return b >= n ? n : b;
}

}  // namespace mtl
