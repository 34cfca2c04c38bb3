// Golden rewrite tests: every test/golden/<case>.in.sdp is rewritten by the plan in
// <case>.json (and stamped with an OriginKeeper) and must equal <case>.out.sdp byte for
// byte. The expected outputs were written by hand from the RFCs, not produced by the code.
//
// <case>.json:
//   "description": what the case shows
//   "plan":   RewritePlan fields (address, addrType, keepNullHold, stripIce,
//             removeAttributes, codecs[{media, allow, keepTelephoneEvent}],
//             streams[{port, address, rtcp: "set"|"remove", rtcpPort, rtcpAddress, rtcpMux,
//                      proto, direction, cryptos[{tag, suite, keyParams, sessionParams}],
//                      reject}])
//   "origin": {sessionId, initialVersion, username, addrType, address,
//              previous: [files stamped first, with the same plan, as earlier offers]}
//   "expect": {activeStreams, notAcceptable, hold: "none"|"sendonly"|"inactive"|"null"}
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sdp/offer_answer.h"
#include "sdp/origin.h"
#include "sdp/rewrite.h"
#include "test_util.h"

namespace trunkline::sdp {
namespace {

using nlohmann::json;

std::optional<Direction> directionOf(const json& j) {
  if (!j.is_string()) return std::nullopt;
  return directionFromName(j.get<std::string>());
}

RewritePlan planFrom(const json& j) {
  RewritePlan p;
  p.addrType = j.value("addrType", "IP4");
  if (j.contains("address")) p.address = j["address"].get<std::string>();
  p.keepNullHold = j.value("keepNullHold", true);
  p.stripIce = j.value("stripIce", false);
  if (j.contains("removeAttributes"))
    p.removeAttributes = j["removeAttributes"].get<std::vector<std::string>>();
  for (const json& c : j.value("codecs", json::array())) {
    CodecFilter f;
    f.media = c.value("media", "audio");
    f.allow = c.value("allow", std::vector<std::string>{});
    f.keepTelephoneEvent = c.value("keepTelephoneEvent", true);
    p.codecs.push_back(f);
  }
  for (const json& s : j.value("streams", json::array())) {
    StreamPlan sp;
    if (s.contains("port")) sp.port = s["port"].get<std::uint16_t>();
    if (s.contains("address")) sp.address = s["address"].get<std::string>();
    std::string rtcp = s.value("rtcp", "keep");
    EXPECT_TRUE(rtcp == "keep" || rtcp == "set" || rtcp == "remove") << rtcp;
    sp.rtcp = rtcp == "set" ? RtcpAction::Set
                            : (rtcp == "remove" ? RtcpAction::Remove : RtcpAction::Keep);
    sp.rtcpPort = s.value("rtcpPort", std::uint16_t{0});
    sp.rtcpAddress = s.value("rtcpAddress", false);
    if (s.contains("rtcpMux")) sp.rtcpMux = s["rtcpMux"].get<bool>();
    if (s.contains("proto")) sp.proto = s["proto"].get<std::string>();
    if (s.contains("direction")) {
      sp.direction = directionOf(s["direction"]);
      EXPECT_TRUE(sp.direction.has_value()) << s["direction"];
    }
    if (s.contains("cryptos")) {
      sp.cryptos.emplace();
      for (const json& c : s["cryptos"]) {
        sp.cryptos->push_back(CryptoSpec{c.value("tag", 1u), c.value("suite", ""),
                                         c.value("keyParams", ""), c.value("sessionParams", "")});
      }
    }
    sp.reject = s.value("reject", false);
    p.streams.push_back(sp);
  }
  return p;
}

std::string holdName(const SessionDescription& d) {
  if (d.mediaCount() == 0 || d.media(0).rejected()) return "rejected";
  switch (holdState(d, 0)) {
    case HoldState::None: return "none";
    case HoldState::NullAddress: return "null";
    case HoldState::SendOnly: return "sendonly";
    case HoldState::Inactive: return "inactive";
  }
  return "?";
}

// Rewrites and stamps one body; returns the output text.
std::string runCase(const std::string& input, const RewritePlan& plan, OriginKeeper& keeper,
                    const json& origin, RewriteReport* reportOut, std::string* holdOut = nullptr) {
  auto d = SessionDescription::parse(input);
  if (!d) {
    ADD_FAILURE() << "input does not parse: " << d.error().message;
    return {};
  }
  auto report = rewrite(*d, plan);
  if (!report) {
    ADD_FAILURE() << "rewrite refused the plan: " << report.error().message;
    return {};
  }
  if (reportOut) *reportOut = *report;
  keeper.stamp(*d, origin.value("addrType", "IP4"), origin.value("address", "192.0.2.1"));
  if (holdOut) *holdOut = holdName(*d);
  return d->serialize();
}

TEST(Golden, EveryCase) {
  auto inputs = test::filesIn("golden", ".in.sdp");
  ASSERT_GE(inputs.size(), 20u);
  for (const auto& in : inputs) {
    std::string name = in.filename().string();
    name.resize(name.size() - std::string_view(".in.sdp").size());
    SCOPED_TRACE("golden case " + name);
    const std::string base = test::testDir() + "/golden/" + name;
    const json spec = json::parse(test::readFile(base + ".json"));
    ASSERT_TRUE(spec.contains("description")) << "every case says what it shows";
    const RewritePlan plan = planFrom(spec.at("plan"));
    const json origin = spec.value("origin", json::object());
    OriginKeeper keeper(origin.value("sessionId", std::uint64_t{1}),
                        origin.value("initialVersion", std::uint64_t{1}),
                        origin.value("username", "-"));
    for (const json& prev : origin.value("previous", json::array())) {
      std::string text = test::readFile(test::testDir() + "/golden/" + prev.get<std::string>());
      (void)runCase(text, plan, keeper, origin, nullptr);
    }
    RewriteReport report;
    std::string hold;
    const std::string input = test::readFile(in.string());
    const std::string out = runCase(input, plan, keeper, origin, &report, &hold);
    const std::string expected = test::readFile(base + ".out.sdp");
    EXPECT_EQ(out, expected);

    const json expect = spec.value("expect", json::object());
    if (expect.contains("activeStreams")) {
      EXPECT_EQ(report.activeStreams, expect["activeStreams"].get<std::size_t>());
    }
    if (expect.contains("notAcceptable")) {
      EXPECT_EQ(report.notAcceptable(), expect["notAcceptable"].get<bool>());
    }
    if (expect.contains("hold")) EXPECT_EQ(hold, expect["hold"].get<std::string>());

    // The output is itself a valid description with the input's m-line count (RFC 3264
    // §6), and re-serializes to itself.
    auto again = SessionDescription::parse(expected);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->serialize(), expected);
    auto original = SessionDescription::parse(input);
    ASSERT_TRUE(original);
    EXPECT_EQ(again->mediaCount(), original->mediaCount());
    for (std::size_t i = 0; i < again->mediaCount(); ++i)
      EXPECT_FALSE(again->media(i).formats().empty());
  }
}

TEST(Golden, RewritingTwiceChangesNothingMore) {
  // Anchoring is idempotent: applying the same plan to our own output gives it back (the
  // version stays, since the content is unchanged).
  for (const auto& in : test::filesIn("golden", ".in.sdp")) {
    std::string name = in.filename().string();
    name.resize(name.size() - std::string_view(".in.sdp").size());
    SCOPED_TRACE("golden case " + name);
    const std::string base = test::testDir() + "/golden/" + name;
    const json spec = json::parse(test::readFile(base + ".json"));
    const RewritePlan plan = planFrom(spec.at("plan"));
    const json origin = spec.value("origin", json::object());
    OriginKeeper keeper(7, 1);
    const std::string once = runCase(test::readFile(in.string()), plan, keeper, origin, nullptr);
    const std::string twice = runCase(once, plan, keeper, origin, nullptr);
    EXPECT_EQ(once, twice);
  }
}

}  // namespace
}  // namespace trunkline::sdp
