#include "call/test/b2bua_fixture.h"

#include <fmt/format.h>

namespace trunkline::call::test {

namespace {

ServiceConfig serviceConfig() {
  ServiceConfig c;
  c.serverHeader = "Trunkline-test";
  c.localSentBy = {"10.0.0.1:5060"};
  return c;
}

B2buaConfig b2buaConfig(base::Duration deadDialogInterval) {
  B2buaConfig c;
  c.userAgent = "Trunkline-test";
  c.localAddress = [](sip::TransportKind, int) { return net::Address::parse("10.0.0.1:5060"); };
  c.deadDialogInterval = deadDialogInterval;
  return c;
}

}  // namespace

// ---- Peer ----------------------------------------------------------------------------------

Peer::Peer(B2buaFixture& fx, std::string address, std::string user)
    : fx_(fx), address_(std::move(address)), user_(std::move(user)) {}

std::optional<sip::SipMessage> Peer::poll() {
  auto& box = fx_.inbox[address_];
  while (read_ < box.size()) {
    const std::string& text = box[read_++];
    if (!seen_.insert(text).second) continue;  // a retransmission
    auto m = sip::SipMessage::parse(text);
    EXPECT_TRUE(m) << text;
    if (m) return std::move(*m);
  }
  return std::nullopt;
}

sip::SipMessage Peer::next() {
  auto m = poll();
  if (!m) {
    ADD_FAILURE() << address_ << ": nothing new in the inbox";
    return *sip::SipMessage::parse(
        "SIP/2.0 599 NOTHING\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK-x\r\nFrom: <sip:x@x>;tag=x\r\n"
        "To: <sip:x@x>\r\nCall-ID: x\r\nCSeq: 1 NONE\r\nContent-Length: 0\r\n\r\n");
  }
  return std::move(*m);
}

sip::SipMessage Peer::expectRequest(std::string_view method) {
  auto m = next();
  EXPECT_TRUE(m.isRequest() && m.methodText() == method)
      << address_ << " expected " << method << ", got: " << m.raw();
  return m;
}

sip::SipMessage Peer::expectStatus(int code) {
  auto m = next();
  EXPECT_TRUE(m.isResponse() && m.statusCode() == code)
      << address_ << " expected " << code << ", got: " << m.raw();
  return m;
}

bool Peer::idle() {
  auto m = poll();
  if (m) ADD_FAILURE() << address_ << " unexpected: " << m->raw();
  return !m;
}

void Peer::send(const std::string& text) {
  fx_.deliver(text, address_);
}

void Peer::reply(const sip::SipMessage& request, int code, const std::string& extra,
                 const std::string& body, const std::string& tag) {
  std::string headers = extra;
  if (code > 100 && code < 300 && request.method() != sip::Method::Bye &&
      request.method() != sip::Method::Cancel)
    headers += fmt::format("Contact: <sip:{}@{}>\r\n", user_, address_);
  send(sip::makeResponse(request, code, {}, code > 100 ? tag : "", headers,
                         body.empty() ? "" : "application/sdp", body));
}

void Peer::sendInvite(const std::string& ruriUser, const std::string& extra,
                      const std::string& body, int maxForwards) {
  callId = "pbx-call-1@192.0.2.10";
  localNameAddr = "\"PBX User\" <sip:2001@192.0.2.10>;tag=pbx-tag";
  invite_ = fmt::format(
      "INVITE sip:{0}@10.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP {1};branch=z9hG4bK-pbx-inv;rport\r\n"
      "Max-Forwards: {2}\r\n"
      "Record-Route: <sip:192.0.2.99;lr>\r\n"
      "From: {3}\r\n"
      "To: <sip:{0}@10.0.0.1>\r\n"
      "Call-ID: {4}\r\n"
      "CSeq: 1 INVITE\r\n"
      "Contact: <sip:2001@{1}>\r\n"
      "P-Asserted-Identity: <sip:2001@pbx.customer.example>\r\n"
      "User-Agent: CustomerPBX/1.0\r\n"
      "{5}"
      "{6}Content-Length: {7}\r\n\r\n{8}",
      ruriUser, address_, maxForwards, localNameAddr, callId, extra,
      body.empty() ? "" : "Content-Type: application/sdp\r\n", body.size(), body);
  send(invite_);
}

void Peer::sendCancel() {
  send(
      fmt::format("CANCEL sip:+15551234567@10.0.0.1 SIP/2.0\r\n"
                  "Via: SIP/2.0/UDP {0};branch=z9hG4bK-pbx-inv;rport\r\n"
                  "Max-Forwards: 70\r\nFrom: {1}\r\nTo: <sip:+15551234567@10.0.0.1>\r\n"
                  "Call-ID: {2}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
                  address_, localNameAddr, callId));
}

void Peer::learnAsUac(const sip::SipMessage& ok) {
  callId = std::string(ok.callId());
  localNameAddr = std::string(ok.header(sip::HeaderId::From)->value);
  remoteNameAddr = std::string(ok.header(sip::HeaderId::To)->value);
  auto contacts = ok.contacts();
  if (contacts && !contacts->empty()) remoteTarget = std::string(contacts->front().uri.text);
  cseq = ok.cseq().number + 1;
}

void Peer::learnAsUas(const sip::SipMessage& invite) {
  callId = std::string(invite.callId());
  localNameAddr = std::string(invite.header(sip::HeaderId::To)->value) + ";tag=peer-tag";
  remoteNameAddr = std::string(invite.header(sip::HeaderId::From)->value);
  auto contacts = invite.contacts();
  if (contacts && !contacts->empty()) remoteTarget = std::string(contacts->front().uri.text);
  cseq = 1;
}

void Peer::sendAck(const sip::SipMessage& ok, const std::string& body) {
  learnAsUac(ok);
  sendAckInDialog(ok.cseq().number, body);
}

void Peer::sendAckInDialog(std::uint32_t number, const std::string& body) {
  send(fmt::format(
      "ACK {0} SIP/2.0\r\nVia: SIP/2.0/UDP {1};branch=z9hG4bK-{2}-ack{3}\r\nMax-Forwards: 70\r\n"
      "From: {4}\r\nTo: {5}\r\nCall-ID: {6}\r\nCSeq: {7} ACK\r\n{8}Content-Length: {9}\r\n\r\n{10}",
      remoteTarget, address_, user_, ++branch_, localNameAddr, remoteNameAddr, callId, number,
      body.empty() ? "" : "Content-Type: application/sdp\r\n", body.size(), body));
}

std::string Peer::sendInDialog(const std::string& method, const std::string& extra,
                               const std::string& body, const std::string& contentType) {
  std::string text = fmt::format(
      "{0} {1} SIP/2.0\r\nVia: SIP/2.0/UDP {2};branch=z9hG4bK-{3}-{4}\r\nMax-Forwards: 70\r\n"
      "From: {5}\r\nTo: {6}\r\nCall-ID: {7}\r\nCSeq: {8} {0}\r\n"
      "Contact: <sip:{3}@{2}>\r\n{9}{10}Content-Length: {11}\r\n\r\n{12}",
      method, remoteTarget, address_, user_, ++branch_, localNameAddr, remoteNameAddr, callId,
      cseq++, extra, contentType.empty() ? "" : "Content-Type: " + contentType + "\r\n",
      body.size(), body);
  send(text);
  return text;
}

// ---- fixture -------------------------------------------------------------------------------

namespace {
B2buaConfig withRater(B2buaConfig c, CallRater* rater, MediaAnchor* media) {
  c.rater = rater;
  c.media = media;
  return c;
}
}  // namespace

B2buaFixture::B2buaFixture(base::Duration deadDialogInterval, MediaAnchor* media)
    : service(timers, serviceConfig()),
      b2bua(timers, withRater(b2buaConfig(deadDialogInterval), &rater, media), policy, cdrs,
            random),
      layer(timers, sip::TimerConfig{}, *this, service) {
  service.attach(layer);
  b2bua.attach(layer);
  service.setB2bua(&b2bua);
}

B2buaFixture::~B2buaFixture() = default;

void B2buaFixture::TearDown() {
  EXPECT_EQ(policy.released.size() + b2bua.liveCalls(), static_cast<std::size_t>(policy.accepted));
  for (const auto& ctx : policy.released) EXPECT_EQ(ctx.accountId, 11);
}

sip::SipMessage B2buaFixture::establish() {
  route({target(carrierA.address())});
  pbx.sendInvite();                             // PBX -> us: INVITE
  pbx.expectStatus(100);                        // us -> PBX: 100 Trying
  auto inv = carrierA.expectRequest("INVITE");  // us -> A: INVITE
  carrierA.reply(inv, 180);                     // A -> us: 180
  pbx.expectStatus(180);                        // us -> PBX: 180
  advance(std::chrono::seconds(2));
  carrierA.reply(inv, 200, "", kAnswerSdp);  // A -> us: 200 (SDP)
  auto ok = pbx.expectStatus(200);           // us -> PBX: 200 (SDP)
  EXPECT_EQ(ok.body(), kAnswerSdp);
  pbx.sendAck(ok);                // PBX -> us: ACK
  carrierA.expectRequest("ACK");  // us -> A: ACK
  carrierA.learnAsUas(inv);
  return inv;
}

bool B2buaFixture::send(const sip::Flow& flow, std::string_view bytes) {
  const std::string to = flow.remote.toString();
  if (unreachable.count(to)) return false;
  wire.emplace_back(to, std::string(bytes));
  inbox[to].emplace_back(bytes);
  return true;
}

void B2buaFixture::deliver(const std::string& text, const std::string& fromAddress) {
  auto msg = sip::SipMessage::parse(text);
  ASSERT_TRUE(msg) << msg.error().text() << "\n" << text;
  sip::Flow flow;
  flow.kind = sip::TransportKind::Udp;
  flow.local = us;
  flow.remote = *net::Address::parse(fromAddress);
  layer.onMessage(std::move(*msg), flow);
}

void B2buaFixture::advance(base::Duration d) {
  const base::Duration step = std::chrono::milliseconds(100);
  while (d > base::Duration{0}) {
    const auto s = std::min(d, step);
    clock.advance(s);
    d -= s;
    timers.runDue();
  }
}

Target B2buaFixture::target(const std::string& address, base::Duration ring) {
  Target t;
  t.transport = sip::TransportKind::Udp;
  t.destination = *net::Address::parse(address);
  t.requestUri = fmt::format("sip:+15551234567@{}", address.substr(0, address.find(':')));
  t.ringTimeout = ring;
  t.carrierId = address == carrierA.address() ? 7 : 8;
  t.label = address;
  return t;
}

CallContext B2buaFixture::context() {
  CallContext c;
  c.accountId = 11;
  c.trunkId = 22;
  c.direction = storage::Direction::Outbound;
  c.fromE164 = "+14155550100";
  c.toE164 = "+15551234567";
  c.callerId = CallerId{"+14155550100", "Acme"};
  return c;
}

void B2buaFixture::route(std::vector<Target> targets) {
  policy.next = Accept{context(), std::move(targets)};
}

const storage::Cdr& B2buaFixture::onlyCdr() {
  EXPECT_EQ(cdrs.cdrs.size(), 1u);
  static storage::Cdr empty;
  return cdrs.cdrs.empty() ? empty : cdrs.cdrs.back();
}

}  // namespace trunkline::call::test
