#pragma once
// What this node accepts and implements, as advertised in Allow / Supported.
#include <string_view>

namespace trunkline::call {

inline constexpr std::string_view kAllow =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, PRACK, UPDATE, INFO";
/// Option tags we implement (RFC 3262 reliable provisionals). A Require naming any other
/// tag is refused with 420 (RFC 3261 §8.2.2.3).
inline constexpr std::string_view kSupportedTags[] = {"100rel"};

}  // namespace trunkline::call
