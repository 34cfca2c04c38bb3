#pragma once
// Carrier gateway health, driven by OPTIONS probe results (the B2BUA's prober sends the
// probes and calls recordProbe; this class sends nothing).
//
// Per gateway, a two-state machine with hysteresis: a gateway starts Up; `downAfter`
// consecutive failed probes take it Down; `upAfter` consecutive good probes take it back
// Up (the carrier's storage::Carrier::downAfter / upAfter). Any probe result resets the
// opposite streak.
//
// What counts as a good probe (probeOk): any final response proves the gateway's SIP
// stack is alive and answering, so 2xx-4xx (a 404 or 405 to OPTIONS is common) and 6xx
// are good, except 408 (a timeout relayed by the gateway). No response, a transport
// error, and 5xx (503 overload, 500/502/504 broken or cut off from its network) fail.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "storage/model.h"

namespace trunkline::routing {

/// Read view used by route selection: is this gateway usable? Thread-safe.
class GatewayStatus {
 public:
  virtual ~GatewayStatus() = default;
  virtual bool isUp(storage::Id gatewayId) const = 0;
};

/// sipCode 0 = no response / transport failure.
bool probeOk(int sipCode);

struct GatewayHealth {
  bool up = true;
  std::uint32_t consecutiveFailures = 0;
  std::uint32_t consecutiveSuccesses = 0;
  base::MonoTime lastChange{};  // construction (or first configure) until the first change
  std::uint64_t changes = 0;    // Up↔Down transitions so far
};

/// Health of every configured gateway. isUp() takes no mutex (an atomic per gateway in an
/// immutable, atomically swapped map) and is called from every signalling shard;
/// recordProbe() and configure() may run on any thread (the prober's, the config
/// refresher's). Lives as long as the process; the clock must outlive it.
class CarrierHealth final : public GatewayStatus {
 public:
  explicit CarrierHealth(const base::Clock& clock);

  /// (Re)loads the gateways to track from the carrier list. Gateways that remain keep
  /// their state (with the new thresholds); removed ones are forgotten; new ones start Up.
  void configure(const std::vector<storage::Carrier>& carriers);

  /// One probe result for a gateway; ignored for gateways not configured. Returns true
  /// when this result changed the gateway's state.
  bool recordProbe(storage::Id gatewayId, bool ok);
  bool recordProbeResponse(storage::Id gatewayId, int sipCode) {
    return recordProbe(gatewayId, probeOk(sipCode));
  }

  /// Unknown gateways are Up (nothing known against them).
  bool isUp(storage::Id gatewayId) const override;
  std::optional<GatewayHealth> health(storage::Id gatewayId) const;

 private:
  struct Entry {
    std::atomic<bool> up{true};
    std::mutex mu;  // guards the rest; taken by writers and health()
    std::uint32_t downAfter = 3;
    std::uint32_t upAfter = 2;
    std::uint32_t failures = 0;
    std::uint32_t successes = 0;
    base::MonoTime lastChange{};
    std::uint64_t changes = 0;
  };
  using Map = std::unordered_map<storage::Id, std::shared_ptr<Entry>>;

  std::shared_ptr<Entry> find(storage::Id gatewayId) const;

  const base::Clock& clock_;
  std::mutex configureMu_;  // serialises configure()
  std::atomic<std::shared_ptr<const Map>> map_;
};

}  // namespace trunkline::routing
