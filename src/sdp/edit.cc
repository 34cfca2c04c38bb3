// The edit functions of SessionDescription. Each renders the changed line into the arena;
// lines not touched keep borrowing the parsed text, so they serialize unchanged.
#include <algorithm>
#include <string>

#include "base/assert.h"
#include "sdp/session.h"

namespace trunkline::sdp {

namespace {

bool isOneOf(char c, std::string_view set) {
  return set.find(c) != std::string_view::npos;
}

// Index of the first line whose type is in `before`, else the end: where a line that RFC
// 8866 §5 orders ahead of those types is inserted.
std::size_t insertionPoint(const std::vector<Line>& lines, std::string_view before) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (isOneOf(lines[i].type, before)) return i;
  return lines.size();
}

// An attribute we write must stay one line and keep its name/value split.
bool validAttribute(std::string_view name, std::optional<std::string_view> value) {
  if (!isToken(name) || name.find(':') != std::string_view::npos) return false;
  if (value) {
    for (char c : *value)
      if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool isAttributeNamed(const Line& l, std::string_view name) {
  return l.type == 'a' && parseAttribute(l.value).name == name;
}

// Removes every line matching pred; returns the index the first one had (npos if none).
template <class Pred>
std::size_t removeAndRemember(std::vector<Line>& lines, Pred pred) {
  std::size_t first = std::string_view::npos;
  std::size_t out = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (pred(lines[i])) {
      if (first == std::string_view::npos) first = out;
      continue;
    }
    lines[out++] = lines[i];
  }
  lines.resize(out);
  return first;
}

}  // namespace

bool SessionDescription::setOrigin(const Origin& o) {
  std::string text;
  appendOrigin(text, o);
  // Re-parse what we would write: the same check every received o= line passed.
  if (!parseOrigin(text)) return false;
  std::string_view value = arena_.store(text);
  for (Line& l : session_) {
    if (l.type == 'o') {
      l.value = value;
      return true;
    }
  }
  // parse() guarantees an o= line; keep the RFC order (right after v=) if one was removed.
  session_.insert(session_.begin() + std::min<std::size_t>(1, session_.size()), {'o', value});
  return true;
}

bool SessionDescription::setConnection(std::size_t scope, std::string_view addrType,
                                       std::string_view address) {
  if (!isToken(addrType) || !isToken(address)) return false;
  std::string text;
  appendConnection(text, addrType, address);
  std::string_view value = arena_.store(text);
  std::vector<Line>& lines = linesOf(scope);
  for (Line& l : lines) {
    if (l.type == 'c') {
      l.value = value;
      return true;
    }
  }
  // Session: c= comes after v o s i u e p and before b t r z k a. Media: after i= and
  // before b k a (RFC 8866 §5).
  std::string_view before = scope == kSessionLevel ? "btrzka" : "bka";
  std::size_t at = insertionPoint(lines, before);
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), {'c', value});
  return true;
}

bool SessionDescription::removeConnection(std::size_t scope) {
  return std::erase_if(linesOf(scope), [](const Line& l) { return l.type == 'c'; }) > 0;
}

void SessionDescription::renderMediaLine(std::size_t media) {
  MediaSection& m = media_[media];
  std::string text;
  appendMediaLine(text, m.mline_);
  m.raw_ = arena_.store(text);
  // Re-point the parsed fields into the stored text, so no view refers to an argument.
  auto parsed = parseMediaLine(m.raw_, SIZE_MAX);
  TL_RELEASE_ASSERT(parsed.has_value());
  m.mline_ = std::move(*parsed);
}

void SessionDescription::setPort(std::size_t media, std::uint16_t port) {
  MediaSection& m = media_[media];
  if (m.mline_.port == port) return;
  // A port-0 line is allowed without formats; give it a format back before reopening it.
  if (port != 0 && m.mline_.formats.empty()) return;
  m.mline_.port = port;
  renderMediaLine(media);
}

void SessionDescription::setPortCount(std::size_t media, std::uint16_t count) {
  MediaSection& m = media_[media];
  if (m.mline_.portCount == count) return;
  m.mline_.portCount = count;
  renderMediaLine(media);
}

bool SessionDescription::setProto(std::size_t media, std::string_view proto) {
  if (!isToken(proto)) return false;
  MediaSection& m = media_[media];
  if (m.mline_.proto == proto) return true;
  m.mline_.proto = proto;
  renderMediaLine(media);
  return true;
}

bool SessionDescription::setFormats(std::size_t media, std::span<const std::string_view> formats) {
  if (formats.empty()) return false;
  for (std::string_view f : formats)
    if (!isToken(f)) return false;
  MediaSection& m = media_[media];
  if (std::equal(formats.begin(), formats.end(), m.mline_.formats.begin(), m.mline_.formats.end()))
    return true;
  m.mline_.formats.assign(formats.begin(), formats.end());
  renderMediaLine(media);
  return true;
}

std::size_t SessionDescription::removeAttributes(std::size_t scope, std::string_view name) {
  return std::erase_if(linesOf(scope), [&](const Line& l) { return isAttributeNamed(l, name); });
}

bool SessionDescription::addAttribute(std::size_t scope, std::string_view name,
                                      std::optional<std::string_view> value) {
  if (!validAttribute(name, value)) return false;
  std::string text(name);
  if (value) {
    text.push_back(':');
    text.append(*value);
  }
  linesOf(scope).push_back({'a', arena_.store(text)});
  return true;
}

bool SessionDescription::setAttribute(std::size_t scope, std::string_view name,
                                      std::optional<std::string_view> value) {
  if (!validAttribute(name, value)) return false;
  std::string text(name);
  if (value) {
    text.push_back(':');
    text.append(*value);
  }
  std::string_view stored = arena_.store(text);
  std::vector<Line>& lines = linesOf(scope);
  std::size_t at =
      removeAndRemember(lines, [&](const Line& l) { return isAttributeNamed(l, name); });
  if (at == std::string_view::npos) at = lines.size();
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), {'a', stored});
  return true;
}

void SessionDescription::setDirection(std::size_t scope, std::optional<Direction> d) {
  std::vector<Line>& lines = linesOf(scope);
  std::size_t at = removeAndRemember(
      lines, [](const Line& l) { return l.type == 'a' && directionFromName(l.value).has_value(); });
  if (!d) return;
  if (at == std::string_view::npos) at = lines.size();
  // The names are string literals: no need to copy them into the arena.
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), {'a', directionName(*d)});
}

void SessionDescription::setRtcp(std::size_t media, std::optional<std::uint16_t> port,
                                 std::string_view addrType, std::string_view address) {
  std::vector<Line>& lines = linesOf(media);
  std::size_t at =
      removeAndRemember(lines, [](const Line& l) { return isAttributeNamed(l, "rtcp"); });
  if (!port) return;
  std::string text = "rtcp:";
  if (!address.empty() && (!isToken(addrType) || !isToken(address))) address = {};
  appendRtcp(text, *port, addrType, address);
  if (at == std::string_view::npos) at = lines.size();
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), {'a', arena_.store(text)});
}

void SessionDescription::setCryptos(std::size_t media, std::span<const Crypto> cryptos) {
  std::vector<Line>& lines = linesOf(media);
  std::size_t at =
      removeAndRemember(lines, [](const Line& l) { return isAttributeNamed(l, "crypto"); });
  if (at == std::string_view::npos) at = lines.size();
  for (const Crypto& c : cryptos) {
    if (!isToken(c.suite) || !isToken(c.keyParams) || c.tag > 999999999) {
      TL_BUG("setCryptos: crypto attribute with an invalid field skipped");
      continue;
    }
    std::string text = "crypto:";
    appendCrypto(text, c);
    for (char& ch : text)
      if (ch == '\r' || ch == '\n' || ch == '\0') ch = ' ';
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at++), {'a', arena_.store(text)});
  }
}

std::size_t SessionDescription::stripIce() {
  auto ice = [](const Line& l) {
    return l.type == 'a' && isIceAttribute(parseAttribute(l.value).name);
  };
  std::size_t n = std::erase_if(session_, ice);
  for (MediaSection& m : media_) n += std::erase_if(m.lines_, ice);
  return n;
}

}  // namespace trunkline::sdp
