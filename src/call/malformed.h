#pragma once
// Answering what could not be parsed: a best-effort scan of a malformed request for the
// headers a response must echo (RFC 3261 §8.2.6.2), so that the sender learns why its
// request failed instead of retransmitting into silence.
#include <optional>
#include <string>
#include <string_view>

namespace trunkline::call {

/// Builds "SIP/2.0 <code> <reason>" echoing every Via, From, To (with `toTag` added when it
/// has none), Call-ID and CSeq found in `bytes`. nullopt when `bytes` is not a request
/// (a response, or no recognisable start line), is an ACK, or has no Via to route the
/// response by. `reason` is sanitised (control characters removed, length capped).
std::optional<std::string> responseToMalformed(std::string_view bytes, int code,
                                               std::string_view reason, std::string_view toTag,
                                               std::string_view extraHeaders);

}  // namespace trunkline::call
