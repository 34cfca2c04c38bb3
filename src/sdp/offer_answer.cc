#include "sdp/offer_answer.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "sdp/codecs.h"

namespace trunkline::sdp {

namespace {

const Codec* findInOffer(const std::vector<Codec>& offer, const Codec& a) {
  for (const Codec& o : offer) {
    if (a.known() && o.known()) {
      if (base::iequals(o.name, a.name) && o.clockRate == a.clockRate && o.channels == a.channels)
        return &o;
    } else if (o.payloadType == a.payloadType) {
      return &o;
    }
  }
  return nullptr;
}

std::optional<CryptoAgreement> agreeCrypto(const MediaSection& offer, const MediaSection& answer) {
  std::vector<Crypto> offered = offer.cryptos();
  for (const Crypto& a : answer.cryptos()) {
    for (const Crypto& o : offered)
      if (o.tag == a.tag && base::iequals(o.suite, a.suite)) return CryptoAgreement{o, a};
  }
  return std::nullopt;
}

}  // namespace

HoldState holdState(const SessionDescription& d, std::size_t i) {
  auto c = d.connectionFor(i);
  if (c && c->isNullAddress()) return HoldState::NullAddress;
  switch (d.directionFor(i)) {
    case Direction::SendOnly: return HoldState::SendOnly;
    case Direction::Inactive: return HoldState::Inactive;
    default: return HoldState::None;
  }
}

bool isOnHold(const SessionDescription& d) {
  std::size_t active = 0;
  for (std::size_t i = 0; i < d.mediaCount(); ++i) {
    if (d.media(i).rejected()) continue;
    ++active;
    if (holdState(d, i) == HoldState::None) return false;
  }
  return active > 0;
}

std::size_t Negotiation::activeStreams() const {
  std::size_t n = 0;
  for (const StreamAgreement& s : streams)
    if (!s.rejected) ++n;
  return n;
}

base::Result<Negotiation> negotiate(const SessionDescription& offer,
                                    const SessionDescription& answer) {
  if (offer.mediaCount() != answer.mediaCount()) {
    return base::fail(base::Errc::Protocol,
                      fmt::format("answer has {} m-lines, the offer {} (RFC 3264 §6)",
                                  answer.mediaCount(), offer.mediaCount()));
  }
  Negotiation n;
  n.streams.reserve(offer.mediaCount());
  for (std::size_t i = 0; i < offer.mediaCount(); ++i) {
    const MediaSection& o = offer.media(i);
    const MediaSection& a = answer.media(i);
    if (o.media() != a.media()) {
      return base::fail(base::Errc::Protocol,
                        fmt::format("m-line {}: offer has {}, answer {}", i, o.media(), a.media()));
    }
    StreamAgreement& s = n.streams.emplace_back();
    s.index = i;
    s.media = o.media();
    // An answer must not accept what the offer declined (RFC 3264 §6); if it does, the
    // stream still counts as rejected.
    s.rejected = o.rejected() || a.rejected();
    s.offerDirection = offer.directionFor(i);
    s.answerDirection = answer.directionFor(i);
    s.offerHold = holdState(offer, i);
    s.answerHold = holdState(answer, i);
    if (s.rejected) continue;
    // A null address says "do not send to me" whatever the direction (RFC 3264 §8.4).
    const bool offererReceives =
        receives(s.offerDirection) && s.offerHold != HoldState::NullAddress;
    const bool answererReceives =
        receives(s.answerDirection) && s.answerHold != HoldState::NullAddress;
    s.offererSends = sends(s.offerDirection) && answererReceives;
    s.answererSends = sends(s.answerDirection) && offererReceives;
    s.rtcpMux = o.rtcpMux() && a.rtcpMux();
    s.secure = isSecureRtpProto(a.proto());
    if (s.secure) s.crypto = agreeCrypto(o, a);

    const std::vector<Codec> offered = codecsOf(o);
    for (const Codec& ac : codecsOf(a)) {
      const Codec* oc = findInOffer(offered, ac);
      if (!oc) continue;
      NegotiatedCodec c;
      c.payloadType = ac.payloadType;
      c.offerPayloadType = oc->payloadType;
      c.name = ac.known() ? ac.name : oc->name;
      c.clockRate = ac.known() ? ac.clockRate : oc->clockRate;
      c.channels = ac.known() ? ac.channels : oc->channels;
      c.answerFmtp = ac.fmtp;
      c.offerFmtp = oc->fmtp;
      s.codecs.push_back(c);
    }
  }
  return n;
}

}  // namespace trunkline::sdp
