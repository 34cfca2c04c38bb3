#include "webhook/types.h"

namespace trunkline::webhook {
namespace {
constexpr std::string_view kNames[kEventTypeCount] = {
    "call.started", "call.answered", "call.ended", "carrier.up", "carrier.down", "balance.low"};
}

std::string_view eventTypeName(EventType t) {
  const auto i = static_cast<std::size_t>(t);
  return i < kEventTypeCount ? kNames[i] : "unknown";
}

std::optional<EventType> parseEventType(std::string_view name) {
  for (std::size_t i = 0; i < kEventTypeCount; ++i)
    if (kNames[i] == name) return static_cast<EventType>(i);
  return std::nullopt;
}

std::string_view deliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::Pending: return "pending";
    case DeliveryState::Delivered: return "delivered";
    case DeliveryState::Failed: return "failed";
    case DeliveryState::Cancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace trunkline::webhook
