// SDES (RFC 4568) key params, suites, and offer/answer selection.
#include <gtest/gtest.h>

#include <random>

#include "media/sdes.h"

namespace trunkline::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytesOf(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// The key of RFC 4568's examples (§9.1 ff.): 40 base64 characters, 30 bytes.
constexpr std::string_view kRfcKey = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64Encode(bytesOf("")), "");
  EXPECT_EQ(base64Encode(bytesOf("f")), "Zg==");
  EXPECT_EQ(base64Encode(bytesOf("fo")), "Zm8=");
  EXPECT_EQ(base64Encode(bytesOf("foo")), "Zm9v");
  EXPECT_EQ(base64Encode(bytesOf("foob")), "Zm9vYg==");
  EXPECT_EQ(base64Encode(bytesOf("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64Encode(bytesOf("foobar")), "Zm9vYmFy");
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto d = base64Decode(base64Encode(bytesOf(s)));
    ASSERT_TRUE(d) << s;
    EXPECT_EQ(*d, bytesOf(s));
  }
  const Bytes all = [] {
    Bytes b;
    for (int i = 0; i < 256; ++i) b.push_back(static_cast<std::uint8_t>(i));
    return b;
  }();
  EXPECT_EQ(*base64Decode(base64Encode(all)), all);
}

TEST(Base64, DecodeIsStrict) {
  EXPECT_EQ(*base64Decode("Zg"), bytesOf("f"));  // missing padding tolerated
  EXPECT_EQ(*base64Decode("Zm8"), bytesOf("fo"));
  EXPECT_FALSE(base64Decode("Zg="));     // padding that does not complete the quantum
  EXPECT_FALSE(base64Decode("Zh=="));    // non-zero left-over bits
  EXPECT_FALSE(base64Decode("Z"));       // 6 bits cannot make a byte
  EXPECT_FALSE(base64Decode("Zm 9v"));   // whitespace
  EXPECT_FALSE(base64Decode("Zm9v!A"));  // outside the alphabet
  EXPECT_FALSE(base64Decode("Zm-_"));    // URL-safe alphabet is not SDES's
  EXPECT_FALSE(base64Decode("Z=g="));    // padding in the middle
  EXPECT_FALSE(base64Decode("Zg==="));
}

TEST(SrtpSuites, NamesAndSizes) {
  for (SrtpSuite s : kAllSrtpSuites) EXPECT_EQ(srtpSuiteFromName(srtpSuiteName(s)), s);
  EXPECT_FALSE(srtpSuiteFromName("F8_128_HMAC_SHA1_80"));
  EXPECT_FALSE(srtpSuiteFromName("aes_cm_128_hmac_sha1_80"));  // case-sensitive token
  EXPECT_EQ(srtpKeyLength(SrtpSuite::AesCm128HmacSha1_80), 16u);
  EXPECT_EQ(srtpSaltLength(SrtpSuite::AesCm128HmacSha1_80), 14u);
  EXPECT_EQ(srtpRtpOverhead(SrtpSuite::AesCm128HmacSha1_80), 10u);
  EXPECT_EQ(srtpRtpOverhead(SrtpSuite::AesCm128HmacSha1_32), 4u);
  EXPECT_EQ(srtpRtcpOverhead(SrtpSuite::AesCm128HmacSha1_32), 14u);  // SRTCP keeps 80 bits
  EXPECT_EQ(srtpKeyLength(SrtpSuite::AeadAes128Gcm), 16u);
  EXPECT_EQ(srtpSaltLength(SrtpSuite::AeadAes128Gcm), 12u);
  EXPECT_EQ(srtpRtpOverhead(SrtpSuite::AeadAes128Gcm), 16u);
  EXPECT_EQ(srtpRtcpOverhead(SrtpSuite::AeadAes128Gcm), 20u);
  EXPECT_EQ(srtpKeyLength(SrtpSuite::AeadAes256Gcm), 32u);
}

TEST(SdesKey, ParsesRfc4568Example) {
  auto key =
      parseSdesKey("AES_CM_128_HMAC_SHA1_80", std::string("inline:") + kRfcKey.data() + "|2^20");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->suite(), SrtpSuite::AesCm128HmacSha1_80);
  EXPECT_EQ(key->keySalt().size(), 30u);
  EXPECT_EQ(key->keySalt()[0], 0x3d);  // 'P','S' -> 0x3d 0x2d...
  EXPECT_EQ(key->keySalt()[1], 0x2d);
  EXPECT_EQ(key->lifetime, std::uint64_t{1} << 20);
  EXPECT_EQ(key->replayWindow, kDefaultReplayWindow);

  auto decimal =
      parseSdesKey("AES_CM_128_HMAC_SHA1_32", std::string("inline:") + kRfcKey.data() + "|1048576");
  ASSERT_TRUE(decimal);
  EXPECT_EQ(decimal->lifetime, std::uint64_t{1} << 20);
  auto bare = parseSdesKey("AES_CM_128_HMAC_SHA1_80", std::string("inline:") + kRfcKey.data());
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->lifetime);
}

TEST(SdesKey, RefusesWithAReason) {
  const std::string k = std::string("inline:") + kRfcKey.data();
  auto reason = [](const base::Result<SrtpKey>& r) {
    EXPECT_FALSE(r);
    return r ? std::string("accepted") : r.error().message;
  };
  EXPECT_EQ(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|2^20|1:32")), "MKI not supported");
  EXPECT_EQ(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|1:4")), "MKI not supported");
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|2^20|1:4;" + k + "|2^20|2:4"))
                .find("several master keys"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|2^49")).find("2^48"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|281474976710657")).find("2^48"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|0")).find("lifetime"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|2^")).find("malformed lifetime"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|2^20|2^20")).find("lifetime"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("F8_128_HMAC_SHA1_80", k)).find("unknown suite"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", "uri:https://example.invalid/k"))
                .find("inline"),
            std::string::npos);
  // The 30 bytes of an AES-CM key are not a GCM key (28) and vice versa.
  EXPECT_NE(reason(parseSdesKey("AEAD_AES_128_GCM", k)).find("needs 28 bytes"), std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80",
                                "inline:" + std::string(kRfcKey.substr(0, 36))))
                .find("needs 30 bytes"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80",
                                "inline:PS1uQCVee*FCanVmcjkpPywjNWhcYD0mXXtxaVBR"))
                .find("base64"),
            std::string::npos);
  EXPECT_NE(reason(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k + "|2^20|1:4|x")).find("too many"),
            std::string::npos);
}

TEST(SdesKey, SessionParameters) {
  const std::string k = std::string("inline:") + kRfcKey.data();
  auto wsh = parseSdesKey("AES_CM_128_HMAC_SHA1_80", k, "KDR=0 WSH=2048");
  ASSERT_TRUE(wsh) << wsh.error().message;
  EXPECT_EQ(wsh->replayWindow, 2048u);
  auto big = parseSdesKey("AES_CM_128_HMAC_SHA1_80", k, "WSH=100000");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->replayWindow, kMaxReplayWindow);
  EXPECT_FALSE(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k, "WSH=32"));
  EXPECT_FALSE(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k, "KDR=1"));
  auto unenc = parseSdesKey("AES_CM_128_HMAC_SHA1_80", k, "UNENCRYPTED_SRTP");
  ASSERT_FALSE(unenc);
  EXPECT_NE(unenc.error().message.find("UNENCRYPTED_SRTP"), std::string::npos);
  EXPECT_FALSE(parseSdesKey("AES_CM_128_HMAC_SHA1_80", k, "FEC_ORDER=FEC_SRTP"));
}

TEST(SdesKey, GcmKeysAndFormatRoundTrip) {
  for (SrtpSuite s : kAllSrtpSuites) {
    auto key = generateSrtpKey(s);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->suite(), s);
    EXPECT_EQ(key->keySalt().size(), srtpKeyLength(s) + srtpSaltLength(s));
    const std::string params = formatSdesKeyParams(*key);
    EXPECT_TRUE(params.starts_with("inline:"));
    auto back = parseSdesKey(srtpSuiteName(s), params);
    ASSERT_TRUE(back) << params << ": " << back.error().message;
    EXPECT_EQ(*back, *key);

    SrtpKey withLifetime = *key;
    withLifetime.lifetime = std::uint64_t{1} << 31;
    const std::string p2 = formatSdesKeyParams(withLifetime);
    EXPECT_TRUE(p2.ends_with("|2^31")) << p2;
    EXPECT_EQ(*parseSdesKey(srtpSuiteName(s), p2), withLifetime);
    withLifetime.lifetime = 1000;
    EXPECT_TRUE(formatSdesKeyParams(withLifetime).ends_with("|1000"));
  }
  // RFC 7714's AEAD_AES_128_GCM key||salt is 28 bytes: 40 base64 characters with "==".
  auto gcm = generateSrtpKey(SrtpSuite::AeadAes128Gcm);
  EXPECT_EQ(formatSdesKeyParams(*gcm).size(), 7u + 40u);
  EXPECT_TRUE(formatSdesKeyParams(*gcm).ends_with("=="));
}

TEST(SdesKey, GeneratedKeysDiffer) {
  auto a = generateSrtpKey(SrtpSuite::AesCm128HmacSha1_80);
  auto b = generateSrtpKey(SrtpSuite::AesCm128HmacSha1_80);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(*a == *b);
}

TEST(SdesAnswer, FirstAcceptableOfferedLineWinsAndTagIsEchoed) {
  const std::string k = std::string("inline:") + kRfcKey.data();
  const std::string gcm = formatSdesKeyParams(*generateSrtpKey(SrtpSuite::AeadAes128Gcm));
  const std::string withMki = k + "|2^20|1:4";  // SdesCrypto holds views: keep it alive
  const std::vector<SdesCrypto> offer = {
      {1, "F8_128_HMAC_SHA1_80", k, ""},            // unknown suite
      {2, "AES_CM_128_HMAC_SHA1_80", withMki, ""},  // MKI
      {5, "AEAD_AES_128_GCM", gcm, ""},
      {7, "AES_CM_128_HMAC_SHA1_80", k, ""},
  };
  auto answer = answerSdes(offer);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->tag, 5u);
  EXPECT_EQ(answer->suite, SrtpSuite::AeadAes128Gcm);
  EXPECT_EQ(formatSdesKeyParams(answer->remote), gcm);
  EXPECT_EQ(answer->local.suite(), SrtpSuite::AeadAes128Gcm);
  EXPECT_FALSE(answer->local == answer->remote);
  EXPECT_EQ(answer->keyParams, formatSdesKeyParams(answer->local));

  // With GCM disabled (e.g. the linked libsrtp lacks it) the next line is taken.
  const std::vector<SrtpSuite> cmOnly = {SrtpSuite::AesCm128HmacSha1_80,
                                         SrtpSuite::AesCm128HmacSha1_32};
  auto cm = answerSdes(offer, cmOnly);
  ASSERT_TRUE(cm);
  EXPECT_EQ(cm->tag, 7u);
  EXPECT_EQ(cm->suite, SrtpSuite::AesCm128HmacSha1_80);
}

TEST(SdesAnswer, NothingAcceptableListsEveryReason) {
  const std::string k = std::string("inline:") + kRfcKey.data();
  const std::string withMki = k + "|2^20|1:32";
  const std::vector<SdesCrypto> offer = {
      {1, "AES_CM_128_HMAC_SHA1_80", withMki, ""},
      {2, "AES_256_CM_HMAC_SHA1_80", k, ""},
      {3, "AES_CM_128_HMAC_SHA1_32", k, "UNENCRYPTED_SRTCP"},
  };
  auto answer = answerSdes(offer);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, base::Errc::Protocol);
  const std::string& m = answer.error().message;
  EXPECT_NE(m.find("tag 1: MKI not supported"), std::string::npos) << m;
  EXPECT_NE(m.find("tag 2: unknown suite 'AES_256_CM_HMAC_SHA1_80'"), std::string::npos) << m;
  EXPECT_NE(m.find("tag 3: session parameter 'UNENCRYPTED_SRTCP'"), std::string::npos) << m;
  EXPECT_FALSE(answerSdes({}));
}

TEST(SdesOffer, OfferAnswerAcceptCrossesTheKeys) {
  auto offer = makeSdesOffer();
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->size(), kAllSrtpSuites.size());
  std::vector<SdesCrypto> lines;
  for (const SdesOfferLine& l : *offer) {
    EXPECT_EQ(l.tag, static_cast<std::uint32_t>(&l - offer->data() + 1));
    lines.push_back({l.tag, srtpSuiteName(l.suite), l.keyParams, ""});
  }
  // The far end answers (with our own answerer, as any RFC 4568 peer would).
  const std::vector<SrtpSuite> only32 = {SrtpSuite::AesCm128HmacSha1_32};
  auto answer = answerSdes(lines, only32);
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->tag, 4u);
  EXPECT_EQ(answer->remote, offer->at(3).local);

  auto keys =
      acceptSdesAnswer(*offer, {answer->tag, "AES_CM_128_HMAC_SHA1_32", answer->keyParams, ""});
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->local, offer->at(3).local);  // we protect with what we offered
  EXPECT_EQ(keys->remote, answer->local);      // and unprotect with what they answered

  EXPECT_FALSE(acceptSdesAnswer(*offer, {9, "AES_CM_128_HMAC_SHA1_32", answer->keyParams, ""}));
  auto changed = acceptSdesAnswer(*offer, {4, "AES_CM_128_HMAC_SHA1_80", answer->keyParams, ""});
  ASSERT_FALSE(changed);
  EXPECT_NE(changed.error().message.find("changes suite"), std::string::npos);
}

TEST(SdesKey, HostileInputNeverCrashes) {
  std::mt19937 rng(4568);
  const std::string k = std::string("inline:") + kRfcKey.data() + "|2^20|1:4";
  const char alphabet[] = "inline:|^;=+/2AZaz09 \t\x00\xff";
  for (int i = 0; i < 20000; ++i) {
    std::string s = k;
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = s.empty() ? 0 : rng() % s.size();
      switch (rng() % 3) {
        case 0:
          if (!s.empty()) s[at] = alphabet[rng() % (sizeof alphabet - 1)];
          break;
        case 1:
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(at),
                   alphabet[rng() % (sizeof alphabet - 1)]);
          break;
        default:
          if (!s.empty()) s.erase(at, 1 + rng() % 4);
      }
    }
    auto r = parseSdesKey("AES_CM_128_HMAC_SHA1_80", s, s.substr(0, s.size() / 3));
    if (r) {
      EXPECT_EQ(r->keySalt().size(), 30u);
    }
  }
}

}  // namespace
}  // namespace trunkline::media
