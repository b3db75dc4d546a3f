#pragma once
// One training epoch over the training sequences, shared by the single-run and
// lockstep trainers so both follow the same convention: full batch when the
// batch covers every sequence (one Adam step, the loss before it), otherwise
// mini-batches in epoch_order(seed, epoch, N) order, the last partial batch
// kept, and the epoch loss = the sequence-weighted mean of the batch losses.
#include <algorithm>
#include <vector>

#include "mtl/data.hpp"
#include "mtl/loss.hpp"

namespace mtl {

/// Order of training sequences in epoch `epoch` (0-based) for mini-batches:
/// a permutation of 0..n_seq-1 from the counter-based RNG keyed by (seed, epoch)
/// (minibatch.cpp).
std::vector<int> epoch_order(int seed, int epoch, int n_seq);

/// step(x [T, n, C], y [T, n, 2], w [n, 2] or nullptr, n, bad) trains on one
/// batch and returns its loss; it sets `bad` to stop the epoch (non-finite loss
/// or gradient). w: the nse_star weights of the batch's sequences.
template <typename Step>
LossValue train_epoch(const SequenceSet& train, int batch, int seed, int epoch, std::vector<float>& xb,
                      std::vector<float>& yb, std::vector<float>& wb, const char*& bad, Step&& step) {
  const int n = train.n_seq;
  const auto weights = [](const std::vector<float>& w) { return w.empty() ? nullptr : w.data(); };
  if (batch >= n) return step(train.x.data(), train.y.data(), weights(train.weight), n, bad);
  const std::vector<int> order = epoch_order(seed, epoch, n);
  LossValue sum;
  for (int first = 0; first < n && !bad; first += batch) {
    const int count = std::min(batch, n - first);
    gather_sequences(train, order, first, count, xb, yb, wb);
    const LossValue l = step(xb.data(), yb.data(), weights(wb), count, bad);
    sum.total += l.total * count;
    sum.primary += l.primary * count;
    sum.auxiliary += l.auxiliary * count;
  }
  sum.total /= n;
  sum.primary /= n;
  sum.auxiliary /= n;
  return sum;
}

}  // namespace mtl
