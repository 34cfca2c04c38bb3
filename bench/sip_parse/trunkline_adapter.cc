// Trunkline side. SipMessage::parse() copies the bytes once, indexes every header and
// eagerly parses top Via, From, To, Call-ID, CSeq, Max-Forwards and Content-Length;
// Contact is parsed on demand here, as a caller would, with parseNameAddrList (the
// vector is per message, so its allocation is counted).
#include <vector>

#include "adapters.h"
#include "sip/message/message.h"
#include "sip/message/types.h"

namespace trunkline::bench {

template <class Sink>
bool trunklineParseRead(std::string_view msg, Sink& sink) {
  auto parsed = sip::SipMessage::parse(msg);
  if (!parsed) return false;
  const sip::SipMessage& m = *parsed;
  sink.str(Field::Branch, m.topVia().branch);
  sink.str(Field::FromTag, m.from().tag().value_or(std::string_view()));
  sink.str(Field::ToTag, m.to().tag().value_or(std::string_view()));
  sink.str(Field::CallId, m.callId());
  sink.num(Num::CSeqNumber, static_cast<long>(m.cseq().number));
  sink.str(Field::CSeqMethod, m.cseq().methodText);
  if (const sip::HeaderField* h = m.header(sip::HeaderId::Contact)) {
    std::vector<sip::NameAddr> contacts;
    if (!sip::parseNameAddrList(h->value, contacts) || contacts.empty()) return false;
    sink.str(Field::ContactUser, contacts.front().uri.user);
    sink.str(Field::ContactHost, contacts.front().uri.host);
    sink.num(Num::ContactPort, contacts.front().uri.port);
  }
  sink.num(Num::ContentLength, m.contentLength());
  return true;
}

template bool trunklineParseRead<ChecksumSink>(std::string_view, ChecksumSink&);
template bool trunklineParseRead<RecordSink>(std::string_view, RecordSink&);

}  // namespace trunkline::bench
