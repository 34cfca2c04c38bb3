#include "sip/transaction/test/fixture.h"

#include <fmt/format.h>

namespace trunkline::sip::testing {

std::size_t RecordingTu::count(TuEvent::Kind k) const {
  std::size_t n = 0;
  for (const auto& e : events) n += e.kind == k ? 1 : 0;
  return n;
}

std::string requestText(const Req& r) {
  std::string to = "<" + r.ruri + ">";
  if (!r.toTag.empty()) to += ";tag=" + r.toTag;
  std::string via = fmt::format("SIP/2.0/{} {}", r.transport, r.sentBy);
  if (!r.branch.empty()) via += ";branch=" + r.branch;
  return fmt::format(
      "{} {} SIP/2.0\r\n"
      "Via: {}\r\n"
      "Max-Forwards: 70\r\n"
      "From: \"Alice\" <sip:alice@example.com>;tag={}\r\n"
      "To: {}\r\n"
      "Call-ID: {}\r\n"
      "CSeq: {} {}\r\n"
      "Contact: <sip:alice@10.0.0.2>\r\n"
      "{}"
      "Content-Length: 0\r\n"
      "\r\n",
      r.method, r.ruri, via, r.fromTag, to, r.callId, r.cseq,
      r.cseqMethod.empty() ? r.method : r.cseqMethod, r.extraHeaders);
}

std::string responseText(const Rsp& r) {
  std::string to = "<sip:bob@example.com>";
  if (!r.toTag.empty()) to += ";tag=" + r.toTag;
  return fmt::format(
      "SIP/2.0 {} {}\r\n"
      "Via: SIP/2.0/UDP {};branch={}\r\n"
      "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
      "To: {}\r\n"
      "Call-ID: {}\r\n"
      "CSeq: {} {}\r\n"
      "Content-Length: 0\r\n"
      "\r\n",
      r.code, r.code < 200 ? "Ringing" : (r.code < 300 ? "OK" : "Busy Here"), r.sentBy, r.branch,
      to, r.callId, r.cseq, r.cseqMethod);
}

SipMessage parseOrDie(std::string_view text) {
  auto m = SipMessage::parse(text);
  if (!m) {
    ADD_FAILURE() << "unparsable test message: " << m.error().text() << "\n" << text;
    std::abort();
  }
  return std::move(*m);
}

Flow udpFlow(std::uint16_t remotePort) {
  Flow f;
  f.kind = TransportKind::Udp;
  f.local = *net::Address::parse("192.0.2.1:5060");
  f.remote = *net::Address::fromIp("10.0.0.2", remotePort);
  return f;
}

Flow tcpFlow(std::uint64_t connectionId) {
  Flow f = udpFlow();
  f.kind = TransportKind::Tcp;
  f.connectionId = connectionId;
  return f;
}

TxnTest::TxnTest() : start(clock.now()) {
  makeLayer(TimerConfig{});
}

void TxnTest::makeLayer(TimerConfig cfg) {
  layer.reset();
  layer = std::make_unique<TransactionLayer>(timers, cfg, sender, tu);
}

void TxnTest::runFor(base::Duration d) {
  const base::MonoTime target = clock.now() + d;
  for (;;) {
    auto next = timers.nextDeadline();
    if (!next || *next > target) break;
    if (*next > clock.now()) clock.advance(*next - clock.now());
    timers.runDue();
  }
  clock.advance(target - clock.now());
  timers.runDue();
}

void TxnTest::deliver(std::string_view text, const Flow& from) {
  layer->onMessage(parseOrDie(text), from);
}

ClientTransactionHandle TxnTest::send(std::string_view text, const Flow& to) {
  auto h = layer->sendRequest(std::string(text), to);
  EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
  return h ? *h : ClientTransactionHandle{};
}

int TxnTest::sentCode(std::size_t i) const {
  return sentMessage(i).statusCode();
}

ServerTransactionHandle TxnTest::lastServerTxn() const {
  for (auto it = tu.events.rbegin(); it != tu.events.rend(); ++it) {
    if (it->kind == TuEvent::Kind::Request || it->kind == TuEvent::Kind::Cancel)
      return ServerTransactionHandle{it->txn};
  }
  return {};
}

std::string TxnTest::answer(ServerTransactionHandle h, int code, std::string_view toTag) {
  const SipMessage* req = layer->request(h);
  EXPECT_NE(req, nullptr);
  if (req == nullptr) return {};
  return makeResponse(*req, code, {}, code == 100 ? std::string_view{} : toTag);
}

}  // namespace trunkline::sip::testing
