// libFuzzer target: URIs (sip/sips/tel/other, IPv6 references, parameters, headers,
// escapes) and the value parsers that embed them. Checks that a parsed URI's views lie
// inside the input and that comparison is reflexive and symmetric.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "sip/message/types.h"

using namespace trunkline::sip;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto u = parseUri(input);
  if (u) {
    check(u->text == input);
    check(inside(u->user, input) && inside(u->password, input) && inside(u->host, input));
    check(inside(u->params.raw, input) && inside(u->headers, input));
    check(uriEquivalent(*u, *u));
    for (const Param& p : u->params.all()) {
      (void)unescape(p.name);
      (void)unescape(p.value);
    }
    (void)unescape(u->user);
    (void)unescape(u->headers);
    // Split the input in two and compare both halves' URIs both ways.
    std::string_view half = input.substr(0, input.size() / 2);
    if (auto h = parseUri(half)) check(uriEquivalent(*u, *h) == uriEquivalent(*h, *u));
  } else {
    check(u.error().offset <= input.size() + 1);
  }
  (void)parseNameAddr(input);
  std::vector<Via> vias;
  (void)parseViaList(input, vias);
  (void)parseCSeq(input);
  std::vector<std::string_view> items;
  splitList(input, items);
  for (std::string_view item : items) check(inside(item, input) && !item.empty());
  return 0;
}
