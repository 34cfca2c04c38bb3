#include "call/malformed.h"

#include <gtest/gtest.h>

namespace trunkline::call {
namespace {

TEST(ResponseToMalformed, EchoesHeadersAndNamesProblem) {
  const std::string req =
      "INVITE sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
      "v: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\r\n"
      "f: <sip:alice@example.com>;tag=a1\r\n"
      "To: <sip:bob@example.com>\r\n"
      "i: abc@host\r\n"
      "CSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n";
  auto r = responseToMalformed(req, 400, "Bad CSeq: method\r\nX: injected", "t9", "Server: T\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r,
            "SIP/2.0 400 Bad CSeq: method  X: injected\r\n"
            "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
            "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\r\n"
            "From: <sip:alice@example.com>;tag=a1\r\n"
            "To: <sip:bob@example.com>;tag=t9\r\n"
            "Call-ID: abc@host\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Server: T\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(ResponseToMalformed, FoldedLinesAndExistingTag) {
  const std::string req =
      "OPTIONS sip:x SIP/2.0\n"
      "Via: SIP/2.0/TCP h;\n   branch=z9hG4bKf\n"
      "To: <sip:x>;tag=keep\n"
      "CSeq: 7\n  OPTIONS\n\n";
  auto r = responseToMalformed(req, 400, "Bad", "new", "");
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("Via: SIP/2.0/TCP h; branch=z9hG4bKf\r\n"), std::string::npos) << *r;
  EXPECT_NE(r->find("To: <sip:x>;tag=keep\r\n"), std::string::npos) << *r;
  EXPECT_EQ(r->find("tag=new"), std::string::npos);
  EXPECT_NE(r->find("CSeq: 7 OPTIONS\r\n"), std::string::npos) << *r;
}

TEST(ResponseToMalformed, NothingForResponsesAcksGarbageOrNoVia) {
  EXPECT_FALSE(
      responseToMalformed("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n", 400, "x", "t", ""));
  EXPECT_FALSE(
      responseToMalformed("ACK sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n", 400, "x", "t", ""));
  EXPECT_FALSE(responseToMalformed("\x01\x02garbage", 400, "x", "t", ""));
  EXPECT_FALSE(responseToMalformed("", 400, "x", "t", ""));
  EXPECT_FALSE(
      responseToMalformed("INVITE sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n", 400, "x", "t", ""));
}

TEST(ResponseToMalformed, ReasonIsCapped) {
  std::string longReason(1000, 'x');
  auto r = responseToMalformed("BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n", 400, longReason,
                               "t", "");
  ASSERT_TRUE(r);
  auto firstLine = r->substr(0, r->find("\r\n"));
  EXPECT_EQ(firstLine.size(), std::string("SIP/2.0 400 ").size() + 160);
}

}  // namespace
}  // namespace trunkline::call
