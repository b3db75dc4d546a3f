#pragma once
// The per-rank journal: every finished run appended as one self-checking binary
// record and fsync'd, so a kill -9 loses at most the runs in flight and
// --resume (with any rank count) finds everything that finished.
//
// Layout of one journal file (native little-endian, this program only):
//   header : "MTLJRNL1" | u64 config fingerprint | u32 rank | u32 ranks
//   records: u32 kRecordMagic | u32 payload bytes | payload | u64 FNV-1a(payload)
// The payload starts with i64 run_id, i32 rank, i8 status (the progress
// thread reads just these) and continues with the whole RunResult; it ends
// with the final weights and, when there are any, their scaling.
// A torn last record (short, or checksum mismatch) ends the file's valid part.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/train.hpp"

namespace mtl {

/// A finished run as the journal keeps it: the result plus the rank that trained it.
struct JournalEntry {
  RunResult result;
  int rank = -1;
  Scaling scaling;  // with result.final_params: the z-scores those weights expect
};

/// 64-bit FNV-1a hash (Fowler, Noll, Vo), used for checksums and fingerprints.
uint64_t fnv1a64(const void* data, std::size_t n, uint64_t h = 1469598103934665603ULL);

/// Identity of a grid for --resume: hash of the effective configuration and the
/// resolved site list. Two launches may share a journal only when equal.
uint64_t config_fingerprint(const Config& cfg, const std::vector<std::string>& sites);

/// Serialise/parse one RunResult payload (exposed for tests).
std::vector<char> encode_entry(const JournalEntry& e);
JournalEntry decode_entry(const char* data, std::size_t n);  // throws ResultsError

/// Append-only writer of one rank's journal file for one launch.
class JournalWriter {
 public:
  JournalWriter(const std::string& path, uint64_t fingerprint, int rank, int ranks);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  /// Append the entries and fsync before returning (durable on return).
  void append(const std::vector<JournalEntry>& entries);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

struct JournalScan {
  std::map<int64_t, JournalEntry> entries;  // by run_id; only those asked for
  int64_t torn_records = 0;                 // ignored torn/corrupt tails
  std::vector<std::string> files;
};

/// Read every "*.bin" journal file in dir (sorted by name). Keeps entries with
/// begin <= run_id < end (the first found wins). Throws ResultsError naming the
/// file when a header's fingerprint differs from `fingerprint`.
JournalScan read_journals(const std::string& dir, uint64_t fingerprint, int64_t begin,
                          int64_t end);

/// Count records (done, failed) in every journal file of dir without decoding
/// the payloads; safe while other processes append (torn tails are not counted).
struct JournalCount {
  int64_t done = 0, failed = 0;
};
JournalCount count_journals(const std::string& dir);

}  // namespace mtl
