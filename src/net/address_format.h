#pragma once
// fmt support for net::Address ("1.2.3.4:5060", "[::1]:5060"), so that log calls pass the
// address itself and the text is built only when the line is actually written.
#include <fmt/format.h>

#include "net/address.h"

template <>
struct fmt::formatter<trunkline::net::Address> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const trunkline::net::Address& a, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(a.toString(), ctx);
  }
};
