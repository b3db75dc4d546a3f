// Rows of [grid] and [output] (config_table.hpp: one row per key).
#include <cmath>
#include <stdexcept>

#include "config_table.hpp"

namespace mtl {
namespace {

void read_lambdas(const KeyText& v, Config& c) {
  std::vector<double>& lambdas = c.grid.lambdas;
  lambdas.clear();
  const std::vector<std::string> words = split_words(v.text());
  if (words.size() > kMaxLambdas) {
    v.fail(std::to_string(words.size()) + " values; at most " + std::to_string(kMaxLambdas) +
           " are accepted");
  }
  for (const std::string& w : words) {
    std::size_t used = 0;
    double x = 0;
    try {
      x = std::stod(w, &used);
    } catch (const std::exception&) {
      v.fail("'" + w + "' is not a number");
    }
    if (used != w.size() || !std::isfinite(x)) v.fail("'" + w + "' is not a number");
    if (x < 0) v.fail("'" + w + "' is negative");
    lambdas.push_back(x);
  }
  if (const double* dup = first_duplicate(lambdas)) {
    v.fail("duplicate value '" + words[dup - lambdas.data()] + "'");
  }
  if (lambdas.empty()) v.fail("empty list");
}

void read_seeds(const KeyText& v, Config& c) {
  try {
    c.grid.seeds = parse_seed_list(v.text());
  } catch (const std::invalid_argument& e) {
    v.fail(e.what());
  }
}

}  // namespace

std::vector<ConfigKey> grid_output_keys() {
  return {
      {"grid", "lambdas", "list", "numbers >= 0, at most " + std::to_string(kMaxLambdas), true,
       "multi-task scaling factors, e.g. `0 1 5 10 20 40 80 160 320`", read_lambdas,
       [](const Config& c) {
         std::vector<std::string> words;
         for (double l : c.grid.lambdas) words.push_back(format_number(l));
         return join_words(words);
       }},
      {"grid", "seeds", "list", "integers >= 0 and ranges, at most " + std::to_string(kMaxSeeds), true,
       "numbers and ranges, e.g. `0-29` or `0 3 7` (seed 0 is a seed)", read_seeds,
       [](const Config& c) {
         std::vector<std::string> words;
         for (int s : c.grid.seeds) words.push_back(std::to_string(s));
         return join_words(words);
       }},
      boolean_key("output", "loss_curves", "store per-epoch training losses",
                  [](auto& c) -> auto& { return c.output.loss_curves; }),
      choice_key<PredictionOutput>(
          "output", "predictions",
          {{"none", PredictionOutput::none}, {"test", PredictionOutput::test}, {"all", PredictionOutput::all}},
          "store un-scaled predictions: of the test period or of all periods",
          [](auto& c) -> auto& { return c.output.predictions; }),
      choice_key<WeightsOutput>(
          "output", "weights", {{"none", WeightsOutput::none}, {"final", WeightsOutput::final}},
          "`final`: store every run's trained parameters and their scaling (saved models)",
          [](auto& c) -> auto& { return c.output.weights; }),
  };
}

}  // namespace mtl
