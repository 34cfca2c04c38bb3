#include "sdp/codecs.h"

#include <array>

#include "base/strings.h"

namespace trunkline::sdp {

namespace {

struct StaticEntry {
  std::uint8_t pt;
  StaticPayload payload;
};

// RFC 3551 §6, tables 4 (audio) and 5 (video). Types 1 and 2 are reserved (formerly
// 1016 and G721), 19 is reserved (formerly CN), 20-24 and 27, 29, 30 are unassigned.
constexpr std::array<StaticEntry, 24> kStatic = {{
    {0, {"PCMU", 8000, 1}},   {3, {"GSM", 8000, 1}},    {4, {"G723", 8000, 1}},
    {5, {"DVI4", 8000, 1}},   {6, {"DVI4", 16000, 1}},  {7, {"LPC", 8000, 1}},
    {8, {"PCMA", 8000, 1}},   {9, {"G722", 8000, 1}},   {10, {"L16", 44100, 2}},
    {11, {"L16", 44100, 1}},  {12, {"QCELP", 8000, 1}}, {13, {"CN", 8000, 1}},
    {14, {"MPA", 90000, 1}},  {15, {"G728", 8000, 1}},  {16, {"DVI4", 11025, 1}},
    {17, {"DVI4", 22050, 1}}, {18, {"G729", 8000, 1}},  {25, {"CelB", 90000, 1}},
    {26, {"JPEG", 90000, 1}}, {28, {"nv", 90000, 1}},   {31, {"H261", 90000, 1}},
    {32, {"MPV", 90000, 1}},  {33, {"MP2T", 90000, 1}}, {34, {"H263", 90000, 1}},
}};

}  // namespace

std::optional<StaticPayload> staticPayloadType(std::uint8_t pt) {
  for (const StaticEntry& e : kStatic)
    if (e.pt == pt) return e.payload;
  return std::nullopt;
}

std::vector<Codec> codecsOf(const MediaSection& m) {
  std::vector<Codec> out;
  if (!isRtpProto(m.proto())) return out;
  out.reserve(m.formats().size());
  for (std::string_view f : m.formats()) {
    auto pt = parsePayloadType(f);
    if (!pt) continue;
    Codec c;
    c.format = f;
    c.payloadType = *pt;
    if (auto r = m.rtpmap(f)) {
      c.name = r->name;
      c.clockRate = r->clockRate;
      c.channels = r->channels;
    } else if (auto s = staticPayloadType(*pt)) {
      c.name = s->name;
      c.clockRate = s->clockRate;
      c.channels = s->channels;
    }
    c.fmtp = m.fmtp(f).value_or(std::string_view{});
    out.push_back(c);
  }
  return out;
}

bool codecMatches(const Codec& c, std::string_view spec) {
  if (!c.known()) return false;
  std::size_t s1 = spec.find('/');
  if (!base::iequals(spec.substr(0, s1), c.name)) return false;
  if (s1 == std::string_view::npos) return true;
  std::string_view after = spec.substr(s1 + 1);
  std::size_t s2 = after.find('/');
  auto rate = parseUnsigned(after.substr(0, s2), UINT32_MAX);
  if (!rate || *rate != c.clockRate) return false;
  if (s2 == std::string_view::npos) return true;
  auto ch = parseUnsigned(after.substr(s2 + 1), 255);
  return ch && *ch == c.channels;
}

bool isTelephoneEvent(const Codec& c) {
  return base::iequals(c.name, "telephone-event");
}

bool isComfortNoise(const Codec& c) {
  return base::iequals(c.name, "CN");
}

}  // namespace trunkline::sdp
