#pragma once
// A small synthetic SiteData built in memory (no files): z-scored drivers and two
// targets that depend on smoothed drivers, with missing observations. For the
// trainer tests and benchmarks; shapes follow data.hpp ([T, N, C], [T, N, 2]).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mtl/data.hpp"

namespace mtl::test {

inline float lcg_uniform(std::uint64_t& s) {
  s = s * 6364136223846793005ULL + 1442695040888963407ULL;
  return static_cast<float>(static_cast<double>(s >> 11) / 9007199254740992.0);
}

/// n_seq sequences of seq_len days, n_in drivers; every 7th primary and every 3rd
/// auxiliary observation missing.
inline SequenceSet synthetic_set(int seq_len, int n_seq, int n_in, std::uint64_t seed) {
  SequenceSet s;
  s.seq_len = seq_len;
  s.n_seq = n_seq;
  s.n_in = n_in;
  const std::size_t rows = static_cast<std::size_t>(seq_len) * n_seq;
  s.x.resize(rows * n_in);
  s.y.resize(rows * 2);
  s.day.resize(rows);
  s.site.assign(n_seq, 0);
  std::uint64_t st = seed * 0x9E3779B97F4A7C15ULL + 7;
  std::vector<double> state(n_seq, 0.0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int t = 0; t < seq_len; ++t)
    for (int n = 0; n < n_seq; ++n) {
      const std::size_t r = static_cast<std::size_t>(t) * n_seq + n;
      double drive = 0;
      for (int c = 0; c < n_in; ++c) {
        const float v = 2.0f * lcg_uniform(st) - 1.0f + 0.5f * std::sin(0.0172f * t + c);
        s.x[r * n_in + c] = v;
        drive += (c % 2 ? -0.3 : 0.5) * v;
      }
      state[n] = 0.9 * state[n] + 0.1 * drive;
      s.y[r * 2] = (r % 7 == 3) ? nan : static_cast<float>(2.0 * state[n]);
      s.y[r * 2 + 1] = (r % 3 == 1) ? nan : static_cast<float>(std::sin(0.0172 * t) + state[n]);
      s.day[r] = static_cast<int32_t>(n * seq_len + t);
    }
  return s;
}

inline SiteData synthetic_site(int seq_len, int n_train, int n_in, std::uint64_t seed) {
  SiteData d;
  d.site_indices = {0};
  d.site_ids = {"synthetic"};
  for (int c = 0; c < n_in; ++c) d.driver_names.push_back("d" + std::to_string(c));
  d.scaling.x_mean.assign(n_in, 0.0f);
  d.scaling.x_std.assign(n_in, 1.0f);
  d.scaling.y_mean = {10.0, 12.0};
  d.scaling.y_std = {3.0, 4.0};
  d.train = synthetic_set(seq_len, n_train, n_in, seed);
  d.eval[0] = synthetic_set(seq_len, n_train + 1, n_in, seed);
  d.eval[1] = synthetic_set(seq_len, 9, n_in, seed + 1);
  d.eval[2] = synthetic_set(seq_len, 11, n_in, seed + 2);
  for (int v = 0; v < 2; ++v)
    for (std::size_t i = v; i < d.train.y.size(); i += 2)
      if (!std::isnan(d.train.y[i])) ++d.train_obs[v];
  return d;
}

}  // namespace mtl::test
