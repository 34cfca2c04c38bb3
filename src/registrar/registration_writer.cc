#include "registrar/registration_writer.h"

#include <algorithm>

#include "base/log.h"

namespace trunkline::registrar {

RegistrationWriter::RegistrationWriter(storage::RegistrationStore& store, const base::Clock& clock,
                                       RegistrationWriterConfig config)
    : store_(store), clock_(clock), config_(config) {}

RegistrationWriter::~RegistrationWriter() {
  stop();
}

void RegistrationWriter::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void RegistrationWriter::upsert(const storage::Registration& r) {
  push(Op{false, r});
}

void RegistrationWriter::remove(storage::Id trunkId, std::string_view aor,
                                std::string_view contact) {
  Op op;
  op.remove = true;
  op.row.trunkId = trunkId;
  op.row.aor = std::string(aor);
  op.row.contact = std::string(contact);
  push(std::move(op));
}

void RegistrationWriter::push(Op op) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      TL_LOG_ERROR("registrar: binding change for {} after the writer stopped; not persisted",
                   op.row.contact);
      return;
    }
    queue_.push_back(std::move(op));
    ++enqueued_;
  }
  wake_.notify_one();
}

bool RegistrationWriter::flush(base::Duration timeout) {
  std::unique_lock lock(mutex_);
  const auto target = enqueued_;
  if (!thread_.joinable()) return finished_ >= target;
  return done_.wait_for(lock, timeout, [&] { return finished_ >= target; });
}

void RegistrationWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    run();
  }
  std::lock_guard lock(mutex_);
  stopped_ = true;
}

RegistrationWriterStats RegistrationWriter::stats() const {
  RegistrationWriterStats s;
  {
    std::lock_guard lock(mutex_);
    s.queued = enqueued_;
    s.queueDepth = enqueued_ - finished_;
  }
  s.applied = applied_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.abandoned = abandoned_.load(std::memory_order_relaxed);
  return s;
}

void RegistrationWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) break;  // stopping
    Op op = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    apply(op);
    lock.lock();
    ++finished_;
    done_.notify_all();
  }
}

void RegistrationWriter::apply(const Op& op) {
  base::Duration backoff = config_.retryInitial;
  for (;;) {
    base::Result<void> r;
    if (op.remove) {
      r = store_.remove(op.row.trunkId, op.row.aor, op.row.contact);
      if (!r && r.error().code == base::Errc::NotFound) r = {};  // already gone: fine
    } else {
      r = store_.upsert(op.row);
    }
    if (r) {
      applied_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    failures_.fetch_add(1, std::memory_order_relaxed);
    TL_LOG_ERROR("registrar: persisting binding {} failed ({}); retrying", op.row.contact,
                 r.error().message);
    std::unique_lock lock(mutex_);
    if (stopping_) {
      auto now = clock_.now();
      if (!giveUpAt_) giveUpAt_ = now + config_.stopRetryFor;
      if (now >= *giveUpAt_) {
        abandoned_.fetch_add(1, std::memory_order_relaxed);
        TL_LOG_ERROR("registrar: binding change for {} NOT persisted (shutdown)", op.row.contact);
        return;
      }
    }
    const bool wasStopping = stopping_;
    wake_.wait_for(lock, backoff, [&] { return stopping_ != wasStopping; });
    backoff = std::min(backoff * 2, config_.retryMax);
  }
}

}  // namespace trunkline::registrar
