#include <fmt/format.h>

#include "storage/sqlite/runtime_stores.h"

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

base::Result<void> SqliteRegistrationStore::upsert(const Registration& r) {
  auto q = stmts_.get(
      "INSERT INTO registrations (trunk_id, aor, contact, received, connection_id, call_id, "
      "cseq, expires_at_ms, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT (trunk_id, aor, contact) DO UPDATE SET received = excluded.received, "
      "connection_id = excluded.connection_id, call_id = excluded.call_id, cseq = excluded.cseq, "
      "expires_at_ms = excluded.expires_at_ms, user_agent = excluded.user_agent");
  if (!q) return tl::unexpected(q.error());
  auto res =
      q->bindAll(r.trunkId, r.aor, r.contact, r.received, static_cast<std::int64_t>(r.connectionId),
                 r.callId, r.cseq, r.expiresAtMs, r.userAgent)
          .run();
  if (!res && res.error().code == Errc::InvalidArgument)
    return fail(Errc::NotFound, fmt::format("trunk {} not found", r.trunkId));
  return res;
}

base::Result<void> SqliteRegistrationStore::remove(Id trunkId, std::string_view aor,
                                                   std::string_view contact) {
  auto q =
      stmts_.get("DELETE FROM registrations WHERE trunk_id = ?1 AND aor = ?2 AND contact = ?3");
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bindAll(trunkId, aor, contact).run(); !r) return r;
  if (sqlite3_changes(db_.handle()) == 0)
    return fail(Errc::NotFound,
                fmt::format("no binding of {} to {} on trunk {}", aor, contact, trunkId));
  return {};
}

base::Result<std::vector<Registration>> SqliteRegistrationStore::list(std::optional<Id> trunkId) {
  auto q = stmts_.get(
      "SELECT trunk_id, aor, contact, received, connection_id, call_id, cseq, expires_at_ms, "
      "user_agent FROM registrations WHERE ?1 IS NULL OR trunk_id = ?1 "
      "ORDER BY trunk_id, aor, contact");
  if (!q) return tl::unexpected(q.error());
  if (trunkId) q->bind(1, *trunkId);
  std::vector<Registration> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    Registration r;
    r.trunkId = q->i64(0);
    r.aor = q->text(1);
    r.contact = q->text(2);
    r.received = q->text(3);
    r.connectionId = static_cast<std::uint64_t>(q->i64(4));
    r.callId = q->text(5);
    r.cseq = static_cast<std::uint32_t>(q->i64(6));
    r.expiresAtMs = q->i64(7);
    r.userAgent = q->text(8);
    out.push_back(std::move(r));
  }
  return out;
}

base::Result<std::size_t> SqliteRegistrationStore::expire(std::int64_t nowMs) {
  auto q = stmts_.get("DELETE FROM registrations WHERE expires_at_ms <= ?1");
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bind(1, nowMs).run(); !r) return tl::unexpected(r.error());
  return static_cast<std::size_t>(sqlite3_changes(db_.handle()));
}

}  // namespace trunkline::storage::sqlite
