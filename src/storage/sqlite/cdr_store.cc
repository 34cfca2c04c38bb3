#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "storage/sqlite/runtime_stores.h"

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

namespace {
constexpr std::string_view kCdrColumns =
    "id, call_uuid, account_id, trunk_id, number_id, direction, source_address, from_raw, "
    "to_raw, from_e164, to_e164, start_ms, ring_ms, answer_ms, end_ms, duration_ms, billable_s, "
    "disposition, final_code, final_reason, hangup_by, media_anchored, caller_rtp_packets, "
    "caller_rtp_lost, caller_jitter_us, caller_mos_x100, callee_rtp_packets, callee_rtp_lost, "
    "callee_jitter_us, callee_mos_x100, quality_flags, rated, cost_unrated, price_unrated, "
    "cost_minor, price_minor, margin_minor, cost_currency, price_currency, cost_rate_id, "
    "price_rate_id, cost_prefix, price_prefix, cost_billed_s, price_billed_s";
constexpr std::size_t kMaxPage = 1000;
}  // namespace

base::Result<std::size_t> SqliteCdrStore::insertBatch(std::span<const Cdr> cdrs) {
  auto txn = WriteTransaction::begin(db_);
  if (!txn) return tl::unexpected(txn.error());
  std::size_t inserted = 0;
  for (const auto& c : cdrs) {
    {
      auto q = stmts_.get(
          "INSERT INTO cdrs (call_uuid, account_id, trunk_id, number_id, direction, "
          "source_address, from_raw, to_raw, from_e164, to_e164, start_ms, ring_ms, answer_ms, "
          "end_ms, duration_ms, billable_s, disposition, final_code, final_reason, hangup_by, "
          "media_anchored, caller_rtp_packets, caller_rtp_lost, caller_jitter_us, "
          "caller_mos_x100, callee_rtp_packets, callee_rtp_lost, callee_jitter_us, "
          "callee_mos_x100, quality_flags) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
          "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30) "
          "ON CONFLICT DO NOTHING");
      if (!q) return tl::unexpected(q.error());
      q->bindAll(c.callUuid, c.accountId, c.trunkId, c.numberId, static_cast<int>(c.direction),
                 c.sourceAddress, c.fromRaw, c.toRaw, c.fromE164, c.toE164, c.startMs, c.ringMs,
                 c.answerMs, c.endMs, c.durationMs, c.billableS, static_cast<int>(c.disposition),
                 c.finalCode, c.finalReason, static_cast<int>(c.hangupBy), c.media.anchored ? 1 : 0,
                 static_cast<std::int64_t>(c.media.fromCaller.packets), c.media.fromCaller.lost,
                 static_cast<std::int64_t>(c.media.fromCaller.jitterUs),
                 static_cast<std::int64_t>(c.media.fromCaller.mosX100),
                 static_cast<std::int64_t>(c.media.fromCallee.packets), c.media.fromCallee.lost,
                 static_cast<std::int64_t>(c.media.fromCallee.jitterUs),
                 static_cast<std::int64_t>(c.media.fromCallee.mosX100),
                 static_cast<std::int64_t>(c.media.flags));
      if (auto r = q->run(); !r)
        return fail(r.error().code, fmt::format("CDR {}: {}", c.callUuid, r.error().message));
    }
    if (sqlite3_changes(db_.handle()) == 0) continue;  // already stored (replay)
    ++inserted;
    const Id id = sqlite3_last_insert_rowid(db_.handle());
    if (c.rating.attempted) {
      // The rating (migration 7), in the same transaction as the record.
      const auto& g = c.rating;
      auto q = stmts_.get(
          "UPDATE cdrs SET rated = 1, cost_unrated = ?2, price_unrated = ?3, cost_minor = ?4, "
          "price_minor = ?5, margin_minor = ?6, cost_currency = ?7, price_currency = ?8, "
          "cost_rate_id = ?9, price_rate_id = ?10, cost_prefix = ?11, price_prefix = ?12, "
          "cost_billed_s = ?13, price_billed_s = ?14 WHERE id = ?1");
      if (!q) return tl::unexpected(q.error());
      q->bindAll(id, g.costUnrated, g.priceUnrated, g.costMinor, g.priceMinor, nullptr,
                 g.costCurrency, g.priceCurrency, g.costRateId, g.priceRateId, g.costPrefix,
                 g.pricePrefix, static_cast<std::int64_t>(g.costBilledS),
                 static_cast<std::int64_t>(g.priceBilledS));
      if (g.marginMinor) q->bind(6, *g.marginMinor);
      if (auto r = q->run(); !r) return tl::unexpected(r.error());
    }
    int seq = 0;
    for (const auto& a : c.attempts) {
      auto q = stmts_.get(
          "INSERT INTO cdr_attempts (cdr_id, seq, carrier_id, trunk_id, target, sip_code, "
          "reason, start_ms, end_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      if (!q) return tl::unexpected(q.error());
      auto r = q->bindAll(id, seq++, a.carrierId, a.trunkId, a.target, a.sipCode, a.reason,
                          a.startMs, a.endMs)
                   .run();
      if (!r) return tl::unexpected(r.error());
    }
  }
  if (auto r = txn->commit(); !r) return tl::unexpected(r.error());
  return inserted;
}

base::Result<CdrPage> SqliteCdrStore::query(const CdrQuery& cq) {
  if (cq.limit == 0 || cq.limit > kMaxPage)
    return fail(Errc::InvalidArgument, fmt::format("CDR page size must be 1-{}", kMaxPage));
  // Pages come in (start_ms, id) order: each filter's (..., start_ms) index then yields the
  // rows already sorted and LIMIT ends the walk after one page. In id order SQLite had to
  // read and sort every row of the time range for each page (seconds for a year of a large
  // account at a million rows; bench/api). The cursor stays the last row's id; its start_ms
  // is looked up under the same account filter, so a key cannot probe another account's
  // records through a cursor. The statement text depends only on which filters are present
  // (never on their values): at most 8 shapes, each prepared once.
  CdrPage page;
  ReadTransaction txn(db_);
  std::int64_t cursorStart = INT64_MIN;
  if (cq.afterId > 0) {
    auto q = stmts_.get(cq.accountId ? "SELECT start_ms FROM cdrs WHERE id = ?1 AND account_id = ?2"
                                     : "SELECT start_ms FROM cdrs WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, cq.afterId);
    if (cq.accountId) q->bind(2, *cq.accountId);
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return fail(Errc::InvalidArgument, "unknown cursor: not a record of this listing");
    cursorStart = q->i64(0);
  }
  std::string sql = fmt::format(
      "SELECT {} FROM cdrs WHERE start_ms >= ?2 AND start_ms < ?3 AND (start_ms > ?8 OR id > ?1)",
      kCdrColumns);
  if (cq.accountId) sql += " AND account_id = ?4";
  if (cq.trunkId) sql += " AND trunk_id = ?5";
  if (cq.disposition) sql += " AND disposition = ?6";
  // Either side's number: SQLite walks both (number, start_ms) indexes and merges.
  if (!cq.number.empty()) sql += " AND (from_e164 = ?9 OR to_e164 = ?9)";
  sql += " ORDER BY start_ms, id LIMIT ?7";
  {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    // The lower bound includes the cursor's start so the index range starts there.
    q->bindAll(cq.afterId, std::max(cq.fromMs, cursorStart), cq.toMs);
    if (cq.accountId) q->bind(4, *cq.accountId);
    if (cq.trunkId) q->bind(5, *cq.trunkId);
    if (cq.disposition) q->bind(6, static_cast<std::int64_t>(*cq.disposition));
    q->bind(7, static_cast<std::int64_t>(cq.limit + 1));
    q->bind(8, cursorStart);
    if (!cq.number.empty()) q->bind(9, cq.number);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      if (page.cdrs.size() == cq.limit) {
        page.nextCursor = page.cdrs.back().id;
        break;
      }
      Cdr c;
      int i = 0;
      c.id = q->i64(i++);
      c.callUuid = q->text(i++);
      c.accountId = q->i64(i++);
      c.trunkId = q->i64(i++);
      c.numberId = q->i64(i++);
      c.direction = static_cast<Direction>(q->i64(i++));
      c.sourceAddress = q->text(i++);
      c.fromRaw = q->text(i++);
      c.toRaw = q->text(i++);
      c.fromE164 = q->text(i++);
      c.toE164 = q->text(i++);
      c.startMs = q->i64(i++);
      c.ringMs = q->i64(i++);
      c.answerMs = q->i64(i++);
      c.endMs = q->i64(i++);
      c.durationMs = q->i64(i++);
      c.billableS = static_cast<std::uint32_t>(q->i64(i++));
      c.disposition = static_cast<Disposition>(q->i64(i++));
      c.finalCode = static_cast<int>(q->i64(i++));
      c.finalReason = q->text(i++);
      c.hangupBy = static_cast<HangupBy>(q->i64(i++));
      c.media.anchored = q->i64(i++) != 0;
      for (auto* s : {&c.media.fromCaller, &c.media.fromCallee}) {
        s->packets = static_cast<std::uint64_t>(q->i64(i++));
        s->lost = q->i64(i++);
        s->jitterUs = static_cast<std::uint32_t>(q->i64(i++));
        s->mosX100 = static_cast<std::uint16_t>(q->i64(i++));
      }
      c.media.flags = static_cast<std::uint8_t>(q->i64(i++));
      auto& g = c.rating;
      g.attempted = q->i64(i++) != 0;
      g.costUnrated = q->text(i++);
      g.priceUnrated = q->text(i++);
      g.costMinor = q->i64(i++);
      g.priceMinor = q->i64(i++);
      if (!q->isNull(i)) g.marginMinor = q->i64(i);
      ++i;
      g.costCurrency = q->text(i++);
      g.priceCurrency = q->text(i++);
      g.costRateId = q->i64(i++);
      g.priceRateId = q->i64(i++);
      g.costPrefix = q->text(i++);
      g.pricePrefix = q->text(i++);
      g.costBilledS = static_cast<std::uint64_t>(q->i64(i++));
      g.priceBilledS = static_cast<std::uint64_t>(q->i64(i++));
      page.cdrs.push_back(std::move(c));
    }
  }
  for (auto& c : page.cdrs) {
    auto q = stmts_.get(
        "SELECT carrier_id, trunk_id, target, sip_code, reason, start_ms, end_ms "
        "FROM cdr_attempts WHERE cdr_id = ?1 ORDER BY seq");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, c.id);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      c.attempts.push_back({q->i64(0), q->i64(1), q->text(2), static_cast<int>(q->i64(3)),
                            q->text(4), q->i64(5), q->i64(6)});
    }
  }
  return page;
}

}  // namespace trunkline::storage::sqlite
