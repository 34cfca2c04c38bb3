#include "billing/cdr_writer.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "billing/test/test_support.h"

namespace trunkline::billing {
namespace {

using namespace std::chrono_literals;
using testing::FakeSink;
using testing::makeCdr;
using testing::SharedManualClock;
using testing::waitUntil;

CdrWriterConfig smallConfig(std::size_t batch) {
  CdrWriterConfig c;
  c.maxBatch = batch;
  c.maxDelay = 20ms;
  c.retryInitial = 1ms;
  c.retryMax = 4ms;
  c.stopRetryFor = 10s;
  return c;
}

TEST(CdrWriter, FullBatchesCommitAndFlushWritesTheRest) {
  SharedManualClock clock;  // never advanced: only full batches or flush close a batch
  FakeSink sink;
  CdrWriter w(sink, clock, smallConfig(10));
  for (int i = 0; i < 95; ++i) ASSERT_TRUE(w.submit(makeCdr("c" + std::to_string(i))));
  w.start();
  ASSERT_TRUE(waitUntil([&] { return sink.committedCount() == 90; }));
  EXPECT_EQ(w.stats().queueDepth, 5u);
  ASSERT_TRUE(w.flush());
  EXPECT_EQ(sink.batchSizes(), (std::vector<std::size_t>{10, 10, 10, 10, 10, 10, 10, 10, 10, 5}));
  auto s = w.stats();
  EXPECT_EQ(s.submitted, 95u);
  EXPECT_EQ(s.written, 95u);
  EXPECT_EQ(s.batches, 10u);  // ceil(95 / 10)
  EXPECT_EQ(s.queueDepth, 0u);
  EXPECT_EQ(s.failedCommits, 0u);
  auto order = sink.committed();
  for (int i = 0; i < 95; ++i) EXPECT_EQ(order[i], "c" + std::to_string(i));
  w.stop();
}

TEST(CdrWriter, SubmittingWhileRunningGivesTheSameBatches) {
  SharedManualClock clock;
  FakeSink sink;
  CdrWriter w(sink, clock, smallConfig(256));
  w.start();
  for (int i = 0; i < 1000; ++i) w.submit(makeCdr(std::to_string(i)));
  ASSERT_TRUE(w.flush());
  EXPECT_EQ(sink.batchSizes(), (std::vector<std::size_t>{256, 256, 256, 232}));
  EXPECT_EQ(w.stats().batches, 4u);
}

TEST(CdrWriter, BatchWindowClosesOnTheInjectedClock) {
  SharedManualClock clock;
  FakeSink sink;
  CdrWriter w(sink, clock, smallConfig(100));
  w.start();
  w.submit(makeCdr("a"));
  w.submit(makeCdr("b"));
  clock.advance(19ms);
  w.submit(makeCdr("c"));
  EXPECT_EQ(w.stats().written, 0u);
  clock.advance(1ms);  // the oldest record has now waited maxDelay
  ASSERT_TRUE(waitUntil([&] { return w.stats().written == 3; }));
  EXPECT_EQ(sink.batchSizes(), (std::vector<std::size_t>{3}));
  w.stop();
}

TEST(CdrWriter, StopWritesEverythingQueuedThroughASlowSink) {
  SharedManualClock clock;
  FakeSink sink;
  sink.setDelay(2ms);
  CdrWriter w(sink, clock, smallConfig(64));
  w.start();
  for (int i = 0; i < 1000; ++i) w.submit(makeCdr(std::to_string(i)));
  w.stop();
  EXPECT_EQ(sink.committedCount(), 1000u);
  auto s = w.stats();
  EXPECT_EQ(s.written, 1000u);
  EXPECT_EQ(s.queueDepth, 0u);
  EXPECT_EQ(s.abandoned, 0u);
  EXPECT_FALSE(w.submit(makeCdr("late")));  // after stop: refused, not silently lost
  EXPECT_EQ(w.stats().submitted, 1000u);
}

TEST(CdrWriter, StopWithoutStartDrainsOnTheCaller) {
  SharedManualClock clock;
  FakeSink sink;
  CdrWriter w(sink, clock, smallConfig(4));
  for (int i = 0; i < 10; ++i) w.submit(makeCdr(std::to_string(i)));
  EXPECT_FALSE(w.flush(1ms));  // nothing runs it yet
  w.stop();
  EXPECT_EQ(sink.batchSizes(), (std::vector<std::size_t>{4, 4, 2}));
}

TEST(CdrWriter, FailedCommitIsRetriedWithTheSameRecords) {
  SharedManualClock clock;
  FakeSink sink;
  sink.failNext(3);
  CdrWriter w(sink, clock, smallConfig(8));
  std::atomic<int> doneTrue{0}, doneFalse{0};
  w.start();
  for (int i = 0; i < 5; ++i) {
    w.submit(makeCdr("r" + std::to_string(i)), [&](bool ok) { (ok ? doneTrue : doneFalse)++; });
  }
  ASSERT_TRUE(w.flush());
  auto s = w.stats();
  EXPECT_EQ(s.failedCommits, 3u);
  EXPECT_EQ(s.batches, 1u);
  EXPECT_EQ(s.written, 5u);
  EXPECT_EQ(doneTrue.load(), 5);
  EXPECT_EQ(doneFalse.load(), 0);
  auto failed = sink.failedAttempts();
  ASSERT_EQ(failed.size(), 3u);
  for (const auto& attempt : failed) {
    ASSERT_EQ(attempt.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt[i].callUuid, "r" + std::to_string(i));
  }
  EXPECT_EQ(sink.committed(), (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"}));
  w.stop();
}

TEST(CdrWriter, CompletionRunsOnlyAfterCommit) {
  SharedManualClock clock;
  FakeSink sink;
  CdrWriter w(sink, clock, smallConfig(2));
  std::atomic<bool> seenBeforeCommit{false};
  std::atomic<int> done{0};
  w.start();
  for (int i = 0; i < 6; ++i) {
    std::string id = "x" + std::to_string(i);
    w.submit(makeCdr(id), [&, id](bool ok) {
      auto c = sink.committed();
      if (!ok || std::find(c.begin(), c.end(), id) == c.end()) seenBeforeCommit = true;
      ++done;
    });
  }
  ASSERT_TRUE(w.flush());
  EXPECT_EQ(done.load(), 6);
  EXPECT_FALSE(seenBeforeCommit.load());
  w.stop();
}

TEST(CdrWriter, ConcurrentSubmitExactCounts) {
  SharedManualClock clock;
  FakeSink sink;
  CdrWriter w(sink, clock, smallConfig(128));
  w.start();
  constexpr int kThreads = 8;
  constexpr int kEach = 5000;
  std::atomic<int> completions{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        w.submit(makeCdr(std::to_string(t) + "-" + std::to_string(i)),
                 [&](bool ok) { completions += ok ? 1 : 0; });
    });
  }
  for (auto& th : threads) th.join();
  w.stop();
  auto s = w.stats();
  EXPECT_EQ(s.submitted, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(s.written, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(completions.load(), kThreads * kEach);
  auto all = sink.committed();
  std::set<std::string> unique(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(unique.size(), all.size());
  // Per producer, records keep their submission order.
  std::vector<int> next(kThreads, 0);
  for (const auto& id : all) {
    int t = std::stoi(id.substr(0, id.find('-')));
    int i = std::stoi(id.substr(id.find('-') + 1));
    EXPECT_EQ(i, next[t]++);
  }
}

TEST(CdrWriter, DuplicatesSkippedByTheStoreCountAsWritten) {
  SharedManualClock clock;
  FakeSink sink;
  sink.setSkipPerBatch(1);
  CdrWriter w(sink, clock, smallConfig(4));
  w.start();
  for (int i = 0; i < 8; ++i) w.submit(makeCdr(std::to_string(i)));
  ASSERT_TRUE(w.flush());
  EXPECT_EQ(w.stats().written, 8u);
  EXPECT_EQ(w.stats().duplicates, 2u);
  w.stop();
}

TEST(CdrWriter, StopGivesUpOnAFailingSinkOnlyAfterStopRetryForAndSaysSo) {
  SharedManualClock clock;
  FakeSink sink;
  sink.setAlwaysFail(true);
  CdrWriter w(sink, clock, smallConfig(3));
  std::atomic<int> doneFalse{0};
  w.start();
  for (int i = 0; i < 5; ++i)
    w.submit(makeCdr(std::to_string(i)), [&](bool ok) {
      if (!ok) ++doneFalse;
    });
  EXPECT_FALSE(w.flush(5ms));
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    w.stop();
    stopped = true;
  });
  // The give-up deadline is on the injected clock: keep moving it until stop() returns.
  EXPECT_TRUE(waitUntil([&] {
    clock.advance(11s);
    return stopped.load();
  }));
  stopper.join();
  auto s = w.stats();
  EXPECT_EQ(s.written, 0u);
  EXPECT_EQ(s.abandoned, 5u);
  EXPECT_EQ(s.queueDepth, 0u);
  EXPECT_GE(s.failedCommits, 2u);
  EXPECT_EQ(doneFalse.load(), 5);
}

TEST(CdrWriter, RecoversWhenTheSinkComesBackBeforeStopGivesUp) {
  SharedManualClock clock;
  FakeSink sink;
  sink.setAlwaysFail(true);
  CdrWriter w(sink, clock, smallConfig(3));
  w.start();
  for (int i = 0; i < 7; ++i) w.submit(makeCdr(std::to_string(i)));
  ASSERT_TRUE(waitUntil([&] { return w.stats().failedCommits >= 3; }));
  sink.setAlwaysFail(false);
  w.stop();
  EXPECT_EQ(w.stats().written, 7u);
  EXPECT_EQ(w.stats().abandoned, 0u);
  EXPECT_EQ(sink.committedCount(), 7u);
}

}  // namespace
}  // namespace trunkline::billing
