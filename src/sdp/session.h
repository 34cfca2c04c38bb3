#pragma once
// SessionDescription: one parsed SDP body (RFC 8866) that can be read, edited and written.
//
// Parsing splits the body into lines and keeps each as a view (type letter + value) over
// the input, in order, unknown lines included, so an unedited description serializes back
// byte-exact (with CRLF line ends; LF-only input is accepted). Only what every caller
// needs is validated eagerly: the line syntax, v=0, the o= line, every c= line and every
// m= line. Attributes are parsed when asked for (values.h); a malformed attribute reads
// as absent rather than failing the whole body.
//
// Editing renders the changed line once into an arena owned by the description and
// re-points the line there; everything else still borrows the input. So a description
// from parse() must not outlive the text it was parsed from; parseOwned() and clone()
// give one that owns its text. Move-only (views into the arena survive moves). Not
// thread-safe; lives on the call's shard thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "sdp/arena.h"
#include "sdp/values.h"

namespace trunkline::sdp {

/// Bounds against hostile or broken input; a body beyond any of them is refused.
struct ParseLimits {
  std::size_t maxBytes = 64 * 1024;
  std::size_t maxLines = 2048;
  std::size_t maxLineLength = 4096;
  std::size_t maxMediaSections = 64;
  std::size_t maxFormatsPerMedia = 128;
};

/// One "<type>=<value>" line; `value` excludes the line end.
struct Line {
  char type = 0;
  std::string_view value;
};

/// Scope argument of the edit functions meaning the session level (else a media index).
inline constexpr std::size_t kSessionLevel = static_cast<std::size_t>(-1);

/// A media description: its m= line and the lines up to the next m= (c=, b=, i=, k=, a=
/// and anything unknown, in order). Read-only here; edits go through SessionDescription.
class MediaSection {
 public:
  const MediaLine& mediaLine() const { return mline_; }
  std::string_view media() const { return mline_.media; }
  std::uint16_t port() const { return mline_.port; }
  std::uint16_t portCount() const { return mline_.portCount; }
  std::string_view proto() const { return mline_.proto; }
  const std::vector<std::string_view>& formats() const { return mline_.formats; }
  /// Port 0: the stream is rejected or disabled (RFC 3264 §5.1, §6).
  bool rejected() const { return mline_.port == 0; }
  /// The m= value as it will be written.
  std::string_view rawMediaLine() const { return raw_; }
  std::span<const Line> lines() const { return lines_; }

  /// The media-level c= line, if any (see SessionDescription::connectionFor).
  std::optional<Connection> connection() const;
  /// First media-level attribute `name`: its value ("" for a property attribute).
  std::optional<std::string_view> attribute(std::string_view name) const;
  bool hasAttribute(std::string_view name) const { return attribute(name).has_value(); }
  /// Calls fn(value) for every media-level attribute `name`, in order.
  template <class Fn>
  void forEachAttribute(std::string_view name, Fn&& fn) const {
    for (const Line& l : lines_) {
      if (l.type != 'a') continue;
      Attribute a = parseAttribute(l.value);
      if (a.name == name) fn(a.value);
    }
  }
  /// The media-level direction attribute, if any (the last one wins if several).
  std::optional<Direction> direction() const;
  std::optional<RtpMap> rtpmap(std::string_view format) const;
  /// fmtp parameters of `format`, if it has an a=fmtp line.
  std::optional<std::string_view> fmtp(std::string_view format) const;
  std::optional<Rtcp> rtcp() const;
  bool rtcpMux() const { return hasAttribute("rtcp-mux"); }
  std::optional<std::uint32_t> ptime() const;
  std::optional<std::uint32_t> maxptime() const;
  std::vector<Crypto> cryptos() const;
  std::optional<std::string_view> mid() const { return attribute("mid"); }
  std::vector<Candidate> candidates() const;
  bool hasIce() const;
  std::optional<Fingerprint> fingerprint() const;
  std::optional<Setup> setup() const;
  std::vector<Bandwidth> bandwidths() const;

 private:
  friend class SessionDescription;
  std::string_view raw_;
  MediaLine mline_;
  std::vector<Line> lines_;
};

class SessionDescription {
 public:
  /// Parses `text`, which must outlive the result. Errors name the 1-based line and why.
  static base::Result<SessionDescription> parse(std::string_view text,
                                                const ParseLimits& limits = {});
  /// A temporary string would be gone before the description is used: use parseOwned.
  template <class S>
  requires std::is_same_v<S, std::string>
  static base::Result<SessionDescription> parse(S&& text, const ParseLimits& limits = {}) = delete;
  /// Same, over a copy of `text` the description owns.
  static base::Result<SessionDescription> parseOwned(std::string_view text,
                                                     const ParseLimits& limits = {});

  SessionDescription(SessionDescription&&) noexcept = default;
  SessionDescription& operator=(SessionDescription&&) noexcept = default;
  SessionDescription(const SessionDescription&) = delete;
  SessionDescription& operator=(const SessionDescription&) = delete;

  /// An independent description owning its text (the current content, edits included).
  SessionDescription clone() const;

  std::string serialize() const;
  void serializeTo(std::string& out) const;
  std::size_t serializedSize() const;

  // ---- session level ----
  /// Session-level lines (v=, o=, s=, ... up to the first m=), in order.
  std::span<const Line> sessionLines() const { return session_; }
  /// The o= line (validated at parse time, so always present).
  Origin origin() const;
  std::optional<Connection> sessionConnection() const;
  std::optional<std::string_view> sessionAttribute(std::string_view name) const;
  bool hasSessionAttribute(std::string_view name) const {
    return sessionAttribute(name).has_value();
  }
  std::optional<Direction> sessionDirection() const;
  /// The session-level s= value, or empty.
  std::string_view sessionName() const;
  bool iceLite() const { return hasSessionAttribute("ice-lite"); }

  // ---- media ----
  std::size_t mediaCount() const { return media_.size(); }
  const MediaSection& media(std::size_t i) const { return media_[i]; }
  std::span<const MediaSection> mediaSections() const { return media_; }
  /// The c= that applies to stream i: its own, else the session's (RFC 8866 §5.7).
  std::optional<Connection> connectionFor(std::size_t i) const;
  /// The direction that applies to stream i: media level, else session level, else
  /// sendrecv (RFC 3264 §5.1).
  Direction directionFor(std::size_t i) const;

  // ---- edits (text arguments are copied; views may be temporaries) ----
  /// Replaces the o= line. False (and no change) when a field is not a valid token.
  bool setOrigin(const Origin& o);
  /// Sets (or adds) the c= line of a scope: kSessionLevel or a media index. False (and no
  /// change) when addrType or address is not a single token.
  bool setConnection(std::size_t scope, std::string_view addrType, std::string_view address);
  /// Removes the c= line of a scope; returns whether there was one.
  bool removeConnection(std::size_t scope);
  void setPort(std::size_t media, std::uint16_t port);
  void setPortCount(std::size_t media, std::uint16_t count);
  /// False (and no change) when proto is not a single token.
  bool setProto(std::size_t media, std::string_view proto);
  /// Replaces the m= format list. Refused (false) when empty, since an m= line always needs
  /// one format (RFC 8866 §5.14), or when a format is not a single token.
  bool setFormats(std::size_t media, std::span<const std::string_view> formats);

  /// Removes every a= line of the scope named `name`; returns how many.
  std::size_t removeAttributes(std::size_t scope, std::string_view name);
  /// Removes every a= line of the scope for which pred(Attribute) is true.
  template <class Pred>
  std::size_t removeAttributesIf(std::size_t scope, Pred&& pred) {
    std::vector<Line>& lines = linesOf(scope);
    return std::erase_if(
        lines, [&](const Line& l) { return l.type == 'a' && pred(parseAttribute(l.value)); });
  }
  /// Appends "a=name" (no value) or "a=name:value" at the end of the scope. False (and no
  /// change) when the name is not a token or the value holds CR, LF or NUL.
  bool addAttribute(std::size_t scope, std::string_view name,
                    std::optional<std::string_view> value = std::nullopt);
  /// Leaves exactly one a=name line in the scope, at the place of the first existing one
  /// (else appended), with `value`. Same validation as addAttribute.
  bool setAttribute(std::size_t scope, std::string_view name,
                    std::optional<std::string_view> value = std::nullopt);
  /// Sets the direction attribute of a scope (replacing any), or removes it (nullopt).
  void setDirection(std::size_t scope, std::optional<Direction> d);
  /// Sets a=rtcp of a stream (address optional), or removes it (nullopt port).
  void setRtcp(std::size_t media, std::optional<std::uint16_t> port, std::string_view addrType = {},
               std::string_view address = {});
  /// Replaces every a=crypto line of a stream with `cryptos` (at the first one's place).
  void setCryptos(std::size_t media, std::span<const Crypto> cryptos);
  /// Removes ICE attributes (RFC 8839) at session and media level; returns how many.
  std::size_t stripIce();

  /// Copies text into the description's arena; the view lives as long as the description.
  std::string_view store(std::string_view text) { return arena_.store(text); }

 private:
  SessionDescription() = default;
  static base::Result<void> parseInto(SessionDescription& d, std::string_view text,
                                      const ParseLimits& limits);
  std::vector<Line>& linesOf(std::size_t scope) {
    return scope == kSessionLevel ? session_ : media_[scope].lines_;
  }
  const std::vector<Line>& linesOf(std::size_t scope) const {
    return scope == kSessionLevel ? session_ : media_[scope].lines_;
  }
  void renderMediaLine(std::size_t media);

  std::vector<Line> session_;
  std::vector<MediaSection> media_;
  TextArena arena_;
};

}  // namespace trunkline::sdp
