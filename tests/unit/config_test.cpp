// Configuration parsing and validation, fed from strings (no files).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "mtl/cli.hpp"
#include "mtl/config.hpp"
#include "mtl/errors.hpp"

namespace {

const char* kIni = R"(# a small grid
[experiment]
name = demo
output = results/demo.h5
primary = flow
auxiliary = temp
scope = single_site

[data]
file = data/synth.nc
sites = synth000 synth001
train = 1980-10-01:2005-09-30
val = 2005-10-01:2010-09-30
test = 2010-10-01:2020-09-30

[model]
hidden = 20

[train]
epochs = 5

[grid]
lambdas = 0 1 5
seeds = 0-2 7
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return text.replace(pos, from.size(), to);
}

/// The ConfigError message of parsing `ini`, or "" when it parses.
std::string error_of(const std::string& ini, const std::vector<std::string>& overrides = {}) {
  try {
    mtl::parse_config_text(ini, "test.ini", overrides);
  } catch (const mtl::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, ParsesAllSectionsAndDefaults) {
  const mtl::Config c = mtl::parse_config_text(kIni, "test.ini");
  EXPECT_EQ(c.experiment.name, "demo");
  EXPECT_EQ(c.experiment.primary, mtl::Variable::flow);
  EXPECT_TRUE(c.experiment.has_auxiliary);
  EXPECT_EQ(c.experiment.auxiliary, mtl::Variable::temp);
  EXPECT_EQ(c.data.sites, (std::vector<std::string>{"synth000", "synth001"}));
  EXPECT_EQ(c.data.train.first, mtl::parse_date("1980-10-01"));
  EXPECT_EQ(c.data.train.days(), 9131);  // 25 water years incl. 6 leap days
  EXPECT_EQ(c.model.hidden, 20);
  EXPECT_EQ(c.model.seq_len, 365);  // default
  EXPECT_EQ(c.train.epochs, 5);
  EXPECT_DOUBLE_EQ(c.train.epsilon, 1e-7);
  EXPECT_EQ(c.grid.lambdas, (std::vector<double>{0, 1, 5}));
  EXPECT_EQ(c.grid.seeds, (std::vector<int>{0, 1, 2, 7}));
  EXPECT_EQ(c.output.predictions, mtl::PredictionOutput::none);
  EXPECT_EQ(c.train.backend, mtl::BackendChoice::automatic);
  EXPECT_EQ(c.train.early_stop_on, mtl::StopOn::primary);
  EXPECT_EQ(c.train.auxiliary_head, mtl::AuxHead::unscaled);
  EXPECT_EQ(c.model.warmup, 0);
  EXPECT_EQ(c.data.train_stride, 0);
  EXPECT_EQ(c.output.weights, mtl::WeightsOutput::none);
  EXPECT_EQ(c.ini_text, kIni);
}

TEST(Config, WeightsFinalOrNone) {
  EXPECT_EQ(mtl::parse_config_text(kIni, "test.ini", {"output.weights=final"}).output.weights,
            mtl::WeightsOutput::final);
  EXPECT_NE(error_of(std::string(kIni) + "[output]\nweights = best\n")
                .find("[output] weights = 'best': must be one of none | final"),
            std::string::npos)
      << error_of(std::string(kIni) + "[output]\nweights = best\n");
}

TEST(Config, CommandLineOverridesWin) {
  const mtl::Config c = mtl::parse_config_text(kIni, "test.ini", {"train.epochs=7", "grid.lambdas=0 1"});
  EXPECT_EQ(c.train.epochs, 7);
  EXPECT_EQ(c.grid.lambdas, (std::vector<double>{0, 1}));
}

TEST(Config, EffectiveIniRoundTrips) {
  const mtl::Config a = mtl::parse_config_text(kIni, "test.ini", {"train.learning_rate=0.0031"});
  const mtl::Config b = mtl::parse_config_text(mtl::effective_ini(a), "effective");
  EXPECT_EQ(mtl::effective_ini(a), mtl::effective_ini(b));
  EXPECT_EQ(b.train.learning_rate, 0.0031);
  EXPECT_EQ(b.grid.seeds, a.grid.seeds);
}

// A series of the file as auxiliary takes the temp slot under its own name.
TEST(Config, AuxiliarySeriesTakesTheTempSlot) {
  const mtl::Config c = mtl::parse_config_text(replace(kIni, "auxiliary = temp", "auxiliary = swe_true"), "t");
  EXPECT_EQ(c.experiment.auxiliary, mtl::Variable::temp);
  EXPECT_EQ(c.experiment.aux_series, "swe_true");
  EXPECT_EQ(mtl::variable_name(c.experiment, mtl::Variable::temp), "swe_true");
  EXPECT_EQ(mtl::variable_name(c.experiment, mtl::Variable::flow), "flow");
  const mtl::Config b = mtl::parse_config_text(mtl::effective_ini(c), "effective");
  EXPECT_EQ(b.experiment.aux_series, "swe_true");
  EXPECT_EQ(mtl::variable_name(mtl::parse_config_text(kIni, "t").experiment, mtl::Variable::temp), "temp");
}

TEST(Config, BadInputNamesFileKeyAndValue) {
  struct Case {
    std::string ini;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {replace(kIni, "epochs = 5", "epochs = five"), "test.ini: [train] epochs = 'five': not an integer"},
      {replace(kIni, "epochs = 5", "epochs = 0"), "[train] epochs = '0': must be in"},
      {replace(kIni, "hidden = 20", "hidden = 2.5"), "[model] hidden = '2.5': not an integer"},
      {replace(kIni, "hidden = 20", "hiden = 20"), "test.ini: unrecognised option 'model.hiden'"},
      {replace(kIni, "train = 1980-10-01", "train = 1980-13-01"), "[data] train = '1980-13-01:2005-09-30'"},
      {replace(kIni, "val = 2005-10-01", "val = 2001-10-01"), "[data] val = '2001-10-01:2010-09-30': must start after"},
      {replace(kIni, "lambdas = 0 1 5", "lambdas ="), "[grid] lambdas = '': empty list"},
      {replace(kIni, "lambdas = 0 1 5", "lambdas = 0 -1"), "'-1' is negative"},
      {replace(kIni, "lambdas = 0 1 5", "lambdas = 0 1 1"), "duplicate value '1'"},
      {replace(kIni, "seeds = 0-2 7", "seeds = 0-2 2"), "[grid] seeds = '0-2 2': duplicate seed 2"},
      {replace(kIni, "seeds = 0-2 7", "seeds = 3-1"), "range '3-1' is empty"},
      {replace(kIni, "file = data/synth.nc\n", ""), "test.ini: [data] file is required but missing"},
      {replace(kIni, "primary = flow", "primary = discharge"), "[experiment] primary = 'discharge': must be one of flow | temp"},
      {replace(kIni, "auxiliary = temp", "auxiliary = flow"), "must differ from primary"},
      {replace(kIni, "auxiliary = temp", "auxiliary = swe true"), "[experiment] auxiliary = 'swe true': not flow, temp"},
      {replace(replace(kIni, "auxiliary = temp", "auxiliary = swe_true"), "primary = flow", "primary = temp"),
       "auxiliary = 'swe_true': a series other than flow or temp needs primary = flow"},
      {replace(kIni, "sites = synth000 synth001", "sites = a b a"), "duplicate site id"},
      {replace(kIni, "hidden = 20", "hidden = 20\nwarmup = 365"),
       "[model] warmup = '365': must be smaller than model.seq_len (365)"},
      {replace(kIni, "epochs = 5", "epochs = 5\nearly_stop_on = val"), "[train] early_stop_on = 'val': must be one of"},
      {replace(kIni, "epochs = 5", "epochs = 5\nauxiliary_head = half"), "[train] auxiliary_head = 'half'"},
      {replace(kIni, "epochs = 5", "epochs = 5\nbackend = gpu"), "[train] backend = 'gpu': must be one of auto | kernels | onednn"},
  };
  for (const Case& c : cases) {
    const std::string msg = error_of(c.ini);
    EXPECT_NE(msg.find(c.expected), std::string::npos) << "got: " << msg << "\nexpected: " << c.expected;
  }
}

TEST(Config, BadOverrideNamesCommandLine) {
  const std::string msg = error_of(kIni, {"train.epochs=-3"});
  EXPECT_NE(msg.find("command line (--train.epochs): [train] epochs = '-3'"), std::string::npos) << msg;
  EXPECT_NE(error_of(kIni, {"train.epoch=3"}).find("unknown option '--train.epoch'"), std::string::npos);
}

TEST(Config, SeedZeroIsASeed) {
  EXPECT_EQ(mtl::parse_seed_list("0"), std::vector<int>{0});
  EXPECT_EQ(mtl::parse_seed_list("0-29").size(), 30u);
}

TEST(Config, LongSeedAndLambdaListsAreBoundedAndFast) {
  // The longest accepted list with its duplicate at the very end: the old
  // pairwise check took ~n^2/2 = 5e9 comparisons here.
  const auto t0 = std::chrono::steady_clock::now();
  try {
    mtl::parse_seed_list("0-99998 99998");
    FAIL() << "duplicate accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "duplicate seed 99998");
  }
  EXPECT_EQ(mtl::parse_seed_list("0-99999").size(), mtl::kMaxSeeds);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 2.0) << "seed lists must parse in O(n log n)";
  for (const char* too_long : {"0-999999", "0-99999 100000", "0-999999999"}) {
    try {
      mtl::parse_seed_list(too_long);
      FAIL() << too_long << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("more than 100000 seeds (the limit)"), std::string::npos) << e.what();
    }
  }
  std::string lambdas;
  for (int i = 0; i <= 1000; ++i) lambdas += std::to_string(i) + " ";
  const std::string msg = error_of(kIni, {"grid.lambdas=" + lambdas});
  EXPECT_NE(msg.find("[grid] lambdas"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1001 values; at most 1000 are accepted"), std::string::npos) << msg;
  EXPECT_NE(error_of(kIni, {"grid.lambdas=0 1 0.5 1.0"}).find("duplicate value '1.0'"), std::string::npos);
}

TEST(Dates, CivilCalendar) {
  EXPECT_EQ(mtl::parse_date("1970-01-01"), 0);
  EXPECT_EQ(mtl::parse_date("2000-03-01"), 11017);
  EXPECT_EQ(mtl::parse_date("1969-12-31"), -1);
  EXPECT_EQ(mtl::format_date(mtl::parse_date("2020-02-29")), "2020-02-29");
  EXPECT_THROW(mtl::parse_date("2019-02-29"), std::invalid_argument);
  EXPECT_THROW(mtl::parse_date("2019-2-28"), std::invalid_argument);
  for (int d = -800000; d < 800000; d += 997) EXPECT_EQ(mtl::parse_date(mtl::format_date(d)), d);
}

TEST(Cli, ParsesOptionsAndOverrides) {
  const char* argv[] = {"mtl_mpi", "jobs/exp1.ini", "--dry-run", "--ranks", "512", "--train.epochs", "5",
                        "--grid.lambdas", "0 1"};
  const mtl::CliOptions o = mtl::parse_cli(9, argv);
  EXPECT_EQ(o.config_path, "jobs/exp1.ini");
  EXPECT_TRUE(o.dry_run);
  EXPECT_EQ(o.ranks, 512);
  EXPECT_EQ(o.overrides, (std::vector<std::string>{"train.epochs=5", "grid.lambdas=0 1"}));
}

TEST(Cli, RetryFailedGoesWithResume) {
  const char* ok[] = {"mtl_mpi", "x.ini", "--resume", "--retry-failed"};
  EXPECT_TRUE(mtl::parse_cli(4, ok).retry_failed);
  const char* alone[] = {"mtl_mpi", "x.ini", "--retry-failed"};
  try {
    mtl::parse_cli(3, alone);
    FAIL() << "--retry-failed without --resume accepted";
  } catch (const mtl::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--retry-failed needs --resume"), std::string::npos);
  }
}

TEST(Cli, HelpConfigTextOrMarkdown) {
  const char* text[] = {"mtl_mpi", "--help-config"};
  EXPECT_EQ(mtl::parse_cli(2, text).help_config, "text");
  const char* markdown[] = {"mtl_mpi", "--help-config=markdown"};
  EXPECT_EQ(mtl::parse_cli(2, markdown).help_config, "markdown");
  const char* bad[] = {"mtl_mpi", "--help-config=html"};
  try {
    mtl::parse_cli(2, bad);
    FAIL() << "--help-config=html accepted";
  } catch (const mtl::ConfigError& e) {
    EXPECT_STREQ(e.what(), "command line: --help-config = 'html': must be text or markdown");
  }
}

// --help-config shows every key once, with the default a missing key takes.
TEST(Config, HelpConfigShowsEveryKeyAndItsDefault) {
  const std::string text = mtl::config_help_text(), md = mtl::config_help_markdown();
  for (const std::string& key : mtl::config_keys()) {
    const std::string section = key.substr(0, key.find('.')), name = key.substr(key.find('.') + 1);
    const std::string row = "| " + section + " | `" + name + "` |";
    EXPECT_NE(md.find(row), std::string::npos) << key;
    EXPECT_EQ(md.find(row, md.find(row) + 1), std::string::npos) << key << " twice";
    EXPECT_NE(text.find("\n  " + name + " "), std::string::npos) << key;
  }
  EXPECT_NE(md.find("| train | `epochs` | integer | `50` | [1, 1000000] |"), std::string::npos) << md;
  EXPECT_NE(md.find("| train | `epsilon` | number | `1e-07` | > 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| grid | `seeds` | list | (required) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| experiment | `primary` | choice | `flow` | flow \\| temp |"), std::string::npos) << md;
  // A key's default is its Config field's default: parsing only the required keys gives it.
  const mtl::Config c = mtl::parse_config_text(
      "[data]\nfile = f.nc\ntrain = 2000-01-01:2000-12-31\nval = 2001-01-01:2001-12-31\n"
      "test = 2002-01-01:2002-12-31\n[grid]\nlambdas = 0\nseeds = 0\n", "t.ini");
  const mtl::Config defaults;
  EXPECT_EQ(c.train.epochs, defaults.train.epochs);
  EXPECT_EQ(c.train.epsilon, defaults.train.epsilon);
  EXPECT_EQ(c.experiment.output, defaults.experiment.output);
  EXPECT_EQ(c.train.backend, defaults.train.backend);
}

TEST(Cli, RejectsUnknownOptionAndBadOnly) {
  const char* argv[] = {"mtl_mpi", "x.ini", "--train.epoch", "5"};
  EXPECT_THROW(mtl::parse_cli(4, argv), mtl::ConfigError);
  const mtl::OnlyRun r = mtl::parse_only("site=01022500,lambda=0.5,seed=0");
  EXPECT_EQ(r.site, "01022500");
  EXPECT_EQ(r.lambda, 0.5);
  EXPECT_EQ(r.seed, 0);
  EXPECT_THROW(mtl::parse_only("site=x,lambda=a,seed=0"), mtl::ConfigError);
  EXPECT_THROW(mtl::parse_only("site=x,seed=0"), mtl::ConfigError);
}

}  // namespace
