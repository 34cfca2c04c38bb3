#pragma once
// AnchoredMedia: the MediaAnchor that puts every call's media through Trunkline's relay
// (media::MediaEngine) by rewriting each session description (sdp/) so that each leg sees
// only our addresses and ports.
//
// Per call, per m-line: one relay stream, created at the first offer that has the line
// (ports on both legs at once, so a failover to the next carrier reuses the callee-side
// ports), updated by every later offer or answer from either side (addresses, rtcp-mux,
// payload types; each update re-opens that leg's NAT latch window), removed when a side
// rejects the line (port 0). Hold (sendonly/recvonly/inactive or c=0.0.0.0) stops the
// forwarding of the direction nobody receives, which also puts the session on the relay's
// long hold timeout instead of the no-media one. ICE attributes are stripped (we are not an
// ICE agent). SRTP is terminated per leg (SDES, RFC 4568) under each leg's SrtpPolicy
// (CallMedia::setSrtp): a=crypto never crosses from one leg to the other; the relay
// decrypts, encrypts or re-encrypts per direction (see src/media/srtp.md).
//
// Lives on one shard thread; the engine's event handler must hand events to that thread
// and call dispatch(). Outlives every CallMedia it opened; the engine outlives it.
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "call/codec_plan.h"
#include "call/media.h"
#include "media/engine.h"
#include "net/address.h"

namespace trunkline::call {

struct AnchoredMediaConfig {
  /// Relay addresses (bound and written into SDP) per family; at least one. A leg whose
  /// family has none gets the other family's (the relay bridges IPv4 and IPv6).
  std::optional<net::Address> ipv4;
  std::optional<net::Address> ipv6;
  /// A call whose MOS estimate in either direction is below this is flagged in its CDR
  /// (CdrMedia::flags) and logged.
  double poorMosThreshold = 3.1;
  /// Transcoding when the legs share no codec ([media] transcode, transcode_codecs).
  TranscodePolicy transcode;
};

class AnchoredMedia final : public MediaAnchor {
 public:
  AnchoredMedia(media::MediaEngine& engine, AnchoredMediaConfig config, std::uint64_t seed);
  ~AnchoredMedia() override;

  std::unique_ptr<CallMedia> open(std::uint64_t callId, std::function<void()> onNoMedia) override;

  /// An engine event, on the shard thread.
  void dispatch(const media::MediaEvent& event);

  // Internal (used by the per-call object).
  media::MediaEngine& engine() { return engine_; }
  const AnchoredMediaConfig& config() const { return config_; }
  std::uint64_t nextRandom();
  void watch(media::SessionId id, std::function<void()>* onNoMedia);
  void unwatch(media::SessionId id);

 private:
  media::MediaEngine& engine_;
  AnchoredMediaConfig config_;
  std::uint64_t state_;
  std::unordered_map<media::SessionId, std::function<void()>*> watched_;
};

}  // namespace trunkline::call
