// Narrow deletion and durable replacement of outputs (output_guard.hpp).
#include "output_guard.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <vector>

#include "mtl/errors.hpp"
#include "mtl/h5.hpp"

namespace mtl {
namespace fs = std::filesystem;
namespace {

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return !b.empty() && fs::exists(b, ec) && fs::equivalent(a, b, ec) && !ec;
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw ResultsError(path + ": cannot open for fsync: " + std::strerror(errno));
  const int rc = ::fsync(fd), err = errno;
  ::close(fd);
  if (rc != 0) throw ResultsError(path + ": fsync failed: " + std::strerror(err));
}

}  // namespace

std::string not_mtl_file(const std::string& path, OutputKind kind) {
  h5_quiet();
  if (H5Fis_hdf5(path.c_str()) <= 0) return "is not an HDF5 file";
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    return "cannot be opened by HDF5 to check who wrote it (on file systems without flock, "
           "export HDF5_USE_FILE_LOCKING=FALSE)";
  }
  H5Handle file = h5_file(f, path);
  const std::vector<const char*> attrs = kind == OutputKind::results
                                             ? std::vector<const char*>{"program_version", "effective_config", "runs_total"}
                                             : std::vector<const char*>{"run_id", "config"};
  for (const char* a : attrs) {
    if (H5Aexists(file, a) <= 0) return std::string("has no root attribute '") + a + "'";
  }
  return "";
}

std::string check_output_target(const std::string& target, const std::string& what,
                                const Config& cfg, const std::string& config_path,
                                OutputKind kind) {
  const std::string named = what + " = '" + target + "'";
  if (target.empty()) return named + ": empty path";
  std::error_code ec;
  const fs::file_status st = fs::status(target, ec);
  if (fs::is_directory(st)) {
    return named + " is a directory; name a file inside it, e.g. '" +
           (fs::path(target) / "results.h5").lexically_normal().string() + "'";
  }
  if (!fs::exists(st)) return "";
  if (same_file(target, cfg.data.file)) return named + " is the input data file ([data] file); choose another name";
  if (same_file(target, config_path)) return named + " is the configuration file; choose another name";
  if (!fs::is_regular_file(st)) return named + " exists and is not a regular file";
  const std::string why = not_mtl_file(target, kind);
  if (!why.empty()) {
    return named + " exists and is not " +
           (kind == OutputKind::results ? "a results file" : "a trace") + " written by mtl_mpi (it " +
           why + "); mtl_mpi replaces only its own files: move it away or choose another name";
  }
  return "";
}

std::string remove_previous_outputs(const std::string& results, const std::string& journal_dir) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  if (fs::exists(journal_dir, ec)) {
    if (!fs::is_directory(journal_dir, ec)) return journal_dir + " is not a directory; --overwrite refused";
    static const std::regex ours(R"(rank[0-9]+-of[0-9]+-[0-9]{8}T[0-9]{6}-[0-9]+-[0-9]+\.bin)");
    for (const auto& e : fs::directory_iterator(journal_dir, ec)) {
      const std::string name = e.path().filename().string();
      if (!e.is_regular_file() || !std::regex_match(name, ours)) {
        return journal_dir + " holds '" + name + "', which mtl_mpi did not write; --overwrite removes " +
               "only its own journal files: move it away first";
      }
      doomed.push_back(e.path());
    }
    if (ec) return journal_dir + ": cannot list: " + ec.message();
  }
  for (const auto& f : doomed) fs::remove(f);
  fs::remove(journal_dir, ec);  // empty by now
  if (fs::exists(results, ec)) fs::remove(results);
  return "";
}

void remove_stale_parts(const std::string& results) {
  const fs::path out(results);
  const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const std::string prefix = out.filename().string() + ".part-";
  static const std::regex stamp(R"([0-9]{8}T[0-9]{6}-[0-9]+-[0-9]+)");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && e.is_regular_file() &&
        std::regex_match(name.substr(prefix.size()), stamp)) {
      fs::remove(e.path(), ec);
    }
  }
}

void durable_rename(const std::string& from, const std::string& to) {
  fsync_path(from, O_RDONLY);
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw ResultsError("cannot rename " + from + " to " + to + ": " + ec.message());
  const fs::path dir = fs::path(to).parent_path();
  fsync_path(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace mtl
