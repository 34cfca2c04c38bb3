#pragma once
// Codecs of an RTP media section: each m= format resolved to a name and clock rate via its
// a=rtpmap, or via the static payload types of RFC 3551 §6 when there is no rtpmap.
// Stateless helpers; results borrow from the description.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sdp/session.h"

namespace trunkline::sdp {

/// A static payload type assignment (RFC 3551 tables 4 and 5).
struct StaticPayload {
  std::string_view name;
  std::uint32_t clockRate = 0;
  std::uint8_t channels = 1;
};
/// The static assignment of payload type `pt`, or nullopt (dynamic, reserved or unassigned).
std::optional<StaticPayload> staticPayloadType(std::uint8_t pt);

struct Codec {
  std::string_view format;  // as written on the m= line
  std::uint8_t payloadType = 0;
  std::string_view name;  // empty when unknown (dynamic type without rtpmap)
  std::uint32_t clockRate = 0;
  std::uint8_t channels = 1;
  std::string_view fmtp;  // parameters of the a=fmtp line, or empty

  bool known() const { return !name.empty(); }
};

/// The codecs of stream `m`, in m= order. Empty for a non-RTP proto (T.38 over UDPTL,
/// BFCP, ...); formats that are not payload type numbers are skipped.
std::vector<Codec> codecsOf(const MediaSection& m);

/// Whether `c` matches a codec spec "name[/clock[/channels]]" (name case-insensitive, RFC
/// 4855 §3: MIME subtypes are case-insensitive). "G722/8000" matches G.722, whose RTP clock
/// is 8000 though it samples at 16000 (RFC 3551 §4.5.2).
bool codecMatches(const Codec& c, std::string_view spec);

/// RFC 4733 DTMF events ("telephone-event") and RFC 3389 comfort noise ("CN").
bool isTelephoneEvent(const Codec& c);
bool isComfortNoise(const Codec& c);

}  // namespace trunkline::sdp
