#pragma once
// The JSON of deliveries. Every body is an envelope
//
//   {"id": "evt_…", "type": "call.ended", "created_ms": …, "account_id": 7, "data": {…}}
//
// whose `data` depends on the type (docs/api.md, "Webhooks"): call.* carry the call record
// as far as it is known (call.ended: the final, rated CDR), carrier.* the gateway, and
// balance.low what the billing side passes. Field names follow the REST API's CDR
// representation so a receiver can share its parser. Pure functions; any thread (the
// dispatcher renders on its own thread, never on a shard).
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/model.h"
#include "webhook/types.h"

namespace trunkline::webhook {

/// The call record as a JSON object.
std::string renderCdr(const storage::Cdr& cdr);

/// The envelope around an already rendered `dataJson` object.
std::string renderEnvelope(std::string_view eventId, EventType type, std::int64_t createdMs,
                           Id accountId, std::string_view dataJson);

/// carrier.up / carrier.down: a gateway's health changed as this node's probes see it.
struct CarrierChange {
  bool up = false;
  Id carrierId = 0;
  std::string carrierName;
  Id gatewayId = 0;
  std::string gateway;  // "udp:198.51.100.7:5060"
  int probeCode = 0;    // the probe's final response (0 = timeout / transport error)
  std::string node;     // the node that saw it
};
Event carrierEvent(const CarrierChange& change, std::int64_t atMs);

/// balance.low for the billing side: `balanceMinor` and `thresholdMinor` in minor units of
/// `currency`.
Event balanceLowEvent(Id accountId, std::int64_t balanceMinor, std::int64_t thresholdMinor,
                      std::string_view currency, std::int64_t atMs);

}  // namespace trunkline::webhook
