#pragma once
// Scanners shared by the header-value parsers (name_addr.cc, via.cc, message.cc).
// Internal to sip/message.
#include <cstddef>
#include <string_view>

#include "sip/message/message.h"
#include "sip/message/types.h"

namespace trunkline::sip::detail {

inline tl::unexpected<ParseError> failAt(ParseErrc code, std::size_t offset,
                                         std::string_view detail, std::string_view header = {}) {
  return tl::unexpected<ParseError>(
      ParseError{code, static_cast<std::uint32_t>(offset), header, detail});
}

/// Scans a quoted-string starting at s[pos] == '"' (RFC 3261 §25.1: qdtext and
/// quoted-pair). Returns the position after the closing quote, or npos if unterminated or
/// holding a character that is neither qdtext nor a valid quoted-pair.
std::size_t scanQuotedString(std::string_view s, std::size_t pos);

/// Scans `*( SEMI generic-param )` starting at s[pos] (which may be LWS or ';'). Stops
/// before a top-level ',' or at the end. Returns the end of the last parameter, or npos on
/// a malformed parameter (empty name, bad value, dangling ';').
std::size_t scanParams(std::string_view s, std::size_t pos);

/// Next `;name[=value]` of a raw parameter list (which starts with ';' or LWS). Names and
/// values are trimmed of LWS; quoted values keep their quotes. False when none is left.
bool nextParam(std::string_view raw, std::size_t& pos, Param& out);

/// parseUri writing into `out` (which must be default-constructed): no copies on the hot
/// path.
ParseResult<void> parseUriInto(std::string_view text, Uri& out);
/// parseNameAddr writing into `out` (default-constructed).
ParseResult<void> parseNameAddrInto(std::string_view value, NameAddr& out);
/// headerIdFromName for names already known to be tokens (the parser's case).
HeaderId headerIdFromToken(std::string_view name);

/// IPv6address of RFC 3261 §25.1 as corrected by RFC 5118 §4.10 (no three colons).
bool isIpv6Address(std::string_view s);
bool isIpv4Address(std::string_view s);
/// hostname / IPv4address (not the bracketed IPv6 reference).
bool isHostName(std::string_view s);

}  // namespace trunkline::sip::detail

namespace trunkline::sip {
/// The first value of a Via field (the top Via when it is the first field), written into
/// `out` (default-constructed).
ParseResult<void> parseFirstVia(std::string_view value, Via& out);
}  // namespace trunkline::sip
