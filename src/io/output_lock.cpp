// The one-writer lock <output>.lock (output_guard.hpp). Created with O_EXCL, so
// of two launches exactly one gets it; never broken silently: a stale lock is
// reported with how to remove it. The one exception is a lock left by an
// earlier run (lower SLURM_RESTART_COUNT) of the same SLURM job: a requeued job
// runs only after its previous run has ended.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "mtl/progress.hpp"
#include "output_guard.hpp"

namespace mtl {
namespace fs = std::filesystem;
namespace {

// The holder refreshes the lock's mtime every kBeatSeconds; without a
// heartbeat or journal record for kStaleSeconds a holder on another host is
// reported as probably gone.
constexpr int kBeatSeconds = 60;
constexpr long kStaleSeconds = 600;

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::map<std::string, std::string> parse(const std::string& text) {
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return kv;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Seconds since the newest of the lock's and the journal files' mtimes.
long idle_seconds(const std::string& lock, const std::string& journal_dir) {
  std::error_code ec;
  auto newest = fs::last_write_time(lock, ec);
  for (const auto& e : fs::directory_iterator(journal_dir, ec)) {
    const auto t = e.last_write_time(ec);
    if (!ec && t > newest) newest = t;
  }
  const auto age = fs::file_time_type::clock::now() - newest;
  return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(age).count());
}

/// 0, or the errno of the failure (a file this call created is removed again).
int write_file(const std::string& path, const std::string& text, int flags) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
  if (fd < 0) return errno;
  int err = 0;
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) err = errno ? errno : EIO;
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0) ::unlink(path.c_str());
  return err;
}

}  // namespace

std::string OutputLock::acquire(const std::string& output, const std::string& journal_dir) {
  path_ = lock_path(output);
  const std::string host = host_name(), pid = std::to_string(getpid());
  const std::string job = env_or("SLURM_JOB_ID", "none"), restart = env_or("SLURM_RESTART_COUNT", "0");
  content_ = "mtl_mpi lock\nhost=" + host + "\npid=" + pid + "\nslurm_job=" + job +
             "\nslurm_restart=" + restart + "\nstarted=" + iso_utc_now() + "\n";
  const int err = write_file(path_, content_, O_EXCL);
  if (err == 0) {
    held_ = true;
  } else if (err != EEXIST) {
    content_.clear();
    return path_ + ": cannot create the lock file: " + std::strerror(err);
  } else {
    const auto h = parse(read_text(path_));
    const std::string rm = "remove the lock and rerun: rm '" + path_ + "'";
    if (!h.count("pid") || !h.count("host")) {
      content_.clear();
      return path_ + ": lock file without a readable holder; if no mtl_mpi writes " + output + ", " + rm;
    }
    const std::string holder_job = h.count("slurm_job") ? h.at("slurm_job") : "none";
    const std::string who = "mtl_mpi pid " + h.at("pid") + " on host " + h.at("host") + " (" +
                            (holder_job == "none" ? "no SLURM job" : "SLURM job " + holder_job) +
                            ", started " + (h.count("started") ? h.at("started") : "?") + ")";
    const bool here = h.at("host") == host;
    const bool gone = here && ::kill(std::atoi(h.at("pid").c_str()), 0) != 0 && errno == ESRCH;
    const bool earlier_run = job != "none" && holder_job == job && h.count("slurm_restart") &&
                             std::atoi(h.at("slurm_restart").c_str()) < std::atoi(restart.c_str());
    if (earlier_run && (!here || gone)) {
      // This job's earlier run (requeued: SLURM runs one incarnation of a job at a time).
      const std::string tmp = path_ + ".tmp-" + pid;
      int e = write_file(tmp, content_, O_TRUNC);
      if (e == 0 && ::rename(tmp.c_str(), path_.c_str()) != 0) e = errno;
      if (e != 0) {
        content_.clear();
        return path_ + ": cannot take over the lock of this job's earlier run: " + std::strerror(e);
      }
      held_ = true;
      note_ = "took over " + path_ + " from this SLURM job's earlier run, " + who;
    } else if (gone) {
      content_.clear();
      return path_ + ": stale lock: " + who + " is gone; if no other mtl_mpi writes " + output + ", " + rm;
    } else {
      content_.clear();
      const long idle = idle_seconds(path_, journal_dir);
      if (!here && idle > kStaleSeconds) {
        return path_ + ": probably stale lock: " + who + ", no heartbeat or journal record for " +
               std::to_string(idle / 60) + " min; if it is gone, " + rm;
      }
      return output + " is being written by " + who + " (lock " + path_ +
             "); wait for it to finish or stop it first";
    }
  }
  beat_ = std::thread([this] { heartbeat(); });
  return "";
}

void OutputLock::heartbeat() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::seconds(kBeatSeconds), [this] { return stopping_; })) {
    ::utimensat(AT_FDCWD, path_.c_str(), nullptr, 0);  // mtime = now
  }
}

void OutputLock::release() {
  if (!held_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (beat_.joinable()) beat_.join();
  held_ = false;
  remove_lock_if(path_, content_);
  content_.clear();
}

void remove_lock_if(const std::string& lock_path, const std::string& content) {
  if (!content.empty() && read_text(lock_path) == content) ::unlink(lock_path.c_str());
}

}  // namespace mtl
