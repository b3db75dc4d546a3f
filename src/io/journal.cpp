// Per-rank run journal, writing side: encode/decode of RunResult records, the
// file header with the provenance parts, fsync'd appends. Reading (tolerant of
// damage): journal_read.cpp. Layout: journal.hpp.
#include "mtl/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "journal_format.hpp"
#include "mtl/errors.hpp"

namespace mtl {
namespace journal_detail {

uint32_t head_check(const char* head12) {
  return static_cast<uint32_t>(fnv1a64(head12, 12));
}

void make_head(char* out16, uint32_t payload_bytes) {
  const uint16_t format = kJournalFormat, zero = 0;
  std::memcpy(out16, &kRecordMagic, 4);
  std::memcpy(out16 + 4, &format, 2);
  std::memcpy(out16 + 6, &zero, 2);
  std::memcpy(out16 + 8, &payload_bytes, 4);
  const uint32_t check = head_check(out16);
  std::memcpy(out16 + 12, &check, 4);
}

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;  // a signal (SIGTERM flag) interrupted us
    if (k < 0) throw ResultsError(path + ": cannot write journal: " + std::strerror(errno));
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

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

}  // namespace journal_detail

using namespace journal_detail;

namespace {

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

}  // namespace

uint64_t fnv1a64(const void* data, std::size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
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
    enc.put_vec(e.scaling.flow_depth);
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
    e.scaling.flow_depth = dec.get_vec<double>();
  }
  if (!dec.done()) throw ResultsError("journal record: trailing bytes");
  return e;
}

JournalWriter::JournalWriter(const std::string& path, const Provenance& provenance, int rank,
                             int ranks)
    : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw ResultsError(path + ": cannot create journal: " + std::strerror(errno));
  std::string text = "rank=" + std::to_string(rank) + "\nranks=" + std::to_string(ranks) + "\n";
  for (const ProvenancePart& p : provenance) {
    std::string value = p.value;
    for (char& c : value) c = c == '\n' ? ' ' : c;  // one line per part
    text += "part." + p.name + "=" + value + "\n";
  }
  Encoder h;
  for (char c : kFileMagic) h.put(c);
  h.put(static_cast<char>('0' + kJournalFormat));
  h.put<uint32_t>(static_cast<uint32_t>(text.size()));
  h.bytes().insert(h.bytes().end(), text.begin(), text.end());
  h.put<uint64_t>(fnv1a64(text.data(), text.size()));
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
    char head[kRecordHead];
    make_head(head, static_cast<uint32_t>(payload.size()));
    out.bytes().insert(out.bytes().end(), head, head + kRecordHead);
    out.bytes().insert(out.bytes().end(), payload.begin(), payload.end());
    out.put<uint64_t>(fnv1a64(payload.data(), payload.size()));
  }
  // One write per group then fsync: the group's runs become durable together.
  write_all(fd_, out.bytes().data(), out.bytes().size(), path_);
  if (::fsync(fd_) != 0) throw ResultsError(path_ + ": fsync failed: " + std::strerror(errno));
}

}  // namespace mtl
