#pragma once
// The per-rank journal: every finished run appended as one self-checking binary
// record and fsync'd, so a kill -9 loses at most the runs in flight and
// --resume (with any rank count) finds everything that finished.
//
// Layout of one journal file, format 2 (native little-endian, this program only):
//   header : "MTLJRNL2" | u32 n | n bytes of text | u64 FNV-1a(text)
//            text = "key=value" lines: rank=R, ranks=N, then one
//            part.<name>=<value> line per provenance part (provenance.hpp)
//   records: u32 kRecordMagic | u16 record format (2) | u16 0 | u32 payload bytes |
//            u32 head check (low half of FNV-1a of the 12 bytes before) |
//            payload | u64 FNV-1a(payload)
// The payload starts with i64 run_id, i32 rank, i8 status (the progress
// thread reads just these) and continues with the whole RunResult; it ends
// with the final weights and, when there are any, their scaling.
// Damage never stops a resume: a file too short for its header holds no
// records; a record whose head or payload check fails is skipped (by its
// length when the head is intact, else up to the next intact head) and the
// records after it are kept; a file ending inside a record has a torn tail.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mtl/config.hpp"
#include "mtl/provenance.hpp"
#include "mtl/train.hpp"

namespace mtl {

constexpr int kJournalFormat = 2;  // file header and record format written by this program

/// A finished run as the journal keeps it: the result plus the rank that trained it.
struct JournalEntry {
  RunResult result;
  int rank = -1;
  Scaling scaling;  // with result.final_params: the z-scores those weights expect
};

/// 64-bit FNV-1a hash (Fowler, Noll, Vo), used for checksums and digests.
uint64_t fnv1a64(const void* data, std::size_t n, uint64_t h = 1469598103934665603ULL);

/// Serialise/parse one RunResult payload (exposed for tests).
std::vector<char> encode_entry(const JournalEntry& e);
JournalEntry decode_entry(const char* data, std::size_t n);  // throws ResultsError

/// Append-only writer of one rank's journal file for one launch.
class JournalWriter {
 public:
  JournalWriter(const std::string& path, const Provenance& provenance, int rank, int ranks);
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
  // Damage, counted only in the files this reader owns (see read_journals), so
  // the counts of all ranks add up to exactly what was skipped.
  int64_t corrupt_records = 0;       // skipped inside a file; later records kept
  int64_t torn_tails = 0;            // files ending inside a record (run in flight)
  int64_t damaged_files = 0;         // empty/short file or damaged header: no records used
  std::vector<std::string> warnings; // one line per damaged owned file
  std::vector<std::string> files;
};

/// Read every "*.bin" journal file in dir, oldest launch first. Keeps entries
/// with begin <= run_id < end; a later record of a run replaces an earlier
/// one unless the earlier is done (so --retry-failed results win). Files with
/// index % owners == owner are checked completely and their damage counted.
/// Throws ResultsError naming the file and the part that differs when a
/// header's provenance differs from `expected`, or its format is not ours.
JournalScan read_journals(const std::string& dir, const Provenance& expected, int64_t begin,
                          int64_t end, int owner = 0, int owners = 1);

/// Runs with a record in every journal file of dir (each run once: done wins
/// over failed), reading record heads only; safe while other processes append.
struct JournalCount {
  int64_t done = 0, failed = 0;
};
JournalCount count_journals(const std::string& dir);

}  // namespace mtl
