#pragma once
// Internal to src/io: what mtl_mpi may replace or delete next to an output
// (results file or --trace file), the one-writer lock, and durable renames.
// Rule: only files this program wrote are ever deleted or replaced.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "mtl/config.hpp"

namespace mtl {

/// "" or one line saying why `target` (named `what` in messages, e.g.
/// "[experiment] output") must never be written: it is a directory, not a
/// regular file, the data file or the config file, or it exists and is not a
/// file of that kind written by mtl_mpi.
enum class OutputKind { results, trace };
std::string check_output_target(const std::string& target, const std::string& what,
                                const Config& cfg, const std::string& config_path,
                                OutputKind kind);

/// "" for an HDF5 file with the root attributes mtl_mpi writes (results:
/// program_version, effective_config, runs_total; trace: run_id, config),
/// else what it is ("is not an HDF5 file", ...).
std::string not_mtl_file(const std::string& path, OutputKind kind);

/// --overwrite, narrowly: the results file (already checked) and the journal
/// files rank<r>-of<n>-<stamp>.bin in journal_dir, then journal_dir if empty.
/// Checks everything before deleting anything; "" or why it refused.
std::string remove_previous_outputs(const std::string& results, const std::string& journal_dir);

/// <results>.part-<stamp> files of earlier launches (call with the lock held).
void remove_stale_parts(const std::string& results);

/// fsync `from` and rename it to `to`, then fsync to's directory: after a
/// crash the final name holds either the old file or the complete new one.
void durable_rename(const std::string& from, const std::string& to);

/// Remove `lock_path` when it still holds `content` (any rank of the holding
/// launch may do this when it aborts the launch).
void remove_lock_if(const std::string& lock_path, const std::string& content);

/// <output>.lock, created atomically (O_EXCL), naming host, pid, SLURM job and
/// start time; a heartbeat thread refreshes its mtime while held.
class OutputLock {
 public:
  OutputLock() = default;
  ~OutputLock() { release(); }
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  /// "" with the lock held, or one line naming the holder (live or stale, and
  /// how to break a stale one). `note()` is set when a lock of this SLURM job's
  /// earlier run (requeue) was taken over.
  std::string acquire(const std::string& output, const std::string& journal_dir);
  void release();  // removes the lock when it still names this process
  const std::string& note() const { return note_; }
  const std::string& content() const { return content_; }  // "" unless held
  static std::string lock_path(const std::string& output) { return output + ".lock"; }

 private:
  void heartbeat();
  std::string path_, content_, note_;
  bool held_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread beat_;
};

}  // namespace mtl
