#pragma once
// RegistrationWriter: the BindingPersistence of a running server. Queues binding changes
// from the registrar's shard (no I/O there) and applies them in order, on its own thread,
// to a storage::RegistrationStore. A failing store is retried with backoff, keeping the
// order; stop() applies everything queued (giving up, with a log line per operation, only
// after `stopRetryFor` of failures).
//
// Lifetime: create after the store, start(), stop() before destroying the store (the
// destructor stops). The store is used only by the writer's thread (give it its own
// connection). upsert()/remove()/flush()/stats() are callable from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "base/clock.h"
#include "registrar/binding.h"
#include "storage/repository.h"

namespace trunkline::registrar {

struct RegistrationWriterConfig {
  base::Duration retryInitial = std::chrono::milliseconds(50);
  base::Duration retryMax = std::chrono::seconds(5);
  base::Duration stopRetryFor = std::chrono::seconds(10);
};

struct RegistrationWriterStats {
  std::uint64_t queued = 0;
  std::uint64_t applied = 0;
  std::uint64_t failures = 0;  // store errors (each retried)
  std::uint64_t abandoned = 0;
  std::uint64_t queueDepth = 0;
};

class RegistrationWriter final : public BindingPersistence {
 public:
  RegistrationWriter(storage::RegistrationStore& store, const base::Clock& clock,
                     RegistrationWriterConfig config = {});
  ~RegistrationWriter() override;
  RegistrationWriter(const RegistrationWriter&) = delete;
  RegistrationWriter& operator=(const RegistrationWriter&) = delete;

  void start();
  void upsert(const storage::Registration& r) override;
  void remove(storage::Id trunkId, std::string_view aor, std::string_view contact) override;
  /// Waits until everything queued before the call is applied; false after `timeout`.
  bool flush(base::Duration timeout = std::chrono::seconds(30));
  void stop();
  RegistrationWriterStats stats() const;

 private:
  struct Op {
    bool remove = false;
    storage::Registration row;  // remove: trunkId, aor, contact only
  };
  void push(Op op);
  void run();
  void apply(const Op& op);

  storage::RegistrationStore& store_;
  const base::Clock& clock_;
  const RegistrationWriterConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::deque<Op> queue_;
  std::uint64_t enqueued_ = 0;
  std::uint64_t finished_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
  std::optional<base::MonoTime> giveUpAt_;  // writer thread only
  std::atomic<std::uint64_t> applied_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> abandoned_{0};
};

}  // namespace trunkline::registrar
