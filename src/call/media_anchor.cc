#include "call/media_anchor.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"
#include "media/processor_chain.h"
#include "media/srtp.h"
#include "media/transcode_processor.h"
#include "sdp/codecs.h"
#include "sdp/offer_answer.h"
#include "sdp/origin.h"
#include "sdp/rewrite.h"
#include "sdp/session.h"

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
      const bool rtp = m.proto().find("RTP/") != std::string_view::npos;
      if (m.port() == 0 || !rtp) {
        // Declined (or not RTP: we relay nothing else): tear our side of it down.
        if (st.added) removeStream(i);
        st.flow[idx(from)] = {false, false};
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
  };
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
    (void)i;
    (void)from;
    return SrtpKeys{};  // SRTP in calls is not wired yet
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
