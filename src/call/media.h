#pragma once
// Where a session description crosses from one leg of a call to the other, and the media
// relay behind it. The B2BUA hands every SDP body to the call's CallMedia with its role in
// the offer/answer exchange (RFC 3264) and sends what comes back; an anchoring
// implementation (call/media_anchor.h) points each side at Trunkline's relay ports. With
// no MediaAnchor configured, bodies pass unchanged (unit tests of the dialog logic).
//
// Called on the call's shard thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/model.h"

namespace trunkline::call {

/// The two dialogs of a call: the caller's dialog with us and ours with the callee.
enum class Leg : std::uint8_t { Caller, Callee };
constexpr Leg other(Leg l) {
  return l == Leg::Caller ? Leg::Callee : Leg::Caller;
}

/// What a body is in the offer/answer exchange. The B2BUA knows from where the body came:
/// a request that can carry an offer (INVITE, UPDATE) or the response to one that did not.
enum class SdpRole : std::uint8_t { Offer, Answer };

/// The media of one call; owned by the Call, lives until the call ends.
class CallMedia {
 public:
  virtual ~CallMedia() = default;
  /// Codecs allowed on this call in preference order ("PCMU", "G729/8000"...; empty: any),
  /// from the customer trunk. Applied to every offer, in either direction.
  virtual void setCodecs(std::vector<std::string> codecs) = 0;
  /// The IP family (AF_INET / AF_INET6) of a leg's peer, so its media address matches.
  virtual void setFamily(Leg leg, int family) = 0;
  /// The SRTP policy of the peer on `leg` (the customer trunk's or the carrier's; see
  /// storage::SrtpPolicy). Set before the first description from or to that leg; setting
  /// it again means a new peer (failover to the next carrier): the keys negotiated on that
  /// leg are forgotten and the next offer to it carries fresh ones.
  virtual void setSrtp(Leg leg, storage::SrtpPolicy policy) {
    (void)leg;
    (void)policy;
  }
  /// A description received from `from`, to be sent to the other leg. Returns the body to
  /// send. Errors: Errc::InvalidArgument (malformed, no acceptable codec, or SRTP the leg's
  /// policy cannot accept: answer 488; for an answer, the attempt has failed as if with
  /// 488), Errc::Unavailable (no relay ports: 503).
  virtual base::Result<std::string> relay(Leg from, SdpRole role, std::string_view sdp) = 0;
  /// Ends the relay session (idempotent) and records its quality figures in `cdr`.
  virtual void close(storage::Cdr& cdr) = 0;
};

/// Creates the media of each call. One per shard, shard thread.
class MediaAnchor {
 public:
  virtual ~MediaAnchor() = default;
  /// `onNoMedia` runs on the shard thread when no RTP flowed for the configured time.
  virtual std::unique_ptr<CallMedia> open(std::uint64_t callId,
                                          std::function<void()> onNoMedia) = 0;
};

}  // namespace trunkline::call
