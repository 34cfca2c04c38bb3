#pragma once
// BindingIndex: a read-only, thread-safe view of the registrar's bindings, so a call on
// any shard can find where to deliver an inbound call without posting to the registrar's
// shard. The registrar publishes a trunk's sorted binding list after every change to it;
// readers get an immutable snapshot (shared_ptr) and never block the registrar for longer
// than a pointer copy under a sharded mutex.
//
// Owned by the Registrar (same lifetime); readers may call find() from any thread while
// it lives. Bindings past their expiry whose timer has not run yet may still be listed:
// readers compare expiresAt with their clock (liveAt()).
#include <array>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "registrar/binding.h"

namespace trunkline::registrar {

class BindingIndex {
 public:
  using List = std::vector<Binding>;

  /// The trunk's bindings (highest q first, then most recent), or an empty list.
  std::shared_ptr<const List> find(storage::Id trunkId) const {
    const Shard& s = shardOf(trunkId);
    std::lock_guard lock(s.mutex);
    auto it = s.lists.find(trunkId);
    return it == s.lists.end() ? empty() : it->second;
  }
  /// The bindings of find() still live at `now`.
  List liveAt(storage::Id trunkId, base::MonoTime now) const {
    List out;
    for (const auto& b : *find(trunkId))
      if (b.expiresAt > now) out.push_back(b);
    return out;
  }

  /// Registrar thread only: replaces the trunk's list (empty removes it).
  void publish(storage::Id trunkId, List list) {
    std::shared_ptr<const List> p =
        list.empty() ? nullptr : std::make_shared<const List>(std::move(list));
    Shard& s = shardOf(trunkId);
    std::lock_guard lock(s.mutex);
    if (p) {
      s.lists[trunkId] = std::move(p);
    } else {
      s.lists.erase(trunkId);
    }
  }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<storage::Id, std::shared_ptr<const List>> lists;
  };
  static constexpr std::size_t kShards = 16;
  static const std::shared_ptr<const List>& empty() {
    static const auto kEmpty = std::make_shared<const List>();
    return kEmpty;
  }
  const Shard& shardOf(storage::Id id) const {
    return shards_[(static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull >> 32) % kShards];
  }
  Shard& shardOf(storage::Id id) {
    return shards_[(static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull >> 32) % kShards];
  }

  std::array<Shard, kShards> shards_;
};

}  // namespace trunkline::registrar
