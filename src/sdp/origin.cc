#include "sdp/origin.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace trunkline::sdp {

namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

void mix(std::uint64_t& h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
}

void mixLine(std::uint64_t& h, char type, std::string_view value) {
  mix(h, std::string_view(&type, 1));
  mix(h, value);
  mix(h, "\n");
}

}  // namespace

OriginKeeper::OriginKeeper(std::uint64_t sessionId, std::uint64_t initialVersion,
                           std::string username)
    : username_(isToken(username) ? std::move(username) : std::string("-")),
      sessionId_(sessionId),
      version_(initialVersion) {}

std::uint64_t OriginKeeper::contentHash(const SessionDescription& d, std::string_view addrType,
                                        std::string_view address) {
  std::uint64_t h = kFnvOffset;
  mixLine(h, 'o', addrType);
  mixLine(h, 'o', address);
  for (const Line& l : d.sessionLines())
    if (l.type != 'o') mixLine(h, l.type, l.value);
  for (const MediaSection& m : d.mediaSections()) {
    mixLine(h, 'm', m.rawMediaLine());
    for (const Line& l : m.lines()) mixLine(h, l.type, l.value);
  }
  return h;
}

void OriginKeeper::stamp(SessionDescription& d, std::string_view addrType,
                         std::string_view address) {
  const std::uint64_t h = contentHash(d, addrType, address);
  if (stamped_ && h != lastHash_) ++version_;
  lastHash_ = h;
  stamped_ = true;
  const std::string id = fmt::format("{}", sessionId_);
  const std::string version = fmt::format("{}", version_);
  if (!d.setOrigin(Origin{username_, id, version, "IN", addrType, address})) {
    TL_BUG("OriginKeeper::stamp: address or address type is not a token");
  }
}

}  // namespace trunkline::sdp
