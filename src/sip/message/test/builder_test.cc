// MessageBuilder, reason phrases, makeResponse (RFC 3261 §8.2.6) and EditList.
#include <gtest/gtest.h>

#include "test_util.h"

namespace trunkline::sip {
namespace {

using test::fix;

const std::string kRequest =
    fix("INVITE sip:bob@biloxi.example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2\n"
        "v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1, SIP/2.0/TCP h2.example.com\n"
        "Max-Forwards: 69\n"
        "To:   Bob <sip:bob@biloxi.example.com>\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
        "Call-ID: a84b4c76e66710\n"
        "CSeq: 314159 INVITE\n"
        "Timestamp: 54\n"
        "X-Custom:  keep   me \n"
        "Content-Length   : 3\n"
        "\n"
        "abc");

SipMessage parsed(const std::string& s) {
  auto m = SipMessage::parse(s);
  EXPECT_TRUE(m) << m.error().text();
  return std::move(*m);
}

TEST(Builder, RequestAndResponse) {
  std::string r = MessageBuilder::request("OPTIONS", "sip:x@example.com")
                      .header("Via", "SIP/2.0/UDP h.example.com;branch=z9hG4bKa")
                      .header("From", "<sip:a@example.com>;tag=1")
                      .header("To", "<sip:x@example.com>")
                      .header("Call-ID", "c1")
                      .header("CSeq", "1 OPTIONS")
                      .body("text/plain", "hello")
                      .finish();
  auto m = SipMessage::parse(r);
  ASSERT_TRUE(m) << m.error().text() << "\n" << r;
  EXPECT_EQ(m->method(), Method::Options);
  EXPECT_EQ(m->body(), "hello");
  EXPECT_EQ(m->contentLength(), 5);
  EXPECT_EQ(m->header(HeaderId::ContentType)->value, "text/plain");
  std::string resp = MessageBuilder::response(404, "").finish();
  EXPECT_EQ(resp, "SIP/2.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

TEST(Builder, DefaultReasons) {
  EXPECT_EQ(defaultReason(100), "Trying");
  EXPECT_EQ(defaultReason(200), "OK");
  EXPECT_EQ(defaultReason(404), "Not Found");
  EXPECT_EQ(defaultReason(407), "Proxy Authentication Required");
  EXPECT_EQ(defaultReason(422), "Session Interval Too Small");
  EXPECT_EQ(defaultReason(423), "Interval Too Brief");
  EXPECT_EQ(defaultReason(429), "Provide Referrer Identity");
  EXPECT_EQ(defaultReason(481), "Call/Transaction Does Not Exist");
  EXPECT_EQ(defaultReason(494), "Security Agreement Required");
  EXPECT_EQ(defaultReason(505), "Version Not Supported");
  EXPECT_EQ(defaultReason(580), "Precondition Failure");
  EXPECT_EQ(defaultReason(603), "Decline");
  EXPECT_EQ(defaultReason(299), "");
  // Every code of RFC 3261 §21 has a phrase.
  for (int code :
       {100, 180, 181, 182, 183, 200, 300, 301, 302, 305, 380, 400, 401, 402, 403, 404, 405,
        406, 407, 408, 410, 413, 414, 415, 416, 420, 421, 423, 480, 481, 482, 483, 484, 485,
        486, 487, 488, 491, 493, 500, 501, 502, 503, 504, 505, 513, 600, 603, 604, 606}) {
    EXPECT_FALSE(defaultReason(code).empty()) << code;
  }
}

TEST(Builder, MakeResponseCopiesPerRfc3261) {
  SipMessage req = parsed(kRequest);
  std::string out = makeResponse(req, 180, {}, "a6c85cf");
  auto r = SipMessage::parse(out);
  ASSERT_TRUE(r) << r.error().text() << "\n" << out;
  EXPECT_EQ(r->statusCode(), 180);
  EXPECT_EQ(r->reasonPhrase(), "Ringing");
  auto vias = r->vias();
  ASSERT_TRUE(vias);
  ASSERT_EQ(vias->size(), 3u);  // all Via values, in order
  EXPECT_EQ((*vias)[0].branch, "z9hG4bK2");
  EXPECT_EQ((*vias)[1].branch, "z9hG4bK1");
  EXPECT_EQ((*vias)[2].host, "h2.example.com");
  EXPECT_EQ(r->from().tag(), "1928301774");
  EXPECT_EQ(r->to().tag(), "a6c85cf");
  EXPECT_EQ(r->to().uri.user, "bob");
  EXPECT_EQ(r->callId(), "a84b4c76e66710");
  EXPECT_EQ(r->cseq().number, 314159u);
  EXPECT_EQ(r->method(), Method::Invite);
  EXPECT_EQ(r->header(HeaderId::Timestamp), nullptr);  // only 100 echoes it
  EXPECT_EQ(r->header("X-Custom"), nullptr);
  EXPECT_EQ(r->contentLength(), 0);

  std::string trying = makeResponse(req, 100);
  auto t = SipMessage::parse(trying);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->header(HeaderId::Timestamp)->value, "54");
  EXPECT_FALSE(t->to().tag());

  std::string ok = makeResponse(req, 200, "Fine", "zz", "Contact: <sip:bob@192.0.2.4>\r\n",
                                "application/sdp", "v=0\r\n");
  auto o = SipMessage::parse(ok);
  ASSERT_TRUE(o) << ok;
  EXPECT_EQ(o->reasonPhrase(), "Fine");
  EXPECT_EQ(o->header(HeaderId::Contact)->value, "<sip:bob@192.0.2.4>");
  EXPECT_EQ(o->body(), "v=0\r\n");
  EXPECT_EQ(o->contentLength(), 5);
}

TEST(Builder, MakeResponseKeepsExistingToTag) {
  std::string withTag = kRequest;
  withTag.replace(withTag.find("<sip:bob@biloxi.example.com>\r\n"), 30,
                  "<sip:bob@biloxi.example.com>;tag=old\r\n");
  SipMessage req = parsed(withTag);
  auto r = SipMessage::parse(makeResponse(req, 200, {}, "new"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to().tag(), "old");
}

TEST(EditListTest, EmptyReproducesBytes) {
  SipMessage m = parsed(kRequest);
  EditList e;
  EXPECT_TRUE(e.empty());
  EXPECT_EQ(e.apply(m), kRequest);
}

TEST(EditListTest, EditsKeepUntouchedBytes) {
  SipMessage m = parsed(kRequest);
  EditList e;
  e.insertBefore(0, "Via", "SIP/2.0/UDP me.example.com;branch=z9hG4bKnew")
      .remove(2)  // Max-Forwards
      .replaceValue(3, "<sip:carol@chicago.example.com>")
      .append("Record-Route", "<sip:me.example.com;lr>");
  std::string out = e.apply(m);
  auto r = SipMessage::parse(out);
  ASSERT_TRUE(r) << r.error().text() << "\n" << out;
  EXPECT_EQ(r->topVia().branch, "z9hG4bKnew");
  EXPECT_EQ(r->maxForwards(), -1);
  EXPECT_EQ(r->to().uri.user, "carol");
  EXPECT_EQ(r->header(HeaderId::To)->name, "To");
  EXPECT_EQ(r->header(HeaderId::RecordRoute)->value, "<sip:me.example.com;lr>");
  EXPECT_EQ(r->body(), "abc");
  // Untouched fields keep their exact bytes (odd spacing included).
  EXPECT_NE(out.find("X-Custom:  keep   me \r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Length   : 3\r\n"), std::string::npos);
  EXPECT_NE(out.find("v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1, SIP/2.0/TCP"),
            std::string::npos);
  EXPECT_EQ(out.find("Max-Forwards"), std::string::npos);
}

TEST(EditListTest, BodyReplacementFixesContentLength) {
  SipMessage m = parsed(kRequest);
  EditList e;
  e.replaceBody("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
  std::string out = e.apply(m);
  auto r = SipMessage::parse(out);
  ASSERT_TRUE(r) << out;
  EXPECT_EQ(r->contentLength(), 31);
  EXPECT_EQ(r->body(), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
  EXPECT_EQ(r->headerCount(HeaderId::ContentLength), 1u);
  // Removing Content-Length still yields a correct one.
  EditList drop;
  drop.remove(9);
  auto d = SipMessage::parse(drop.apply(m));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->contentLength(), 3);
  // A datagram without Content-Length gets one when edited.
  std::string noCl = kRequest;
  noCl.erase(noCl.find("Content-Length   : 3\r\n"), 22);
  SipMessage n = parsed(noCl);
  EditList add;
  add.append("Subject", "x");
  auto a = SipMessage::parse(add.apply(n));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->contentLength(), 3);
}

TEST(EditListTest, StartLineReplacement) {
  SipMessage m = parsed(kRequest);
  EditList e;
  e.replaceStartLine("INVITE sip:bob@192.0.2.4 SIP/2.0");
  auto r = SipMessage::parse(e.apply(m));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->requestUri().host, "192.0.2.4");
  EXPECT_EQ(r->headers().size(), m.headers().size());
}

}  // namespace
}  // namespace trunkline::sip

namespace trunkline::sip {
namespace {

TEST(EditListTest, InsertPastTheEndAppends) {
  auto m = SipMessage::parse(kRequest);
  ASSERT_TRUE(m);
  EditList e;
  e.insertBefore(m->headers().size(), "Subject", "late").remove(1000);
  auto r = SipMessage::parse(e.apply(*m));
  ASSERT_TRUE(r);
  ASSERT_NE(r->header(HeaderId::Subject), nullptr);
  EXPECT_EQ(r->header(HeaderId::Subject)->value, "late");
  EXPECT_EQ(r->headers().size(), m->headers().size() + 1);
}

}  // namespace
}  // namespace trunkline::sip
