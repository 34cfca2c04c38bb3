// libFuzzer target: SDP parse, serialize, structured reads, the B2BUA rewrite, the origin
// keeper and offer/answer. Aborts when a parsed description does not serialize to a fixed
// point (parse(serialize(d)) serializes the same), when a rewrite's output does not parse
// or changes the m-line count (RFC 3264 §6), when an m= line ends up without formats, or
// when a view handed out lies outside the input or the description.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/codecs.h"
#include "sdp/offer_answer.h"
#include "sdp/origin.h"
#include "sdp/rewrite.h"
#include "sdp/session.h"

using namespace trunkline::sdp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Touches every structured accessor (the sanitizers check the reads).
void readAll(const SessionDescription& d) {
  (void)d.origin();
  (void)d.sessionConnection();
  (void)d.sessionDirection();
  (void)d.sessionName();
  for (std::size_t i = 0; i < d.mediaCount(); ++i) {
    const MediaSection& m = d.media(i);
    (void)d.connectionFor(i);
    (void)d.directionFor(i);
    (void)m.rtcp();
    (void)m.ptime();
    (void)m.maxptime();
    (void)m.mid();
    (void)m.fingerprint();
    (void)m.setup();
    (void)m.bandwidths();
    (void)m.candidates();
    for (const Crypto& c : m.cryptos()) (void)parseCryptoKey(c.keyParams);
    for (const Codec& c : codecsOf(m)) {
      (void)m.rtpmap(c.format);
      (void)codecMatches(c, "PCMA/8000");
    }
    (void)holdState(d, i);
  }
  (void)isOnHold(d);
}

RewritePlan planFor(const SessionDescription& d, std::uint8_t knobs) {
  RewritePlan p;
  p.addrType = (knobs & 1) ? "IP6" : "IP4";
  p.address = (knobs & 1) ? "2001:db8::10" : "203.0.113.10";
  p.keepNullHold = (knobs & 2) != 0;
  p.stripIce = (knobs & 4) != 0;
  if (knobs & 8) p.removeAttributes = {"fingerprint", "setup", "ssrc", "rtcp-fb"};
  if (knobs & 16) p.codecs.push_back(CodecFilter{"audio", {"G729", "PCMA/8000", "opus/48000/2"}});
  for (std::size_t i = 0; i < d.mediaCount(); ++i) {
    StreamPlan s;
    s.port = static_cast<std::uint16_t>(40000 + 2 * i);
    s.rtcp = (knobs & 32) ? RtcpAction::Set : RtcpAction::Remove;
    s.rtcpPort = static_cast<std::uint16_t>(40001 + 2 * i);
    s.rtcpAddress = (knobs & 64) != 0;
    s.rtcpMux = (knobs & 128) != 0;
    if (knobs & 64) {
      s.proto = "RTP/SAVP";
      s.cryptos = std::vector<CryptoSpec>{{1, "AES_CM_128_HMAC_SHA1_80", "inline:QUJD", ""}};
    }
    if ((knobs & 24) == 24) s.direction = Direction::SendOnly;
    s.reject = (knobs & 6) == 6 && i == 1;
    p.streams.push_back(s);
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto d = SessionDescription::parse(input);
  if (!d) {
    check(!d.error().message.empty());
    return 0;
  }
  for (const Line& l : d->sessionLines())
    check(l.value.empty() || (l.value.data() >= input.data() &&
                              l.value.data() + l.value.size() <= input.data() + size));
  readAll(*d);

  // Serialization reaches a fixed point in one step.
  const std::string once = d->serialize();
  check(once.size() == d->serializedSize());
  const ParseLimits unlimited{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
  auto again = SessionDescription::parse(once, unlimited);
  check(again.has_value());
  check(again->serialize() == once);

  // Rewrite with a plan chosen by the input's last byte; the result must parse and keep
  // the m-line count.
  const std::uint8_t knobs = size ? data[size - 1] : 0;
  const std::size_t streams = d->mediaCount();
  auto report = rewrite(*d, planFor(*d, knobs));
  check(report.has_value());
  check(report->streams.size() == streams);
  OriginKeeper keeper(1, 1);
  keeper.stamp(*d, (knobs & 1) ? "IP6" : "IP4", (knobs & 1) ? "2001:db8::10" : "203.0.113.10");
  const std::string rewritten = d->serialize();
  auto parsed = SessionDescription::parse(rewritten, unlimited);
  check(parsed.has_value());
  check(parsed->mediaCount() == streams);
  for (std::size_t i = 0; i < streams; ++i) {
    check(!parsed->media(i).formats().empty() || parsed->media(i).rejected());
    if (report->streams[i].wasRejected) check(parsed->media(i).rejected());
  }
  readAll(*parsed);
  // Stamping the same content again keeps the version.
  const std::uint64_t version = keeper.version();
  keeper.stamp(*d, (knobs & 1) ? "IP6" : "IP4", (knobs & 1) ? "2001:db8::10" : "203.0.113.10");
  check(keeper.version() == version);

  // Offer/answer of the original against its rewrite (same m-line count by construction).
  auto n = negotiate(*again, *parsed);
  check(n.has_value());
  check(n->streams.size() == streams);
  SessionDescription c = parsed->clone();
  check(c.serialize() == rewritten);
  return 0;
}
