#include "metrics/live_calls.h"

#include <algorithm>

#include "base/assert.h"

namespace trunkline::metrics {
namespace {

void fillFrom(LiveCall& c, const storage::Cdr& cdr) {
  c.ringMs = cdr.ringMs;
  c.answerMs = cdr.answerMs;
  c.attempts = cdr.attempts.size();
  if (!cdr.attempts.empty()) {
    const auto& a = cdr.attempts.back();
    c.carrierId = a.carrierId;
    c.targetTrunkId = a.trunkId;
    c.target = a.target;
  }
}

}  // namespace

std::string_view liveStateName(LiveCall::State s) {
  switch (s) {
    case LiveCall::State::Routing: return "routing";
    case LiveCall::State::Ringing: return "ringing";
    case LiveCall::State::Answered: return "answered";
  }
  return "routing";
}

LiveCalls::LiveCalls(std::uint32_t shards) : shards_(std::max<std::uint32_t>(shards, 1)) {
  auto empty = std::make_shared<const LiveCallList>();
  for (auto& s : shards_) s.published = empty;
}

void LiveCalls::registerMetrics(Registry& registry) {
  registry.addCollector([this](TextWriter& out) {
    out.single("trunkline_calls_active", "Calls in progress (started, not yet ended).",
               MetricType::Gauge, static_cast<double>(active()));
  });
}

void LiveCalls::onCallEvent(const call::CallEvent& e) {
  if (!e.cdr || e.shard >= shards_.size()) {
    TL_BUG("call event from an unknown shard");
    return;
  }
  Shard& s = shards_[e.shard];
  const storage::Cdr& cdr = *e.cdr;
  using Type = call::CallEvent::Type;
  if (e.type == Type::Started) {
    LiveCall c;
    c.shard = e.shard;
    c.callId = e.callId;
    c.uuid = cdr.callUuid;
    c.accountId = cdr.accountId;
    c.trunkId = cdr.trunkId;
    c.numberId = cdr.numberId;
    c.direction = cdr.direction;
    c.from = cdr.fromRaw;
    c.to = cdr.toRaw;
    c.fromE164 = cdr.fromE164;
    c.toE164 = cdr.toE164;
    c.sourceAddress = cdr.sourceAddress;
    c.startMs = cdr.startMs;
    fillFrom(c, cdr);
    if (s.calls.emplace(e.callId, std::make_shared<const LiveCall>(std::move(c))).second)
      active_.fetch_add(1, std::memory_order_relaxed);
    s.dirty = true;
    return;
  }
  auto it = s.calls.find(e.callId);
  if (it == s.calls.end()) return;  // never started (rejected): not a live call
  if (e.type == Type::Ended) {
    s.calls.erase(it);
    active_.fetch_sub(1, std::memory_order_relaxed);
  } else {
    // A new record: views already published keep the old one.
    auto c = std::make_shared<LiveCall>(*it->second);
    fillFrom(*c, cdr);
    if (e.type == Type::Answered)
      c->state = LiveCall::State::Answered;
    else if (c->state == LiveCall::State::Routing)
      c->state = LiveCall::State::Ringing;
    it->second = std::move(c);
  }
  s.dirty = true;
}

void LiveCalls::publish(std::uint32_t shard) {
  if (shard >= shards_.size()) return;
  Shard& s = shards_[shard];
  if (!s.dirty) return;
  s.dirty = false;
  auto list = std::make_shared<LiveCallList>();
  list->reserve(s.calls.size());
  for (const auto& [id, c] : s.calls) list->push_back(c);
  std::sort(list->begin(), list->end(),
            [](const auto& a, const auto& b) { return a->callId < b->callId; });
  std::shared_ptr<const LiveCallList> view = std::move(list);
  std::lock_guard lock(mu_);
  s.published.swap(view);  // the old view is released outside the lock's hot part
}

std::vector<std::shared_ptr<const LiveCallList>> LiveCalls::snapshot() const {
  std::vector<std::shared_ptr<const LiveCallList>> out;
  std::lock_guard lock(mu_);
  out.reserve(shards_.size());
  for (const auto& s : shards_) out.push_back(s.published);
  return out;
}

}  // namespace trunkline::metrics
