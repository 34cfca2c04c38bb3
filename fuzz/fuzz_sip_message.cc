// libFuzzer target: the whole message parser, then every header value through its typed
// parser, validate(), the serializer (EditList) and makeResponse. Besides "no crash" it
// checks invariants whose failure is a bug: an unedited message serializes to its own
// bytes and re-parses to the same fields; a response we build parses.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message/builder.h"
#include "sip/message/message.h"

using namespace trunkline::sip;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void parseValues(const SipMessage& m) {
  std::vector<Via> vias;
  std::vector<NameAddr> addrs;
  for (const HeaderField& f : m.headers()) {
    switch (f.id) {
      case HeaderId::Via: (void)parseViaList(f.value, vias); break;
      case HeaderId::From:
      case HeaderId::To: (void)parseNameAddr(f.value); break;
      case HeaderId::Contact:
      case HeaderId::Route:
      case HeaderId::RecordRoute:
      case HeaderId::ReferTo:
      case HeaderId::PAssertedIdentity: (void)parseNameAddrList(f.value, addrs); break;
      case HeaderId::CSeq: (void)parseCSeq(f.value); break;
      case HeaderId::Expires:
      case HeaderId::MinExpires:
      case HeaderId::MaxForwards: (void)parseDeltaSeconds(f.value); break;
      case HeaderId::Allow:
      case HeaderId::Supported:
      case HeaderId::Require:
      case HeaderId::ProxyRequire:
      case HeaderId::Accept: {
        std::vector<std::string_view> items;
        splitList(f.value, items);
        break;
      }
      default: break;
    }
    for (const NameAddr& a : addrs) {
      (void)a.params.all();
      (void)a.uri.params.all();
      (void)unescape(a.uri.user);
    }
    addrs.clear();
    for (const Via& v : vias) (void)v.params.all();
    vias.clear();
  }
}

void exercise(std::string_view input, bool datagram) {
  ParseOptions opts;
  opts.datagram = datagram;
  auto m = SipMessage::parse(input, opts);
  if (!m) {
    check(!m.error().text().empty());
    return;
  }
  parseValues(*m);
  (void)m->validate();
  (void)m->vias();
  (void)m->contacts();

  const std::string same = EditList{}.apply(*m);
  check(same == m->raw());
  auto again = SipMessage::parse(same, opts);
  check(again.has_value());
  check(again->headers().size() == m->headers().size());
  check(again->body() == m->body());

  EditList edits;
  edits.append("X-Fuzz", "1").replaceBody("v=0\r\n");
  if (!m->headers().empty()) edits.remove(m->headers().size() - 1);
  const std::string edited = edits.apply(*m);
  (void)SipMessage::parse(edited);

  if (m->isRequest()) {
    const std::string resp = makeResponse(*m, 486, {}, "fuzztag", "Retry-After: 5\r\n");
    auto r = SipMessage::parse(resp);
    check(r.has_value());
    check(r->statusCode() == 486);
    check(r->callId() == m->callId());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  exercise(input, true);
  exercise(input, false);
  return 0;
}
