#include "ops/config.h"

#include <gtest/gtest.h>

namespace trunkline::ops {
namespace {

TEST(Config, DefaultsWhenEmpty) {
  auto cfg = parseConfig("", "empty.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->dataDir, "./data");
  ASSERT_EQ(cfg->sip.listen.size(), 2u);
  EXPECT_EQ(cfg->sip.listen[0], "udp:127.0.0.1:5060");
  EXPECT_EQ(cfg->sip.t1Ms, 500u);
  EXPECT_FALSE(cfg->tls.has_value());
  EXPECT_TRUE(validate(*cfg));
}

TEST(Config, FullFile) {
  auto cfg = parseConfig(R"([node]
data_dir = "/var/lib/trunkline"
threads = 2
log_level = "debug"

[sip]
listen = ["udp:[::1]:5070", "tls:127.0.0.1:5061"]
t1_ms = 250
t2_ms = 2000
max_message_size = 32768
server_header = "Edge-1"

[tls]
certificate = "/etc/tl/cert.pem"
private_key = "/etc/tl/key.pem"
)",
                         "node.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->dataDir, "/var/lib/trunkline");
  EXPECT_EQ(cfg->threads, 2u);
  EXPECT_EQ(cfg->logLevel, base::LogLevel::Debug);
  EXPECT_EQ(cfg->sip.listen[1], "tls:127.0.0.1:5061");
  EXPECT_EQ(cfg->sip.t1Ms, 250u);
  EXPECT_EQ(cfg->sip.maxMessageSize, 32768u);
  EXPECT_EQ(cfg->sip.serverHeader, "Edge-1");
  ASSERT_TRUE(cfg->tls);
  EXPECT_EQ(cfg->tls->privateKey, "/etc/tl/key.pem");
  EXPECT_TRUE(validate(*cfg));
}

void expectError(const std::string& text, const std::string& expected) {
  auto cfg = parseConfig(text, "bad.toml");
  ASSERT_FALSE(cfg) << "accepted: " << text;
  EXPECT_EQ(cfg.error().code, base::Errc::Config);
  EXPECT_NE(cfg.error().message.find(expected), std::string::npos)
      << "message was: " << cfg.error().message;
}

TEST(Config, ErrorsNameFileLineAndProblem) {
  expectError("[node]\nthreads = \"two\"\n", "bad.toml:2: 'threads' must be an integer");
  expectError("[node]\n\nthreads = 100000\n", "bad.toml:3: 'threads' = 100000 is out of range");
  expectError("[sip]\nlisten = [\"udp:127.0.0.1:5060\",\n  \"sctp:1.2.3.4:5\"]\n",
              "bad.toml:3: invalid listen address 'sctp:1.2.3.4:5': unknown transport 'sctp'");
  expectError("[sip]\nlisten = [\"udp:localhost:99999\"]\n",
              "bad.toml:2: invalid listen address 'udp:localhost:99999'");
  expectError("[sip]\nt1_ms = 500\nbogus = 1\n", "bad.toml:3: unknown key 'bogus' in [sip]");
  expectError("[nod]\n", "bad.toml:1: unknown key 'nod' in top level");
  expectError("[node]\nlog_level = \"loud\"\n", "bad.toml:2: 'log_level' = 'loud'");
  expectError("[tls]\ncertificate = \"a.pem\"\n", "bad.toml:1: [tls] needs 'private_key'");
  expectError("[sip]\nt1_ms = 500\nt2_ms = 100\n", "t2_ms (100) must not be smaller");
  expectError("[sip]\nserver_header = \"a\\r\\nX: y\"\n", "control characters");
}

TEST(Config, MediaSection) {
  auto cfg = parseConfig(R"([media]
address = "192.0.2.10"
address6 = "2001:db8::10"
port_min = 30000
port_max = 30999
port_quarantine_s = 2
workers = 2
no_media_timeout_s = 30
dscp = 34
poor_mos = 3.5
)",
                         "m.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_TRUE(cfg->media.enabled);
  EXPECT_EQ(cfg->media.address, "192.0.2.10");
  EXPECT_EQ(cfg->media.address6, "2001:db8::10");
  EXPECT_EQ(cfg->media.portMin, 30000u);
  EXPECT_EQ(cfg->media.portMax, 30999u);
  EXPECT_EQ(cfg->media.workers, 2u);
  EXPECT_EQ(cfg->media.portQuarantineS, 2u);
  EXPECT_EQ(cfg->media.noMediaTimeoutS, 30u);
  EXPECT_EQ(cfg->media.dscp, 34u);
  EXPECT_DOUBLE_EQ(cfg->media.poorMos, 3.5);
  EXPECT_TRUE(parseConfig("", "d.toml")->media.enabled);  // anchored by default

  expectError("[media]\naddress = \"::1\"\n", "bad.toml:2: 'address' = '::1': expected an IPv4");
  expectError("[media]\naddress6 = \"media.example\"\n", "bad.toml:2: 'address6'");
  expectError("[media]\nport_min = 30000\nport_max = 30001\n",
              "port_max (30001) must be at least port_min (30000) + 3");
  expectError("[media]\ndscp = 64\n", "bad.toml:2: 'dscp' = 64 is out of range");
  expectError("[media]\npoor_mos = 7\n", "'poor_mos' must be a number between 1 and 5");
  expectError("[media]\nrelay = 1\n", "bad.toml:2: unknown key 'relay' in [media]");
}

TEST(Config, MediaTranscode) {
  auto d = parseConfig("", "d.toml");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->media.transcode);  // on by default
  EXPECT_EQ(d->media.transcodeCodecs, (std::vector<std::string>{"PCMU", "PCMA", "G729", "opus"}));
  auto cfg = parseConfig(
      "[media]\ntranscode = false\ntranscode_codecs = [\"g729\", \"OPUS\", "
      "\"pcma/8000\"]\n",
      "t.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_FALSE(cfg->media.transcode);
  // Names come back as the registry writes them (rtpmap spelling).
  EXPECT_EQ(cfg->media.transcodeCodecs, (std::vector<std::string>{"G729", "opus", "PCMA"}));
  expectError("[media]\ntranscode = 1\n", "bad.toml:2: 'transcode' must be true or false");
  expectError("[media]\n\ntranscode_codecs = [\"PCMU\", \"GSM\"]\n",
              "bad.toml:3: transcode_codecs: 'GSM' is not a codec Trunkline transcodes");
  expectError("[media]\ntranscode_codecs = [\"PCMU/16000\"]\n",
              "transcode_codecs: 'PCMU/16000' is not a codec");
  expectError("[media]\ntranscode_codecs = [\"PCMU\", \"pcmu\"]\n",
              "transcode_codecs: 'pcmu' twice");
  expectError("[media]\ntranscode_codecs = \"PCMU\"\n",
              "bad.toml:2: 'transcode_codecs' must be an array of codec names");
  expectError("[media]\ntranscode_codecs = [\"telephone-event\"]\n", "is not a codec");
}

TEST(Config, SipDscp) {
  EXPECT_EQ(parseConfig("", "d.toml")->sip.dscp, 24u);  // CS3 unless told otherwise
  EXPECT_EQ(parseConfig("[sip]\ndscp = 40\n", "s.toml")->sip.dscp, 40u);
  EXPECT_EQ(parseConfig("[sip]\ndscp = 0\n", "s.toml")->sip.dscp, 0u);  // unmarked
  EXPECT_EQ(parseConfig("[sip]\ndscp = 63\n", "s.toml")->sip.dscp, 63u);
  for (const char* bad : {"[sip]\ndscp = 64\n", "[sip]\ndscp = -1\n"}) {
    auto cfg = parseConfig(bad, "bad.toml");
    ASSERT_FALSE(cfg) << bad;
    EXPECT_EQ(cfg.error().message.rfind("bad.toml:2: 'dscp' = ", 0), 0u) << cfg.error().message;
    EXPECT_NE(cfg.error().message.find("out of range [0, 63]"), std::string::npos);
  }
  auto s = parseConfig("[sip]\n\ndscp = \"ef\"\n", "bad.toml");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "bad.toml:3: 'dscp' must be an integer, not a string");
}

TEST(Config, SyntaxErrorHasLine) {
  auto cfg = parseConfig("[node]\ndata_dir = \"x\"\nthreads = = 3\n", "syn.toml");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().message.rfind("syn.toml:3: ", 0), 0u) << cfg.error().message;
}

TEST(Config, TlsListenerNeedsTlsSection) {
  auto cfg = parseConfig("[sip]\nlisten = [\"tls:127.0.0.1:5061\"]\n", "x.toml");
  ASSERT_TRUE(cfg);
  auto v = validate(*cfg);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("[tls]"), std::string::npos);
}

TEST(Config, MissingFile) {
  auto cfg = loadConfig("/nonexistent/trunkline.toml");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().message, "/nonexistent/trunkline.toml: cannot open config file");
}

}  // namespace
}  // namespace trunkline::ops

namespace trunkline::ops {
namespace {

TEST(ApiConfig, DefaultsToLoopbackAndParsesEveryKey) {
  auto d = parseConfig("", "empty.toml");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->api.enabled);
  EXPECT_EQ(d->api.listen, "127.0.0.1:8080");
  EXPECT_FALSE(d->api.listenConfigured);
  EXPECT_FALSE(d->api.tls);

  auto cfg = parseConfig(R"([api]
listen = "[::1]:9443"
certificate = "/etc/tl/api.pem"
private_key = "/etc/tl/api.key"
rate_limit = 5
burst = 10
max_connections = 32
request_timeout_s = 3
idle_timeout_s = 20
max_body_bytes = 65536
)",
                         "api.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->api.listen, "[::1]:9443");
  EXPECT_TRUE(cfg->api.listenConfigured);
  EXPECT_TRUE(cfg->api.tls);  // its own certificate turns TLS on
  EXPECT_EQ(cfg->api.rateLimit, 5u);
  EXPECT_EQ(cfg->api.burst, 10u);
  EXPECT_EQ(cfg->api.maxConnections, 32u);
  EXPECT_EQ(cfg->api.requestTimeoutS, 3u);
  EXPECT_EQ(cfg->api.idleTimeoutS, 20u);
  EXPECT_EQ(cfg->api.maxBodyBytes, 65536u);
  EXPECT_TRUE(validate(*cfg));

  auto off = parseConfig("[api]\nenabled = false\n", "off.toml");
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->api.enabled);
}

TEST(ApiConfig, ErrorsNameLineAndProblem) {
  expectError("[api]\nlisten = \"localhost:8080\"\n", "bad.toml:2: invalid API listen address");
  expectError("[api]\nlisten = \"127.0.0.1\"\n", "bad.toml:2: invalid API listen address");
  expectError("[api]\nlisten = \"::1:8080\"\n", "bad.toml:2: invalid API listen address");
  expectError("[api]\nrate_limit = -1\n", "bad.toml:2: 'rate_limit' = -1 is out of range");
  expectError("[api]\nenabled = \"yes\"\n", "bad.toml:2: 'enabled' must be true or false");
  expectError("[api]\nport = 80\n", "bad.toml:2: unknown key 'port' in [api]");
  expectError("[api]\ncertificate = \"a.pem\"\n",
              "[api] 'certificate' and 'private_key' go together");
  auto cfg = parseConfig("[api]\ntls = true\n", "t.toml");
  ASSERT_TRUE(cfg);
  auto v = validate(*cfg);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("[api] tls = true needs a certificate"), std::string::npos);
}

}  // namespace
}  // namespace trunkline::ops
