// SRTP processors: round trips per suite, a known-answer check against an independent
// RFC 3711 implementation (OpenSSL primitives, RFC 3711 B.2/B.3 vectors), interop with
// libsrtp used directly, tamper/replay/lifetime drops, and SRTP<->RTP through a real
// MediaEngine on loopback.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <srtp2/srtp.h>

#include <map>
#include <random>

#include "media/engine.h"
#include "media/srtp.h"
#include "rtp_peer.h"

namespace trunkline::media {
namespace {

using namespace std::chrono_literals;
using test::Bytes;

Bytes fromHex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

/// A packet in a buffer with the relay's head/tailroom, 4-byte aligned like the pool's.
struct Buffer {
  alignas(8) std::array<std::uint8_t, kPacketHeadroom + kMaxDatagram + kPacketTailroom> bytes{};
  Packet packet;
  Buffer(const Bytes& content, bool rtcp = false) {
    packet.data = bytes.data() + kPacketHeadroom;
    std::copy(content.begin(), content.end(), packet.data);
    packet.size = content.size();
    packet.headroom = kPacketHeadroom;
    packet.tailroom = kMaxDatagram - content.size() + kPacketTailroom;
    packet.rtcp = rtcp;
  }
  Bytes contents() const { return Bytes(packet.data, packet.data + packet.size); }
};

SrtpKey keyFor(SrtpSuite suite, std::uint8_t seed) {
  Bytes b(srtpKeyLength(suite) + srtpSaltLength(suite));
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(seed + i * 13);
  return SrtpKey(suite, b);
}

// ---------------------------------------------------------------------------------------
// An independent RFC 3711 AES_CM_128_HMAC_SHA1_80 sender, from OpenSSL's AES and HMAC.

Bytes aesCtr(const Bytes& key, const Bytes& iv, std::size_t n) {
  Bytes out(n), zeros(n);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, key.data(), iv.data());
  EVP_EncryptUpdate(ctx, out.data(), &len, zeros.data(), static_cast<int>(n));
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

/// §4.3.1/§4.3.3: key_id = label || r (r = 0: no key derivation rate) XORed into the
/// master salt, times 2^16, is the AES-CM IV under the master key.
Bytes derive(const Bytes& masterKey, const Bytes& masterSalt, std::uint8_t label, std::size_t n) {
  Bytes iv(16, 0);
  std::copy(masterSalt.begin(), masterSalt.end(), iv.begin());
  iv[7] ^= label;
  return aesCtr(masterKey, iv, n);
}

Bytes referenceProtect(const Bytes& masterKey, const Bytes& masterSalt, const Bytes& rtp,
                       std::uint32_t roc) {
  const Bytes k = derive(masterKey, masterSalt, 0, 16);
  const Bytes a = derive(masterKey, masterSalt, 1, 20);
  const Bytes s = derive(masterKey, masterSalt, 2, 14);
  const std::uint64_t index = (std::uint64_t{roc} << 16) | (rtp[2] << 8 | rtp[3]);
  // §4.1.1: IV = k_s·2^16 XOR SSRC·2^64 XOR i·2^16.
  Bytes iv(16, 0);
  std::copy(s.begin(), s.end(), iv.begin());
  for (int b = 0; b < 4; ++b) iv[4 + b] ^= rtp[8 + b];
  for (int b = 0; b < 6; ++b) iv[8 + b] ^= static_cast<std::uint8_t>(index >> (8 * (5 - b)));
  Bytes out = rtp;
  const Bytes ks = aesCtr(k, iv, rtp.size() - 12);
  for (std::size_t i = 12; i < out.size(); ++i) out[i] ^= ks[i - 12];
  // §4.2: HMAC-SHA1 over the packet and the ROC, truncated to 80 bits.
  Bytes authed = out;
  for (int b = 3; b >= 0; --b) authed.push_back(static_cast<std::uint8_t>(roc >> (8 * b)));
  unsigned char mac[20];
  unsigned int macLen = 0;
  HMAC(EVP_sha1(), a.data(), static_cast<int>(a.size()), authed.data(), authed.size(), mac,
       &macLen);
  out.insert(out.end(), mac, mac + 10);
  return out;
}

TEST(SrtpReference, Rfc3711AppendixBVectors) {
  // B.2: AES-CM keystream.
  const Bytes ks = aesCtr(fromHex("2B7E151628AED2A6ABF7158809CF4F3C"),
                          fromHex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), 48);
  EXPECT_EQ(ks, fromHex("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"
                        "41E95B3BB0A2E8DD477901E4FCA894C0"));
  // B.3: key derivation.
  const Bytes mk = fromHex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const Bytes ms = fromHex("0EC675AD498AFEEBB6960B3AABE6");
  EXPECT_EQ(derive(mk, ms, 0, 16), fromHex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(derive(mk, ms, 2, 14), fromHex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(derive(mk, ms, 1, 20), fromHex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

TEST(Srtp, MatchesTheReferenceImplementationByteForByte) {
  const Bytes mk = fromHex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const Bytes ms = fromHex("0EC675AD498AFEEBB6960B3AABE6");
  Bytes keySalt = mk;
  keySalt.insert(keySalt.end(), ms.begin(), ms.end());
  const SrtpKey key(SrtpSuite::AesCm128HmacSha1_80, keySalt);
  auto protect = SrtpProtect::create(key);
  auto unprotect = SrtpUnprotect::create(key);
  ASSERT_TRUE(protect && unprotect);
  for (std::uint16_t seq : {1, 2, 3, 500}) {
    const Bytes rtp = test::makeRtp(0, seq, 160u * seq, 0xCAFEBABE);
    const Bytes expected = referenceProtect(mk, ms, rtp, 0);
    Buffer ours(rtp);
    ASSERT_EQ((*protect)->process(ours.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(ours.contents(), expected) << "seq " << seq;

    Buffer theirs(expected);
    ASSERT_EQ((*unprotect)->process(theirs.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(theirs.contents(), rtp);
  }
  EXPECT_EQ((*protect)->counters().rtpPackets, 4u);
  EXPECT_EQ((*unprotect)->counters().rtpPackets, 4u);
}

// ---------------------------------------------------------------------------------------
// Round trips per suite, RTP and RTCP.

class SrtpSuiteTest : public ::testing::TestWithParam<SrtpSuite> {};

TEST_P(SrtpSuiteTest, RoundTripRtpAndRtcp) {
  const SrtpSuite suite = GetParam();
  ASSERT_TRUE(srtpSuiteAvailable(suite)) << srtpSuiteName(suite);
  const SrtpKey key = keyFor(suite, 7);
  auto protect = SrtpProtect::create(key);
  auto unprotect = SrtpUnprotect::create(key);
  ASSERT_TRUE(protect && unprotect);
  for (std::uint16_t seq = 65530; seq != 10; ++seq) {  // across the ROC wrap
    const Bytes rtp = test::makeRtp(0, seq, 160u * seq, 0x1234);
    Buffer b(rtp);
    ASSERT_EQ((*protect)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(b.packet.size, rtp.size() + srtpRtpOverhead(suite));
    EXPECT_TRUE(std::equal(rtp.begin(), rtp.begin() + 12, b.packet.data));      // header clear
    EXPECT_FALSE(std::equal(rtp.begin() + 12, rtp.end(), b.packet.data + 12));  // payload not
    ASSERT_EQ((*unprotect)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(b.contents(), rtp);
  }
  const Bytes sr = test::makeSenderReport(0x1234, 0x0102030405060708ull);
  for (int i = 0; i < 3; ++i) {
    Buffer b(sr, /*rtcp=*/true);
    ASSERT_EQ((*protect)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(b.packet.size, sr.size() + srtpRtcpOverhead(suite));
    ASSERT_EQ((*unprotect)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(b.contents(), sr);
  }
  EXPECT_EQ((*protect)->counters().rtpPackets, 16u);
  EXPECT_EQ((*unprotect)->counters().rtcpPackets, 3u);
  EXPECT_EQ((*unprotect)->counters().totalDropped(), 0u);
}

TEST_P(SrtpSuiteTest, InteropWithLibsrtpUsedDirectly) {
  const SrtpSuite suite = GetParam();
  ASSERT_TRUE(ensureSrtpInitialised());
  Bytes keySalt(srtpKeyLength(suite) + srtpSaltLength(suite));
  for (std::size_t i = 0; i < keySalt.size(); ++i)
    keySalt[i] = static_cast<std::uint8_t>(3 * i + 1);
  auto makeSession = [&](srtp_ssrc_type_t type) {
    srtp_policy_t p{};
    switch (suite) {
      case SrtpSuite::AesCm128HmacSha1_80:
        srtp_crypto_policy_set_rtp_default(&p.rtp);
        srtp_crypto_policy_set_rtcp_default(&p.rtcp);
        break;
      case SrtpSuite::AesCm128HmacSha1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
        srtp_crypto_policy_set_rtcp_default(&p.rtcp);
        break;
      case SrtpSuite::AeadAes128Gcm:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
        break;
      case SrtpSuite::AeadAes256Gcm:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
        break;
    }
    p.ssrc.type = type;
    p.key = keySalt.data();
    p.window_size = 128;
    srtp_t s = nullptr;
    EXPECT_EQ(srtp_create(&s, &p), srtp_err_status_ok);
    return s;
  };
  srtp_t theirSender = makeSession(ssrc_any_outbound);
  srtp_t theirReceiver = makeSession(ssrc_any_inbound);
  const SrtpKey key(suite, keySalt);
  auto ourReceiver = SrtpUnprotect::create(key);
  auto ourSender = SrtpProtect::create(key);
  ASSERT_TRUE(ourReceiver && ourSender);

  for (std::uint16_t seq = 100; seq < 110; ++seq) {
    const bool rtcp = seq % 3 == 0;
    const Bytes plain =
        rtcp ? test::makeSenderReport(0x55, seq) : test::makeRtp(8, seq, seq * 160u, 0x55);
    // libsrtp → ours
    Buffer b(plain, rtcp);
    int len = static_cast<int>(b.packet.size);
    ASSERT_EQ(rtcp ? srtp_protect_rtcp(theirSender, b.packet.data, &len)
                   : srtp_protect(theirSender, b.packet.data, &len),
              srtp_err_status_ok);
    b.packet.append(static_cast<std::size_t>(len) - b.packet.size);
    ASSERT_EQ((*ourReceiver)->process(b.packet, {}), PacketProcessor::Verdict::Forward) << seq;
    EXPECT_EQ(b.contents(), plain);
    // ours → libsrtp
    Buffer c(plain, rtcp);
    ASSERT_EQ((*ourSender)->process(c.packet, {}), PacketProcessor::Verdict::Forward);
    len = static_cast<int>(c.packet.size);
    ASSERT_EQ(rtcp ? srtp_unprotect_rtcp(theirReceiver, c.packet.data, &len)
                   : srtp_unprotect(theirReceiver, c.packet.data, &len),
              srtp_err_status_ok)
        << seq;
    EXPECT_EQ(Bytes(c.packet.data, c.packet.data + len), plain);
  }
  srtp_dealloc(theirSender);
  srtp_dealloc(theirReceiver);
}

TEST_P(SrtpSuiteTest, TamperedAndWrongKeyFailAuthentication) {
  const SrtpSuite suite = GetParam();
  auto protect = SrtpProtect::create(keyFor(suite, 1));
  auto unprotect = SrtpUnprotect::create(keyFor(suite, 1));
  auto wrongKey = SrtpUnprotect::create(keyFor(suite, 2));
  ASSERT_TRUE(protect && unprotect && wrongKey);
  const Bytes rtp = test::makeRtp(0, 1, 160, 0x77);
  Buffer b(rtp);
  ASSERT_EQ((*protect)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
  const Bytes srtp = b.contents();
  for (std::size_t at :
       {std::size_t{1}, std::size_t{20}, srtp.size() - 1}) {  // header, payload, tag
    Bytes t = srtp;
    t[at] ^= 0x01;
    Buffer tb(t);
    EXPECT_EQ((*unprotect)->process(tb.packet, {}), PacketProcessor::Verdict::Drop) << at;
  }
  Buffer wb(srtp);
  EXPECT_EQ((*wrongKey)->process(wb.packet, {}), PacketProcessor::Verdict::Drop);
  EXPECT_EQ((*unprotect)->counters().drops(SrtpDrop::AuthFail), 3u);
  EXPECT_EQ((*wrongKey)->counters().drops(SrtpDrop::AuthFail), 1u);
  // The untouched packet still authenticates: failures did not poison the replay window.
  Buffer ok(srtp);
  EXPECT_EQ((*unprotect)->process(ok.packet, {}), PacketProcessor::Verdict::Forward);
  EXPECT_EQ(ok.contents(), rtp);

  Bytes srtcp;
  {
    Buffer r(test::makeSenderReport(0x77, 42), true);
    ASSERT_EQ((*protect)->process(r.packet, {}), PacketProcessor::Verdict::Forward);
    srtcp = r.contents();
  }
  srtcp[10] ^= 0x80;
  Buffer rb(srtcp, true);
  EXPECT_EQ((*unprotect)->process(rb.packet, {}), PacketProcessor::Verdict::Drop);
  EXPECT_EQ((*unprotect)->counters().drops(SrtpDrop::AuthFail), 4u);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SrtpSuiteTest, ::testing::ValuesIn(kAllSrtpSuites),
                         [](const auto& info) {
                           std::string n(srtpSuiteName(info.param));
                           std::erase(n, '_');
                           return n;
                         });

// ---------------------------------------------------------------------------------------
// Replay, lifetime, room, malformed.

TEST(Srtp, ReplayedAndTooOldPacketsAreDropped) {
  SrtpKey key = keyFor(SrtpSuite::AesCm128HmacSha1_80, 9);
  key.replayWindow = 64;
  auto protect = SrtpProtect::create(key);
  auto unprotect = SrtpUnprotect::create(key);
  ASSERT_TRUE(protect && unprotect);
  std::map<std::uint16_t, Bytes> sent;
  for (std::uint16_t seq : {1, 2, 3, 200}) {
    Buffer b(test::makeRtp(0, seq, 0, 0x99));
    ASSERT_EQ((*protect)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    sent[seq] = b.contents();
  }
  auto deliver = [&](std::uint16_t seq) {
    Buffer b(sent[seq]);
    return (*unprotect)->process(b.packet, {});
  };
  EXPECT_EQ(deliver(1), PacketProcessor::Verdict::Forward);
  EXPECT_EQ(deliver(3), PacketProcessor::Verdict::Forward);
  EXPECT_EQ(deliver(1), PacketProcessor::Verdict::Drop);  // replayed
  EXPECT_EQ(deliver(200), PacketProcessor::Verdict::Forward);
  EXPECT_EQ(deliver(2), PacketProcessor::Verdict::Drop);  // never seen, but behind the window
  EXPECT_EQ(deliver(200), PacketProcessor::Verdict::Drop);
  EXPECT_EQ((*unprotect)->counters().drops(SrtpDrop::Replay), 3u);
  EXPECT_EQ((*unprotect)->counters().rtpPackets, 3u);

  // Protect refuses to encrypt a repeated index: it would reuse keystream.
  Buffer again(test::makeRtp(0, 200, 0, 0x99, 100));
  EXPECT_EQ((*protect)->process(again.packet, {}), PacketProcessor::Verdict::Drop);
  EXPECT_EQ((*protect)->counters().drops(SrtpDrop::Replay), 1u);
}

TEST(Srtp, KeyLifetimeIsEnforced) {
  SrtpKey key = keyFor(SrtpSuite::AesCm128HmacSha1_32, 3);
  key.lifetime = 3;
  auto protect = SrtpProtect::create(key);
  ASSERT_TRUE(protect);
  for (std::uint16_t seq = 1; seq <= 5; ++seq) {
    Buffer b(test::makeRtp(0, seq, 0, 1));
    EXPECT_EQ((*protect)->process(b.packet, {}),
              seq <= 3 ? PacketProcessor::Verdict::Forward : PacketProcessor::Verdict::Drop);
  }
  EXPECT_EQ((*protect)->counters().drops(SrtpDrop::KeyExhausted), 2u);
}

TEST(Srtp, NoRoomAndMalformedAreDroppedNotOverrun) {
  auto protect = SrtpProtect::create(keyFor(SrtpSuite::AeadAes128Gcm, 5));
  auto unprotect = SrtpUnprotect::create(keyFor(SrtpSuite::AeadAes128Gcm, 5));
  ASSERT_TRUE(protect && unprotect);
  Buffer tight(test::makeRtp(0, 1, 0, 1));
  tight.packet.tailroom = 15;  // GCM needs 16
  EXPECT_EQ((*protect)->process(tight.packet, {}), PacketProcessor::Verdict::Drop);
  EXPECT_EQ((*protect)->counters().drops(SrtpDrop::NoRoom), 1u);

  const std::vector<Bytes> bad = {
      {},
      {0x80, 0x00, 0x00},
      {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3},           // version 1
      {0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3},           // 15 CSRCs past the end
      {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xff, 0xff},  // extension past the end
  };
  for (const Bytes& b : bad) {
    Buffer p(b), u(b);
    EXPECT_EQ((*protect)->process(p.packet, {}), PacketProcessor::Verdict::Drop);
    EXPECT_EQ((*unprotect)->process(u.packet, {}), PacketProcessor::Verdict::Drop);
  }
  // A header with no room for a tag behind it cannot be SRTP.
  Buffer headerOnly(test::makeRtp(0, 1, 0, 1, 8));
  EXPECT_EQ((*unprotect)->process(headerOnly.packet, {}), PacketProcessor::Verdict::Drop);
  EXPECT_EQ((*unprotect)->counters().drops(SrtpDrop::Malformed), bad.size() + 1);
  Buffer shortRtcp(Bytes{0x80, 200, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0}, true);
  EXPECT_EQ((*unprotect)->process(shortRtcp.packet, {}), PacketProcessor::Verdict::Drop);
}

TEST(Srtp, RandomInputIsDroppedWithoutCrashing) {
  std::mt19937 rng(3711);
  for (SrtpSuite suite : kAllSrtpSuites) {
    auto unprotect = SrtpUnprotect::create(keyFor(suite, 11));
    auto protect = SrtpProtect::create(keyFor(suite, 11));
    ASSERT_TRUE(unprotect && protect);
    Bytes valid;
    {
      Buffer b(test::makeRtp(0, 1, 0, 0x42));
      ASSERT_EQ((*protect)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
      valid = b.contents();
    }
    for (int i = 0; i < 3000; ++i) {
      Bytes d;
      if (i % 2 == 0) {
        d.resize(rng() % 300);
        for (auto& x : d) x = static_cast<std::uint8_t>(rng());
        if (!d.empty() && i % 4 == 0) d[0] = static_cast<std::uint8_t>(0x80 | (d[0] & 0x3f));
      } else {
        d = valid;
        d[rng() % d.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        d.resize(rng() % (d.size() + 1));
      }
      Buffer b(d, i % 3 == 0);
      EXPECT_EQ((*unprotect)->process(b.packet, {}), PacketProcessor::Verdict::Drop);
    }
    EXPECT_EQ((*unprotect)->counters().totalDropped(), 3000u);
  }
}

TEST(Srtp, ReencryptBridgesTwoSrtpLegsWithDifferentSuites) {
  const SrtpKey fromA = keyFor(SrtpSuite::AesCm128HmacSha1_80, 21);
  const SrtpKey toB = keyFor(SrtpSuite::AeadAes256Gcm, 22);
  auto aSends = SrtpProtect::create(fromA);
  auto relay = SrtpReencrypt::create(fromA, toB);
  auto bReceives = SrtpUnprotect::create(toB);
  ASSERT_TRUE(aSends && relay && bReceives);
  for (std::uint16_t seq = 1; seq <= 5; ++seq) {
    const bool rtcp = seq == 3;
    const Bytes plain = rtcp ? test::makeSenderReport(0xA, 1) : test::makeRtp(0, seq, 0, 0xA);
    Buffer b(plain, rtcp);
    ASSERT_EQ((*aSends)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    ASSERT_EQ((*relay)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(b.packet.size,
              plain.size() + (rtcp ? srtpRtcpOverhead(toB.suite()) : srtpRtpOverhead(toB.suite())));
    ASSERT_EQ((*bReceives)->process(b.packet, {}), PacketProcessor::Verdict::Forward);
    EXPECT_EQ(b.contents(), plain);
  }
  EXPECT_EQ((*relay)->counters().rtpPackets, 4u);
  EXPECT_EQ((*relay)->counters().rtcpPackets, 1u);
}

TEST(Srtp, WrongLengthKeyIsRefusedAtCreation) {
  const Bytes shortKey(20, 1);
  EXPECT_FALSE(SrtpProtect::create(SrtpKey(SrtpSuite::AesCm128HmacSha1_80, shortKey)));
  EXPECT_FALSE(SrtpUnprotect::create(SrtpKey{}));
}

// ---------------------------------------------------------------------------------------
// Through the relay: leg A speaks SRTP, leg B plain RTP.

TEST(SrtpRelay, SrtpLegAToPlainLegBAndBack) {
  base::ManualClock clock;
  MediaEngineConfig config;
  config.ports.minPort = 24100;  // below the ephemeral range, apart from relay_test's
  config.ports.maxPort = 24139;
  config.ports.quarantine = 5s;
  MediaEngine engine(clock, config);
  ASSERT_TRUE(engine.init());
  const auto lo = *net::Address::parse("127.0.0.1");
  test::Peer a, b;
  StreamSpec spec;
  spec.a.localIp = lo;
  spec.a.remote.rtp = a.address();
  spec.a.remote.rtcpMux = true;
  spec.b.localIp = lo;
  spec.b.remote.rtp = b.address();
  spec.b.remote.rtcpMux = true;
  auto session = engine.createSession();
  ASSERT_TRUE(session);
  auto ports = engine.addStream(*session, 0, spec);
  ASSERT_TRUE(ports) << ports.error().message;

  // SDES: A offers, the relay answers. A protects with its key; we protect with ours.
  auto offer = makeSdesOffer(srtpAvailableSuites());
  ASSERT_TRUE(offer);
  std::vector<SdesCrypto> lines;
  for (const auto& l : *offer) lines.push_back({l.tag, srtpSuiteName(l.suite), l.keyParams, ""});
  auto answer = answerSdes(lines, srtpAvailableSuites());
  ASSERT_TRUE(answer);
  auto aKeys =
      acceptSdesAnswer(*offer, {answer->tag, srtpSuiteName(answer->suite), answer->keyParams, ""});
  ASSERT_TRUE(aKeys);

  auto fromA = SrtpUnprotect::create(answer->remote);
  auto toA = SrtpProtect::create(answer->local);
  ASSERT_TRUE(fromA && toA);
  ASSERT_TRUE(engine.setProcessor(*session, 0, Leg::A, *fromA));
  ASSERT_TRUE(engine.setProcessor(*session, 0, Leg::B, *toA));
  auto aSend = SrtpContext::create(aKeys->local, SrtpContext::Role::Protect);
  auto aRecv = SrtpContext::create(aKeys->remote, SrtpContext::Role::Unprotect);
  ASSERT_TRUE(aSend && aRecv);

  auto pump = [&] { engine.pollOnce(5ms); };
  for (std::uint16_t seq = 1; seq <= 10; ++seq) {
    const bool rtcp = seq == 5;
    const Bytes plain =
        rtcp ? test::makeSenderReport(0xA, 7) : test::makeRtp(0, seq, 160u * seq, 0xA);
    Buffer enc(plain, rtcp);
    ASSERT_FALSE((*aSend)->apply(enc.packet));
    a.sendTo(ports->leg(Leg::A).rtp, enc.contents());
    auto atB = b.receive(pump);
    ASSERT_TRUE(atB) << "A→B " << seq;
    EXPECT_EQ(atB->bytes, plain) << "B receives plain RTP";

    const Bytes back =
        rtcp ? test::makeSenderReport(0xB, 9) : test::makeRtp(8, seq, 160u * seq, 0xB, 80);
    b.sendTo(ports->leg(Leg::B).rtp, back);
    auto atA = a.receive(pump);
    ASSERT_TRUE(atA) << "B→A " << seq;
    EXPECT_NE(atA->bytes, back);
    Buffer dec(atA->bytes, rtcp);
    ASSERT_FALSE((*aRecv)->apply(dec.packet)) << "A unprotects with the key we answered";
    EXPECT_EQ(dec.contents(), back);
  }

  // A tampered and a replayed packet from A never reach B.
  Buffer enc(test::makeRtp(0, 11, 1760, 0xA), false);
  ASSERT_FALSE((*aSend)->apply(enc.packet));
  Bytes tampered = enc.contents();
  tampered[15] ^= 0x10;
  a.sendTo(ports->leg(Leg::A).rtp, tampered);
  a.sendTo(ports->leg(Leg::A).rtp, enc.contents());
  a.sendTo(ports->leg(Leg::A).rtp, enc.contents());
  auto first = b.receive(pump);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, test::makeRtp(0, 11, 1760, 0xA));
  for (int i = 0; i < 3; ++i) pump();
  EXPECT_FALSE(b.tryReceive());
  EXPECT_EQ((*fromA)->counters().drops(SrtpDrop::AuthFail), 1u);
  EXPECT_EQ((*fromA)->counters().drops(SrtpDrop::Replay), 1u);
  EXPECT_EQ((*fromA)->counters().rtpPackets, 10u);
  EXPECT_EQ((*fromA)->counters().rtcpPackets, 1u);
  EXPECT_EQ((*toA)->counters().rtpPackets, 9u);
  auto stats = engine.stats(*session);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::A).droppedProcessor, 2u);
  EXPECT_EQ(stats->streams[0].fromLeg(Leg::B).droppedProcessor, 0u);
}

// The relay's own reading of the packets (statistics) must not trip over SRTP: the padding
// count of a padded SRTP packet is encrypted (the last byte is the tag), and an SRTCP
// packet's report blocks are encrypted until the processor has run.
TEST(SrtpRelay, PaddedSrtpIsRelayedAndSrtcpIsReadOnlyAfterDecryption) {
  base::ManualClock clock;
  MediaEngineConfig config;
  config.ports.minPort = 24140;  // a range of its own
  config.ports.maxPort = 24179;
  config.ports.quarantine = 5s;
  MediaEngine engine(clock, config);
  ASSERT_TRUE(engine.init());
  const auto lo = *net::Address::parse("127.0.0.1");
  test::Peer a, b;
  StreamSpec spec;
  spec.a.localIp = lo;
  spec.a.remote.rtp = a.address();
  spec.a.remote.rtcpMux = true;
  spec.b.localIp = lo;
  spec.b.remote.rtp = b.address();
  spec.b.remote.rtcpMux = true;
  auto session = engine.createSession();
  ASSERT_TRUE(session);
  auto ports = engine.addStream(*session, 0, spec);
  ASSERT_TRUE(ports) << ports.error().message;
  const SrtpKey aKey = keyFor(SrtpSuite::AesCm128HmacSha1_80, 3);
  auto fromA = SrtpUnprotect::create(aKey);
  ASSERT_TRUE(fromA);
  ASSERT_TRUE(engine.setProcessor(*session, 0, Leg::A, *fromA));
  auto aSend = SrtpContext::create(aKey, SrtpContext::Role::Protect);
  ASSERT_TRUE(aSend);
  auto pump = [&] { engine.pollOnce(5ms); };

  // 24 padded packets: with the tag's last byte read as a padding count about a third of
  // them would look malformed; every one must arrive, decrypted, padding intact.
  for (std::uint16_t seq = 1; seq <= 24; ++seq) {
    Bytes plain = test::makeRtp(0, seq, 160u * seq, 0xA, 156);
    plain[0] |= 0x20;
    plain.insert(plain.end(), {0, 0, 0, 4});  // RFC 3550 §5.1: 4 bytes of padding
    Buffer enc(plain);
    ASSERT_FALSE((*aSend)->apply(enc.packet));
    a.sendTo(ports->leg(Leg::A).rtp, enc.contents());
    auto atB = b.receive(pump);
    ASSERT_TRUE(atB) << "padded packet " << seq;
    EXPECT_EQ(atB->bytes, plain);
  }

  // A's SRTCP receiver report about B's stream: read after decryption, so its figures are
  // the real ones; a forged one (fails authentication) teaches nothing.
  const Bytes rr = test::makeReceiverReport(0xA, 0xB, 64, 1234, 80, 0, 0);
  Buffer enc(rr, true);
  ASSERT_FALSE((*aSend)->apply(enc.packet));
  a.sendTo(ports->leg(Leg::A).rtp, enc.contents());
  auto atB = b.receive(pump);
  ASSERT_TRUE(atB);
  EXPECT_EQ(atB->bytes, rr);
  Buffer forged(test::makeReceiverReport(0xA, 0xB, 255, 999, 1, 0, 0), true);
  ASSERT_FALSE((*aSend)->apply(forged.packet));
  Bytes tampered = forged.contents();
  tampered[12] ^= 0x01;
  a.sendTo(ports->leg(Leg::A).rtp, tampered);
  for (int i = 0; i < 5; ++i) pump();
  EXPECT_FALSE(b.tryReceive());

  auto stats = engine.stats(*session);
  ASSERT_TRUE(stats);
  const auto& aboutB = stats->streams[0].fromLeg(Leg::B);
  ASSERT_TRUE(aboutB.haveRemoteReport);
  EXPECT_EQ(aboutB.remoteCumulativeLost, 1234);
  EXPECT_DOUBLE_EQ(aboutB.remoteFractionLostPercent, 25.0);
  const auto& fromALeg = stats->streams[0].fromLeg(Leg::A);
  EXPECT_EQ(fromALeg.rtpPackets, 24u);
  EXPECT_EQ(fromALeg.droppedMalformed, 0u);
  EXPECT_EQ(fromALeg.droppedProcessor, 1u);
  EXPECT_EQ((*fromA)->counters().drops(SrtpDrop::AuthFail), 1u);
}

}  // namespace
}  // namespace trunkline::media
