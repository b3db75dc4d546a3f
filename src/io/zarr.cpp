// zarr v2 array reader (zarr.hpp). Metadata is JSON (nlohmann-json); chunks
// are raw or blosc frames; a chunk file that does not exist holds fill_value
// (the spec's rule for never-written chunks).
#include "mtl/zarr.hpp"

#include <blosc.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mtl/errors.hpp"

namespace mtl {
namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw DataError(where + ": " + what);
}

bool read_bytes(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

Json read_json(const std::string& path) {
  std::string text;
  if (!read_bytes(path, text)) fail(path, "cannot open");
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    fail(path, std::string("not JSON: ") + e.what());
  }
}

std::vector<std::size_t> sizes(const std::string& where, const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array()) fail(where, std::string("'") + key + "' missing or not a list");
  std::vector<std::size_t> out;
  for (const auto& v : j[key]) {
    if (!v.is_number_unsigned()) fail(where, std::string("'") + key + "' = " + j[key].dump() + " is not a list of sizes");
    out.push_back(v.get<std::size_t>());
  }
  return out;
}

/// One element of a little-endian chunk as double: dtype "<f8", "<f4", "<i8", "<i4".
struct Decoder {
  char kind = 'f';
  std::size_t bytes = 8;
  double operator()(const char* p, const std::string& where) const {
    if (kind == 'f' && bytes == 8) { double v; std::memcpy(&v, p, 8); return v; }
    if (kind == 'f') { float v; std::memcpy(&v, p, 4); return v; }
    if (bytes == 4) { int32_t v; std::memcpy(&v, p, 4); return v; }
    int64_t v;
    std::memcpy(&v, p, 8);
    constexpr int64_t kExact = int64_t(1) << 53;  // larger integers lose digits in a double
    if (v > kExact || v < -kExact) fail(where, "integer " + std::to_string(v) + " does not fit a double exactly");
    return static_cast<double>(v);
  }
};

Decoder decoder(const std::string& where, const Json& meta) {
  const std::string dt = meta.value("dtype", "");
  Decoder d;
  if (dt == "<f8") d = {'f', 8};
  else if (dt == "<f4") d = {'f', 4};
  else if (dt == "<i8") d = {'i', 8};
  else if (dt == "<i4") d = {'i', 4};
  else fail(where, "dtype '" + dt + "' not supported (want <f8, <f4, <i8 or <i4)");
  static_assert(sizeof(double) == 8 && sizeof(float) == 4, "IEEE types");
  const uint16_t probe = 1;  // the dtypes above are little-endian: so must the host be
  if (*reinterpret_cast<const uint8_t*>(&probe) != 1) fail(where, "big-endian host not supported");
  return d;
}

double fill_value(const std::string& where, const Json& meta) {
  const Json& f = meta.contains("fill_value") ? meta["fill_value"] : Json();
  if (f.is_null()) return std::nan("");  // "no fill": every chunk must exist (checked when read)
  if (f.is_number()) return f.get<double>();
  if (f.is_string() && f.get<std::string>() == "NaN") return std::nan("");
  fail(where, "fill_value " + f.dump() + " not supported");
}

/// The chunk's raw bytes (decompressed); false when the chunk file is absent.
bool chunk_bytes(const std::string& file, const Json& compressor, std::size_t nbytes, std::string& raw) {
  std::string stored;
  if (!read_bytes(file, stored)) return false;
  if (compressor.is_null()) {
    raw = std::move(stored);
  } else {
    size_t dst = 0, src = 0, block = 0;
    if (stored.size() < BLOSC_MIN_HEADER_LENGTH) fail(file, "blosc frame of " + std::to_string(stored.size()) + " bytes");
    blosc_cbuffer_sizes(stored.data(), &dst, &src, &block);
    if (src != stored.size()) fail(file, "blosc frame says " + std::to_string(src) + " bytes, file has " + std::to_string(stored.size()));
    raw.resize(dst);
    // The _ctx variant: no global state, safe whatever other threads do; one internal thread.
    const int n = blosc_decompress_ctx(stored.data(), raw.data(), raw.size(), 1);
    if (n < 0 || static_cast<size_t>(n) != dst) fail(file, "blosc decompression failed (" + std::to_string(n) + ")");
  }
  if (raw.size() != nbytes)
    fail(file, "chunk holds " + std::to_string(raw.size()) + " bytes, expected " + std::to_string(nbytes));
  return true;
}

}  // namespace

ZarrArray read_zarr_array(const std::string& dir) {
  const std::string where = dir + "/.zarray";
  const Json meta = read_json(where);
  if (meta.value("zarr_format", 0) != 2) fail(where, "zarr_format " + meta.value("zarr_format", Json()).dump() + " (want 2)");
  if (meta.value("order", "") != "C") fail(where, "order '" + meta.value("order", "") + "' not supported (want C)");
  if (meta.contains("filters") && !meta["filters"].is_null()) fail(where, "filters " + meta["filters"].dump() + " not supported");
  const Json compressor = meta.contains("compressor") ? meta["compressor"] : Json();
  if (!compressor.is_null() && compressor.value("id", "") != "blosc")
    fail(where, "compressor '" + compressor.value("id", "") + "' not supported (want blosc or none)");
  const std::string sep = meta.value("dimension_separator", ".");
  ZarrArray a;
  a.path = dir;
  a.shape = sizes(where, meta, "shape");
  const std::vector<std::size_t> chunks = sizes(where, meta, "chunks");
  if (chunks.size() != a.shape.size() || a.shape.empty()) fail(where, "chunks and shape disagree");
  const Decoder dec = decoder(where, meta);
  const double fill = fill_value(where, meta);
  const bool need_all = !meta.contains("fill_value") || meta["fill_value"].is_null();
  const std::size_t nd = a.shape.size();
  std::size_t total = 1, chunk_n = 1;
  std::vector<std::size_t> grid(nd);  // chunks per dimension
  for (std::size_t d = 0; d < nd; ++d) {
    if (chunks[d] == 0) fail(where, "chunk size 0");
    total *= a.shape[d];
    chunk_n *= chunks[d];
    grid[d] = (a.shape[d] + chunks[d] - 1) / chunks[d];
  }
  a.values.assign(total, fill);
  std::vector<std::size_t> ci(nd, 0);  // chunk grid index, C order
  std::string raw;
  for (bool more = total > 0; more;) {
    std::string key;
    for (std::size_t d = 0; d < nd; ++d) key += (d ? sep : "") + std::to_string(ci[d]);
    if (chunk_bytes(dir + "/" + key, compressor, chunk_n * dec.bytes, raw)) {
      // Edge chunks are stored full size (zarr v2): elements past the shape are skipped.
      std::vector<std::size_t> e(nd, 0);
      for (std::size_t k = 0; k < chunk_n; ++k) {
        std::size_t flat = 0;
        bool inside = true;
        for (std::size_t d = 0; d < nd; ++d) {
          const std::size_t g = ci[d] * chunks[d] + e[d];
          inside = inside && g < a.shape[d];
          flat = flat * a.shape[d] + g;
        }
        if (inside) a.values[flat] = dec(raw.data() + k * dec.bytes, dir + "/" + key);
        for (std::size_t d = nd; d-- > 0;)  // next element in C order
          if (++e[d] < chunks[d]) break; else e[d] = 0;
      }
    } else if (need_all) {
      fail(dir + "/" + key, "chunk file missing and the array has no fill_value");
    }
    more = false;
    for (std::size_t d = nd; d-- > 0;)
      if (++ci[d] < grid[d]) { more = true; break; } else ci[d] = 0;
  }
  std::ifstream attrs_file(dir + "/.zattrs");
  if (attrs_file) {
    const Json attrs = read_json(dir + "/.zattrs");
    for (auto it = attrs.begin(); it != attrs.end(); ++it) {
      if (it.value().is_string()) a.attrs[it.key()] = it.value().get<std::string>();
      if (it.key() == "_ARRAY_DIMENSIONS" && it.value().is_array())
        for (const auto& n : it.value()) a.dims.push_back(n.is_string() ? n.get<std::string>() : n.dump());
    }
  }
  return a;
}

}  // namespace mtl
