#pragma once
// Adam (Kingma & Ba 2015, arXiv:1412.6980) with Keras' epsilon placement:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)
//   p -= lr_t * m / (sqrt(v) + eps)
// i.e. epsilon is added to sqrt(v) before bias correction ("epsilon hat" of
// Kingma & Ba, section 2), as tf.keras.optimizers.Adam does; PyTorch instead adds
// it to sqrt(v_hat). Documented and tested for 3 steps by hand in optim_test.
#include <cstddef>
#include <cstdint>

#include "mtl/config.hpp"

namespace mtl {

/// One Adam update of n parameters; step is 1 for the first update.
void adam_step(float* params, const float* grads, float* m, float* v, std::size_t n,
               int64_t step, const TrainConfig& cfg);

}  // namespace mtl
