#include "registrar/binding.h"

#include <fmt/format.h>

namespace trunkline::registrar {

std::string flowToText(const sip::Flow& flow) {
  std::string_view kind = flow.kind == sip::TransportKind::Udp   ? "udp"
                          : flow.kind == sip::TransportKind::Tcp ? "tcp"
                                                                 : "tls";
  return fmt::format("{}:{}", kind, flow.remote.toString());
}

std::optional<sip::Flow> flowFromText(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto kind = text.substr(0, colon);
  sip::Flow flow;
  if (kind == "udp") {
    flow.kind = sip::TransportKind::Udp;
  } else if (kind == "tcp") {
    flow.kind = sip::TransportKind::Tcp;
  } else if (kind == "tls") {
    flow.kind = sip::TransportKind::Tls;
  } else {
    return std::nullopt;
  }
  auto addr = net::Address::parse(text.substr(colon + 1));
  if (!addr || addr->port() == 0) return std::nullopt;
  flow.remote = *addr;
  return flow;
}

storage::Registration toRegistration(const Binding& b) {
  storage::Registration r;
  r.trunkId = b.trunkId;
  r.aor = b.aor;
  r.contact = b.contact;
  r.received = flowToText(b.flow);
  r.connectionId = b.flow.connectionId;
  r.callId = b.callId;
  r.cseq = b.cseq;
  r.expiresAtMs = b.expiresAtMs;
  r.userAgent = b.userAgent;
  return r;
}

}  // namespace trunkline::registrar
