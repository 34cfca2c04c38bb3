// Parsing, serialization and the read accessors of SessionDescription / MediaSection.
#include "sdp/session.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace trunkline::sdp {

namespace {

base::Result<void> lineError(std::size_t lineNo, std::string_view why) {
  return base::fail(base::Errc::Protocol, fmt::format("SDP line {}: {}", lineNo, why));
}

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t') return false;
  return true;
}

std::optional<std::string_view> firstAttribute(std::span<const Line> lines, std::string_view name) {
  for (const Line& l : lines) {
    if (l.type != 'a') continue;
    Attribute a = parseAttribute(l.value);
    if (a.name == name) return a.value;
  }
  return std::nullopt;
}

std::optional<Direction> lastDirection(std::span<const Line> lines) {
  std::optional<Direction> d;
  for (const Line& l : lines) {
    if (l.type != 'a') continue;
    if (auto x = directionFromName(l.value)) d = x;
  }
  return d;
}

std::optional<Connection> connectionIn(std::span<const Line> lines) {
  for (const Line& l : lines)
    if (l.type == 'c') return parseConnection(l.value);
  return std::nullopt;
}

std::optional<std::uint32_t> numericAttribute(const MediaSection& m, std::string_view name) {
  auto v = m.attribute(name);
  if (!v) return std::nullopt;
  // ptime may be written with a fraction ("20.0") by a few stacks; the integer part counts.
  std::string_view s = *v;
  s = s.substr(0, s.find('.'));
  auto n = parseUnsigned(s, UINT32_MAX);
  if (!n) return std::nullopt;
  return static_cast<std::uint32_t>(*n);
}

void appendLine(std::string& out, char type, std::string_view value) {
  out.push_back(type);
  out.push_back('=');
  out.append(value);
  out.append("\r\n");
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Parsing

base::Result<SessionDescription> SessionDescription::parse(std::string_view text,
                                                           const ParseLimits& limits) {
  SessionDescription d;
  auto ok = parseInto(d, text, limits);
  if (!ok) return tl::unexpected(std::move(ok.error()));
  return d;
}

base::Result<SessionDescription> SessionDescription::parseOwned(std::string_view text,
                                                                const ParseLimits& limits) {
  SessionDescription d;
  if (text.size() > limits.maxBytes) {
    return base::fail(base::Errc::Protocol,
                      fmt::format("SDP body of {} bytes exceeds {}", text.size(), limits.maxBytes));
  }
  std::string_view copy = d.arena_.store(text);
  auto ok = parseInto(d, copy, limits);
  if (!ok) return tl::unexpected(std::move(ok.error()));
  return d;
}

base::Result<void> SessionDescription::parseInto(SessionDescription& d, std::string_view text,
                                                 const ParseLimits& limits) {
  if (text.size() > limits.maxBytes) {
    return base::fail(base::Errc::Protocol,
                      fmt::format("SDP body of {} bytes exceeds {}", text.size(), limits.maxBytes));
  }
  // One line per '\n' at most: reserve once for the session level (media sections take
  // their own small vectors).
  std::size_t pos = 0;
  std::size_t lineNo = 0;
  bool sawVersion = false;
  bool sawOrigin = false;
  d.session_.reserve(16);
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++lineNo;
    if (lineNo > limits.maxLines) {
      return lineError(lineNo, fmt::format("more than {} lines", limits.maxLines));
    }
    if (line.size() > limits.maxLineLength) {
      return lineError(lineNo, fmt::format("longer than {} bytes", limits.maxLineLength));
    }
    // Blank lines (a trailing empty line is common) carry nothing and are dropped.
    if (blank(line)) continue;
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      return lineError(lineNo, "not of the form <type>=<value>");
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    for (char c : value) {
      // RFC 8866 §9: values are byte strings without NUL, CR or LF.
      if (c == '\0' || c == '\r') return lineError(lineNo, "NUL or CR inside a value");
    }
    if (!sawVersion) {
      if (type != 'v' || value != "0") return lineError(lineNo, "the first line must be v=0");
      sawVersion = true;
      d.session_.push_back({type, value});
      continue;
    }
    const bool inMedia = !d.media_.empty();
    switch (type) {
      case 'v': return lineError(lineNo, "a second v= line");
      case 'o':
        if (inMedia) return lineError(lineNo, "o= inside a media description");
        if (sawOrigin) return lineError(lineNo, "a second o= line");
        if (!parseOrigin(value)) return lineError(lineNo, "malformed o= line");
        sawOrigin = true;
        break;
      case 'c':
        if (!parseConnection(value)) return lineError(lineNo, "malformed c= line");
        break;
      case 'm': {
        if (d.media_.size() >= limits.maxMediaSections) {
          return lineError(lineNo,
                           fmt::format("more than {} media descriptions", limits.maxMediaSections));
        }
        auto m = parseMediaLine(value, limits.maxFormatsPerMedia);
        if (!m) return lineError(lineNo, "malformed m= line");
        MediaSection& s = d.media_.emplace_back();
        s.raw_ = value;
        s.mline_ = std::move(*m);
        s.lines_.reserve(8);
        continue;
      }
      default: break;
    }
    if (inMedia) {
      d.media_.back().lines_.push_back({type, value});
    } else {
      d.session_.push_back({type, value});
    }
  }
  if (!sawVersion) return lineError(lineNo + 1, "empty body (no v=0)");
  if (!sawOrigin) return lineError(lineNo + 1, "no o= line");
  return {};
}

SessionDescription SessionDescription::clone() const {
  std::string text = serialize();
  auto copy = parseOwned(text, ParseLimits{text.size(), SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX});
  // What we serialize always parses: every line was validated when it was parsed or built.
  TL_RELEASE_ASSERT(copy.has_value());
  return std::move(*copy);
}

// ---------------------------------------------------------------------------------------
// Serialization

std::size_t SessionDescription::serializedSize() const {
  std::size_t n = 0;
  for (const Line& l : session_) n += l.value.size() + 4;
  for (const MediaSection& m : media_) {
    n += m.raw_.size() + 4;
    for (const Line& l : m.lines_) n += l.value.size() + 4;
  }
  return n;
}

void SessionDescription::serializeTo(std::string& out) const {
  out.reserve(out.size() + serializedSize());
  for (const Line& l : session_) appendLine(out, l.type, l.value);
  for (const MediaSection& m : media_) {
    appendLine(out, 'm', m.raw_);
    for (const Line& l : m.lines_) appendLine(out, l.type, l.value);
  }
}

std::string SessionDescription::serialize() const {
  std::string out;
  serializeTo(out);
  return out;
}

// ---------------------------------------------------------------------------------------
// Session-level reads

Origin SessionDescription::origin() const {
  for (const Line& l : session_) {
    if (l.type != 'o') continue;
    if (auto o = parseOrigin(l.value)) return *o;
  }
  return {};
}

std::optional<Connection> SessionDescription::sessionConnection() const {
  return connectionIn(session_);
}

std::optional<std::string_view> SessionDescription::sessionAttribute(std::string_view name) const {
  return firstAttribute(session_, name);
}

std::optional<Direction> SessionDescription::sessionDirection() const {
  return lastDirection(session_);
}

std::string_view SessionDescription::sessionName() const {
  for (const Line& l : session_)
    if (l.type == 's') return l.value;
  return {};
}

std::optional<Connection> SessionDescription::connectionFor(std::size_t i) const {
  if (auto c = media_[i].connection()) return c;
  return sessionConnection();
}

Direction SessionDescription::directionFor(std::size_t i) const {
  if (auto d = media_[i].direction()) return *d;
  return sessionDirection().value_or(Direction::SendRecv);
}

// ---------------------------------------------------------------------------------------
// Media-level reads

std::optional<Connection> MediaSection::connection() const {
  return connectionIn(lines_);
}

std::optional<std::string_view> MediaSection::attribute(std::string_view name) const {
  return firstAttribute(lines_, name);
}

std::optional<Direction> MediaSection::direction() const {
  return lastDirection(lines_);
}

std::optional<RtpMap> MediaSection::rtpmap(std::string_view format) const {
  std::optional<RtpMap> found;
  forEachAttribute("rtpmap", [&](std::string_view v) {
    if (found) return;
    std::string_view copy = v;
    if (nextToken(copy) != format) return;
    found = parseRtpMap(v);
  });
  return found;
}

std::optional<std::string_view> MediaSection::fmtp(std::string_view format) const {
  std::optional<std::string_view> found;
  forEachAttribute("fmtp", [&](std::string_view v) {
    if (found) return;
    auto f = parseFmtp(v);
    if (f && f->format == format) found = f->params;
  });
  return found;
}

std::optional<Rtcp> MediaSection::rtcp() const {
  auto v = attribute("rtcp");
  if (!v) return std::nullopt;
  return parseRtcp(*v);
}

std::optional<std::uint32_t> MediaSection::ptime() const {
  return numericAttribute(*this, "ptime");
}

std::optional<std::uint32_t> MediaSection::maxptime() const {
  return numericAttribute(*this, "maxptime");
}

std::vector<Crypto> MediaSection::cryptos() const {
  std::vector<Crypto> out;
  forEachAttribute("crypto", [&](std::string_view v) {
    if (auto c = parseCrypto(v)) out.push_back(*c);
  });
  return out;
}

std::vector<Candidate> MediaSection::candidates() const {
  std::vector<Candidate> out;
  forEachAttribute("candidate", [&](std::string_view v) {
    if (auto c = parseCandidate(v)) out.push_back(*c);
  });
  return out;
}

bool MediaSection::hasIce() const {
  for (const Line& l : lines_)
    if (l.type == 'a' && isIceAttribute(parseAttribute(l.value).name)) return true;
  return false;
}

std::optional<Fingerprint> MediaSection::fingerprint() const {
  auto v = attribute("fingerprint");
  if (!v) return std::nullopt;
  return parseFingerprint(*v);
}

std::optional<Setup> MediaSection::setup() const {
  auto v = attribute("setup");
  if (!v) return std::nullopt;
  return parseSetup(*v);
}

std::vector<Bandwidth> MediaSection::bandwidths() const {
  std::vector<Bandwidth> out;
  for (const Line& l : lines_)
    if (l.type == 'b')
      if (auto b = parseBandwidth(l.value)) out.push_back(*b);
  return out;
}

}  // namespace trunkline::sdp
