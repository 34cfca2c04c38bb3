// RFC 3261 §12: dialog creation, CSeq rules, target refresh and in-dialog requests.
#include "sip/dialog/dialog.h"

#include <algorithm>

namespace trunkline::sip {
namespace {

// One Route/Record-Route value rebuilt from its parsed parts: "<uri>;params".
std::string routeValue(const NameAddr& na) {
  std::string v;
  v.reserve(na.uri.text.size() + na.params.raw.size() + 2);
  v.push_back('<');
  v.append(na.uri.text);
  v.push_back('>');
  v.append(na.params.raw);
  return v;
}

base::Result<std::vector<std::string>> recordRoutes(const SipMessage& msg) {
  std::vector<std::string> out;
  std::vector<NameAddr> parsed;
  for (const HeaderField* f : msg.headersOf(HeaderId::RecordRoute)) {
    parsed.clear();
    if (!parseNameAddrList(f->value, parsed))
      return base::fail(base::Errc::Protocol, "bad Record-Route");
    for (const auto& na : parsed) out.push_back(routeValue(na));
  }
  return out;
}

base::Result<std::string> contactTarget(const SipMessage& msg) {
  auto contacts = msg.contacts();
  if (!contacts) return base::fail(base::Errc::Protocol, "bad Contact");
  if (contacts->empty() || contacts->front().wildcard)
    return base::fail(base::Errc::Protocol, "no Contact");
  return std::string(contacts->front().uri.text);
}

}  // namespace

base::Result<Dialog> dialogAsUas(const SipMessage& request, std::string_view localTag,
                                 bool overTls) {
  Dialog d;
  // §12.1.1: route set = Record-Route in order; remote target = Contact; remote CSeq =
  // the request's; remote tag = From tag (may be empty for RFC 2543 peers); local tag ours.
  auto routes = recordRoutes(request);
  if (!routes) return tl::unexpected(routes.error());
  d.routeSet = std::move(*routes);
  auto target = contactTarget(request);
  if (!target) return tl::unexpected(target.error());
  d.remoteTarget = std::move(*target);
  d.callId = std::string(request.callId());
  d.localTag = std::string(localTag);
  d.remoteTag = std::string(request.from().tag().value_or(""));
  d.remoteUri = std::string(request.from().uri.text);
  d.remoteDisplay = std::string(request.from().displayName);
  d.localUri = std::string(request.to().uri.text);
  d.localDisplay = std::string(request.to().displayName);
  d.remoteCSeq = request.cseq().number;
  d.secure = overTls && request.requestUri().scheme == UriScheme::Sips;
  return d;
}

base::Result<Dialog> dialogAsUac(const SipMessage& request, const SipMessage& response,
                                 bool overTls) {
  if (!response.to().tag()) return base::fail(base::Errc::Protocol, "response without To tag");
  Dialog d;
  // §12.1.2: route set = Record-Route of the response, reversed; remote target = its
  // Contact; local CSeq = the request's; remote CSeq empty; tags from From/To.
  auto routes = recordRoutes(response);
  if (!routes) return tl::unexpected(routes.error());
  d.routeSet = std::move(*routes);
  std::reverse(d.routeSet.begin(), d.routeSet.end());
  auto target = contactTarget(response);
  if (!target) {
    // A 1xx may lack Contact; a 2xx must carry one (§12.1.2 / §13.3.1.4).
    if (response.statusCode() >= 200) return tl::unexpected(target.error());
    d.remoteTarget = std::string(request.requestUri().text);
  } else {
    d.remoteTarget = std::move(*target);
  }
  d.callId = std::string(request.callId());
  d.localTag = std::string(request.from().tag().value_or(""));
  d.remoteTag = std::string(*response.to().tag());
  d.localUri = std::string(request.from().uri.text);
  d.localDisplay = std::string(request.from().displayName);
  d.remoteUri = std::string(request.to().uri.text);
  d.remoteDisplay = std::string(request.to().displayName);
  d.localCSeq = request.cseq().number + 1;
  d.secure = overTls && request.requestUri().scheme == UriScheme::Sips;
  d.early = response.statusCode() < 200;
  return d;
}

bool acceptRemoteCSeq(Dialog& dialog, const SipMessage& request) {
  const Method m = request.method();
  if (m == Method::Ack || m == Method::Cancel) return true;
  const std::uint32_t n = request.cseq().number;
  if (dialog.remoteCSeq && n < *dialog.remoteCSeq) return false;
  dialog.remoteCSeq = n;
  return true;
}

void refreshTarget(Dialog& dialog, const SipMessage& message) {
  if (message.headerCount(HeaderId::Contact) == 0) return;
  if (auto target = contactTarget(message)) dialog.remoteTarget = std::move(*target);
}

RequestTarget requestTarget(const Dialog& dialog) {
  RequestTarget t;
  if (dialog.routeSet.empty()) {
    t.requestUri = dialog.remoteTarget;
    return t;
  }
  auto first = parseNameAddr(dialog.routeSet.front());
  const bool loose = first && first->uri.params.has("lr");
  if (loose || !first) {
    t.requestUri = dialog.remoteTarget;
    t.routes = dialog.routeSet;
    return t;
  }
  // Strict router (RFC 2543): it gets the Request-URI; the remote target goes last.
  t.requestUri = std::string(first->uri.text);
  t.routes.assign(dialog.routeSet.begin() + 1, dialog.routeSet.end());
  t.routes.push_back("<" + dialog.remoteTarget + ">");
  return t;
}

std::string formatNameAddr(std::string_view display, std::string_view uri, std::string_view tag) {
  std::string v;
  v.reserve(display.size() + uri.size() + tag.size() + 10);
  if (!display.empty()) {
    v.append(display);
    v.push_back(' ');
  }
  v.push_back('<');
  v.append(uri);
  v.push_back('>');
  if (!tag.empty()) {
    v.append(";tag=");
    v.append(tag);
  }
  return v;
}

std::string buildRequest(Dialog& dialog, std::string_view method, const RequestParts& parts) {
  RequestTarget target = requestTarget(dialog);
  const std::uint32_t cseq = parts.cseq ? *parts.cseq : dialog.localCSeq++;
  std::string out;
  out.reserve(512 + parts.body.size() + parts.extraHeaders.size());
  auto field = [&out](std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  };
  out.append(method);
  out.push_back(' ');
  out.append(target.requestUri);
  out.append(" SIP/2.0\r\n");
  field("Via", parts.via);
  field("Max-Forwards", std::to_string(parts.maxForwards));
  for (const auto& r : target.routes) field("Route", r);
  field("From", formatNameAddr(dialog.localDisplay, dialog.localUri, dialog.localTag));
  field("To", formatNameAddr(dialog.remoteDisplay, dialog.remoteUri, dialog.remoteTag));
  field("Call-ID", dialog.callId);
  field("CSeq", std::to_string(cseq) + " " + std::string(method));
  if (!parts.contact.empty()) field("Contact", parts.contact);
  out.append(parts.extraHeaders);
  if (!parts.contentType.empty()) field("Content-Type", parts.contentType);
  field("Content-Length", std::to_string(parts.body.size()));
  out.append("\r\n");
  out.append(parts.body);
  return out;
}

}  // namespace trunkline::sip
