#include "billing/cdr_writer.h"

#include <algorithm>

#include "base/assert.h"
#include "base/log.h"

namespace trunkline::billing {

namespace {
// Upper bound of one idle wait of the writer thread; submit() wakes it earlier.
constexpr base::Duration kIdleWait = std::chrono::seconds(1);
}  // namespace

CdrWriter::CdrWriter(CdrSink& sink, const base::Clock& clock, CdrWriterConfig config)
    : sink_(sink), clock_(clock), config_(config) {
  TL_RELEASE_ASSERT(config_.maxBatch > 0);
}

CdrWriter::~CdrWriter() {
  stop();
}

void CdrWriter::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

bool CdrWriter::submit(storage::Cdr cdr, Completion done) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      TL_BUG("CdrWriter::submit after stop");
      TL_LOG_ERROR("billing: CDR {} submitted after the writer stopped; not written", cdr.callUuid);
      return false;
    }
    queue_.push_back(Item{std::move(cdr), std::move(done), clock_.now()});
    ++enqueuedSeq_;
    // The thread needs to hear of the first record (it starts the batch window) and of a
    // full batch; records in between would only wake it for nothing.
    wake = queue_.size() == 1 || queue_.size() == config_.maxBatch;
  }
  submitted_.fetch_add(1, std::memory_order_relaxed);
  if (wake) wake_.notify_one();
  return true;
}

bool CdrWriter::flush(base::Duration timeout) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = enqueuedSeq_;
  if (finishedSeq_ >= target) return true;
  if (!thread_.joinable()) return false;  // not started: nothing would make progress
  flushUpTo_ = std::max(flushUpTo_, target);
  wake_.notify_one();
  auto reached = [&] { return finishedSeq_ >= target; };
  if (timeout == base::Duration::max()) {
    done_.wait(lock, reached);
    return true;
  }
  return done_.wait_for(lock, timeout, reached);
}

void CdrWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    run();  // never started: drain on the caller's thread
  }
  std::lock_guard lock(mutex_);
  stopped_ = true;
}

CdrWriterStats CdrWriter::stats() const {
  CdrWriterStats s;
  {
    std::lock_guard lock(mutex_);
    s.queueDepth = enqueuedSeq_ - finishedSeq_;
  }
  s.submitted = submitted_.load(std::memory_order_relaxed);
  s.written = written_.load(std::memory_order_relaxed);
  s.duplicates = duplicates_.load(std::memory_order_relaxed);
  s.batches = batches_.load(std::memory_order_relaxed);
  s.failedCommits = failedCommits_.load(std::memory_order_relaxed);
  s.abandoned = abandoned_.load(std::memory_order_relaxed);
  return s;
}

bool CdrWriter::batchDue(base::MonoTime now) const {
  if (queue_.empty()) return false;
  return queue_.size() >= config_.maxBatch || stopping_ || flushUpTo_ > finishedSeq_ ||
         now - queue_.front().queuedAt >= config_.maxDelay;
}

base::Duration CdrWriter::waitFor(base::MonoTime now) const {
  if (queue_.empty()) return kIdleWait;
  // Real-time wait for the rest of the window as the Clock counts it. With a simulated
  // clock this is only a polling interval: the window closes when the clock says so.
  auto left = queue_.front().queuedAt + config_.maxDelay - now;
  return std::clamp<base::Duration>(left, std::chrono::milliseconds(1), config_.maxDelay);
}

void CdrWriter::run() {
  std::vector<Item> batch;
  batch.reserve(config_.maxBatch);
  std::unique_lock lock(mutex_);
  for (;;) {
    for (;;) {
      auto now = clock_.now();
      if (batchDue(now) || (stopping_ && queue_.empty())) break;
      wake_.wait_for(lock, waitFor(now));
    }
    if (queue_.empty()) break;  // stopping, all written
    std::size_t n = std::min(config_.maxBatch, queue_.size());
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    commit(batch);
    batch.clear();
    lock.lock();
    finishedSeq_ += n;
    done_.notify_all();
  }
}

void CdrWriter::commit(std::vector<Item>& batch) {
  std::vector<storage::Cdr> cdrs;
  cdrs.reserve(batch.size());
  for (auto& item : batch) cdrs.push_back(std::move(item.cdr));

  base::Duration backoff = config_.retryInitial;
  for (;;) {
    auto r = sink_.insertBatch(cdrs);
    if (r) {
      const std::size_t inserted = std::min(*r, cdrs.size());
      written_.fetch_add(cdrs.size(), std::memory_order_relaxed);
      duplicates_.fetch_add(cdrs.size() - inserted, std::memory_order_relaxed);
      batches_.fetch_add(1, std::memory_order_relaxed);
      finish(batch, true);
      return;
    }
    failedCommits_.fetch_add(1, std::memory_order_relaxed);
    TL_LOG_ERROR("billing: committing {} CDRs failed ({}); retrying in {} ms", cdrs.size(),
                 r.error().message,
                 std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count());
    std::unique_lock lock(mutex_);
    if (stopping_) {
      auto now = clock_.now();
      if (!giveUpAt_) giveUpAt_ = now + config_.stopRetryFor;
      if (now >= *giveUpAt_) {
        lock.unlock();
        abandoned_.fetch_add(cdrs.size(), std::memory_order_relaxed);
        for (const auto& c : cdrs)
          TL_LOG_ERROR("billing: CDR {} NOT written (shutdown with a failing store)", c.callUuid);
        finish(batch, false);
        return;
      }
    }
    // Sleep the backoff, but wake at once when stop() is asked (its give-up clock starts).
    const bool wasStopping = stopping_;
    wake_.wait_for(lock, backoff, [&] { return stopping_ != wasStopping; });
    backoff = std::min(backoff * 2, config_.retryMax);
  }
}

void CdrWriter::finish(std::vector<Item>& batch, bool written) {
  for (auto& item : batch) {
    if (item.done) item.done(written);
  }
}

}  // namespace trunkline::billing
