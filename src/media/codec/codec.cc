#include "media/codec/codec.h"

#include <array>

#include "base/strings.h"

namespace trunkline::media::codec {
namespace {

// G.722's rtpmap says 8000 although the audio is 16 kHz: RFC 3551 §4.5.2 keeps the 8000
// of RFC 1890 by mistake and freezes it for compatibility, so every timestamp of a G.722
// stream advances at half the sample rate.
constexpr std::array<CodecInfo, 6> kCodecs = {{
    {CodecId::Pcmu, "PCMU", 8000, 8000, 1, 20, 1, 0, true},
    {CodecId::Pcma, "PCMA", 8000, 8000, 1, 20, 1, 8, true},
    {CodecId::G722, "G722", 8000, 16000, 1, 20, 2, 9, true},
    {CodecId::G729, "G729", 8000, 8000, 1, 20, 80, 18, true},
    // RFC 7587 §4.1: the RTP clock is 48 kHz whatever rate is coded, and the rtpmap always
    // says 2 channels; the smallest Opus frame is 2.5 ms.
    {CodecId::Opus, "opus", 48000, 48000, 2, 20, 120, std::nullopt, true},
    {CodecId::TelephoneEvent, "telephone-event", 8000, 8000, 1, 0, 0, std::nullopt, false},
}};

}  // namespace

std::span<const CodecInfo> allCodecs() {
  return kCodecs;
}

const CodecInfo& codecInfo(CodecId id) {
  return kCodecs[static_cast<std::size_t>(id)];
}

std::string_view codecName(CodecId id) {
  return codecInfo(id).name;
}

const CodecInfo* findCodec(std::string_view encodingName, std::uint32_t clockRate) {
  for (const auto& c : kCodecs) {
    if (!base::iequals(c.name, encodingName)) continue;
    if (c.id == CodecId::TelephoneEvent || c.clockRate == clockRate) return &c;
  }
  return nullptr;
}

const CodecInfo* findStaticPt(std::uint8_t pt) {
  for (const auto& c : kCodecs)
    if (c.staticPt && *c.staticPt == pt) return &c;
  return nullptr;
}

bool isValidPtime(CodecId id, std::uint32_t ptimeMs) {
  switch (id) {
    case CodecId::Opus:
      // One Opus frame per packet; these are the frame durations libopus encodes.
      return ptimeMs == 10 || ptimeMs == 20 || ptimeMs == 40 || ptimeMs == 60;
    case CodecId::Pcmu:
    case CodecId::Pcma:
    case CodecId::G722:
    case CodecId::G729: return ptimeMs >= 10 && ptimeMs <= 200 && ptimeMs % 10 == 0;
    case CodecId::TelephoneEvent: return false;
  }
  return false;
}

std::string_view errcName(PacketErrc e) {
  switch (e) {
    case PacketErrc::EmptyPayload: return "empty payload";
    case PacketErrc::BadLength: return "payload length is not a whole number of frames";
    case PacketErrc::TooLong: return "packet longer than the per-packet maximum";
    case PacketErrc::InvalidPacket: return "invalid packet structure";
    case PacketErrc::UnknownPt: return "unexpected payload type";
    case PacketErrc::BufferTooSmall: return "output buffer too small";
    case PacketErrc::BadFrameSize: return "PCM length is not a valid frame size";
    case PacketErrc::CodecFailure: return "codec library failure";
  }
  return "unknown";
}

}  // namespace trunkline::media::codec
