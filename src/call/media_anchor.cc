#include "call/media_anchor.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"
#include "media/processor_chain.h"
#include "media/sdes.h"
#include "media/srtp.h"
#include "media/transcode_processor.h"
#include "sdp/codecs.h"
#include "sdp/offer_answer.h"
#include "sdp/origin.h"
#include "sdp/rewrite.h"
#include "sdp/session.h"
#include "sdp/values.h"

namespace trunkline::call {
namespace {

using SrtpKeys = std::pair<std::optional<media::SrtpKey>, std::optional<media::SrtpKey>>;

using base::Errc;

media::Leg relayLeg(Leg l) {
  return l == Leg::Caller ? media::Leg::A : media::Leg::B;
}

/// The peer's RTP address for stream i, or nullopt when it has none to send to yet (port 0,
/// c=0.0.0.0 hold, a name instead of an address).
std::optional<net::Address> peerRtp(const sdp::SessionDescription& d, std::size_t i) {
  const auto& m = d.media(i);
  auto c = d.connectionFor(i);
  if (!c || m.port() == 0 || c->isNullAddress()) return std::nullopt;
  return net::Address::fromIp(c->address, m.port());
}

media::LegSignal signalOf(const sdp::SessionDescription& d, std::size_t i) {
  media::LegSignal s;
  s.rtp = peerRtp(d, i);
  const auto& m = d.media(i);
  s.rtcpMux = m.rtcpMux();
  if (auto r = m.rtcp(); r && s.rtp) {
    s.rtcp = r->address.empty() ? net::Address::fromIp(s.rtp->ip(), r->port)
                                : net::Address::fromIp(r->address, r->port);
  }
  for (const auto& c : sdp::codecsOf(m)) {
    if (c.name.empty()) continue;
    s.payloads.push_back(media::PayloadMapping{c.payloadType, c.clockRate, std::string(c.name)});
  }
  return s;
}

/// Whether the side that wrote `d` sends / receives on stream i (RFC 3264 §5.1, §8.4).
struct Flow {
  bool sends = true;
  bool receives = true;
};
Flow flowOf(const sdp::SessionDescription& d, std::size_t i) {
  if (d.media(i).port() == 0) return {false, false};
  auto c = d.connectionFor(i);
  if (c && c->isNullAddress()) return {false, false};
  switch (d.directionFor(i)) {
    case sdp::Direction::SendRecv: return {true, true};
    case sdp::Direction::SendOnly: return {true, false};
    case sdp::Direction::RecvOnly: return {false, true};
    case sdp::Direction::Inactive: return {false, false};
  }
  return {};
}

std::uint32_t toUs(double ms) {
  return ms <= 0 ? 0 : static_cast<std::uint32_t>(std::min(ms * 1000.0, 4.0e9));
}

/// DTLS-SRTP (UDP/TLS/RTP/SAVP[F]) needs a DTLS endpoint, which the relay is not: such
/// streams are declined rather than relayed with keys we cannot know.
bool isDtlsProto(std::string_view proto) {
  return proto.find("TLS/") != std::string_view::npos;
}

/// RTP/AVP[F] <-> RTP/SAVP[F], keeping the feedback profile (RFC 4585) as it was.
std::string withSecurity(std::string_view proto, bool secure) {
  std::string p(proto);
  const auto slash = p.rfind('/');
  if (slash == std::string::npos) return p;
  std::string profile = p.substr(slash + 1);
  const bool isSecure = profile.size() >= 4 && profile.compare(0, 4, "SAVP") == 0;
  if (secure && !isSecure && profile.compare(0, 3, "AVP") == 0) profile.insert(0, "S");
  if (!secure && isSecure) profile.erase(0, 1);
  return p.substr(0, slash + 1) + profile;
}

/// An a=crypto line copied out of a description (its views die with the rewrite).
struct OwnedCrypto {
  std::uint32_t tag = 0;
  std::string suite, keyParams, sessionParams;
};

std::vector<OwnedCrypto> cryptosOf(const sdp::MediaSection& m) {
  std::vector<OwnedCrypto> out;
  for (const auto& c : m.cryptos())
    out.push_back(
        {c.tag, std::string(c.suite), std::string(c.keyParams), std::string(c.sessionParams)});
  return out;
}

std::vector<media::SdesCrypto> views(const std::vector<OwnedCrypto>& cs) {
  std::vector<media::SdesCrypto> v;
  for (const auto& c : cs) v.push_back({c.tag, c.suite, c.keyParams, c.sessionParams});
  return v;
}

std::string_view policyName(storage::SrtpPolicy p) {
  switch (p) {
    case storage::SrtpPolicy::Off: return "off";
    case storage::SrtpPolicy::Offer: return "offer";
    case storage::SrtpPolicy::Required: return "required";
  }
  return "off";
}

/// What one leg has negotiated with us on one stream (RFC 4568: each leg has its own keys;
/// nothing crosses from one leg to the other).
struct LegCrypto {
  bool secure = false;                 // SRTP is in use with this leg
  std::optional<media::SrtpKey> recv;  // the leg's key: unprotects what it sends
  std::optional<media::SrtpKey> send;  // our key: protects what we send it
  std::uint32_t tag = 0;               // the agreed a=crypto tag
  // Our latest offer to the leg (empty: we offered plain RTP).
  std::vector<media::SdesOfferLine> offered;
  // The leg's latest offer: its proto (echoed in our answer) and what we answer it with.
  std::string offerProto;
  std::optional<media::SdesAnswer> answer;
};

/// The SRTP part of one stream of one description, decided before anything changes, so
/// that a refusal (488) leaves the call as it was.
struct CryptoStep {
  // Offer from X: our answer to X (nullopt: plain), and our offer to the other leg Y.
  std::optional<media::SdesAnswer> answerX;
  std::string protoX;
  std::vector<media::SdesOfferLine> offerY;
  std::string protoY;
  // Answer from Y to our offer: the keys (nullopt: plain RTP with Y).
  std::optional<media::SdesKeys> keysY;
  std::uint32_t tagY = 0;
};

class AnchoredCallMedia final : public CallMedia {
 public:
  AnchoredCallMedia(AnchoredMedia& owner, std::uint64_t callId, std::function<void()> onNoMedia)
      : owner_(owner),
        callId_(callId),
        onNoMedia_(std::move(onNoMedia)),
        origins_{sdp::OriginKeeper(owner.nextRandom() >> 2, 1),
                 sdp::OriginKeeper(owner.nextRandom() >> 2, 1)} {}

  ~AnchoredCallMedia() override {
    storage::Cdr ignored;
    close(ignored);
  }

  void setCodecs(std::vector<std::string> codecs) override { codecs_ = std::move(codecs); }
  void setFamily(Leg leg, int family) override { family_[idx(leg)] = family; }
  void setSrtp(Leg leg, storage::SrtpPolicy policy) override {
    srtp_[idx(leg)] = policy;
    // A new peer on the leg: what was agreed with the previous one does not carry over.
    for (auto& st : streams_) st.crypto[idx(leg)] = LegCrypto{};
  }

  base::Result<std::string> relay(Leg from, SdpRole role, std::string_view text) override {
    auto parsed = sdp::SessionDescription::parse(text);
    if (!parsed) return base::fail(Errc::InvalidArgument, "SDP: " + parsed.error().message);
    sdp::SessionDescription& d = *parsed;
    const Leg to = other(from);
    if (closed_) return base::fail(Errc::Unavailable, "media session closed");
    if (!session_) {
      auto id = owner_.engine().createSession();
      if (!id) return tl::unexpected(id.error());
      session_ = *id;
      owner_.watch(*session_, &onNoMedia_);
    }
    // Offers are filtered by the call's codecs before anything is allocated, so a stream
    // left with nothing acceptable is declined instead of relayed.
    bool codecRefused = false;
    if (role == SdpRole::Offer && !codecs_.empty()) {
      for (std::size_t i = 0; i < d.mediaCount(); ++i)
        if (!sdp::filterCodecs(d, i, sdp::CodecFilter{"audio", codecs_, true})) codecRefused = true;
    }
    if (streams_.size() < d.mediaCount()) streams_.resize(d.mediaCount());
    // Transcoding (call/codec_plan.h): the offer gains the codecs we can transcode to.
    if (role == SdpRole::Offer) plan_.onOffer(from, d);
    std::vector<CryptoStep> steps(d.mediaCount());
    for (std::size_t i = 0; i < d.mediaCount(); ++i) {
      const auto& m = d.media(i);
      if (m.port() == 0 || !sdp::isRtpProto(m.proto()) || isDtlsProto(m.proto())) continue;
      auto r = role == SdpRole::Offer ? offerStep(from, i, m, steps[i])
                                      : answerStep(from, i, m, steps[i]);
      if (!r) return tl::unexpected(r.error());
    }

    const net::Address local = localFor(to);
    sdp::RewritePlan plan;
    plan.addrType = local.isV6() ? "IP6" : "IP4";
    plan.address = local.ip();
    plan.stripIce = true;
    plan.streams.resize(d.mediaCount());
    bool anyActive = false;
    for (std::size_t i = 0; i < d.mediaCount(); ++i) {
      Stream& st = streams_[i];
      const auto& m = d.media(i);
      const bool rtp = sdp::isRtpProto(m.proto());
      if (m.port() == 0 || !rtp || isDtlsProto(m.proto())) {
        // Declined (or not RTP: we relay nothing else): tear our side of it down.
        if (st.added) removeStream(i);
        st.flow[idx(from)] = {false, false};
        if (m.port() != 0 && isDtlsProto(m.proto())) plan.streams[i].reject = true;
        continue;
      }
      st.flow[idx(from)] = flowOf(d, i);
      const auto signal = signalOf(d, i);
      if (!st.added) {
        if (role == SdpRole::Answer) {
          // An answer cannot add a stream the offer did not have (RFC 3264 §6).
          plan.streams[i].reject = true;
          continue;
        }
        media::StreamSpec spec;
        spec.leg(relayLeg(from)).localIp = localFor(from);
        spec.leg(relayLeg(from)).remote = signal;
        spec.leg(relayLeg(to)).localIp = local;
        auto ports = owner_.engine().addStream(*session_, static_cast<media::StreamId>(i), spec);
        if (!ports) {
          TL_LOG_WARN("call {}: no relay ports for stream {}: {}", callId_, i,
                      ports.error().message);
          return base::fail(Errc::Unavailable, "no media relay ports: " + ports.error().message);
        }
        st.added = true;
        st.ports = *ports;
      } else if (auto r = owner_.engine().updateLeg(*session_, static_cast<media::StreamId>(i),
                                                    relayLeg(from), signal);
                 !r) {
        TL_LOG_WARN("call {}: stream {} update failed: {}", callId_, i, r.error().message);
      }
      applyForwarding(i);
      applyCrypto(from, role, i, steps[i], plan.streams[i]);
      anyActive = true;
      const auto& ours = st.ports.leg(relayLeg(to));
      auto& sp = plan.streams[i];
      sp.port = ours.rtp.port();
      if (signal.rtcpMux) {
        sp.rtcp = sdp::RtcpAction::Remove;  // a=rtcp-mux stays; RTCP comes on the RTP port
      } else {
        sp.rtcp = sdp::RtcpAction::Set;
        sp.rtcpPort = ours.rtcp.port();
      }
    }
    if (role == SdpRole::Answer) {
      // Signals above took the answerer's own codecs; what the offerer is told changes now.
      for (std::size_t i : plan_.onAnswer(from, d).changed) installTranscode(i);
      for (std::size_t i = 0; i < transcode_.size(); ++i) applyProcessors(i, false);
    }
    auto report = sdp::rewrite(d, plan);
    if (!report) return base::fail(Errc::InvalidArgument, "SDP rewrite: " + report.error().message);
    if (role == SdpRole::Offer && !anyActive && (codecRefused || report->notAcceptable()))
      return base::fail(Errc::InvalidArgument, "no acceptable codec");
    origins_[idx(to)].stamp(d, plan.addrType, *plan.address);
    return d.serialize();
  }

  void close(storage::Cdr& cdr) override {
    if (closed_) return;
    closed_ = true;
    if (!session_) return;
    owner_.unwatch(*session_);
    auto stats = owner_.engine().destroySession(*session_);
    session_.reset();
    if (!stats) return;
    cdr.media.anchored = true;
    double worst = 0;
    bool audio = false;
    for (const auto& s : stats->streams) {
      for (auto leg : {media::Leg::A, media::Leg::B}) {
        const auto& d = s.fromLeg(leg);
        auto& out = leg == media::Leg::A ? cdr.media.fromCaller : cdr.media.fromCallee;
        out.packets += d.rtpPackets;
        out.lost += d.rtp.lost > 0 ? d.rtp.lost : 0;
        out.jitterUs = std::max(out.jitterUs, toUs(d.rtp.maxJitterMs));
        if (d.mos > 0) {
          const auto mos = static_cast<std::uint16_t>(d.mos * 100.0 + 0.5);
          out.mosX100 = out.mosX100 == 0 ? mos : std::min(out.mosX100, mos);
          worst = audio ? std::min(worst, d.mos) : d.mos;
          audio = true;
        }
      }
    }
    if (audio && worst < owner_.config().poorMosThreshold) {
      cdr.media.flags |= storage::kCdrPoorQuality;
      TL_LOG_WARN(
          "call {}: poor media quality, MOS {:.2f} (caller sent {} packets, {} lost; "
          "callee sent {} packets, {} lost)",
          cdr.callUuid, worst, cdr.media.fromCaller.packets, cdr.media.fromCaller.lost,
          cdr.media.fromCallee.packets, cdr.media.fromCallee.lost);
    }
  }

 private:
  struct Stream {
    bool added = false;
    media::StreamPorts ports;
    std::array<Flow, 2> flow{};  // what each leg's latest description says
    std::array<LegCrypto, 2> crypto{};
    // The keys of the processor installed per direction (by sending leg): sender's, ours.
    std::array<std::pair<std::optional<media::SrtpKey>, std::optional<media::SrtpKey>>, 2>
        installed{};
  };

  // SRTP refusals carry a short fixed reason (it ends up in the CDR attempt's reason, which
  // readers match on); the stream and the details go to the log only.
  static constexpr std::string_view kSrtpOfferRefused =
      "SRTP required: offer without usable crypto";
  static constexpr std::string_view kSrtpAnswerRefused =
      "SRTP required: answer without usable crypto";

  base::Result<void> refuse(std::string_view reason, std::string_view detail) const {
    TL_LOG_INFO("call {}: {} ({})", callId_, reason, detail);
    return base::fail(Errc::InvalidArgument, std::string(reason));
  }

  // An offer from X on stream i (RFC 4568 §7.1.2 for our answer to X, §7.1.1 for our offer
  // to Y). X's policy decides what we accept: an RTP/SAVP offer is taken whatever the
  // policy (a peer that insists on SRTP gets it if its crypto is usable: be liberal), a
  // best-effort RTP/AVP offer with a=crypto is taken unless the policy is off, and a plain
  // offer is refused only by "required". Y's policy decides what we offer: off → RTP/AVP
  // without crypto; offer → RTP/AVP with a=crypto (best-effort SDES, what SBCs send for
  // optional SRTP: a plain peer ignores the lines, a capable one answers with one);
  // required → RTP/SAVP with a=crypto.
  base::Result<void> offerStep(Leg x, std::size_t i, const sdp::MediaSection& m, CryptoStep& step) {
    const Leg y = other(x);
    const auto policyX = srtp_[idx(x)];
    const auto policyY = srtp_[idx(y)];
    const bool savp = sdp::isSecureRtpProto(m.proto());
    const auto cryptos = cryptosOf(m);
    step.protoX = std::string(m.proto());
    const bool wantsSrtp = savp || (!cryptos.empty() && policyX != storage::SrtpPolicy::Off);
    if (wantsSrtp) {
      if (cryptos.empty())
        return refuse(kSrtpOfferRefused,
                      fmt::format("stream {}: {} offer without a=crypto (only SDES is supported)",
                                  i, m.proto()));
      auto answer = media::answerSdes(views(cryptos), media::srtpAvailableSuites());
      if (answer) {
        keepOurKey(x, i, *answer);
        step.answerX = std::move(*answer);
      } else if (savp || policyX == storage::SrtpPolicy::Required) {
        return refuse(kSrtpOfferRefused, fmt::format("stream {}: SRTP offer not acceptable: {}", i,
                                                     answer.error().message));
      }
    } else if (policyX == storage::SrtpPolicy::Required) {
      return refuse(kSrtpOfferRefused,
                    fmt::format("stream {}: SRTP is required (policy {}) but the offer is plain "
                                "RTP",
                                i, policyName(policyX)));
    }

    step.protoY = withSecurity(m.proto(), policyY == storage::SrtpPolicy::Required);
    if (policyY == storage::SrtpPolicy::Off) return {};
    const LegCrypto* known = i < streams_.size() ? &streams_[i].crypto[idx(y)] : nullptr;
    if (known && known->secure && known->send) {
      // A re-offer keeps the agreed key and tag (RFC 4568 §7.1.4 allows reusing them);
      // only a change by the peer re-keys.
      media::SdesOfferLine line;
      line.tag = known->tag;
      line.suite = known->send->suite();
      line.local = *known->send;
      line.keyParams = media::formatSdesKeyParams(*known->send);
      step.offerY.push_back(std::move(line));
      return {};
    }
    auto lines = media::makeSdesOffer(media::srtpAvailableSuites());
    if (!lines) return base::fail(Errc::Internal, "SRTP keys: " + lines.error().message);
    step.offerY = std::move(*lines);
    return {};
  }

  // Our answer to X keeps our previous key when X offers the key it already uses, so an
  // offer relayed again (failover, re-INVITE) does not re-key the direction towards X.
  void keepOurKey(Leg x, std::size_t i, media::SdesAnswer& answer) const {
    if (i >= streams_.size()) return;
    const LegCrypto& lc = streams_[i].crypto[idx(x)];
    const media::SrtpKey* ours = nullptr;
    if (lc.answer && lc.answer->remote == answer.remote)
      ours = &lc.answer->local;
    else if (lc.secure && lc.recv && lc.send && *lc.recv == answer.remote)
      ours = &*lc.send;
    if (!ours || ours->suite() != answer.suite) return;
    answer.local = *ours;
    answer.keyParams = media::formatSdesKeyParams(*ours);
  }

  // An answer from Y to our offer on stream i (RFC 4568 §7.1.3): it must pick one of our
  // lines when we required SRTP; with a best-effort offer a plain answer is fine.
  base::Result<void> answerStep(Leg y, std::size_t i, const sdp::MediaSection& m,
                                CryptoStep& step) {
    if (i >= streams_.size()) return {};
    const LegCrypto& lc = streams_[i].crypto[idx(y)];
    if (lc.offered.empty()) return {};  // we offered plain RTP: any a=crypto is ignored
    const auto cryptos = cryptosOf(m);
    if (cryptos.empty()) {
      if (srtp_[idx(y)] == storage::SrtpPolicy::Required || sdp::isSecureRtpProto(m.proto()))
        return refuse(kSrtpAnswerRefused,
                      fmt::format("stream {}: answer without a=crypto to an SRTP offer (policy {})",
                                  i, policyName(srtp_[idx(y)])));
      return {};
    }
    const auto v = views(cryptos);
    auto keys = media::acceptSdesAnswer(lc.offered, v.front());
    if (!keys)
      return refuse(kSrtpAnswerRefused, fmt::format("stream {}: SRTP answer not acceptable: {}", i,
                                                    keys.error().message));
    step.keysY = std::move(*keys);
    step.tagY = cryptos.front().tag;
    return {};
  }

  // Writes the stream's SRTP part into the plan and, once both legs have agreed (an
  // answer), installs the processors of both directions.
  void applyCrypto(Leg from, SdpRole role, std::size_t i, CryptoStep& step, sdp::StreamPlan& sp) {
    Stream& st = streams_[i];
    if (role == SdpRole::Offer) {
      LegCrypto& x = st.crypto[idx(from)];
      LegCrypto& y = st.crypto[idx(other(from))];
      x.offerProto = step.protoX;
      x.answer = std::move(step.answerX);
      y.offered = std::move(step.offerY);
      sp.proto = step.protoY;
      std::vector<sdp::CryptoSpec> lines;
      for (const auto& l : y.offered)
        lines.push_back({l.tag, std::string(media::srtpSuiteName(l.suite)), l.keyParams, {}});
      sp.cryptos = std::move(lines);
      return;
    }
    LegCrypto& y = st.crypto[idx(from)];
    LegCrypto& x = st.crypto[idx(other(from))];
    y.secure = step.keysY.has_value();
    y.recv = step.keysY ? std::optional(step.keysY->remote) : std::nullopt;
    y.send = step.keysY ? std::optional(step.keysY->local) : std::nullopt;
    y.tag = step.tagY;
    x.secure = x.answer.has_value();
    x.recv = x.answer ? std::optional(x.answer->remote) : std::nullopt;
    x.send = x.answer ? std::optional(x.answer->local) : std::nullopt;
    x.tag = x.answer ? x.answer->tag : 0;
    if (!x.offerProto.empty()) sp.proto = x.offerProto;
    std::vector<sdp::CryptoSpec> lines;
    if (x.answer)
      lines.push_back({x.answer->tag,
                       std::string(media::srtpSuiteName(x.answer->suite)),
                       x.answer->keyParams,
                       {}});
    sp.cryptos = std::move(lines);
    programSrtp(i);
  }

  // Per direction: decrypt with the sender's key when it is SRTP, encrypt with ours for the
  // receiver when it is; re-installed only when a key changed (a new processor would start
  // the replay window and rollover counter again).
  void programSrtp(std::size_t i) {
    Stream& st = streams_[i];
    for (Leg from : {Leg::Caller, Leg::Callee}) {
      const LegCrypto& s = st.crypto[idx(from)];
      const LegCrypto& r = st.crypto[idx(other(from))];
      std::pair<std::optional<media::SrtpKey>, std::optional<media::SrtpKey>> want{
          s.secure ? s.recv : std::nullopt, r.secure ? r.send : std::nullopt};
      if (want == st.installed[idx(from)]) continue;
      std::shared_ptr<media::PacketProcessor> p;
      base::Result<void> made;
      if (want.first && want.second) {
        auto x = media::SrtpReencrypt::create(*want.first, *want.second);
        if (x)
          p = *x;
        else
          made = tl::unexpected(x.error());
      } else if (want.first) {
        auto x = media::SrtpUnprotect::create(*want.first);
        if (x)
          p = *x;
        else
          made = tl::unexpected(x.error());
      } else if (want.second) {
        auto x = media::SrtpProtect::create(*want.second);
        if (x)
          p = *x;
        else
          made = tl::unexpected(x.error());
      }
      if (!made) {
        // Nothing forwarded beats forwarding plain text to a leg that expects SRTP.
        TL_LOG_WARN("call {}: stream {}: SRTP context: {}", callId_, i, made.error().message);
        (void)owner_.engine().setForwarding(*session_, static_cast<media::StreamId>(i),
                                            relayLeg(from), false);
        continue;
      }
      if (auto r2 = owner_.engine().setProcessor(*session_, static_cast<media::StreamId>(i),
                                                 relayLeg(from), std::move(p));
          !r2) {
        TL_LOG_WARN("call {}: stream {}: SRTP processor: {}", callId_, i, r2.error().message);
        continue;
      }
      st.installed[idx(from)] = std::move(want);
    }
  }
  static std::size_t idx(Leg l) { return static_cast<std::size_t>(l); }

  net::Address localFor(Leg leg) const {
    const auto& cfg = owner_.config();
    if (family_[idx(leg)] == AF_INET6 && cfg.ipv6) return *cfg.ipv6;
    if (cfg.ipv4) return *cfg.ipv4;
    return *cfg.ipv6;
  }

  // A direction is relayed when its sender sends and its receiver receives; otherwise it is
  // on hold (dropped, and the session gets the relay's hold timeout).
  void applyForwarding(std::size_t i) {
    const Stream& st = streams_[i];
    for (Leg from : {Leg::Caller, Leg::Callee}) {
      const bool forward = st.flow[idx(from)].sends && st.flow[idx(other(from))].receives;
      (void)owner_.engine().setForwarding(*session_, static_cast<media::StreamId>(i),
                                          relayLeg(from), forward);
    }
  }

  // ---- transcoding ----------------------------------------------------------------
  struct TranscodeState {
    // Per sending leg: the transcoder, and the SRTP keys the installed chain was built with.
    std::array<std::shared_ptr<media::TranscodeProcessor>, 2> proc{};
    std::array<SrtpKeys, 2> keys{};
    bool active() const { return proc[0] || proc[1]; }
  };

  // The plan changed for stream i: new transcoders for both directions (or none).
  void installTranscode(std::size_t i) {
    if (i >= streams_.size() || !streams_[i].added || !session_) return;
    if (transcode_.size() <= i) transcode_.resize(i + 1);
    TranscodeState& ts = transcode_[i];
    const bool was = ts.active();
    ts.proc = {};
    if (const auto t = plan_.transcode(i)) {
      for (Leg from : {Leg::Caller, Leg::Callee}) {
        const TranscodeSide& in = t->of(from);
        const TranscodeSide& out = t->of(other(from));
        media::TranscodeConfig c;
        c.transcoder.inCodec = in.codec;
        c.transcoder.inPt = in.pt;
        c.transcoder.outCodec = out.codec;
        c.transcoder.outPt = out.pt;
        c.transcoder.outPtimeMs = out.ptimeMs;
        c.transcoder.inEventPt = in.eventPt;
        c.transcoder.inEventClock = in.eventClock;
        c.transcoder.outEventPt = out.eventPt;
        c.transcoder.outEventClock = out.eventClock;
        // A new RTP source towards the receiver (RFC 3550 §5.1: random initial values).
        const std::uint64_t r = owner_.nextRandom();
        c.transcoder.firstSeq = static_cast<std::uint16_t>(r);
        c.transcoder.firstTimestamp = static_cast<std::uint32_t>(r >> 16);
        c.ssrc = static_cast<std::uint32_t>(owner_.nextRandom()) | 1;
        auto p = media::TranscodeProcessor::create(c);
        if (!p) {
          TL_LOG_WARN("call {}: stream {}: transcoder: {}", callId_, i, p.error().message);
          ts.proc = {};
          break;
        }
        ts.proc[idx(from)] = std::move(*p);
      }
      if (ts.active())
        TL_LOG_INFO("call {}: stream {}: transcoding {}/{} ms (caller) <-> {}/{} ms (callee)",
                    callId_, i, media::codec::codecName(t->of(Leg::Caller).codec),
                    t->of(Leg::Caller).ptimeMs, media::codec::codecName(t->of(Leg::Callee).codec),
                    t->of(Leg::Callee).ptimeMs);
    }
    if (was || ts.active()) applyProcessors(i, true);
  }

  // Installs each direction's processor: [SRTP unprotect, transcode, SRTP protect] while
  // stream i is transcoded (rebuilt when the SRTP keys change), and on `force` (transcoding
  // just stopped or changed) also the plain SRTP processor or none.
  void applyProcessors(std::size_t i, bool force) {
    if (i >= transcode_.size() || !session_) return;
    TranscodeState& ts = transcode_[i];
    if (!ts.active() && !force) return;
    for (Leg from : {Leg::Caller, Leg::Callee}) {
      const SrtpKeys keys = srtpKeys(i, from);
      if (!force && keys == ts.keys[idx(from)]) continue;
      std::vector<std::shared_ptr<media::PacketProcessor>> stages;
      bool ok = true;
      auto add = [&](auto created) {
        if (created)
          stages.push_back(std::move(*created));
        else
          ok = false;
      };
      if (ts.proc[idx(from)] || !(keys.first && keys.second)) {
        if (keys.first) add(media::SrtpUnprotect::create(*keys.first));
        stages.push_back(ts.proc[idx(from)]);
        if (keys.second) add(media::SrtpProtect::create(*keys.second));
      } else {
        add(media::SrtpReencrypt::create(*keys.first, *keys.second));
      }
      const auto sid = static_cast<media::StreamId>(i);
      if (!ok) {  // nothing forwarded beats plain text to a leg that expects SRTP
        TL_LOG_WARN("call {}: stream {}: SRTP context for the transcoded direction", callId_, i);
        (void)owner_.engine().setForwarding(*session_, sid, relayLeg(from), false);
        continue;
      }
      (void)owner_.engine().setProcessor(*session_, sid, relayLeg(from),
                                         media::chainOf(std::move(stages)));
      ts.keys[idx(from)] = keys;
    }
  }

  // The SRTP keys of direction `from` on stream i: the sender's (to unprotect) and ours
  // towards the receiver (to protect), as the SRTP part of this class installed them.
  SrtpKeys srtpKeys(std::size_t i, Leg from) const {
    return i < streams_.size() ? streams_[i].installed[idx(from)] : SrtpKeys{};
  }

  void removeStream(std::size_t i) {
    if (i < transcode_.size()) transcode_[i] = TranscodeState{};
    (void)owner_.engine().removeStream(*session_, static_cast<media::StreamId>(i));
    streams_[i] = Stream{};
  }

  AnchoredMedia& owner_;
  std::uint64_t callId_;
  std::function<void()> onNoMedia_;
  std::array<sdp::OriginKeeper, 2> origins_;
  std::array<int, 2> family_{AF_INET, AF_INET};
  std::array<storage::SrtpPolicy, 2> srtp_{storage::SrtpPolicy::Off, storage::SrtpPolicy::Off};
  std::vector<std::string> codecs_;
  std::optional<media::SessionId> session_;
  std::vector<Stream> streams_;
  CodecPlan plan_{owner_.config().transcode};
  std::vector<TranscodeState> transcode_;  // by stream index
  bool closed_ = false;
};

}  // namespace

AnchoredMedia::AnchoredMedia(media::MediaEngine& engine, AnchoredMediaConfig config,
                             std::uint64_t seed)
    : engine_(engine), config_(std::move(config)), state_(seed | 1) {}

AnchoredMedia::~AnchoredMedia() = default;

std::uint64_t AnchoredMedia::nextRandom() {
  // SplitMix64: o= session ids need to be unpredictable-ish and distinct, not secret.
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::unique_ptr<CallMedia> AnchoredMedia::open(std::uint64_t callId,
                                               std::function<void()> onNoMedia) {
  return std::make_unique<AnchoredCallMedia>(*this, callId, std::move(onNoMedia));
}

void AnchoredMedia::watch(media::SessionId id, std::function<void()>* onNoMedia) {
  watched_[id] = onNoMedia;
}

void AnchoredMedia::unwatch(media::SessionId id) {
  watched_.erase(id);
}

void AnchoredMedia::dispatch(const media::MediaEvent& event) {
  switch (event.type) {
    case media::MediaEvent::Type::NoMediaTimeout: {
      auto it = watched_.find(event.session);
      if (it == watched_.end() || !*it->second) return;
      TL_LOG_INFO("media session {}: no RTP for {} s", event.session,
                  std::chrono::duration_cast<std::chrono::seconds>(event.idle).count());
      // Ending the call destroys the function's owner: run a copy.
      auto fn = *it->second;
      fn();
      return;
    }
    case media::MediaEvent::Type::FirstPacket:
    case media::MediaEvent::Type::RemoteMoved:
      TL_LOG_DEBUG("media session {} stream {} leg {}{}: source {} (signalled {})", event.session,
                   event.stream, media::legName(event.leg), event.rtcp ? " rtcp" : "",
                   event.source.toString(),
                   event.signalled ? event.signalled->toString() : std::string("none"));
      return;
  }
}

}  // namespace trunkline::call
