// libFuzzer target: digest authentication headers (RFC 3261 §22, RFC 7616). Drives the
// generic auth-param parser, the credentials and challenge parsers, the server verifier
// and the client answering a challenge. Besides "no crash" it checks invariants whose
// failure is a bug: parameters re-serialized with appendQuoted parse back to the same
// values; a value the client produces parses as credentials; the verifier never says Ok
// for input it did not issue.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "sip/auth/client.h"
#include "sip/auth/digest.h"
#include "sip/auth/server.h"

using namespace trunkline;
using namespace trunkline::sip;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Fixture {
  base::ManualClock clock;
  SeededRandom random{std::vector<std::uint8_t>{1, 2, 3}};
  DigestServer server{[] {
                        DigestServerConfig c;
                        c.realm = "fuzz.example";
                        c.secret = "fuzz-secret-0123456789";
                        c.allowNoQop = true;
                        return c;
                      }(),
                      clock, random};
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void roundTripParams(std::string_view input) {
  std::string_view scheme;
  auto params = parseAuthParams(input, &scheme);
  if (!params) {
    check(!params.error().text.empty());
    return;
  }
  std::string again(scheme);
  bool first = true;
  for (const AuthParam& p : *params) {
    again += first ? " " : ", ";
    first = false;
    again += p.name;
    again += '=';
    appendQuoted(again, p.value);
  }
  if (again.size() > kMaxAuthHeaderSize) return;
  auto reparsed = parseAuthParams(again);
  check(reparsed.has_value());
  check(reparsed->size() == params->size());
  for (std::size_t i = 0; i < params->size(); ++i) {
    check((*reparsed)[i].name == (*params)[i].name);
    check((*reparsed)[i].value == (*params)[i].value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Fixture& f = fixture();

  roundTripParams(input);
  (void)parseDigestResponse(input);

  // The server: nothing it did not issue (nonce MAC) can authenticate.
  std::vector<std::string_view> values{input};
  AuthInput in{"INVITE", "sip:+14155550100@fuzz.example", values};
  AuthResult r = f.server.verify(in, [](std::string_view, std::string_view) {
    return std::optional<StoredHa1>(StoredHa1{1, std::string(32, 'a'), std::string(64, 'b')});
  });
  check(r.status != AuthStatus::Ok);

  // The client: whatever challenge it accepts, its answer parses as credentials.
  if (auto c = parseDigestChallenge(input); c && size < 1024) {
    ClientCredential cred{"fuzzer", c->realm, std::string(32, 'c'), std::string(64, 'd')};
    DigestClient client(cred, f.random);
    if (client.onChallenge(values)) {
      auto v = client.authorization("INVITE", "sip:a@b");
      check(v.has_value());
      auto parsed = parseDigestResponse(*v);
      check(parsed.has_value());
      check(parsed->nonce == c->nonce && parsed->realm == c->realm);
    }
  }
  return 0;
}
