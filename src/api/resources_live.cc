// Live-state routes (live_routes.h): /metrics, /v1/calls, /v1/registrations, /v1/bandwidth.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "api/live_routes.h"
#include "api/resources_internal.h"
#include "media/bandwidth.h"
#include "metrics/exposition.h"

namespace trunkline::api {
namespace {

using metrics::LiveCall;

bool parseUint(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty() && out <= max;
}

Json liveCallJson(const LiveCall& c, std::int64_t nowMs) {
  Json j{{"uuid", c.uuid},
         {"account_id", c.accountId},
         {"trunk_id", c.trunkId},
         {"number_id", c.numberId},
         {"direction", c.direction == storage::Direction::Inbound ? "inbound" : "outbound"},
         {"state", metrics::liveStateName(c.state)},
         {"from", c.from},
         {"to", c.to},
         {"from_e164", c.fromE164},
         {"to_e164", c.toE164},
         {"source_address", c.sourceAddress},
         {"start_ms", c.startMs},
         {"ring_ms", c.ringMs},
         {"answer_ms", c.answerMs},
         {"duration_ms", c.answerMs > 0 && nowMs > c.answerMs ? nowMs - c.answerMs : 0},
         {"attempts", c.attempts},
         {"shard", c.shard}};
  Json current = nullptr;
  if (c.attempts > 0)
    current =
        Json{{"carrier_id", c.carrierId}, {"trunk_id", c.targetTrunkId}, {"target", c.target}};
  j["current_target"] = current;
  return j;
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The live call named by {uuid} that the caller may see; nullopt otherwise (→ 404).
std::optional<LiveCall> findCall(const LiveDeps& deps, const Request& r) {
  const std::string_view uuid = r.param("uuid");
  for (const auto& shard : deps.calls->snapshot())
    for (const auto& c : *shard)
      if (c->uuid == uuid) {
        if (!r.principal->owns(c->accountId)) return std::nullopt;
        return *c;
      }
  return std::nullopt;
}

HttpResponse listCalls(const LiveDeps& deps, const Request& r) {
  std::vector<FieldError> invalid;
  std::optional<storage::Id> account, trunk;
  auto idParam = [&](std::string_view name, std::optional<storage::Id>& out) {
    auto v = r.http.queryParam(name);
    if (!v) return;
    std::uint64_t n = 0;
    if (!parseUint(*v, INT64_MAX, n) || n == 0)
      invalid.push_back({std::string(name), "must be a positive integer"});
    else
      out = static_cast<storage::Id>(n);
  };
  idParam("account_id", account);
  idParam("trunk_id", trunk);
  auto direction = r.http.queryParam("direction");
  if (direction && *direction != "inbound" && *direction != "outbound")
    invalid.push_back({"direction", "must be inbound or outbound"});
  auto state = r.http.queryParam("state");
  if (state && *state != "routing" && *state != "ringing" && *state != "answered")
    invalid.push_back({"state", "must be routing, ringing or answered"});
  if (!invalid.empty())
    return problem(Problem::BadRequest, "bad query parameters", std::move(invalid));

  const std::int64_t now = nowMs();
  Json items = Json::array();
  for (const auto& shard : deps.calls->snapshot()) {
    for (const auto& p : *shard) {
      const LiveCall& c = *p;
      if (!r.principal->owns(c.accountId)) continue;
      if (account && c.accountId != *account) continue;
      if (trunk && c.trunkId != *trunk) continue;
      const bool inbound = c.direction == storage::Direction::Inbound;
      if (direction && (*direction == "inbound") != inbound) continue;
      if (state && *state != metrics::liveStateName(c.state)) continue;
      items.push_back(liveCallJson(c, now));
    }
  }
  return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
}

HttpResponse hangupCall(const LiveDeps& deps, const Request& r) {
  auto c = findCall(deps, r);
  if (!c) return problem(Problem::NotFound, "no live call with this uuid");
  switch (deps.hangup ? deps.hangup(c->shard, c->callId) : HangupResult::Timeout) {
    case HangupResult::Done: return detail::noContent();
    case HangupResult::NotFound: return problem(Problem::NotFound, "the call has ended already");
    case HangupResult::Timeout: break;
  }
  return problem(Problem::Unavailable, "the call's thread did not answer in time; try again");
}

Json registrationJson(const storage::Registration& g, storage::Id accountId) {
  return Json{
      {"trunk_id", g.trunkId},     {"account_id", accountId}, {"aor", g.aor},
      {"contact", g.contact},      {"received", g.received},  {"expires_at_ms", g.expiresAtMs},
      {"user_agent", g.userAgent}, {"call_id", g.callId},     {"cseq", g.cseq}};
}

HttpResponse listRegistrations(const LiveDeps& deps, const Request& r) {
  std::vector<FieldError> invalid;
  std::optional<storage::Id> trunk, account;
  for (auto [name, out] : {std::pair{"trunk_id", &trunk}, std::pair{"account_id", &account}}) {
    auto v = r.http.queryParam(name);
    if (!v) continue;
    std::uint64_t n = 0;
    if (!parseUint(*v, INT64_MAX, n) || n == 0)
      invalid.push_back({name, "must be a positive integer"});
    else
      *out = static_cast<storage::Id>(n);
  }
  if (!invalid.empty())
    return problem(Problem::BadRequest, "bad query parameters", std::move(invalid));
  const Principal& who = *r.principal;
  // Whose trunks the caller may see: an account key its own, whatever it asked for.
  std::optional<storage::Id> scope = account;
  if (!who.admin()) {
    if (account && *account != who.accountId)
      return jsonResponse(200, Json{{"items", Json::array()}});
    scope = who.accountId;
  }
  auto trunks = deps.config->listTrunks(scope);
  if (!trunks) return fromError(trunks.error());
  std::unordered_map<storage::Id, storage::Id> accountOf;
  for (const auto& t : *trunks) accountOf[t.id] = t.accountId;
  auto rows = deps.registrations->list(trunk);
  if (!rows) return fromError(rows.error());
  const std::int64_t now = nowMs();
  Json items = Json::array();
  for (const auto& g : *rows) {
    auto it = accountOf.find(g.trunkId);
    if (it == accountOf.end() || g.expiresAtMs <= now) continue;
    items.push_back(registrationJson(g, it->second));
  }
  return jsonResponse(200, Json{{"items", items}});
}

HttpResponse bandwidth(const Request& r) {
  std::vector<FieldError> invalid;
  const std::string codecName = r.http.queryParam("codec").value_or("PCMU");
  auto uintParam = [&](std::string_view name, std::uint64_t def, std::uint64_t min,
                       std::uint64_t max) -> std::uint32_t {
    auto v = r.http.queryParam(name);
    if (!v) return static_cast<std::uint32_t>(def);
    std::uint64_t n = 0;
    if (!parseUint(*v, max, n) || n < min) {
      invalid.push_back({std::string(name), fmt::format("must be an integer {}..{}", min, max)});
      return static_cast<std::uint32_t>(def);
    }
    return static_cast<std::uint32_t>(n);
  };
  auto boolParam = [&](std::string_view name) {
    auto v = r.http.queryParam(name);
    if (!v) return false;
    if (*v == "true" || *v == "1") return true;
    if (*v != "false" && *v != "0") invalid.push_back({std::string(name), "must be true or false"});
    return false;
  };
  const std::uint32_t ptime = uintParam("ptime", 20, 1, 1000);
  const std::uint32_t calls = uintParam("calls", 1, 0, 10'000'000);
  const std::uint32_t bitrate = uintParam("bitrate", 0, 0, 100'000'000);
  const std::uint32_t vlans = uintParam("vlans", 0, 0, 8);
  const std::uint32_t extra = uintParam("extra_bytes", 0, 0, 65'535);
  const bool ipv6 = boolParam("ipv6");
  const bool srtp = boolParam("srtp");
  const std::string link = r.http.queryParam("link").value_or("ethernet");
  const auto codec = media::audioCodecFromName(codecName);
  if (codec == media::AudioCodec::Unknown && bitrate == 0)
    invalid.push_back(
        {"codec", "unknown codec: use PCMU, PCMA, G722, G729 or opus, or give bitrate"});
  auto in = media::BandwidthInput::forCodec(codec, ptime, calls);
  if (bitrate) in.payloadBitrate = bitrate;
  in.ip = ipv6 ? media::IpVersion::V6 : media::IpVersion::V4;
  if (link == "ethernet") {
    in.link = media::LinkLayer::ethernet();
  } else if (link == "ethernet-wire") {
    in.link = media::LinkLayer::ethernet();
    in.link.preambleAndGap = true;
  } else if (link == "none") {
    in.link = media::LinkLayer::none();
  } else {
    invalid.push_back({"link", "must be ethernet, ethernet-wire or none"});
  }
  in.link.vlanTags = vlans;
  in.extraBytesPerPacket = extra + (srtp ? 10u : 0u);  // SRTP: 80-bit auth tag, as the CLI
  if (!invalid.empty())
    return problem(Problem::BadRequest, "bad query parameters", std::move(invalid));
  auto res = media::computeBandwidth(in);
  if (!res) return problem(Problem::BadRequest, res.error().message);
  // The same fields as `trunkline bandwidth --json`.
  return jsonResponse(200, Json{{"codec", codecName},
                                {"payload_bitrate", in.payloadBitrate},
                                {"ptime_ms", in.ptimeMs},
                                {"calls", in.calls},
                                {"ip", ipv6 ? "IPv6" : "IPv4"},
                                {"link", link},
                                {"payload_bytes", res->payloadBytes},
                                {"frame_bytes", res->frameBytes},
                                {"packets_per_second", res->packetsPerSecond},
                                {"per_call_bps", res->perCallBps},
                                {"total_bps", res->totalBps},
                                {"total_both_directions_bps", res->totalBothDirectionsBps}});
}

}  // namespace

void registerLiveRoutes(Router& router, const LiveDeps& deps) {
  if (deps.metrics) {
    router.add("GET", "/metrics", deps.metricsPublic ? Access::Public : Access::Admin,
               [&deps](const Request&) {
                 HttpResponse resp;
                 resp.body = deps.metrics->render();
                 resp.set("Content-Type", std::string(metrics::kContentType));
                 return resp;
               });
  }
  if (deps.calls) {
    router.add("GET", "/v1/calls", Access::AnyKey,
               [&deps](const Request& r) { return listCalls(deps, r); });
    router.add("GET", "/v1/calls/{uuid}", Access::AnyKey, [&deps](const Request& r) {
      auto c = findCall(deps, r);
      if (!c) return problem(Problem::NotFound, "no live call with this uuid");
      return jsonResponse(200, liveCallJson(*c, nowMs()));
    });
    router.add("DELETE", "/v1/calls/{uuid}", Access::AnyKey,
               [&deps](const Request& r) { return hangupCall(deps, r); });
  }
  if (deps.registrations && deps.config) {
    router.add("GET", "/v1/registrations", Access::AnyKey,
               [&deps](const Request& r) { return listRegistrations(deps, r); });
  }
  router.add("GET", "/v1/bandwidth", Access::AnyKey, [](const Request& r) { return bandwidth(r); });
}

}  // namespace trunkline::api
