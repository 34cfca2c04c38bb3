// Parser behaviour beyond the torture sets: compact forms, folding, list splitting,
// limits, framing, error reporting, header lookup, value parsers.
#include <gtest/gtest.h>

#include <cstring>

#include "test_util.h"

namespace trunkline::sip {
namespace {

using test::fix;

const std::string kInvite =
    fix("INVITE sip:bob@biloxi.example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\n"
        "Max-Forwards: 70\n"
        "To: Bob <sip:bob@biloxi.example.com>\n"
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
        "CSeq: 314159 INVITE\n"
        "Contact: <sip:alice@pc33.atlanta.example.com>\n"
        "Content-Type: application/sdp\n"
        "Content-Length: 4\n"
        "\n"
        "v=0\n");

TEST(Message, BasicInvite) {
  auto m = SipMessage::parse(kInvite);
  ASSERT_TRUE(m) << m.error().text();
  EXPECT_TRUE(m->isRequest());
  EXPECT_EQ(m->method(), Method::Invite);
  EXPECT_EQ(m->requestUriText(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(m->version(), "SIP/2.0");
  EXPECT_EQ(m->topVia().branch, "z9hG4bK776asdhds");
  EXPECT_TRUE(m->topVia().rport);
  EXPECT_EQ(m->topVia().sentBy, "pc33.atlanta.example.com");
  EXPECT_EQ(m->from().tag(), "1928301774");
  EXPECT_FALSE(m->to().tag());
  EXPECT_EQ(m->to().displayName, "Bob");
  EXPECT_EQ(m->callId(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(m->cseq().number, 314159u);
  EXPECT_EQ(m->maxForwards(), 70);
  EXPECT_EQ(m->contentLength(), 4);
  EXPECT_EQ(m->body(), "v=0\r");  // Content-Length counts octets, CR included
  EXPECT_EQ(m->headers().size(), 9u);
  EXPECT_EQ(m->headerCount(HeaderId::Via), 1u);
  EXPECT_EQ(m->header(HeaderId::Route), nullptr);
  EXPECT_EQ(m->header("contact"), m->header(HeaderId::Contact));
  EXPECT_EQ(m->header(HeaderId::Contact)->raw, "Contact: <sip:alice@pc33.atlanta.example.com>");
  EXPECT_EQ(m->offsetOf(m->header(HeaderId::Via)->raw), 43u);
}

TEST(Message, CompactForms) {
  auto m =
      SipMessage::parse(fix("OPTIONS sip:x@example.com SIP/2.0\n"
                            "v: SIP/2.0/TCP h.example.com;branch=z9hG4bKa\n"
                            "f: <sip:a@example.com>;tag=1\n"
                            "t: <sip:x@example.com>\n"
                            "i: cid\n"
                            "CSeq: 1 OPTIONS\n"
                            "m: <sip:a@h.example.com>\n"
                            "c: text/plain\n"
                            "e: gzip\n"
                            "s: hello\n"
                            "k: timer\n"
                            "o: presence\n"
                            "r: <sip:c@example.com>\n"
                            "x: 1800\n"
                            "u: presence\n"
                            "l: 0\n\n"));
  ASSERT_TRUE(m) << m.error().text();
  EXPECT_EQ(m->header(HeaderId::Via)->name, "v");
  EXPECT_EQ(m->callId(), "cid");
  EXPECT_EQ(m->header(HeaderId::Contact)->name, "m");
  EXPECT_EQ(m->header(HeaderId::ContentType)->value, "text/plain");
  EXPECT_EQ(m->header(HeaderId::ContentEncoding)->value, "gzip");
  EXPECT_EQ(m->header(HeaderId::Subject)->value, "hello");
  EXPECT_EQ(m->header(HeaderId::Supported)->value, "timer");
  EXPECT_EQ(m->header(HeaderId::Event)->value, "presence");
  EXPECT_EQ(m->header(HeaderId::ReferTo)->value, "<sip:c@example.com>");
  EXPECT_EQ(m->header(HeaderId::SessionExpires)->value, "1800");
  EXPECT_EQ(m->header("u")->id, HeaderId::Other);  // Allow-Events has no slot
  EXPECT_EQ(m->contentLength(), 0);
}

TEST(Message, HeaderNames) {
  EXPECT_EQ(headerIdFromName("VIA"), HeaderId::Via);
  EXPECT_EQ(headerIdFromName("call-id"), HeaderId::CallId);
  EXPECT_EQ(headerIdFromName("WWW-Authenticate"), HeaderId::WwwAuthenticate);
  EXPECT_EQ(headerIdFromName("p-asserted-identity"), HeaderId::PAssertedIdentity);
  EXPECT_EQ(headerIdFromName("Min-SE"), HeaderId::MinSE);
  EXPECT_EQ(headerIdFromName("X-Custom"), HeaderId::Other);
  EXPECT_EQ(headerIdFromName(""), HeaderId::Other);
  EXPECT_EQ(headerIdFromName("Viaa"), HeaderId::Other);
  for (std::size_t i = 1; i < kHeaderIdCount; ++i) {
    auto id = static_cast<HeaderId>(i);
    EXPECT_EQ(headerIdFromName(headerCanonicalName(id)), id) << i;
  }
  EXPECT_EQ(headerCanonicalName(HeaderId::CallId), "Call-ID");
  EXPECT_EQ(headerCanonicalName(HeaderId::Other), "");
}

TEST(Message, FoldingAndBareLf) {
  std::string text =
      "OPTIONS sip:x@example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP\n h.example.com\n\t;branch=z9hG4bKa\n"
      "From:\n <sip:a@example.com>;tag=1\n"
      "To: <sip:x@example.com>\n"
      "Call-ID: cid\n"
      "CSeq: 1\n   OPTIONS\n"
      "Subject: one\n two  \n"
      "\n";
  auto m = SipMessage::parse(text);  // bare LF line ends throughout
  ASSERT_TRUE(m) << m.error().text();
  EXPECT_EQ(m->topVia().host, "h.example.com");
  EXPECT_EQ(m->topVia().branch, "z9hG4bKa");
  EXPECT_EQ(m->from().tag(), "1");
  EXPECT_EQ(m->cseq().method, Method::Options);
  EXPECT_EQ(m->header(HeaderId::Subject)->value, "one\n two");
  EXPECT_EQ(m->header(HeaderId::From)->value, "<sip:a@example.com>;tag=1");
  EXPECT_EQ(EditList{}.apply(*m), text);
}

TEST(Message, MultiValueSplittingRespectsQuotesAndBrackets) {
  std::vector<NameAddr> out;
  auto n = parseNameAddrList(
      "\"Doe, John\" <sip:j,x@a.example.com;x=1>;q=0.5, <sip:k@b.example.com>,"
      "sip:l@c.example.com;expires=60, \"a \\\" , b\" <sip:m@d.example.com>",
      out);
  ASSERT_TRUE(n) << n.error().text();
  ASSERT_EQ(*n, 4u);
  EXPECT_EQ(out[0].displayName, "\"Doe, John\"");
  EXPECT_EQ(out[0].uri.user, "j,x");
  EXPECT_EQ(out[0].uri.params.raw, ";x=1");
  EXPECT_EQ(out[0].params.get("q"), "0.5");
  EXPECT_EQ(out[1].uri.user, "k");
  EXPECT_EQ(out[2].uri.user, "l");
  EXPECT_EQ(out[2].params.get("expires"), "60");
  EXPECT_EQ(out[3].displayName, "\"a \\\" , b\"");
  out.clear();
  EXPECT_FALSE(parseNameAddrList("<sip:a@b.com>,,<sip:c@d.com>", out));
  EXPECT_FALSE(parseNameAddrList("<sip:a@b.com>,", out));
  EXPECT_FALSE(parseNameAddrList("", out));
  EXPECT_FALSE(parseNameAddrList("*, <sip:a@b.com>", out));
  out.clear();
  ASSERT_TRUE(parseNameAddrList(" * ", out));
  EXPECT_TRUE(out[0].wildcard);
}

TEST(Message, NameAddrForms) {
  auto a = parseNameAddr("<sip:a@b.com;lr>;tag=x;foo=\"bar;baz\"");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->displayName.empty());
  EXPECT_TRUE(a->uri.params.has("lr"));
  EXPECT_EQ(a->tag(), "x");
  EXPECT_EQ(a->params.get("foo"), "\"bar;baz\"");
  EXPECT_FALSE(parseNameAddr("<sip:a@b.com"));
  EXPECT_FALSE(parseNameAddr("\"unterminated <sip:a@b.com>"));
  EXPECT_FALSE(parseNameAddr("<sip:a@b.com>;"));
  EXPECT_FALSE(parseNameAddr("<sip:a@b.com>;=x"));
  EXPECT_FALSE(parseNameAddr("<sip:a@b.com>;tag="));
  EXPECT_FALSE(parseNameAddr("<sip:a@b.com> junk"));
  EXPECT_FALSE(parseNameAddr("<sip:a@b.com>, <sip:c@d.com>"));
  EXPECT_EQ(parseNameAddr("\"a\x01\" <sip:a@b.com>").error().code, ParseErrc::BadQuotedString);
}

TEST(Message, ViaValues) {
  std::vector<Via> out;
  auto n = parseViaList(
      "SIP/2.0/UDP 192.0.2.1:5060;received=192.0.2.9;rport=6000;branch=z9hG4bKx, "
      "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKy;ttl=16",
      out);
  ASSERT_TRUE(n) << n.error().text();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].protocol, "SIP/2.0");
  EXPECT_EQ(out[0].port, 5060);
  EXPECT_EQ(out[0].received, "192.0.2.9");
  EXPECT_EQ(out[0].rportValue, 6000);
  EXPECT_EQ(out[0].sentBy, "192.0.2.1:5060");
  EXPECT_EQ(out[1].host, "2001:db8::1");
  EXPECT_EQ(out[1].sentBy, "[2001:db8::1]:5061");
  EXPECT_EQ(out[1].params.get("ttl"), "16");
  out.clear();
  EXPECT_FALSE(parseViaList("SIP/2.0 192.0.2.1", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP192.0.2.1", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP 192.0.2.1;received=host.com", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP 192.0.2.1;rport=99999", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP 192.0.2.1;ttl=300", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP 192.0.2.1:0x1", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP 192.0.2.1;branch", out));
  EXPECT_FALSE(parseViaList("SIP/2.0/UDP 192.0.2.1 junk", out));
  EXPECT_EQ(parseViaList("SIP/2.0/UDP h;;", out).error().code, ParseErrc::BadVia);
}

TEST(Message, CSeqValues) {
  auto c = parseCSeq(" 2147483647  REGISTER ");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 2147483647u);
  EXPECT_EQ(c->method, Method::Register);
  EXPECT_FALSE(parseCSeq("2147483648 INVITE"));  // §8.1.1.5: below 2^31
  EXPECT_FALSE(parseCSeq("1"));
  EXPECT_FALSE(parseCSeq("INVITE"));
  EXPECT_FALSE(parseCSeq("1INVITE"));
  EXPECT_FALSE(parseCSeq("1 INVITE x"));
  EXPECT_EQ(parseCSeq("1 invite")->method, Method::Unknown);  // methods are case-sensitive
  EXPECT_EQ(methodFromText("SUBSCRIBE"), Method::Subscribe);
  EXPECT_EQ(methodName(Method::Prack), "PRACK");
  EXPECT_EQ(methodName(Method::Unknown), "");
}

TEST(Message, Response) {
  auto m =
      SipMessage::parse(fix("SIP/2.0 180 Ringing\n"
                            "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKa\n"
                            "From: <sip:a@example.com>;tag=1\n"
                            "To: <sip:x@example.com>;tag=2\n"
                            "Call-ID: cid\n"
                            "CSeq: 7 INVITE\n"
                            "Content-Length: 0\n\n"));
  ASSERT_TRUE(m) << m.error().text();
  EXPECT_TRUE(m->isResponse());
  EXPECT_EQ(m->statusCode(), 180);
  EXPECT_EQ(m->reasonPhrase(), "Ringing");
  EXPECT_EQ(m->method(), Method::Invite);
  EXPECT_EQ(m->to().tag(), "2");
}

ParseErrc errorOf(const std::string& text, const ParseOptions& o = {}) {
  auto m = SipMessage::parse(text, o);
  EXPECT_FALSE(m) << text;
  return m ? ParseErrc::Empty : m.error().code;
}

TEST(Message, Errors) {
  EXPECT_EQ(errorOf(""), ParseErrc::Empty);
  EXPECT_EQ(errorOf("\r\n\r\n  "), ParseErrc::Empty);
  EXPECT_EQ(errorOf("INVITE"), ParseErrc::BadStartLine);
  EXPECT_EQ(errorOf("INVITE sip:a@b.com\r\n\r\n"), ParseErrc::BadStartLine);
  EXPECT_EQ(errorOf("INV@TE sip:a@b.com SIP/2.0\r\n\r\n"), ParseErrc::BadMethod);
  EXPECT_EQ(errorOf("INVITE sip:a@b.com SIP/3.0\r\n\r\n"), ParseErrc::BadVersion);
  EXPECT_EQ(errorOf("SIP/2.0 99 Low\r\n\r\n"), ParseErrc::BadStatusCode);
  EXPECT_EQ(errorOf("SIP/2.0 700 High\r\n\r\n"), ParseErrc::BadStatusCode);
  EXPECT_EQ(errorOf("SIP/2.0 2000 OK\r\n\r\n"), ParseErrc::BadStatusCode);
  EXPECT_EQ(errorOf("SIP/1.0 200 OK\r\n\r\n"), ParseErrc::BadVersion);
  std::string head = "OPTIONS sip:a@b.com SIP/2.0\r\n";
  EXPECT_EQ(errorOf(head + " folded\r\n\r\n"), ParseErrc::BadHeaderLine);
  EXPECT_EQ(errorOf(head + "No colon here\r\n\r\n"), ParseErrc::BadHeaderLine);
  EXPECT_EQ(errorOf(head + "Bad(name): x\r\n\r\n"), ParseErrc::BadHeaderLine);
  EXPECT_EQ(errorOf(head + "X: y\r\n"), ParseErrc::UnterminatedHeaders);
  EXPECT_EQ(errorOf(head + "X: y"), ParseErrc::UnterminatedHeaders);
  EXPECT_EQ(errorOf(head + "X: y\r\n\r\n"), ParseErrc::MissingHeader);
  std::string ok = kInvite;
  std::string badCallId = ok;
  badCallId.replace(badCallId.find("a84b4c76e66710@"), 15, "a b@");
  EXPECT_EQ(errorOf(badCallId), ParseErrc::BadCallId);
  std::string dupTo = ok;
  dupTo.insert(dupTo.find("Call-ID"), "To: <sip:c@d.com>\r\n");
  EXPECT_EQ(errorOf(dupTo), ParseErrc::DuplicateHeader);
  std::string wildFrom = ok;
  wildFrom.replace(wildFrom.find("Alice <sip:alice@atlanta.example.com>;tag=1928301774"), 52, "*");
  EXPECT_EQ(errorOf(wildFrom), ParseErrc::BadFrom);
}

TEST(Message, ErrorReportsOffsetHeaderAndText) {
  std::string t = kInvite;
  t.replace(t.find("314159 INVITE"), 13, "314159 BYE");
  auto m = SipMessage::parse(t);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ParseErrc::CSeqMethodMismatch);
  EXPECT_EQ(m.error().header, "CSeq");
  EXPECT_EQ(m.error().offset, t.find("314159 BYE"));
  EXPECT_EQ(m.error().text(), "Bad CSeq: method does not match request method");
  std::string v = kInvite;
  v.replace(v.find(";rport"), 6, ";rport=x");
  auto mv = SipMessage::parse(v);
  ASSERT_FALSE(mv);
  EXPECT_EQ(mv.error().code, ParseErrc::BadVia);
  EXPECT_EQ(mv.error().text(), "Bad Via: bad rport");
  for (int c = 0; c <= static_cast<int>(ParseErrc::BadHeaderValue); ++c) {
    EXPECT_FALSE(describe(static_cast<ParseErrc>(c)).empty());
  }
}

TEST(Message, Limits) {
  ParseOptions small;
  small.maxMessageSize = 100;
  EXPECT_EQ(errorOf(kInvite, small), ParseErrc::TooLarge);
  ParseOptions few;
  few.maxHeaders = 5;
  EXPECT_EQ(errorOf(kInvite, few), ParseErrc::TooManyHeaders);
  few.maxHeaders = 9;
  EXPECT_TRUE(SipMessage::parse(kInvite, few));
}

TEST(Message, ContentLengthFraming) {
  std::string noBody = kInvite.substr(0, kInvite.size() - 5);
  EXPECT_EQ(errorOf(noBody), ParseErrc::BodyTooShort);
  ParseOptions stream;
  stream.datagram = false;
  EXPECT_TRUE(SipMessage::parse(kInvite.substr(0, kInvite.size() - 1), stream));
  EXPECT_EQ(errorOf(kInvite, stream), ParseErrc::BadContentLength);  // one extra byte
  std::string big = kInvite;
  big.replace(big.find("Content-Length: 4"), 17, "Content-Length: 99999999999999999999");
  EXPECT_EQ(errorOf(big), ParseErrc::BadContentLength);
  // Datagram without Content-Length: the rest of the datagram is the body.
  std::string none = kInvite;
  none.erase(none.find("Content-Length: 4\r\n"), 19);
  auto m = SipMessage::parse(none);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->contentLength(), -1);
  EXPECT_EQ(m->body(), "v=0\r\n");
}

TEST(Message, LeadingCrlfAndOwnedBuffer) {
  std::string t = "\r\n\r\n" + kInvite;
  auto buf = std::make_unique<char[]>(t.size());
  std::memcpy(buf.get(), t.data(), t.size());
  auto m = SipMessage::parse(std::move(buf), t.size());
  ASSERT_TRUE(m) << m.error().text();
  EXPECT_EQ(m->startLine(), "INVITE sip:bob@biloxi.example.com SIP/2.0");
  SipMessage moved = std::move(*m);
  EXPECT_EQ(moved.callId(), "a84b4c76e66710@pc33.atlanta.example.com");
  // Content-Length 4 leaves the final LF outside the message (datagram rule).
  EXPECT_EQ(EditList{}.apply(moved), t.substr(0, t.size() - 1));
}

TEST(Message, ValidateReportsLazyHeaders) {
  std::string t = kInvite;
  t.insert(t.find("Content-Type"), "Route: <sip:p1.example.com;lr>, *\r\nExpires: 12x\r\n");
  auto m = SipMessage::parse(t);
  ASSERT_TRUE(m);
  auto v = m->validate();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ParseErrc::BadHeaderValue);
  EXPECT_EQ(v.error().header, "Route");
  std::string e = kInvite;
  e.insert(e.find("Content-Type"), "Expires: 12x\r\n");
  auto me = SipMessage::parse(e);
  ASSERT_TRUE(me);
  EXPECT_EQ(me->validate().error().code, ParseErrc::BadExpires);
  std::string ct = kInvite;
  ct.replace(ct.find("application/sdp"), 15, "application");
  auto mc = SipMessage::parse(ct);
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->validate().error().header, "Content-Type");
  auto good = SipMessage::parse(kInvite);
  EXPECT_TRUE(good->validate());
}

TEST(Message, ParamList) {
  ParamList p{";a=1 ; B = \"x;y\" ;c;d="};
  EXPECT_EQ(p.get("a"), "1");
  EXPECT_EQ(p.get("b"), "\"x;y\"");
  EXPECT_EQ(p.get("c"), "");
  EXPECT_TRUE(p.has("C"));
  EXPECT_FALSE(p.has("e"));
  auto all = p.all();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_FALSE(all[2].hasValue);
  EXPECT_TRUE(all[3].hasValue);
  EXPECT_TRUE(ParamList{}.all().empty());
}

}  // namespace
}  // namespace trunkline::sip

namespace trunkline::sip {
namespace {

TEST(Message, SplitList) {
  std::vector<std::string_view> out;
  EXPECT_EQ(splitList("INVITE, ACK ,CANCEL,\r\n BYE", out), 4u);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1], "ACK");
  EXPECT_EQ(out[3], "BYE");
  out.clear();
  EXPECT_EQ(splitList("a;q=\"x,y\", <sip:b,c@d.com>;p, ,e", out), 3u);
  EXPECT_EQ(out[0], "a;q=\"x,y\"");
  EXPECT_EQ(out[1], "<sip:b,c@d.com>;p");
  EXPECT_EQ(out[2], "e");
  out.clear();
  EXPECT_EQ(splitList("", out), 0u);
  EXPECT_EQ(splitList(" , ,", out), 0u);
  EXPECT_EQ(splitList("\"unterminated, still one", out), 1u);
  EXPECT_EQ(splitList("\"esc\\\"aped, one\"", out), 1u);
}

}  // namespace
}  // namespace trunkline::sip
