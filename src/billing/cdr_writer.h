#pragma once
// CdrWriter: the asynchronous, batched, durable path of CDRs to the database.
//
// SIP shards call submit() when a call ends; it only appends to an in-memory queue under a
// short mutex (no I/O, no waiting on the database). The writer's own thread takes up to
// `maxBatch` records at a time (or fewer once the oldest queued record has waited
// `maxDelay` on the injected Clock, or when flush()/stop() ask) and commits them in one
// transaction through a CdrSink. A record counts as written (counter `written`, its
// completion called with true) only after the commit returned success. A failed commit is
// logged, counted and retried with exponential backoff with the same records, in the same
// order: nothing is dropped while the writer runs.
//
// Lifetime: create after the sink and clock, start(), and stop() before destroying them
// (the destructor stops too). stop() writes everything queued before it returns; only if
// the sink keeps failing for `stopRetryFor` does it give up on the rest: each such record
// is logged, counted as `abandoned` and its completion called with false.
//
// Threads: submit(), flush() and stats() from any thread; completions run on the writer
// thread (post back to your shard from them, do not block in them).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "base/clock.h"
#include "billing/cdr_sink.h"
#include "storage/model.h"

namespace trunkline::billing {

struct CdrWriterConfig {
  std::size_t maxBatch = 256;  // records per transaction, at most
  // Batch window (on the Clock): also the most a crash can lose (calls ended within it).
  // 100 ms: at a few hundred calls per second a commit (WAL frames + fdatasync, the same
  // few index pages whatever the row count) then carries ~25 records instead of ~5, which
  // cut the writer thread's CPU per call about 4x (bench/RESULTS.md, calls run 2).
  base::Duration maxDelay = std::chrono::milliseconds(100);
  base::Duration retryInitial = std::chrono::milliseconds(50);  // backoff after a failure
  base::Duration retryMax = std::chrono::seconds(5);
  /// How long stop() keeps retrying a failing sink before abandoning what is left.
  base::Duration stopRetryFor = std::chrono::seconds(30);
};

/// Counters and the queue-depth gauge; a snapshot.
struct CdrWriterStats {
  std::uint64_t submitted = 0;
  std::uint64_t written = 0;        // committed (including rows the sink skipped as stored)
  std::uint64_t duplicates = 0;     // of `written`: already stored (by callUuid)
  std::uint64_t batches = 0;        // successful commits
  std::uint64_t failedCommits = 0;  // sink errors (each retried)
  std::uint64_t abandoned = 0;      // given up at stop() after stopRetryFor of failures
  std::uint64_t queueDepth = 0;     // submitted, not yet written nor abandoned
};

class CdrWriter {
 public:
  /// Called once per record on the writer thread: true after its commit, false if abandoned.
  using Completion = std::function<void(bool written)>;

  CdrWriter(CdrSink& sink, const base::Clock& clock, CdrWriterConfig config = {});
  ~CdrWriter();
  CdrWriter(const CdrWriter&) = delete;
  CdrWriter& operator=(const CdrWriter&) = delete;

  /// Starts the writer thread. Records submitted before start() wait in the queue.
  void start();
  /// Queues a record. Never waits on the database. After stop() the record is refused
  /// (returns false, TL_BUG: a call ended after shutdown) and `done` is not called.
  bool submit(storage::Cdr cdr, Completion done = {});
  /// Waits until every record submitted before this call is written (or abandoned) and
  /// returns true, or false after `timeout` (the writer goes on). Forces partial batches.
  bool flush(base::Duration timeout = base::Duration::max());
  /// Writes everything queued, then ends the thread. Idempotent.
  void stop();

  CdrWriterStats stats() const;
  const CdrWriterConfig& config() const { return config_; }

 private:
  struct Item {
    storage::Cdr cdr;
    Completion done;
    base::MonoTime queuedAt;
  };
  void run();
  bool batchDue(base::MonoTime now) const;           // mutex held
  base::Duration waitFor(base::MonoTime now) const;  // mutex held
  void commit(std::vector<Item>& batch);
  void finish(std::vector<Item>& batch, bool written);

  CdrSink& sink_;
  const base::Clock& clock_;
  const CdrWriterConfig config_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the writer thread waits on it
  std::condition_variable done_;  // flush() waits on it
  std::deque<Item> queue_;
  std::uint64_t enqueuedSeq_ = 0;  // records ever queued
  std::uint64_t finishedSeq_ = 0;  // records written or abandoned, in queue order
  std::uint64_t flushUpTo_ = 0;    // a flush wants every record up to this seq now
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
  // Writer thread only: when stop() gives up on a failing sink (set at the first failure
  // after stop() was asked; shared by every batch still queued).
  std::optional<base::MonoTime> giveUpAt_;

  std::atomic<std::uint64_t> submitted_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> failedCommits_{0};
  std::atomic<std::uint64_t> abandoned_{0};
};

}  // namespace trunkline::billing
