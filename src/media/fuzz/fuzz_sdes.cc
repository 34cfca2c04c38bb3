// libFuzzer target for the SDES key-params reader (media/sdes.h): suite names, base64,
// lifetimes, MKI refusal, session parameters, and the answerer's choice over several
// lines. Aborts on a broken invariant: an accepted key of the wrong length, or a key that
// does not survive format → parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "media/sdes.h"

using namespace trunkline::media;

namespace {

// "<suite> <key-params> [<session-params>]" — an a=crypto value without the tag.
void checkLine(std::string_view line) {
  const std::size_t sp = line.find(' ');
  const std::string_view suite = line.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
  const std::size_t sp2 = rest.find(' ');
  const std::string_view keyParams = rest.substr(0, sp2);
  const std::string_view session =
      sp2 == std::string_view::npos ? std::string_view{} : rest.substr(sp2 + 1);
  auto key = parseSdesKey(suite, keyParams, session);
  if (!key) return;
  if (key->keySalt().size() != srtpKeyLength(key->suite()) + srtpSaltLength(key->suite()))
    std::abort();
  if (key->replayWindow < kMinReplayWindow || key->replayWindow > kMaxReplayWindow) std::abort();
  if (key->lifetime && (*key->lifetime == 0 || *key->lifetime > kMaxSrtpLifetime)) std::abort();
  auto again = parseSdesKey(srtpSuiteName(key->suite()), formatSdesKeyParams(*key));
  if (!again) std::abort();
  SrtpKey expected = *key;
  expected.replayWindow = kDefaultReplayWindow;  // WSH is a session parameter, not formatted
  if (!(*again == expected)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);

  // base64 on the raw input: whatever decodes must encode back to the canonical form,
  // which decodes to the same bytes.
  if (auto bytes = base64Decode(all)) {
    auto back = base64Decode(base64Encode(*bytes));
    if (!back || *back != *bytes) std::abort();
  }

  // One line per a=crypto value; every line on its own, then all of them as an offer.
  std::vector<SdesCrypto> offer;
  std::string_view rest = all;
  std::uint32_t tag = 1;
  while (!rest.empty() && offer.size() < 16) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    checkLine(line);
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    const std::string_view after = line.substr(sp + 1);
    const std::size_t sp2 = after.find(' ');
    offer.push_back({tag++, line.substr(0, sp), after.substr(0, sp2),
                     sp2 == std::string_view::npos ? std::string_view{} : after.substr(sp2 + 1)});
  }
  auto answer = answerSdes(offer);
  if (answer) {
    bool found = false;
    for (const SdesCrypto& c : offer) found |= c.tag == answer->tag;
    if (!found || answer->local.suite() != answer->remote.suite()) std::abort();
  }
  return 0;
}
