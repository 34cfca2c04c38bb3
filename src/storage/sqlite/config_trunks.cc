// Trunks: the row, its source CIDRs and its digest credentials.
#include <fmt/format.h>

#include "storage/sqlite/config_store.h"
#include "storage/validate.h"

namespace trunkline::storage::sqlite {

using base::Errc;
using base::fail;

namespace {
constexpr std::string_view kTrunkById =
    "SELECT id, account_id, name, enabled, registration, host, port, transport, channel_limit, "
    "cps_limit, codecs, caller_id_policy, fixed_caller_id, max_duration_s, srtp FROM trunks "
    "WHERE id = ?1";
constexpr std::string_view kTrunksOfAccount =
    "SELECT id, account_id, name, enabled, registration, host, port, transport, channel_limit, "
    "cps_limit, codecs, caller_id_policy, fixed_caller_id, max_duration_s, srtp FROM trunks "
    "WHERE account_id = ?1 ORDER BY name";
constexpr std::string_view kAllTrunks =
    "SELECT id, account_id, name, enabled, registration, host, port, transport, channel_limit, "
    "cps_limit, codecs, caller_id_policy, fixed_caller_id, max_duration_s, srtp FROM trunks "
    "ORDER BY account_id, name";
}  // namespace

base::Result<std::vector<Trunk>> SqliteConfigStore::selectTrunks(std::string_view sql,
                                                                 std::optional<std::int64_t> arg) {
  std::vector<Trunk> out;
  {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    if (arg) q->bind(1, *arg);
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      Trunk t;
      t.id = q->i64(0);
      t.accountId = q->i64(1);
      t.name = q->text(2);
      t.enabled = q->i64(3) != 0;
      t.registration = q->i64(4) != 0;
      t.host = q->text(5);
      t.port = static_cast<std::uint16_t>(q->i64(6));
      t.transport = static_cast<Transport>(q->i64(7));
      t.channelLimit = static_cast<std::uint32_t>(q->i64(8));
      t.cpsLimit = static_cast<std::uint32_t>(q->i64(9));
      t.codecs = detail::splitList(q->text(10));
      t.callerIdPolicy = static_cast<CallerIdPolicy>(q->i64(11));
      t.fixedCallerId = q->text(12);
      t.maxDurationS = static_cast<std::uint32_t>(q->i64(13));
      t.srtp = static_cast<SrtpPolicy>(q->i64(14));
      out.push_back(std::move(t));
    }
  }
  for (auto& t : out) {
    auto c = stmts_.get("SELECT cidr FROM trunk_cidrs WHERE trunk_id = ?1 ORDER BY id");
    if (!c) return tl::unexpected(c.error());
    c->bind(1, t.id);
    for (;;) {
      auto row = c->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      t.allowedCidrs.push_back(c->text(0));
    }
    auto d = stmts_.get(
        "SELECT id, username, realm, ha1_md5, ha1_sha256 FROM credentials WHERE trunk_id = ?1 "
        "ORDER BY id");
    if (!d) return tl::unexpected(d.error());
    d->bind(1, t.id);
    for (;;) {
      auto row = d->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      t.credentials.push_back({d->i64(0), d->text(1), d->text(2), d->text(3), d->text(4)});
    }
  }
  return out;
}

base::Result<std::string> SqliteConfigStore::trunkLabel(Id id) {
  auto t = getTrunk(id);
  if (!t) return tl::unexpected(t.error());
  auto a = accountName(t->accountId);
  if (!a) return tl::unexpected(a.error());
  return fmt::format("trunk '{}' of account '{}'", t->name, *a);
}

base::Result<void> SqliteConfigStore::checkTrunkUnique(const Trunk& t) {
  auto account = accountName(t.accountId);
  if (!account) return tl::unexpected(account.error());
  if (auto other = findTrunk(t.accountId, t.name); other && other->id != t.id)
    return fail(Errc::AlreadyExists,
                fmt::format("trunk '{}' already exists in account '{}'", t.name, *account));
  for (const auto& c : t.credentials) {
    auto q = stmts_.get(
        "SELECT trunk_id FROM credentials WHERE trunk_id IS NOT NULL AND username = ?1 "
        "AND realm = ?2");
    if (!q) return tl::unexpected(q.error());
    q->bindAll(c.username, c.realm);
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) continue;
    const Id owner = q->i64(0);
    if (owner == t.id) continue;
    auto label = trunkLabel(owner);
    return fail(Errc::AlreadyExists,
                fmt::format("digest username '{}' (realm '{}') is already used by {}", c.username,
                            c.realm, label ? *label : fmt::format("trunk {}", owner)));
  }
  return {};
}

base::Result<void> SqliteConfigStore::writeTrunkChildren(const Trunk& t) {
  for (auto sql : {"DELETE FROM trunk_cidrs WHERE trunk_id = ?1",
                   "DELETE FROM credentials WHERE trunk_id = ?1"}) {
    auto q = stmts_.get(sql);
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bind(1, t.id).run(); !r) return r;
  }
  for (const auto& cidr : t.allowedCidrs) {
    auto q = stmts_.get("INSERT INTO trunk_cidrs (trunk_id, cidr) VALUES (?1, ?2)");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(t.id, cidr).run(); !r) return r;
  }
  for (const auto& c : t.credentials) {
    auto q = stmts_.get(
        "INSERT INTO credentials (trunk_id, username, realm, ha1_md5, ha1_sha256) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(t.id, c.username, c.realm, c.ha1Md5, c.ha1Sha256).run(); !r) return r;
  }
  return {};
}

base::Result<Id> SqliteConfigStore::addTrunk(Trunk t) {
  if (auto r = normalize(t); !r) return tl::unexpected(r.error());
  return write([&]() -> base::Result<Id> {
    t.id = 0;
    if (auto r = checkTrunkUnique(t); !r) return tl::unexpected(r.error());
    auto q = stmts_.get(
        "INSERT INTO trunks (account_id, name, enabled, registration, host, port, transport, "
        "channel_limit, cps_limit, codecs, caller_id_policy, fixed_caller_id, max_duration_s, "
        "srtp) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!q) return tl::unexpected(q.error());
    auto r = q->bindAll(t.accountId, t.name, t.enabled ? 1 : 0, t.registration ? 1 : 0, t.host,
                        t.port, static_cast<int>(t.transport), t.channelLimit, t.cpsLimit,
                        detail::joinList(t.codecs), static_cast<int>(t.callerIdPolicy),
                        t.fixedCallerId, t.maxDurationS, static_cast<int>(t.srtp))
                 .run();
    if (!r) return tl::unexpected(r.error());
    t.id = sqlite3_last_insert_rowid(db_.handle());
    if (auto c = writeTrunkChildren(t); !c) return tl::unexpected(c.error());
    return t.id;
  });
}

base::Result<void> SqliteConfigStore::updateTrunk(Trunk t) {
  if (auto r = normalize(t); !r) return r;
  return write([&]() -> base::Result<void> {
    auto old = getTrunk(t.id);
    if (!old) return tl::unexpected(old.error());
    if (old->accountId != t.accountId)
      return fail(
          Errc::InvalidArgument,
          fmt::format("trunk '{}' cannot move to another account; remove and add it", old->name));
    if (auto r = checkTrunkUnique(t); !r) return r;
    auto q = stmts_.get(
        "UPDATE trunks SET name = ?2, enabled = ?3, registration = ?4, host = ?5, port = ?6, "
        "transport = ?7, channel_limit = ?8, cps_limit = ?9, codecs = ?10, "
        "caller_id_policy = ?11, fixed_caller_id = ?12, max_duration_s = ?13, srtp = ?14 "
        "WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    auto r = q->bindAll(t.id, t.name, t.enabled ? 1 : 0, t.registration ? 1 : 0, t.host, t.port,
                        static_cast<int>(t.transport), t.channelLimit, t.cpsLimit,
                        detail::joinList(t.codecs), static_cast<int>(t.callerIdPolicy),
                        t.fixedCallerId, t.maxDurationS, static_cast<int>(t.srtp))
                 .run();
    if (!r) return r;
    return writeTrunkChildren(t);
  });
}

base::Result<void> SqliteConfigStore::removeTrunk(Id id) {
  return write([&]() -> base::Result<void> {
    auto label = trunkLabel(id);
    if (!label) return tl::unexpected(label.error());
    auto q = stmts_.get(
        "SELECT e164 FROM numbers WHERE trunk_id = ?1 UNION "
        "SELECT n.e164 FROM number_backups b JOIN numbers n ON n.id = b.number_id "
        "WHERE b.trunk_id = ?1 ORDER BY 1");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, id);
    std::vector<std::string> users;
    for (;;) {
      auto row = q->step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      users.push_back(q->text(0));
    }
    if (!users.empty())
      return fail(Errc::InvalidArgument,
                  fmt::format("{} is used by number {}{} (as destination or backup); remove or "
                              "re-point {} first",
                              *label, users.front(),
                              users.size() > 1 ? fmt::format(" and {} more", users.size() - 1)
                                               : std::string(),
                              users.size() > 1 ? "them" : "it"));
    return deleteRow("trunks", "trunk", id);
  });
}

base::Result<Trunk> SqliteConfigStore::getTrunk(Id id) {
  auto v = selectTrunks(kTrunkById, id);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("trunk {} not found", id));
  return std::move(v->front());
}

base::Result<Trunk> SqliteConfigStore::findTrunk(Id accountId, std::string_view name) {
  Id id = 0;
  {
    auto q = stmts_.get("SELECT id FROM trunks WHERE account_id = ?1 AND name = ?2");
    if (!q) return tl::unexpected(q.error());
    q->bindAll(accountId, name);
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (*row) id = q->i64(0);
  }
  if (id == 0) {
    auto a = accountName(accountId);
    return fail(Errc::NotFound, fmt::format("trunk '{}' not found in account '{}'", name,
                                            a ? *a : std::to_string(accountId)));
  }
  return getTrunk(id);
}

base::Result<std::vector<Trunk>> SqliteConfigStore::listTrunks(std::optional<Id> accountId) {
  if (accountId) return selectTrunks(kTrunksOfAccount, *accountId);
  return selectTrunks(kAllTrunks, std::nullopt);
}

}  // namespace trunkline::storage::sqlite
