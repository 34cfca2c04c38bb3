#pragma once
// In-memory ApiKeyStore for the API unit tests.
#include <fmt/format.h>

#include "storage/api_key_store.h"

namespace trunkline::api::testing {

class FakeKeyStore final : public storage::ApiKeyStore {
 public:
  base::Result<storage::Id> add(const storage::ApiKey& key) override {
    for (const auto& k : keys_)
      if (k.publicId == key.publicId) return base::fail(base::Errc::AlreadyExists, "dup");
    keys_.push_back(key);
    keys_.back().id = static_cast<storage::Id>(keys_.size());
    return keys_.back().id;
  }
  base::Result<storage::ApiKey> get(storage::Id id) override {
    for (const auto& k : keys_)
      if (k.id == id) return k;
    return base::fail(base::Errc::NotFound, fmt::format("API key {} not found", id));
  }
  base::Result<storage::ApiKey> findByPublicId(std::string_view publicId) override {
    if (down) return base::fail(base::Errc::Io, "database locked");
    for (const auto& k : keys_)
      if (k.publicId == publicId) return k;
    return base::fail(base::Errc::NotFound, "not found");
  }
  base::Result<std::vector<storage::ApiKey>> list(std::optional<storage::Id> accountId) override {
    std::vector<storage::ApiKey> out;
    for (const auto& k : keys_)
      if (!accountId || k.accountId == *accountId) out.push_back(k);
    return out;
  }
  base::Result<void> revoke(storage::Id id, std::int64_t nowMs) override {
    for (auto& k : keys_)
      if (k.id == id) {
        if (!k.revokedMs) k.revokedMs = nowMs;
        return {};
      }
    return base::fail(base::Errc::NotFound, "not found");
  }
  bool down = false;

 private:
  std::vector<storage::ApiKey> keys_;
};

}  // namespace trunkline::api::testing
