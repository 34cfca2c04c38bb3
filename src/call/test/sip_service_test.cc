// SipService driven through a real TransactionLayer and parser, with a recording transport
// and a manual clock.
#include "call/sip_service.h"

#include "sip/message/builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunkline::call {
namespace {

struct RecordingSender : sip::TransportSender {
  std::vector<std::string> sent;
  bool send(const sip::Flow&, std::string_view bytes) override {
    sent.emplace_back(bytes);
    return true;
  }
};

std::string statusLine(const std::string& m) {
  return m.substr(0, m.find("\r\n"));
}

bool hasLine(const std::string& m, const std::string& line) {
  return m.find("\r\n" + line + "\r\n") != std::string::npos;
}

class SipServiceTest : public ::testing::Test {
 protected:
  SipServiceTest() : service_(timers_, config()), layer_(timers_, {}, sender_, service_) {
    service_.attach(layer_);
    flow_.kind = sip::TransportKind::Udp;
    flow_.local = *net::Address::parse("127.0.0.1:5060");
    flow_.remote = *net::Address::parse("127.0.0.1:40000");
  }
  static ServiceConfig config() {
    ServiceConfig c;
    c.serverHeader = "Trunkline-test";
    c.localSentBy = {"127.0.0.1:5060"};
    return c;
  }

  static std::string request(const std::string& method, const std::string& branch,
                             const std::string& extra = "",
                             const std::string& uri = "sip:127.0.0.1:5060", int maxForwards = 70,
                             const std::string& cseqMethod = "") {
    return "" + method + " " + uri + " SIP/2.0\r\n" +
           "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=" + branch + ";rport\r\n" +
           "Max-Forwards: " + std::to_string(maxForwards) + "\r\n" +
           "From: <sip:pbx@127.0.0.1>;tag=ft1\r\n"
           "To: <sip:127.0.0.1:5060>\r\n"
           "Call-ID: call-1@127.0.0.1\r\n"
           "CSeq: 1 " +
           (cseqMethod.empty() ? method : cseqMethod) + "\r\n" + extra +
           "Content-Length: 0\r\n\r\n";
  }

  void deliver(const std::string& text) {
    auto msg = sip::SipMessage::parse(text);
    ASSERT_TRUE(msg) << msg.error().text();
    layer_.onMessage(std::move(*msg), flow_);
  }

  std::string only() {
    EXPECT_EQ(sender_.sent.size(), 1u);
    return sender_.sent.empty() ? "" : sender_.sent.back();
  }

  base::ManualClock clock_;
  base::TimerQueue timers_{clock_};
  RecordingSender sender_;
  SipService service_;
  sip::TransactionLayer layer_;
  sip::Flow flow_;
};

TEST_F(SipServiceTest, OptionsGets200WithCapabilities) {
  deliver(request("OPTIONS", "z9hG4bK-o1"));
  auto r = only();
  EXPECT_EQ(statusLine(r), "SIP/2.0 200 OK");
  EXPECT_TRUE(hasLine(r, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, PRACK, UPDATE, INFO"))
      << r;
  EXPECT_TRUE(hasLine(r, "Accept: application/sdp")) << r;
  EXPECT_NE(r.find("\r\nSupported:"), std::string::npos) << r;
  EXPECT_TRUE(hasLine(r, "Server: Trunkline-test")) << r;
  EXPECT_NE(r.find("To: <sip:127.0.0.1:5060>;tag="), std::string::npos) << r;
  EXPECT_TRUE(hasLine(r, "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-o1;rport")) << r;
  EXPECT_EQ(service_.counters().optionsAnswered, 1u);
}

TEST_F(SipServiceTest, RetransmittedRequestIsAnsweredIdenticallyAndProcessedOnce) {
  deliver(request("OPTIONS", "z9hG4bK-r1"));
  deliver(request("OPTIONS", "z9hG4bK-r1"));
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[0], sender_.sent[1]);
  EXPECT_EQ(service_.counters().requests, 1u);
}

TEST_F(SipServiceTest, InviteWithoutTrunkIsRefusedNotIgnored) {
  deliver(request("INVITE", "z9hG4bK-i1", "Contact: <sip:pbx@127.0.0.1:40000>\r\n",
                  "sip:+15551234567@127.0.0.1"));
  EXPECT_EQ(statusLine(only()), "SIP/2.0 403 No trunk matches this request");
}

TEST_F(SipServiceTest, MaxForwardsZero) {
  deliver(request("INVITE", "z9hG4bK-m1", "", "sip:+1555@127.0.0.1", 0));
  EXPECT_EQ(statusLine(only()), "SIP/2.0 483 Too Many Hops");
  sender_.sent.clear();
  deliver(request("OPTIONS", "z9hG4bK-m2", "", "sip:127.0.0.1", 0));
  EXPECT_EQ(statusLine(only()), "SIP/2.0 200 OK");  // OPTIONS is for us (§11)
}

TEST_F(SipServiceTest, OwnViaMeansLoop) {
  const std::string looped =
      "INVITE sip:+1555@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-l2\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-l1\r\n"
      "Max-Forwards: 69\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
      "Call-ID: loop@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  deliver(looped);
  EXPECT_EQ(statusLine(only()), "SIP/2.0 482 Loop Detected");
}

TEST_F(SipServiceTest, MergedRequestIsALoop) {
  deliver(request("OPTIONS", "z9hG4bK-a"));
  deliver(request("OPTIONS", "z9hG4bK-b"));  // same From tag/Call-ID/CSeq, other branch
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(statusLine(sender_.sent[0]), "SIP/2.0 200 OK");
  EXPECT_EQ(statusLine(sender_.sent[1]), "SIP/2.0 482 Loop Detected (merged request)");
  // Once the first transaction's lifetime is over, the key is forgotten.
  clock_.advance(std::chrono::seconds(33));
  timers_.runDue();
  sender_.sent.clear();
  deliver(request("OPTIONS", "z9hG4bK-c"));
  EXPECT_EQ(statusLine(sender_.sent.back()), "SIP/2.0 200 OK");
}

TEST_F(SipServiceTest, UnsupportedRequireGets420) {
  deliver(request("OPTIONS", "z9hG4bK-q", "Require: foo, 100rel\r\n"));  // 100rel: ours
  auto r = only();
  EXPECT_EQ(statusLine(r), "SIP/2.0 420 Bad Extension");
  EXPECT_TRUE(hasLine(r, "Unsupported: foo")) << r;
}

TEST_F(SipServiceTest, MethodsWeDoNotServe) {
  deliver(request("FOO", "z9hG4bK-f"));
  EXPECT_EQ(statusLine(sender_.sent.at(0)), "SIP/2.0 501 Not Implemented");
  EXPECT_NE(sender_.sent[0].find("\r\nAllow: INVITE"), std::string::npos);
  deliver(request("SUBSCRIBE", "z9hG4bK-s", "Event: presence\r\n"));
  EXPECT_EQ(statusLine(sender_.sent.at(1)), "SIP/2.0 405 Method Not Allowed");
  deliver(request("BYE", "z9hG4bK-y"));
  EXPECT_EQ(statusLine(sender_.sent.at(2)), "SIP/2.0 481 Call/Transaction Does Not Exist");
}

TEST_F(SipServiceTest, UriSchemes) {
  deliver(request("OPTIONS", "z9hG4bK-t", "", "tel:+15551234567"));
  EXPECT_EQ(statusLine(sender_.sent.at(0)), "SIP/2.0 200 OK");
  deliver(request("OPTIONS", "z9hG4bK-u", "", "mailto:bob@example.com"));
  EXPECT_EQ(statusLine(sender_.sent.at(1)), "SIP/2.0 416 Unsupported URI Scheme");
}

TEST_F(SipServiceTest, CancelWithoutInviteGets481) {
  deliver(request("CANCEL", "z9hG4bK-nothing"));
  EXPECT_EQ(statusLine(only()), "SIP/2.0 481 Call/Transaction Does Not Exist");
}

TEST_F(SipServiceTest, MalformedRequestGets400NamingTheProblem) {
  const std::string bad =
      request("INVITE", "z9hG4bK-bad", "", "sip:+1555@127.0.0.1", 70, "OPTIONS");
  auto parsed = sip::SipMessage::parse(bad);
  ASSERT_FALSE(parsed);
  service_.onMalformed(bad, parsed.error(), flow_);
  auto r = only();
  EXPECT_EQ(r.rfind("SIP/2.0 400 ", 0), 0u) << r;
  EXPECT_NE(statusLine(r).find("CSeq"), std::string::npos) << r;
  EXPECT_TRUE(hasLine(r, "Call-ID: call-1@127.0.0.1")) << r;
  EXPECT_EQ(service_.counters().malformedRequests, 1u);
}

TEST_F(SipServiceTest, WrongVersionGets505) {
  const std::string bad =
      "OPTIONS sip:127.0.0.1 SIP/7.0\r\nVia: SIP/7.0/UDP 127.0.0.1:40000;branch=z9hG4bK-v\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: v@x\r\nCSeq: 1 OPTIONS\r\n"
      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  auto parsed = sip::SipMessage::parse(bad);
  ASSERT_FALSE(parsed);
  service_.onMalformed(bad, parsed.error(), flow_);
  EXPECT_EQ(statusLine(only()), "SIP/2.0 505 Version Not Supported");
}

TEST_F(SipServiceTest, MalformedResponsesAreDropped) {
  const std::string bad = "SIP/2.0 2000 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
  auto parsed = sip::SipMessage::parse(bad);
  ASSERT_FALSE(parsed);
  service_.onMalformed(bad, parsed.error(), flow_);
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_EQ(service_.counters().malformedDropped, 1u);
}

}  // namespace
}  // namespace trunkline::call

namespace trunkline::call {
namespace {

struct RecordingRegistrar : RegistrarHook {
  int calls = 0;
  void onRegister(sip::TransactionLayer& layer, sip::ServerTransactionHandle txn,
                  const sip::SipMessage& req, const sip::Flow&) override {
    ++calls;
    (void)layer.respond(txn, sip::makeResponse(req, 200, {}, "reg"));
  }
};

TEST_F(SipServiceTest, RegisterGoesToTheRegistrarHookOr403) {
  deliver(request("REGISTER", "z9hG4bK-reg1"));
  EXPECT_EQ(statusLine(sender_.sent.at(0)), "SIP/2.0 403 No trunk matches this request");
  clock_.advance(std::chrono::seconds(33));  // the first REGISTER's transaction is over
  timers_.runDue();
  RecordingRegistrar registrar;
  service_.setRegistrar(&registrar);
  deliver(request("REGISTER", "z9hG4bK-reg2", "", "sip:127.0.0.1:5060", 70, "REGISTER"));
  EXPECT_EQ(registrar.calls, 1);
  EXPECT_EQ(statusLine(sender_.sent.at(1)), "SIP/2.0 200 OK");
}

TEST_F(SipServiceTest, RequestsWithAToTagMatchingNoDialogGet481) {
  const std::string inDialog =
      "INFO sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-d1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:pbx@127.0.0.1>;tag=ft1\r\nTo: <sip:x@127.0.0.1>;tag=gone\r\n"
      "Call-ID: old@127.0.0.1\r\nCSeq: 5 INFO\r\nContent-Length: 0\r\n\r\n";
  deliver(inDialog);
  EXPECT_EQ(statusLine(only()), "SIP/2.0 481 Call/Transaction Does Not Exist");
}

}  // namespace
}  // namespace trunkline::call
