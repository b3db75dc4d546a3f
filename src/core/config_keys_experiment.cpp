// Rows of [experiment] and [data] (config_table.hpp: one row per key).
#include <algorithm>
#include <cctype>
#include <set>

#include "config_table.hpp"

namespace mtl {
namespace {

/// A path or name that must not be empty.
template <class Field>
ConfigKey text_key(const char* section, const char* name, bool required, const char* help, Field field) {
  return {section, name, "text", "non-empty", required, help,
          [field](const KeyText& v, Config& c) {
            if (v.text().empty()) v.fail("must not be empty");
            field(c) = v.text();
          },
          [field](const Config& c) { return field(c); }};
}

/// A date range that must start after the range after(c) (nullptr: none) ends.
template <class Field, class After>
ConfigKey dates_key(const char* name, const char* help, Field field, After after, const char* why) {
  return {"data", name, "dates", "YYYY-MM-DD:YYYY-MM-DD", true, help,
          [field, after, why](const KeyText& v, Config& c) {
            field(c) = v.dates();
            const DateRange* before = after(c);
            if (before && field(c).first <= before->last) v.fail(why);
          },
          [field](const Config& c) { return format_date(field(c).first) + ":" + format_date(field(c).last); }};
}

const std::vector<std::pair<const char*, Variable>> kVariables = {{"flow", Variable::flow},
                                                                 {"temp", Variable::temp}};

void read_auxiliary(const KeyText& v, Config& c) {
  ExperimentConfig& e = c.experiment;
  const std::string& aux = v.text();
  e.has_auxiliary = aux != "none";
  e.aux_series.clear();
  if (e.has_auxiliary && aux != "flow" && aux != "temp") {
    // Any other series of the data file (checked against the file when the
    // data are read): it takes the temp slot, so flow must be primary.
    const bool name_ok = std::all_of(aux.begin(), aux.end(), [](unsigned char ch) {
      return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
    });
    if (aux.empty() || !name_ok || aux[0] == '_') v.fail("not flow, temp, none or a variable name");
    if (e.primary != Variable::flow) v.fail("a series other than flow or temp needs primary = flow");
    e.auxiliary = Variable::temp;
    e.aux_series = aux;
  } else if (e.has_auxiliary) {
    e.auxiliary = v.choice(kVariables);
    if (e.auxiliary == e.primary) v.fail("must differ from primary");
  } else {
    e.auxiliary = e.primary == Variable::flow ? Variable::temp : Variable::flow;
  }
}

void read_sites(const KeyText& v, Config& c) {
  DataConfig& d = c.data;
  d.sites_spec = v.text();
  d.sites.clear();
  const std::vector<std::string> words = split_words(d.sites_spec);
  if (words.empty()) v.fail("must be 'all', site ids or @file");
  if (words.size() == 1 && (words[0] == "all" || words[0][0] == '@')) {
    if (words[0] != "all" && words[0].size() == 1) v.fail("@ needs a file name");
  } else {
    d.sites = words;
    if (std::set<std::string>(words.begin(), words.end()).size() != words.size()) v.fail("duplicate site id");
  }
}

void read_drivers(const KeyText& v, Config& c) {
  c.data.drivers = split_words(v.text());
  const std::vector<std::string>& d = c.data.drivers;
  if (std::set<std::string>(d.begin(), d.end()).size() != d.size()) v.fail("duplicate driver");
}

void read_static(const KeyText& v, Config& c) {
  DataConfig& d = c.data;
  const std::vector<std::string> words = split_words(v.text());
  d.static_all = words.size() == 1 && words[0] == "all";
  d.statics.clear();
  if (words.empty()) v.fail("must be 'all', 'none' or attribute names");
  if (d.static_all || (words.size() == 1 && words[0] == "none")) return;
  for (const auto& w : words)
    if (w == "all" || w == "none") v.fail("'" + w + "' cannot be combined with attribute names");
  if (std::set<std::string>(words.begin(), words.end()).size() != words.size()) v.fail("duplicate attribute");
  d.statics = words;
}

}  // namespace

std::vector<ConfigKey> experiment_data_keys() {
  const auto no_range = [](const Config&) -> const DateRange* { return nullptr; };
  return {
      text_key("experiment", "name", false, "experiment name (stored in the results)",
               [](auto& c) -> auto& { return c.experiment.name; }),
      text_key("experiment", "output", false, "results file",
               [](auto& c) -> auto& { return c.experiment.output; }),
      choice_key("experiment", "primary", kVariables, "primary target",
                 [](auto& c) -> auto& { return c.experiment.primary; }),
      {"experiment", "auxiliary", "text", "flow | temp | none | a series name", false,
       "auxiliary target: `temp`, `flow`, `none` (single-task), or any other `(site, time)` series of "
       "the data file that is not an input of the run, e.g. a truth series `soil_true` (needs "
       "`primary = flow`; it takes the temp slot of the results' `variable` dimension under its own name)",
       read_auxiliary,
       [](const Config& c) {
         const ExperimentConfig& e = c.experiment;
         return e.has_auxiliary ? variable_name(e, e.auxiliary) : std::string("none");
       }},
      choice_key<Scope>("experiment", "scope",
                        {{"single_site", Scope::single_site}, {"multi_site", Scope::multi_site}},
                        "`single_site`: one LSTM per site; `multi_site`: one LSTM on all selected sites",
                        [](auto& c) -> auto& { return c.experiment.scope; }),
      text_key("data", "file", true, "input data set (netCDF-4/HDF5)",
               [](auto& c) -> auto& { return c.data.file; }),
      {"data", "sites", "list", "all | ids | @file", false,
       "`all`, space-separated site ids, or `@file` with one id per line (`#` comments)", read_sites,
       [](const Config& c) { return c.data.sites_spec; }},
      {"data", "drivers", "list", "driver names", false,
       "space-separated driver names; empty = every driver in the file", read_drivers,
       [](const Config& c) { return join_words(c.data.drivers); }},
      dates_key("train", "training period", [](auto& c) -> auto& { return c.data.train; }, no_range, ""),
      dates_key("val", "validation period, after `train`", [](auto& c) -> auto& { return c.data.val; },
                [](const Config& c) { return &c.data.train; }, "must start after the training period ends"),
      dates_key("test", "test period, after `val`", [](auto& c) -> auto& { return c.data.test; },
                [](const Config& c) { return &c.data.val; }, "must start after the validation period ends"),
      boolean_key("data", "log_flow", "model ln(flow + 0.001) instead of flow",
                  [](auto& c) -> auto& { return c.data.log_flow; }),
      integer_key("data", "min_train_obs", 0, 1L << 30,
                  "keep only sites with at least this many observed primary-target days in training",
                  [](auto& c) -> auto& { return c.data.min_train_obs; }),
      integer_key("data", "train_stride", 0, 100000,
                  "days between training-window starts; 0 = `seq_len` (non-overlapping); smaller = "
                  "overlapping windows",
                  [](auto& c) -> auto& { return c.data.train_stride; }),
      choice_key<FlowScaling>(
          "data", "flow_scaling", {{"pooled", FlowScaling::pooled}, {"depth", FlowScaling::depth}},
          "`pooled`: flow in m3 s-1, one z-score over all sites; `depth`: each site's flow to mm/day by "
          "its `area` attribute (km2) before the z-score (needs `area` for every site)",
          [](auto& c) -> auto& { return c.data.flow_scaling; }),
      {"data", "static", "list", "all | none | attribute names", false,
       "basin attributes (`mtl_role = attribute` variables of the data file) concatenated to the "
       "inputs at every step, z-scored over the selected sites: `all`, `none` or names",
       read_static,
       [](const Config& c) {
         return c.data.static_all ? std::string("all")
                                  : c.data.statics.empty() ? std::string("none") : join_words(c.data.statics);
       }},
  };
}

}  // namespace mtl
