#pragma once
// Value types of the webhook module: event types, subscriptions, queued events, deliveries
// and the attempts of the delivery log. Plain values, no I/O; any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/model.h"

namespace trunkline::webhook {

using storage::Id;

enum class EventType : std::uint8_t {
  CallStarted,
  CallAnswered,
  CallEnded,
  CarrierUp,
  CarrierDown,
  BalanceLow,
};
inline constexpr std::size_t kEventTypeCount = 6;

/// "call.started", ... (the names of the API and of the Trunkline-Event header).
std::string_view eventTypeName(EventType t);
std::optional<EventType> parseEventType(std::string_view name);
/// Bit of `t` in a type mask (subscriptions store the set as a mask).
constexpr std::uint32_t typeBit(EventType t) {
  return 1u << static_cast<unsigned>(t);
}
inline constexpr std::uint32_t kAllTypes = (1u << kEventTypeCount) - 1;

/// A receiver of events. accountId 0 = operator-wide: every event, including those of no
/// account (carrier up/down); otherwise only that account's events.
struct Subscription {
  Id id = 0;
  Id accountId = 0;
  std::string url;
  std::uint32_t types = 0;  // mask of typeBit()
  std::string secret;       // signing key, "whsec_" + 64 hex
  bool enabled = true;
  bool insecureTls = false;  // https without certificate verification (test receivers)
  std::string description;
  std::int64_t createdMs = 0;
  std::int64_t updatedMs = 0;
  std::string disabledReason;  // set when delivery disabled it (410 Gone), "" otherwise

  bool wants(EventType t) const { return enabled && (types & typeBit(t)) != 0; }
  bool operator==(const Subscription&) const = default;
};

/// One event as handed to the dispatcher. Call events carry a copy of the CDR, rendered
/// to JSON later on the dispatcher thread (a shard only copies); the others carry their
/// `data` object already rendered.
struct Event {
  EventType type = EventType::CallStarted;
  Id accountId = 0;       // 0 = operator-level (carrier events)
  std::int64_t atMs = 0;  // wall time the event happened
  std::string dataJson;   // a JSON object, when `cdr` is empty
  std::optional<storage::Cdr> cdr;
};

enum class DeliveryState : std::uint8_t {
  Pending,    // waiting for its next attempt
  Delivered,  // a 2xx was received
  Failed,     // attempts or age exhausted
  Cancelled,  // the subscription was removed, disabled or answered 410
};
std::string_view deliveryStateName(DeliveryState s);

/// One attempt of a delivery: what the receiver answered (or why nothing was received).
struct Attempt {
  std::uint32_t number = 0;  // 1, 2, ...
  std::int64_t atMs = 0;
  int statusCode = 0;  // 0 = no HTTP response
  std::string error;   // "" on a response; otherwise connect/TLS/timeout text
  std::uint32_t durationMs = 0;
  bool operator==(const Attempt&) const = default;
};

/// One event for one subscription: the unit that is retried.
struct Delivery {
  Id id = 0;
  Id subscriptionId = 0;
  Id accountId = 0;     // the subscription's, for scoping reads
  std::string eventId;  // "evt_" + 32 hex, the same for every subscription of an event
  EventType type = EventType::CallStarted;
  std::string body;  // the exact JSON that is signed and sent
  DeliveryState state = DeliveryState::Pending;
  std::uint32_t attempts = 0;
  int lastStatus = 0;
  std::string lastError;
  std::int64_t nextAttemptMs = 0;  // wall time; meaningful while pending
  std::int64_t deliveredMs = 0;
  std::int64_t createdMs = 0;
  std::vector<Attempt> log;  // filled by reads that ask for it
};

}  // namespace trunkline::webhook
