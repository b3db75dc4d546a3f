#pragma once
// Internal to src/io/journal*.cpp: the byte layout of journal.hpp's format 2.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace mtl::journal_detail {

constexpr char kFileMagic[7] = {'M', 'T', 'L', 'J', 'R', 'N', 'L'};  // + one format digit
constexpr uint32_t kRecordMagic = 0x4D524543u;                       // "MREC"
constexpr std::size_t kRecordHead = 16;    // magic, format, 0, length, head check
constexpr uint32_t kMaxPayload = 1u << 30; // larger = corruption, never allocated
constexpr uint32_t kMaxHeaderText = 1u << 16;

/// Low 32 bits of FNV-1a over the first 12 bytes of a record head.
uint32_t head_check(const char* head12);

/// Fill a 16-byte record head for a payload of n bytes.
void make_head(char* out16, uint32_t payload_bytes);

/// Write all n bytes (retrying on EINTR); throws ResultsError naming path.
void write_all(int fd, const char* p, std::size_t n, const std::string& path);

/// Read exactly n bytes at offset; false at end of file.
bool read_at(int fd, off_t offset, char* out, std::size_t n);

}  // namespace mtl::journal_detail
