#include "ops/config.h"

#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <toml.hpp>

#include "media/codec/codec.h"
#include "net/address.h"
#include "sip/transport/listen_spec.h"

namespace trunkline::ops {
namespace {

using base::Errc;

// toml11 reports through exceptions; this module is the boundary where they stop.
struct ConfigError {
  std::string message;
};

std::string where(const std::string& file, const toml::value& v) {
  const auto loc = v.location();
  return fmt::format("{}:{}", file, loc.line());
}

[[noreturn]] void bad(const std::string& file, const toml::value& v, const std::string& what) {
  throw ConfigError{fmt::format("{}: {}", where(file, v), what)};
}

const char* typeName(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::boolean: return "a boolean";
    case toml::value_t::integer: return "an integer";
    case toml::value_t::floating: return "a float";
    case toml::value_t::string: return "a string";
    case toml::value_t::array: return "an array";
    case toml::value_t::table: return "a table";
    default: return "a date/time";
  }
}

std::string getString(const std::string& file, const toml::value& v, std::string_view key) {
  if (!v.is_string()) bad(file, v, fmt::format("'{}' must be a string, not {}", key, typeName(v)));
  return v.as_string().str;
}

std::uint32_t getUint(const std::string& file, const toml::value& v, std::string_view key,
                      std::uint32_t min, std::uint32_t max) {
  if (!v.is_integer())
    bad(file, v, fmt::format("'{}' must be an integer, not {}", key, typeName(v)));
  const auto n = v.as_integer();
  if (n < static_cast<std::int64_t>(min) || n > static_cast<std::int64_t>(max))
    bad(file, v, fmt::format("'{}' = {} is out of range [{}, {}]", key, n, min, max));
  return static_cast<std::uint32_t>(n);
}

/// [media] transcode_codecs: names the transcoder handles (media/codec registry), each
/// once, "name" or "name/clock".
std::vector<std::string> transcodeCodecs(const std::string& file, const toml::value& v) {
  if (!v.is_array()) bad(file, v, "'transcode_codecs' must be an array of codec names");
  std::vector<std::string> out;
  for (const toml::value& e : v.as_array()) {
    const std::string spec = getString(file, e, "transcode_codecs");
    std::string_view name = spec;
    std::uint32_t clock = 0;
    if (auto slash = name.find('/'); slash != std::string_view::npos) {
      const std::string rate(name.substr(slash + 1));
      name = name.substr(0, slash);
      clock = rate.empty() || rate.find_first_not_of("0123456789") != std::string::npos ||
                      rate.size() > 6
                  ? 1
                  : static_cast<std::uint32_t>(std::stoul(rate));
    }
    const media::codec::CodecInfo* found = nullptr;
    for (const auto& c : media::codec::allCodecs()) {
      if (!c.audio || c.name.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < name.size(); ++i)
        same = same && (c.name[i] | 0x20) == (name[i] | 0x20);
      if (same && (clock == 0 || clock == c.clockRate)) found = &c;
    }
    if (!found)
      bad(file, e,
          fmt::format("transcode_codecs: '{}' is not a codec Trunkline transcodes (PCMU, PCMA, "
                      "G722, G729, opus)",
                      spec));
    for (const std::string& prev : out)
      if (prev == found->name) bad(file, e, fmt::format("transcode_codecs: '{}' twice", spec));
    out.emplace_back(found->name);
  }
  return out;
}

// Syntax of a listen spec; nullopt when fine, else what is wrong.
std::optional<std::string> listenSpecProblem(const std::string& spec) {
  auto parsed = sip::parseListenSpec(spec);
  if (parsed) return std::nullopt;
  return parsed.error().message;
}

// The API's listen address: an IP literal and a port ("127.0.0.1:8080", "[::1]:8080").
std::optional<std::string> apiListenProblem(const std::string& listen) {
  auto a = net::Address::parse(listen);
  if (!a || a->port() == 0 || listen.find(':') == std::string::npos ||
      (a->isV6() && !listen.starts_with("[")))
    return fmt::format(
        "invalid API listen address '{}': expected IP:PORT, e.g. 127.0.0.1:8080 or [::1]:8080",
        listen);
  return std::nullopt;
}

template <class F>
void forEachKey(const std::string& file, const toml::value& table, std::string_view section,
                const std::set<std::string_view>& known, F&& f) {
  for (const auto& [key, val] : table.as_table()) {
    if (!known.contains(key)) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      bad(file, val,
          fmt::format("unknown key '{}' in {} (known: {})", key,
                      section.empty() ? std::string("top level") : "[" + std::string(section) + "]",
                      list));
    }
    f(key, val);
  }
}

NodeConfig build(const toml::value& root, const std::string& file) {
  NodeConfig cfg;
  cfg.sourceFile = file;
  forEachKey(
      file, root, "", {"node", "sip", "tls", "api", "media"},
      [&](const std::string& k, const toml::value& v) {
        if (!v.is_table()) bad(file, v, fmt::format("'{}' must be a table ([{}])", k, k));
        if (k == "node") {
          forEachKey(file, v, "node", {"data_dir", "threads", "log_level"},
                     [&](const std::string& key, const toml::value& x) {
                       if (key == "data_dir") {
                         cfg.dataDir = getString(file, x, key);
                         if (cfg.dataDir.empty()) bad(file, x, "'data_dir' must not be empty");
                       } else if (key == "threads") {
                         cfg.threads = getUint(file, x, key, 0, 256);
                       } else if (key == "log_level") {
                         auto s = getString(file, x, key);
                         if (!base::parseLogLevel(s, cfg.logLevel))
                           bad(file, x,
                               fmt::format("'log_level' = '{}': expected trace, debug, info, warn, "
                                           "error or off",
                                           s));
                       }
                     });
        } else if (k == "sip") {
          forEachKey(
              file, v, "sip",
              {"listen", "max_message_size", "t1_ms", "t2_ms", "t4_ms", "tcp_idle_timeout_s",
               "max_connections_per_ip", "max_connections", "server_header", "realm",
               "digest_algorithms", "dscp"},
              [&](const std::string& key, const toml::value& x) {
                auto& s = cfg.sip;
                if (key == "listen") {
                  if (!x.is_array()) bad(file, x, "'listen' must be an array of strings");
                  s.listen.clear();
                  for (const auto& item : x.as_array()) {
                    auto spec = getString(file, item, "listen");
                    if (auto problem = listenSpecProblem(spec)) bad(file, item, *problem);
                    s.listen.push_back(spec);
                  }
                  if (s.listen.empty()) bad(file, x, "'listen' must name at least one address");
                } else if (key == "max_message_size") {
                  s.maxMessageSize = getUint(file, x, key, 1024, 1024 * 1024);
                } else if (key == "t1_ms") {
                  s.t1Ms = getUint(file, x, key, 10, 60'000);
                } else if (key == "t2_ms") {
                  s.t2Ms = getUint(file, x, key, 10, 600'000);
                } else if (key == "t4_ms") {
                  s.t4Ms = getUint(file, x, key, 10, 600'000);
                } else if (key == "tcp_idle_timeout_s") {
                  s.tcpIdleTimeoutS = getUint(file, x, key, 1, 86'400);
                } else if (key == "max_connections_per_ip") {
                  s.maxConnectionsPerIp = getUint(file, x, key, 1, 1'000'000);
                } else if (key == "max_connections") {
                  s.maxConnections = getUint(file, x, key, 1, 10'000'000);
                } else if (key == "dscp") {
                  s.dscp = getUint(file, x, key, 0, 63);
                } else if (key == "digest_algorithms") {
                  if (!x.is_array())
                    bad(file, x, "'digest_algorithms' must be an array of strings");
                  s.digestAlgorithms.clear();
                  for (const auto& item : x.as_array()) {
                    auto a = getString(file, item, key);
                    if (a != "SHA-256" && a != "MD5")
                      bad(file, item,
                          fmt::format("digest algorithm '{}': expected \"SHA-256\" or \"MD5\"", a));
                    s.digestAlgorithms.push_back(a);
                  }
                  if (s.digestAlgorithms.empty())
                    bad(file, x, "'digest_algorithms' must name at least one algorithm");
                } else if (key == "realm") {
                  s.realm = getString(file, x, key);
                  if (s.realm.empty() || s.realm.find('"') != std::string::npos)
                    bad(file, x, "'realm' must be a non-empty string without quotes");
                } else if (key == "server_header") {
                  s.serverHeader = getString(file, x, key);
                  for (char c : s.serverHeader)
                    if (c == '\r' || c == '\n' || static_cast<unsigned char>(c) < 0x20)
                      bad(file, x, "'server_header' must not contain control characters");
                }
              });
          if (cfg.sip.t2Ms < cfg.sip.t1Ms)
            bad(file, v,
                fmt::format("t2_ms ({}) must not be smaller than t1_ms ({})", cfg.sip.t2Ms,
                            cfg.sip.t1Ms));
        } else if (k == "api") {
          auto& a = cfg.api;
          forEachKey(file, v, "api",
                     {"enabled", "listen", "tls", "certificate", "private_key", "rate_limit",
                      "burst", "max_connections", "request_timeout_s", "idle_timeout_s",
                      "max_body_bytes", "control_socket", "metrics_auth"},
                     [&](const std::string& key, const toml::value& x) {
                       if (key == "enabled" || key == "tls") {
                         if (!x.is_boolean())
                           bad(file, x, fmt::format("'{}' must be true or false", key));
                         (key == "enabled" ? a.enabled : a.tls) = x.as_boolean();
                       } else if (key == "listen") {
                         a.listen = getString(file, x, key);
                         if (auto problem = apiListenProblem(a.listen)) bad(file, x, *problem);
                         a.listenConfigured = true;
                       } else if (key == "certificate") {
                         a.certificate = getString(file, x, key);
                       } else if (key == "private_key") {
                         a.privateKey = getString(file, x, key);
                       } else if (key == "rate_limit") {
                         a.rateLimit = getUint(file, x, key, 0, 1'000'000);
                       } else if (key == "burst") {
                         a.burst = getUint(file, x, key, 1, 1'000'000);
                       } else if (key == "max_connections") {
                         a.maxConnections = getUint(file, x, key, 1, 100'000);
                       } else if (key == "request_timeout_s") {
                         a.requestTimeoutS = getUint(file, x, key, 1, 3600);
                       } else if (key == "idle_timeout_s") {
                         a.idleTimeoutS = getUint(file, x, key, 1, 86'400);
                       } else if (key == "max_body_bytes") {
                         a.maxBodyBytes = getUint(file, x, key, 1024, 64 * 1024 * 1024);
                       } else if (key == "metrics_auth") {
                         const auto mode = getString(file, x, key);
                         if (mode != "key" && mode != "none")
                           bad(file, x, "'metrics_auth' must be \"key\" or \"none\"");
                         a.metricsPublic = mode == "none";
                       } else if (key == "control_socket") {
                         a.controlSocket = getString(file, x, key);
                         // A Unix socket address holds at most 107 bytes of path.
                         if (a.controlSocket->size() > 107)
                           bad(file, x, "'control_socket' must be at most 107 bytes long");
                       }
                     });
          if (a.certificate.empty() != a.privateKey.empty())
            bad(file, v, "[api] 'certificate' and 'private_key' go together");
          if (!a.certificate.empty()) a.tls = true;
        } else if (k == "media") {
          auto& m = cfg.media;
          forEachKey(file, v, "media",
                     {"enabled", "address", "address6", "port_min", "port_max", "port_quarantine_s",
                      "workers", "no_media_timeout_s", "hold_timeout_s", "dscp", "poor_mos",
                      "transcode", "transcode_codecs"},
                     [&](const std::string& key, const toml::value& x) {
                       if (key == "enabled") {
                         if (!x.is_boolean()) bad(file, x, "'enabled' must be true or false");
                         m.enabled = x.as_boolean();
                       } else if (key == "address" || key == "address6") {
                         auto ip = getString(file, x, key);
                         auto a = net::Address::fromIp(ip, 0);
                         if (!a || a->isV6() != (key == "address6"))
                           bad(file, x,
                               fmt::format("'{}' = '{}': expected an {} address literal", key, ip,
                                           key == "address6" ? "IPv6" : "IPv4"));
                         (key == "address" ? m.address : m.address6) = ip;
                       } else if (key == "port_min") {
                         m.portMin = getUint(file, x, key, 1024, 65534);
                       } else if (key == "port_max") {
                         m.portMax = getUint(file, x, key, 1025, 65535);
                       } else if (key == "port_quarantine_s") {
                         m.portQuarantineS = getUint(file, x, key, 0, 300);
                       } else if (key == "workers") {
                         m.workers = getUint(file, x, key, 1, 64);
                       } else if (key == "no_media_timeout_s") {
                         m.noMediaTimeoutS = getUint(file, x, key, 5, 86'400);
                       } else if (key == "hold_timeout_s") {
                         m.holdTimeoutS = getUint(file, x, key, 5, 7 * 86'400);
                       } else if (key == "dscp") {
                         m.dscp = getUint(file, x, key, 0, 63);
                       } else if (key == "poor_mos") {
                         if (!x.is_floating() && !x.is_integer())
                           bad(file, x, "'poor_mos' must be a number between 1 and 5");
                         m.poorMos = x.is_floating() ? x.as_floating()
                                                     : static_cast<double>(x.as_integer());
                         if (m.poorMos < 1 || m.poorMos > 5)
                           bad(file, x, "'poor_mos' must be a number between 1 and 5");
                       } else if (key == "transcode") {
                         if (!x.is_boolean()) bad(file, x, "'transcode' must be true or false");
                         m.transcode = x.as_boolean();
                       } else if (key == "transcode_codecs") {
                         m.transcodeCodecs = transcodeCodecs(file, x);
                       }
                     });
          if (m.portMax < m.portMin + 3)
            bad(file, v,
                fmt::format("port_max ({}) must be at least port_min ({}) + 3 (one RTP/RTCP pair "
                            "per leg)",
                            m.portMax, m.portMin));
        } else if (k == "tls") {
          TlsConfig t;
          forEachKey(file, v, "tls", {"certificate", "private_key", "ca_file"},
                     [&](const std::string& key, const toml::value& x) {
                       if (key == "certificate")
                         t.certificate = getString(file, x, key);
                       else if (key == "private_key")
                         t.privateKey = getString(file, x, key);
                       else if (key == "ca_file")
                         t.caFile = getString(file, x, key);
                     });
          if (t.certificate.empty()) bad(file, v, "[tls] needs 'certificate' (a PEM file)");
          if (t.privateKey.empty()) bad(file, v, "[tls] needs 'private_key' (a PEM file)");
          cfg.tls = t;
        }
      });
  return cfg;
}

// toml11's messages are multi-line with a source excerpt; keep its first line's text.
std::string firstLine(std::string_view what) {
  auto nl = what.find('\n');
  std::string_view line = what.substr(0, nl);
  if (line.starts_with("[error] ")) line.remove_prefix(8);
  return std::string(line);
}

}  // namespace

base::Result<NodeConfig> parseConfig(const std::string& text, const std::string& name) {
  try {
    std::istringstream in(text);
    const auto root = toml::parse(in, name);
    return build(root, name);
  } catch (const ConfigError& e) {
    return base::fail(Errc::Config, e.message);
  } catch (const toml::exception& e) {
    return base::fail(Errc::Config,
                      fmt::format("{}:{}: {}", name, e.location().line(), firstLine(e.what())));
  } catch (const std::exception& e) {
    return base::fail(Errc::Config, fmt::format("{}: {}", name, firstLine(e.what())));
  }
}

std::string controlSocketPath(const NodeConfig& cfg) {
  if (!cfg.api.enabled) return "";
  if (cfg.api.controlSocket) return *cfg.api.controlSocket;
  return cfg.dataDir + "/trunkline.sock";
}

base::Result<NodeConfig> loadConfig(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return base::fail(Errc::Config, fmt::format("{}: cannot open config file", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return parseConfig(ss.str(), path);
}

base::Result<void> validate(const NodeConfig& cfg) {
  bool needTls = false;
  for (const auto& l : cfg.sip.listen) {
    if (auto problem = listenSpecProblem(l)) return base::fail(Errc::Config, *problem);
    if (l.starts_with("tls:")) needTls = true;
  }
  if (cfg.sip.listen.empty()) return base::fail(Errc::Config, "no listen address configured");
  if (needTls && !cfg.tls)
    return base::fail(Errc::Config,
                      "a tls: listen address needs a [tls] section with certificate and "
                      "private_key");
  if (cfg.dataDir.empty()) return base::fail(Errc::Config, "data directory must not be empty");
  if (cfg.api.enabled) {
    if (auto problem = apiListenProblem(cfg.api.listen)) return base::fail(Errc::Config, *problem);
    if (cfg.api.tls && cfg.api.certificate.empty() && !cfg.tls)
      return base::fail(Errc::Config,
                        "[api] tls = true needs a certificate: a [tls] section or [api] "
                        "certificate and private_key");
  }
  return {};
}

}  // namespace trunkline::ops
