#include "storage/sqlite/rate_store.h"

#include <algorithm>

#include <fmt/format.h>

#include "storage/validate.h"

namespace trunkline::storage {

using base::Errc;
using base::fail;

namespace {
// The bounds of billing/rate_deck.h (kMaxRateSub, kMaxPrefixDigits), repeated here so
// that storage refuses what a deck would refuse, without depending on billing/.
constexpr std::int64_t kMaxRateSub = 1'000'000'000LL * 10'000;
constexpr std::size_t kMaxPrefixDigits = 20;
constexpr std::uint32_t kMaxIncrementS = 86'400;
}  // namespace

std::string_view deckKindName(DeckKind k) {
  return k == DeckKind::Cost ? "cost" : "price";
}

std::optional<DeckKind> parseDeckKind(std::string_view s) {
  if (s == "cost") return DeckKind::Cost;
  if (s == "price") return DeckKind::Price;
  return std::nullopt;
}

base::Result<void> validateDeck(const RateDeckRecord& d) {
  if (auto r = validateName("rate deck", d.name); !r) return r;
  if (d.currency.size() != 3 || !std::all_of(d.currency.begin(), d.currency.end(),
                                             [](char c) { return c >= 'A' && c <= 'Z'; }))
    return fail(Errc::InvalidArgument,
                fmt::format("rate deck '{}': bad currency '{}': an ISO 4217 code such as USD",
                            d.name, d.currency));
  if (d.isDefault && d.kind != DeckKind::Price)
    return fail(Errc::InvalidArgument,
                fmt::format("rate deck '{}': only a price deck can be the default", d.name));
  return {};
}

base::Result<void> validateRate(const RateRecord& r) {
  if (r.prefix.size() > kMaxPrefixDigits ||
      !std::all_of(r.prefix.begin(), r.prefix.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return fail(Errc::InvalidArgument,
                fmt::format("bad prefix '{}': up to {} digits of an E.164 number, without '+'",
                            r.prefix, kMaxPrefixDigits));
  if (r.perMinuteSub < 0 || r.perMinuteSub > kMaxRateSub)
    return fail(Errc::InvalidArgument,
                fmt::format("per_minute_sub {} out of range 0..{}", r.perMinuteSub, kMaxRateSub));
  if (r.connectFeeSub < 0 || r.connectFeeSub > kMaxRateSub)
    return fail(Errc::InvalidArgument,
                fmt::format("connect_fee_sub {} out of range 0..{}", r.connectFeeSub, kMaxRateSub));
  if (r.initialS < 1 || r.initialS > kMaxIncrementS)
    return fail(Errc::InvalidArgument,
                fmt::format("initial_s {} out of range 1..{}", r.initialS, kMaxIncrementS));
  if (r.subsequentS < 1 || r.subsequentS > kMaxIncrementS)
    return fail(Errc::InvalidArgument,
                fmt::format("subsequent_s {} out of range 1..{}", r.subsequentS, kMaxIncrementS));
  if (r.minimumS > kMaxIncrementS)
    return fail(Errc::InvalidArgument,
                fmt::format("minimum_s {} out of range 0..{}", r.minimumS, kMaxIncrementS));
  if (r.effectiveFromMs < 0 || r.effectiveFromMs >= r.effectiveToMs)
    return fail(Errc::InvalidArgument,
                fmt::format("effective_from_ms {} must be >= 0 and before effective_to_ms {}",
                            r.effectiveFromMs, r.effectiveToMs));
  return {};
}

}  // namespace trunkline::storage

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

namespace {
constexpr std::string_view kDeckColumns =
    "SELECT id, name, currency, kind, is_default, fee_on_zero FROM rate_decks";
constexpr std::string_view kRateColumns =
    "SELECT id, deck_id, prefix, per_minute_sub, connect_fee_sub, initial_s, subsequent_s, "
    "minimum_s, effective_from_ms, effective_to_ms FROM rates";

RateRecord readRate(const Query& q) {
  RateRecord r;
  r.id = q.i64(0);
  r.deckId = q.i64(1);
  r.prefix = q.text(2);
  r.perMinuteSub = q.i64(3);
  r.connectFeeSub = q.i64(4);
  r.initialS = static_cast<std::uint32_t>(q.i64(5));
  r.subsequentS = static_cast<std::uint32_t>(q.i64(6));
  r.minimumS = static_cast<std::uint32_t>(q.i64(7));
  r.effectiveFromMs = q.i64(8);
  r.effectiveToMs = q.i64(9);
  return r;
}

}  // namespace

base::Result<std::vector<RateDeckRecord>> SqliteRateStore::selectDecks(
    std::string_view sql, std::optional<std::int64_t> iarg, std::string_view sarg) {
  auto q = stmts_.get(sql);
  if (!q) return tl::unexpected(q.error());
  if (iarg) q->bind(1, *iarg);
  if (!sarg.empty()) q->bind(1, sarg);
  std::vector<RateDeckRecord> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    RateDeckRecord d;
    d.id = q->i64(0);
    d.name = q->text(1);
    d.currency = q->text(2);
    d.kind = q->i64(3) == 0 ? DeckKind::Cost : DeckKind::Price;
    d.isDefault = q->i64(4) != 0;
    d.chargeFeeOnZeroDuration = q->i64(5) != 0;
    out.push_back(std::move(d));
  }
  return out;
}

base::Result<RateDeckRecord> SqliteRateStore::getDeck(Id id) {
  auto v = selectDecks(fmt::format("{} WHERE id = ?1", kDeckColumns), id);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("rate deck {} not found", id));
  return std::move(v->front());
}

base::Result<RateDeckRecord> SqliteRateStore::findDeck(std::string_view name) {
  if (name.empty()) return fail(Errc::NotFound, "rate deck '' not found");
  auto v = selectDecks(fmt::format("{} WHERE name = ?1", kDeckColumns), std::nullopt, name);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("rate deck '{}' not found", name));
  return std::move(v->front());
}

base::Result<std::vector<RateDeckRecord>> SqliteRateStore::listDecks() {
  return selectDecks(fmt::format("{} ORDER BY name", kDeckColumns), std::nullopt);
}

base::Result<std::size_t> SqliteRateStore::countRates(Id deckId) {
  auto q = stmts_.get("SELECT count(*) FROM rates WHERE deck_id = ?1");
  if (!q) return tl::unexpected(q.error());
  q->bind(1, deckId);
  auto row = q->step();
  if (!row) return tl::unexpected(row.error());
  return static_cast<std::size_t>(q->i64(0));
}

base::Result<void> SqliteRateStore::clearOtherDefault(Id keep) {
  auto q = stmts_.get("UPDATE rate_decks SET is_default = 0 WHERE is_default = 1 AND id <> ?1");
  if (!q) return tl::unexpected(q.error());
  return q->bind(1, keep).run();
}

base::Result<Id> SqliteRateStore::addDeck(RateDeckRecord d) {
  if (auto r = validateDeck(d); !r) return tl::unexpected(r.error());
  return write([&]() -> base::Result<Id> {
    if (findDeck(d.name))
      return fail(Errc::AlreadyExists, fmt::format("rate deck '{}' already exists", d.name));
    if (d.isDefault)
      if (auto r = clearOtherDefault(0); !r) return tl::unexpected(r.error());
    auto q = stmts_.get(
        "INSERT INTO rate_decks (name, currency, kind, is_default, fee_on_zero) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(d.name, d.currency, static_cast<int>(d.kind), d.isDefault ? 1 : 0,
                            d.chargeFeeOnZeroDuration ? 1 : 0)
                     .run();
        !r)
      return tl::unexpected(r.error());
    return sqlite3_last_insert_rowid(db_.handle());
  });
}

base::Result<void> SqliteRateStore::updateDeck(RateDeckRecord d) {
  if (auto r = validateDeck(d); !r) return r;
  return write([&]() -> base::Result<void> {
    auto old = getDeck(d.id);
    if (!old) return tl::unexpected(old.error());
    if (d.kind != old->kind)
      return fail(Errc::InvalidArgument,
                  fmt::format("rate deck '{}': the kind cannot change; add a new deck", old->name));
    if (auto other = findDeck(d.name); other && other->id != d.id)
      return fail(Errc::AlreadyExists, fmt::format("rate deck '{}' already exists", d.name));
    if (d.currency != old->currency) {
      auto n = countRates(d.id);
      if (!n) return tl::unexpected(n.error());
      if (*n > 0)
        return fail(Errc::InvalidArgument,
                    fmt::format("rate deck '{}': the currency cannot change while it has rates",
                                old->name));
    }
    if (d.isDefault)
      if (auto r = clearOtherDefault(d.id); !r) return r;
    auto q = stmts_.get(
        "UPDATE rate_decks SET name = ?2, currency = ?3, is_default = ?4, fee_on_zero = ?5 "
        "WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    return q
        ->bindAll(d.id, d.name, d.currency, d.isDefault ? 1 : 0, d.chargeFeeOnZeroDuration ? 1 : 0)
        .run();
  });
}

base::Result<void> SqliteRateStore::removeDeck(Id id) {
  return write([&]() -> base::Result<void> {
    auto d = getDeck(id);
    if (!d) return tl::unexpected(d.error());
    for (auto [sql, what] :
         {std::pair{"SELECT name FROM accounts WHERE price_deck_id = ?1 LIMIT 1", "account"},
          {"SELECT name FROM carriers WHERE cost_deck_id = ?1 LIMIT 1", "carrier"}}) {
      auto q = stmts_.get(sql);
      if (!q) return tl::unexpected(q.error());
      q->bind(1, id);
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (*row)
        return fail(Errc::InvalidArgument,
                    fmt::format("rate deck '{}' is used by {} '{}'; assign another deck first",
                                d->name, what, q->text(0)));
    }
    auto q = stmts_.get("DELETE FROM rate_decks WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    return q->bind(1, id).run();
  });
}

base::Result<Id> SqliteRateStore::insertRate(const RateRecord& r) {
  {
    // Two entries of one prefix may not be in effect at the same instant (periods are
    // half-open: one ending at T and one starting at T do not overlap).
    auto q = stmts_.get(
        "SELECT id FROM rates WHERE deck_id = ?1 AND prefix = ?2 AND effective_from_ms < ?4 "
        "AND effective_to_ms > ?3 LIMIT 1");
    if (!q) return tl::unexpected(q.error());
    q->bindAll(r.deckId, r.prefix, r.effectiveFromMs, r.effectiveToMs);
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (*row)
      return fail(Errc::InvalidArgument,
                  fmt::format("prefix '{}': the effective period overlaps rate {} of the deck",
                              r.prefix, q->i64(0)));
  }
  auto q = stmts_.get(
      "INSERT INTO rates (deck_id, prefix, per_minute_sub, connect_fee_sub, initial_s, "
      "subsequent_s, minimum_s, effective_from_ms, effective_to_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!q) return tl::unexpected(q.error());
  if (auto x = q->bindAll(r.deckId, r.prefix, r.perMinuteSub, r.connectFeeSub, r.initialS,
                          r.subsequentS, r.minimumS, r.effectiveFromMs, r.effectiveToMs)
                   .run();
      !x)
    return tl::unexpected(x.error());
  return sqlite3_last_insert_rowid(db_.handle());
}

base::Result<Id> SqliteRateStore::addRate(RateRecord r) {
  if (auto v = validateRate(r); !v) return tl::unexpected(v.error());
  return write([&]() -> base::Result<Id> {
    if (auto d = getDeck(r.deckId); !d) return tl::unexpected(d.error());
    return insertRate(r);
  });
}

base::Result<std::size_t> SqliteRateStore::importRates(Id deckId, std::span<const RateRecord> rates,
                                                       bool replace) {
  for (std::size_t i = 0; i < rates.size(); ++i)
    if (auto v = validateRate(rates[i]); !v)
      return fail(Errc::InvalidArgument, fmt::format("rate {}: {}", i, v.error().message));
  return write([&]() -> base::Result<std::size_t> {
    if (auto d = getDeck(deckId); !d) return tl::unexpected(d.error());
    if (replace) {
      auto q = stmts_.get("DELETE FROM rates WHERE deck_id = ?1");
      if (!q) return tl::unexpected(q.error());
      if (auto r = q->bind(1, deckId).run(); !r) return tl::unexpected(r.error());
    }
    for (std::size_t i = 0; i < rates.size(); ++i) {
      RateRecord r = rates[i];
      r.deckId = deckId;
      if (auto id = insertRate(r); !id)
        return fail(id.error().code, fmt::format("rate {}: {}", i, id.error().message));
    }
    return rates.size();
  });
}

base::Result<void> SqliteRateStore::removeRate(Id deckId, Id rateId) {
  return write([&]() -> base::Result<void> {
    auto q = stmts_.get("DELETE FROM rates WHERE id = ?1 AND deck_id = ?2");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(rateId, deckId).run(); !r) return r;
    if (sqlite3_changes(db_.handle()) == 0)
      return fail(Errc::NotFound, fmt::format("rate {} not found in rate deck {}", rateId, deckId));
    return {};
  });
}

base::Result<RatePage> SqliteRateStore::listRates(const RatePageQuery& rq) {
  if (rq.limit == 0 || rq.limit > 1000)
    return fail(Errc::InvalidArgument, "rate page size must be 1-1000");
  // A prefix filter is a range on the (deck_id, prefix) index: [p, p + 0x7f).
  const bool byPrefix = !rq.prefix.empty();
  std::string sql = fmt::format("{} WHERE deck_id = ?1 AND id > ?2", kRateColumns);
  if (byPrefix) sql += " AND prefix >= ?3 AND prefix < ?4";
  sql += " ORDER BY id LIMIT ?5";
  auto q = stmts_.get(sql);
  if (!q) return tl::unexpected(q.error());
  q->bindAll(rq.deckId, rq.afterId);
  const std::string upper = rq.prefix + '\x7f';
  if (byPrefix) q->bind(3, std::string_view(rq.prefix)).bind(4, std::string_view(upper));
  q->bind(5, static_cast<std::int64_t>(rq.limit + 1));
  RatePage page;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    if (page.rates.size() == rq.limit) {
      page.nextCursor = page.rates.back().id;
      break;
    }
    page.rates.push_back(readRate(*q));
  }
  return page;
}

base::Result<void> SqliteRateStore::assign(std::string_view table, std::string_view column,
                                           std::string_view entity, DeckKind kind, Id ownerId,
                                           std::optional<Id> deckId) {
  return write([&]() -> base::Result<void> {
    if (deckId) {
      auto d = getDeck(*deckId);
      if (!d) return tl::unexpected(d.error());
      if (d->kind != kind)
        return fail(Errc::InvalidArgument,
                    fmt::format("rate deck '{}' is a {} deck; a {} needs a {} deck", d->name,
                                deckKindName(d->kind), entity, deckKindName(kind)));
    }
    // `table` and `column` are constants of ours, never user input.
    auto q = stmts_.get(fmt::format("UPDATE {} SET {} = ?2 WHERE id = ?1", table, column));
    if (!q) return tl::unexpected(q.error());
    q->bind(1, ownerId);
    if (deckId)
      q->bind(2, *deckId);
    else
      q->bindNull(2);
    if (auto r = q->run(); !r) return r;
    if (sqlite3_changes(db_.handle()) == 0)
      return fail(Errc::NotFound, fmt::format("{} {} not found", entity, ownerId));
    return {};
  });
}

base::Result<std::optional<Id>> SqliteRateStore::assigned(std::string_view table,
                                                          std::string_view column,
                                                          std::string_view entity, Id ownerId) {
  auto q = stmts_.get(fmt::format("SELECT {} FROM {} WHERE id = ?1", column, table));
  if (!q) return tl::unexpected(q.error());
  q->bind(1, ownerId);
  auto row = q->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return fail(Errc::NotFound, fmt::format("{} {} not found", entity, ownerId));
  if (q->isNull(0)) return std::optional<Id>{};
  return std::optional<Id>{q->i64(0)};
}

base::Result<void> SqliteRateStore::setAccountPriceDeck(Id accountId, std::optional<Id> deckId) {
  return assign("accounts", "price_deck_id", "account", DeckKind::Price, accountId, deckId);
}
base::Result<void> SqliteRateStore::setCarrierCostDeck(Id carrierId, std::optional<Id> deckId) {
  return assign("carriers", "cost_deck_id", "carrier", DeckKind::Cost, carrierId, deckId);
}
base::Result<std::optional<Id>> SqliteRateStore::accountPriceDeck(Id accountId) {
  return assigned("accounts", "price_deck_id", "account", accountId);
}
base::Result<std::optional<Id>> SqliteRateStore::carrierCostDeck(Id carrierId) {
  return assigned("carriers", "cost_deck_id", "carrier", carrierId);
}

base::Result<std::int64_t> SqliteRateStore::ratingVersion() {
  auto q = stmts_.get("SELECT version FROM rating_version WHERE id = 1");
  if (!q) return tl::unexpected(q.error());
  auto row = q->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return fail(Errc::Io, "rating_version row missing");
  return q->i64(0);
}

base::Result<RatingData> SqliteRateStore::loadRating() {
  ReadTransaction txn(db_);
  RatingData d;
  auto v = ratingVersion();
  if (!v) return tl::unexpected(v.error());
  d.version = *v;
  auto decks = listDecks();
  if (!decks) return tl::unexpected(decks.error());
  d.decks = std::move(*decks);
  {
    auto n = stmts_.get("SELECT count(*) FROM rates");
    if (!n) return tl::unexpected(n.error());
    if (auto row = n->step(); row && *row) d.rates.reserve(static_cast<std::size_t>(n->i64(0)));
  }
  {
    auto q = stmts_.get(fmt::format("{} ORDER BY deck_id", kRateColumns));
    if (!q) return tl::unexpected(q.error());
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      d.rates.push_back(readRate(*q));
    }
  }
  for (auto [sql, map] :
       {std::pair{"SELECT id, price_deck_id FROM accounts WHERE price_deck_id IS NOT NULL",
                  &d.accountPriceDeck},
        {"SELECT id, cost_deck_id FROM carriers WHERE cost_deck_id IS NOT NULL",
         &d.carrierCostDeck}}) {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      (*map)[q->i64(0)] = q->i64(1);
    }
  }
  return d;
}

// Grouped by account and UTC day (start_ms / 86,400,000: ms since the epoch have no leap
// seconds) and by currencies, so amounts of different currencies are never added up.
std::string usageSql(bool byAccount) {
  return fmt::format(
      "SELECT account_id, start_ms / 86400000, price_currency, cost_currency, COUNT(*), "
      "SUM(answer_ms > 0), SUM(billable_s), SUM(CASE WHEN answer_ms > 0 THEN duration_ms "
      "ELSE 0 END), SUM(cost_minor), SUM(price_minor), SUM(margin_minor), "
      "COUNT(margin_minor) FROM cdrs WHERE {}start_ms >= ?2 AND start_ms < ?3 "
      "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
      byAccount ? "account_id = ?1 AND " : "");
}

base::Result<std::vector<UsageDay>> SqliteRateStore::usage(const UsageQuery& uq) {
  if (uq.toMs <= uq.fromMs) return fail(Errc::InvalidArgument, "usage period is empty");
  auto q = stmts_.get(usageSql(uq.accountId.has_value()));
  if (!q) return tl::unexpected(q.error());
  if (uq.accountId) q->bind(1, *uq.accountId);
  q->bind(2, uq.fromMs).bind(3, uq.toMs);
  std::vector<UsageDay> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    UsageDay d;
    d.accountId = q->i64(0);
    d.dayStartMs = q->i64(1) * 86'400'000;
    d.priceCurrency = q->text(2);
    d.costCurrency = q->text(3);
    d.calls = q->i64(4);
    d.answered = q->i64(5);
    d.billableS = q->i64(6);
    d.talkMs = q->i64(7);
    d.costMinor = q->i64(8);
    d.priceMinor = q->i64(9);
    d.marginMinor = q->i64(10);
    d.hasMargin = q->i64(11) > 0;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace trunkline::storage::sqlite
