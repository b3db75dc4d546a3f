#pragma once
// Error types. Every message names the file, the key (or site/variable/date)
// and the offending value, so a user can fix the input from one line.
#include <stdexcept>
#include <string>

namespace mtl {

/// Base of all mtl errors; what() is the complete one-line message.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Bad configuration: INI file or command-line override.
struct ConfigError : Error {
  using Error::Error;
};

/// Bad input data: missing file, variable, site, date or a driver gap.
struct DataError : Error {
  using Error::Error;
};

/// Results file or journal problem (exists, mismatched config, HDF5 failure).
struct ResultsError : Error {
  using Error::Error;
};

}  // namespace mtl
