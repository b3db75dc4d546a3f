// The journal survives its own damage (empty/short files, a flipped byte
// anywhere in a record, torn tails) with exact counts; provenance mismatches
// name the part that changed; a retried run's later record wins.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "mtl/errors.hpp"
#include "mtl/journal.hpp"
#include "mtl/provenance.hpp"
#include "support/fake_grid.hpp"

namespace {
namespace fs = std::filesystem;
using mtl::test::fake_result;
using mtl::test::make_test_plan;
using mtl::test::scratch;

const mtl::Provenance kProv = {{"config", "c1"}, {"data", "d1"}, {"program", "mtl_mpi 0 (git x)"}};

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = scratch(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// One journal file holding runs [first, first + n) of the test plan, n/4 appends.
fs::path write_journal(const fs::path& dir, const std::string& stamp, int first, int n,
                       mtl::RunStatus status = mtl::RunStatus::done) {
  const mtl::Plan plan = make_test_plan(scratch("j.h5"));
  const fs::path file = dir / ("rank0-of1-" + stamp + ".bin");
  mtl::JournalWriter w(file.string(), kProv, 0, 1);
  std::vector<mtl::JournalEntry> group;
  for (int i = first; i < first + n; ++i) {
    mtl::RunResult r = fake_result(plan.grid.runs[i], plan.cfg);
    if (status == mtl::RunStatus::failed) {
      r = mtl::RunResult{};
      r.run_id = i;
      r.status = status;
      r.message = "internal: std::bad_alloc";
    }
    group.push_back({r, 0, {}});
    if (group.size() == 4 || i == first + n - 1) {
      w.append(group);
      group.clear();
    }
  }
  return file;
}

std::vector<char> read_bytes(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& f, const std::vector<char>& b) {
  std::ofstream(f, std::ios::binary | std::ios::trunc).write(b.data(), static_cast<std::streamsize>(b.size()));
}

TEST(Journal, EmptyAndShortFilesHoldNoRecordsAndNeverStop) {
  const fs::path dir = fresh_dir("j_empty");
  write_journal(dir, "20240101T000000-1-1", 0, 3);
  std::ofstream(dir / "rank0-of1-20240102T000000-1-1.bin").flush();         // 0 bytes
  write_bytes(dir / "rank0-of1-20240103T000000-1-1.bin", {'M', 'T', 'L'});  // cut header
  mtl::JournalScan scan;
  ASSERT_NO_THROW(scan = mtl::read_journals(dir.string(), kProv, 0, 100));
  EXPECT_EQ(scan.entries.size(), 3u);
  EXPECT_EQ(scan.damaged_files, 2);
  EXPECT_EQ(scan.corrupt_records, 0);
  ASSERT_EQ(scan.warnings.size(), 2u);
  EXPECT_NE(scan.warnings[0].find("empty file"), std::string::npos) << scan.warnings[0];
  EXPECT_EQ(mtl::count_journals(dir.string()).done, 3);
}

TEST(Journal, AFlippedByteInOneRecordSkipsOnlyThatRecord) {
  const fs::path dir = fresh_dir("j_flip");
  const fs::path file = write_journal(dir, "20240101T000000-1-1", 0, 16);
  const std::vector<char> clean = read_bytes(file);
  // Record k starts where the first k records end: find record 8 by scanning
  // the clean file, then flip each byte of its head, run id and checksum and
  // every 23rd payload byte in turn.
  auto starts = [&] {
    std::vector<std::size_t> at;
    uint32_t text = 0;
    std::memcpy(&text, clean.data() + 8, 4);
    for (std::size_t pos = 12 + text + 8; pos < clean.size();) {
      uint32_t len = 0;
      std::memcpy(&len, clean.data() + pos + 8, 4);
      at.push_back(pos);
      pos += 16 + len + 8;
    }
    return at;
  }();
  ASSERT_EQ(starts.size(), 16u);
  const std::size_t begin = starts[8], end = starts[9];
  for (std::size_t b = begin; b < end; b += (b < begin + 24 || b + 8 >= end) ? 1 : 23) {
    std::vector<char> bytes = clean;
    bytes[b] ^= 0x10;
    write_bytes(file, bytes);
    const mtl::JournalScan scan = mtl::read_journals(dir.string(), kProv, 0, 100);
    ASSERT_EQ(scan.entries.size(), 15u) << "byte " << b - begin << " of record 8";
    ASSERT_EQ(scan.entries.count(8), 0u);
    ASSERT_EQ(scan.corrupt_records, 1) << "byte " << b - begin;
    ASSERT_EQ(scan.torn_tails, 0);
  }
  // A cut in the middle of the last record is a torn tail, not damage.
  write_bytes(file, std::vector<char>(clean.begin(), clean.begin() + static_cast<long>(starts[15] + 30)));
  const mtl::JournalScan torn = mtl::read_journals(dir.string(), kProv, 0, 100);
  EXPECT_EQ(torn.entries.size(), 15u);
  EXPECT_EQ(torn.torn_tails, 1);
  EXPECT_EQ(torn.corrupt_records, 0);
}

TEST(Journal, DamageIsCountedOnceAcrossOwners) {
  const fs::path dir = fresh_dir("j_owners");
  write_journal(dir, "20240101T000000-1-1", 0, 8);
  const fs::path second = write_journal(dir, "20240102T000000-1-1", 8, 8);
  std::vector<char> bytes = read_bytes(second);
  bytes[bytes.size() / 2] ^= 0x01;
  write_bytes(second, bytes);
  int64_t corrupt = 0;
  std::size_t found = 0;
  for (int owner = 0; owner < 3; ++owner) {  // three ranks, each reading its own block
    const auto scan = mtl::read_journals(dir.string(), kProv, owner * 6, owner * 6 + 6, owner, 3);
    corrupt += scan.corrupt_records;
    found += scan.entries.size();
  }
  EXPECT_EQ(corrupt, 1);
  EXPECT_EQ(found, 15u);
}

TEST(Journal, ProvenanceMismatchNamesThePartThatChanged) {
  const fs::path dir = fresh_dir("j_prov");
  write_journal(dir, "20240101T000000-1-1", 0, 2);
  const std::pair<std::string, std::string> cases[] = {
      {"config", "configuration"}, {"data", "input data"}, {"program", "program"}};
  for (const auto& [part, words] : cases) {
    mtl::Provenance now = kProv;
    for (auto& p : now) {
      if (p.name == part) p.value += "-changed";
    }
    try {
      mtl::read_journals(dir.string(), now, 0, 100);
      FAIL() << part << ": accepted";
    } catch (const mtl::ResultsError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("different " + words), std::string::npos) << m;
      EXPECT_NE(m.find("[" + part + ": journal"), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
  mtl::Provenance more = kProv;
  more.push_back({"numeric", "kernels avx512"});  // a part added by a later version
  EXPECT_THROW(mtl::read_journals(dir.string(), more, 0, 100), mtl::ResultsError);
}

TEST(Journal, FormatVersionsAreRecordedAndOlderFilesRefused) {
  const fs::path dir = fresh_dir("j_format");
  const fs::path file = write_journal(dir, "20240101T000000-1-1", 0, 1);
  const std::vector<char> b = read_bytes(file);
  ASSERT_EQ(std::string(b.data(), 8), "MTLJRNL2");
  uint32_t text = 0;
  std::memcpy(&text, b.data() + 8, 4);
  const std::string header(b.data() + 12, text);
  EXPECT_NE(header.find("part.data=d1\n"), std::string::npos) << header;
  uint16_t record_format = 0;
  std::memcpy(&record_format, b.data() + 12 + text + 8 + 4, 2);
  EXPECT_EQ(record_format, mtl::kJournalFormat);
  std::vector<char> old = b;
  old[7] = '1';
  write_bytes(file, old);
  try {
    mtl::read_journals(dir.string(), kProv, 0, 100);
    FAIL() << "format 1 accepted";
  } catch (const mtl::ResultsError& e) {
    EXPECT_NE(std::string(e.what()).find("journal format 1"), std::string::npos) << e.what();
  }
}

TEST(Journal, ALaterRecordReplacesAFailedOneNeverADoneOne) {
  const fs::path dir = fresh_dir("j_retry");
  write_journal(dir, "20240101T000000-1-1", 0, 4, mtl::RunStatus::failed);  // first launch
  write_journal(dir, "20240102T000000-1-1", 0, 2);                          // --retry-failed
  write_journal(dir, "20240103T000000-1-1", 1, 1, mtl::RunStatus::failed);  // cannot win over done
  const auto scan = mtl::read_journals(dir.string(), kProv, 0, 100);
  ASSERT_EQ(scan.entries.size(), 4u);
  EXPECT_EQ(scan.entries.at(0).result.status, mtl::RunStatus::done);
  EXPECT_EQ(scan.entries.at(1).result.status, mtl::RunStatus::done);
  EXPECT_EQ(scan.entries.at(2).result.status, mtl::RunStatus::failed);
  const mtl::JournalCount c = mtl::count_journals(dir.string());
  EXPECT_EQ(c.done, 2);
  EXPECT_EQ(c.failed, 2);
}

TEST(Provenance, DataDigestCoversThePeriodValuesOnly) {
  mtl::Plan plan = make_test_plan(scratch("d.h5"));  // train 2000, val 2001, test 2002-01-01..20
  mtl::DataSet ds;
  ds.site_ids = {"A", "B"};
  const int32_t t0 = plan.cfg.data.train.first - 10;
  for (int32_t d = t0; d <= plan.cfg.data.test.last + 10; ++d) ds.time.push_back(d);
  const std::size_t nt = ds.time.size();
  ds.driver_names = {"prcp"};
  ds.drivers = {std::vector<float>(2 * nt, 1.0f)};
  ds.flow.assign(2 * nt, 2.0f);
  ds.temp.assign(2 * nt, std::numeric_limits<float>::quiet_NaN());
  const std::string base = mtl::data_digest(ds, {0, 1}, plan.cfg);
  mtl::DataSet changed = ds;
  changed.flow[nt + 20] = 2.5f;  // site B, inside train
  EXPECT_NE(mtl::data_digest(changed, {0, 1}, plan.cfg), base);
  changed = ds;
  changed.drivers[0][3] = 7.0f;  // before the train period: never read
  EXPECT_EQ(mtl::data_digest(changed, {0, 1}, plan.cfg), base);
  changed = ds;
  uint32_t payload_nan = 0x7fc00123u;
  std::memcpy(&changed.temp[15], &payload_nan, 4);  // another NaN is the same missing value
  EXPECT_EQ(mtl::data_digest(changed, {0, 1}, plan.cfg), base);
  EXPECT_NE(mtl::data_digest(ds, {0}, plan.cfg), base);  // other site selection
}

}  // namespace
