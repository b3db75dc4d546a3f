// Rank 0's progress thread: reads only journal record headers (journal.hpp),
// so it never touches MPI and never waits for another rank.
#include "mtl/progress.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "mtl/journal.hpp"

namespace mtl {
namespace {
double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}
}  // namespace

std::string iso_utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = std::lround(s);
  char buf[64];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
  } else if (t >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", t);
  }
  return buf;
}

double ProgressReporter::interval_seconds() {
  const char* env = std::getenv("MTL_PROGRESS_SECONDS");
  if (env != nullptr) {
    char* end = nullptr;
    const double v = std::strtod(env, &end);
    if (end != env && v > 0) return v;
  }
  return 10.0;
}

ProgressReporter::ProgressReporter(int64_t total, std::string journal_dir, int64_t already,
                                   std::FILE* out)
    : total_(total), dir_(std::move(journal_dir)), already_(already), out_(out),
      interval_(interval_seconds()), start_(now_seconds()) {
  thread_ = std::thread([this] { loop(); });
}

ProgressReporter::~ProgressReporter() { stop(); }

void ProgressReporter::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressReporter::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const auto wait = std::chrono::duration<double>(interval_);
    if (cv_.wait_for(lock, wait, [this] { return stopping_; })) break;
    lock.unlock();
    report();
    lock.lock();
  }
}

void ProgressReporter::report() {
  const JournalCount c = count_journals(dir_);
  const int64_t finished = c.done + c.failed;
  const double elapsed = now_seconds() - start_;
  const double rate = (finished - already_) / std::max(elapsed, 1e-9);
  const double eta = rate > 0 ? (total_ - finished) / rate : NAN;
  std::fprintf(out_, "%s progress: %lld/%lld runs (%lld done, %lld failed), %.2f runs/s, "
                     "elapsed %s, ETA %s\n",
               iso_utc_now().c_str(), static_cast<long long>(finished),
               static_cast<long long>(total_), static_cast<long long>(c.done), static_cast<long long>(c.failed), rate,
               format_duration(elapsed).c_str(), format_duration(eta).c_str());
  std::fflush(out_);
}

}  // namespace mtl
