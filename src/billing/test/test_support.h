#pragma once
// Fakes shared by the billing tests.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "billing/cdr_sink.h"

namespace trunkline::billing::testing {

/// A simulated clock that may be read by the writer thread while the test advances it.
class SharedManualClock final : public base::Clock {
 public:
  base::MonoTime now() const override {
    return base::MonoTime{base::Duration{ns_.load(std::memory_order_acquire)}};
  }
  base::WallTime wallNow() const override {
    return base::WallTime{base::Duration{ns_.load(std::memory_order_acquire)}};
  }
  void advance(base::Duration d) { ns_.fetch_add(d.count(), std::memory_order_acq_rel); }

 private:
  std::atomic<std::int64_t> ns_{std::chrono::nanoseconds(std::chrono::seconds(1000)).count()};
};

/// Records every committed batch; can be told to fail or to be slow.
class FakeSink final : public CdrSink {
 public:
  base::Result<std::size_t> insertBatch(std::span<const storage::Cdr> cdrs) override {
    std::lock_guard lock(mutex_);
    ++calls_;
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    if (failuresLeft_ > 0 || alwaysFail_) {
      if (failuresLeft_ > 0) --failuresLeft_;
      attemptsFailed_.emplace_back(cdrs.begin(), cdrs.end());
      return base::fail(base::Errc::Io, "disk I/O error (fake)");
    }
    batches_.emplace_back(cdrs.begin(), cdrs.end());
    for (const auto& c : cdrs) committed_.push_back(c.callUuid);
    return cdrs.size() - std::min(cdrs.size(), skipPerBatch_);
  }
  void failNext(int n) {
    std::lock_guard lock(mutex_);
    failuresLeft_ = n;
  }
  void setAlwaysFail(bool on) {
    std::lock_guard lock(mutex_);
    alwaysFail_ = on;
  }
  void setDelay(std::chrono::milliseconds d) {
    std::lock_guard lock(mutex_);
    delay_ = d;
  }
  void setSkipPerBatch(std::size_t n) {
    std::lock_guard lock(mutex_);
    skipPerBatch_ = n;
  }
  std::vector<std::size_t> batchSizes() const {
    std::lock_guard lock(mutex_);
    std::vector<std::size_t> out;
    for (const auto& b : batches_) out.push_back(b.size());
    return out;
  }
  std::vector<std::string> committed() const {
    std::lock_guard lock(mutex_);
    return committed_;
  }
  std::size_t committedCount() const {
    std::lock_guard lock(mutex_);
    return committed_.size();
  }
  std::vector<std::vector<storage::Cdr>> failedAttempts() const {
    std::lock_guard lock(mutex_);
    return attemptsFailed_;
  }
  int calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  mutable std::mutex mutex_;
  int calls_ = 0;
  int failuresLeft_ = 0;
  bool alwaysFail_ = false;
  std::size_t skipPerBatch_ = 0;
  std::chrono::milliseconds delay_{0};
  std::vector<std::vector<storage::Cdr>> batches_;
  std::vector<std::vector<storage::Cdr>> attemptsFailed_;
  std::vector<std::string> committed_;
};

/// Polls `pred` until true or `limit` of real time passed (bounded wait for a thread).
inline bool waitUntil(const std::function<bool()>& pred,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline storage::Cdr makeCdr(std::string uuid) {
  storage::Cdr c;
  c.callUuid = std::move(uuid);
  return c;
}

}  // namespace trunkline::billing::testing
