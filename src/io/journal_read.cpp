// Per-rank run journal, reading side: the header (format, provenance), the
// records, and damage handling (journal.hpp): damage is skipped and counted,
// never a stop; only a foreign provenance or format stops a resume.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <unordered_map>

#include "journal_format.hpp"
#include "mtl/errors.hpp"
#include "mtl/journal.hpp"

namespace mtl {
using namespace journal_detail;
namespace {

/// Journal files of dir, oldest launch first: names are
/// rank<r>-of<n>-<stamp>.bin with a UTC-time stamp, so sort by the stamp.
std::vector<std::string> journal_files(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> keyed;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".bin") continue;
    const std::string name = e.path().filename().string();
    const auto dash = name.find('-', name.find("-of") + 3);
    keyed.emplace_back(dash == std::string::npos ? name : name.substr(dash + 1) + name,
                       e.path().string());
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> files;
  for (auto& k : keyed) files.push_back(std::move(k.second));
  return files;
}

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct Header {
  enum State { ok, damaged, other_format } state = damaged;
  int format = 0;
  off_t records_at = 0;  // offset of the first record
  Provenance parts;
  std::string why;       // for damaged
};

Header read_header(int fd, off_t size) {
  Header h;
  char fixed[12];
  if (size == 0) {
    h.why = "empty file (interrupted before its header was written)";
    return h;
  }
  if (size < 12 || !read_at(fd, 0, fixed, 12)) {
    h.why = "shorter than a journal header (" + std::to_string(size) + " bytes)";
    return h;
  }
  if (std::memcmp(fixed, kFileMagic, 7) != 0 || fixed[7] < '0' || fixed[7] > '9') {
    h.why = "not an mtl_mpi journal header";
    return h;
  }
  h.format = fixed[7] - '0';
  if (h.format != kJournalFormat) {
    h.state = Header::other_format;
    return h;
  }
  uint32_t n = 0;
  std::memcpy(&n, fixed + 8, 4);
  if (n > kMaxHeaderText || 12 + static_cast<off_t>(n) + 8 > size) {
    h.why = "header cut short or damaged";
    return h;
  }
  std::string text(n, '\0');
  uint64_t sum = 0;
  if (!read_at(fd, 12, text.data(), n) || !read_at(fd, 12 + n, reinterpret_cast<char*>(&sum), 8) ||
      sum != fnv1a64(text.data(), text.size())) {
    h.why = "header checksum mismatch (damaged header)";
    return h;
  }
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (line.rfind("part.", 0) == 0 && eq != std::string::npos) {
      h.parts.push_back({line.substr(5, eq - 5), line.substr(eq + 1)});
    }
  }
  h.state = Header::ok;
  h.records_at = 12 + static_cast<off_t>(n) + 8;
  return h;
}

/// Record head at pos: true when magic and head check hold; fills format/length.
bool head_at(int fd, off_t pos, off_t size, uint16_t* format, uint32_t* len) {
  char head[kRecordHead];
  if (pos + static_cast<off_t>(kRecordHead) > size || !read_at(fd, pos, head, kRecordHead)) return false;
  uint32_t magic = 0, check = 0;
  std::memcpy(&magic, head, 4);
  std::memcpy(&check, head + 12, 4);
  if (magic != kRecordMagic || check != head_check(head)) return false;
  std::memcpy(format, head + 4, 2);
  std::memcpy(len, head + 8, 4);
  return true;
}

off_t record_end(off_t pos, uint32_t len) { return pos + static_cast<off_t>(kRecordHead + len + 8); }

/// First offset >= from holding an intact, complete record head; -1 if none.
off_t next_intact_head(int fd, off_t from, off_t size) {
  constexpr off_t kChunk = 1 << 20;
  std::vector<char> buf;
  for (off_t base = from; base + static_cast<off_t>(kRecordHead) <= size; base += kChunk) {
    const off_t n = std::min<off_t>(kChunk + kRecordHead - 1, size - base);
    buf.resize(static_cast<std::size_t>(n));
    if (!read_at(fd, base, buf.data(), buf.size())) return -1;
    for (off_t i = 0; i + static_cast<off_t>(kRecordHead) <= n && i < kChunk; ++i) {
      if (std::memcmp(buf.data() + i, &kRecordMagic, 4) != 0) continue;
      uint16_t format = 0;
      uint32_t len = 0;
      if (head_at(fd, base + i, size, &format, &len) && record_end(base + i, len) <= size) return base + i;
    }
  }
  return -1;
}

/// Walks the records of one file: visit(pos, format, len) for each record
/// with an intact head; skips damaged stretches to the next intact head.
struct Walk {
  int64_t corrupt = 0, torn = 0;
  template <class Visit>
  void run(int fd, off_t pos, off_t size, Visit visit) {
    while (pos < size) {
      uint16_t format = 0;
      uint32_t len = 0;
      if (head_at(fd, pos, size, &format, &len)) {
        if (record_end(pos, len) > size) {  // cut short by a kill -9 mid-write
          ++torn;
          return;
        }
        if (!visit(pos, format, len)) ++corrupt;  // payload check failed: skip by length
        pos = record_end(pos, len);
        continue;
      }
      const off_t next = next_intact_head(fd, pos + 1, size);
      if (next < 0) {
        // A head cut short is a torn tail; anything longer is damage.
        ++(size - pos < static_cast<off_t>(kRecordHead) ? torn : corrupt);
        return;
      }
      ++corrupt;
      pos = next;
    }
  }
};

std::string format_error(const std::string& path, int format) {
  return path + ": journal format " + std::to_string(format) + " was written by " +
         (format < kJournalFormat ? "an older" : "a newer") + " mtl_mpi; this one reads format " +
         std::to_string(kJournalFormat) +
         ". Finish that grid with the program that started it, or start again with --overwrite";
}

}  // namespace

JournalScan read_journals(const std::string& dir, const Provenance& expected, int64_t begin,
                          int64_t end, int owner, int owners) {
  JournalScan scan;
  scan.files = journal_files(dir);
  std::vector<char> payload;
  for (std::size_t f = 0; f < scan.files.size(); ++f) {
    const std::string& path = scan.files[f];
    const bool mine = static_cast<int>(f % static_cast<std::size_t>(std::max(owners, 1))) == owner;
    Fd fd(path);
    if (fd.get() < 0) throw ResultsError(path + ": cannot read journal: " + std::strerror(errno));
    const off_t size = ::lseek(fd.get(), 0, SEEK_END);
    const Header h = read_header(fd.get(), size);
    if (h.state == Header::other_format) throw ResultsError(format_error(path, h.format));
    if (h.state == Header::damaged) {
      if (mine) {
        ++scan.damaged_files;
        scan.warnings.push_back(path + ": " + h.why + "; no runs used from it");
      }
      continue;
    }
    const std::string changed = provenance_mismatch(h.parts, expected);
    if (!changed.empty()) {
      throw ResultsError(path + ": --resume refused: " + changed +
                         "; finish the grid with the original, or start again with --overwrite");
    }
    Walk walk;
    walk.run(fd.get(), h.records_at, size, [&](off_t pos, uint16_t format, uint32_t len) {
      if (format != kJournalFormat) throw ResultsError(format_error(path, format));
      int64_t run_id = 0;
      if (len < 8 || !read_at(fd.get(), pos + kRecordHead, reinterpret_cast<char*>(&run_id), 8)) {
        return false;
      }
      const auto have = scan.entries.find(run_id);
      const bool wanted = run_id >= begin && run_id < end &&
                          (have == scan.entries.end() || have->second.result.status != RunStatus::done);
      if (!wanted && !mine) return true;  // skipped by length, unread
      payload.resize(len + 8);
      if (!read_at(fd.get(), pos + kRecordHead, payload.data(), payload.size())) return false;
      uint64_t sum = 0;
      std::memcpy(&sum, payload.data() + len, 8);
      if (sum != fnv1a64(payload.data(), len)) return !mine;  // counted once, by the owner
      if (!wanted) return true;
      try {
        scan.entries[run_id] = decode_entry(payload.data(), len);
      } catch (const ResultsError&) {
        return !mine;
      }
      return true;
    });
    if (mine) {
      scan.corrupt_records += walk.corrupt;
      scan.torn_tails += walk.torn;
      if (walk.corrupt > 0) {
        scan.warnings.push_back(path + ": skipped " + std::to_string(walk.corrupt) +
                                " damaged record(s); the records after them are used");
      }
    }
  }
  return scan;
}

JournalCount count_journals(const std::string& dir) {
  std::unordered_map<int64_t, bool> done;  // run_id -> has a done record
  for (const auto& path : journal_files(dir)) {
    Fd fd(path);
    if (fd.get() < 0) continue;
    const off_t size = ::lseek(fd.get(), 0, SEEK_END);
    const Header h = read_header(fd.get(), size);
    if (h.state != Header::ok) continue;
    Walk walk;
    walk.run(fd.get(), h.records_at, size, [&](off_t pos, uint16_t, uint32_t len) {
      char head[8 + 4 + 1];  // run_id, rank, status
      if (len < sizeof head || !read_at(fd.get(), pos + kRecordHead, head, sizeof head)) return false;
      int64_t run_id = 0;
      std::memcpy(&run_id, head, 8);
      const auto status = static_cast<RunStatus>(head[12]);
      if (status == RunStatus::done || status == RunStatus::failed) {
        done[run_id] = done[run_id] || status == RunStatus::done;
      }
      return true;
    });
  }
  JournalCount count;
  for (const auto& [id, d] : done) ++(d ? count.done : count.failed);
  return count;
}

}  // namespace mtl
