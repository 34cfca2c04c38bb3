#include "sip/transport/stream_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunkline::sip {
namespace {

using Kind = StreamFramer::FrameKind;

struct Event {
  Kind kind;
  std::string bytes;  // Message only
  ParseErrc error = ParseErrc::Empty;
  bool operator==(const Event&) const = default;
};

std::string kindName(Kind k) {
  switch (k) {
    case Kind::NeedMore: return "NeedMore";
    case Kind::Message: return "Message";
    case Kind::Ping: return "Ping";
    case Kind::Pong: return "Pong";
    case Kind::Error: return "Error";
  }
  return "?";
}

void PrintTo(const Event& e, std::ostream* os) {
  *os << kindName(e.kind) << "[" << e.bytes.size() << "]";
}

// Drains every frame available now; stops after the first error.
void drain(StreamFramer& f, std::vector<Event>& out) {
  for (;;) {
    auto fr = f.next();
    if (fr.kind == Kind::NeedMore) return;
    Event e{fr.kind, {}, ParseErrc::Empty};
    if (fr.kind == Kind::Message) e.bytes = std::string(fr.bytes);
    if (fr.kind == Kind::Error) {
      e.error = fr.error.code;
      out.push_back(e);
      return;
    }
    out.push_back(e);
  }
}

std::vector<Event> feedPieces(const std::vector<std::string_view>& pieces, FramerLimits lim = {}) {
  StreamFramer f(lim);
  std::vector<Event> out;
  for (auto p : pieces) {
    if (f.failed()) break;
    f.append(p);
    drain(f, out);
  }
  return out;
}

const std::string kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
    "To: <sip:bob@example.com>\r\n"
    "From: <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 12\r\n"
    "\r\n"
    "v=0\r\no=x\r\n\r\n";  // body ends with an empty line: must not confuse the framer
const std::string kCompact =
    "SIP/2.0 200 OK\r\n"
    "v: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
    "L : 4\r\n"
    "\r\n"
    "abcd";
const std::string kLowerNoBody =
    "OPTIONS sip:x SIP/2.0\r\n"
    "content-LENGTH:0\r\n"
    "\r\n";
const std::string kFolded =
    "BYE sip:x SIP/2.0\r\n"
    "Subject: a\r\n"
    "  folded\r\n"
    "Content-Length:   2  \r\n"
    "\r\n"
    "hi";

// A stream mixing keep-alives and messages.
const std::string kStream =
    "\r\n\r\n" + kInvite + "\r\n" + kCompact + kLowerNoBody + "\r\n\r\n" + kFolded + "\r\n\r\n";

TEST(StreamFramer, WholeStream) {
  auto events = feedPieces({kStream});
  std::vector<Event> expected = {
      {Kind::Ping, "", ParseErrc::Empty},
      {Kind::Message, kInvite, ParseErrc::Empty},
      {Kind::Pong, "", ParseErrc::Empty},
      {Kind::Message, kCompact, ParseErrc::Empty},
      {Kind::Message, kLowerNoBody, ParseErrc::Empty},
      {Kind::Ping, "", ParseErrc::Empty},
      {Kind::Message, kFolded, ParseErrc::Empty},
      {Kind::Ping, "", ParseErrc::Empty},
  };
  EXPECT_EQ(events, expected);
}

TEST(StreamFramer, EveryTwoWaySplitGivesTheSameFrames) {
  const auto whole = feedPieces({kStream});
  std::string_view s = kStream;
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    auto events = feedPieces({s.substr(0, cut), s.substr(cut)});
    ASSERT_EQ(events, whole) << "split at " << cut;
  }
}

TEST(StreamFramer, OneBytePiecesGiveTheSameFrames) {
  const auto whole = feedPieces({kStream});
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < kStream.size(); ++i) pieces.push_back({kStream.data() + i, 1});
  EXPECT_EQ(feedPieces(pieces), whole);
}

TEST(StreamFramer, ZeroCopyInputMatches) {
  StreamFramer f;
  std::vector<Event> out;
  std::string_view rest = kStream;
  while (!rest.empty()) {
    auto space = f.prepare(7);
    ASSERT_GE(space.size(), 7u);
    const std::size_t n = std::min<std::size_t>(7, rest.size());
    std::copy_n(rest.data(), n, space.data());
    f.commit(n);
    rest.remove_prefix(n);
    drain(f, out);
  }
  EXPECT_EQ(out, feedPieces({kStream}));
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(StreamFramer, MissingContentLengthIsAnErrorAtEverySplit) {
  const std::string bad = "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\nbody";
  const std::string stream = kLowerNoBody + bad + kLowerNoBody;
  const auto whole = feedPieces({stream});
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(whole[1].kind, Kind::Error);
  EXPECT_EQ(whole[1].error, ParseErrc::MissingHeader);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    std::string_view s = stream;
    ASSERT_EQ(feedPieces({s.substr(0, cut), s.substr(cut)}), whole) << "split at " << cut;
  }
  // The error repeats and shows the header section.
  StreamFramer f;
  f.append(bad);
  auto e1 = f.next();
  auto e2 = f.next();
  EXPECT_EQ(e1.kind, Kind::Error);
  EXPECT_EQ(e2.kind, Kind::Error);
  EXPECT_EQ(e1.bytes, std::string_view(bad).substr(0, bad.find("body")));
  EXPECT_EQ(e1.error.header, "Content-Length");
  EXPECT_TRUE(f.failed());
}

TEST(StreamFramer, BadAndConflictingContentLength) {
  for (const char* v : {"abc", "-1", "", "1 2"}) {
    StreamFramer f;
    f.append(std::string("OPTIONS sip:x SIP/2.0\r\nContent-Length: ") + v + "\r\n\r\n");
    auto fr = f.next();
    EXPECT_EQ(fr.kind, Kind::Error) << v;
    EXPECT_EQ(fr.error.code, ParseErrc::BadContentLength) << v;
  }
  StreamFramer f;
  f.append("OPTIONS sip:x SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab");
  EXPECT_EQ(f.next().error.code, ParseErrc::BadContentLength);
  StreamFramer same;  // duplicates with the same value are harmless
  same.append("OPTIONS sip:x SIP/2.0\r\nContent-Length: 2\r\nl: 2\r\n\r\nab");
  EXPECT_EQ(same.next().kind, Kind::Message);
}

TEST(StreamFramer, OversizeHeaderSectionAndBodyAreRejected) {
  FramerLimits lim{256, 512};
  std::string longHeaders = "OPTIONS sip:x SIP/2.0\r\nX-Pad: " + std::string(300, 'a') + "\r\n";
  // Without the end of the header section: rejected once more than the limit is buffered.
  auto ev = feedPieces({longHeaders}, lim);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].error, ParseErrc::TooLarge);
  // Whole and split must agree.
  std::string full = longHeaders + "Content-Length: 0\r\n\r\n";
  const auto whole = feedPieces({full}, lim);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].error, ParseErrc::TooLarge);
  for (std::size_t cut = 0; cut <= full.size(); ++cut) {
    std::string_view s = full;
    ASSERT_EQ(feedPieces({s.substr(0, cut), s.substr(cut)}, lim), whole) << cut;
  }
  // Body over the message limit: rejected from the header section alone.
  StreamFramer f(lim);
  f.append("OPTIONS sip:x SIP/2.0\r\nContent-Length: 1000\r\n\r\n");
  auto fr = f.next();
  EXPECT_EQ(fr.kind, Kind::Error);
  EXPECT_EQ(fr.error.code, ParseErrc::TooLarge);
  StreamFramer huge;
  huge.append("OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n");
  EXPECT_EQ(huge.next().kind, Kind::Error);
}

TEST(StreamFramer, LoneCrlfWaitsForTheNextByte) {
  StreamFramer f;
  f.append("\r\n");
  EXPECT_EQ(f.next().kind, Kind::NeedMore);
  f.append("\r");
  EXPECT_EQ(f.next().kind, Kind::NeedMore);
  f.append("\n");
  EXPECT_EQ(f.next().kind, Kind::Ping);
  f.append("\r\nO");
  EXPECT_EQ(f.next().kind, Kind::Pong);
  EXPECT_EQ(f.next().kind, Kind::NeedMore);
  EXPECT_EQ(f.buffered(), 1u);
}

TEST(StreamFramer, BareLfLineEndingsAreFramed) {
  const std::string m = "OPTIONS sip:x SIP/2.0\nl: 3\n\nabc";
  auto ev = feedPieces({m + m});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].bytes, m);
  EXPECT_EQ(ev[1].bytes, m);
}

TEST(StreamFramer, LargeStreamReusesItsBuffer) {
  StreamFramer f;
  std::size_t messages = 0;
  for (int i = 0; i < 2000; ++i) {
    f.append(kInvite);
    while (f.next().kind == Kind::Message) ++messages;
  }
  EXPECT_EQ(messages, 2000u);
  EXPECT_EQ(f.buffered(), 0u);
}

}  // namespace
}  // namespace trunkline::sip
