// `trunkline provision apply FILE`: a whole setup described in TOML, applied in one
// transaction and matched by names, so that applying the same file again changes nothing.
// The format is documented in docs/provisioning.md (example: docs/examples/setup.toml).
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

#include "app/provision_internal.h"
#include "storage/validate.h"

namespace trunkline::app {
namespace {

using base::Errc;
using storage::Id;

// toml11 and this file's checks report through exceptions; applyProvisioning() is the
// boundary where they stop.
struct FileError {
  std::size_t line;
  std::string message;
};

[[noreturn]] void bad(const toml::value& v, std::string message) {
  throw FileError{v.location().line(), std::move(message)};
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

// Reads the keys of one table, remembering which were used so unknown keys are reported.
class Fields {
 public:
  Fields(const toml::value& table, std::string what) : table_(table), what_(std::move(what)) {
    if (!table.is_table()) bad(table, fmt::format("{} must be a table", what_));
  }
  std::size_t line() const { return table_.location().line(); }
  const toml::value* find(const std::string& key) {
    known_.insert(key);
    const auto& t = table_.as_table();
    auto it = t.find(key);
    return it == t.end() ? nullptr : &it->second;
  }
  std::string str(const std::string& key, std::optional<std::string> def = std::nullopt) {
    const auto* v = find(key);
    if (!v) {
      if (!def) bad(table_, fmt::format("{}: '{}' is required", what_, key));
      return *def;
    }
    if (!v->is_string())
      bad(*v, fmt::format("{}: '{}' must be a string, not {}", what_, key, typeName(*v)));
    return v->as_string().str;
  }
  std::uint32_t uint(const std::string& key, std::uint32_t def, std::uint32_t max = UINT32_MAX) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_integer())
      bad(*v, fmt::format("{}: '{}' must be an integer, not {}", what_, key, typeName(*v)));
    const auto n = v->as_integer();
    if (n < 0 || static_cast<std::uint64_t>(n) > max)
      bad(*v, fmt::format("{}: '{}' = {} is out of range [0, {}]", what_, key, n, max));
    return static_cast<std::uint32_t>(n);
  }
  bool boolean(const std::string& key, bool def) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_boolean())
      bad(*v, fmt::format("{}: '{}' must be true or false, not {}", what_, key, typeName(*v)));
    return v->as_boolean();
  }
  const toml::array* array(const std::string& key) {
    const auto* v = find(key);
    if (!v) return nullptr;
    if (!v->is_array())
      bad(*v, fmt::format("{}: '{}' must be an array, not {}", what_, key, typeName(*v)));
    return &v->as_array();
  }
  std::vector<std::string> strings(const std::string& key) {
    std::vector<std::string> out;
    if (const auto* a = array(key))
      for (const auto& v : *a) {
        if (!v.is_string()) bad(v, fmt::format("{}: '{}' must hold strings", what_, key));
        out.push_back(v.as_string().str);
      }
    return out;
  }
  void done() const {
    for (const auto& [key, v] : table_.as_table())
      if (!known_.contains(key)) {
        std::string list;
        for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
        bad(v, fmt::format("{}: unknown key '{}' (known: {})", what_, key, list));
      }
  }

 private:
  const toml::value& table_;
  std::string what_;
  std::set<std::string> known_;
};

struct AccountSpec {
  std::size_t line;
  storage::Account a;
};
struct TrunkSpec {
  std::size_t line;
  std::string account;
  storage::Trunk t;
};
struct CarrierSpec {
  std::size_t line;
  storage::Carrier c;
};
struct RouteSpec {
  std::size_t line;
  storage::Route r;
  std::vector<provision::CarrierRef> carriers;
};
struct NumberSpec {
  std::size_t line;
  std::string account, trunk;
  std::vector<provision::BackupRef> backups;
  storage::Number n;
};

struct Setup {
  std::vector<AccountSpec> accounts;
  std::vector<TrunkSpec> trunks;
  std::vector<CarrierSpec> carriers;
  std::vector<RouteSpec> routes;
  std::vector<NumberSpec> numbers;
};

storage::DigestCredential readCredential(const toml::value& v, const std::string& what,
                                         std::optional<std::string> defaultRealm) {
  Fields f(v, what);
  auto username = f.str("username");
  auto realm = f.str("realm", defaultRealm);
  const auto* password = f.find("password");
  storage::DigestCredential c;
  if (password) {
    if (!password->is_string()) bad(*password, what + ": 'password' must be a string");
    c = provision::makeCredential(username, realm, password->as_string().str);
  } else {
    c.username = username;
    c.realm = realm;
    c.ha1Md5 = f.str("ha1_md5");
    c.ha1Sha256 = f.str("ha1_sha256");
  }
  f.find("ha1_md5");
  f.find("ha1_sha256");
  f.done();
  return c;
}

template <class T>
T unwrap(const toml::value& where, base::Result<T> r) {
  if (!r) bad(where, r.error().message);
  return std::move(*r);
}

/// `srtp = "off" | "offer" | "required"` (default off).
storage::SrtpPolicy srtpPolicy(Fields& f) {
  const auto text = f.str("srtp", "off");
  auto p = storage::parseSrtpPolicy(text);
  if (!p) bad(*f.find("srtp"), fmt::format("srtp must be off, offer or required, not '{}'", text));
  return *p;
}

const toml::array& section(const toml::value& root, const char* key) {
  static const toml::array kEmpty;
  const auto& t = root.as_table();
  auto it = t.find(key);
  if (it == t.end()) return kEmpty;
  if (!it->second.is_array())
    bad(it->second, fmt::format("'{}' must be an array of tables: write [[{}]]", key, key));
  return it->second.as_array();
}

Setup parseSetup(const toml::value& root) {
  static const std::set<std::string> kSections = {"accounts", "trunks", "carriers", "routes",
                                                  "numbers"};
  for (const auto& [key, v] : root.as_table())
    if (!kSections.contains(key))
      bad(v, fmt::format("unknown section '{}' (known: accounts, trunks, carriers, routes, "
                         "numbers)",
                         key));
  Setup s;
  for (const auto& v : section(root, "accounts")) {
    Fields f(v, "[[accounts]]");
    AccountSpec spec{f.line(), {}};
    spec.a.name = f.str("name");
    spec.a.country = f.str("country", "US");
    spec.a.enabled = f.boolean("enabled", true);
    f.done();
    s.accounts.push_back(std::move(spec));
  }
  for (const auto& v : section(root, "trunks")) {
    Fields f(v, "[[trunks]]");
    TrunkSpec spec{f.line(), f.str("account"), {}};
    auto& t = spec.t;
    t.name = f.str("name");
    t.enabled = f.boolean("enabled", true);
    t.allowedCidrs = f.strings("ips");
    if (const auto* creds = f.array("credentials"))
      for (const auto& c : *creds)
        t.credentials.push_back(readCredential(c, "credential", "trunkline"));
    t.registration = f.boolean("registration", false);
    t.host = f.str("host", "");
    t.port = static_cast<std::uint16_t>(f.uint("port", 5060, 65535));
    auto transport = f.str("transport", "udp");
    auto parsed = storage::parseTransport(transport);
    if (!parsed) bad(*f.find("transport"), "transport must be udp, tcp or tls");
    t.transport = *parsed;
    t.channelLimit = f.uint("channels", 0);
    t.cpsLimit = f.uint("cps", 0);
    t.codecs = f.strings("codecs");
    auto policy = f.str("caller_id_policy", "passthrough");
    auto p = storage::parseCallerIdPolicy(policy);
    if (!p)
      bad(*f.find("caller_id_policy"), "caller_id_policy must be passthrough, fixed or account");
    t.callerIdPolicy = *p;
    t.fixedCallerId = f.str("fixed_caller_id", "");
    t.maxDurationS = f.uint("max_duration", 0);
    t.srtp = srtpPolicy(f);
    f.done();
    s.trunks.push_back(std::move(spec));
  }
  for (const auto& v : section(root, "carriers")) {
    Fields f(v, "[[carriers]]");
    CarrierSpec spec{f.line(), {}};
    auto& c = spec.c;
    c.name = f.str("name");
    c.enabled = f.boolean("enabled", true);
    if (const auto* gws = f.array("gateways"))
      for (const auto& g : *gws) {
        if (g.is_string()) {
          c.gateways.push_back(unwrap(g, provision::parseGatewaySpec(g.as_string().str)));
          continue;
        }
        Fields gf(g, "gateway");
        storage::Gateway gw;
        gw.host = gf.str("host");
        auto tr = storage::parseTransport(gf.str("transport", "udp"));
        if (!tr) bad(g, "gateway transport must be udp, tcp or tls");
        gw.transport = *tr;
        gw.port = static_cast<std::uint16_t>(
            gf.uint("port", gw.transport == storage::Transport::Tls ? 5061 : 5060, 65535));
        gw.priority = gf.uint("priority", 1);
        gw.weight = gf.uint("weight", 1);
        gf.done();
        c.gateways.push_back(gw);
      }
    if (const auto* cred = f.find("credential"))
      c.credential = readCredential(*cred, "carrier credential", std::nullopt);
    c.inboundCidrs = f.strings("inbound_ips");
    c.probeIntervalS = f.uint("probe_interval", 30);
    c.downAfter = f.uint("down_after", 3);
    c.upAfter = f.uint("up_after", 2);
    c.srtp = srtpPolicy(f);
    f.done();
    s.carriers.push_back(std::move(spec));
  }
  for (const auto& v : section(root, "routes")) {
    Fields f(v, "[[routes]]");
    RouteSpec spec{f.line(), {}, {}};
    spec.r.prefix = f.str("prefix");
    if (const auto* cs = f.array("carriers"))
      for (const auto& c : *cs) {
        if (c.is_string()) {
          spec.carriers.push_back(unwrap(c, provision::parseCarrierRef(c.as_string().str)));
          continue;
        }
        Fields cf(c, "route carrier");
        provision::CarrierRef ref;
        ref.name = cf.str("name");
        ref.priority = cf.uint("priority", 1);
        ref.weight = cf.uint("weight", 1);
        cf.done();
        spec.carriers.push_back(ref);
      }
    if (const auto* codes = f.array("failover_codes"))
      for (const auto& c : *codes) {
        if (!c.is_integer()) bad(c, "failover_codes must hold integers");
        spec.r.failoverCodes.push_back(static_cast<int>(c.as_integer()));
      }
    spec.r.ringTimeoutS = f.uint("ring_timeout", 60);
    f.done();
    s.routes.push_back(std::move(spec));
  }
  for (const auto& v : section(root, "numbers")) {
    Fields f(v, "[[numbers]]");
    NumberSpec spec{f.line(), f.str("account"), f.str("trunk"), {}, {}};
    spec.n.e164 = f.str("e164");
    spec.n.ringTimeoutS = f.uint("ring_timeout", 30);
    if (const auto* bs = f.array("backups"))
      for (const auto& b : *bs) {
        if (!b.is_string()) bad(b, "backups must hold strings: trunk:NAME or external:+E164");
        spec.backups.push_back(unwrap(b, provision::parseBackupSpec(b.as_string().str)));
      }
    f.done();
    s.numbers.push_back(std::move(spec));
  }
  return s;
}

// Canonical forms for comparing a desired entity with the stored one: ids of children
// are the store's business, not the file's.
template <class T>
T stripIds(T v) {
  return v;
}
storage::Trunk stripIds(storage::Trunk t) {
  for (auto& c : t.credentials) c.id = 0;
  return t;
}
storage::Carrier stripIds(storage::Carrier c) {
  for (auto& g : c.gateways) g.id = 0;
  if (c.credential) c.credential->id = 0;
  return c;
}

class Applier {
 public:
  Applier(storage::ConfigStore& store, std::string name) : store_(store), name_(std::move(name)) {}

  base::Result<void> apply(const Setup& s) {
    for (const auto& a : s.accounts)
      if (auto r = account(a); !r) return at(a.line, r.error());
    for (const auto& c : s.carriers)
      if (auto r = carrier(c); !r) return at(c.line, r.error());
    for (const auto& t : s.trunks)
      if (auto r = trunk(t); !r) return at(t.line, r.error());
    for (const auto& r : s.routes)
      if (auto x = route(r); !x) return at(r.line, x.error());
    for (const auto& n : s.numbers)
      if (auto r = number(n); !r) return at(n.line, r.error());
    return {};
  }
  ApplyReport report;

 private:
  base::Result<void> at(std::size_t line, const base::Error& e) {
    return base::fail(e.code, fmt::format("{}:{}: {}", name_, line, e.message));
  }

  // Creates, updates or leaves `desired` (already carrying the stored id when found).
  template <class T, class Add, class Update>
  base::Result<void> upsert(const std::string& label, T desired, const std::optional<T>& existing,
                            Add add, Update update) {
    if (auto r = storage::normalize(desired); !r) return r;
    if (!existing) {
      auto id = add(desired);
      if (!id) return tl::unexpected(id.error());
      ++report.created;
      report.changes.push_back("created " + label);
      return {};
    }
    desired.id = existing->id;
    if (stripIds(desired) == stripIds(*existing)) {
      ++report.unchanged;
      return {};
    }
    if (auto r = update(desired); !r) return r;
    ++report.updated;
    report.changes.push_back("updated " + label);
    return {};
  }

  template <class T>
  static std::optional<T> found(base::Result<T> r, base::Error& error) {
    if (r) return std::move(*r);
    if (r.error().code != Errc::NotFound) error = r.error();
    return std::nullopt;
  }

  base::Result<void> account(const AccountSpec& spec) {
    base::Error e{Errc::NotFound, ""};
    auto existing = found(store_.findAccount(spec.a.name), e);
    if (e.code != Errc::NotFound) return tl::unexpected(e);
    return upsert(
        "account " + spec.a.name, spec.a, existing,
        [&](const storage::Account& a) { return store_.addAccount(a); },
        [&](const storage::Account& a) { return store_.updateAccount(a); });
  }

  base::Result<void> carrier(const CarrierSpec& spec) {
    base::Error e{Errc::NotFound, ""};
    auto existing = found(store_.findCarrier(spec.c.name), e);
    if (e.code != Errc::NotFound) return tl::unexpected(e);
    return upsert(
        "carrier " + spec.c.name, spec.c, existing,
        [&](const storage::Carrier& c) { return store_.addCarrier(c); },
        [&](const storage::Carrier& c) { return store_.updateCarrier(c); });
  }

  base::Result<void> trunk(const TrunkSpec& spec) {
    auto account = store_.findAccount(spec.account);
    if (!account) return tl::unexpected(account.error());
    storage::Trunk t = spec.t;
    t.accountId = account->id;
    base::Error e{Errc::NotFound, ""};
    auto existing = found(store_.findTrunk(account->id, t.name), e);
    if (e.code != Errc::NotFound) return tl::unexpected(e);
    return upsert(
        "trunk " + spec.account + "/" + t.name, t, existing,
        [&](const storage::Trunk& x) { return store_.addTrunk(x); },
        [&](const storage::Trunk& x) { return store_.updateTrunk(x); });
  }

  base::Result<void> route(const RouteSpec& spec) {
    storage::Route r = spec.r;
    for (const auto& ref : spec.carriers) {
      auto c = store_.findCarrier(ref.name);
      if (!c) return tl::unexpected(c.error());
      r.targets.push_back({c->id, ref.priority, ref.weight});
    }
    base::Error e{Errc::NotFound, ""};
    auto existing = found(store_.findRoute(r.prefix), e);
    if (e.code != Errc::NotFound) return tl::unexpected(e);
    return upsert(
        r.prefix.empty() ? std::string("default route") : "route " + r.prefix, r, existing,
        [&](const storage::Route& x) { return store_.addRoute(x); },
        [&](const storage::Route& x) { return store_.updateRoute(x); });
  }

  base::Result<void> number(const NumberSpec& spec) {
    auto account = store_.findAccount(spec.account);
    if (!account) return tl::unexpected(account.error());
    auto t = store_.findTrunk(account->id, spec.trunk);
    if (!t) return tl::unexpected(t.error());
    storage::Number n = spec.n;
    n.accountId = account->id;
    n.trunkId = t->id;
    for (const auto& b : spec.backups) {
      storage::BackupDestination d;
      d.kind = b.kind;
      if (b.kind == storage::BackupDestination::Kind::Trunk) {
        auto bt = store_.findTrunk(account->id, b.value);
        if (!bt) return tl::unexpected(bt.error());
        d.trunkId = bt->id;
      } else {
        d.number = b.value;
      }
      n.backups.push_back(d);
    }
    base::Error e{Errc::NotFound, ""};
    auto existing = found(store_.findNumber(n.e164), e);
    if (e.code != Errc::NotFound) return tl::unexpected(e);
    return upsert(
        "number " + n.e164, n, existing,
        [&](const storage::Number& x) { return store_.addNumber(x); },
        [&](const storage::Number& x) { return store_.updateNumber(x); });
  }

  storage::ConfigStore& store_;
  std::string name_;
};

// The same entity twice in one file is a mistake, not an update.
void checkDuplicates(const Setup& s) {
  auto check = [](std::map<std::string, std::size_t>& seen, const std::string& key,
                  std::size_t line, const std::string& what) {
    auto [it, inserted] = seen.emplace(key, line);
    if (!inserted)
      throw FileError{line, fmt::format("{} is already defined at line {}", what, it->second)};
  };
  std::map<std::string, std::size_t> a, t, c, r, n;
  for (const auto& x : s.accounts) check(a, x.a.name, x.line, "account '" + x.a.name + "'");
  for (const auto& x : s.trunks)
    check(t, x.account + "/" + x.t.name, x.line, "trunk '" + x.account + "/" + x.t.name + "'");
  for (const auto& x : s.carriers) check(c, x.c.name, x.line, "carrier '" + x.c.name + "'");
  for (const auto& x : s.routes) check(r, x.r.prefix, x.line, "route '" + x.r.prefix + "'");
  for (const auto& x : s.numbers) check(n, x.n.e164, x.line, "number " + x.n.e164);
}

// toml11's messages are multi-line with a source excerpt; keep the first line's text.
std::string firstLine(std::string_view what) {
  std::string_view line = what.substr(0, what.find('\n'));
  if (line.starts_with("[error] ")) line.remove_prefix(8);
  return std::string(line);
}

}  // namespace

base::Result<ApplyReport> applyProvisioning(storage::ConfigStore& store, const std::string& text,
                                            const std::string& name) {
  Setup setup;
  try {
    std::istringstream in(text);
    const auto root = toml::parse(in, name);
    setup = parseSetup(root);
    checkDuplicates(setup);
  } catch (const FileError& e) {
    return base::fail(Errc::Config, fmt::format("{}:{}: {}", name, e.line, e.message));
  } catch (const toml::exception& e) {
    return base::fail(Errc::Config,
                      fmt::format("{}:{}: {}", name, e.location().line(), firstLine(e.what())));
  } catch (const std::exception& e) {
    return base::fail(Errc::Config, fmt::format("{}: {}", name, firstLine(e.what())));
  }
  Applier applier(store, name);
  if (auto r = store.transaction([&] { return applier.apply(setup); }); !r)
    return tl::unexpected(r.error());
  return applier.report;
}

base::Result<ApplyReport> applyProvisioningFile(storage::ConfigStore& store,
                                                const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return base::fail(Errc::Config, fmt::format("{}: cannot open file", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return applyProvisioning(store, ss.str(), path);
}

}  // namespace trunkline::app
