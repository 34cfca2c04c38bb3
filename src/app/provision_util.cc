// Helpers of the provisioning commands: HA1 hashing, the small spec syntaxes of the
// command line, table and JSON output, and opening the database for one command.
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <istream>
#include <ostream>

#include <fmt/format.h>

#include "app/provision_internal.h"
#include "storage/validate.h"

namespace trunkline::app::provision {

using base::Errc;
using base::fail;

namespace {
bool parseUint(std::string_view s, std::uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits "a:b:c" on ':' outside [brackets].
std::vector<std::string_view> splitColons(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[') ++depth;
    if (s[i] == ']') --depth;
    if (s[i] == ':' && depth == 0) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

// "prio=1" / "weight=10" parameters shared by gateway and carrier specs.
base::Result<void> applyParam(std::string_view spec, std::string_view param,
                              std::uint32_t& priority, std::uint32_t& weight) {
  auto eq = param.find('=');
  auto key = param.substr(0, eq);
  auto value = eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
  const bool isPriority = key == "prio" || key == "priority";
  if (!isPriority && key != "weight")
    return fail(Errc::InvalidArgument,
                fmt::format("'{}': unknown parameter '{}' (known: prio, weight)", spec, key));
  std::uint32_t n = 0;
  if (!parseUint(value, n))
    return fail(Errc::InvalidArgument,
                fmt::format("'{}': '{}' needs a number (prio=N or weight=N)", spec, param));
  (isPriority ? priority : weight) = n;
  return {};
}
}  // namespace

std::string ha1(std::string_view algorithm, std::string_view username, std::string_view realm,
                std::string_view password) {
  const EVP_MD* md = algorithm == "MD5" ? EVP_md5() : EVP_sha256();
  const std::string input = fmt::format("{}:{}:{}", username, realm, password);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, md, nullptr);
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

storage::DigestCredential makeCredential(std::string username, std::string realm,
                                         std::string_view password) {
  storage::DigestCredential c;
  c.ha1Md5 = ha1("MD5", username, realm, password);
  c.ha1Sha256 = ha1("SHA-256", username, realm, password);
  c.username = std::move(username);
  c.realm = std::move(realm);
  return c;
}

base::Result<std::string> readPasswordLine(std::istream& in) {
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.empty()) return fail(Errc::InvalidArgument, "no password on standard input");
  return line;
}

base::Result<storage::Gateway> parseGatewaySpec(std::string_view spec) {
  auto parts = splitColons(spec);
  storage::Gateway g;
  if (parts.size() < 2)
    return fail(Errc::InvalidArgument,
                fmt::format("bad gateway '{}': expected TRANSPORT:HOST[:PORT][:prio=N][:weight=N], "
                            "e.g. udp:198.51.100.7:5060:prio=1:weight=10",
                            spec));
  auto t = storage::parseTransport(parts[0]);
  if (!t)
    return fail(Errc::InvalidArgument,
                fmt::format("bad gateway '{}': transport must be udp, tcp or tls", spec));
  g.transport = *t;
  g.host = std::string(parts[1]);
  if (g.host.size() > 2 && g.host.front() == '[' && g.host.back() == ']')
    g.host = g.host.substr(1, g.host.size() - 2);
  if (g.transport == storage::Transport::Tls) g.port = 5061;
  std::size_t i = 2;
  if (i < parts.size() && parts[i].find('=') == std::string_view::npos) {
    std::uint32_t port = 0;
    if (!parseUint(parts[i], port) || port == 0 || port > 65535)
      return fail(Errc::InvalidArgument,
                  fmt::format("bad gateway '{}': port '{}' is not 1-65535", spec, parts[i]));
    g.port = static_cast<std::uint16_t>(port);
    ++i;
  }
  for (; i < parts.size(); ++i)
    if (auto r = applyParam(spec, parts[i], g.priority, g.weight); !r)
      return tl::unexpected(r.error());
  return g;
}

base::Result<CarrierRef> parseCarrierRef(std::string_view spec) {
  auto parts = splitColons(spec);
  CarrierRef ref;
  ref.name = std::string(parts[0]);
  if (auto r = storage::validateName("carrier", ref.name); !r) return tl::unexpected(r.error());
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (auto r = applyParam(spec, parts[i], ref.priority, ref.weight); !r)
      return tl::unexpected(r.error());
  return ref;
}

base::Result<BackupRef> parseBackupSpec(std::string_view spec) {
  auto colon = spec.find(':');
  auto kind = spec.substr(0, colon);
  BackupRef b;
  if (colon != std::string_view::npos) b.value = std::string(spec.substr(colon + 1));
  if (kind == "trunk" && !b.value.empty()) {
    b.kind = storage::BackupDestination::Kind::Trunk;
  } else if (kind == "external" && !b.value.empty()) {
    b.kind = storage::BackupDestination::Kind::External;
  } else {
    return fail(Errc::InvalidArgument,
                fmt::format("bad backup '{}': expected trunk:NAME or external:+E164", spec));
  }
  return b;
}

std::vector<std::string> splitComma(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto p = s.find(',');
    auto item = s.substr(0, p);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

base::Result<std::vector<int>> parseCodes(std::string_view list) {
  std::vector<int> codes;
  for (const auto& item : splitComma(list)) {
    std::uint32_t n = 0;
    if (!parseUint(item, n))
      return fail(Errc::InvalidArgument, fmt::format("bad response code '{}'", item));
    codes.push_back(static_cast<int>(n));
  }
  return codes;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      s += cells[i];
      if (i + 1 < cells.size()) s += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
}

nlohmann::json toJson(const storage::Account& a) {
  return {{"id", a.id}, {"name", a.name}, {"country", a.country}, {"enabled", a.enabled}};
}

nlohmann::json toJson(const storage::Trunk& t, const std::string& account) {
  nlohmann::json creds = nlohmann::json::array();
  for (const auto& c : t.credentials)
    creds.push_back({{"username", c.username}, {"realm", c.realm}});
  return {{"id", t.id},
          {"account", account},
          {"name", t.name},
          {"enabled", t.enabled},
          {"ips", t.allowedCidrs},
          {"credentials", creds},
          {"registration", t.registration},
          {"host", t.host},
          {"port", t.port},
          {"transport", storage::transportName(t.transport)},
          {"channels", t.channelLimit},
          {"cps", t.cpsLimit},
          {"codecs", t.codecs},
          {"caller_id_policy", storage::callerIdPolicyName(t.callerIdPolicy)},
          {"fixed_caller_id", t.fixedCallerId},
          {"max_duration", t.maxDurationS},
          {"srtp", storage::srtpPolicyName(t.srtp)}};
}

nlohmann::json toJson(const storage::Carrier& c) {
  nlohmann::json gws = nlohmann::json::array();
  for (const auto& g : c.gateways)
    gws.push_back({{"host", g.host},
                   {"port", g.port},
                   {"transport", storage::transportName(g.transport)},
                   {"priority", g.priority},
                   {"weight", g.weight}});
  nlohmann::json j = {{"id", c.id},
                      {"name", c.name},
                      {"enabled", c.enabled},
                      {"gateways", gws},
                      {"inbound_ips", c.inboundCidrs},
                      {"probe_interval", c.probeIntervalS},
                      {"srtp", storage::srtpPolicyName(c.srtp)}};
  if (c.credential)
    j["credential"] = {{"username", c.credential->username}, {"realm", c.credential->realm}};
  return j;
}

void Runner::run(const std::string& dataDir,
                 const std::function<base::Result<void>(Session&)>& body) {
  auto fail = [&](const std::string& message) {
    err << "trunkline: " << message << '\n';
    ProvisionAccess::finish(*result, 1);
  };
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) return fail(fmt::format("{}: cannot create data directory: {}", dataDir, ec.message()));
  // No DataDir lock: the running server holds it, and SQLite (WAL) serialises writers.
  auto db = storage::sqlite::Database::open(dataDir + "/trunkline.db");
  if (!db) return fail(db.error().message);
  Session s{out, err, std::move(*db), nullptr};
  s.store = std::make_unique<storage::sqlite::SqliteConfigStore>(*s.db);
  if (auto r = body(s); !r) return fail(r.error().message);
  ProvisionAccess::finish(*result, 0);
}

void addDataDir(CLI::App* cmd, std::string& dataDir) {
  cmd->add_option("-d,--data-dir", dataDir, "Data directory holding trunkline.db")
      ->capture_default_str();
}

base::Result<std::optional<storage::Id>> accountFilter(Session& s, const std::string& name) {
  if (name.empty()) return std::optional<storage::Id>{};
  auto a = s.store->findAccount(name);
  if (!a) return tl::unexpected(a.error());
  return std::optional<storage::Id>{a->id};
}

}  // namespace trunkline::app::provision
