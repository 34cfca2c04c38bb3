#include "sip/transport/flow.h"

namespace trunkline::sip {

std::string_view transportName(TransportKind k) {
  switch (k) {
    case TransportKind::Udp: return "UDP";
    case TransportKind::Tcp: return "TCP";
    case TransportKind::Tls: return "TLS";
  }
  return "UDP";
}

}  // namespace trunkline::sip
