#pragma once
// Media anchoring for the B2BUA: one call rewrites a description so that the leg it is sent
// on sees only Trunkline's media addresses and the codecs, security and ICE policy of that
// leg. Value types only; no sockets (the caller allocates relay ports in media/ and passes
// the numbers in).
//
// What `rewrite` changes, and nothing else (all other lines stay byte-exact):
//  - session-level c= (added when some stream has no c= of its own) and every media-level
//    c= get the plan's address; c=0.0.0.0 (RFC 2543 hold) is kept by default so the hold
//    still reads as one on the other side;
//  - per stream (StreamPlan, by m= index): port, proto, a=rtcp (set or removed),
//    a=rtcp-mux, direction, a=crypto (replaced);
//  - codecs (CodecFilter): formats kept by an allow-list in preference order, with
//    telephone-event, and their rtpmap/fmtp/rtcp-fb lines kept consistent with the m= line;
//  - ICE attributes and any named attributes removed everywhere.
// Streams with port 0 on input stay rejected and keep their m= line (RFC 3264 §6 and §8:
// the m-line count and order never change); on them only c= is rewritten and a=rtcp and
// a=crypto are dropped (they would leak the peer's port and keys). A stream left with no
// acceptable codec is rejected (port 0, formats untouched) and reported, so the caller
// can answer 488 when nothing usable remains.
//
// The o= line is the OriginKeeper's job (origin.h): stamp after rewriting.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sdp/session.h"

namespace trunkline::sdp {

struct CodecFilter {
  std::string media = "audio";  // applies to m= sections of this media type
  /// Codec specs "name[/clock[/channels]]" in preference order; a codec matching none is
  /// removed. Empty: the filter keeps everything in the received order.
  std::vector<std::string> allow;
  /// Keep RFC 4733 telephone-event formats (whose clock matches a kept codec, or all of
  /// them when none does) even when not in `allow`; they go after the allowed codecs.
  bool keepTelephoneEvent = true;
};

/// An a=crypto line to write (owned strings; see values.h Crypto for the fields).
struct CryptoSpec {
  std::uint32_t tag = 1;
  std::string suite;
  std::string keyParams;
  std::string sessionParams;
};

enum class RtcpAction : std::uint8_t { Keep, Set, Remove };

struct StreamPlan {
  std::optional<std::uint16_t> port;   // our relay port for the stream
  std::optional<std::string> address;  // media-level c= for this stream only
  RtcpAction rtcp = RtcpAction::Keep;
  std::uint16_t rtcpPort = 0;        // with RtcpAction::Set
  bool rtcpAddress = false;          // with Set: also write "IN <addrType> <address>"
  std::optional<bool> rtcpMux;       // add (true) or remove (false) a=rtcp-mux
  std::optional<std::string> proto;  // e.g. RTP/AVP <-> RTP/SAVP
  std::optional<Direction> direction;
  std::optional<std::vector<CryptoSpec>> cryptos;  // replace (empty: remove all)
  bool reject = false;  // set port 0 (RFC 3264 §6: the stream is declined)
};

struct RewritePlan {
  std::string addrType = "IP4";               // "IP4" or "IP6"
  std::optional<std::string> address;         // Trunkline's media address towards this leg
  bool keepNullHold = true;                   // leave c=0.0.0.0 as it is
  bool stripIce = false;                      // for legs that are not ICE capable
  std::vector<std::string> removeAttributes;  // names removed at every level
  std::vector<CodecFilter> codecs;
  std::vector<StreamPlan> streams;  // by m= index; streams past the end are not changed
};

struct StreamOutcome {
  bool wasRejected = false;        // port 0 on input
  bool rejected = false;           // port 0 on output
  bool noAcceptableCodec = false;  // the codec filter left nothing; we rejected it
};

struct RewriteReport {
  std::vector<StreamOutcome> streams;
  std::size_t activeStreams = 0;  // streams not rejected on output

  /// Every stream is rejected and at least one for want of a codec: answer 488 (RFC 3261
  /// §21.4.26) rather than send the description.
  bool notAcceptable() const;
};

/// Applies `plan` to `d`. Fails only for an invalid plan (an address, proto or crypto
/// field that is not a single token, more StreamPlans than streams); `d` is then
/// unchanged.
base::Result<RewriteReport> rewrite(SessionDescription& d, const RewritePlan& plan);

/// Filters and orders the codecs of stream i (see CodecFilter). Returns false and rejects
/// the stream (port 0) when no codec other than telephone-event/CN is left. Streams that
/// are rejected, of another media type or not RTP are left alone (true).
bool filterCodecs(SessionDescription& d, std::size_t i, const CodecFilter& filter);

}  // namespace trunkline::sdp
