// The onednn backend (backend.hpp): oneDNN's LSTM primitive through the
// process-wide cache of lstm.hpp, one training net per batch size and one
// inference net per evaluation shape.
#include <cstddef>

#include "mtl/backend.hpp"
#include "mtl/lstm.hpp"

namespace mtl {
namespace {

class OnednnLstm final : public LstmBackend {
 public:
  OnednnLstm(int n_in, int hidden, int seq_len) : c_(n_in), h_(hidden), t_(seq_len) {}

  void forward(const float* params, const float* x, int n, float* pred,
               const int* len) override {
    (void)len;  // oneDNN's primitive computes every row and step
    last_ = &lstm_net({t_, n, c_, h_}, LstmMode::training);
    last_->forward(params, x, pred);
    n_ = n;
  }
  void backward(const float* params, const float* dpred, float* grads) override {
    last_->backward(params, dpred, grads);
  }
  Hidden hidden() const override {  // h [T, n, H]
    Hidden out;
    out.h = last_->hidden_states();
    out.n = n_;
    out.H = h_;
    return out;
  }
  void predict(const float* params, const float* x, int steps, int n, float* pred) override {
    lstm_net({steps, n, c_, h_}, LstmMode::inference).forward(params, x, pred);
  }

 private:
  int c_, h_, t_;
  LstmNet* last_ = nullptr;  // the net of the last training forward
  int n_ = 0;                // its batch
};

}  // namespace

std::unique_ptr<LstmBackend> make_onednn_backend(int n_in, int hidden, int seq_len) {
  return std::make_unique<OnednnLstm>(n_in, hidden, seq_len);
}

}  // namespace mtl
