#pragma once
// ConfigSnapshot: an immutable, indexed copy of the configuration for the SIP threads,
// and SnapshotSource, which publishes a new one when the database changes.
//
// Lifetime and threads: a snapshot never changes after build(); any thread may read it
// through the shared_ptr it holds, for as long as it holds it (a call keeps the snapshot it
// started with). SnapshotSource::current() is lock-free and callable from any thread;
// refreshIfChanged() runs on the storage thread (the one owning the ConfigStore), from a
// timer about once a second.
#include <atomic>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/model.h"
#include "storage/repository.h"
#include "storage/validate.h"

namespace trunkline::storage {

/// Which trunk credential matched a digest username.
struct CredentialMatch {
  const Trunk* trunk = nullptr;
  const DigestCredential* credential = nullptr;
  explicit operator bool() const { return trunk != nullptr; }
};

class ConfigSnapshot {
 public:
  /// Indexes `data`. Disabled trunks, trunks of disabled accounts and disabled carriers
  /// are left out of the source-IP and credential indexes (so they authenticate nobody)
  /// but stay reachable by id.
  static std::shared_ptr<const ConfigSnapshot> build(ConfigData data);

  std::int64_t version() const { return data_.version; }
  const ConfigData& data() const { return data_; }

  /// The trunk whose allowed CIDRs contain `ip` (text form, IPv4 or IPv6, brackets
  /// allowed). Longest prefix wins; among trunks listing the very same network, the one
  /// with the lowest id (created first) wins. IPv4-mapped IPv6 sources match IPv4 CIDRs.
  const Trunk* trunkBySourceIp(std::string_view ip) const;
  const Trunk* trunkBySourceIp(const IpAddress& ip) const;
  /// The trunk credential for a digest username in `realm`.
  CredentialMatch trunkByCredentials(std::string_view username, std::string_view realm) const;
  const Number* numberByE164(std::string_view e164) const;
  const Carrier* carrierById(Id id) const;
  /// The carrier whose inbound CIDRs contain `ip` (same rules as trunkBySourceIp).
  const Carrier* carrierBySourceIp(std::string_view ip) const;
  const Carrier* carrierBySourceIp(const IpAddress& ip) const;
  const Account* accountById(Id id) const;
  const Trunk* trunkById(Id id) const;
  /// Routes, longest prefix first (the default route, prefix "", last).
  std::span<const Route> routes() const { return data_.routes; }
  /// The route for `digits` (E.164 without '+'): longest matching prefix, else the default
  /// route, else nullptr.
  const Route* routeFor(std::string_view digits) const;
  /// Numbers of an account, in E.164 order.
  std::span<const Number* const> numbersOfAccount(Id accountId) const;

 private:
  // A CIDR table: one hash map per prefix length, searched longest first.
  struct CidrIndex {
    struct Level {
      int prefixLen;
      // masked 16 bytes → (owner id, index into ConfigData's vector)
      std::unordered_map<std::string, std::pair<Id, std::size_t>> networks;
    };
    std::vector<Level> levels;  // longest prefix first
    void add(const IpNetwork& n, Id id, std::size_t index);
    std::optional<std::size_t> find(const IpAddress& ip) const;
  };

  ConfigData data_;
  std::unordered_map<Id, std::size_t> accountById_, trunkById_, carrierById_;
  std::unordered_map<std::string, std::size_t> numberByE164_, routeByPrefix_;
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> credentialByUser_;
  std::unordered_map<Id, std::vector<const Number*>> numbersByAccount_;
  CidrIndex trunkCidrs_, carrierCidrs_;
};

/// Holds the current snapshot and rebuilds it when ConfigStore::configVersion() moves
/// (writes by this or any other process on the same database).
class SnapshotSource {
 public:
  /// Starts with an empty snapshot (version 0); call refreshIfChanged() once before
  /// serving.
  explicit SnapshotSource(ConfigStore& store);

  /// Storage thread. Reads the version; when it differs from the current snapshot's,
  /// loads everything and publishes a new snapshot. Returns whether it did. On error the
  /// previous snapshot stays in place.
  base::Result<bool> refreshIfChanged();
  /// Any thread.
  std::shared_ptr<const ConfigSnapshot> current() const {
    return current_.load(std::memory_order_acquire);
  }

 private:
  ConfigStore& store_;
  std::atomic<std::shared_ptr<const ConfigSnapshot>> current_;
};

}  // namespace trunkline::storage
