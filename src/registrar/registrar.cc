#include "registrar/registrar.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "base/assert.h"
#include "base/log.h"
#include "sip/message/builder.h"

namespace trunkline::registrar {

namespace {

using namespace std::chrono_literals;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool isSip(const sip::Uri& u) {
  return u.scheme == sip::UriScheme::Sip || u.scheme == sip::UriScheme::Sips;
}

/// The address-of-record of a To URI (§10.3 step 5 "canonicalized"): scheme, user,
/// lowercase host and explicit port; parameters and headers dropped.
std::string aorOf(const sip::Uri& u) {
  std::string aor = lower(u.schemeText);
  aor += ':';
  if (!u.user.empty()) {
    aor += u.user;
    aor += '@';
  }
  if (u.hostIsIpv6) {
    aor += '[' + lower(u.host) + ']';
  } else {
    aor += lower(u.host);
  }
  if (u.port != 0) aor += fmt::format(":{}", u.port);
  return aor;
}

/// qvalue (RFC 3261 §20.10): "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], in thousandths.
std::optional<std::uint16_t> parseQ(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int whole = v[0] - '0';
  int frac = 0;
  if (v.size() > 1) {
    if (v[1] != '.' || v.size() > 5) return std::nullopt;
    int scale = 100;
    for (char c : v.substr(2)) {
      if (c < '0' || c > '9') return std::nullopt;
      frac += (c - '0') * scale;
      scale /= 10;
    }
  }
  int q = whole * 1000 + frac;
  if (q > 1000) return std::nullopt;
  return static_cast<std::uint16_t>(q);
}

Reply reply(int code, std::string_view reason = {}, std::string headers = {}) {
  Reply r;
  r.code = code;
  r.reason = std::string(reason);
  r.headers = std::move(headers);
  return r;
}

bool sameContact(const std::string& stored, const sip::Uri& uri) {
  if (stored == uri.text) return true;
  auto parsed = sip::parseUri(stored);
  return parsed && sip::uriEquivalent(*parsed, uri);
}

bool differsFromSource(const sip::Uri& contact, const sip::Flow& from) {
  if (!from.remote.valid()) return false;
  if (!equalsNoCase(contact.host, from.remote.ip())) return true;
  if (from.kind != sip::TransportKind::Udp) return false;  // stream source ports are ephemeral
  std::uint16_t port = contact.port != 0                        ? contact.port
                       : contact.scheme == sip::UriScheme::Sips ? 5061
                                                                : 5060;
  return port != from.remote.port();
}

std::int64_t toMs(base::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string Reply::wire(const sip::SipMessage& request, std::string_view toTag) const {
  return sip::makeResponse(request, code, reason, toTag, headers);
}

/// One binding update planned from a REGISTER's Contact, applied only once every
/// Contact of the request passed the checks (§10.3: all or nothing).
struct Registrar::Change {
  sip::Uri uri;
  std::string params;  // Contact params minus expires
  std::uint16_t qMilli = 1000;
  std::uint32_t expiresS = 0;
  const Entry* existing = nullptr;
};

Registrar::Registrar(RegistrarConfig config, base::TimerQueue& timers,
                     const sip::DigestServer& digest, const TrunkDirectory& directory,
                     BindingPersistence* persistence)
    : config_(config),
      timers_(timers),
      digest_(digest),
      directory_(directory),
      persistence_(persistence) {
  TL_RELEASE_ASSERT(config_.minExpiresS <= config_.maxExpiresS);
}

Registrar::~Registrar() {
  for (auto& [trunk, entries] : table_)
    for (auto& e : entries) timers_.cancel(e.timer);
}

Reply Registrar::handle(const sip::SipMessage& request, const sip::Flow& from,
                        const storage::Trunk* identified) {
  ++counters_.requests;
  if (!request.isRequest() || request.method() != sip::Method::Register) {
    ++counters_.badRequests;
    return reply(405, {}, "Allow: REGISTER\r\n");
  }
  if (auto valid = request.validate(); !valid) {
    ++counters_.badRequests;
    return reply(400, valid.error().text());
  }
  // §10.3 step 2: we support no extension a REGISTER could require.
  if (const auto* require = request.header(sip::HeaderId::Require)) {
    ++counters_.badRequests;
    return reply(420, {}, fmt::format("Unsupported: {}\r\n", require->value));
  }

  // Step 3: authentication (unless the caller identified the trunk by other means).
  const storage::Trunk* trunk = identified;
  if (trunk == nullptr) {
    std::vector<std::pair<std::int64_t, const storage::Trunk*>> candidates;
    auto lookup = [&](std::string_view username,
                      std::string_view realm) -> std::optional<sip::StoredHa1> {
      const storage::Trunk* t = directory_.findByCredential(username, realm);
      if (t == nullptr) return std::nullopt;
      for (const auto& c : t->credentials) {
        if (c.username != username || (!c.realm.empty() && c.realm != realm)) continue;
        candidates.emplace_back(c.id, t);
        return sip::StoredHa1{c.id, c.ha1Md5, c.ha1Sha256};
      }
      return std::nullopt;
    };
    auto auth = digest_.verify(request, lookup);
    if (auth.status != sip::AuthStatus::Ok) {
      ++counters_.challenged;
      TL_LOG_DEBUG("registrar: challenge REGISTER from {} ({})", from.remote.toString(),
                   auth.detail);
      return reply(
          401, {},
          digest_.challengeHeaders(sip::Method::Register, auth.status == sip::AuthStatus::Stale));
    }
    for (const auto& [id, t] : candidates)
      if (id == auth.credentialId) trunk = t;
    if (trunk == nullptr) {
      TL_BUG("registrar: verified credential without its trunk");
      return reply(500);
    }
  }
  // Step 4: authorisation. The trunk, not the AOR, is what is authorised: any AOR its
  // credentials register is the trunk's.
  if (!trunk->enabled || !trunk->registration) {
    ++counters_.forbidden;
    Reply r = reply(403, trunk->enabled ? "Not a registration trunk" : "Trunk disabled");
    r.trunkId = trunk->id;
    return r;
  }
  // Step 5: the AOR.
  if (!isSip(request.to().uri)) {
    ++counters_.badRequests;
    return reply(404, "Address-of-record must be a SIP URI");
  }
  Reply r = processContacts(request, from, trunk->id, aorOf(request.to().uri));
  r.trunkId = trunk->id;
  return r;
}

Reply Registrar::processContacts(const sip::SipMessage& request, const sip::Flow& from,
                                 storage::Id trunkId, const std::string& aor) {
  auto contacts = request.contacts();
  if (!contacts) {
    ++counters_.badRequests;
    return reply(400, contacts.error().text());
  }
  std::optional<std::uint32_t> headerExpires;
  if (const auto* h = request.header(sip::HeaderId::Expires)) {
    auto v = sip::parseDeltaSeconds(h->value);
    if (!v) {
      ++counters_.badRequests;
      return reply(400, "Bad Expires");
    }
    headerExpires = *v;
  }
  const std::string_view callId = request.callId();
  const std::uint32_t cseq = request.cseq().number;
  std::vector<Entry>* entries = entriesOf(trunkId);
  auto outOfOrder = [&](const Binding& b) {
    // Step 7: same Call-ID with a CSeq not above the binding's: a stale or reordered
    // request; the whole update fails.
    return b.callId == callId && cseq <= b.cseq;
  };

  // Step 6: "*" removes every binding of the AOR, only with Expires: 0 and alone.
  bool wildcard = std::any_of(contacts->begin(), contacts->end(),
                              [](const sip::NameAddr& n) { return n.wildcard; });
  if (wildcard) {
    if (contacts->size() != 1 || headerExpires != 0u) {
      ++counters_.badRequests;
      return reply(400, "Contact * needs Expires: 0 and no other Contact");
    }
    std::vector<std::string> doomed;
    if (entries != nullptr) {
      for (const auto& e : *entries) {
        if (e.binding.aor != aor) continue;
        if (outOfOrder(e.binding)) {
          ++counters_.badRequests;
          return reply(500, "Out of order CSeq");
        }
        doomed.push_back(e.binding.contact);
      }
    }
    for (const auto& contact : doomed) {
      erase(trunkId, aor, contact, true);
      ++counters_.removed;
    }
    return okWithBindings(trunkId, aor);
  }

  // Plan every Contact before changing anything.
  std::vector<Change> changes;
  changes.reserve(contacts->size());
  for (const auto& na : *contacts) {
    if (!isSip(na.uri)) {
      ++counters_.badRequests;
      return reply(400, "Contact must be a SIP URI");
    }
    Change c;
    c.uri = na.uri;
    std::optional<std::uint32_t> expires = headerExpires;
    for (const auto& p : na.params.all()) {
      if (equalsNoCase(p.name, "expires")) {
        auto v = sip::parseDeltaSeconds(p.value);
        if (!v) {
          ++counters_.badRequests;
          return reply(400, "Bad expires parameter");
        }
        expires = *v;
        continue;
      }
      if (equalsNoCase(p.name, "q")) {
        auto q = parseQ(p.value);
        if (!q) {
          ++counters_.badRequests;
          return reply(400, "Bad q parameter");
        }
        c.qMilli = *q;
      }
      c.params += ';';
      c.params += p.name;
      if (p.hasValue) {
        c.params += '=';
        c.params += p.value;
      }
    }
    c.expiresS = expires.value_or(config_.defaultExpiresS);
    if (c.expiresS != 0 && c.expiresS < config_.minExpiresS) {
      ++counters_.badRequests;
      return reply(423, {}, fmt::format("Min-Expires: {}\r\n", config_.minExpiresS));
    }
    c.expiresS = std::min(c.expiresS, config_.maxExpiresS);
    if (entries != nullptr) {
      for (const auto& e : *entries) {
        if (e.binding.aor == aor && sameContact(e.binding.contact, c.uri)) c.existing = &e;
      }
    }
    if (c.existing != nullptr && outOfOrder(c.existing->binding)) {
      ++counters_.badRequests;
      return reply(500, "Out of order CSeq");
    }
    // The same contact twice in one request: the later one wins.
    std::erase_if(changes, [&](const Change& o) { return sip::uriEquivalent(o.uri, c.uri); });
    changes.push_back(std::move(c));
  }
  std::size_t after = 0;
  if (entries != nullptr)
    after = std::count_if(entries->begin(), entries->end(),
                          [&](const Entry& e) { return e.binding.aor == aor; });
  for (const auto& c : changes) {
    if (c.existing == nullptr && c.expiresS > 0) ++after;
    if (c.existing != nullptr && c.expiresS == 0) --after;
  }
  if (after > config_.maxContactsPerAor) {
    ++counters_.forbidden;
    return reply(403, "Too many contacts");
  }

  // Apply (pointers into `entries` are not used past this point: erase/put move them).
  const auto now = timers_.clock().now();
  const auto wallMs = toMs(timers_.clock().wallNow());
  std::string_view userAgent;
  if (const auto* ua = request.header(sip::HeaderId::UserAgent)) userAgent = ua->value;
  struct Applied {
    std::string oldContact;
    bool existed;
  };
  std::vector<Applied> old;
  old.reserve(changes.size());
  for (const auto& c : changes)
    old.push_back(
        {c.existing ? c.existing->binding.contact : std::string(), c.existing != nullptr});
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    if (c.expiresS == 0) {
      if (old[i].existed) {
        erase(trunkId, aor, old[i].oldContact, true);
        ++counters_.removed;
      }
      continue;
    }
    if (old[i].existed && old[i].oldContact != c.uri.text) {
      erase(trunkId, aor, old[i].oldContact, true);  // re-registered in another spelling
    }
    Binding b;
    b.trunkId = trunkId;
    b.aor = aor;
    b.contact = std::string(c.uri.text);
    b.contactParams = c.params;
    b.qMilli = c.qMilli;
    b.flow = from;
    b.behindNat = differsFromSource(c.uri, from);
    b.callId = std::string(callId);
    b.cseq = cseq;
    b.expiresAt = now + std::chrono::seconds(c.expiresS);
    b.expiresAtMs = wallMs + std::int64_t{c.expiresS} * 1000;
    b.userAgent = std::string(userAgent);
    ++(old[i].existed ? counters_.refreshed : counters_.added);
    put(std::move(b), true);
  }
  return okWithBindings(trunkId, aor);
}

Reply Registrar::okWithBindings(storage::Id trunkId, const std::string& aor) const {
  // §10.3 step 8: the 200 lists every current binding of the AOR with its remaining time.
  Reply r = reply(200);
  const auto now = timers_.clock().now();
  auto it = table_.find(trunkId);
  if (it == table_.end()) return r;
  for (const auto& e : it->second) {
    const Binding& b = e.binding;
    if (b.aor != aor || b.expiresAt <= now) continue;
    auto left = std::chrono::ceil<std::chrono::seconds>(b.expiresAt - now).count();
    r.headers += fmt::format("Contact: <{}>{};expires={}\r\n", b.contact, b.contactParams, left);
  }
  return r;
}

std::vector<Registrar::Entry>* Registrar::entriesOf(storage::Id trunkId) {
  auto it = table_.find(trunkId);
  return it == table_.end() ? nullptr : &it->second;
}

void Registrar::put(Binding b, bool persist) {
  b.updateSeq = nextSeq_++;
  const storage::Id trunkId = b.trunkId;
  auto& entries = table_[b.trunkId];
  auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
    return e.binding.aor == b.aor && e.binding.contact == b.contact;
  });
  if (it == entries.end()) {
    entries.push_back(Entry{});
    it = std::prev(entries.end());
  } else {
    timers_.cancel(it->timer);
  }
  it->binding = std::move(b);
  arm(*it);
  if (persist && persistence_ != nullptr) persistence_->upsert(toRegistration(it->binding));
  publish(trunkId);
}

void Registrar::erase(storage::Id trunkId, const std::string& aor, const std::string& contact,
                      bool persist) {
  auto* entries = entriesOf(trunkId);
  if (entries == nullptr) return;
  auto it = std::find_if(entries->begin(), entries->end(), [&](const Entry& e) {
    return e.binding.aor == aor && e.binding.contact == contact;
  });
  if (it == entries->end()) return;
  timers_.cancel(it->timer);
  entries->erase(it);
  if (entries->empty()) table_.erase(trunkId);
  if (persist && persistence_ != nullptr) persistence_->remove(trunkId, aor, contact);
  publish(trunkId);
}

void Registrar::arm(Entry& e) {
  const Binding& b = e.binding;
  auto left = b.expiresAt - timers_.clock().now();
  if (left < base::Duration::zero()) left = base::Duration::zero();
  e.timer = timers_.schedule(left, [this, trunkId = b.trunkId, aor = b.aor, contact = b.contact,
                                    seq = b.updateSeq] { onExpiry(trunkId, aor, contact, seq); });
}

void Registrar::onExpiry(storage::Id trunkId, std::string aor, std::string contact,
                         std::uint64_t seq) {
  auto* entries = entriesOf(trunkId);
  if (entries == nullptr) return;
  auto it = std::find_if(entries->begin(), entries->end(), [&](const Entry& e) {
    return e.binding.aor == aor && e.binding.contact == contact;
  });
  if (it == entries->end() || it->binding.updateSeq != seq) return;  // refreshed since
  it->timer = 0;
  ++counters_.expired;
  TL_LOG_INFO("registrar: binding {} of trunk {} expired", contact, trunkId);
  erase(trunkId, aor, contact, true);
}

std::vector<Binding> Registrar::sorted(storage::Id trunkId, bool liveOnly) const {
  std::vector<Binding> out;
  auto it = table_.find(trunkId);
  if (it == table_.end()) return out;
  const auto now = timers_.clock().now();
  for (const auto& e : it->second)
    if (!liveOnly || e.binding.expiresAt > now) out.push_back(e.binding);
  std::sort(out.begin(), out.end(), [](const Binding& a, const Binding& b) {
    if (a.qMilli != b.qMilli) return a.qMilli > b.qMilli;
    return a.updateSeq > b.updateSeq;
  });
  return out;
}

std::vector<Binding> Registrar::lookup(storage::Id trunkId) const {
  return sorted(trunkId, true);
}

void Registrar::publish(storage::Id trunkId) {
  index_.publish(trunkId, sorted(trunkId, false));
}

std::vector<Binding> Registrar::all() const {
  std::vector<Binding> out;
  for (const auto& [trunkId, entries] : table_) {
    auto live = lookup(trunkId);
    out.insert(out.end(), live.begin(), live.end());
  }
  return out;
}

std::size_t Registrar::size() const {
  std::size_t n = 0;
  for (const auto& [trunkId, entries] : table_) n += entries.size();
  return n;
}

std::size_t Registrar::restore(const std::vector<storage::Registration>& rows) {
  const auto now = timers_.clock().now();
  const auto wallMs = toMs(timers_.clock().wallNow());
  std::size_t restored = 0;
  for (const auto& row : rows) {
    if (row.expiresAtMs <= wallMs) {
      if (persistence_ != nullptr) persistence_->remove(row.trunkId, row.aor, row.contact);
      continue;
    }
    auto flow = flowFromText(row.received);
    auto uri = sip::parseUri(row.contact);
    if (!flow || !uri) {
      TL_LOG_WARN("registrar: dropping stored binding {} of trunk {} (bad received '{}')",
                  row.contact, row.trunkId, row.received);
      if (persistence_ != nullptr) persistence_->remove(row.trunkId, row.aor, row.contact);
      continue;
    }
    Binding b;
    b.trunkId = row.trunkId;
    b.aor = row.aor;
    b.contact = row.contact;
    b.flow = *flow;  // connections did not survive the restart: connectionId stays 0
    b.behindNat = differsFromSource(*uri, *flow);
    b.callId = row.callId;
    b.cseq = row.cseq;
    b.expiresAtMs = row.expiresAtMs;
    b.expiresAt = now + std::chrono::milliseconds(row.expiresAtMs - wallMs);
    b.userAgent = row.userAgent;
    put(std::move(b), false);
    ++restored;
  }
  return restored;
}

void Registrar::dropTrunk(storage::Id trunkId) {
  auto* entries = entriesOf(trunkId);
  if (entries == nullptr) return;
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& e : *entries) keys.emplace_back(e.binding.aor, e.binding.contact);
  for (const auto& [aor, contact] : keys) erase(trunkId, aor, contact, true);
}

}  // namespace trunkline::registrar
