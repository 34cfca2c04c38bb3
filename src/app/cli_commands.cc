// The API-backed CLI: choosing the transport, requests with lookups, option registration.
#include "app/cli_commands.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "app/cli_offline.h"
#include "ops/config.h"

namespace trunkline::app::cli {
namespace {

// Lists longer than this many pages are cut (500 items a page: a million entries).
constexpr int kMaxPages = 2000;

Failure unreachable(const std::string& message) {
  return Failure{kExitUnreachable, "error: " + message};
}

// Whether a node answers on the control socket at `path`: 1 yes, 0 no node (no file,
// or a file left by a node that stopped), -1 refused to us (errno kept in `why`).
int probeSocket(const std::string& path, std::string& why) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) {
    why = "path too long for a socket";
    return -1;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  const int e = errno;
  ::close(fd);
  if (rc == 0) return 1;
  if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR) return 0;
  why = std::strerror(e);
  return -1;
}

Outcome<std::string> readKey(const Connection& c) {
  if (!c.keyFile.empty()) {
    std::ifstream f(c.keyFile);
    if (!f)
      return tl::unexpected(
          Failure{1, fmt::format("error: {}: cannot read the key file", c.keyFile)});
    std::string key;
    std::getline(f, key);
    while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
    return key;
  }
  if (const char* env = std::getenv("TRUNKLINE_API_KEY")) return std::string(env);
  return std::string();
}

}  // namespace

Outcome<std::unique_ptr<ApiTransport>> connect(const Connection& c) {
  std::string dataDir = c.dataDir;
  std::string socket = c.socketPath;
  std::string realm = "trunkline";
  if (!c.configPath.empty()) {
    auto cfg = ops::loadConfig(c.configPath);
    if (!cfg) return tl::unexpected(Failure{2, "error: " + cfg.error().message});
    dataDir = cfg->dataDir;
    realm = cfg->sip.realm;
    if (socket.empty()) socket = ops::controlSocketPath(*cfg);
  }
  std::string url = c.apiUrl;
  if (url.empty() && !c.offline)
    if (const char* env = std::getenv("TRUNKLINE_API")) url = env;
  if (!url.empty()) {
    auto ep = parseEndpoint(url);
    if (!ep) return tl::unexpected(Failure{2, "error: --api " + ep.error().message});
    auto key = readKey(c);
    if (!key) return tl::unexpected(key.error());
    ClientOptions o;
    o.apiKey = ep->kind == Endpoint::Kind::Unix ? std::string() : *key;
    o.caFile = c.caFile;
    o.insecure = c.insecure;
    o.timeout = std::chrono::seconds(c.timeoutS);
    return makeSocketTransport(*ep, o);
  }
  if (!c.offline) {
    if (socket.empty()) socket = dataDir + "/trunkline.sock";
    std::string why;
    switch (probeSocket(socket, why)) {
      case 1: {
        ClientOptions o;
        o.timeout = std::chrono::seconds(c.timeoutS);
        return makeSocketTransport(Endpoint{Endpoint::Kind::Unix, socket, "", 0, ""}, o);
      }
      case 0: break;  // no node running: work on the database
      default:
        return tl::unexpected(unreachable(fmt::format(
            "cannot use the node's control socket {}: {} (run as the node's user or root, "
            "or use --api URL with an API key)",
            socket, why)));
    }
  }
  auto t = makeOfflineTransport(dataDir, realm);
  if (!t) return tl::unexpected(Failure{2, "error: " + t.error().message});
  return std::move(*t);
}

Outcome<Json> Context::call(const std::string& method, const std::string& target,
                            const Json* body) {
  // A JSON string is a raw body (a CSV file); the transports label it text/csv.
  const std::string text =
      body ? (body->is_string() ? body->get<std::string>() : body->dump()) : std::string();
  auto reply = api_.send(method, target, text);
  if (!reply)
    return tl::unexpected(
        unreachable(fmt::format("{} unreachable: {}", api_.describe(), reply.error().message)));
  if (reply->status < 200 || reply->status >= 300)
    return tl::unexpected(Failure{exitCodeFor(reply->status), describeFailure(*reply)});
  if (reply->body.empty()) return Json();
  auto j = Json::parse(reply->body, nullptr, false);
  if (j.is_discarded())
    return tl::unexpected(
        Failure{3, fmt::format("error: {} {}: the answer is not JSON", method, target)});
  return j;
}

Outcome<Json> Context::listAll(const std::string& path, const std::string& query) {
  Json all = Json::array();
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    std::string target = path + "?limit=500";
    if (!query.empty()) target += "&" + query;
    if (!cursor.empty()) target += "&cursor=" + urlEncode(cursor);
    auto j = call("GET", target);
    if (!j) return j;
    if (!j->is_object() || !(*j)["items"].is_array())
      return tl::unexpected(Failure{3, fmt::format("error: GET {}: no items in the answer", path)});
    for (auto& item : (*j)["items"]) all.push_back(std::move(item));
    const auto next = j->find("next_cursor");
    if (next == j->end() || !next->is_string()) return all;
    cursor = next->get<std::string>();
  }
  return all;
}

Outcome<Json> Context::findBy(const std::string& path, const std::string& field,
                              const std::string& value, const std::string& what) {
  auto all = listAll(path);
  if (!all) return all;
  for (const auto& item : *all) {
    const auto it = item.find(field);
    if (it != item.end() && it->is_string() && it->get<std::string>() == value) return item;
  }
  return tl::unexpected(Failure{1, fmt::format("error: no {}", what)});
}

std::string Context::nameOf(const std::string& path, const Json& id) {
  if (!id.is_number_integer() || id.get<std::int64_t>() == 0) return "-";
  auto it = lists_.find(path);
  if (it == lists_.end()) {
    auto all = listAll(path);
    it = lists_.emplace(path, all ? *all : Json::array()).first;
  }
  for (const auto& item : it->second)
    if (item.value("id", Json()) == id && item.contains("name") && item["name"].is_string())
      return item["name"].get<std::string>();
  return id.dump();
}

namespace {
std::string keyOf(const std::string& name) {
  const std::size_t comma = name.rfind(',');
  return comma == std::string::npos ? name : name.substr(comma + 1);
}
}  // namespace

bool Values::has(const std::string& o) const {
  if (auto it = one.find(o); it != one.end()) return !it->second.empty();
  if (auto it = many.find(o); it != many.end()) return !it->second.empty();
  if (auto it = flags.find(o); it != flags.end()) return it->second;
  return false;
}

std::string Values::get(const std::string& o, const std::string& fallback) const {
  auto it = one.find(o);
  return it == one.end() || it->second.empty() ? fallback : it->second;
}

const std::vector<std::string>& Values::list(const std::string& o) const {
  static const std::vector<std::string> kNone;
  auto it = many.find(o);
  return it == many.end() ? kNone : it->second;
}

bool Values::flag(const std::string& o) const {
  auto it = flags.find(o);
  return it != flags.end() && it->second;
}

Json numberOrText(const std::string& v) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc() && p == v.data() + v.size() && !v.empty()) return n;
  return v;
}

void printItems(Context& ctx, const Values& v, const std::vector<Column>& columns,
                const Json& items) {
  if (v.json)
    ctx.out << items.dump(2) << '\n';
  else
    ctx.out << renderItems(columns, items);
}

std::shared_ptr<CommandResult> addApiCommands(CLI::App& app, std::ostream& out, std::ostream& err) {
  auto result = std::make_shared<CommandResult>();
  for (auto& g : apiGroups()) {
    CLI::App* group = nullptr;
    for (auto* existing : app.get_subcommands([](CLI::App*) { return true; }))
      if (existing->get_name() == g.name) group = existing;
    const bool bare = g.leaves.size() == 1 && g.leaves[0].name.empty();  // `trunkline cdrs`
    if (!group) {
      group = app.add_subcommand(g.name, g.help);
      if (!bare) group->require_subcommand(1);
    }
    for (auto& leaf : g.leaves) {
      auto* cmd = bare ? group : group->add_subcommand(leaf.name, leaf.help);
      auto values = std::make_shared<Values>();
      auto conn = std::make_shared<Connection>();
      for (const auto& o : leaf.opts) {
        const std::string key = keyOf(o.name);
        CLI::Option* opt = nullptr;
        switch (o.kind) {
          case Opt::Kind::Text: opt = cmd->add_option(o.name, values->one[key], o.help); break;
          case Opt::Kind::List: opt = cmd->add_option(o.name, values->many[key], o.help); break;
          case Opt::Kind::Flag: opt = cmd->add_flag(o.name, values->flags[key], o.help); break;
        }
        if (o.required) opt->required();
      }
      if (leaf.json) cmd->add_flag("--json", values->json, "The API's JSON instead of a table");
      cmd->add_option("-d,--data-dir", conn->dataDir,
                      "Data directory of the node: its control socket trunkline.sock, or "
                      "its database when no node runs there")
          ->capture_default_str();
      cmd->add_option("-c,--config", conn->configPath,
                      "Node config file: take the data directory and control socket from it");
      cmd->add_option("--socket", conn->socketPath, "The node's control socket (AF_UNIX path)");
      cmd->add_option("--api", conn->apiUrl,
                      "Remote API, http(s)://HOST:PORT (key from TRUNKLINE_API_KEY or "
                      "--key-file); also TRUNKLINE_API");
      cmd->add_option("--key-file", conn->keyFile, "File whose first line is the API key");
      cmd->add_option("--ca-file", conn->caFile, "https: trust this CA (PEM) for the node");
      cmd->add_flag("--offline", conn->offline,
                    "Work on the database directly, without a running node");
      cmd->add_option("--timeout", conn->timeoutS, "Seconds to wait for the node")
          ->capture_default_str();
      cmd->callback([result, values, conn, run = leaf.run, &out, &err] {
        result->ran = true;
        auto transport = connect(*conn);
        if (!transport) {
          err << transport.error().message << '\n';
          result->exitCode = transport.error().exitCode;
          return;
        }
        Context ctx(**transport, out, err);
        auto r = run(ctx, *values);
        if (!r) {
          err << r.error().message << '\n';
          result->exitCode = r.error().exitCode;
        }
      });
    }
  }
  return result;
}

}  // namespace trunkline::app::cli
