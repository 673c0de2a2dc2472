#include "pipeline/ack_tracker.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sluice {
namespace {

TEST(AckTrackerTest, StartsAtTheSlotsConfirmedPosition) {
  AckTracker tracker;
  tracker.Start(500);
  EXPECT_EQ(tracker.Frontier(), 500u);
}

TEST(AckTrackerTest, ConfirmsATransactionOnlyWhenAllItsMessagesAreSettled) {
  AckTracker tracker;
  tracker.BeginTxn(100);
  tracker.AddPending(100, 3);
  tracker.CommitTxn(100, 110);
  EXPECT_EQ(tracker.Frontier(), 0u);
  tracker.Settle(100, 2);
  EXPECT_EQ(tracker.Frontier(), 0u);
  tracker.Settle(100, 1);
  EXPECT_EQ(tracker.Frontier(), 110u);
  EXPECT_EQ(tracker.PendingMessages(), 0);
}

TEST(AckTrackerTest, NeverPassesAnOlderUnsettledTransaction) {
  AckTracker tracker;
  tracker.BeginTxn(100);
  tracker.AddPending(100, 1);
  tracker.CommitTxn(100, 110);
  tracker.BeginTxn(200);
  tracker.AddPending(200, 1);
  tracker.CommitTxn(200, 210);
  tracker.Settle(200, 1);  // the newer one settles first
  EXPECT_EQ(tracker.Frontier(), 0u);
  tracker.Settle(100, 1);
  EXPECT_EQ(tracker.Frontier(), 210u);
}

TEST(AckTrackerTest, DoesNotConfirmAnOpenTransactionEvenWhenSettled) {
  AckTracker tracker;
  tracker.BeginTxn(100);
  tracker.AddPending(100, 1);
  tracker.Settle(100, 1);
  EXPECT_EQ(tracker.Frontier(), 0u);
  tracker.CommitTxn(100, 120);
  EXPECT_EQ(tracker.Frontier(), 120u);
}

TEST(AckTrackerTest, TransactionsWithoutMessagesConfirmAtCommit) {
  AckTracker tracker;
  tracker.BeginTxn(100);
  tracker.CommitTxn(100, 130);
  EXPECT_EQ(tracker.Frontier(), 130u);
}

TEST(AckTrackerTest, FollowsKeepalivesOnlyWhenNothingIsPending) {
  AckTracker tracker;
  tracker.ObserveServerPosition(1000);
  EXPECT_EQ(tracker.Frontier(), 1000u);
  tracker.BeginTxn(2000);
  tracker.AddPending(2000, 1);
  tracker.CommitTxn(2000, 2010);
  tracker.ObserveServerPosition(5000);
  EXPECT_EQ(tracker.Frontier(), 1000u);
  tracker.Settle(2000, 1);
  EXPECT_EQ(tracker.Frontier(), 2010u);
  tracker.ObserveServerPosition(5000);
  EXPECT_EQ(tracker.Frontier(), 5000u);
}

TEST(AckTrackerTest, AReplayedTransactionMergesWithItsEarlierPartialCopy) {
  // The connection dropped mid-transaction: two messages went to sinks, then the server
  // replayed the whole transaction (three messages) under the same commit LSN.
  AckTracker tracker;
  tracker.BeginTxn(100);
  tracker.AddPending(100, 2);
  tracker.BeginTxn(100);
  tracker.AddPending(100, 3);
  tracker.CommitTxn(100, 150);
  tracker.Settle(100, 3);
  EXPECT_EQ(tracker.Frontier(), 0u);
  tracker.Settle(100, 2);
  EXPECT_EQ(tracker.Frontier(), 150u);
}

TEST(AckTrackerTest, SettlesFromManyThreads) {
  AckTracker tracker;
  constexpr int kTxns = 200;
  constexpr int kPerTxn = 50;
  for (int t = 1; t <= kTxns; ++t) {
    tracker.BeginTxn(t * 100);
    tracker.AddPending(t * 100, kPerTxn);
    tracker.CommitTxn(t * 100, t * 100 + 10);
  }
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int t = 1; t <= kTxns; ++t) {
        for (int i = w; i < kPerTxn; i += 4) tracker.Settle(t * 100, 1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(tracker.Frontier(), static_cast<Lsn>(kTxns * 100 + 10));
  EXPECT_EQ(tracker.PendingMessages(), 0);
}

}  // namespace
}  // namespace sluice
