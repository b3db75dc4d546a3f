// Per-rank run journal: encode/decode of RunResult records, fsync'd appends,
// tolerant reading (a torn tail is ignored, a foreign config is refused).
#include "mtl/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <type_traits>

#include "mtl/backend.hpp"
#include "mtl/errors.hpp"

namespace mtl {
namespace {

constexpr char kFileMagic[8] = {'M', 'T', 'L', 'J', 'R', 'N', 'L', '1'};
constexpr uint32_t kRecordMagic = 0x4D524543u;  // "MREC"
constexpr std::size_t kHeaderBytes = 8 + 8 + 4 + 4;
// A record larger than this is treated as corruption, never allocated.
constexpr uint32_t kMaxPayload = 1u << 30;

class Encoder {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable<T>::value, "plain values only");
    const char* p = reinterpret_cast<const char*>(&v);
    buf_.insert(buf_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_vec(const std::vector<T>& v) {
    put<uint64_t>(v.size());
    const char* p = reinterpret_cast<const char*>(v.data());
    buf_.insert(buf_.end(), p, p + v.size() * sizeof(T));
  }
  void put_str(const std::string& s) {
    put<uint64_t>(s.size());
    buf_.insert(buf_.end(), s.begin(), s.end());
  }
  std::vector<char>& bytes() { return buf_; }

 private:
  std::vector<char> buf_;
};

class Decoder {
 public:
  Decoder(const char* p, std::size_t n) : p_(p), n_(n) {}
  template <class T>
  T get() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template <class T>
  std::vector<T> get_vec() {
    const auto count = get<uint64_t>();
    if (count > n_ / sizeof(T)) throw ResultsError("journal record: bad vector length");
    std::vector<T> v(count);
    need(count * sizeof(T));
    std::memcpy(v.data(), p_ + pos_, count * sizeof(T));
    pos_ += count * sizeof(T);
    return v;
  }
  std::string get_str() {
    const auto count = get<uint64_t>();
    need(count);
    std::string s(p_ + pos_, count);
    pos_ += count;
    return s;
  }
  bool done() const { return pos_ == n_; }

 private:
  void need(std::size_t k) const {
    if (k > n_ - pos_) throw ResultsError("journal record: truncated payload");
  }
  const char* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
};

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;  // a signal (SIGTERM flag) interrupted us
    if (k < 0) throw ResultsError(path + ": cannot write journal: " + std::strerror(errno));
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

std::vector<std::string> journal_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".bin") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

uint64_t fnv1a64(const void* data, std::size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t config_fingerprint(const Config& cfg, const std::vector<std::string>& sites) {
  std::string text = effective_ini(cfg);
  text += "\n[resolved]\nsites =";
  for (const auto& s : sites) text += " " + s;
  // The numeric path (backend, ISA, variant): another path gives other rounding,
  // so a resume on it would mix two computations in one file.
  text += "\nnumerics = " + numeric_path(cfg.train.backend).text();
  return fnv1a64(text.data(), text.size());
}

std::vector<char> encode_entry(const JournalEntry& e) {
  const RunResult& r = e.result;
  Encoder enc;
  enc.put<int64_t>(r.run_id);
  enc.put<int32_t>(e.rank);
  enc.put<int8_t>(static_cast<int8_t>(r.status));
  enc.put_str(r.message);
  enc.put<int32_t>(r.failed_epoch);
  enc.put<int32_t>(r.epochs_run);
  enc.put<double>(r.train_seconds);
  enc.put<double>(r.final_loss);
  enc.put_vec(r.loss_total);
  enc.put_vec(r.loss_primary);
  enc.put_vec(r.loss_auxiliary);
  enc.put_vec(r.val_loss);
  enc.put<uint64_t>(r.sites.size());
  for (const auto& s : r.sites) {
    enc.put<int32_t>(s.site_index);
    enc.put(s.m);        // arrays of plain structs: trivially copyable
    enc.put(s.monthly);
  }
  enc.put<uint64_t>(r.predictions.size());
  for (const auto& p : r.predictions) {
    enc.put<int32_t>(p.site_index);
    enc.put<int32_t>(static_cast<int32_t>(p.part));
    enc.put_vec(p.day);
    enc.put_vec(p.value);
  }
  enc.put_vec(r.final_params);
  if (!r.final_params.empty()) {
    enc.put_vec(e.scaling.x_mean);
    enc.put_vec(e.scaling.x_std);
    enc.put(e.scaling.y_mean);
    enc.put(e.scaling.y_std);
    enc.put<int8_t>(e.scaling.log_flow ? 1 : 0);
  }
  return std::move(enc.bytes());
}

JournalEntry decode_entry(const char* data, std::size_t n) {
  Decoder dec(data, n);
  JournalEntry e;
  RunResult& r = e.result;
  r.run_id = dec.get<int64_t>();
  e.rank = dec.get<int32_t>();
  r.status = static_cast<RunStatus>(dec.get<int8_t>());
  r.message = dec.get_str();
  r.failed_epoch = dec.get<int32_t>();
  r.epochs_run = dec.get<int32_t>();
  r.train_seconds = dec.get<double>();
  r.final_loss = dec.get<double>();
  r.loss_total = dec.get_vec<float>();
  r.loss_primary = dec.get_vec<float>();
  r.loss_auxiliary = dec.get_vec<float>();
  r.val_loss = dec.get_vec<float>();
  const auto n_sites = dec.get<uint64_t>();
  if (n_sites > n) throw ResultsError("journal record: bad site count");
  r.sites.resize(n_sites);
  for (auto& s : r.sites) {
    s.site_index = dec.get<int32_t>();
    s.m = dec.get<decltype(s.m)>();
    s.monthly = dec.get<decltype(s.monthly)>();
  }
  const auto n_pred = dec.get<uint64_t>();
  if (n_pred > n) throw ResultsError("journal record: bad prediction count");
  r.predictions.resize(n_pred);
  for (auto& p : r.predictions) {
    p.site_index = dec.get<int32_t>();
    p.part = static_cast<Part>(dec.get<int32_t>());
    p.day = dec.get_vec<int32_t>();
    p.value = dec.get_vec<float>();
  }
  r.final_params = dec.get_vec<float>();
  if (!r.final_params.empty()) {
    e.scaling.x_mean = dec.get_vec<float>();
    e.scaling.x_std = dec.get_vec<float>();
    e.scaling.y_mean = dec.get<decltype(e.scaling.y_mean)>();
    e.scaling.y_std = dec.get<decltype(e.scaling.y_std)>();
    e.scaling.log_flow = dec.get<int8_t>() != 0;
  }
  if (!dec.done()) throw ResultsError("journal record: trailing bytes");
  return e;
}

JournalWriter::JournalWriter(const std::string& path, uint64_t fingerprint, int rank, int ranks)
    : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw ResultsError(path + ": cannot create journal: " + std::strerror(errno));
  Encoder h;
  for (char c : kFileMagic) h.put(c);
  h.put<uint64_t>(fingerprint);
  h.put<uint32_t>(static_cast<uint32_t>(rank));
  h.put<uint32_t>(static_cast<uint32_t>(ranks));
  write_all(fd_, h.bytes().data(), h.bytes().size(), path_);
  if (::fsync(fd_) != 0) throw ResultsError(path_ + ": fsync failed: " + std::strerror(errno));
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(const std::vector<JournalEntry>& entries) {
  Encoder out;
  for (const auto& e : entries) {
    const std::vector<char> payload = encode_entry(e);
    out.put<uint32_t>(kRecordMagic);
    out.put<uint32_t>(static_cast<uint32_t>(payload.size()));
    out.bytes().insert(out.bytes().end(), payload.begin(), payload.end());
    out.put<uint64_t>(fnv1a64(payload.data(), payload.size()));
  }
  // One write per group then fsync: the group's runs become durable together.
  write_all(fd_, out.bytes().data(), out.bytes().size(), path_);
  if (::fsync(fd_) != 0) throw ResultsError(path_ + ": fsync failed: " + std::strerror(errno));
}

namespace {

/// Read exactly n bytes at offset; false at end of file (a torn tail).
bool read_at(int fd, off_t offset, char* out, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::pread(fd, out, n, offset);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    out += k;
    n -= static_cast<std::size_t>(k);
    offset += k;
  }
  return true;
}

void check_header(int fd, const std::string& path, uint64_t fingerprint) {
  char head[kHeaderBytes];
  if (!read_at(fd, 0, head, kHeaderBytes) || std::memcmp(head, kFileMagic, 8) != 0) {
    throw ResultsError(path + ": not an mtl_mpi journal (bad header); remove it or use --overwrite");
  }
  uint64_t fp = 0;
  std::memcpy(&fp, head + 8, 8);
  if (fp != fingerprint) {
    throw ResultsError(path + ": journal was written for a different configuration "
                       "(effective config or site list differ); --resume refused, "
                       "use the original config or --overwrite");
  }
}

/// Scan one file: only records with run_id in [begin, end) are read whole and
/// checksummed; the others are skipped by their length, so every rank reads
/// little more than its own block even when the journals hold predictions.
/// Returns false when the file ends in a torn or corrupt record.
bool scan_file(int fd, int64_t begin, int64_t end, std::map<int64_t, JournalEntry>& entries) {
  const off_t size = ::lseek(fd, 0, SEEK_END);
  off_t pos = kHeaderBytes;
  std::vector<char> payload;
  while (pos < size) {
    char head[8 + 8];  // magic, length, run_id (first payload field)
    uint32_t magic = 0, len = 0;
    int64_t run_id = 0;
    if (!read_at(fd, pos, head, sizeof head)) return false;
    std::memcpy(&magic, head, 4);
    std::memcpy(&len, head + 4, 4);
    std::memcpy(&run_id, head + 8, 8);
    if (magic != kRecordMagic || len > kMaxPayload || len < 8 ||
        pos + 8 + static_cast<off_t>(len) + 8 > size) {
      return false;
    }
    const off_t next = pos + 8 + static_cast<off_t>(len) + 8;
    if (run_id >= begin && run_id < end && !entries.count(run_id)) {
      payload.resize(len + 8);
      if (!read_at(fd, pos + 8, payload.data(), payload.size())) return false;
      uint64_t sum = 0;
      std::memcpy(&sum, payload.data() + len, 8);
      if (sum != fnv1a64(payload.data(), len)) return false;
      entries.emplace(run_id, decode_entry(payload.data(), len));
    }
    pos = next;
  }
  return true;
}

}  // namespace

JournalScan read_journals(const std::string& dir, uint64_t fingerprint, int64_t begin,
                          int64_t end) {
  JournalScan scan;
  scan.files = journal_files(dir);
  for (const auto& path : scan.files) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ResultsError(path + ": cannot read journal: " + std::strerror(errno));
    try {
      check_header(fd, path, fingerprint);
      if (!scan_file(fd, begin, end, scan.entries)) ++scan.torn_records;
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  }
  return scan;
}

JournalCount count_journals(const std::string& dir) {
  JournalCount count;
  for (const auto& path : journal_files(dir)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    off_t pos = kHeaderBytes;
    const off_t size = ::lseek(fd, 0, SEEK_END);
    char head[8 + 8 + 4 + 1];
    while (pos + static_cast<off_t>(sizeof head) <= size &&
           ::pread(fd, head, sizeof head, pos) == static_cast<ssize_t>(sizeof head)) {
      uint32_t magic = 0, len = 0;
      std::memcpy(&magic, head, 4);
      std::memcpy(&len, head + 4, 4);
      // Only count records whose checksum has been written (complete ones).
      if (magic != kRecordMagic || pos + 8 + static_cast<off_t>(len) + 8 > size) break;
      const auto status = static_cast<RunStatus>(head[8 + 8 + 4]);
      if (status == RunStatus::done) ++count.done;
      if (status == RunStatus::failed) ++count.failed;
      pos += 8 + static_cast<off_t>(len) + 8;
    }
    ::close(fd);
  }
  return count;
}

}  // namespace mtl
