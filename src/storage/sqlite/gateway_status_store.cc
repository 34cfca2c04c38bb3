#include "storage/sqlite/runtime_stores.h"

namespace trunkline::storage::sqlite {

base::Result<void> SqliteGatewayStatusStore::replaceAll(std::string_view nodeId,
                                                        std::span<const GatewayStatus> rows) {
  auto txn = WriteTransaction::begin(db_);
  if (!txn) return tl::unexpected(txn.error());
  {
    auto q = stmts_.get("DELETE FROM gateway_status WHERE node_id = ?1");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(nodeId).run(); !r) return r;
  }
  for (const auto& g : rows) {
    auto q = stmts_.get(
        "INSERT INTO gateway_status (node_id, gateway_id, up, consecutive_failures, "
        "consecutive_successes, changes, last_change_ms, last_probe_code, last_probe_ms, "
        "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!q) return tl::unexpected(q.error());
    auto r = q->bindAll(nodeId, g.gatewayId, g.up ? 1 : 0,
                        static_cast<std::int64_t>(g.consecutiveFailures),
                        static_cast<std::int64_t>(g.consecutiveSuccesses),
                        static_cast<std::int64_t>(g.changes), g.lastChangeMs, g.lastProbeCode,
                        g.lastProbeMs, g.updatedMs)
                 .run();
    if (!r) return r;
  }
  return txn->commit();
}

base::Result<std::vector<GatewayStatusStore::Row>> SqliteGatewayStatusStore::list() {
  auto q = stmts_.get(
      "SELECT node_id, gateway_id, up, consecutive_failures, consecutive_successes, changes, "
      "last_change_ms, last_probe_code, last_probe_ms, updated_ms FROM gateway_status "
      "ORDER BY gateway_id, node_id");
  if (!q) return tl::unexpected(q.error());
  std::vector<Row> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    Row r;
    r.nodeId = q->text(0);
    r.status.gatewayId = q->i64(1);
    r.status.up = q->i64(2) != 0;
    r.status.consecutiveFailures = static_cast<std::uint32_t>(q->i64(3));
    r.status.consecutiveSuccesses = static_cast<std::uint32_t>(q->i64(4));
    r.status.changes = static_cast<std::uint64_t>(q->i64(5));
    r.status.lastChangeMs = q->i64(6);
    r.status.lastProbeCode = static_cast<int>(q->i64(7));
    r.status.lastProbeMs = q->i64(8);
    r.status.updatedMs = q->i64(9);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace trunkline::storage::sqlite
