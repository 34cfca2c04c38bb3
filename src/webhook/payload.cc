#include "webhook/payload.h"

#include <nlohmann/json.hpp>

namespace trunkline::webhook {
namespace {

using Json = nlohmann::json;

std::string_view dispositionName(storage::Disposition d) {
  static constexpr std::string_view kNames[] = {"answered",  "busy",     "no_answer", "failed",
                                                "cancelled", "rejected", "no_media"};
  const auto i = static_cast<std::size_t>(d);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

std::string_view hangupName(storage::HangupBy h) {
  switch (h) {
    case storage::HangupBy::None: return "none";
    case storage::HangupBy::Caller: return "caller";
    case storage::HangupBy::Callee: return "callee";
    case storage::HangupBy::System: return "system";
  }
  return "none";
}

Json streamJson(const storage::CdrMediaStream& s) {
  return Json{{"rtp_packets", s.packets},
              {"rtp_lost", s.lost},
              {"max_jitter_us", s.jitterUs},
              {"mos", s.mosX100 / 100.0}};
}

Json ratingJson(const storage::CdrRating& r) {
  if (!r.attempted) return nullptr;
  auto side = [](std::string_view unrated, std::int64_t minor, std::string_view currency,
                 storage::Id rateId, std::string_view prefix, std::uint64_t billedS) {
    if (!unrated.empty()) return Json{{"rated", false}, {"reason", unrated}};
    return Json{{"rated", true},     {"amount_minor", minor}, {"currency", currency},
                {"rate_id", rateId}, {"prefix", prefix},      {"billed_s", billedS}};
  };
  return Json{{"cost", side(r.costUnrated, r.costMinor, r.costCurrency, r.costRateId, r.costPrefix,
                            r.costBilledS)},
              {"price", side(r.priceUnrated, r.priceMinor, r.priceCurrency, r.priceRateId,
                             r.pricePrefix, r.priceBilledS)},
              {"margin_minor", r.marginMinor ? Json(*r.marginMinor) : Json(nullptr)}};
}

// Strings from the wire (numbers, reasons) may hold bytes that are not UTF-8: replace them
// instead of letting the serializer throw.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string renderCdr(const storage::Cdr& c) {
  Json attempts = Json::array();
  for (const auto& a : c.attempts)
    attempts.push_back(Json{{"carrier_id", a.carrierId},
                            {"trunk_id", a.trunkId},
                            {"target", a.target},
                            {"sip_code", a.sipCode},
                            {"reason", a.reason},
                            {"start_ms", a.startMs},
                            {"end_ms", a.endMs}});
  Json j{{"call_uuid", c.callUuid},
         {"account_id", c.accountId},
         {"trunk_id", c.trunkId},
         {"number_id", c.numberId},
         {"direction", c.direction == storage::Direction::Inbound ? "inbound" : "outbound"},
         {"source_address", c.sourceAddress},
         {"from", c.fromRaw},
         {"to", c.toRaw},
         {"from_e164", c.fromE164},
         {"to_e164", c.toE164},
         {"start_ms", c.startMs},
         {"ring_ms", c.ringMs},
         {"answer_ms", c.answerMs},
         {"end_ms", c.endMs},
         {"duration_ms", c.durationMs},
         {"billable_s", c.billableS},
         {"disposition", dispositionName(c.disposition)},
         {"final_code", c.finalCode},
         {"final_reason", c.finalReason},
         {"hangup_by", hangupName(c.hangupBy)},
         {"attempts", attempts},
         {"media", Json{{"anchored", c.media.anchored},
                        {"from_caller", streamJson(c.media.fromCaller)},
                        {"from_callee", streamJson(c.media.fromCallee)},
                        {"poor_quality", (c.media.flags & storage::kCdrPoorQuality) != 0}}},
         {"rating", ratingJson(c.rating)}};
  return dump(j);
}

std::string renderEnvelope(std::string_view eventId, EventType type, std::int64_t createdMs,
                           Id accountId, std::string_view dataJson) {
  // The data object is spliced in as rendered (it is our own JSON), so the body is built
  // once and the bytes that are signed are the bytes that were stored.
  std::string out = dump(Json{{"id", eventId},
                              {"type", eventTypeName(type)},
                              {"created_ms", createdMs},
                              {"account_id", accountId == 0 ? Json(nullptr) : Json(accountId)}});
  out.pop_back();  // '}'
  out += ",\"data\":";
  out += dataJson.empty() ? std::string_view("{}") : dataJson;
  out += '}';
  return out;
}

Event carrierEvent(const CarrierChange& c, std::int64_t atMs) {
  Event e;
  e.type = c.up ? EventType::CarrierUp : EventType::CarrierDown;
  e.accountId = 0;
  e.atMs = atMs;
  e.dataJson = dump(Json{{"carrier_id", c.carrierId},
                         {"carrier_name", c.carrierName},
                         {"gateway_id", c.gatewayId},
                         {"gateway", c.gateway},
                         {"up", c.up},
                         {"probe_code", c.probeCode},
                         {"node", c.node}});
  return e;
}

Event balanceLowEvent(Id accountId, std::int64_t balanceMinor, std::int64_t thresholdMinor,
                      std::string_view currency, std::int64_t atMs) {
  Event e;
  e.type = EventType::BalanceLow;
  e.accountId = accountId;
  e.atMs = atMs;
  e.dataJson = dump(Json{{"account_id", accountId},
                         {"balance_minor", balanceMinor},
                         {"threshold_minor", thresholdMinor},
                         {"currency", currency}});
  return e;
}

}  // namespace trunkline::webhook
