#pragma once
// SipMessage: one parsed SIP request or response over a buffer it owns.
//
// Parsing splits the start line and the header section into views (no copies), files the
// well-known headers into O(1) slots, and eagerly validates and parses only what every
// layer needs (top Via, From, To, Call-ID, CSeq, Max-Forwards, Content-Length). All other
// header values are parsed on demand with the functions of types.h. Move-only; views
// stay valid across moves (the buffer is on the heap). Not thread-safe; lives on the
// thread that received it.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message/types.h"

namespace trunkline::sip {

/// Headers with an O(1) slot. Compact forms (RFC 3261 §7.3.3) map to the same id.
enum class HeaderId : std::uint8_t {
  Other = 0,
  Via,
  From,
  To,
  CallId,
  CSeq,
  Contact,
  MaxForwards,
  ContentLength,
  ContentType,
  Route,
  RecordRoute,
  Authorization,
  ProxyAuthorization,
  WwwAuthenticate,
  ProxyAuthenticate,
  Expires,
  MinExpires,
  Supported,
  Require,
  ProxyRequire,
  Unsupported,
  Allow,
  Accept,
  UserAgent,
  Server,
  Subject,
  Event,
  ReferTo,
  RSeq,
  RAck,
  SessionExpires,
  MinSE,
  Reason,
  ContentEncoding,
  AcceptEncoding,
  AcceptLanguage,
  Date,
  Timestamp,
  RetryAfter,
  Warning,
  PAssertedIdentity,
  Privacy,
  Identity,
  kCount
};
constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::kCount);

/// Header name → id; case-insensitive, compact forms included ("v" → Via).
HeaderId headerIdFromName(std::string_view name);
/// Canonical long name ("Call-ID"); "" for Other.
std::string_view headerCanonicalName(HeaderId id);

struct HeaderField {
  HeaderId id = HeaderId::Other;
  std::string_view name;   // as received ("v", "VIA", "Via")
  std::string_view value;  // trimmed; may contain folded line breaks (CRLF/LF + WSP)
  std::string_view raw;    // the whole field as received, without its final line break
};

struct ParseOptions {
  std::size_t maxMessageSize = 64 * 1024;
  std::size_t maxHeaders = 256;
  /// Datagram: the body is the rest of the datagram, limited by Content-Length if present
  /// (RFC 3261 §18.3). Stream: Content-Length is mandatory and the input must be exactly
  /// one framed message (see sip/transport framing).
  bool datagram = true;
};

class SipMessage {
 public:
  /// Copies `bytes` once into an owned buffer and parses it.
  static ParseResult<SipMessage> parse(std::string_view bytes, const ParseOptions& opts = {});
  /// Takes ownership of `buffer[0, size)` and parses it.
  static ParseResult<SipMessage> parse(std::unique_ptr<char[]> buffer, std::size_t size,
                                       const ParseOptions& opts = {});

  SipMessage(SipMessage&&) noexcept = default;
  SipMessage& operator=(SipMessage&&) noexcept = default;
  SipMessage(const SipMessage&) = delete;
  SipMessage& operator=(const SipMessage&) = delete;

  bool isRequest() const { return statusCode_ == 0; }
  bool isResponse() const { return statusCode_ != 0; }

  // Request line
  Method method() const { return method_; }  // request: its method; response: CSeq's
  std::string_view methodText() const { return methodText_; }
  std::string_view requestUriText() const { return requestUriText_; }
  const Uri& requestUri() const { return requestUri_; }
  // Status line
  int statusCode() const { return statusCode_; }
  std::string_view reasonPhrase() const { return reason_; }
  std::string_view version() const { return version_; }

  std::span<const HeaderField> headers() const { return headers_; }
  /// First field with this id, or nullptr. O(1).
  const HeaderField* header(HeaderId id) const;
  /// Number of fields with this id. O(1).
  std::size_t headerCount(HeaderId id) const;
  /// All fields with this id, in order.
  std::vector<const HeaderField*> headersOf(HeaderId id) const;
  /// First field by name (case-insensitive; compact forms resolved); for unknown headers.
  const HeaderField* header(std::string_view name) const;

  // Eagerly parsed, validated at parse time.
  const Via& topVia() const { return topVia_; }
  const NameAddr& from() const { return from_; }
  const NameAddr& to() const { return to_; }
  std::string_view callId() const { return callId_; }
  const CSeq& cseq() const { return cseq_; }
  /// -1 if absent.
  int maxForwards() const { return maxForwards_; }
  /// -1 if absent (allowed on datagrams).
  long contentLength() const { return contentLength_; }
  std::string_view body() const { return body_; }

  /// Every Via value of the message, in order (parsed on demand).
  ParseResult<std::vector<Via>> vias() const;
  /// Every Contact value of the message, in order (parsed on demand).
  ParseResult<std::vector<NameAddr>> contacts() const;
  /// Parses the header fields that parse() leaves lazy (all Via values, Contact, Route,
  /// Record-Route, Expires, Min-Expires, Content-Type) and reports the first that is
  /// malformed. What a UAS or proxy calls before acting on a request; parse() alone is
  /// what a stateless forwarding path needs.
  ParseResult<void> validate() const;

  /// The request line or status line, without its line break.
  std::string_view startLine() const {
    return {buf_.get() + startLineBegin_, startLineEnd_ - startLineBegin_};
  }
  /// Offset in raw() of the empty line that ends the header section.
  std::size_t headerSectionEnd() const { return headersEnd_; }
  /// Offset in raw() of the first body byte (== raw().size() when the body is empty).
  std::size_t bodyOffset() const { return bodyOffset_; }

  /// The message exactly as received (after framing): serializing an unedited message.
  std::string_view raw() const { return {buf_.get(), size_}; }
  /// Offset of `v` (a view into this message) from the start of raw().
  std::size_t offsetOf(std::string_view v) const {
    return static_cast<std::size_t>(v.data() - buf_.get());
  }

 private:
  SipMessage() = default;
  ParseResult<void> parseAll(const ParseOptions& opts);
  ParseResult<void> parseStartLine(std::string_view line, std::size_t base);
  ParseResult<void> parseHeaderSection(std::size_t pos, const ParseOptions& opts);
  ParseResult<void> parseMandatory(const ParseOptions& opts);

  std::unique_ptr<char[]> buf_;
  std::size_t size_ = 0;

  Method method_ = Method::Unknown;
  std::string_view methodText_;
  std::string_view requestUriText_;
  Uri requestUri_;
  int statusCode_ = 0;
  std::string_view reason_;
  std::string_view version_;

  std::vector<HeaderField> headers_;
  // First index + count per id (index into headers_; 0xFFFF = none).
  std::array<std::uint16_t, kHeaderIdCount> first_{};
  std::array<std::uint16_t, kHeaderIdCount> count_{};

  Via topVia_;
  NameAddr from_;
  NameAddr to_;
  std::string_view callId_;
  CSeq cseq_;
  int maxForwards_ = -1;
  long contentLength_ = -1;
  std::string_view body_;

  std::size_t startLineBegin_ = 0;
  std::size_t startLineEnd_ = 0;
  std::size_t headersEnd_ = 0;
  std::size_t bodyOffset_ = 0;
};

}  // namespace trunkline::sip
