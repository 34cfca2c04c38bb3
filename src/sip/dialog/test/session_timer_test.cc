// RFC 4028 parsing and the 422 rule.
#include "sip/dialog/session_timer.h"

#include <gtest/gtest.h>

namespace trunkline::sip {
namespace {

SipMessage invite(const std::string& extra) {
  auto m = SipMessage::parse(
      "INVITE sip:b@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-1\r\n"
      "From: <sip:a@10.0.0.2>;tag=1\r\nTo: <sip:b@10.0.0.1>\r\nCall-ID: s\r\n"
      "CSeq: 1 INVITE\r\n" +
      extra + "Content-Length: 0\r\n\r\n");
  EXPECT_TRUE(m);
  return std::move(*m);
}

TEST(SessionTimerTest, Parse) {
  auto se = parseSessionExpires("1800;refresher=uac");
  ASSERT_TRUE(se);
  EXPECT_EQ(se->seconds, 1800u);
  EXPECT_EQ(se->refresher, Refresher::Uac);
  EXPECT_EQ(parseSessionExpires(" 90 ")->refresher, Refresher::None);
  EXPECT_FALSE(parseSessionExpires("abc"));
  EXPECT_FALSE(parseSessionExpires("100;refresher=me"));
  EXPECT_EQ(parseMinSE("120;x=y"), 120u);
}

TEST(SessionTimerTest, TooSmallGets422WithOurMinSE) {
  auto r = checkSessionTimer(invite("Session-Expires: 60\r\n"), 300);
  EXPECT_EQ(r.rejectCode, 422);
  EXPECT_EQ(r.minSE, 300u);
  r = checkSessionTimer(invite("Session-Expires: 1800\r\nSupported: timer\r\n"), 300);
  EXPECT_EQ(r.rejectCode, 0);
  ASSERT_TRUE(r.interval);
  EXPECT_EQ(r.interval->refresher, Refresher::Uac);
  r = checkSessionTimer(invite("Session-Expires: 1800\r\n"), 300);
  EXPECT_EQ(r.interval->refresher, Refresher::Uas);
  r = checkSessionTimer(invite(""), 300);
  EXPECT_EQ(r.rejectCode, 0);
  EXPECT_FALSE(r.interval);
  r = checkSessionTimer(invite("Session-Expires: x\r\n"), 300);
  EXPECT_EQ(r.rejectCode, 400);
}

}  // namespace
}  // namespace trunkline::sip
