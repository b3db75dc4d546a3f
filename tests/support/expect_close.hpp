#pragma once
// Floating-point comparisons for GoogleTest with a relative AND an absolute
// margin (ensmallen CheckMatrices style): actual passes when
//   |actual - expected| <= abs_tol + rel_tol * |expected|
// so values near zero are judged by abs_tol and large values by rel_tol.
// Both margins must be derived by the caller (state the reasoning beside the
// call). NaN equals NaN only when expected is NaN (a NaN rule is a value too).
//
//   EXPECT_TRUE(mtl::test::close(a, e, 1e-6, 1e-9));
//   EXPECT_TRUE(mtl::test::all_close(ptr_a, ptr_e, n, 1e-6, 1e-9));  // reports worst index
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <sstream>

namespace mtl::test {

inline bool within(double actual, double expected, double rel_tol, double abs_tol) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  if (!std::isfinite(actual)) return false;
  return std::fabs(actual - expected) <= abs_tol + rel_tol * std::fabs(expected);
}

inline ::testing::AssertionResult close(double actual, double expected, double rel_tol,
                                        double abs_tol) {
  if (within(actual, expected, rel_tol, abs_tol)) return ::testing::AssertionSuccess();
  std::ostringstream os;
  os.precision(17);
  os << "actual " << actual << " vs expected " << expected << ": |diff| = "
     << std::fabs(actual - expected) << " > abs " << abs_tol << " + rel " << rel_tol
     << " * |expected| = " << abs_tol + rel_tol * std::fabs(expected);
  return ::testing::AssertionFailure() << os.str();
}

/// Element-wise over n values (any arithmetic types); on failure reports the
/// number of failures and the first and worst offending indices.
template <typename A, typename E>
::testing::AssertionResult all_close(const A* actual, const E* expected, std::size_t n,
                                     double rel_tol, double abs_tol) {
  std::size_t failures = 0, first = n, worst = n;
  double worst_excess = -1.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = static_cast<double>(actual[i]), e = static_cast<double>(expected[i]);
    if (within(a, e, rel_tol, abs_tol)) continue;
    ++failures;
    if (first == n) first = i;
    const double excess = std::isfinite(a - e)
                              ? std::fabs(a - e) / (abs_tol + rel_tol * std::fabs(e))
                              : INFINITY;
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  if (failures == 0) return ::testing::AssertionSuccess();
  std::ostringstream os;
  os.precision(17);
  os << failures << " of " << n << " values differ; first [" << first
     << "]: " << static_cast<double>(actual[first]) << " vs " << static_cast<double>(expected[first])
     << "; worst [" << worst << "]: " << static_cast<double>(actual[worst]) << " vs "
     << static_cast<double>(expected[worst]) << " (rel " << rel_tol << ", abs " << abs_tol << ")";
  return ::testing::AssertionFailure() << os.str();
}

}  // namespace mtl::test
