// Sofia-SIP side. msg_make() copies the bytes into the message's own home and runs
// msg_extract(), which parses every header of sip_default_mclass() with its class parser
// (Via, From, To, Call-ID, CSeq, Contact, Content-Length, Allow, Supported, ...) into
// sip_t; unknown headers are kept as generic ones. The reads below are field loads.
#include <cstdlib>
#include <cstring>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>

#include "adapters.h"

namespace trunkline::bench {
namespace {

std::string_view sv(const char* s) {
  return s ? std::string_view(s, std::strlen(s)) : std::string_view();
}

}  // namespace

template <class Sink>
bool sofiaParseRead(std::string_view msg, Sink& sink) {
  msg_t* m = msg_make(sip_default_mclass(), 0, msg.data(), static_cast<ssize_t>(msg.size()));
  if (m == nullptr) return false;
  bool ok = false;
  const sip_t* sip = sip_object(m);
  if (!msg_has_error(m) && sip != nullptr && sip->sip_error == nullptr && sip->sip_via != nullptr &&
      sip->sip_from != nullptr && sip->sip_to != nullptr && sip->sip_call_id != nullptr &&
      sip->sip_cseq != nullptr) {
    sink.str(Field::Branch, sv(sip->sip_via->v_branch));
    sink.str(Field::FromTag, sv(sip->sip_from->a_tag));
    sink.str(Field::ToTag, sv(sip->sip_to->a_tag));
    sink.str(Field::CallId, sv(sip->sip_call_id->i_id));
    sink.num(Num::CSeqNumber, sip->sip_cseq->cs_seq);
    sink.str(Field::CSeqMethod, sv(sip->sip_cseq->cs_method_name));
    if (const sip_contact_t* c = sip->sip_contact) {
      sink.str(Field::ContactUser, sv(c->m_url->url_user));
      sink.str(Field::ContactHost, sv(c->m_url->url_host));
      sink.num(Num::ContactPort,
               c->m_url->url_port ? std::strtol(c->m_url->url_port, nullptr, 10) : 0);
    }
    sink.num(Num::ContentLength,
             sip->sip_content_length ? static_cast<long>(sip->sip_content_length->l_length) : -1);
    ok = true;
  }
  msg_destroy(m);
  return ok;
}

template bool sofiaParseRead<ChecksumSink>(std::string_view, ChecksumSink&);
template bool sofiaParseRead<RecordSink>(std::string_view, RecordSink&);

}  // namespace trunkline::bench
