// Dialog creation (UAS/UAC), CSeq rule, target refresh and in-dialog request building.
#include "sip/dialog/dialog.h"

#include <gtest/gtest.h>

namespace trunkline::sip {
namespace {

SipMessage parse(const std::string& text) {
  auto m = SipMessage::parse(text);
  EXPECT_TRUE(m) << (m ? "" : m.error().text());
  return std::move(*m);
}

const std::string kInvite =
    "INVITE sip:+15551234@10.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\n"
    "Max-Forwards: 70\r\n"
    "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "From: \"Alice\" <sip:alice@192.0.2.10>;tag=a1\r\n"
    "To: <sip:+15551234@10.0.0.1>\r\n"
    "Call-ID: c1@192.0.2.10\r\n"
    "CSeq: 7 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.10:5070>\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(DialogTest, UasDialogFromRequest) {
  auto req = parse(kInvite);
  auto d = dialogAsUas(req, "ours");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->callId, "c1@192.0.2.10");
  EXPECT_EQ(d->localTag, "ours");
  EXPECT_EQ(d->remoteTag, "a1");
  EXPECT_EQ(d->remoteUri, "sip:alice@192.0.2.10");
  EXPECT_EQ(d->remoteDisplay, "\"Alice\"");
  EXPECT_EQ(d->localUri, "sip:+15551234@10.0.0.1");
  EXPECT_EQ(d->remoteTarget, "sip:alice@192.0.2.10:5070");
  ASSERT_EQ(d->routeSet.size(), 2u);
  EXPECT_EQ(d->routeSet[0], "<sip:p1.example.com;lr>");  // UAS keeps the order
  EXPECT_EQ(d->remoteCSeq, 7u);

  // In-dialog BYE towards the caller: loose routing keeps the target in the Request-URI.
  RequestParts parts;
  parts.via = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-b";
  auto bye = parse(buildRequest(*d, "BYE", parts));
  EXPECT_EQ(bye.requestUriText(), "sip:alice@192.0.2.10:5070");
  EXPECT_EQ(bye.from().tag(), "ours");
  EXPECT_EQ(bye.to().tag(), "a1");
  EXPECT_EQ(bye.cseq().number, 1u);
  auto routes = bye.headersOf(HeaderId::Route);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]->value, "<sip:p1.example.com;lr>");
  EXPECT_EQ(d->localCSeq, 2u);
}

TEST(DialogTest, UacDialogReversesRouteSetAndChecksCSeq) {
  auto req = parse(kInvite);
  auto rsp = parse(
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\n"
      "Record-Route: <sip:p1.example.com;lr>\r\nRecord-Route: <sip:p2.example.com;lr>\r\n"
      "From: \"Alice\" <sip:alice@192.0.2.10>;tag=a1\r\n"
      "To: <sip:+15551234@10.0.0.1>;tag=b2\r\n"
      "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\n"
      "Contact: <sip:gw@10.0.0.1:5080>\r\nContent-Length: 0\r\n\r\n");
  auto d = dialogAsUac(req, rsp);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->early);
  EXPECT_EQ(d->localTag, "a1");
  EXPECT_EQ(d->remoteTag, "b2");
  EXPECT_EQ(d->remoteTarget, "sip:gw@10.0.0.1:5080");
  ASSERT_EQ(d->routeSet.size(), 2u);
  EXPECT_EQ(d->routeSet[0], "<sip:p2.example.com;lr>");
  EXPECT_EQ(d->localCSeq, 8u);
  EXPECT_FALSE(d->remoteCSeq);

  // ACK for the 2xx reuses the INVITE's number.
  RequestParts ack;
  ack.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-ack";
  ack.cseq = 7;
  auto a = parse(buildRequest(*d, "ACK", ack));
  EXPECT_EQ(a.cseq().number, 7u);
  EXPECT_EQ(a.cseq().method, Method::Ack);
  EXPECT_EQ(d->localCSeq, 8u);

  // §12.2.2: remote CSeq may not go down.
  auto byeFrom = [](int n) {
    return "BYE sip:alice@192.0.2.10:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-" +
           std::to_string(n) +
           "\r\nFrom: <sip:+15551234@10.0.0.1>;tag=b2\r\nTo: <sip:alice@192.0.2.10>;tag=a1\r\n"
           "Call-ID: c1@192.0.2.10\r\nCSeq: " +
           std::to_string(n) + " BYE\r\nContent-Length: 0\r\n\r\n";
  };
  EXPECT_TRUE(acceptRemoteCSeq(*d, parse(byeFrom(5))));
  EXPECT_TRUE(acceptRemoteCSeq(*d, parse(byeFrom(6))));
  EXPECT_FALSE(acceptRemoteCSeq(*d, parse(byeFrom(4))));
  EXPECT_EQ(d->remoteCSeq, 6u);
}

TEST(DialogTest, EarlyDialogFrom1xxAndTargetRefresh) {
  auto req = parse(kInvite);
  auto ringing = parse(
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\n"
      "From: <sip:alice@192.0.2.10>;tag=a1\r\nTo: <sip:+15551234@10.0.0.1>;tag=e1\r\n"
      "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
  auto d = dialogAsUac(req, ringing);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->early);
  EXPECT_EQ(d->remoteTarget, "sip:+15551234@10.0.0.1");  // no Contact: the Request-URI
  auto reinvite = parse(
      "INVITE sip:alice@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-r\r\n"
      "From: <sip:+15551234@10.0.0.1>;tag=e1\r\nTo: <sip:alice@192.0.2.10>;tag=a1\r\n"
      "Call-ID: c1@192.0.2.10\r\nCSeq: 1 INVITE\r\nContact: <sip:new@10.0.0.9>\r\n"
      "Content-Length: 0\r\n\r\n");
  refreshTarget(*d, reinvite);
  EXPECT_EQ(d->remoteTarget, "sip:new@10.0.0.9");
}

TEST(DialogTest, StrictRouterGetsTheRequestUri) {
  Dialog d;
  d.callId = "x";
  d.localTag = "l";
  d.remoteTag = "r";
  d.localUri = "sip:a@h";
  d.remoteUri = "sip:b@h";
  d.remoteTarget = "sip:b@10.0.0.2";
  d.routeSet = {"<sip:strict.example.com>", "<sip:p2.example.com;lr>"};
  auto t = requestTarget(d);
  EXPECT_EQ(t.requestUri, "sip:strict.example.com");
  ASSERT_EQ(t.routes.size(), 2u);
  EXPECT_EQ(t.routes[0], "<sip:p2.example.com;lr>");
  EXPECT_EQ(t.routes[1], "<sip:b@10.0.0.2>");
}

TEST(DialogTest, ExtrasAndBody) {
  Dialog d;
  d.callId = "x";
  d.localTag = "l";
  d.remoteTag = "r";
  d.localUri = "sip:a@h";
  d.remoteUri = "sip:b@h";
  d.remoteTarget = "sip:b@10.0.0.2";
  RequestParts p;
  p.via = "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK-i";
  p.extraHeaders = "X-Test: 1\r\n";
  p.contentType = "application/dtmf-relay";
  p.body = "Signal=5\r\nDuration=160\r\n";
  auto m = parse(buildRequest(d, "INFO", p));
  EXPECT_EQ(m.body(), p.body);
  ASSERT_NE(m.header("X-Test"), nullptr);
  EXPECT_EQ(m.header(HeaderId::ContentType)->value, "application/dtmf-relay");
}

}  // namespace
}  // namespace trunkline::sip
