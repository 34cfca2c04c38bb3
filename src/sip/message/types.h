#pragma once
// Value types of SIP header fields (RFC 3261 §20, §25). Every string_view points into the
// buffer of the SipMessage (or the text) it was parsed from: it lives as long as that.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace trunkline::sip {

/// What was wrong with the input. Each value names one problem; describe() gives the text
/// that goes into a 400 reason phrase.
enum class ParseErrc : std::uint8_t {
  Empty,                // no bytes, or only whitespace
  TooLarge,             // exceeds ParseOptions::maxMessageSize
  BadStartLine,         // request/status line does not match the grammar
  BadMethod,            // method token has illegal characters
  BadRequestUri,        // Request-URI is not a valid URI
  BadVersion,           // not SIP/2.0 (or unsupported version)
  BadStatusCode,        // status code not 3 digits in 100..699
  BadHeaderLine,        // header line without name/colon, or illegal name characters
  TooManyHeaders,       // exceeds ParseOptions::maxHeaders
  UnterminatedHeaders,  // no empty line ending the header section
  MissingHeader,        // a mandatory header (Via, From, To, Call-ID, CSeq) is absent
  DuplicateHeader,  // a header allowed once appears more than once (From, To, Call-ID, CSeq, ...)
  BadVia,
  BadFrom,
  BadTo,
  BadCallId,
  BadCSeq,
  CSeqMethodMismatch,  // CSeq method differs from request method
  BadMaxForwards,
  BadContentLength,  // not a number / out of range
  BodyTooShort,      // Content-Length larger than the bytes received (datagram)
  BadContact,
  BadExpires,
  BadUri,
  BadQuotedString,  // unterminated quoted string / bad escape
  BadNameAddr,      // unbalanced < >, bad display name
  BadHeaderValue,   // any other malformed value
};

std::string_view describe(ParseErrc e);

struct ParseError {
  ParseErrc code = ParseErrc::BadHeaderLine;
  std::uint32_t offset = 0;  // byte offset in the input where it was detected
  std::string_view header;   // the header concerned, if any (static text, e.g. "CSeq")
  std::string_view detail;   // what exactly was wrong (static text), may be empty
  /// "Bad CSeq: ..." style text for a 400 reason phrase / log line: describe(code), then
  /// ": " and the detail when there is one.
  std::string text() const;
};

template <class T>
using ParseResult = tl::expected<T, ParseError>;

/// Request methods we know by name; everything else is Method::Unknown with its text kept.
enum class Method : std::uint8_t {
  Unknown,
  Invite,
  Ack,
  Bye,
  Cancel,
  Options,
  Register,
  Prack,
  Update,
  Info,
  Subscribe,
  Notify,
  Refer,
  Message,
  Publish,
};
Method methodFromText(std::string_view token);  // case-sensitive per RFC 3261 §7.1
std::string_view methodName(Method m);          // "" for Unknown

/// One `;name=value` (or `;name`) parameter. Views into the parsed text.
struct Param {
  std::string_view name;
  std::string_view value;  // raw (quotes kept for quoted-string values)
  bool hasValue = false;
};

/// Parameter list kept as the raw text (starting at the first ';', or empty), looked up on
/// demand. Names compare case-insensitively.
struct ParamList {
  std::string_view raw;
  std::optional<std::string_view> get(std::string_view name) const;  // nullopt if absent
  bool has(std::string_view name) const;
  std::vector<Param> all() const;
};

enum class UriScheme : std::uint8_t { Sip, Sips, Tel, Other };

/// sip:, sips:, tel: (RFC 3966) or absolute URI (Other: only scheme + rest checked).
struct Uri {
  UriScheme scheme = UriScheme::Other;
  std::string_view text;  // the whole URI as received
  std::string_view schemeText;
  std::string_view user;  // %-escaped as received; tel: the subscriber number
  std::string_view password;
  bool hasPassword = false;
  std::string_view host;  // IPv6 without the brackets
  bool hostIsIpv6 = false;
  std::uint16_t port = 0;    // 0 = not given
  ParamList params;          // ;transport=...;lr;user=phone ...
  std::string_view headers;  // after '?', without it
};

ParseResult<Uri> parseUri(std::string_view text);
/// %HH-decodes `escaped` (user, params); returns nullopt on a bad escape.
std::optional<std::string> unescape(std::string_view escaped);
/// RFC 3261 §19.1.4 URI comparison.
bool uriEquivalent(const Uri& a, const Uri& b);

/// name-addr or addr-spec with header parameters (From, To, Contact, Route, Record-Route...).
struct NameAddr {
  std::string_view displayName;  // raw: quoted (with quotes) or token sequence; empty if none
  Uri uri;
  ParamList params;       // header params after the URI (;tag=..;expires=..)
  bool wildcard = false;  // Contact: *
  std::optional<std::string_view> tag() const { return params.get("tag"); }
};

ParseResult<NameAddr> parseNameAddr(std::string_view value);
/// Comma-separated list (Contact, Route, Record-Route); appends to `out`.
ParseResult<std::size_t> parseNameAddrList(std::string_view value, std::vector<NameAddr>& out);

/// One Via value (RFC 3261 §20.42, RFC 3581 rport).
struct Via {
  std::string_view protocol;   // "SIP/2.0" as written (may contain LWS)
  std::string_view transport;  // "UDP", "TCP", "TLS", "SCTP", "WS"...
  std::string_view host;       // IPv6 without brackets
  bool hostIsIpv6 = false;
  std::uint16_t port = 0;  // 0 = not given
  ParamList params;
  std::string_view branch;    // empty if absent
  std::string_view received;  // address only: IPv6 without brackets (RFC 5118 §4.5)
  bool rport = false;         // rport present
  std::optional<std::uint16_t> rportValue;
  /// sent-by as written (host[:port]); for transaction matching.
  std::string_view sentBy;
};
ParseResult<std::size_t> parseViaList(std::string_view value, std::vector<Via>& out);

struct CSeq {
  std::uint32_t number = 0;
  Method method = Method::Unknown;
  std::string_view methodText;
};
ParseResult<CSeq> parseCSeq(std::string_view value);

/// Splits a comma-separated header value (Allow, Supported, Require, Accept, ...) into its
/// elements, trimmed of LWS; commas inside quoted strings or <...> do not split. Empty
/// elements are skipped (RFC 3261 §7.3.1 lists have none, peers still send them).
/// Appends to `out`; returns how many were appended.
std::size_t splitList(std::string_view value, std::vector<std::string_view>& out);

/// delta-seconds (Expires, Min-Expires, Retry-After's number): 1*DIGIT, at most 2^32-1.
ParseResult<std::uint32_t> parseDeltaSeconds(std::string_view value);

}  // namespace trunkline::sip
