#pragma once
// Helpers for the sip/message tests: reading the torture messages from test/data.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "sip/message/builder.h"
#include "sip/message/message.h"

namespace trunkline::sip::test {

inline std::string readData(const std::string& name) {
  std::ifstream in(std::string(TL_SIP_TEST_DATA_DIR) + "/" + name + ".dat", std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << name;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Parses, and checks what every valid message must satisfy: an empty EditList gives the
/// bytes back (raw() is the message after datagram framing) and the output re-parses to
/// the same header list.
inline void expectRoundTrip(const SipMessage& m) {
  std::string out = EditList{}.apply(m);
  EXPECT_EQ(out, m.raw());
  auto again = SipMessage::parse(out);
  ASSERT_TRUE(again) << again.error().text();
  ASSERT_EQ(again->headers().size(), m.headers().size());
  for (std::size_t i = 0; i < m.headers().size(); ++i) {
    EXPECT_EQ(again->headers()[i].name, m.headers()[i].name);
    EXPECT_EQ(again->headers()[i].value, m.headers()[i].value);
  }
  EXPECT_EQ(again->body(), m.body());
  EXPECT_EQ(again->startLine(), m.startLine());
}

inline std::string fix(std::string s) {
  // Test literals are written with "\n"; the wire uses CRLF.
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace trunkline::sip::test
