// Round-trip property: real-world descriptions in the styles of common stacks (Asterisk,
// FreeSWITCH, 3CX, Cisco CUBE, Polycom, Yealink, Grandstream, Teams Direct Routing,
// WebRTC browsers, media servers) parse and serialize back byte-exact, also from LF-only
// input, and keep doing so after an edit elsewhere in the body.
#include <gtest/gtest.h>

#include "sdp/codecs.h"
#include "sdp/offer_answer.h"
#include "test_util.h"

namespace trunkline::sdp {
namespace {

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  for (const char* dir : {"data/roundtrip", "golden"})
    for (const auto& p : test::filesIn(dir, ".sdp")) out.push_back(p.string());
  return out;
}

std::string withoutCr(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '\r') out.push_back(c);
  return out;
}

TEST(RoundTrip, ByteExactForEveryCorpusFile) {
  auto files = corpus();
  ASSERT_GE(files.size(), 50u);
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    const std::string text = test::readFile(f);
    ASSERT_NE(text.find("\r\n"), std::string::npos) << "corpus files are CRLF";
    auto d = SessionDescription::parse(text);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->serialize(), text);
    EXPECT_EQ(d->serializedSize(), text.size());
    // LF-only input gives the canonical CRLF form.
    const std::string lf = withoutCr(text);
    auto fromLf = SessionDescription::parse(lf);
    ASSERT_TRUE(fromLf) << fromLf.error().message;
    EXPECT_EQ(fromLf->serialize(), text);
    // A clone owns its text and writes the same.
    SessionDescription c = d->clone();
    EXPECT_EQ(c.serialize(), text);
  }
}

TEST(RoundTrip, EditingOneStreamLeavesTheRestByteExact) {
  for (const std::string& f : corpus()) {
    SCOPED_TRACE(f);
    const std::string text = test::readFile(f);
    auto d = SessionDescription::parse(text);
    ASSERT_TRUE(d);
    if (d->mediaCount() == 0) continue;
    const std::string oldM = "m=" + std::string(d->media(0).rawMediaLine()) + "\r\n";
    d->setPort(0, d->media(0).rejected() ? 0 : 12345);
    std::string out = d->serialize();
    std::string newM = "m=" + std::string(d->media(0).rawMediaLine()) + "\r\n";
    // Same bytes once the m= line is swapped back.
    std::size_t at = out.find(newM);
    ASSERT_NE(at, std::string::npos);
    out.replace(at, newM.size(), oldM);
    EXPECT_EQ(out, text);
  }
}

TEST(RoundTrip, StructuredReadsOfTheCorpus) {
  auto read = [](const std::string& name) {
    return test::readFile(test::testDir() + "/data/roundtrip/" + name);
  };
  {
    auto d = SessionDescription::parseOwned(read("freeswitch_offer.sdp"));
    ASSERT_TRUE(d);
    auto codecs = codecsOf(d->media(0));
    ASSERT_EQ(codecs.size(), 7u);
    EXPECT_EQ(codecs[0].name, "opus");
    EXPECT_EQ(codecs[0].clockRate, 48000u);
    EXPECT_EQ(codecs[0].channels, 2);
    EXPECT_NE(codecs[0].fmtp.find("useinbandfec=1"), std::string_view::npos);
    EXPECT_EQ(codecs[1].name, "G722");
    EXPECT_EQ(codecs[1].clockRate, 8000u);
    auto rtcp = d->media(0).rtcp();
    ASSERT_TRUE(rtcp);
    EXPECT_EQ(rtcp->port, 24619);
    EXPECT_EQ(rtcp->address, "203.0.113.44");
  }
  {
    auto d = SessionDescription::parseOwned(read("freeswitch_t38_reinvite.sdp"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->media(0).media(), "image");
    EXPECT_EQ(d->media(0).proto(), "udptl");
    EXPECT_TRUE(codecsOf(d->media(0)).empty());
    EXPECT_EQ(d->media(0).attribute("T38FaxRateManagement"), "transferredTCF");
    EXPECT_EQ(d->media(0).attribute("T38FaxFillBitRemoval"), "");
  }
  {
    auto d = SessionDescription::parseOwned(read("webrtc_chrome_offer.sdp"));
    ASSERT_TRUE(d);
    const MediaSection& m = d->media(0);
    EXPECT_TRUE(m.hasIce());
    EXPECT_TRUE(m.rtcpMux());
    EXPECT_EQ(m.mid(), "0");
    EXPECT_EQ(m.setup(), Setup::ActPass);
    ASSERT_TRUE(m.fingerprint());
    EXPECT_EQ(m.fingerprint()->hashFunction, "sha-256");
    auto cands = m.candidates();
    ASSERT_EQ(cands.size(), 3u);
    EXPECT_EQ(cands[1].type, "srflx");
    EXPECT_EQ(cands[1].address, "198.51.100.77");
    EXPECT_EQ(cands[2].transport, "tcp");
    EXPECT_EQ(m.attribute("ice-ufrag"), "8hhY");
  }
  {
    auto d = SessionDescription::parseOwned(read("teams_direct_routing.sdp"));
    ASSERT_TRUE(d);
    auto cryptos = d->media(0).cryptos();
    ASSERT_EQ(cryptos.size(), 2u);
    EXPECT_EQ(cryptos[0].tag, 2u);
    auto key = parseCryptoKey(cryptos[0].keyParams);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->lifetime, "2^31");
    EXPECT_EQ(key->mki, "1:1");
    EXPECT_EQ(d->media(0).maxptime(), 200u);
    EXPECT_EQ(d->media(0).ptime(), 20u);
  }
  {
    auto d = SessionDescription::parseOwned(read("multicast_and_session_info.sdp"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->sessionName(), "Call to John Smith");
    EXPECT_EQ(d->sessionDirection(), Direction::RecvOnly);
    EXPECT_EQ(d->directionFor(0), Direction::RecvOnly);
    EXPECT_EQ(d->media(1).portCount(), 2);
    EXPECT_EQ(d->connectionFor(1)->address, "233.252.0.2");
    EXPECT_EQ(d->connectionFor(1)->suffix, "/127/2");
    EXPECT_EQ(d->connectionFor(0)->address, "233.252.0.1");
  }
  {
    auto d = SessionDescription::parseOwned(read("grandstream_hold.sdp"));
    ASSERT_TRUE(d);
    EXPECT_EQ(holdState(*d, 0), HoldState::NullAddress);
    EXPECT_TRUE(isOnHold(*d));
    EXPECT_EQ(d->media(0).fmtp("97"), "mode=20");
  }
}

}  // namespace
}  // namespace trunkline::sdp
