#pragma once
// The value types of the media control API (media/engine.h): how the controller describes
// a stream, what it gets back, the events it is told about and the statistics. Addresses,
// ports, payload types and clock rates only: nothing here knows SIP or SDP.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "media/rtp_stats.h"
#include "net/address.h"

namespace trunkline::media {

using SessionId = std::uint64_t;
/// The controller's name for a stream in a session (typically the m-line index).
using StreamId = std::uint32_t;

/// A: the caller side; B: the callee side. Packets received on one leg leave on the other.
enum class Leg : std::uint8_t { A = 0, B = 1 };
inline constexpr std::size_t legIndex(Leg leg) {
  return static_cast<std::size_t>(leg);
}
inline constexpr Leg otherLeg(Leg leg) {
  return leg == Leg::A ? Leg::B : Leg::A;
}
inline constexpr char legName(Leg leg) {
  return leg == Leg::A ? 'A' : 'B';
}

/// One rtpmap line's worth: payload type, clock rate, encoding name ("PCMU",
/// "telephone-event", "opus"...). Used for statistics only.
struct PayloadMapping {
  std::uint8_t pt = 0;
  std::uint32_t clockRate = 8000;
  std::string encoding;
};

/// What signalling says about one leg's peer. Every update replaces the previous one and
/// opens a new latch window on that leg.
struct LegSignal {
  /// The peer's RTP address (connection address + m= port). nullopt (or 0.0.0.0 / port 0):
  /// not known yet; nothing is sent to this leg until it is or a source is latched.
  std::optional<net::Address> rtp;
  /// The peer's RTCP address (a=rtcp). nullopt: RTP port + 1, or the RTP address under mux.
  std::optional<net::Address> rtcp;
  /// RTCP multiplexed on the RTP port (RFC 5761) towards this leg's peer.
  bool rtcpMux = false;
  std::vector<PayloadMapping> payloads;
};

struct LegSpec {
  net::Address localIp;  // the local address to allocate ports on (port ignored)
  LegSignal remote;
};

struct StreamSpec {
  LegSpec a;
  LegSpec b;
  LegSpec& leg(Leg l) { return l == Leg::A ? a : b; }
  const LegSpec& leg(Leg l) const { return l == Leg::A ? a : b; }
};

/// The relay's own addresses for one leg: what goes into the SDP sent to that leg's peer.
struct LegPorts {
  net::Address rtp;
  net::Address rtcp;
};
struct StreamPorts {
  std::array<LegPorts, 2> legs;
  const LegPorts& leg(Leg l) const { return legs[legIndex(l)]; }
};

/// Reported to the controller (MediaEngine's event handler).
struct MediaEvent {
  enum class Type {
    FirstPacket,     // a leg's source was learned for the first time (latched)
    RemoteMoved,     // a leg's learned source changed (re-offer window, or back to the
                     // signalled address)
    NoMediaTimeout,  // no RTP in either direction of the session for the configured time
  };
  Type type = Type::FirstPacket;
  SessionId session = 0;
  StreamId stream = 0;
  Leg leg = Leg::A;
  bool rtcp = false;                      // the RTCP socket's latch (not under mux)
  net::Address source;                    // the learned source (latch events)
  std::optional<net::Address> signalled;  // what signalling said (latch events)
  base::Duration idle{};                  // NoMediaTimeout: time since the last RTP
};

/// Statistics of one direction: packets received from one leg (and sent to the other).
struct DirectionStats {
  std::uint64_t rtpPackets = 0;  // accepted
  std::uint64_t rtpBytes = 0;
  std::uint64_t rtcpPackets = 0;
  std::uint64_t rtcpBytes = 0;
  std::uint64_t forwardedPackets = 0;
  std::uint64_t forwardedBytes = 0;
  // Drops, by reason.
  std::uint64_t droppedSource = 0;         // not from the latched/allowed source
  std::uint64_t droppedNoDestination = 0;  // the other leg's peer is not known yet
  std::uint64_t droppedHold = 0;           // forwarding stopped in this direction
  std::uint64_t droppedMalformed = 0;      // not RTP/RTCP
  std::uint64_t droppedTruncated = 0;      // larger than kMaxDatagram
  std::uint64_t droppedProcessor = 0;      // a PacketProcessor refused it
  std::uint64_t sendErrors = 0;
  /// Sequence/jitter statistics measured by the relay on what this leg sent.
  ReceiverReport rtp;
  /// What the other leg's peer reported (RTCP RR/SR blocks) about receiving this stream:
  /// end to end, since the relay does not renumber.
  bool haveRemoteReport = false;
  double remoteFractionLostPercent = 0;  // last interval
  std::int64_t remoteCumulativeLost = 0;
  double remoteJitterMs = 0;
  /// Estimated listening quality at the receiving end (E-model); 0 when no RTP was seen.
  double mos = 0;
  double rFactor = 0;
};

struct LegStats {
  LegPorts local;
  std::optional<net::Address> signalled;  // RTP
  std::optional<net::Address> latched;    // RTP source learned
  bool locked = false;
  bool rtcpMux = false;
  std::optional<double> rttMs;  // relay ↔ this leg's peer, from its RTCP (LSR/DLSR)
};

struct StreamStats {
  StreamId id = 0;
  std::array<LegStats, 2> legs;
  std::array<DirectionStats, 2> from;  // indexed by the sending leg
  const DirectionStats& fromLeg(Leg l) const { return from[legIndex(l)]; }
  const LegStats& leg(Leg l) const { return legs[legIndex(l)]; }
};

struct SessionStats {
  SessionId id = 0;
  base::Duration age{};
  std::vector<StreamStats> streams;
};

}  // namespace trunkline::media
