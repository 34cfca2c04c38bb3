#pragma once
// API keys of the REST API (api/): who may call it and with which scope. Only a SHA-256
// hash of each key is stored, next to a short public id that finds the row; the key itself
// is shown once, when it is created, and cannot be recovered. Keys are runtime state of
// the operator surface, not call configuration: writing them does not move configVersion().
//
// Same threading rules as the other stores: blocking, one thread at a time (the API
// thread or a CLI process).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/model.h"

namespace trunkline::storage {

/// One API key. `accountId` 0 = admin (everything); otherwise the key sees and changes
/// only that account's resources.
struct ApiKey {
  Id id = 0;
  std::string publicId;    // unique, lowercase hex; part of the key text, safe to show
  std::string secretHash;  // lowercase hex SHA-256 of the whole key text
  Id accountId = 0;        // 0 = admin
  std::string name;        // operator's label, may be empty
  std::int64_t createdMs = 0;
  std::int64_t revokedMs = 0;  // 0 = active

  bool admin() const { return accountId == 0; }
  bool revoked() const { return revokedMs != 0; }
  bool operator==(const ApiKey&) const = default;
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  /// Stores a new key (id ignored). AlreadyExists when the public id is taken; NotFound
  /// when accountId names no account.
  virtual base::Result<Id> add(const ApiKey& key) = 0;
  virtual base::Result<ApiKey> get(Id id) = 0;
  /// The key with this public id (revoked ones included); NotFound when none.
  virtual base::Result<ApiKey> findByPublicId(std::string_view publicId) = 0;
  /// All keys in id order, or those of one account (admin keys have accountId 0).
  virtual base::Result<std::vector<ApiKey>> list(std::optional<Id> accountId = {}) = 0;
  /// Marks the key revoked at `nowMs` (idempotent: a revoked key keeps its first time).
  /// NotFound when there is no such key.
  virtual base::Result<void> revoke(Id id, std::int64_t nowMs) = 0;
};

}  // namespace trunkline::storage
