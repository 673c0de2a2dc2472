#include "sinks/webhook/group_scheduler.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Message InGroup(std::string table, std::string group_key) {
  Message message;
  message.schema_name = "public";
  message.table_name = std::move(table);
  message.group_key = std::move(group_key);
  return message;
}

std::vector<size_t> TakeAll(GroupScheduler& scheduler) {
  std::vector<size_t> taken;
  while (auto index = scheduler.TakeReady()) taken.push_back(*index);
  return taken;
}

TEST(GroupSchedulerTest, FirstMessageOfEachGroupIsReadyAtOnce) {
  GroupScheduler scheduler(
      {InGroup("t", "1"), InGroup("t", "2"), InGroup("t", "1"), InGroup("t", "3")});
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{0, 1, 3}));
}

TEST(GroupSchedulerTest, LaterMessageWaitsForTheEarlierOneToSucceed) {
  GroupScheduler scheduler({InGroup("t", "1"), InGroup("t", "1"), InGroup("t", "1")});
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{0}));
  EXPECT_TRUE(scheduler.Finish(0, true).empty());
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{1}));
  EXPECT_TRUE(scheduler.Finish(1, true).empty());
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{2}));
  EXPECT_TRUE(scheduler.Finish(2, true).empty());
  EXPECT_FALSE(scheduler.TakeReady().has_value());
}

TEST(GroupSchedulerTest, FailureBlocksTheRestOfItsGroupOnly) {
  GroupScheduler scheduler({InGroup("t", "1"), InGroup("t", "2"), InGroup("t", "1"),
                            InGroup("t", "2"), InGroup("t", "1")});
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(scheduler.Finish(0, false), (std::vector<size_t>{2, 4}));
  EXPECT_TRUE(scheduler.Finish(1, true).empty());
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{3}));
}

TEST(GroupSchedulerTest, SameKeyInAnotherTableOrSchemaIsAnotherGroup) {
  Message other_schema = InGroup("t", "1");
  other_schema.schema_name = "audit";
  GroupScheduler scheduler({InGroup("t", "1"), InGroup("u", "1"), other_schema});
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{0, 1, 2}));
}

TEST(GroupSchedulerTest, EmptyGroupKeyStillKeepsTableOrder) {
  GroupScheduler scheduler({InGroup("t", ""), InGroup("t", "")});
  EXPECT_EQ(TakeAll(scheduler), (std::vector<size_t>{0}));
}

TEST(GroupSchedulerTest, EmptyBatchHasNothingReady) {
  GroupScheduler scheduler(Batch{});
  EXPECT_FALSE(scheduler.TakeReady().has_value());
}

}  // namespace
}  // namespace sluice
