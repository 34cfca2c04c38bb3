#pragma once
// The codecs Trunkline can relay and transcode, as plain descriptions (no state), and the
// per-packet error type of this module.
//
// Everything here is immutable, constexpr-built data: safe from any thread, lives forever.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <tl/expected.hpp>

namespace trunkline::media::codec {

enum class CodecId : std::uint8_t {
  Pcmu,            // G.711 µ-law (RFC 3551 §4.5.14)
  Pcma,            // G.711 A-law
  G722,            // ITU-T G.722 at 64 kbit/s
  G729,            // ITU-T G.729 / Annex A, Annex B SID frames understood on decode
  Opus,            // RFC 7587
  TelephoneEvent,  // RFC 4733 named events: never transcoded, only re-labelled
};

/// What an SDP rtpmap line and the relay need to know about a codec.
struct CodecInfo {
  CodecId id;
  std::string_view name;     // encoding name as written in a=rtpmap (case-insensitive there)
  std::uint32_t clockRate;   // RTP timestamp units per second (the rtpmap rate)
  std::uint32_t sampleRate;  // native audio rate; differs from clockRate for G.722
  std::uint8_t channels;     // rtpmap channel count (Opus is always announced as 2)
  std::uint16_t defaultPtimeMs;
  std::uint16_t frameSamples;            // a payload holds a whole number of these, at sampleRate
  std::optional<std::uint8_t> staticPt;  // RFC 3551 table 4, if any
  bool audio;                            // false for telephone-event
};

/// Every codec of the registry, in CodecId order.
std::span<const CodecInfo> allCodecs();
const CodecInfo& codecInfo(CodecId id);
std::string_view codecName(CodecId id);
/// Looks a codec up by rtpmap encoding name (ASCII case-insensitive) and clock rate.
/// telephone-event matches any clock rate (it follows the audio it rides with).
const CodecInfo* findCodec(std::string_view encodingName, std::uint32_t clockRate);
/// The codec a static payload type (0, 8, 9, 18) stands for without an rtpmap.
const CodecInfo* findStaticPt(std::uint8_t pt);
/// Whether `ptimeMs` can be produced by an Encoder of `id` as one packet.
bool isValidPtime(CodecId id, std::uint32_t ptimeMs);

/// Why one packet could not be handled. A closed set with no message so that hostile input
/// costs no allocation; errcName() gives a stable text for logs and counters.
enum class PacketErrc : std::uint8_t {
  EmptyPayload,    // zero-length payload
  BadLength,       // size is not a whole number of frames for the codec
  TooLong,         // decodes to more audio than the configured per-packet maximum
  InvalidPacket,   // the payload's own structure is wrong (Opus TOC/framing)
  UnknownPt,       // payload type is not the one this stream carries
  BufferTooSmall,  // caller's output span is smaller than required
  BadFrameSize,    // PCM handed to an encoder is not a frame multiple the codec accepts
  CodecFailure,    // the library refused for another reason
};
std::string_view errcName(PacketErrc e);

template <class T>
using PacketResult = tl::expected<T, PacketErrc>;

inline tl::unexpected<PacketErrc> packetError(PacketErrc e) {
  return tl::unexpected<PacketErrc>(e);
}

}  // namespace trunkline::media::codec
