#include "api/runtime_routes.h"

#include <charconv>
#include <chrono>

#include "api/resources_internal.h"
#include "storage/validate.h"

namespace trunkline::api {
namespace {

using detail::pageQuery;
using storage::Cdr;
using storage::Disposition;

constexpr std::string_view kDispositions[] = {"answered",  "busy",     "no_answer", "failed",
                                              "cancelled", "rejected", "no_media"};

std::string_view dispositionName(Disposition d) {
  const auto i = static_cast<std::size_t>(d);
  return i < std::size(kDispositions) ? kDispositions[i] : "unknown";
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

// One side's amount: null when that side is not rated (no deck, no matching entry).
Json amountJson(bool attempted, const std::string& unrated, std::int64_t minor) {
  return attempted && unrated.empty() ? Json(minor) : Json(nullptr);
}

// Text of an unrated side is null, not "" (like the amounts).
Json textOrNull(const std::string& v) {
  return v.empty() ? Json(nullptr) : Json(v);
}

Json ratingJson(const storage::CdrRating& g) {
  auto reason = [&](const std::string& u) { return g.attempted ? Json(u) : Json("NotRated"); };
  return Json{{"rated", g.attempted},
              {"cost_unrated",
               g.costUnrated.empty() && g.attempted ? Json(nullptr) : reason(g.costUnrated)},
              {"price_unrated",
               g.priceUnrated.empty() && g.attempted ? Json(nullptr) : reason(g.priceUnrated)},
              {"cost_currency", textOrNull(g.costCurrency)},
              {"price_currency", textOrNull(g.priceCurrency)},
              {"cost_rate_id", g.costRateId ? Json(g.costRateId) : Json(nullptr)},
              {"price_rate_id", g.priceRateId ? Json(g.priceRateId) : Json(nullptr)},
              {"cost_prefix", g.costRateId ? Json(g.costPrefix) : Json(nullptr)},
              {"price_prefix", g.priceRateId ? Json(g.pricePrefix) : Json(nullptr)},
              {"cost_billed_s", g.costBilledS},
              {"price_billed_s", g.priceBilledS}};
}

Json cdrJson(const Cdr& c) {
  Json attempts = Json::array();
  for (const auto& a : c.attempts)
    attempts.push_back(Json{{"carrier_id", a.carrierId},
                            {"trunk_id", a.trunkId},
                            {"target", a.target},
                            {"sip_code", a.sipCode},
                            {"reason", a.reason},
                            {"start_ms", a.startMs},
                            {"end_ms", a.endMs}});
  return Json{
      {"id", c.id},
      {"call_uuid", c.callUuid},
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
      {"cost_minor", amountJson(c.rating.attempted, c.rating.costUnrated, c.rating.costMinor)},
      {"price_minor", amountJson(c.rating.attempted, c.rating.priceUnrated, c.rating.priceMinor)},
      {"margin_minor", c.rating.marginMinor ? Json(*c.rating.marginMinor) : Json(nullptr)},
      {"currency",
       textOrNull(c.rating.priceCurrency.empty() ? c.rating.costCurrency : c.rating.priceCurrency)},
      {"rating", ratingJson(c.rating)},
      {"media", Json{{"anchored", c.media.anchored},
                     {"from_caller", streamJson(c.media.fromCaller)},
                     {"from_callee", streamJson(c.media.fromCallee)},
                     {"poor_quality", (c.media.flags & storage::kCdrPoorQuality) != 0}}}};
}

// RFC 4180: quote fields that need it, double the quotes inside.
std::string csvField(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

constexpr std::string_view kCsvHeader =
    "id,call_uuid,account_id,trunk_id,direction,from,to,from_e164,to_e164,start_ms,answer_ms,"
    "end_ms,duration_ms,billable_s,disposition,final_code,final_reason,hangup_by,attempts,"
    "caller_rtp_packets,caller_rtp_lost,caller_mos,callee_rtp_packets,callee_rtp_lost,"
    "callee_mos,cost_minor,price_minor,margin_minor,currency\r\n";

void appendCsv(std::string& out, const Cdr& c) {
  out += fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.2f},{},{},{:.2f},{},{},{},"
      "{}"
      "\r\n",
      c.id, csvField(c.callUuid), c.accountId, c.trunkId,
      c.direction == storage::Direction::Inbound ? "inbound" : "outbound", csvField(c.fromRaw),
      csvField(c.toRaw), csvField(c.fromE164), csvField(c.toE164), c.startMs, c.answerMs, c.endMs,
      c.durationMs, c.billableS, dispositionName(c.disposition), c.finalCode,
      csvField(c.finalReason), hangupName(c.hangupBy), c.attempts.size(),
      c.media.fromCaller.packets, c.media.fromCaller.lost, c.media.fromCaller.mosX100 / 100.0,
      c.media.fromCallee.packets, c.media.fromCallee.lost, c.media.fromCallee.mosX100 / 100.0,
      // Unrated amounts are empty cells, like JSON nulls.
      c.rating.attempted && c.rating.costUnrated.empty() ? std::to_string(c.rating.costMinor) : "",
      c.rating.attempted && c.rating.priceUnrated.empty() ? std::to_string(c.rating.priceMinor)
                                                          : "",
      c.rating.marginMinor ? std::to_string(*c.rating.marginMinor) : "",
      c.rating.priceCurrency.empty() ? c.rating.costCurrency : c.rating.priceCurrency);
}

bool parseInt(const std::string& s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

HttpResponse listCdrs(const RuntimeDeps& deps, const Request& r) {
  HttpResponse err;
  auto page = pageQuery(r, err);
  if (!page) return err;
  storage::CdrQuery q;
  q.limit = page->limit;
  q.afterId = page->after;
  std::vector<FieldError> invalid;
  auto intParam = [&](std::string_view name, std::int64_t min, auto&& set) {
    auto v = r.http.queryParam(name);
    if (!v) return;
    std::int64_t n = 0;
    if (!parseInt(*v, n) || n < min)
      invalid.push_back({std::string(name), fmt::format("must be an integer >= {}", min)});
    else
      set(n);
  };
  intParam("from", 0, [&](std::int64_t n) { q.fromMs = n; });
  intParam("to", 0, [&](std::int64_t n) { q.toMs = n; });
  intParam("account_id", 1, [&](std::int64_t n) { q.accountId = n; });
  intParam("trunk_id", 1, [&](std::int64_t n) { q.trunkId = n; });
  if (auto d = r.http.queryParam("disposition")) {
    bool found = false;
    for (std::size_t i = 0; i < std::size(kDispositions); ++i)
      if (*d == kDispositions[i]) {
        q.disposition = static_cast<Disposition>(i);
        found = true;
      }
    if (!found)
      invalid.push_back({"disposition",
                         "must be one of answered, busy, no_answer, failed, cancelled, "
                         "rejected, no_media"});
  }
  if (auto n = r.http.queryParam("number")) {
    // E.164 as stored in CDRs: '+' and 1-15 digits ("+14155551234"); "%2B" in a URL.
    const bool ok = n->size() >= 2 && n->size() <= 16 && (*n)[0] == '+' &&
                    n->find_first_not_of("0123456789", 1) == std::string::npos;
    if (ok)
      q.number = *n;
    else
      invalid.push_back({"number", "must be an E.164 number: '+' and 1-15 digits"});
  }
  std::string format = r.http.queryParam("format").value_or("json");
  if (format != "json" && format != "csv") invalid.push_back({"format", "must be json or csv"});
  if (!invalid.empty())
    return problem(Problem::BadRequest, "bad query parameters", std::move(invalid));

  // An account key sees its own account only: another account's filter matches nothing
  // (no hint that the account exists).
  const Principal& who = *r.principal;
  if (!who.admin()) {
    if (q.accountId && *q.accountId != who.accountId)
      q.accountId = -1;
    else
      q.accountId = who.accountId;
  }
  auto result = deps.cdrs.query(q);
  if (!result) return fromError(result.error(), "cursor");  // the store rejects only a cursor
  if (format == "csv") {
    HttpResponse resp;
    resp.status = 200;
    resp.body = std::string(kCsvHeader);
    for (const auto& c : result->cdrs) appendCsv(resp.body, c);
    resp.set("Content-Type", "text/csv; charset=utf-8");
    if (result->nextCursor) resp.set("X-Next-Cursor", std::to_string(*result->nextCursor));
    return resp;
  }
  Json items = Json::array();
  for (const auto& c : result->cdrs) items.push_back(cdrJson(c));
  Json body{{"items", items}};
  body["next_cursor"] = result->nextCursor ? Json(std::to_string(*result->nextCursor)) : Json();
  return jsonResponse(200, body);
}

HttpResponse carrierStatus(const RuntimeDeps& deps) {
  auto carriers = deps.config.listCarriers();
  if (!carriers) return fromError(carriers.error());
  auto rows = deps.gateways.list();
  if (!rows) return fromError(rows.error());
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  Json out = Json::array();
  for (const auto& c : *carriers) {
    Json gateways = Json::array();
    for (const auto& g : c.gateways) {
      Json nodes = Json::array();
      for (const auto& row : *rows) {
        if (row.status.gatewayId != g.id) continue;
        const auto& h = row.status;
        nodes.push_back(Json{{"node_id", row.nodeId},
                             {"up", h.up},
                             {"consecutive_failures", h.consecutiveFailures},
                             {"consecutive_successes", h.consecutiveSuccesses},
                             {"changes", h.changes},
                             {"last_change_ms", h.lastChangeMs},
                             {"last_probe_code", h.lastProbeCode},
                             {"last_probe_ms", h.lastProbeMs},
                             {"updated_ms", h.updatedMs},
                             {"stale", now - h.updatedMs > 30'000}});
      }
      gateways.push_back(Json{{"id", g.id},
                              {"host", g.host},
                              {"port", g.port},
                              {"transport", std::string(storage::transportName(g.transport))},
                              {"nodes", nodes}});
    }
    out.push_back(Json{{"id", c.id},
                       {"name", c.name},
                       {"enabled", c.enabled},
                       {"probe_interval_s", c.probeIntervalS},
                       {"gateways", gateways}});
  }
  return jsonResponse(200, Json{{"items", out}});
}

}  // namespace

void registerRuntimeRoutes(Router& router, const RuntimeDeps& deps) {
  router.add("GET", "/v1/cdrs", Access::AnyKey,
             [&deps](const Request& r) { return listCdrs(deps, r); });
  router.add("GET", "/v1/carriers/status", Access::Admin,
             [&deps](const Request&) { return carrierStatus(deps); });
}

}  // namespace trunkline::api
