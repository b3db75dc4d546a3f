#pragma once
// Bad input must give one clear line: `f` throws a DataError whose message is a
// single line containing every part (file, key/site/variable/date, value).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "mtl/errors.hpp"

namespace mtl::test {

inline void expect_data_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL() << "no DataError";
  } catch (const DataError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    for (const auto& p : parts) EXPECT_NE(m.find(p), std::string::npos) << m << " lacks " << p;
  }
}

}  // namespace mtl::test
