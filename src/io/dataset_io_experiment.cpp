// The data of an experiment: read_dataset with the run's drivers, and the
// series experiment.auxiliary names (other than flow/temp) moved into the
// temp slot, so the data layer, trainer and results see two targets as usual.
#include <algorithm>

#include "mtl/dataset_io.hpp"
#include "mtl/errors.hpp"

namespace mtl {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

}  // namespace

DataSet read_experiment_data(const Config& cfg, const std::vector<std::string>& site_ids) {
  const std::string& file = cfg.data.file;
  const std::string& aux = cfg.experiment.aux_series;
  if (aux.empty()) return read_dataset(file, site_ids, cfg.data.drivers);
  const DataSetInfo info = read_dataset_info(file);
  const std::vector<std::string>& inputs = cfg.data.drivers.empty() ? info.driver_names : cfg.data.drivers;
  const std::string what = file + ": [experiment] auxiliary = '" + aux + "'";
  // Learning an input back would be no auxiliary task at all.
  if (contains(inputs, aux)) throw DataError(what + " is an input of this run (data.drivers)");
  if (!contains(info.driver_names, aux) && !contains(info.extra_names, aux))
    throw DataError(what + ": no such (site, time) series in the file (drivers: " +
                    joined(info.driver_names) + "; truth series: " + joined(info.extra_names) + ")");
  DataSet ds = read_dataset(file, site_ids, cfg.data.drivers, {aux});
  ds.temp = std::move(ds.extras.front().values);
  ds.extras.clear();
  return ds;
}

StaticScaling experiment_statics(const Config& cfg, const std::vector<std::string>& site_ids) {
  if (!cfg.data.uses_static()) return {};
  const DataSet meta = read_site_attributes(cfg.data.file, site_ids);
  std::vector<int> all(static_cast<std::size_t>(meta.n_sites()));
  for (int s = 0; s < meta.n_sites(); ++s) all[static_cast<std::size_t>(s)] = s;
  return fit_static(meta, all, cfg, cfg.data.file);
}

}  // namespace mtl
