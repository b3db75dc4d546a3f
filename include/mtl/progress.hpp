#pragma once
// Whole-grid progress on rank 0 without stalling anyone: a background thread
// (no MPI calls: the library runs MPI_THREAD_FUNNELED) counts the complete
// records of every journal file every few seconds and prints runs done/failed,
// runs/s and the ETA. Interval: env MTL_PROGRESS_SECONDS (default 10).
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace mtl {

class ProgressReporter {
 public:
  /// total: runs in the grid; journal_dir: where every rank's journal lives;
  /// already: runs journaled before this launch (not counted in runs/s).
  ProgressReporter(int64_t total, std::string journal_dir, int64_t already, std::FILE* out);
  ~ProgressReporter();  // stops the thread
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;
  void stop();

  /// Interval from MTL_PROGRESS_SECONDS (> 0), else 10 s.
  static double interval_seconds();

 private:
  void loop();
  void report();

  int64_t total_;
  std::string dir_;
  int64_t already_;
  std::FILE* out_;
  double interval_;
  double start_;
  bool stopping_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

/// Now as ISO 8601 UTC, "2026-11-27T10:15:03Z": the start of every progress and
/// summary line and the results file's start_time/end_time.
std::string iso_utc_now();

/// "1h02m03s" style duration.
std::string format_duration(double seconds);

}  // namespace mtl
