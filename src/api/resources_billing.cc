// /v1/rate-decks (decks and their entries, JSON or a CSV import) and /v1/usage (per account
// and day totals of the CDRs). Decks are admin only; usage is scoped to the key's account.
//
// Money at this boundary: rates and fees are decimal strings in the deck currency's major
// units ("0.0125" USD per minute), converted exactly to sub-units (1/10,000 of a minor unit;
// a minor unit is taken as 1/100 of a major unit), so at most 6 decimals. No floating point.
#include <charconv>
#include <cstdint>

#include "api/resources_internal.h"
#include "storage/rate_store.h"

namespace trunkline::api::detail {
namespace {

using storage::Id;
using storage::RateDeckRecord;
using storage::RateRecord;

constexpr std::int64_t kSubPerMajor = 1'000'000;  // 100 minor units of 10,000 sub-units
constexpr int kMaxDecimals = 6;
constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kMaxUsageDays = 366;

HttpResponse noRating() {
  return problem(Problem::Unavailable, "rate decks are not available on this node");
}

}  // namespace

// Exposed for the unit tests (declared there): "12.345" → 12,345,000 sub-units.
std::optional<std::int64_t> parseMajorAmount(std::string_view s, std::string& why) {
  if (s.empty()) {
    why = "is empty";
    return std::nullopt;
  }
  const auto dot = s.find('.');
  const auto whole = s.substr(0, dot);
  const auto frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  auto digits = [](std::string_view d) {
    for (char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (whole.empty() || !digits(whole) || !digits(frac) ||
      (dot != std::string_view::npos && frac.empty())) {
    why = "must be a decimal number like 0.0125 (digits, an optional '.' and decimals)";
    return std::nullopt;
  }
  if (frac.size() > kMaxDecimals) {
    why = fmt::format("has more than {} decimals (the smallest unit is 0.000001)", kMaxDecimals);
    return std::nullopt;
  }
  // 12 integer digits keep the product far below 2^63; the deck's own bound is smaller.
  if (whole.size() > 12) {
    why = "is too large";
    return std::nullopt;
  }
  std::int64_t major = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), major);
  std::int64_t fracSub = 0;
  for (std::size_t i = 0; i < kMaxDecimals; ++i)
    fracSub = fracSub * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  return major * kSubPerMajor + fracSub;
}

// 12,345,000 → "12.345"; at least two decimals ("1.00").
std::string formatMajorAmount(std::int64_t sub) {
  const bool neg = sub < 0;
  const std::uint64_t v = neg ? 0 - static_cast<std::uint64_t>(sub) : sub;
  std::string frac = fmt::format("{:06}", v % kSubPerMajor);
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  return fmt::format("{}{}.{}", neg ? "-" : "", v / kSubPerMajor, frac);
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based formula).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m, d;
};
Civil civilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool fixedDigits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

bool validDate(unsigned y, unsigned m, unsigned d) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// YYYY-MM-DD (UTC midnight) in ms since the epoch.
std::optional<std::int64_t> parseDate(std::string_view s) {
  unsigned y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !fixedDigits(s, 0, 4, y) ||
      !fixedDigits(s, 5, 2, m) || !fixedDigits(s, 8, 2, d) || !validDate(y, m, d))
    return std::nullopt;
  return daysFromCivil(y, m, d) * kMsPerDay;
}

// RFC 3339 §5.6 date-time: full-date "T" time with optional fraction (ms kept, finer
// digits dropped) and "Z" or a numeric offset; 't'/'z' and a space separator accepted
// as the RFC's note allows.
std::optional<std::int64_t> parseRfc3339(std::string_view s) {
  if (s.size() < 20) return std::nullopt;
  auto day = parseDate(s.substr(0, 10));
  if (!day || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return std::nullopt;
  unsigned hh = 0, mm = 0, ss = 0;
  if (!fixedDigits(s, 11, 2, hh) || s[13] != ':' || !fixedDigits(s, 14, 2, mm) || s[16] != ':' ||
      !fixedDigits(s, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60)
    return std::nullopt;
  if (ss == 60) ss = 59;  // a leap second: the epoch count has none
  std::size_t i = 19;
  std::int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n < 3) ms = ms * 10 + (s[i] - '0');
      ++n;
      ++i;
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) ms *= 10;
  }
  std::int64_t offsetMin = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    unsigned oh = 0, om = 0;
    if (!fixedDigits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !fixedDigits(s, i + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offsetMin = (s[i] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return *day + ((hh * 3600 + mm * 60 + ss) * 1000 + ms) - offsetMin * 60'000;
}

std::string formatRfc3339(std::int64_t ms) {
  const std::int64_t days = ms >= 0 ? ms / kMsPerDay : (ms - kMsPerDay + 1) / kMsPerDay;
  const std::int64_t rest = ms - days * kMsPerDay;
  const auto c = civilFromDays(days);
  const auto secs = rest / 1000;
  auto out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.y, c.m, c.d, secs / 3600,
                         secs / 60 % 60, secs % 60);
  if (rest % 1000) out += fmt::format(".{:03}", rest % 1000);
  return out + "Z";
}

std::string formatDate(std::int64_t ms) {
  const auto c = civilFromDays(ms / kMsPerDay);
  return fmt::format("{:04}-{:02}-{:02}", c.y, c.m, c.d);
}

Json deckJson(const RateDeckRecord& d, std::optional<std::size_t> count) {
  Json j = {{"id", d.id},
            {"name", d.name},
            {"kind", storage::deckKindName(d.kind)},
            {"currency", d.currency},
            {"is_default", d.isDefault},
            {"charge_fee_on_zero_duration", d.chargeFeeOnZeroDuration}};
  if (count) j["rate_count"] = *count;
  return j;
}

Json rateJson(const RateRecord& r) {
  return {{"id", r.id},
          {"deck_id", r.deckId},
          {"prefix", r.prefix},
          {"per_minute", formatMajorAmount(r.perMinuteSub)},
          {"connect_fee", formatMajorAmount(r.connectFeeSub)},
          {"initial_s", r.initialS},
          {"subsequent_s", r.subsequentS},
          {"minimum_s", r.minimumS},
          {"effective_from",
           r.effectiveFromMs > 0 ? Json(formatRfc3339(r.effectiveFromMs)) : Json(nullptr)},
          {"effective_to",
           r.effectiveToMs != INT64_MAX ? Json(formatRfc3339(r.effectiveToMs)) : Json(nullptr)}};
}

std::optional<HttpResponse> applyDeck(const Json& body, RateDeckRecord& d, std::optional<Id> id) {
  std::vector<FieldError> unknown, invalid;
  rejectUnknown(
      body,
      {"id", "name", "kind", "currency", "is_default", "charge_fee_on_zero_duration", "rate_count"},
      unknown);
  checkReadOnlyId(body, id, invalid);
  FieldReader f(body, invalid);
  f.str("name", d.name, !id);
  if (std::string s; f.str("kind", s)) {
    auto k = storage::parseDeckKind(s);
    if (!k)
      f.error("kind", "must be price or cost");
    else if (id && *k != d.kind)
      f.error("kind", "cannot change (assigned accounts or carriers would change meaning)");
    else
      d.kind = *k;
  }
  f.str("currency", d.currency);
  f.boolean("is_default", d.isDefault);
  f.boolean("charge_fee_on_zero_duration", d.chargeFeeOnZeroDuration);
  if (invalid.empty() && unknown.empty())
    if (auto v = storage::validateDeck(d); !v) {
      const auto& m = v.error().message;
      f.error(m.find("currency") != std::string::npos  ? "currency"
              : m.find("default") != std::string::npos ? "is_default"
                                                       : "name",
              m);
    }
  return fieldProblems(unknown, invalid);
}

HttpResponse deckWriteError(const base::Error& e) {
  return writeError(e, {{"currency", "currency"}, {"default", "is_default"}, {"name", "name"}});
}

// The store names fields by their C++ spelling ("per_minute_sub"); the API by its own.
std::string_view rateField(std::string_view message) {
  static constexpr std::pair<std::string_view, std::string_view> kHints[] = {
      {"per_minute", "per_minute"},   {"connect", "connect_fee"},   {"initial", "initial_s"},
      {"subsequent", "subsequent_s"}, {"minimum", "minimum_s"},     {"effective", "effective_from"},
      {"prefix", "prefix"},           {"overlap", "effective_from"}};
  for (auto [phrase, field] : kHints)
    if (message.find(phrase) != std::string_view::npos) return field;
  return "prefix";
}

// Fields of one rate from strings (CSV cells or JSON strings); errors name the field.
struct RateText {
  std::string prefix, perMinute, connectFee, initialS, subsequentS, minimumS, from, to;
};

bool readU32(const std::string& s, std::uint32_t& out) {
  if (s.empty()) return true;  // keep the default
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<RateRecord> rateFromText(const RateText& t, Id deckId,
                                       std::vector<FieldError>& invalid) {
  RateRecord r;
  r.deckId = deckId;
  r.prefix = t.prefix;
  if (!r.prefix.empty() && r.prefix.front() == '+') r.prefix.erase(0, 1);
  std::string why;
  if (auto v = parseMajorAmount(t.perMinute, why))
    r.perMinuteSub = *v;
  else
    invalid.push_back({"per_minute", why});
  if (t.connectFee.empty()) {
    r.connectFeeSub = 0;
  } else if (auto v = parseMajorAmount(t.connectFee, why)) {
    r.connectFeeSub = *v;
  } else {
    invalid.push_back({"connect_fee", why});
  }
  if (!readU32(t.initialS, r.initialS)) invalid.push_back({"initial_s", "must be an integer"});
  if (!readU32(t.subsequentS, r.subsequentS))
    invalid.push_back({"subsequent_s", "must be an integer"});
  if (!readU32(t.minimumS, r.minimumS)) invalid.push_back({"minimum_s", "must be an integer"});
  if (!t.from.empty()) {
    if (auto ms = parseRfc3339(t.from))
      r.effectiveFromMs = *ms;
    else
      invalid.push_back({"effective_from", "must be an RFC 3339 date-time or empty"});
  }
  if (!t.to.empty()) {
    if (auto ms = parseRfc3339(t.to))
      r.effectiveToMs = *ms;
    else
      invalid.push_back({"effective_to", "must be an RFC 3339 date-time or empty"});
  }
  if (!invalid.empty()) return std::nullopt;
  if (auto v = storage::validateRate(r); !v) {
    invalid.push_back({std::string(rateField(v.error().message)), v.error().message});
    return std::nullopt;
  }
  return r;
}

std::optional<RateRecord> rateFromJson(const Json& body, Id deckId, HttpResponse& error) {
  std::vector<FieldError> unknown, invalid;
  rejectUnknown(body,
                {"prefix", "per_minute", "connect_fee", "initial_s", "subsequent_s", "minimum_s",
                 "effective_from", "effective_to"},
                unknown);
  FieldReader f(body, invalid);
  RateText t;
  f.str("prefix", t.prefix, true);
  f.str("per_minute", t.perMinute, true);
  f.str("connect_fee", t.connectFee);
  std::uint32_t n = 0;
  if (f.u32("initial_s", n, 1, 86'400)) t.initialS = std::to_string(n);
  if (f.u32("subsequent_s", n, 1, 86'400)) t.subsequentS = std::to_string(n);
  if (f.u32("minimum_s", n, 0, 86'400)) t.minimumS = std::to_string(n);
  for (auto key : {"effective_from", "effective_to"})
    if (body.contains(key) && !body[key].is_null())
      f.str(key, std::string(key) == "effective_from" ? t.from : t.to);
  std::optional<RateRecord> r;
  if (unknown.empty() && invalid.empty()) r = rateFromText(t, deckId, invalid);
  if (auto p = fieldProblems(unknown, invalid)) {
    error = *p;
    return std::nullopt;
  }
  return r;
}

// One CSV record of simple fields (RFC 4180 without quoting: a rate has no commas); CR
// before LF tolerated.
std::vector<std::string_view> splitCsvLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> cells;
  for (;;) {
    const auto c = line.find(',');
    auto cell = line.substr(0, c);
    while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
    while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
    cells.push_back(cell);
    if (c == std::string_view::npos) break;
    line.remove_prefix(c + 1);
  }
  return cells;
}

constexpr std::string_view kCsvColumns[] = {"prefix",         "per_minute",   "connect_fee",
                                            "initial_s",      "subsequent_s", "minimum_s",
                                            "effective_from", "effective_to"};
constexpr std::size_t kMaxCsvRows = 1'000'000;

// The whole body, all or nothing; an error names the (1-based) line of the file.
std::optional<std::vector<RateRecord>> ratesFromCsv(std::string_view body, Id deckId,
                                                    HttpResponse& error) {
  auto bad = [&](std::size_t line, std::string detail, std::vector<FieldError> errors = {}) {
    error =
        problem(Problem::Validation, fmt::format("line {}: {}", line, detail), std::move(errors));
    return std::nullopt;
  };
  std::vector<RateRecord> out;
  std::size_t lineNo = 0;
  bool header = false;
  while (!body.empty()) {
    const auto nl = body.find('\n');
    const auto line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    ++lineNo;
    const auto cells = splitCsvLine(line);
    if (cells.size() == 1 && cells[0].empty()) continue;  // blank line
    if (!header) {
      bool same = cells.size() == std::size(kCsvColumns);
      for (std::size_t i = 0; same && i < cells.size(); ++i) same = cells[i] == kCsvColumns[i];
      if (!same)
        return bad(lineNo,
                   "the first line must be the header "
                   "prefix,per_minute,connect_fee,initial_s,subsequent_s,minimum_s,"
                   "effective_from,effective_to");
      header = true;
      continue;
    }
    if (cells.size() != std::size(kCsvColumns))
      return bad(lineNo,
                 fmt::format("expected {} fields, found {}", std::size(kCsvColumns), cells.size()));
    if (out.size() == kMaxCsvRows)
      return bad(lineNo, fmt::format("more than {} rates in one import", kMaxCsvRows));
    RateText t{std::string(cells[0]), std::string(cells[1]), std::string(cells[2]),
               std::string(cells[3]), std::string(cells[4]), std::string(cells[5]),
               std::string(cells[6]), std::string(cells[7])};
    std::vector<FieldError> invalid;
    auto r = rateFromText(t, deckId, invalid);
    if (!r) {
      std::string what;
      for (const auto& e : invalid) what += (what.empty() ? "" : "; ") + e.field + " " + e.message;
      for (auto& e : invalid) e.field = fmt::format("line {}.{}", lineNo, e.field);
      return bad(lineNo, what, std::move(invalid));
    }
    r->id = static_cast<Id>(lineNo);  // remembered for the store's error; cleared below
    out.push_back(std::move(*r));
  }
  if (!header) return bad(1, "empty file: the header line is missing");
  return out;
}

bool isCsv(const Request& r) {
  const auto* ct = r.http.header("content-type");
  if (!ct) return false;
  auto t = std::string_view(*ct).substr(0, ct->find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return iequalsAscii(t, "text/csv");
}

}  // namespace

void registerBillingRoutes(Router& router, const CoreDeps& deps) {
  const CoreDeps* d = &deps;
  router.add("GET", "/v1/rate-decks", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    auto all = d->rates->listDecks();
    if (!all) return fromError(all.error());
    return page(std::move(*all), *q, [d](const RateDeckRecord& deck) {
      auto n = d->rates->countRates(deck.id);
      return deckJson(deck, n ? std::optional(*n) : std::nullopt);
    });
  });
  router.add("GET", "/v1/rate-decks/{id}", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such rate deck");
    auto deck = d->rates->getDeck(*id);
    if (!deck) return fromError(deck.error());
    auto n = d->rates->countRates(*id);
    return jsonResponse(200, deckJson(*deck, n ? std::optional(*n) : std::nullopt));
  });
  router.add("POST", "/v1/rate-decks", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    RateDeckRecord deck;
    if (auto p = applyDeck(*body, deck, std::nullopt)) return *p;
    auto id = d->rates->addDeck(deck);
    if (!id) return deckWriteError(id.error());
    auto stored = d->rates->getDeck(*id);
    if (!stored) return fromError(stored.error());
    return created("rate-decks", *id, deckJson(*stored, 0));
  });
  router.add("PATCH", "/v1/rate-decks/{id}", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such rate deck");
    HttpResponse err;
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto deck = d->rates->getDeck(*id);
    if (!deck) return fromError(deck.error());
    if (auto p = applyDeck(*body, *deck, *id)) return *p;
    if (auto u = d->rates->updateDeck(*deck); !u) return deckWriteError(u.error());
    auto stored = d->rates->getDeck(*id);
    if (!stored) return fromError(stored.error());
    auto n = d->rates->countRates(*id);
    return jsonResponse(200, deckJson(*stored, n ? std::optional(*n) : std::nullopt));
  });
  router.add("DELETE", "/v1/rate-decks/{id}", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such rate deck");
    if (auto g = d->rates->getDeck(*id); !g) return fromError(g.error());
    // The store refuses while an account or carrier uses the deck: a conflict.
    if (auto x = d->rates->removeDeck(*id); !x) {
      if (x.error().code == base::Errc::InvalidArgument)
        return problem(Problem::Conflict, x.error().message);
      return fromError(x.error());
    }
    return noContent();
  });
  router.add("GET", "/v1/rate-decks/{id}/rates", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such rate deck");
    HttpResponse err;
    auto q = pageQuery(r, err);
    if (!q) return err;
    if (auto g = d->rates->getDeck(*id); !g) return fromError(g.error());
    storage::RatePageQuery rq;
    rq.deckId = *id;
    rq.afterId = q->after;
    rq.limit = q->limit;
    if (auto p = r.http.queryParam("prefix")) {
      rq.prefix = *p;
      if (!rq.prefix.empty() && rq.prefix.front() == '+') rq.prefix.erase(0, 1);
      const bool digits =
          rq.prefix.size() <= 32 && std::all_of(rq.prefix.begin(), rq.prefix.end(),
                                                [](char c) { return c >= '0' && c <= '9'; });
      if (!digits)
        return problem(Problem::BadRequest, "bad query parameter 'prefix'",
                       {{"prefix", "must be up to 32 digits"}});
    }
    auto pg = d->rates->listRates(rq);
    if (!pg) return fromError(pg.error(), "cursor");
    Json items = Json::array();
    for (const auto& rate : pg->rates) items.push_back(rateJson(rate));
    Json body = {{"items", std::move(items)}, {"next_cursor", nullptr}};
    if (pg->nextCursor) body["next_cursor"] = std::to_string(*pg->nextCursor);
    return jsonResponse(200, body);
  });
  router.add("POST", "/v1/rate-decks/{id}/rates", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    auto id = pathId(r);
    if (!id) return problem(Problem::NotFound, "no such rate deck");
    if (auto g = d->rates->getDeck(*id); !g) return fromError(g.error());
    HttpResponse err;
    if (isCsv(r)) {
      bool replace = false;
      if (auto v = r.http.queryParam("replace")) {
        if (*v != "true" && *v != "false")
          return problem(Problem::BadRequest, "bad query parameter 'replace'",
                         {{"replace", "must be true or false"}});
        replace = *v == "true";
      }
      auto rates = ratesFromCsv(r.http.body, *id, err);
      if (!rates) return err;
      std::vector<std::size_t> lines;
      lines.reserve(rates->size());
      for (auto& rate : *rates) {
        lines.push_back(static_cast<std::size_t>(rate.id));
        rate.id = 0;
      }
      auto n = d->rates->importRates(*id, *rates, replace);
      if (!n) {
        // "rate 12: ..." names the entry's index; the client wants the file's line.
        const auto& m = n.error().message;
        std::size_t index = 0;
        if (m.rfind("rate ", 0) == 0) {
          auto [p, ec] = std::from_chars(m.data() + 5, m.data() + m.size(), index);
          if (ec == std::errc() && index < lines.size())
            return problem(Problem::Validation,
                           fmt::format("line {}: {}", lines[index], m.substr(p - m.data())),
                           {{fmt::format("line {}.{}", lines[index], rateField(m)), m}});
        }
        return fromError(n.error());
      }
      return jsonResponse(200, {{"imported", *n}, {"replaced", replace}});
    }
    auto body = parseObject(r.http.body, err);
    if (!body) return err;
    auto rate = rateFromJson(*body, *id, err);
    if (!rate) return err;
    auto rid = d->rates->addRate(*rate);
    if (!rid) return fromError(rid.error(), rateField(rid.error().message));
    rate->id = *rid;
    auto resp = jsonResponse(201, rateJson(*rate));
    resp.set("Location", fmt::format("/v1/rate-decks/{}/rates/{}", *id, *rid));
    return resp;
  });
  router.add("DELETE", "/v1/rate-decks/{id}/rates/{rate_id}", Access::Admin, [d](const Request& r) {
    if (!d->rates) return noRating();
    auto id = pathId(r);
    auto rid = pathId(r, "rate_id");
    if (!id || !rid) return problem(Problem::NotFound, "no such rate");
    if (auto x = d->rates->removeRate(*id, *rid); !x) return fromError(x.error());
    return noContent();
  });

  router.add("GET", "/v1/usage", Access::AnyKey, [d](const Request& r) {
    if (!d->rates) return noRating();
    std::vector<FieldError> invalid;
    storage::UsageQuery q;
    if (auto a = r.http.queryParam("account_id")) {
      Id n = 0;
      auto [p, ec] = std::from_chars(a->data(), a->data() + a->size(), n);
      if (ec != std::errc() || p != a->data() + a->size() || n < 1)
        invalid.push_back({"account_id", "must be an integer >= 1"});
      else
        q.accountId = n;
    }
    std::optional<std::int64_t> from, to;
    for (auto [name, out] : {std::pair{"from", &from}, {"to", &to}}) {
      auto v = r.http.queryParam(name);
      if (!v) {
        invalid.push_back({name, "is required (YYYY-MM-DD, UTC)"});
        continue;
      }
      *out = parseDate(*v);
      if (!*out) invalid.push_back({name, "must be a date YYYY-MM-DD (UTC)"});
    }
    if (invalid.empty()) {
      if (*to < *from)
        invalid.push_back({"to", "must not be before from"});
      else if ((*to - *from) / kMsPerDay + 1 > kMaxUsageDays)
        invalid.push_back({"to", fmt::format("at most {} days from 'from'", kMaxUsageDays)});
    }
    if (!invalid.empty())
      return problem(Problem::BadRequest, "bad query parameters", std::move(invalid));
    // Both days inclusive.
    q.fromMs = *from;
    q.toMs = *to + kMsPerDay;
    // An account key sees its own account only; naming another is refused like a
    // missing resource would be (no hint that it exists).
    const Principal& who = *r.principal;
    if (!who.admin()) {
      if (q.accountId && *q.accountId != who.accountId)
        return problem(Problem::Forbidden, "an account key sees only its own account's usage");
      q.accountId = who.accountId;
    }
    auto rows = d->rates->usage(q);
    if (!rows) return fromError(rows.error());
    Json items = Json::array();
    for (const auto& u : *rows) {
      const auto maybe = [](const std::string& c) { return c.empty() ? Json(nullptr) : Json(c); };
      Json asr = u.calls ? Json(static_cast<double>(u.answered) / static_cast<double>(u.calls))
                         : Json(nullptr);
      // ACD: mean talk time of answered calls, whole seconds rounded half up.
      Json acd =
          u.answered ? Json((u.talkMs + u.answered * 500) / (u.answered * 1000)) : Json(nullptr);
      items.push_back({{"account_id", u.accountId},
                       {"date", formatDate(u.dayStartMs)},
                       {"calls", u.calls},
                       {"answered", u.answered},
                       {"billable_s", u.billableS},
                       {"cost_minor", u.costMinor},
                       {"cost_currency", maybe(u.costCurrency)},
                       {"price_minor", u.priceMinor},
                       {"currency", maybe(u.priceCurrency)},
                       {"margin_minor", u.hasMargin ? Json(u.marginMinor) : Json(nullptr)},
                       {"asr", asr},
                       {"acd_s", acd}});
    }
    return jsonResponse(
        200, {{"from", formatDate(*from)}, {"to", formatDate(*to)}, {"items", std::move(items)}});
  });
}

}  // namespace trunkline::api::detail

namespace trunkline::api::detail {
namespace {

std::string_view deckFieldName(DeckOwner o) {
  return o == DeckOwner::Account ? "price_deck_id" : "cost_deck_id";
}

}  // namespace

std::optional<DeckField> takeDeckField(const CoreDeps& deps, DeckOwner owner, Json& body,
                                       HttpResponse& error) {
  DeckField f;
  const std::string name(deckFieldName(owner));
  if (!deps.rates || !body.contains(name)) return f;
  Json v = std::move(body[name]);
  body.erase(name);
  f.present = true;
  if (v.is_null()) return f;
  if (!v.is_number_integer() || v.get<std::int64_t>() < 1) {
    error =
        problem(Problem::Validation, "invalid field", {{name, "must be a rate deck id or null"}});
    return std::nullopt;
  }
  const auto want =
      owner == DeckOwner::Account ? storage::DeckKind::Price : storage::DeckKind::Cost;
  auto deck = deps.rates->getDeck(v.get<std::int64_t>());
  if (!deck) {
    if (deck.error().code != base::Errc::NotFound) {
      error = fromError(deck.error());
      return std::nullopt;
    }
    error = problem(Problem::Validation, "invalid field", {{name, "no such rate deck"}});
    return std::nullopt;
  }
  if (deck->kind != want) {
    error = problem(
        Problem::Validation, "invalid field",
        {{name, fmt::format("rate deck {} is a {} deck; this needs a {} deck", deck->id,
                            storage::deckKindName(deck->kind), storage::deckKindName(want))}});
    return std::nullopt;
  }
  f.deck = deck->id;
  return f;
}

std::optional<HttpResponse> storeDeckField(const CoreDeps& deps, DeckOwner owner, storage::Id id,
                                           const DeckField& f) {
  if (!deps.rates || !f.present) return std::nullopt;
  auto r = owner == DeckOwner::Account ? deps.rates->setAccountPriceDeck(id, f.deck)
                                       : deps.rates->setCarrierCostDeck(id, f.deck);
  if (!r) return fromError(r.error(), deckFieldName(owner));
  return std::nullopt;
}

Json withDeckField(const CoreDeps& deps, DeckOwner owner, Json j) {
  if (!deps.rates || !j.contains("id") || !j["id"].is_number_integer()) return j;
  const storage::Id id = j["id"].get<storage::Id>();
  auto d = owner == DeckOwner::Account ? deps.rates->accountPriceDeck(id)
                                       : deps.rates->carrierCostDeck(id);
  j[std::string(deckFieldName(owner))] = d && *d ? Json(**d) : Json(nullptr);
  return j;
}

}  // namespace trunkline::api::detail
