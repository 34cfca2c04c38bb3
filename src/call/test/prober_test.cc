// Carrier OPTIONS prober through a real TransactionLayer.
#include "call/prober.h"

#include "call/test/b2bua_fixture.h"

namespace trunkline::call::test {
namespace {

using namespace std::chrono_literals;

class ProberTest : public B2buaFixture {
 protected:
  ProberTest()
      : prober(
            timers, layer,
            [](sip::TransportKind, int) { return net::Address::parse("10.0.0.1:5060"); }, random,
            [this](const ProbeResult& r) { results.push_back(r); }) {
    service.addClientSink(&prober);
    prober.setTargets(
        {ProbeTarget{1, sip::TransportKind::Udp, *net::Address::parse(carrierA.address()), ""},
         ProbeTarget{2, sip::TransportKind::Udp, *net::Address::parse(carrierB.address()), ""}});
  }
  std::vector<ProbeResult> results;
  Prober prober;
};

TEST_F(ProberTest, ReportsAnsweringAndSilentGateways) {
  prober.start(60s);
  auto a = carrierA.expectRequest("OPTIONS");
  EXPECT_EQ(a.requestUriText(), "sip:198.51.100.7:5060");
  EXPECT_EQ(a.topVia().host, "10.0.0.1");
  carrierB.expectRequest("OPTIONS");
  carrierA.reply(a, 200);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].gatewayId, 1);
  EXPECT_TRUE(results[0].ok);
  EXPECT_EQ(results[0].code, 200);
  advance(32s);  // Timer F for B
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].gatewayId, 2);
  EXPECT_FALSE(results[1].ok);
  advance(28s);  // the next round
  carrierA.expectRequest("OPTIONS");
  auto b = carrierB.expectRequest("OPTIONS");
  carrierB.reply(b, 503);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[2].ok);
  EXPECT_EQ(results[2].code, 503);
  prober.stop();
}

}  // namespace
}  // namespace trunkline::call::test
