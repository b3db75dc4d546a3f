// Adam (Kingma & Ba 2015, Algorithm 1 with the "epsilon hat" form of section 2),
// exactly as tf.keras.optimizers.Adam applies it (see optim.hpp):
//   m_t = b1 m + (1 - b1) g
//   v_t = b2 v + (1 - b2) g^2
//   lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)
//   p_t = p - lr_t m_t / (sqrt(v_t) + eps)
//
// Precision: each element is read from float, updated in double, and stored back
// to float (p, m, v). Keras computes in float; the difference is at most a
// rounding of each stored value (2^-24 relative) per step. The update is purely
// elementwise with no reduction, so an element's result depends only on its own
// (p, g, m, v), step and the config: the single-run and the lockstep (many
// models in one buffer) paths give bit-identical parameters as long as both call
// this function (or replicate its double arithmetic operation for operation).
#include "mtl/optim.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace mtl {

void adam_step(float* params, const float* grads, float* m, float* v, std::size_t n,
               int64_t step, const TrainConfig& cfg) {
  if (step < 1) {
    throw std::invalid_argument("adam_step: step must be >= 1 (1 for the first update), got " +
                                std::to_string(step));
  }
  const double b1 = cfg.beta1, b2 = cfg.beta2, eps = cfg.epsilon;
  const double t = static_cast<double>(step);
  const double lr_t = cfg.learning_rate * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t));
  for (std::size_t i = 0; i < n; ++i) {
    const double g = grads[i];
    const double mi = b1 * m[i] + (1.0 - b1) * g;
    const double vi = b2 * v[i] + (1.0 - b2) * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    params[i] = static_cast<float>(params[i] - lr_t * mi / (std::sqrt(vi) + eps));
  }
}

}  // namespace mtl
