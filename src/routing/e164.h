#pragma once
// E.164 normalisation of dialled numbers, driven by the dialling-plan table of
// dial_plan.h. Pure functions: any thread.
//
// Rules, in order (the country is the calling account's):
//  1. A leading "tel:" and anything from the first ';' (URI parameters) are dropped;
//     visual separators (space, tab, '-', '.', '(', ')') are removed, and a "(0)" written
//     after an international number ("+44 (0)20 ...") is dropped as well.
//  2. Anything but digits (and one leading '+') is not dialable; '*' or '#' make it a
//     service code (ShortCode).
//  3. "+<digits>": international. If the country code is one of the table's, the national
//     part must have that country's length (and leading digit); otherwise 7-15 digits.
//  4. Otherwise, in the account's country: an emergency number is Emergency; an
//     international prefix (00, 011, 0011, 010; BR also skips the 2-digit carrier code)
//     gives rule 3; a retired national prefix (MX 01/044/045) or the trunk prefix (0, or 1
//     in NANP; BR with or without carrier code) followed by a national number of the right
//     length gives +<cc><national>; a national number of full length dialled without the
//     trunk prefix does too (countries without a trunk prefix, IT/ES/MX, are always
//     dialled this way). NANP numbers must have area code and exchange starting 2-9.
//  5. What is left: up to 6 digits is a short code (ShortCode: N11, 116xxx, carrier
//     service numbers...), longer is NotDialable.
// The caller decides what to do with Emergency and ShortCode (route to an emergency
// carrier, refuse, ...); they are never rewritten.
#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace trunkline::routing {

enum class NumberErrc : std::uint8_t {
  NotDialable,     // not a number we can turn into E.164
  Emergency,       // an emergency number of the account's country (911, 112, 999, ...)
  ShortCode,       // a short or service code (N11, 116xxx, *67...)
  UnknownCountry,  // the account's country is not in the dialling-plan table
};

std::string_view numberErrcName(NumberErrc e);

struct NumberError {
  NumberErrc kind = NumberErrc::NotDialable;
  std::string message;  // for logs and reason phrases: "not a dialable number: ..."
};

/// "+<digits>" or why not.
tl::expected<std::string, NumberError> normalizeE164(std::string_view country,
                                                     std::string_view dialled);

/// Digits of an E.164 number for prefix matching ("+4420..." → "4420..."); the input
/// returned unchanged when it has no '+'.
std::string_view e164Digits(std::string_view number);

}  // namespace trunkline::routing
