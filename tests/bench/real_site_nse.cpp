// Single-task model on a real CAMELS basin (issue 4 "done when"): imports the
// CAMELS-US sample (NLDAS forcing + USGS flow) from ../shared, trains one run
// (lambda 0, flow only) with train_run and prints the metrics per partition;
// --trace FILE also writes the run's HDF5 trace (write_trace). Not run by ctest.
//
//   real_site_nse [--site 01022500] [--epochs 50] [--seed 0] [--trace FILE]
//                 [--shared DIR (default $MTL_SHARED_DIR or ../shared)] [--hidden 20]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mtl/data.hpp"
#include "mtl/importers.hpp"
#include "mtl/trace.hpp"
#include "mtl/train.hpp"

int main(int argc, char** argv) {
  std::string site = "01022500", trace_path, shared =
      std::getenv("MTL_SHARED_DIR") ? std::getenv("MTL_SHARED_DIR") : "../shared";
  int epochs = 50, seed = 0, hidden = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--site") site = v;
    else if (k == "--epochs") epochs = std::atoi(v.c_str());
    else if (k == "--seed") seed = std::atoi(v.c_str());
    else if (k == "--hidden") hidden = std::atoi(v.c_str());
    else if (k == "--trace") trace_path = v;
    else if (k == "--shared") shared = v;
    else { std::fprintf(stderr, "real_site_nse: unknown option %s\n", k.c_str()); return 2; }
  }
  try {
    const std::string root = shared + "/data/real/camels_us_cuahsi_sample";
    const mtl::DataSet ds = mtl::import_camels(root + "/basin_mean_forcing/nldas",
                                               root + "/usgs_streamflow", {site});
    mtl::Config cfg;
    cfg.experiment.primary = mtl::Variable::flow;
    cfg.experiment.has_auxiliary = false;
    cfg.data.train = mtl::parse_date_range("1980-10-01:1995-09-30");
    cfg.data.val = mtl::parse_date_range("1995-10-01:2000-09-30");
    cfg.data.test = mtl::parse_date_range("2000-10-01:2010-09-30");
    cfg.model.hidden = hidden;
    cfg.train.epochs = epochs;
    cfg.output.predictions = mtl::PredictionOutput::all;
    const mtl::SiteData data = mtl::prepare_sites(ds, {ds.site_index(site)}, cfg, root);
    mtl::RunSpec run;
    run.seed = seed;
    mtl::RunTrace trace;
    const mtl::RunResult r = mtl::train_run(run, data, cfg, &trace);
    std::printf("site %s: %d training sequences, %s, %d epochs in %.2f s, final loss %.4f\n",
                site.c_str(), data.train.n_seq, r.status == mtl::RunStatus::done ? "done" : r.message.c_str(),
                r.epochs_run, r.train_seconds, r.final_loss);
    for (int p = 0; p < mtl::kNumParts; ++p) {
      const mtl::MetricSet& m = r.sites.at(0).m[p][0];
      std::printf("%-5s flow: NSE %.3f KGE %.3f RMSE %.3f bias %.3f n_obs %lld\n",
                  mtl::to_string(static_cast<mtl::Part>(p)), m.nse, m.kge, m.rmse, m.bias,
                  static_cast<long long>(m.n_obs));
    }
    if (!trace_path.empty()) {
      mtl::write_trace(trace_path, run, data, cfg, r, trace);
      std::printf("trace written to %s\n", trace_path.c_str());
    }
    return r.status == mtl::RunStatus::done ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "real_site_nse: %s\n", e.what());
    return 1;
  }
}
