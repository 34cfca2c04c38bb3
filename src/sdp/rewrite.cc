#include "sdp/rewrite.h"

#include <algorithm>

#include <fmt/format.h>

#include "sdp/codecs.h"

namespace trunkline::sdp {

namespace {

bool validCrypto(const CryptoSpec& c) {
  if (c.tag > 999999999 || !isToken(c.suite) || !isToken(c.keyParams)) return false;
  for (char ch : c.sessionParams)
    if (ch == '\r' || ch == '\n' || ch == '\0') return false;
  return true;
}

base::Result<void> validate(const SessionDescription& d, const RewritePlan& plan) {
  auto bad = [](std::string what) {
    return base::fail(base::Errc::InvalidArgument, std::move(what));
  };
  if (plan.streams.size() > d.mediaCount()) {
    return bad(fmt::format("rewrite plan has {} streams, the description {}", plan.streams.size(),
                           d.mediaCount()));
  }
  if (!isToken(plan.addrType)) return bad("rewrite plan: bad address type");
  if (plan.address && !isToken(*plan.address)) return bad("rewrite plan: bad address");
  for (const std::string& name : plan.removeAttributes)
    if (!isToken(name)) return bad("rewrite plan: bad attribute name");
  for (std::size_t i = 0; i < plan.streams.size(); ++i) {
    const StreamPlan& s = plan.streams[i];
    if (s.address && !isToken(*s.address)) return bad(fmt::format("stream {}: bad address", i));
    if (s.proto && !isToken(*s.proto)) return bad(fmt::format("stream {}: bad proto", i));
    if (s.cryptos) {
      for (const CryptoSpec& c : *s.cryptos)
        if (!validCrypto(c)) return bad(fmt::format("stream {}: bad crypto", i));
    }
    if (s.rtcp == RtcpAction::Set && s.rtcpAddress && !s.address && !plan.address)
      return bad(fmt::format("stream {}: rtcp address wanted but no address", i));
  }
  return {};
}

// Rewrites the c= of a scope to `address` unless it is a kept null-address hold.
void rewriteConnection(SessionDescription& d, std::size_t scope,
                       const std::optional<Connection>& current, const RewritePlan& plan,
                       const std::string& address) {
  if (current && plan.keepNullHold && current->isNullAddress()) return;
  (void)d.setConnection(scope, plan.addrType, address);
}

}  // namespace

bool RewriteReport::notAcceptable() const {
  if (activeStreams != 0) return false;
  return std::any_of(streams.begin(), streams.end(),
                     [](const StreamOutcome& s) { return s.noAcceptableCodec; });
}

bool filterCodecs(SessionDescription& d, std::size_t i, const CodecFilter& filter) {
  const MediaSection& m = d.media(i);
  if (m.rejected() || filter.allow.empty() || m.media() != filter.media || !isRtpProto(m.proto()))
    return true;
  const std::vector<Codec> codecs = codecsOf(m);
  std::vector<bool> taken(codecs.size(), false);
  std::vector<std::string_view> formats;
  formats.reserve(codecs.size());
  bool usable = false;
  // Preference order is the allow-list's; among codecs matching the same spec, the
  // received order (the sender's preference, RFC 3264 §5.1) decides.
  for (const std::string& spec : filter.allow) {
    for (std::size_t k = 0; k < codecs.size(); ++k) {
      if (taken[k] || !codecMatches(codecs[k], spec)) continue;
      taken[k] = true;
      formats.push_back(codecs[k].format);
      if (!isTelephoneEvent(codecs[k]) && !isComfortNoise(codecs[k])) usable = true;
    }
  }
  if (!usable) {
    d.setPort(i, 0);
    return false;
  }
  if (filter.keepTelephoneEvent) {
    // RFC 4733 §7.1.1: events use the clock of the audio codec they go with, so keep the
    // telephone-event formats whose rate matches a kept codec; if none matches, all.
    auto keptRate = [&](std::uint32_t rate) {
      for (std::size_t k = 0; k < codecs.size(); ++k)
        if (taken[k] && !isTelephoneEvent(codecs[k]) && codecs[k].clockRate == rate) return true;
      return false;
    };
    bool anyMatch = false;
    for (std::size_t k = 0; k < codecs.size(); ++k)
      if (!taken[k] && isTelephoneEvent(codecs[k]) && keptRate(codecs[k].clockRate))
        anyMatch = true;
    for (std::size_t k = 0; k < codecs.size(); ++k) {
      if (taken[k] || !isTelephoneEvent(codecs[k])) continue;
      if (anyMatch && !keptRate(codecs[k].clockRate)) continue;
      taken[k] = true;
      formats.push_back(codecs[k].format);
    }
  }
  // setFormats re-points the m= line into the arena, so the views in `formats` (into the
  // old m= text) must be used before anything else changes it.
  const bool ok = d.setFormats(i, formats);
  if (!ok) return true;  // formats come from the m= line: cannot happen
  const std::vector<std::string_view>& kept = d.media(i).formats();
  d.removeAttributesIf(i, [&](const Attribute& a) {
    std::string_view f = formatOfAttribute(a);
    if (f.empty() || f == "*") return false;
    return std::find(kept.begin(), kept.end(), f) == kept.end();
  });
  return true;
}

base::Result<RewriteReport> rewrite(SessionDescription& d, const RewritePlan& plan) {
  if (auto ok = validate(d, plan); !ok) return tl::unexpected(std::move(ok.error()));
  RewriteReport report;
  report.streams.resize(d.mediaCount());

  for (const std::string& name : plan.removeAttributes) {
    d.removeAttributes(kSessionLevel, name);
    for (std::size_t i = 0; i < d.mediaCount(); ++i) d.removeAttributes(i, name);
  }
  if (plan.stripIce) d.stripIce();

  if (plan.address) {
    auto session = d.sessionConnection();
    bool someStreamLacksC = false;
    for (std::size_t i = 0; i < d.mediaCount(); ++i)
      if (!d.media(i).connection()) someStreamLacksC = true;
    // RFC 8866 §5.7: every stream needs a c=, its own or the session's.
    if (session || someStreamLacksC)
      rewriteConnection(d, kSessionLevel, session, plan, *plan.address);
  }

  const StreamPlan kNoChange;
  for (std::size_t i = 0; i < d.mediaCount(); ++i) {
    const StreamPlan& sp = i < plan.streams.size() ? plan.streams[i] : kNoChange;
    StreamOutcome& out = report.streams[i];
    out.wasRejected = d.media(i).rejected();

    if (!out.wasRejected && sp.reject) d.setPort(i, 0);
    if (!d.media(i).rejected()) {
      for (const CodecFilter& f : plan.codecs) {
        if (!filterCodecs(d, i, f)) out.noAcceptableCodec = true;
      }
    }

    const std::optional<std::string>& address = sp.address ? sp.address : plan.address;
    if (address) {
      auto current = d.media(i).connection();
      if (current || sp.address) rewriteConnection(d, i, current, plan, *address);
    }

    if (d.media(i).rejected()) {
      out.rejected = true;
      d.setRtcp(i, std::nullopt);
      d.removeAttributes(i, "crypto");
      continue;
    }
    if (sp.port) d.setPort(i, *sp.port);
    if (sp.proto) (void)d.setProto(i, *sp.proto);
    if (sp.rtcp == RtcpAction::Set) {
      if (sp.rtcpAddress) {
        d.setRtcp(i, sp.rtcpPort, plan.addrType, *address);
      } else {
        d.setRtcp(i, sp.rtcpPort);
      }
    } else if (sp.rtcp == RtcpAction::Remove) {
      d.setRtcp(i, std::nullopt);
    }
    if (sp.rtcpMux) {
      if (*sp.rtcpMux) {
        (void)d.setAttribute(i, "rtcp-mux");
      } else {
        d.removeAttributes(i, "rtcp-mux");
      }
    }
    if (sp.direction) d.setDirection(i, *sp.direction);
    if (sp.cryptos) {
      std::vector<Crypto> views;
      views.reserve(sp.cryptos->size());
      for (const CryptoSpec& c : *sp.cryptos)
        views.push_back(Crypto{c.tag, c.suite, c.keyParams, c.sessionParams});
      d.setCryptos(i, views);
    }
    ++report.activeStreams;
  }
  return report;
}

}  // namespace trunkline::sdp
