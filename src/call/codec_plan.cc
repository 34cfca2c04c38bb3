#include "call/codec_plan.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "sdp/codecs.h"

namespace trunkline::call {
namespace {

namespace codec = media::codec;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

/// "name[/clock]" of a transcode_codecs entry → the registry's codec (audio only).
const codec::CodecInfo* resolveSpec(std::string_view spec) {
  std::string_view name = spec;
  std::uint32_t clock = 0;
  if (auto slash = spec.find('/'); slash != std::string_view::npos) {
    name = spec.substr(0, slash);
    std::string_view rest = spec.substr(slash + 1);
    if (auto s2 = rest.find('/'); s2 != std::string_view::npos) rest = rest.substr(0, s2);
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), clock);
    if (ec != std::errc() || p != rest.data() + rest.size()) return nullptr;
  }
  for (const codec::CodecInfo& c : codec::allCodecs()) {
    if (!c.audio || !iequals(c.name, name)) continue;
    if (clock != 0 && clock != c.clockRate) continue;
    return &c;
  }
  return nullptr;
}

bool isRtp(const sdp::MediaSection& m) {
  return m.proto().find("RTP/") != std::string_view::npos;
}

std::string rtpmapValue(std::uint8_t pt, std::string_view name, std::uint32_t clock,
                        std::uint8_t channels) {
  return channels > 1 ? fmt::format("{} {}/{}/{}", pt, name, clock, channels)
                      : fmt::format("{} {}/{}", pt, name, clock);
}

std::uint32_t ptimeFor(codec::CodecId id, std::optional<std::uint32_t> signalled) {
  if (signalled && codec::isValidPtime(id, *signalled)) return *signalled;
  return codec::codecInfo(id).defaultPtimeMs;
}

void setFormats(sdp::SessionDescription& d, std::size_t i, const std::vector<std::string>& f) {
  std::vector<std::string_view> views(f.begin(), f.end());
  d.setFormats(i, views);
}

}  // namespace

base::Result<void> validateTranscodeCodecs(const std::vector<std::string>& codecs) {
  for (const std::string& c : codecs)
    if (resolveSpec(c) == nullptr)
      return base::fail(base::Errc::InvalidArgument,
                        fmt::format("'{}' is not a codec Trunkline transcodes (PCMU, PCMA, "
                                    "G722, G729, opus)",
                                    c));
  return {};
}

void CodecPlan::onOffer(Leg from, sdp::SessionDescription& d) {
  PendingOffer offer;
  offer.from = from;
  offer.streams.resize(d.mediaCount());
  for (std::size_t i = 0; i < d.mediaCount(); ++i) {
    const sdp::MediaSection& m = d.media(i);
    if (m.media() != "audio" || m.rejected() || !isRtp(m)) continue;
    OfferedStream& s = offer.streams[i];
    s.audio = true;
    s.ptime = m.ptime();
    bool decodable = false;
    std::vector<std::string> formats;
    for (const sdp::Codec& c : sdp::codecsOf(m)) {
      OfferedCodec oc;
      oc.pt = c.payloadType;
      oc.name = std::string(c.name);
      oc.clock = c.clockRate;
      oc.channels = c.channels;
      oc.fmtp = std::string(c.fmtp);
      oc.telephoneEvent = sdp::isTelephoneEvent(c);
      if (c.known() && !oc.telephoneEvent) {
        const codec::CodecInfo* info = codec::findCodec(c.name, c.clockRate);
        if (info && info->audio) oc.info = info;
      }
      decodable = decodable || oc.info != nullptr;
      s.codecs.push_back(std::move(oc));
    }
    for (std::string_view f : m.formats()) formats.emplace_back(f);
    if (!policy_.enabled || !decodable) continue;

    std::vector<std::uint8_t> used;
    for (const OfferedCodec& oc : s.codecs) used.push_back(oc.pt);
    auto isUsed = [&](std::uint8_t pt) {
      return std::find(used.begin(), used.end(), pt) != used.end();
    };
    std::vector<std::string> rtpmaps;
    for (const std::string& spec : policy_.codecs) {
      const codec::CodecInfo* info = resolveSpec(spec);
      if (!info) continue;
      const bool offered =
          std::any_of(s.codecs.begin(), s.codecs.end(),
                      [&](const OfferedCodec& oc) { return oc.info && oc.info->id == info->id; });
      if (offered) continue;
      std::optional<std::uint8_t> pt;
      if (info->staticPt && !isUsed(*info->staticPt)) pt = info->staticPt;
      for (std::uint8_t p = 96; !pt && p <= 127; ++p)
        if (!isUsed(p)) pt = p;
      if (!pt) break;  // every dynamic type taken: nothing more fits
      used.push_back(*pt);
      formats.push_back(std::to_string(*pt));
      rtpmaps.push_back(rtpmapValue(*pt, info->name, info->clockRate, info->channels));
    }
    if (rtpmaps.empty()) continue;
    setFormats(d, i, formats);
    for (const std::string& r : rtpmaps) d.addAttribute(i, "rtpmap", r);
  }
  pending_ = std::move(offer);
}

CodecPlan::AnswerResult CodecPlan::onAnswer(Leg from, sdp::SessionDescription& d) {
  AnswerResult result;
  if (!pending_ || pending_->from == from) return result;
  const PendingOffer offer = std::move(*pending_);
  pending_.reset();
  if (decided_.size() < d.mediaCount()) decided_.resize(d.mediaCount());

  for (std::size_t i = 0; i < d.mediaCount(); ++i) {
    std::optional<StreamTranscode> decision;
    const sdp::MediaSection& m = d.media(i);
    const OfferedStream* os = i < offer.streams.size() ? &offer.streams[i] : nullptr;
    if (os && os->audio && !m.rejected() && isRtp(m)) {
      const std::vector<sdp::Codec> answered = sdp::codecsOf(m);
      const sdp::Codec* y = nullptr;
      const sdp::Codec* yEvent = nullptr;
      for (const sdp::Codec& c : answered) {
        if (sdp::isTelephoneEvent(c)) {
          if (!yEvent) yEvent = &c;
        } else if (!y && c.known() && !sdp::isComfortNoise(c)) {
          y = &c;
        }
      }
      const bool shared =
          y && std::any_of(os->codecs.begin(), os->codecs.end(), [&](const OfferedCodec& oc) {
            return !oc.telephoneEvent && iequals(oc.name, y->name) && oc.clock == y->clockRate;
          });
      const codec::CodecInfo* yInfo = y ? codec::findCodec(y->name, y->clockRate) : nullptr;
      const auto x = std::find_if(os->codecs.begin(), os->codecs.end(),
                                  [](const OfferedCodec& oc) { return oc.info != nullptr; });
      if (y && !shared && yInfo && yInfo->audio && x != os->codecs.end()) {
        const OfferedCodec* xEvent = nullptr;
        for (const OfferedCodec& oc : os->codecs)
          if (oc.telephoneEvent && (!xEvent || oc.clock == x->clock)) xEvent = &oc;
        StreamTranscode t;
        TranscodeSide& ys = t.side[static_cast<std::size_t>(from)];
        ys.codec = yInfo->id;
        ys.pt = y->payloadType;
        ys.ptimeMs = ptimeFor(yInfo->id, m.ptime());
        if (yEvent) {
          ys.eventPt = yEvent->payloadType;
          ys.eventClock = yEvent->clockRate;
        }
        TranscodeSide& xs = t.side[static_cast<std::size_t>(offer.from)];
        xs.codec = x->info->id;
        xs.pt = x->pt;
        xs.ptimeMs = ptimeFor(x->info->id, os->ptime);
        // Events flow only when both sides do them; X is told about its own type then.
        if (xEvent && yEvent) {
          xs.eventPt = xEvent->pt;
          xs.eventClock = xEvent->clock;
        }
        decision = t;

        // The answer X receives names X's codec (RFC 3264 §6.1: an answer may only list
        // formats of the offer) and X's ptime; Y's fmtp/ptime mean nothing to X.
        std::vector<std::string> formats{std::to_string(x->pt)};
        if (xs.eventPt) formats.push_back(std::to_string(*xs.eventPt));
        setFormats(d, i, formats);
        for (const char* a : {"rtpmap", "fmtp", "ptime", "maxptime"}) d.removeAttributes(i, a);
        d.addAttribute(i, "rtpmap", rtpmapValue(x->pt, x->name, x->clock, x->channels));
        if (!x->fmtp.empty()) d.addAttribute(i, "fmtp", fmt::format("{} {}", x->pt, x->fmtp));
        if (xs.eventPt) {
          d.addAttribute(i, "rtpmap", rtpmapValue(xEvent->pt, xEvent->name, xEvent->clock, 1));
          d.addAttribute(
              i, "fmtp",
              fmt::format("{} {}", xEvent->pt, xEvent->fmtp.empty() ? "0-16" : xEvent->fmtp));
        }
        if (os->ptime) d.addAttribute(i, "ptime", std::to_string(xs.ptimeMs));
      }
    }
    if (decided_[i] != decision) result.changed.push_back(i);
    decided_[i] = decision;
  }
  return result;
}

std::optional<StreamTranscode> CodecPlan::transcode(std::size_t i) const {
  return i < decided_.size() ? decided_[i] : std::nullopt;
}

bool CodecPlan::anyTranscoded() const {
  return std::any_of(decided_.begin(), decided_.end(), [](const auto& d) { return d.has_value(); });
}

}  // namespace trunkline::call
