#pragma once
// TrunkPolicy: the INVITE policy chain of a trunking node — who is calling, may they, and
// where does the call go.
//
//   inbound  (source is a carrier's address): DID lookup → its trunk (registered contacts
//            or static address) → backup destinations (other trunks, external numbers
//            through the carriers) → channel limit.
//   outbound (a customer trunk): identify by source IP (ACL), otherwise digest (407,
//            MD5 + SHA-256, stale nonces) → account/trunk enabled → number normalisation
//            → caller-ID policy → CPS limit → channel limit → longest-prefix route →
//            carriers in order (down gateways skipped).
//
// One instance per signalling shard, used on that shard's thread only; reads the
// immutable config snapshot (refreshed elsewhere) and never blocks.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "call/policy.h"
#include "fraud/channel_limiter.h"
#include "fraud/cps_limiter.h"
#include "registrar/registrar.h"
#include "routing/health.h"
#include "routing/random.h"
#include "routing/selector.h"
#include "sip/auth/server.h"
#include "storage/snapshot.h"

namespace trunkline::call {

struct TrunkPolicyCounters {
  std::uint64_t admittedOutbound = 0;
  std::uint64_t admittedInbound = 0;
  std::uint64_t challenged = 0;
  std::uint64_t rejected = 0;
};

class TrunkPolicy final : public CallPolicy {
 public:
  struct Deps {
    const storage::SnapshotSource& snapshots;
    const sip::DigestServer& digest;
    fraud::ChannelLimiter& channels;
    fraud::CpsLimiter& cps;
    const routing::GatewayStatus* health = nullptr;   // null: every gateway up
    const registrar::Registrar* registrar = nullptr;  // null: no registration trunks
    routing::Random& random;
  };

  explicit TrunkPolicy(Deps deps) : d_(deps) {}

  Admission admit(const InviteInfo& info) override;
  void release(const CallContext& context) override;
  const TrunkPolicyCounters& counters() const { return counters_; }

 private:
  Admission outbound(const InviteInfo& info, const storage::ConfigSnapshot& snap);
  Admission inbound(const InviteInfo& info, const storage::ConfigSnapshot& snap,
                    const storage::Carrier& carrier);
  const routing::RouteTable* routes(const storage::ConfigSnapshot& snap);
  /// Appends the carrier attempts for `e164` ("+..."); false when no route matches.
  bool appendCarrierTargets(const storage::ConfigSnapshot& snap, const std::string& e164,
                            std::vector<Target>& out);
  /// Appends where `trunk` takes calls for `e164`: registered contacts or its address.
  void appendTrunkTargets(const storage::Trunk& trunk, const std::string& e164,
                          std::uint32_t ringTimeoutS, std::vector<Target>& out) const;
  Reject reject(int code, std::string reason, std::string headers = {});

  Deps d_;
  TrunkPolicyCounters counters_;
  std::int64_t routesVersion_ = -1;
  std::optional<routing::RouteTable> routeTable_;
};

}  // namespace trunkline::call
