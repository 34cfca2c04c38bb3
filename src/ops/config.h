#pragma once
// NodeConfig: the node's own settings (listen addresses, TLS files, timers, threads,
// data directory), read from one TOML file and overridable from the command line.
// Business data (trunks, routes...) is not here: it lives in the database.
//
// Loading validates everything up front and reports the first problem as
// "<file>:<line>: <what is wrong>" so that a bad config stops startup with a precise
// message. Immutable after startup; safe to share between threads.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/result.h"

namespace trunkline::ops {

struct TlsConfig {
  std::string certificate;  // PEM file
  std::string privateKey;   // PEM file
  std::string caFile;       // optional: verify peers against these CAs
};

struct SipConfig {
  /// "udp:127.0.0.1:5060", "tcp:[::1]:5060", "tls:0.0.0.0:5061".
  std::vector<std::string> listen{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"};
  std::uint32_t maxMessageSize = 64 * 1024;
  std::uint32_t t1Ms = 500;
  std::uint32_t t2Ms = 4000;
  std::uint32_t t4Ms = 5000;
  std::uint32_t tcpIdleTimeoutS = 300;
  std::uint32_t maxConnectionsPerIp = 64;
  std::uint32_t maxConnections = 10000;
  /// Server / User-Agent header value.
  std::string serverHeader = "Trunkline";
  /// Digest realm of our 401/407 challenges (trunk credentials are provisioned in it).
  std::string realm = "trunkline";
  /// Digest algorithms offered in challenges, in this order (RFC 8760: SHA-256 first).
  /// Some PBXs only read the first challenge: put "MD5" first for them.
  std::vector<std::string> digestAlgorithms{"SHA-256", "MD5"};
  /// DSCP on every SIP packet (UDP sockets, TCP/TLS listeners and connections): CS3, the
  /// usual call-signalling class; 0 = unmarked.
  std::uint32_t dscp = 24;
};

/// The REST API listener (api/). On by default on loopback only: nothing listens beyond
/// what the config names.
struct ApiConfig {
  bool enabled = true;
  /// "127.0.0.1:8080", "[::1]:8080"; an IP literal and a port.
  std::string listen = "127.0.0.1:8080";
  /// False while `listen` is the built-in default: then a port already in use is a
  /// warning (the node runs without the API) instead of a startup error.
  bool listenConfigured = false;
  /// HTTPS: with the [tls] certificate (`tls = true`) or its own files.
  bool tls = false;
  std::string certificate;  // PEM; empty = the [tls] one
  std::string privateKey;
  std::uint32_t rateLimit = 20;  // requests per second per API key; 0 = unlimited
  std::uint32_t burst = 40;
  std::uint32_t maxConnections = 256;
  std::uint32_t requestTimeoutS = 10;  // a request's bytes, and each response write
  std::uint32_t idleTimeoutS = 60;     // keep-alive connection without a request
  std::uint32_t maxBodyBytes = 256 * 1024;
  /// The local control socket of the CLI (AF_UNIX, mode 0600; a request's principal is
  /// the peer's uid). nullopt: <data_dir>/trunkline.sock; empty: none.
  std::optional<std::string> controlSocket;
  /// GET /metrics: false ("key", the default) needs an admin API key; true ("none") is
  /// open to whoever reaches the listener (a Prometheus on a trusted network). Label
  /// values are trunk and carrier ids, never numbers or names.
  bool metricsPublic = false;
};

/// The media relay (media/). On by default: every call's RTP goes through the node.
struct MediaConfig {
  bool enabled = true;
  /// Relay addresses, bound and written into SDP (IP literals). Empty: the address of the
  /// first SIP listener of that family (so the quick start relays on 127.0.0.1).
  std::string address;   // IPv4
  std::string address6;  // IPv6
  /// Each anchored call holds two RTP/RTCP pairs (4 ports) per audio stream, plus
  /// `portQuarantineS` after it ends: 10000-59999 carries about 12,000 calls at once.
  std::uint32_t portMin = 10000;
  std::uint32_t portMax = 59999;
  /// A released port is not handed out again for this long, so a late packet of the old
  /// call cannot be latched by a new one (see media/README.md, latching).
  std::uint32_t portQuarantineS = 8;
  std::uint32_t workers = 1;
  std::uint32_t noMediaTimeoutS = 60;  // an answered call with no RTP either way is ended
  std::uint32_t holdTimeoutS = 3600;   // the same while a side holds
  std::uint32_t dscp = 46;             // EF on RTP/RTCP
  double poorMos = 3.1;                // calls below are flagged in the CDR
  /// Transcoding when the two sides share no codec (call/codec_plan.h): offers get these
  /// codecs appended, in this order, for the other side to pick.
  bool transcode = true;
  std::vector<std::string> transcodeCodecs = {"PCMU", "PCMA", "G729", "opus"};
};

struct NodeConfig {
  std::string sourceFile;  // empty when built from defaults only
  std::string dataDir = "./data";
  /// Signalling threads; 0 = one per core.
  std::uint32_t threads = 0;
  base::LogLevel logLevel = base::LogLevel::Info;
  SipConfig sip;
  MediaConfig media;
  std::optional<TlsConfig> tls;
  ApiConfig api;
};

/// Where the API's control socket is ("" = none): [api] control_socket, by default
/// <data_dir>/trunkline.sock; none when the API is disabled.
std::string controlSocketPath(const NodeConfig& cfg);

/// Parses and validates `path`. Errors: Errc::Config, message "path:line: problem".
base::Result<NodeConfig> loadConfig(const std::string& path);
/// Same, from text (for tests); `name` is used in messages.
base::Result<NodeConfig> parseConfig(const std::string& text, const std::string& name);
/// Cross-field checks (e.g. a tls: listener requires [tls]); run after command-line
/// overrides. Errors name the setting.
base::Result<void> validate(const NodeConfig& cfg);

}  // namespace trunkline::ops
