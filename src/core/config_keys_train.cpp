// Rows of [model] and [train] (config_table.hpp: one row per key).
#include "config_table.hpp"

namespace mtl {

std::vector<ConfigKey> model_train_keys() {
  ConfigKey warmup = integer_key(
      "model", "warmup", 0, 100000,
      "leading days of every sequence that only warm up the state: no loss; evaluation blocks of "
      "`seq_len - warmup` days are preceded by the `warmup` days before them",
      [](auto& c) -> auto& { return c.model.warmup; });
  warmup.range += ", < seq_len";
  warmup.read = [read = warmup.read](const KeyText& v, Config& c) {
    read(v, c);
    if (c.model.warmup >= c.model.seq_len)
      v.fail("must be smaller than model.seq_len (" + std::to_string(c.model.seq_len) + ")");
  };
  return {
      integer_key("model", "hidden", 1, 4096, "LSTM hidden units",
                  [](auto& c) -> auto& { return c.model.hidden; }),
      integer_key("model", "seq_len", 1, 100000, "sequence length (days)",
                  [](auto& c) -> auto& { return c.model.seq_len; }),
      choice_key<LossKind>(
          "model", "loss",
          {{"rmse", LossKind::rmse},
           {"nnse", LossKind::nnse},
           {"nnse_samplewise", LossKind::nnse_samplewise},
           {"nse_star", LossKind::nse_star}},
          "`rmse` (masked RMSE per variable), `nnse` (normalised NSE over all points), "
          "`nnse_samplewise` (the paper-era loss: NSE per sequence, averaged, normalised) or "
          "`nse_star` (Kratzert et al. 2019: squared errors weighted by `1/(s_b + eps)^2`, `s_b` the "
          "site's training-period std of the target; for regional models)",
          [](auto& c) -> auto& { return c.model.loss; }),
      real_key("model", "nse_star_eps", true,
               "`eps` of the `nse_star` weights, in the target's units before the z-score (mm/day for "
               "flow with `data.flow_scaling = depth`, else m3 s-1; degC for temperature)",
               [](auto& c) -> auto& { return c.model.nse_star_eps; }),
      warmup,
      integer_key("train", "epochs", 1, 1000000, "training epochs (the most, with early stopping)",
                  [](auto& c) -> auto& { return c.train.epochs; }),
      integer_key("train", "batch", 0, 1000000,
                  "sequences per mini-batch; 0 = all training sequences (single_site) or the number of "
                  "sites (multi_site)",
                  [](auto& c) -> auto& { return c.train.batch; }),
      real_key("train", "learning_rate", true, "Adam step size",
               [](auto& c) -> auto& { return c.train.learning_rate; }),
      real_key("train", "beta1", false, "Adam first-moment decay",
               [](auto& c) -> auto& { return c.train.beta1; }),
      real_key("train", "beta2", false, "Adam second-moment decay",
               [](auto& c) -> auto& { return c.train.beta2; }),
      real_key("train", "epsilon", true, "Adam epsilon (Keras placement)",
               [](auto& c) -> auto& { return c.train.epsilon; }),
      integer_key("train", "patience", 0, 1000000,
                  "early stopping on the validation loss after this many epochs without a strict "
                  "improvement (keeps the best weights); 0 = off",
                  [](auto& c) -> auto& { return c.train.patience; }),
      integer_key("train", "min_epochs", 0, 1000000,
                  "early stopping does not stop before this many epochs (patience still counts; the "
                  "best weights are still kept); 0 = no minimum",
                  [](auto& c) -> auto& { return c.train.min_epochs; }),
      integer_key("train", "threads", 1, 4096, "oneDNN/OpenMP threads per rank",
                  [](auto& c) -> auto& { return c.train.threads; }),
      choice_key<BackendChoice>(
          "train", "backend",
          {{"auto", BackendChoice::automatic}, {"kernels", BackendChoice::kernels}, {"onednn", BackendChoice::onednn}},
          "LSTM backend: `kernels` (ours, ISA chosen at start, capped by "
          "`MTL_MAX_ISA=avx512|avx2|generic`), `onednn` (oneDNN's LSTM primitive, the reference), "
          "`auto` = kernels on CPUs with AVX2 or AVX-512, else onednn (docs/backends.md)",
          [](auto& c) -> auto& { return c.train.backend; }),
      choice_key<StopOn>("train", "early_stop_on", {{"primary", StopOn::primary}, {"total", StopOn::total}},
                         "the validation loss early stopping watches: `primary` (the primary term) or "
                         "`total` (`L_p + lambda L_a`, mostly temperature at lambda >= 5)",
                         [](auto& c) -> auto& { return c.train.early_stop_on; }),
      choice_key<AuxHead>(
          "train", "auxiliary_head", {{"unscaled", AuxHead::unscaled}, {"scaled", AuxHead::scaled}},
          "the auxiliary head's gradient: `unscaled` = `dL_a` (the paper-era code: it trains even at "
          "lambda = 0, so temperature metrics at lambda = 0 are a read-out of the single-task state) or "
          "`scaled` = `lambda dL_a`; the shared LSTM always gets `dL_p + lambda dL_a`",
          [](auto& c) -> auto& { return c.train.auxiliary_head; }),
  };
}

}  // namespace mtl
