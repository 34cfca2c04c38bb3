// libosip2 side. osip_message_parse() parses every header it knows (Via, From, To, Call-ID,
// CSeq, Contact, Content-Length, Content-Type, ...) eagerly into structs and copies the
// body; the rest are kept as name/value pairs. So the reads below are plain field loads.
#include <cstdlib>
#include <cstring>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#include "adapters.h"

namespace trunkline::bench {
namespace {

std::string_view sv(const char* s) {
  return s ? std::string_view(s, std::strlen(s)) : std::string_view();
}
long num(const char* s) {
  return s ? std::strtol(s, nullptr, 10) : -1;
}

}  // namespace

void osipGlobalInit() {
  parser_init();
}

template <class Sink>
bool osipParseRead(std::string_view msg, Sink& sink) {
  osip_message_t* m = nullptr;
  if (osip_message_init(&m) != OSIP_SUCCESS) return false;
  bool ok = false;
  if (osip_message_parse(m, msg.data(), msg.size()) == OSIP_SUCCESS) {
    osip_via_t* via = nullptr;
    osip_generic_param_t* branch = nullptr;
    if (osip_message_get_via(m, 0, &via) >= 0 && via != nullptr &&
        osip_via_param_get_byname(via, const_cast<char*>("branch"), &branch) == OSIP_SUCCESS &&
        m->from != nullptr && m->to != nullptr && m->call_id != nullptr && m->cseq != nullptr) {
      sink.str(Field::Branch, sv(branch->gvalue));
      osip_generic_param_t* tag = nullptr;
      sink.str(Field::FromTag, osip_from_get_tag(m->from, &tag) == OSIP_SUCCESS
                                   ? sv(tag->gvalue)
                                   : std::string_view());
      tag = nullptr;
      sink.str(Field::ToTag,
               osip_to_get_tag(m->to, &tag) == OSIP_SUCCESS ? sv(tag->gvalue) : std::string_view());
      // osip splits Call-ID into number and host: both are reported (the sink rejoins them).
      sink.str(Field::CallId, sv(m->call_id->number));
      if (m->call_id->host != nullptr) sink.str(Field::CallId, sv(m->call_id->host));
      sink.num(Num::CSeqNumber, num(m->cseq->number));
      sink.str(Field::CSeqMethod, sv(m->cseq->method));
      osip_contact_t* contact = nullptr;
      if (osip_message_get_contact(m, 0, &contact) >= 0 && contact != nullptr &&
          contact->url != nullptr) {
        sink.str(Field::ContactUser, sv(contact->url->username));
        sink.str(Field::ContactHost, sv(contact->url->host));
        sink.num(Num::ContactPort, contact->url->port ? num(contact->url->port) : 0);
      }
      sink.num(Num::ContentLength, m->content_length ? num(m->content_length->value) : -1);
      ok = true;
    }
  }
  osip_message_free(m);
  return ok;
}

template bool osipParseRead<ChecksumSink>(std::string_view, ChecksumSink&);
template bool osipParseRead<RecordSink>(std::string_view, RecordSink&);

}  // namespace trunkline::bench
