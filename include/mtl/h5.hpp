#pragma once
// Minimal RAII for HDF5 ids (HighFive's pattern without the library): a
// move-only handle that closes itself, and checks that turn a negative HDF5
// status into a ResultsError/DataError naming the object.
#include <hdf5.h>

#include <exception>
#include <string>
#include <utility>

#include "mtl/errors.hpp"

namespace mtl {

/// > 0 while this thread is inside a phase where every rank must make the same
/// HDF5 calls (a file opened with MPI-IO). See H5Handle::reset.
inline int& h5_collective_depth() {
  thread_local int depth = 0;
  return depth;
}

/// Marks such a phase for its scope (declare it before the phase's handles).
class H5CollectivePhase {
 public:
  explicit H5CollectivePhase(bool many_ranks) : on_(many_ranks) { h5_collective_depth() += on_; }
  ~H5CollectivePhase() { h5_collective_depth() -= on_; }
  H5CollectivePhase(const H5CollectivePhase&) = delete;
  H5CollectivePhase& operator=(const H5CollectivePhase&) = delete;

 private:
  int on_;
};

class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle() = default;
  H5Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id_ < 0) throw Error("HDF5: " + what);
  }
  H5Handle(H5Handle&& o) noexcept : id_(std::exchange(o.id_, -1)), closer_(o.closer_) {}
  H5Handle& operator=(H5Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, -1);
      closer_ = o.closer_;
    }
    return *this;
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() { reset(); }

  hid_t id() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: handles are passed straight to H5* calls
  void reset() {
    // An exception leaving a collective phase means this rank stopped where
    // the others did not: closing now (a parallel file close is collective)
    // would wait for them forever. The caller aborts the job instead.
    const bool abandon = h5_collective_depth() > 0 && std::uncaught_exceptions() > 0;
    if (id_ >= 0 && closer_ && !abandon) closer_(id_);
    id_ = -1;
  }
  /// Close now and throw Error("HDF5: what") when the library reports a failure.
  /// For a file this is its final flush of data and metadata: a writer must
  /// call it (the destructor cannot report anything).
  void close(const std::string& what) {
    const herr_t status = id_ >= 0 && closer_ ? closer_(id_) : 0;
    id_ = -1;
    if (status < 0) throw Error("HDF5: " + what);
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

inline H5Handle h5_file(hid_t id, const std::string& what) { return {id, H5Fclose, what}; }
inline H5Handle h5_dataset(hid_t id, const std::string& what) { return {id, H5Dclose, what}; }
inline H5Handle h5_space(hid_t id, const std::string& what) { return {id, H5Sclose, what}; }
inline H5Handle h5_type(hid_t id, const std::string& what) { return {id, H5Tclose, what}; }
inline H5Handle h5_group(hid_t id, const std::string& what) { return {id, H5Gclose, what}; }
inline H5Handle h5_plist(hid_t id, const std::string& what) { return {id, H5Pclose, what}; }
inline H5Handle h5_attr(hid_t id, const std::string& what) { return {id, H5Aclose, what}; }

/// Throw Error("HDF5: what") when status < 0.
inline void h5_check(herr_t status, const std::string& what) {
  if (status < 0) throw Error("HDF5: " + what);
}

/// Silence HDF5's automatic error stack printing for this process; our
/// exceptions say what failed in one line.
inline void h5_quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

}  // namespace mtl
