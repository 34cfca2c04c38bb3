#include "routing/health.h"

#include <algorithm>

namespace trunkline::routing {

bool probeOk(int sipCode) {
  if (sipCode == 408) return false;
  if (sipCode >= 200 && sipCode < 500) return true;
  if (sipCode >= 600 && sipCode < 700) return true;
  return false;  // 0 (no response / transport), 1xx (not final), 5xx, nonsense
}

CarrierHealth::CarrierHealth(const base::Clock& clock)
    : clock_(clock), map_(std::make_shared<const Map>()) {}

void CarrierHealth::configure(const std::vector<storage::Carrier>& carriers) {
  std::lock_guard<std::mutex> lock(configureMu_);
  std::shared_ptr<const Map> old = map_.load();
  auto next = std::make_shared<Map>();
  for (const storage::Carrier& c : carriers) {
    for (const storage::Gateway& g : c.gateways) {
      std::shared_ptr<Entry> e;
      if (auto it = old->find(g.id); it != old->end()) {
        e = it->second;
      } else {
        e = std::make_shared<Entry>();
        e->lastChange = clock_.now();
      }
      {
        std::lock_guard<std::mutex> entryLock(e->mu);
        e->downAfter = std::max<std::uint32_t>(c.downAfter, 1);
        e->upAfter = std::max<std::uint32_t>(c.upAfter, 1);
      }
      (*next)[g.id] = std::move(e);
    }
  }
  map_.store(std::move(next));
}

std::shared_ptr<CarrierHealth::Entry> CarrierHealth::find(storage::Id gatewayId) const {
  std::shared_ptr<const Map> m = map_.load();
  auto it = m->find(gatewayId);
  return it == m->end() ? nullptr : it->second;
}

bool CarrierHealth::recordProbe(storage::Id gatewayId, bool ok) {
  std::shared_ptr<Entry> e = find(gatewayId);
  if (!e) return false;
  std::lock_guard<std::mutex> lock(e->mu);
  bool up = e->up.load(std::memory_order_relaxed);
  bool changed = false;
  if (ok) {
    e->failures = 0;
    ++e->successes;
    if (!up && e->successes >= e->upAfter) changed = true;
  } else {
    e->successes = 0;
    ++e->failures;
    if (up && e->failures >= e->downAfter) changed = true;
  }
  if (changed) {
    e->up.store(!up, std::memory_order_release);
    e->lastChange = clock_.now();
    ++e->changes;
  }
  return changed;
}

bool CarrierHealth::isUp(storage::Id gatewayId) const {
  std::shared_ptr<Entry> e = find(gatewayId);
  return !e || e->up.load(std::memory_order_acquire);
}

std::optional<GatewayHealth> CarrierHealth::health(storage::Id gatewayId) const {
  std::shared_ptr<Entry> e = find(gatewayId);
  if (!e) return std::nullopt;
  std::lock_guard<std::mutex> lock(e->mu);
  return GatewayHealth{e->up.load(std::memory_order_relaxed), e->failures, e->successes,
                       e->lastChange, e->changes};
}

}  // namespace trunkline::routing
