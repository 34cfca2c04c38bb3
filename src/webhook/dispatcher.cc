#include "webhook/dispatcher.h"

#include <fmt/format.h>

#include "base/log.h"
#include "webhook/payload.h"
#include "webhook/signature.h"

namespace trunkline::webhook {
namespace {

bool powerOfTwo(std::uint64_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

std::int64_t toMs(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Dispatcher::Dispatcher(net::EventLoop& loop, WebhookStore& store, Sender& sender,
                       DispatcherOptions options, std::uint64_t seed)
    : loop_(loop), store_(store), sender_(sender), options_(std::move(options)), rng_(seed) {
  if (options_.maxInFlight == 0) options_.maxInFlight = 1;
}

Dispatcher::~Dispatcher() {
  alive_.reset();
  stop();
}

std::int64_t Dispatcher::nowMs() const {
  return toMs(loop_.clock().wallNow().time_since_epoch());
}

bool Dispatcher::enqueue(Event event) {
  bool dropped = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.queueCapacity)
      dropped = true;
    else
      queue_.push_back(std::move(event));
  }
  if (dropped) {
    const auto n = counters_.dropped.fetch_add(1, std::memory_order_relaxed) + 1;
    if (powerOfTwo(n))
      TL_LOG_WARN("webhooks: event queue full ({} events): {} events dropped so far",
                  options_.queueCapacity, n);
    return false;
  }
  counters_.enqueued.fetch_add(1, std::memory_order_relaxed);
  wake();
  return true;
}

void Dispatcher::subscriptionsChanged() {
  reloadRequested_.store(true);
  wake();
}

void Dispatcher::wake() {
  if (wakePending_.exchange(true)) return;
  std::weak_ptr<int> alive = alive_;
  loop_.post([this, alive] {
    if (alive.expired()) return;
    drain();
  });
}

std::size_t Dispatcher::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

DispatcherStats Dispatcher::stats() const {
  auto r = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  const auto& c = counters_;
  return DispatcherStats{r(c.enqueued), r(c.dropped),  r(c.unmatched), r(c.created),
                         r(c.lost),     r(c.attempts), r(c.delivered), r(c.retried),
                         r(c.failed),   r(c.cancelled)};
}

base::Result<void> Dispatcher::start() {
  auto subs = store_.subscriptions(std::nullopt);
  if (!subs) return tl::unexpected(subs.error());
  reload();
  started_ = true;
  stopped_ = false;
  lastPrune_ = loop_.clock().now();
  housekeepingTimer_ = loop_.schedule(options_.refreshInterval, [this] { housekeeping(); });
  drain();  // events queued before the start, and what a previous run left pending
  return {};
}

void Dispatcher::stop() {
  stopped_ = true;
  if (timer_) loop_.cancel(timer_);
  if (housekeepingTimer_) loop_.cancel(housekeepingTimer_);
  timer_ = housekeepingTimer_ = 0;
}

void Dispatcher::reload() {
  auto subs = store_.subscriptions(std::nullopt);
  if (!subs) {
    TL_LOG_WARN("webhooks: cannot load subscriptions: {}", subs.error().message);
    return;
  }
  subs_.clear();
  std::uint32_t mask = 0;
  for (auto& s : *subs) {
    if (s.enabled) mask |= s.types;
    subs_.emplace(s.id, std::move(s));
  }
  typesMask_.store(mask, std::memory_order_relaxed);
}

void Dispatcher::housekeeping() {
  housekeepingTimer_ = 0;
  if (stopped_) return;
  reload();
  const auto now = loop_.clock().now();
  if (now - lastPrune_ >= std::chrono::hours(1)) {
    lastPrune_ = now;
    auto pruned = store_.pruneFinished(nowMs() - toMs(options_.retention));
    if (!pruned)
      TL_LOG_WARN("webhooks: pruning the delivery log failed: {}", pruned.error().message);
  }
  housekeepingTimer_ = loop_.schedule(options_.refreshInterval, [this] { housekeeping(); });
  pump();
}

void Dispatcher::drain() {
  wakePending_.store(false);
  std::deque<Event> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(queue_);
  }
  if (reloadRequested_.exchange(false)) reload();
  if (stopped_ || !started_) {
    // Not running: keep the events for start() rather than losing them.
    std::lock_guard lock(mu_);
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
    return;
  }
  const auto now = nowMs();
  std::vector<Delivery> rows;
  for (auto& e : batch) {
    std::string body;
    std::string eventId;
    for (const auto& [id, s] : subs_) {
      if (!s.wants(e.type) || (s.accountId != 0 && s.accountId != e.accountId)) continue;
      if (body.empty()) {
        auto rid = randomId("evt_");
        if (!rid) {
          counters_.lost.fetch_add(1, std::memory_order_relaxed);
          break;
        }
        eventId = std::move(*rid);
        body = renderEnvelope(eventId, e.type, e.atMs, e.accountId,
                              e.cdr ? renderCdr(*e.cdr) : e.dataJson);
      }
      Delivery d;
      d.subscriptionId = id;
      d.accountId = s.accountId;
      d.eventId = eventId;
      d.type = e.type;
      d.body = body;
      d.nextAttemptMs = now;
      d.createdMs = now;
      rows.push_back(std::move(d));
    }
    if (body.empty()) counters_.unmatched.fetch_add(1, std::memory_order_relaxed);
  }
  if (!rows.empty()) {
    if (auto r = store_.addDeliveries(rows); !r) {
      counters_.lost.fetch_add(rows.size(), std::memory_order_relaxed);
      TL_LOG_ERROR("webhooks: {} deliveries lost: {}", rows.size(), r.error().message);
    } else {
      counters_.created.fetch_add(rows.size(), std::memory_order_relaxed);
    }
  }
  pump();
}

std::vector<Id> Dispatcher::busyIds() const {
  std::vector<Id> ids;
  ids.reserve(inFlight_.size());
  for (const auto& [id, f] : inFlight_) ids.push_back(id);
  return ids;
}

void Dispatcher::pump() {
  if (stopped_ || !started_) return;
  if (inFlight_.size() < options_.maxInFlight) {
    auto due = store_.dueDeliveries(nowMs(), options_.maxInFlight - inFlight_.size(), busyIds());
    if (!due) {
      TL_LOG_WARN("webhooks: cannot read due deliveries: {}", due.error().message);
    } else {
      for (auto& d : *due) attempt(std::move(d));
    }
  }
  arm();
}

// Sleep until the earliest pending delivery not in flight is due (completions of those
// in flight pump on their own).
void Dispatcher::arm() {
  if (timer_) loop_.cancel(timer_);
  timer_ = 0;
  if (stopped_ || inFlight_.size() >= options_.maxInFlight) return;
  auto next = store_.nextDueMs(busyIds());
  base::Duration wait = options_.maxWait;
  if (!next) {
    wait = std::chrono::seconds(1);  // the database failed: look again soon
  } else if (!*next) {
    return;  // nothing pending
  } else {
    const auto delta = **next - nowMs();
    // A row due now that pump() did not take (a read error): do not spin.
    wait = std::chrono::milliseconds(delta > 0 ? delta : 50);
    wait = std::min(wait, options_.maxWait);
  }
  timer_ = loop_.schedule(wait, [this] {
    timer_ = 0;
    pump();
  });
}

void Dispatcher::finishWithoutSend(const Delivery& d, DeliveryState state, std::string error) {
  Attempt a;
  a.number = d.attempts + 1;
  a.atMs = nowMs();
  a.error = std::move(error);
  if (auto r = store_.recordAttempt(d.id, a, state, d.nextAttemptMs); !r)
    TL_LOG_WARN("webhooks: delivery {}: cannot record: {}", d.id, r.error().message);
  (state == DeliveryState::Cancelled ? counters_.cancelled : counters_.failed)
      .fetch_add(1, std::memory_order_relaxed);
}

void Dispatcher::attempt(Delivery d) {
  auto it = subs_.find(d.subscriptionId);
  if (it == subs_.end() || !it->second.enabled)
    return finishWithoutSend(d, DeliveryState::Cancelled,
                             "the subscription was removed or disabled");
  const auto& sub = it->second;
  auto url = parseUrl(sub.url);
  if (!url)
    return finishWithoutSend(d, DeliveryState::Failed, "invalid URL: " + url.error().message);
  const auto startedWallMs = nowMs();
  OutgoingRequest req;
  req.url = std::move(*url);
  req.insecureTls = sub.insecureTls;
  req.headers = {
      {"User-Agent", options_.userAgent},
      {"Trunkline-Event", std::string(eventTypeName(d.type))},
      {"Trunkline-Event-Id", d.eventId},
      {"Trunkline-Delivery", std::to_string(d.id)},
      {"Trunkline-Attempt", std::to_string(d.attempts + 1)},
      {"Trunkline-Signature", signatureHeader(sub.secret, startedWallMs / 1000, d.body)},
  };
  req.body = d.body;
  const Id id = d.id;
  inFlight_.emplace(id, InFlight{std::move(d), loop_.clock().now(), startedWallMs});
  counters_.attempts.fetch_add(1, std::memory_order_relaxed);
  std::weak_ptr<int> alive = alive_;
  sender_.post(std::move(req), [this, alive, id](SendResult r) {
    if (alive.expired()) return;
    onResult(id, r);
  });
}

void Dispatcher::onResult(Id deliveryId, const SendResult& result) {
  auto node = inFlight_.extract(deliveryId);
  if (node.empty()) return;
  auto& f = node.mapped();
  const auto& d = f.delivery;
  Attempt a;
  a.number = d.attempts + 1;
  a.atMs = f.startedWallMs;
  a.statusCode = result.status;
  a.error = result.error;
  a.durationMs = static_cast<std::uint32_t>(
      std::max<std::int64_t>(0, toMs(loop_.clock().now() - f.startedAt)));
  DeliveryState state = DeliveryState::Pending;
  std::int64_t next = d.nextAttemptMs;
  if (result.status >= 200 && result.status <= 299) {
    state = DeliveryState::Delivered;
    counters_.delivered.fetch_add(1, std::memory_order_relaxed);
  } else if (result.status == 410) {
    // Gone: the receiver asks us to stop (as Stripe and GitHub receivers expect).
    state = DeliveryState::Cancelled;
    counters_.cancelled.fetch_add(1, std::memory_order_relaxed);
  } else if (auto n = nextAttemptMs(options_.retry, a.number, d.createdMs, nowMs(), rng_)) {
    next = *n;
    counters_.retried.fetch_add(1, std::memory_order_relaxed);
  } else {
    state = DeliveryState::Failed;
    counters_.failed.fetch_add(1, std::memory_order_relaxed);
    TL_LOG_WARN("webhooks: delivery {} of {} to subscription {} failed after {} attempts ({})",
                d.id, d.eventId, d.subscriptionId, a.number,
                result.status ? fmt::format("HTTP {}", result.status) : result.error);
  }
  if (auto r = store_.recordAttempt(d.id, a, state, next); !r)
    TL_LOG_WARN("webhooks: delivery {}: cannot record attempt: {}", d.id, r.error().message);
  if (result.status == 410) {
    TL_LOG_WARN("webhooks: subscription {} disabled: its receiver answered 410 Gone",
                d.subscriptionId);
    if (auto r =
            store_.disableSubscription(d.subscriptionId, "the receiver answered 410 Gone", nowMs());
        !r)
      TL_LOG_WARN("webhooks: cannot disable subscription {}: {}", d.subscriptionId,
                  r.error().message);
    reload();
  }
  pump();
}

}  // namespace trunkline::webhook
