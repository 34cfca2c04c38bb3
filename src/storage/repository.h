#pragma once
// The storage interfaces. Implementations: sqlite/ (embedded default); PostgreSQL/Redis
// later. Every call is blocking and belongs on a storage thread (or a CLI process), never
// on a SIP thread: those read ConfigSnapshot (snapshot.h). An implementation object is
// used by one thread at a time.
//
// Errors are base::Result with messages ready for an operator:
//   AlreadyExists  "trunk 'pbx1' already exists in account 'acme'"
//   NotFound       "carrier 7 not found", "account 'acme' not found"
//   InvalidArgument validation ("bad CIDR ...") and referential integrity
//                  ("trunk 'pbx1' is used by number +14155550100; remove or re-point it first")
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/model.h"

namespace trunkline::storage {

/// Everything the SIP side needs, read in one consistent transaction.
struct ConfigData {
  std::int64_t version = 0;  // ConfigStore::configVersion() at the time of reading
  std::vector<Account> accounts;
  std::vector<Trunk> trunks;
  std::vector<Number> numbers;
  std::vector<Carrier> carriers;
  std::vector<Route> routes;
};

/// Accounts, trunks (with CIDRs and credentials), numbers (with backups), carriers (with
/// gateways, credential, inbound CIDRs) and routes (with targets).
///
/// add*() validate (validate.h), insert the entity with its children and return its id.
/// update*() replace the entity identified by its `id` (children included). remove*()
/// delete by id; children go with their parent, but an entity still referenced elsewhere
/// (an account with trunks, a trunk with numbers, a carrier in a route) is refused.
/// Every write changes configVersion() in the same transaction.
class ConfigStore {
 public:
  virtual ~ConfigStore() = default;

  virtual base::Result<Id> addAccount(Account a) = 0;
  virtual base::Result<void> updateAccount(Account a) = 0;
  virtual base::Result<void> removeAccount(Id id) = 0;
  virtual base::Result<Account> getAccount(Id id) = 0;
  virtual base::Result<Account> findAccount(std::string_view name) = 0;
  virtual base::Result<std::vector<Account>> listAccounts() = 0;

  virtual base::Result<Id> addTrunk(Trunk t) = 0;
  virtual base::Result<void> updateTrunk(Trunk t) = 0;
  virtual base::Result<void> removeTrunk(Id id) = 0;
  virtual base::Result<Trunk> getTrunk(Id id) = 0;
  virtual base::Result<Trunk> findTrunk(Id accountId, std::string_view name) = 0;
  /// All trunks, or those of one account.
  virtual base::Result<std::vector<Trunk>> listTrunks(std::optional<Id> accountId = {}) = 0;

  virtual base::Result<Id> addNumber(Number n) = 0;
  virtual base::Result<void> updateNumber(Number n) = 0;
  virtual base::Result<void> removeNumber(Id id) = 0;
  virtual base::Result<Number> findNumber(std::string_view e164) = 0;
  virtual base::Result<std::vector<Number>> listNumbers(std::optional<Id> accountId = {}) = 0;

  virtual base::Result<Id> addCarrier(Carrier c) = 0;
  virtual base::Result<void> updateCarrier(Carrier c) = 0;
  virtual base::Result<void> removeCarrier(Id id) = 0;
  virtual base::Result<Carrier> getCarrier(Id id) = 0;
  virtual base::Result<Carrier> findCarrier(std::string_view name) = 0;
  virtual base::Result<std::vector<Carrier>> listCarriers() = 0;

  virtual base::Result<Id> addRoute(Route r) = 0;
  virtual base::Result<void> updateRoute(Route r) = 0;
  virtual base::Result<void> removeRoute(Id id) = 0;
  /// "" = the default route.
  virtual base::Result<Route> findRoute(std::string_view prefix) = 0;
  virtual base::Result<std::vector<Route>> listRoutes() = 0;

  /// Changes with every committed configuration write, including writes by other
  /// processes on the same database. Cheap: meant to be polled about once a second.
  virtual base::Result<std::int64_t> configVersion() = 0;
  /// The whole configuration and its version, consistent with each other.
  virtual base::Result<ConfigData> loadAll() = 0;

  /// Runs `body` in one transaction: all its writes commit together, or none does when
  /// it returns an error (which is passed through). Nests (inner calls join the outer).
  virtual base::Result<void> transaction(const std::function<base::Result<void>()>& body) = 0;
};

/// Bindings of registration trunks. Survive restarts; expired ones are removed by
/// expire(), which the server runs periodically.
class RegistrationStore {
 public:
  virtual ~RegistrationStore() = default;
  /// Inserts or replaces the binding (trunkId, aor, contact).
  virtual base::Result<void> upsert(const Registration& r) = 0;
  /// Removes one binding; NotFound when there was none.
  virtual base::Result<void> remove(Id trunkId, std::string_view aor, std::string_view contact) = 0;
  virtual base::Result<std::vector<Registration>> list(std::optional<Id> trunkId = {}) = 0;
  /// Deletes bindings with expiresAtMs <= nowMs; returns how many.
  virtual base::Result<std::size_t> expire(std::int64_t nowMs) = 0;
};

/// Carrier gateway health as seen by each node (runtime state, no config_version bump).
/// A node replaces all of its rows at once; readers (CLI, API) list them.
class GatewayStatusStore {
 public:
  virtual ~GatewayStatusStore() = default;
  /// Replaces every row of `nodeId` with `rows` in one transaction.
  virtual base::Result<void> replaceAll(std::string_view nodeId,
                                        std::span<const GatewayStatus> rows) = 0;
  struct Row {
    std::string nodeId;
    GatewayStatus status;
  };
  virtual base::Result<std::vector<Row>> list() = 0;
};

/// Filter and cursor of a CDR query. Results are in id order (the order of writing).
struct CdrQuery {
  std::int64_t fromMs = 0;        // startMs >= fromMs
  std::int64_t toMs = INT64_MAX;  // startMs < toMs
  std::optional<Id> accountId;
  std::optional<Id> trunkId;
  std::optional<Disposition> disposition;
  std::string number;       // E.164 ("+..."): calling or called number; "" = any
  Id afterId = 0;           // cursor: CdrPage::nextCursor of the last page
  std::size_t limit = 100;  // 1..1000
};

struct CdrPage {
  std::vector<Cdr> cdrs;
  std::optional<Id> nextCursor;  // set when more rows may follow: pass as CdrQuery::afterId
};

/// CDR persistence. The billing writer batches records and calls insertBatch; a batch
/// commits atomically (all or none) and durably before the call returns.
class CdrStore {
 public:
  virtual ~CdrStore() = default;
  /// Writes the records (ids ignored) in ONE transaction. A record whose non-empty
  /// callUuid is already stored is skipped, so replaying a spool after a crash does not
  /// duplicate; returns how many were inserted.
  virtual base::Result<std::size_t> insertBatch(std::span<const Cdr> cdrs) = 0;
  virtual base::Result<CdrPage> query(const CdrQuery& q) = 0;
};

}  // namespace trunkline::storage
