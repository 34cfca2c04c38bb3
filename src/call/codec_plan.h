#pragma once
// CodecPlan: which streams of a call are transcoded, decided from the offer/answer exchange
// (RFC 3264) as it crosses the B2BUA. Pure: SDP in, SDP edits and a per-stream decision
// out; the anchor (media_anchor.cc) turns decisions into relay processors.
//
//   Offer from leg X (already filtered by the trunk's codecs): X's codecs stay, in X's
//   order; after them the plan appends every codec of `[media] transcode_codecs` that X did
//   not offer, so the other leg Y may pick one when it shares nothing with X. Appended
//   codecs get their static payload type, or a free dynamic one (96-127). Only when X
//   offers at least one codec we can decode is anything appended.
//
//   Answer from Y: if Y's first audio codec is one X offered, nothing is transcoded (the
//   usual case costs nothing). Otherwise stream i is transcoded between Y's codec (Y's
//   payload type and a=ptime, else the codec's default) and X's first offered codec we can
//   transcode (X's payload type and a=ptime, else default), and the answer sent to X is
//   rewritten to carry X's codec (and X's telephone-event type when both sides do RFC 4733
//   events) instead of Y's — X never sees a codec it did not offer.
//
//   telephone-event: each side keeps its own payload type (e.g. 101 vs 96); the transcoder
//   relabels events in both directions. Without events on one side they are dropped.
//
// The decision per stream survives re-offers (re-INVITE, UPDATE, from either side): a new
// answer re-decides, and `changed` tells the anchor whether to reinstall the processors —
// an unchanged decision keeps the running transcoders (their SSRC and numbering).
//
// The trunk's codec list restricts the offerer's codecs only; the appended codecs come
// from transcode_codecs (a customer allowed only PCMU still reaches a PCMA-only carrier).
//
// Thread: the call's shard. Lifetime: the call's media.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "call/media.h"
#include "media/codec/codec.h"
#include "sdp/session.h"

namespace trunkline::call {

struct TranscodePolicy {
  bool enabled = true;
  /// Codec specs ("PCMU", "PCMA", "G729", "opus", "G722") appended to offers, in order.
  std::vector<std::string> codecs = {"PCMU", "PCMA", "G729", "opus"};
};

/// Checks a transcode_codecs list: every entry a codec the transcoder handles. The error
/// names the first bad entry.
base::Result<void> validateTranscodeCodecs(const std::vector<std::string>& codecs);

/// One leg's side of a transcoded stream: what that leg sends and expects to receive.
struct TranscodeSide {
  media::codec::CodecId codec = media::codec::CodecId::Pcmu;
  std::uint8_t pt = 0;
  std::uint32_t ptimeMs = 20;
  std::optional<std::uint8_t> eventPt;  // telephone-event, if this leg does RFC 4733
  std::uint32_t eventClock = 0;         // its rtpmap clock (0: the audio clock)

  bool operator==(const TranscodeSide&) const = default;
};

struct StreamTranscode {
  std::array<TranscodeSide, 2> side;  // indexed by call::Leg (Caller, Callee)
  const TranscodeSide& of(Leg l) const { return side[static_cast<std::size_t>(l)]; }
  bool operator==(const StreamTranscode&) const = default;
};

class CodecPlan {
 public:
  explicit CodecPlan(TranscodePolicy policy = {}) : policy_(std::move(policy)) {}

  /// An offer from `from`, about to be sent to the other leg: appends transcodable codecs
  /// to its audio streams and remembers what `from` offered.
  void onOffer(Leg from, sdp::SessionDescription& d);

  struct AnswerResult {
    /// Streams whose decision changed (transcoding started, stopped or changed codecs).
    std::vector<std::size_t> changed;
  };
  /// The answer from `from` to the last offer (from the other leg), about to be sent to
  /// the offerer: decides every stream and rewrites transcoded ones to the offerer's codec.
  /// An answer with no pending offer (out of order) changes nothing.
  AnswerResult onAnswer(Leg from, sdp::SessionDescription& d);

  /// The transcoding in force on stream i (nullopt: relayed as is).
  std::optional<StreamTranscode> transcode(std::size_t i) const;
  bool anyTranscoded() const;
  const TranscodePolicy& policy() const { return policy_; }

 private:
  struct OfferedCodec {
    std::uint8_t pt = 0;
    std::string name;
    std::uint32_t clock = 0;
    std::uint8_t channels = 1;
    std::string fmtp;
    const media::codec::CodecInfo* info = nullptr;  // null: not one we can transcode
    bool telephoneEvent = false;
  };
  struct OfferedStream {
    bool audio = false;
    std::vector<OfferedCodec> codecs;  // the offerer's own, after filtering
    std::optional<std::uint32_t> ptime;
  };
  struct PendingOffer {
    Leg from = Leg::Caller;
    std::vector<OfferedStream> streams;
  };

  TranscodePolicy policy_;
  std::optional<PendingOffer> pending_;
  std::vector<std::optional<StreamTranscode>> decided_;
};

}  // namespace trunkline::call
