// Numbers (DIDs) and their ordered backup destinations.
#include <fmt/format.h>

#include "storage/sqlite/config_store.h"
#include "storage/validate.h"

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

namespace {
constexpr std::string_view kNumberByE164 =
    "SELECT id, e164, account_id, trunk_id, ring_timeout_s FROM numbers WHERE e164 = ?2";
constexpr std::string_view kNumberById =
    "SELECT id, e164, account_id, trunk_id, ring_timeout_s FROM numbers WHERE id = ?1";
constexpr std::string_view kNumbersOfAccount =
    "SELECT id, e164, account_id, trunk_id, ring_timeout_s FROM numbers WHERE account_id = ?1 "
    "ORDER BY e164";
constexpr std::string_view kAllNumbers =
    "SELECT id, e164, account_id, trunk_id, ring_timeout_s FROM numbers ORDER BY e164";
}  // namespace

base::Result<std::vector<Number>> SqliteConfigStore::selectNumbers(std::string_view sql,
                                                                   std::optional<std::int64_t> iarg,
                                                                   std::string_view sarg) {
  std::vector<Number> out;
  {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    if (iarg) q->bind(1, *iarg);
    if (!sarg.empty()) q->bind(2, sarg);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      Number n;
      n.id = q->i64(0);
      n.e164 = q->text(1);
      n.accountId = q->i64(2);
      n.trunkId = q->i64(3);
      n.ringTimeoutS = static_cast<std::uint32_t>(q->i64(4));
      out.push_back(std::move(n));
    }
  }
  for (auto& n : out) {
    auto q = stmts_.get(
        "SELECT kind, trunk_id, number FROM number_backups WHERE number_id = ?1 "
        "ORDER BY position");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, n.id);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      BackupDestination b;
      b.kind = q->i64(0) == 0 ? BackupDestination::Kind::Trunk : BackupDestination::Kind::External;
      b.trunkId = q->isNull(1) ? 0 : q->i64(1);
      b.number = q->text(2);
      n.backups.push_back(std::move(b));
    }
  }
  return out;
}

base::Result<void> SqliteConfigStore::checkNumberRefs(const Number& n) {
  auto account = accountName(n.accountId);
  if (!account) return tl::unexpected(account.error());
  auto trunk = getTrunk(n.trunkId);
  if (!trunk) return tl::unexpected(trunk.error());
  if (trunk->accountId != n.accountId)
    return fail(Errc::InvalidArgument,
                fmt::format("number {}: trunk '{}' does not belong to account '{}'", n.e164,
                            trunk->name, *account));
  for (const auto& b : n.backups) {
    if (b.kind != BackupDestination::Kind::Trunk) continue;
    auto bt = getTrunk(b.trunkId);
    if (!bt)
      return fail(Errc::NotFound, fmt::format("number {}: backup {}", n.e164, bt.error().message));
    if (bt->accountId != n.accountId)
      return fail(Errc::InvalidArgument,
                  fmt::format("number {}: backup trunk '{}' does not belong to account '{}'",
                              n.e164, bt->name, *account));
    if (bt->id == n.trunkId)
      return fail(
          Errc::InvalidArgument,
          fmt::format("number {}: backup trunk '{}' is the number's own trunk", n.e164, bt->name));
  }
  if (auto other = findNumber(n.e164); other && other->id != n.id) {
    auto owner = accountName(other->accountId);
    return fail(Errc::AlreadyExists,
                fmt::format("number {} already exists (account '{}')", n.e164,
                            owner ? *owner : std::to_string(other->accountId)));
  }
  return {};
}

base::Result<void> SqliteConfigStore::writeNumberChildren(const Number& n) {
  {
    auto q = stmts_.get("DELETE FROM number_backups WHERE number_id = ?1");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bind(1, n.id).run(); !r) return r;
  }
  int position = 0;
  for (const auto& b : n.backups) {
    auto q = stmts_.get(
        "INSERT INTO number_backups (number_id, position, kind, trunk_id, number) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!q) return tl::unexpected(q.error());
    q->bindAll(n.id, position++, b.kind == BackupDestination::Kind::Trunk ? 0 : 1);
    if (b.kind == BackupDestination::Kind::Trunk)
      q->bind(4, b.trunkId);
    else
      q->bindNull(4);
    q->bind(5, b.number);
    if (auto r = q->run(); !r) return r;
  }
  return {};
}

base::Result<Id> SqliteConfigStore::addNumber(Number n) {
  if (auto r = normalize(n); !r) return tl::unexpected(r.error());
  return write([&]() -> base::Result<Id> {
    n.id = 0;
    if (auto r = checkNumberRefs(n); !r) return tl::unexpected(r.error());
    auto q = stmts_.get(
        "INSERT INTO numbers (e164, account_id, trunk_id, ring_timeout_s) VALUES (?1, ?2, ?3, ?4)");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(n.e164, n.accountId, n.trunkId, n.ringTimeoutS).run(); !r)
      return tl::unexpected(r.error());
    n.id = sqlite3_last_insert_rowid(db_.handle());
    if (auto r = writeNumberChildren(n); !r) return tl::unexpected(r.error());
    return n.id;
  });
}

base::Result<void> SqliteConfigStore::updateNumber(Number n) {
  if (auto r = normalize(n); !r) return r;
  return write([&]() -> base::Result<void> {
    auto old = selectNumbers(kNumberById, n.id);
    if (!old) return tl::unexpected(old.error());
    if (old->empty()) return fail(Errc::NotFound, fmt::format("number {} not found", n.id));
    if (auto r = checkNumberRefs(n); !r) return r;
    auto q = stmts_.get(
        "UPDATE numbers SET e164 = ?2, account_id = ?3, trunk_id = ?4, ring_timeout_s = ?5 "
        "WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(n.id, n.e164, n.accountId, n.trunkId, n.ringTimeoutS).run(); !r)
      return r;
    return writeNumberChildren(n);
  });
}

base::Result<void> SqliteConfigStore::removeNumber(Id id) {
  return write([&] { return deleteRow("numbers", "number", id); });
}

base::Result<Number> SqliteConfigStore::findNumber(std::string_view e164) {
  auto v = selectNumbers(kNumberByE164, std::nullopt, e164);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("number {} not found", e164));
  return std::move(v->front());
}

base::Result<std::vector<Number>> SqliteConfigStore::listNumbers(std::optional<Id> accountId) {
  if (accountId) return selectNumbers(kNumbersOfAccount, *accountId);
  return selectNumbers(kAllNumbers, std::nullopt);
}

}  // namespace trunkline::storage::sqlite
