// mtl_data: make input data sets. Subcommands synth, import-camels,
// import-csv, import-drb, info, convert. Thin: parse options, call the
// library, write, report.
#include <boost/program_options.hpp>
#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "mtl/dataset_io.hpp"
#include "mtl/data_cli.hpp"
#include "mtl/driver.hpp"
#include "mtl/errors.hpp"
#include "mtl/importers.hpp"
#include "mtl/synth.hpp"
#include "mtl/version.hpp"

namespace po = boost::program_options;

namespace mtl {
namespace {

constexpr const char* kUsage =
    "usage: mtl_data <command> [options]\n"
    "  synth         --sites N --years N --seed S [--world 1|2] --out FILE   synthetic world\n"
    "                (1980-10-01 + N water years; world 2 options: --temp-link on|off,\n"
    "                --shuffle-temp-years, --short-flow MIN-MAX|none, --twin FILE)\n"
    "  import-camels --forcing DIR --streamflow DIR [--sites ID ...] [--attributes DIR] --out FILE\n"
    "  import-csv    [--flow FILE --flow-units cfs|m3/s] [--temp FILE] [--driver NAME=FILE ...]\n"
    "                [--sitelist FILE] [--coords FILE] [--dayl-from-latitude] [--attributes FILE]\n"
    "                --out FILE\n"
    "  import-drb    --zarr DIR [--attributes FILE] [--dayl-from-latitude] --out FILE   river-dl zarr\n"
    "  info          FILE                                       sites, dates, drivers, gaps\n"
    "  convert       IN OUT [--sites ID ...] [--drivers NAME ...] rewrite (e.g. an xarray file) in canonical form\n"
    "  <command> --help for the options of one command; --version for the version and backends\n";

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double missing_fraction(const std::vector<float>& v) {
  size_t n = 0;
  for (float x : v) n += std::isnan(x);
  return v.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(v.size());
}

void print_summary(const DataSet& ds, const std::string& what) {
  std::printf("%s: %d sites, %d days (%s .. %s), drivers:", what.c_str(), ds.n_sites(), ds.n_time(),
              ds.time.empty() ? "-" : iso_date(ds.time.front()).c_str(),
              ds.time.empty() ? "-" : iso_date(ds.time.back()).c_str());
  for (int c = 0; c < ds.n_drivers(); ++c)
    std::printf(" %s[%s]%s", ds.driver_names[c].c_str(), ds.driver_units[c].c_str(),
                missing_fraction(ds.drivers[c]) > 0 ? "(gaps)" : "");
  std::printf("\n  missing: flow %.1f %%, temp %.1f %%\n", 100 * missing_fraction(ds.flow),
              100 * missing_fraction(ds.temp));
  if (!ds.extras.empty() || !ds.site_values.empty()) {
    std::printf("  truth (not inputs unless named in data.drivers):");
    for (const auto& e : ds.extras) std::printf(" %s[%s]", e.name.c_str(), e.units.c_str());
    for (const auto& v : ds.site_values) std::printf(" %s(site)", v.name.c_str());
    std::printf("\n");
  }
  if (!ds.attributes.empty()) {
    std::printf("  %zu attributes (static inputs with [data] static):", ds.attributes.size());
    std::vector<std::string> nan_attrs, nan_sites;  // a job's [data] static must avoid these
    std::vector<char> site_has_nan(ds.site_ids.size(), 0);
    for (const auto& v : ds.attributes) {
      std::printf(" %s[%s]", v.name.c_str(), v.units.c_str());
      bool any = false;
      for (size_t s = 0; s < v.values.size(); ++s)
        if (std::isnan(v.values[s])) {
          any = true;
          site_has_nan[s] = 1;
        }
      if (any) nan_attrs.push_back(v.name);
    }
    for (size_t s = 0; s < site_has_nan.size(); ++s)
      if (site_has_nan[s]) nan_sites.push_back(ds.site_ids[s]);
    std::printf("\n  attributes with NaN: %zu of %zu", nan_attrs.size(), ds.attributes.size());
    if (nan_attrs.empty()) {
      std::printf("\n");
      return;
    }
    if (!nan_attrs.empty() && nan_attrs.size() < ds.attributes.size())
      for (const auto& n : nan_attrs) std::printf(" %s", n.c_str());
    std::printf(", at %zu sites:", nan_sites.size());
    for (size_t i = 0; i < nan_sites.size() && i < 20; ++i) std::printf(" %s", nan_sites[i].c_str());
    std::printf("%s\n", nan_sites.size() > 20 ? " ..." : "");
  }
}

void print_warnings(const std::string& cmd, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "mtl_data %s: warning: %s\n", cmd.c_str(), w.c_str());
}

/// "MIN-MAX" water years of --short-flow, 1 <= MIN <= MAX <= 100; "none":
/// complete records.
void parse_short_flow(const std::string& text, SynthOptions& opt) {
  int lo = 0, hi = 0;
  char tail = 0;
  if (text == "none") {
    opt.short_flow_min = opt.short_flow_max = 0;
    return;
  }
  if (std::sscanf(text.c_str(), "%d-%d%c", &lo, &hi, &tail) != 2 || lo < 1 || hi < lo || hi > 100)
    throw po::error("--short-flow '" + text + "': expected MIN-MAX water years, 1 <= MIN <= MAX <= 100");
  opt.short_flow_min = lo;
  opt.short_flow_max = hi;
}

/// Parse argv[2..] against desc; false (after printing help) for --help.
bool parse(int argc, char** argv, po::options_description& desc, po::variables_map& vm,
           const po::positional_options_description* pos = nullptr) {
  desc.add_options()("help,h", "this help");
  po::command_line_parser parser(argc - 1, argv + 1);
  parser.options(desc);
  if (pos) parser.positional(*pos);
  po::store(parser.run(), vm);
  if (vm.count("help")) {
    std::cout << desc;
    return false;
  }
  po::notify(vm);
  return true;
}

void write_timed(const std::string& out, const DataSet& ds) {
  if (const auto dir = std::filesystem::path(out).parent_path(); !dir.empty())
    std::filesystem::create_directories(dir);
  const auto t0 = std::chrono::steady_clock::now();
  write_dataset(out, ds);
  std::printf("  wrote %s in %.3f s\n", out.c_str(), seconds_since(t0));
}

int cmd_synth(int argc, char** argv) {
  SynthOptions opt;
  std::string out, twin, link = "on";
  std::string short_flow = std::to_string(opt.short_flow_min) + "-" + std::to_string(opt.short_flow_max);
  po::options_description desc("mtl_data synth");
  desc.add_options()("sites", po::value(&opt.sites)->default_value(101), "number of sites")(
      "years", po::value(&opt.years)->default_value(40), "water years from 1980-10-01")(
      "seed", po::value(&opt.seed)->default_value(1), "random seed")(
      "world", po::value(&opt.world)->default_value(2),
      "1: the original world (reproduced byte for byte); 2: hidden states, errors, truth")(
      "temp-link", po::value(&link)->default_value("on"),
      "world 2: 'off' makes water temperature ignore the hidden hydrology (control)")(
      "shuffle-temp-years", po::bool_switch(&opt.shuffle_temp_years),
      "world 2: move each water year's recorded temperature to another year (placebo)")(
      "short-flow", po::value(&short_flow)->default_value(short_flow),
      "world 2: flow gauged only from k ~ U{MIN..MAX} water years before the last 15; "
      "'none': complete records")(
      "out", po::value(&out)->required(), "output file (.nc)")(
      "twin", po::value(&twin),
      "world 2: also write the counterfactual twin to this file: the same world with the "
      "temperature link off (the truth of which gain the link causes)");
  po::variables_map vm;
  if (!parse(argc, argv, desc, vm)) return kExitOk;
  if (link != "on" && link != "off") throw po::error("--temp-link '" + link + "': expected on or off");
  opt.temp_link = link == "on";
  parse_short_flow(short_flow, opt);
  if (opt.world == 1 && (!opt.temp_link || opt.shuffle_temp_years || !vm["short-flow"].defaulted()))
    throw po::error("--temp-link, --shuffle-temp-years and --short-flow need --world 2");
  if (!twin.empty() && (opt.world != 2 || !opt.temp_link))
    throw po::error("--twin '" + twin + "': needs --world 2 with the link on (the twin is the link-off copy)");
  if (!twin.empty() && twin == out) throw po::error("--twin '" + twin + "': same file as --out");
  const auto t0 = std::chrono::steady_clock::now();
  const DataSet ds = synth_world(opt);
  std::printf("synth: generated in %.3f s\n", seconds_since(t0));
  print_summary(ds, "synth");
  write_timed(out, ds);
  if (!twin.empty()) {
    // Same seed and options, link off: every random draw is the same (the link
    // strength is zeroed after it is drawn), so flow, drivers, attributes and the
    // temperature noise agree, and only water temperature and its truth differ.
    opt.temp_link = false;
    write_timed(twin, synth_world(opt));
    std::printf("synth: twin (temperature link off) %s\n", twin.c_str());
  }
  return kExitOk;
}

int cmd_camels(int argc, char** argv) {
  std::string forcing, streamflow, attributes, out;
  std::vector<std::string> sites;
  po::options_description desc("mtl_data import-camels");
  desc.add_options()("forcing", po::value(&forcing)->required(), "basin_mean_forcing/<product> folder")(
      "streamflow", po::value(&streamflow)->required(), "usgs_streamflow folder")(
      "sites", po::value(&sites)->multitoken(), "gauge ids (default: all forcing files)")(
      "attributes", po::value(&attributes), "camels_attributes_v2.0 folder (camels_*.txt)")(
      "out", po::value(&out)->required(), "output file (.nc)");
  po::variables_map vm;
  if (!parse(argc, argv, desc, vm)) return kExitOk;
  const auto t0 = std::chrono::steady_clock::now();
  DataSet ds = import_camels(forcing, streamflow, sites);
  if (!attributes.empty()) {
    std::vector<std::string> warnings;
    ds.attributes = camels_attributes(attributes, ds.site_ids, warnings);
    print_warnings("import-camels", warnings);
  }
  std::printf("import-camels: parsed in %.3f s\n", seconds_since(t0));
  print_summary(ds, "import-camels");
  write_timed(out, ds);
  return kExitOk;
}

int cmd_csv(int argc, char** argv) {
  CsvImportOptions opt;
  std::vector<std::string> drivers;
  std::string out;
  po::options_description desc("mtl_data import-csv");
  desc.add_options()("flow", po::value(&opt.flow_file), "wide CSV of discharge")(
      "flow-units", po::value(&opt.flow_units)->default_value("cfs"), "cfs or m3/s")(
      "temp", po::value(&opt.temp_file), "wide CSV of water temperature, degC")(
      "driver", po::value(&drivers)->multitoken(), "NAME=FILE wide CSV of a driver (e.g. tmean=...)")(
      "sitelist", po::value(&opt.sitelist), "CSV column id -> site id ('ID,site')")(
      "coords", po::value(&opt.coords), "CSV lat,lon,site_no (no header)")(
      "dayl-from-latitude", po::bool_switch(&opt.dayl_from_latitude), "add driver dayl (s)")(
      "attributes", po::value(&opt.attributes), "GAGES-II table, rows keyed by column id or site id")(
      "out", po::value(&out)->required(), "output file (.nc)");
  po::variables_map vm;
  if (!parse(argc, argv, desc, vm)) return kExitOk;
  for (const auto& d : drivers) {
    const auto eq = d.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == d.size())
      throw po::error("--driver '" + d + "': expected NAME=FILE");
    opt.drivers.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> warnings;
  const DataSet ds = import_csv(opt, &warnings);
  print_warnings("import-csv", warnings);
  std::printf("import-csv: parsed in %.3f s\n", seconds_since(t0));
  print_summary(ds, "import-csv");
  write_timed(out, ds);
  return kExitOk;
}

int cmd_drb(int argc, char** argv) {
  DrbImportOptions opt;
  std::string out;
  po::options_description desc("mtl_data import-drb");
  desc.add_options()("zarr", po::value(&opt.zarr_dir)->required(),
                     "folder with river-dl's obs_temp_flow/ and test_data/ zarr groups")(
      "attributes", po::value(&opt.attributes), "segment attributes CSV (test_seg_attr.csv)")(
      "dayl-from-latitude", po::bool_switch(&opt.dayl_from_latitude), "add driver dayl (s) from hru_lat")(
      "out", po::value(&out)->required(), "output file (.nc)");
  po::variables_map vm;
  if (!parse(argc, argv, desc, vm)) return kExitOk;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> warnings;
  const DataSet ds = import_drb(opt, &warnings);
  print_warnings("import-drb", warnings);
  std::printf("import-drb: parsed in %.3f s\n", seconds_since(t0));
  print_summary(ds, "import-drb");
  write_timed(out, ds);
  return kExitOk;
}

int cmd_info(int argc, char** argv) {
  std::string file;
  po::options_description desc("mtl_data info");
  desc.add_options()("file", po::value(&file)->required(), "input data set");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse(argc, argv, desc, vm, &pos)) return kExitOk;
  const auto t0 = std::chrono::steady_clock::now();
  const DataSet ds = read_dataset(file, {}, {}, read_dataset_info(file).extra_names);
  std::printf("info: read in %.3f s\n", seconds_since(t0));
  print_summary(ds, file);
  return kExitOk;
}

int cmd_convert(int argc, char** argv) {
  std::string in, out;
  std::vector<std::string> sites, drivers;
  po::options_description desc("mtl_data convert");
  desc.add_options()("in", po::value(&in)->required(), "input data set")(
      "out", po::value(&out)->required(), "output file (.nc)")(
      "sites", po::value(&sites)->multitoken(), "site ids to keep (file order kept)")(
      "drivers", po::value(&drivers)->multitoken(), "drivers to keep (in this order)");
  po::positional_options_description pos;
  pos.add("in", 1).add("out", 1);
  po::variables_map vm;
  if (!parse(argc, argv, desc, vm, &pos)) return kExitOk;
  const auto t0 = std::chrono::steady_clock::now();
  // Truth series travel along (as truth, unless named in --drivers).
  std::vector<std::string> extras;
  for (const auto& e : read_dataset_info(in).extra_names)
    if (std::find(drivers.begin(), drivers.end(), e) == drivers.end()) extras.push_back(e);
  const DataSet ds = read_dataset(in, sites, drivers, extras);
  std::printf("convert: read in %.3f s\n", seconds_since(t0));
  print_summary(ds, in);
  write_timed(out, ds);
  return kExitOk;
}

}  // namespace

int mtl_data_main(int argc, char** argv) {
  H5dont_atexit();  // as mtl_mpi_main: no HDF5 cleanup of a file whose close failed
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  const std::string cmd = argv[1];
  if (cmd == "--version") {
    try {
      std::fputs(version_report("mtl_data").c_str(), stdout);
    } catch (const Error& e) {  // e.g. a bad MTL_MAX_ISA
      std::fprintf(stderr, "mtl_data: %s\n", e.what());
      return kExitConfig;
    }
    return kExitOk;
  }
  try {
    if (cmd == "synth") return cmd_synth(argc, argv);
    if (cmd == "import-camels") return cmd_camels(argc, argv);
    if (cmd == "import-csv") return cmd_csv(argc, argv);
    if (cmd == "import-drb") return cmd_drb(argc, argv);
    if (cmd == "info") return cmd_info(argc, argv);
    if (cmd == "convert") return cmd_convert(argc, argv);
    std::fprintf(stderr, "mtl_data: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return kExitUsage;
  } catch (const po::error& e) {
    std::fprintf(stderr, "mtl_data %s: %s\n", cmd.c_str(), e.what());
    return kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "mtl_data %s: %s\n", cmd.c_str(), e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mtl_data %s: internal error: %s\n", cmd.c_str(), e.what());
    return kExitInternal;
  }
}

}  // namespace mtl
