#include "source/postgres/streamed_txn_buffer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sluice::pg {
namespace {

class StreamedTxnBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-spill-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    relation_ = std::make_shared<RelationDef>(
        RelationDef{42, "public", "t", 'd', {{"id", 20, -1, true}, {"v", 25, -1, false}}, {0}});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Change Row(int id, std::string v = "x") {
    Change c;
    c.action = Action::kInsert;
    c.relation = relation_;
    c.new_values = {{ValueKind::kText, std::to_string(id)}, {ValueKind::kText, std::move(v)}};
    return c;
  }

  std::vector<int> ReplayIds(StreamedTxnBuffer& buffer, uint32_t xid) {
    std::vector<int> ids;
    Status st = buffer.Replay(xid, [&](Change&& c) {
      EXPECT_EQ(c.relation, relation_);
      ids.push_back(std::stoi(c.new_values[0].text));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.message();
    return ids;
  }

  size_t SpillFiles() {
    if (!std::filesystem::exists(dir_)) return 0;
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_),
                                             std::filesystem::directory_iterator()));
  }

  std::filesystem::path dir_;
  RelationPtr relation_;
};

TEST_F(StreamedTxnBufferTest, ReplaysInOrderFromMemory) {
  StreamedTxnBuffer buffer(dir_, 1 << 20);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(buffer.Append(7, 7, Row(i)).ok());
  EXPECT_EQ(buffer.spilled_transactions(), 0);
  EXPECT_EQ(ReplayIds(buffer, 7), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(buffer.memory_bytes(), 0u);
}

TEST_F(StreamedTxnBufferTest, SpillsPastTheMemoryLimitAndStaysBounded) {
  StreamedTxnBuffer buffer(dir_, 64 * 1024);
  constexpr int kRows = 20000;
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(buffer.Append(9, 9, Row(i, std::string(100, 'a'))).ok());
    ASSERT_LE(buffer.memory_bytes(), 64u * 1024);
  }
  EXPECT_EQ(buffer.spilled_transactions(), 1);
  EXPECT_EQ(SpillFiles(), 1u);
  auto ids = ReplayIds(buffer, 9);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kRows));
  for (int i = 0; i < kRows; ++i) ASSERT_EQ(ids[i], i);
  EXPECT_EQ(SpillFiles(), 0u) << "spill file must be removed after replay";
}

TEST_F(StreamedTxnBufferTest, AbortDropsTheWholeTransactionAndItsFile) {
  StreamedTxnBuffer buffer(dir_, 1024);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(buffer.Append(5, 5, Row(i)).ok());
  EXPECT_EQ(SpillFiles(), 1u);
  ASSERT_TRUE(buffer.Abort(5, 5).ok());
  EXPECT_EQ(SpillFiles(), 0u);
  EXPECT_TRUE(ReplayIds(buffer, 5).empty());
}

TEST_F(StreamedTxnBufferTest, SubtransactionAbortCutsBackInMemory) {
  StreamedTxnBuffer buffer(dir_, 1 << 20);
  ASSERT_TRUE(buffer.Append(10, 10, Row(1)).ok());
  ASSERT_TRUE(buffer.Append(10, 11, Row(2)).ok());
  ASSERT_TRUE(buffer.Append(10, 11, Row(3)).ok());
  ASSERT_TRUE(buffer.Abort(10, 11).ok());
  ASSERT_TRUE(buffer.Append(10, 12, Row(4)).ok());
  EXPECT_EQ(ReplayIds(buffer, 10), (std::vector<int>{1, 4}));
}

TEST_F(StreamedTxnBufferTest, SubtransactionAbortCutsBackInTheSpillFile) {
  StreamedTxnBuffer buffer(dir_, 2048);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(buffer.Append(20, 20, Row(i)).ok());
  for (int i = 50; i < 80; ++i) ASSERT_TRUE(buffer.Append(20, 21, Row(i)).ok());
  ASSERT_EQ(buffer.spilled_transactions(), 1);
  ASSERT_TRUE(buffer.Abort(20, 21).ok());
  for (int i = 80; i < 90; ++i) ASSERT_TRUE(buffer.Append(20, 22, Row(i)).ok());
  auto ids = ReplayIds(buffer, 20);
  std::vector<int> expected;
  for (int i = 0; i < 50; ++i) expected.push_back(i);
  for (int i = 80; i < 90; ++i) expected.push_back(i);
  EXPECT_EQ(ids, expected);
}

TEST_F(StreamedTxnBufferTest, SubtransactionStartedInMemoryIsCutAfterSpilling) {
  StreamedTxnBuffer buffer(dir_, 4096);
  ASSERT_TRUE(buffer.Append(30, 30, Row(0)).ok());
  ASSERT_TRUE(buffer.Append(30, 31, Row(1)).ok());  // in memory when it starts
  for (int i = 2; i < 100; ++i) ASSERT_TRUE(buffer.Append(30, 31, Row(i)).ok());
  ASSERT_EQ(buffer.spilled_transactions(), 1);
  ASSERT_TRUE(buffer.Abort(30, 31).ok());
  EXPECT_EQ(ReplayIds(buffer, 30), (std::vector<int>{0}));
}

TEST_F(StreamedTxnBufferTest, KeepsTransactionsApart) {
  StreamedTxnBuffer buffer(dir_, 1 << 20);
  ASSERT_TRUE(buffer.Append(1, 1, Row(10)).ok());
  ASSERT_TRUE(buffer.Append(2, 2, Row(20)).ok());
  ASSERT_TRUE(buffer.Append(1, 1, Row(11)).ok());
  EXPECT_EQ(ReplayIds(buffer, 2), (std::vector<int>{20}));
  EXPECT_EQ(ReplayIds(buffer, 1), (std::vector<int>{10, 11}));
}

TEST_F(StreamedTxnBufferTest, PreservesValueKindsAndOldTuples) {
  StreamedTxnBuffer buffer(dir_, 16);  // spill at once
  Change c = Row(1);
  c.action = Action::kUpdate;
  c.new_values[1] = {ValueKind::kUnchangedToast, ""};
  c.has_old = true;
  c.old_is_key_only = true;
  c.old_values = {{ValueKind::kText, "1"}, {ValueKind::kNull, ""}};
  ASSERT_TRUE(buffer.Append(3, 3, std::move(c)).ok());
  ASSERT_EQ(buffer.spilled_transactions(), 1);
  bool seen = false;
  ASSERT_TRUE(buffer
                  .Replay(3,
                          [&](Change&& r) {
                            seen = true;
                            EXPECT_EQ(r.action, Action::kUpdate);
                            EXPECT_EQ(r.new_values[1].kind, ValueKind::kUnchangedToast);
                            EXPECT_TRUE(r.has_old);
                            EXPECT_TRUE(r.old_is_key_only);
                            EXPECT_EQ(r.old_values[0].text, "1");
                            EXPECT_EQ(r.old_values[1].kind, ValueKind::kNull);
                            return Status::Ok();
                          })
                  .ok());
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace sluice::pg
