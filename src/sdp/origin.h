#pragma once
// OriginKeeper: the o= line Trunkline shows on one leg.
//
// A B2BUA is the SDP originator towards each leg, so each leg gets its own o= with our
// session id, and a version that grows by one exactly when the description we send differs
// from the previous one we sent on that leg (RFC 3264 §8: a changed offer carries a higher
// version; an unchanged one, e.g. a session refresh, the same). Changes are detected with a
// 64-bit FNV-1a hash of everything but the version (no copy of the body is kept, to keep
// per-call memory small).
//
// One per leg, owned by the call, on the call's shard thread; lives as long as the leg.
#include <cstdint>
#include <string>
#include <string_view>

#include "sdp/session.h"

namespace trunkline::sdp {

class OriginKeeper {
 public:
  /// `sessionId` stays for the leg's life; the first description sent carries
  /// `initialVersion`. `username` is the o= username ("-" when there is none, RFC 8866
  /// §5.2); it must be a single token.
  OriginKeeper(std::uint64_t sessionId, std::uint64_t initialVersion, std::string username = "-");

  /// Replaces d's o= with ours (address of this leg), bumping the version first when the
  /// content differs from the last description stamped. Stamp after all other edits.
  void stamp(SessionDescription& d, std::string_view addrType, std::string_view address);

  std::uint64_t sessionId() const { return sessionId_; }
  /// The version of the last description stamped (the initial one before any).
  std::uint64_t version() const { return version_; }
  bool stamped() const { return stamped_; }

  /// The hash stamp() compares (exposed for tests).
  static std::uint64_t contentHash(const SessionDescription& d, std::string_view addrType,
                                   std::string_view address);

 private:
  std::string username_;
  std::uint64_t sessionId_;
  std::uint64_t version_;
  std::uint64_t lastHash_ = 0;
  bool stamped_ = false;
};

}  // namespace trunkline::sdp
