#include "storage/sqlite/config_store.h"

#include <fmt/format.h>

#include "storage/validate.h"

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

namespace detail {
std::string joinList(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::vector<std::string> splitList(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto p = s.find(sep);
    out.emplace_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}
}  // namespace detail

base::Result<std::vector<Account>> SqliteConfigStore::selectAccounts(std::string_view where,
                                                                     std::int64_t arg) {
  std::string_view sql;
  if (where == "id")
    sql = "SELECT id, name, country, enabled FROM accounts WHERE id = ?1";
  else
    sql = "SELECT id, name, country, enabled FROM accounts ORDER BY name";
  auto q = stmts_.get(sql);
  if (!q) return tl::unexpected(q.error());
  if (where == "id") q->bind(1, arg);
  std::vector<Account> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    Account a;
    a.id = q->i64(0);
    a.name = q->text(1);
    a.country = q->text(2);
    a.enabled = q->i64(3) != 0;
    out.push_back(std::move(a));
  }
  return out;
}

base::Result<std::string> SqliteConfigStore::accountName(Id id) {
  auto a = getAccount(id);
  if (!a) return tl::unexpected(a.error());
  return a->name;
}

base::Result<Id> SqliteConfigStore::addAccount(Account a) {
  if (auto r = normalize(a); !r) return tl::unexpected(r.error());
  return write([&]() -> base::Result<Id> {
    if (findAccount(a.name))
      return fail(Errc::AlreadyExists, fmt::format("account '{}' already exists", a.name));
    auto q = stmts_.get("INSERT INTO accounts (name, country, enabled) VALUES (?1, ?2, ?3)");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(a.name, a.country, a.enabled ? 1 : 0).run(); !r)
      return tl::unexpected(r.error());
    return sqlite3_last_insert_rowid(db_.handle());
  });
}

base::Result<void> SqliteConfigStore::updateAccount(Account a) {
  if (auto r = normalize(a); !r) return r;
  return write([&]() -> base::Result<void> {
    auto old = getAccount(a.id);
    if (!old) return tl::unexpected(old.error());
    if (auto other = findAccount(a.name); other && other->id != a.id)
      return fail(Errc::AlreadyExists, fmt::format("account '{}' already exists", a.name));
    auto q = stmts_.get("UPDATE accounts SET name = ?2, country = ?3, enabled = ?4 WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    return q->bindAll(a.id, a.name, a.country, a.enabled ? 1 : 0).run();
  });
}

base::Result<void> SqliteConfigStore::deleteRow(std::string_view table, std::string_view entity,
                                                Id id) {
  auto q = stmts_.get(fmt::format("DELETE FROM {} WHERE id = ?1", table));
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bind(1, id).run(); !r) return r;
  if (sqlite3_changes(db_.handle()) == 0)
    return fail(Errc::NotFound, fmt::format("{} {} not found", entity, id));
  return {};
}

base::Result<void> SqliteConfigStore::removeAccount(Id id) {
  return write([&]() -> base::Result<void> {
    auto a = getAccount(id);
    if (!a) return tl::unexpected(a.error());
    auto q = stmts_.get(
        "SELECT (SELECT COUNT(*) FROM trunks WHERE account_id = ?1), "
        "(SELECT COUNT(*) FROM numbers WHERE account_id = ?1)");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, id);
    if (auto row = q->step(); !row) return tl::unexpected(row.error());
    const auto trunks = q->i64(0), numbers = q->i64(1);
    if (trunks || numbers)
      return fail(Errc::InvalidArgument,
                  fmt::format("account '{}' still has {} trunk(s) and {} number(s); remove them "
                              "first",
                              a->name, trunks, numbers));
    return deleteRow("accounts", "account", id);
  });
}

base::Result<Account> SqliteConfigStore::getAccount(Id id) {
  auto v = selectAccounts("id", id);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("account {} not found", id));
  return std::move(v->front());
}

base::Result<Account> SqliteConfigStore::findAccount(std::string_view name) {
  auto q = stmts_.get("SELECT id FROM accounts WHERE name = ?1");
  if (!q) return tl::unexpected(q.error());
  q->bind(1, name);
  auto row = q->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return fail(Errc::NotFound, fmt::format("account '{}' not found", name));
  const Id id = q->i64(0);
  return getAccount(id);
}

base::Result<std::vector<Account>> SqliteConfigStore::listAccounts() {
  return selectAccounts("", 0);
}

base::Result<std::int64_t> SqliteConfigStore::configVersion() {
  auto q = stmts_.get("SELECT version FROM config_version WHERE id = 1");
  if (!q) return tl::unexpected(q.error());
  auto row = q->step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return fail(Errc::Internal, "config_version row missing");
  return q->i64(0);
}

base::Result<ConfigData> SqliteConfigStore::loadAll() {
  ReadTransaction txn(db_);
  ConfigData d;
  auto v = configVersion();
  if (!v) return tl::unexpected(v.error());
  d.version = *v;
  auto accounts = listAccounts();
  if (!accounts) return tl::unexpected(accounts.error());
  d.accounts = std::move(*accounts);
  auto trunks = listTrunks({});
  if (!trunks) return tl::unexpected(trunks.error());
  d.trunks = std::move(*trunks);
  auto numbers = listNumbers({});
  if (!numbers) return tl::unexpected(numbers.error());
  d.numbers = std::move(*numbers);
  auto carriers = listCarriers();
  if (!carriers) return tl::unexpected(carriers.error());
  d.carriers = std::move(*carriers);
  auto routes = listRoutes();
  if (!routes) return tl::unexpected(routes.error());
  d.routes = std::move(*routes);
  return d;
}

base::Result<void> SqliteConfigStore::transaction(const std::function<base::Result<void>()>& body) {
  return write([&] { return body(); });
}

}  // namespace trunkline::storage::sqlite
