#pragma once
// The experiment configuration: INI file + command-line overrides, parsed once
// by Boost.Program_options into plain typed structs and validated completely.
// Downstream code receives these structs, never a variables_map.
// Every key is one row of the table in src/core/config_keys_*.cpp (parsing,
// checks, effective_ini, --help-config, docs/config.md); a field's default
// below is the key's default.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace mtl {

/// Target variables. Their index is the position on the results file's
/// `variable` dimension (flow = 0, temp = 1). The temp slot holds the file
/// variable variable_name() gives: temp, or the series experiment.auxiliary
/// names (e.g. a hidden-state truth series such as swe_true).
enum class Variable { flow = 0, temp = 1 };
enum class Scope { single_site, multi_site };
enum class LossKind { rmse, nnse, nnse_samplewise, nse_star };
/// [data] flow_scaling: how flow is scaled before the z-score. pooled: m3 s-1
/// as stored (one z-score over all sites); depth: per site to mm/day by the
/// site's `area` attribute (km2), then one z-score over all sites (Kratzert et
/// al. 2019, NeuralHydrology), so big rivers do not own a regional loss.
enum class FlowScaling { pooled, depth };
enum class PredictionOutput { none, test, all };
/// [train] backend (backend.hpp).
enum class BackendChoice { automatic, kernels, onednn };
/// [train] early_stop_on: the validation loss that early stopping watches.
enum class StopOn { primary, total };
/// [train] auxiliary_head: the auxiliary head's gradient is dL_a (unscaled, the
/// paper-era code: it trains even at lambda = 0) or lambda dL_a (plain L_p + lambda L_a).
enum class AuxHead { unscaled, scaled };
/// [output] weights: none, or the final parameters of every run (the ones its
/// metrics were computed with) in the results file.
enum class WeightsOutput { none, final };

constexpr int kNumVariables = 2;
const char* to_string(Variable v);
/// UDUNITS-2 units of a target in the input data set and the results file:
/// flow "m3 s-1", temp "degC".
const char* units_of(Variable v);
const char* to_string(Scope s);
const char* to_string(LossKind k);
const char* to_string(FlowScaling f);
const char* to_string(PredictionOutput p);
const char* to_string(BackendChoice b);
const char* to_string(StopOn s);
const char* to_string(AuxHead a);
const char* to_string(WeightsOutput w);

/// Inclusive range of days since 1970-01-01.
struct DateRange {
  int32_t first = 0;
  int32_t last = -1;
  int32_t days() const { return last - first + 1; }
};

/// Days since 1970-01-01 from "YYYY-MM-DD" (proleptic Gregorian); throws std::invalid_argument.
int32_t parse_date(const std::string& text);
std::string format_date(int32_t day);
/// "YYYY-MM-DD:YYYY-MM-DD"; throws std::invalid_argument.
DateRange parse_date_range(const std::string& text);

struct ExperimentConfig {
  std::string name = "experiment";
  std::string output = "results/experiment.h5";  // results file path
  Variable primary = Variable::flow;
  bool has_auxiliary = true;                      // false: auxiliary = none
  Variable auxiliary = Variable::temp;
  /// experiment.auxiliary naming a series of the file other than flow/temp:
  /// it takes the temp slot (auxiliary = Variable::temp, primary = flow).
  std::string aux_series;                         // empty: the temp slot holds temp
  Scope scope = Scope::single_site;
};

/// The file variable in slot v: "flow", "temp" or experiment.auxiliary's series.
std::string variable_name(const ExperimentConfig& e, Variable v);

struct DataConfig {
  std::string file;                     // input data set (netCDF-4/HDF5)
  std::string sites_spec = "all";       // verbatim: all | ids | @file
  std::vector<std::string> sites;       // explicit ids; empty means "all sites in the file"
  std::vector<std::string> drivers;     // empty means all drivers in the file
  DateRange train, val, test;
  bool log_flow = false;
  /// Site selection rule (experiments 3/4): keep sites with at least this many
  /// observed primary-target days in the training period (0 = keep all).
  int min_train_obs = 0;
  /// Days between the starts of training windows; 0 = model.seq_len (consecutive,
  /// non-overlapping). Smaller: overlapping windows (more sequences per epoch).
  int train_stride = 0;
  FlowScaling flow_scaling = FlowScaling::pooled;
  /// [data] static: basin attributes (mtl_role = attribute) concatenated to the
  /// inputs at every step, z-scored over the selected sites. static_all: every
  /// attribute of the file (in file order); else the names in `statics`.
  bool static_all = false;
  std::vector<std::string> statics;
  /// Whether any static attribute is an input.
  bool uses_static() const { return static_all || !statics.empty(); }
};

struct ModelConfig {
  int hidden = 20;
  int seq_len = 365;
  LossKind loss = LossKind::rmse;
  /// Leading days of every sequence that only warm up the state: excluded from
  /// the loss; evaluation prepends this many preceding days to every block.
  int warmup = 0;
  /// nse_star: eps of 1 / (s_b + eps)^2, in the target's scaled units before the
  /// z-score (mm/day for flow as depth, m3 s-1 pooled, degC for temp).
  double nse_star_eps = 0.1;
};

struct TrainConfig {
  int epochs = 50;
  int batch = 0;                  // 0 = all training sequences in one batch
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;          // Keras default
  int patience = 0;               // 0 = no early stopping
  int min_epochs = 0;             // early stopping does not stop before this epoch
  int threads = 1;                // oneDNN/OpenMP threads per rank
  BackendChoice backend = BackendChoice::automatic;  // LSTM backend (mtl/backend.hpp)
  StopOn early_stop_on = StopOn::primary;
  AuxHead auxiliary_head = AuxHead::unscaled;
};

struct GridConfig {
  std::vector<double> lambdas;    // multi-task scaling factors, e.g. 0 1 5 ... 320
  std::vector<int> seeds;         // e.g. 0..29
};

struct OutputConfig {
  bool loss_curves = false;
  PredictionOutput predictions = PredictionOutput::none;
  WeightsOutput weights = WeightsOutput::none;
};

struct Config {
  ExperimentConfig experiment;
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  GridConfig grid;
  OutputConfig output;
  std::string source;    // where the INI came from (for messages)
  std::string ini_text;  // verbatim INI text (stored in the results file)
  std::vector<std::string> overrides;  // "section.key=value" from the command line
};

/// Parse INI text plus overrides ("section.key", "value" pairs already joined as
/// "section.key=value"). Throws ConfigError naming source, key and value.
/// Does not touch the file system (data file existence is checked by the caller).
Config parse_config(std::istream& ini, const std::string& source,
                    const std::vector<std::string>& overrides = {});
Config parse_config_text(const std::string& ini_text, const std::string& source,
                         const std::vector<std::string>& overrides = {});

/// The effective configuration as INI text (every key, resolved values).
/// Parsing it again gives an equal Config; used to refuse resuming against another config.
std::string effective_ini(const Config& cfg);

/// Names of every key, "section.key", in the order effective_ini writes them.
const std::vector<std::string>& config_keys();

/// `mtl_mpi --help-config`: every key with its type, default, allowed values
/// and meaning; as text, or as the Markdown table of docs/config.md.
std::string config_help_text();
std::string config_help_markdown();

/// Longest lists accepted (a grid is sites x lambdas x seeds runs; the study
/// uses 9 lambdas and 30 seeds). Longer lists are refused with these numbers.
constexpr std::size_t kMaxSeeds = 100000;
constexpr std::size_t kMaxLambdas = 1000;

/// Parse "0-29" / "0 3 7" / "0-4 10" into a list; throws std::invalid_argument
/// (duplicates, more than kMaxSeeds seeds). O(n log n).
std::vector<int> parse_seed_list(const std::string& text);

}  // namespace mtl
