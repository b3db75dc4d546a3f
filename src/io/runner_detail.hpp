#pragma once
// Internal to run_grid (src/io/runner*.cpp, the map in runner.cpp): one rank's
// state through the steps recover -> load -> open journal -> train -> collective
// write.
#include <mpi.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mtl/journal.hpp"
#include "mtl/progress.hpp"
#include "mtl/provenance.hpp"
#include "mtl/runner_hooks.hpp"

namespace mtl {

struct OutputPaths {
  std::string results;      // final path (cfg.experiment.output)
  std::string partial;      // <output>.part-<stamp>: written collectively, renamed when closed
  std::string journal_dir;  // <output>.journal/rank<r>-of<n>-<stamp>.bin
};
class OutputLock;

/// Seconds on a steady clock (differences only).
double wall_seconds();

class RankState {
 public:
  RankState(const Plan& plan, const RunOptions& options, MPI_Comm comm);
  ~RankState();
  // Each returns "" or this rank's error message.
  std::string recover();                         // --resume: journaled runs of my block (runner_journal.cpp)
  std::string load(const RunnerHooks& hooks);    // data of the sites still to train (runner_train.cpp)
  std::string open_journal();                    // this launch's journal file (runner_journal.cpp)
  void train_block(const RunnerHooks& hooks);    // stops between journal writes on a signal (runner_train.cpp)
  int finish(OutputLock& lock);                  // collective write, summary, exit code (runner_write.cpp)
  int refuse(const std::string& error) const;    // kExitConfig with one line on rank 0 (runner.cpp)
  /// A failure on this rank where the others may wait for it (training ends in
  /// a collective, the write is one): report it, drop this launch's lock and
  /// MPI_Abort. Returns only on a single rank, where the caller reports it.
  void abort_launch(const std::string& error, OutputLock& lock);  // runner_write.cpp

  int rank = 0, size = 1;
  OutputPaths paths;
  std::string stamp;
  std::string lock_content;  // rank 0's lock file text, so any rank can drop it on abort

 private:
  std::vector<RunResult> train_runs_safely(const RunnerHooks& hooks,
                                            const std::vector<RunSpec>& runs);
  void print_summary(const int64_t counts[3], double wall);  // runner_summary.cpp
  void print_failure_reasons();

  const Plan& plan_;
  const RunOptions& options_;
  MPI_Comm comm_;
  RunRange block_;
  Provenance provenance_;
  std::string start_time_;
  double t_start_ = 0, busy_ = 0;
  int64_t trained_now_ = 0, recovered_ = 0;
  bool stopped_ = false;
  std::vector<std::optional<JournalEntry>> slots_;  // [block run] finished ones
  std::map<int, SiteData> data_;
  std::unique_ptr<JournalWriter> journal_;
  std::unique_ptr<ProgressReporter> progress_;
};

}  // namespace mtl
