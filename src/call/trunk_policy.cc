#include "call/trunk_policy.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/log.h"
#include "routing/e164.h"

namespace trunkline::call {
namespace {

// Inbound deliveries to a customer trunk move on to the next destination when the trunk
// is unreachable, busy or does not answer ("used when the trunk is unreachable,
// unregistered, busy or does not answer within N seconds").
const std::vector<int> kTrunkFailoverCodes = {408, 480, 486, 500, 502, 503, 504, 600};

sip::TransportKind toKind(storage::Transport t) {
  switch (t) {
    case storage::Transport::Tcp: return sip::TransportKind::Tcp;
    case storage::Transport::Tls: return sip::TransportKind::Tls;
    case storage::Transport::Udp: break;
  }
  return sip::TransportKind::Udp;
}

// The user part of a Request-URI or From URI without its parameters (tel:;phone-context).
std::string_view userOf(const sip::Uri& uri) {
  std::string_view u = uri.user;
  return u.substr(0, u.find(';'));
}

std::string unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

// Carriers deliver DIDs in international format, with or without '+'.
std::string didFromCarrier(std::string_view user) {
  std::string digits;
  for (char c : user)
    if (c >= '0' && c <= '9') digits += c;
  return "+" + digits;
}

}  // namespace

Reject TrunkPolicy::reject(int code, std::string reason, std::string headers) {
  ++counters_.rejected;
  return Reject{code, std::move(reason), std::move(headers)};
}

Admission TrunkPolicy::admit(const InviteInfo& info) {
  auto snap = d_.snapshots.current();
  if (!snap) return reject(503, "Configuration not loaded");
  const std::string ip = info.arrival.remote.ip();
  if (const auto* carrier = snap->carrierBySourceIp(ip); carrier && carrier->enabled)
    return inbound(info, *snap, *carrier);
  return outbound(info, *snap);
}

Admission TrunkPolicy::outbound(const InviteInfo& info, const storage::ConfigSnapshot& snap) {
  const auto& invite = info.invite;
  // 1. Who is calling: the source address (ACL), otherwise digest credentials. Unknown
  // users and wrong passwords get the same challenge (no enumeration).
  const storage::Trunk* trunk = snap.trunkBySourceIp(info.arrival.remote.ip());
  if (!trunk) {
    const auto& realm = d_.digest.config().realm;
    auto result = d_.digest.verify(
        invite, [&](std::string_view user, std::string_view r) -> std::optional<sip::StoredHa1> {
          auto match = snap.trunkByCredentials(user, r);
          if (!match) return std::nullopt;
          return sip::StoredHa1{match.credential->id, match.credential->ha1Md5,
                                match.credential->ha1Sha256};
        });
    if (result.status != sip::AuthStatus::Ok) {
      ++counters_.challenged;
      return Reject{
          407, "Proxy Authentication Required",
          d_.digest.challengeHeaders(sip::Method::Invite, result.status == sip::AuthStatus::Stale),
          /*recordCdr=*/false};
    }
    trunk = snap.trunkByCredentials(result.username, realm).trunk;
    if (!trunk) return reject(403, "Forbidden");
  }
  const auto* account = snap.accountById(trunk->accountId);
  if (!trunk->enabled || !account || !account->enabled) return reject(403, "Trunk disabled");

  // 2. The number dialled, in E.164 by the account's dialling plan.
  auto to = routing::normalizeE164(account->country, userOf(invite.requestUri()));
  if (!to) {
    switch (to.error().kind) {
      case routing::NumberErrc::Emergency:
        return reject(403, "Emergency calls are not routed by this service");
      case routing::NumberErrc::ShortCode: return reject(404, "Short codes are not routed");
      case routing::NumberErrc::UnknownCountry:
        return reject(403, "Account country has no dialling plan");
      case routing::NumberErrc::NotDialable: break;
    }
    return reject(484, "Address Incomplete");
  }

  // 3. Caller ID by the trunk's policy.
  CallContext ctx;
  ctx.direction = storage::Direction::Outbound;
  ctx.accountId = account->id;
  ctx.trunkId = trunk->id;
  ctx.toE164 = *to;
  ctx.maxDuration = std::chrono::seconds(trunk->maxDurationS);
  ctx.codecs = trunk->codecs;
  ctx.callerSrtp = trunk->srtp;
  auto from = routing::normalizeE164(account->country, userOf(invite.from().uri));
  ctx.fromE164 = from ? *from : std::string();
  ctx.callerId.displayName = unquote(invite.from().displayName);
  switch (trunk->callerIdPolicy) {
    case storage::CallerIdPolicy::PassThrough:
      ctx.callerId.user = from ? *from : std::string(userOf(invite.from().uri));
      break;
    case storage::CallerIdPolicy::Fixed:
      ctx.callerId.user = trunk->fixedCallerId;
      ctx.fromE164 = trunk->fixedCallerId;
      break;
    case storage::CallerIdPolicy::AccountNumbers: {
      auto numbers = snap.numbersOfAccount(account->id);
      bool ours = from && std::any_of(numbers.begin(), numbers.end(),
                                      [&](const storage::Number* n) { return n->e164 == *from; });
      if (!ours) return reject(403, "Caller ID not allowed");
      ctx.callerId.user = *from;
      break;
    }
  }

  // 4. Limits: calls per second first (a refused call must not hold a channel).
  std::uint32_t retryAfter = 1;
  if (!d_.cps.tryAcquire(trunk->id, trunk->cpsLimit, &retryAfter))
    return reject(503, "Call Rate Limit Exceeded",
                  fmt::format("Retry-After: {}\r\nReason: SIP;cause=503;text=\"CPS limit of "
                              "trunk reached\"\r\n",
                              retryAfter));
  if (!d_.channels.tryAcquire(trunk->id, trunk->channelLimit))
    return reject(503, "Channel Limit Reached",
                  "Retry-After: 5\r\nReason: SIP;cause=503;text=\"channel limit of trunk "
                  "reached\"\r\n");

  // 5. Route by longest prefix to the carriers.
  Accept accept{ctx, {}};
  if (!appendCarrierTargets(snap, *to, accept.targets)) {
    d_.channels.release(trunk->id);
    return reject(404, "No Route to Destination");
  }
  if (accept.targets.empty()) {
    d_.channels.release(trunk->id);
    return reject(503, "No Carrier Available",
                  "Reason: SIP;cause=503;text=\"every carrier of the route is down\"\r\n");
  }
  ++counters_.admittedOutbound;
  return accept;
}

Admission TrunkPolicy::inbound(const InviteInfo& info, const storage::ConfigSnapshot& snap,
                               const storage::Carrier& carrier) {
  const auto& invite = info.invite;
  const std::string did = didFromCarrier(userOf(invite.requestUri()));
  const auto* number = snap.numberByE164(did);
  if (!number) return reject(404, "Number Not Found");
  const auto* trunk = snap.trunkById(number->trunkId);
  const auto* account = snap.accountById(number->accountId);
  if (!trunk || !account || !account->enabled) return reject(404, "Number Not Found");

  CallContext ctx;
  ctx.direction = storage::Direction::Inbound;
  ctx.accountId = account->id;
  ctx.trunkId = trunk->id;
  ctx.numberId = number->id;
  ctx.toE164 = did;
  std::string_view fromUser = userOf(invite.from().uri);
  ctx.fromE164 =
      (!fromUser.empty() && fromUser.front() == '+') ? std::string(fromUser) : std::string();
  ctx.callerId.user = std::string(fromUser);
  ctx.callerId.displayName = unquote(invite.from().displayName);
  ctx.maxDuration = std::chrono::seconds(trunk->maxDurationS);
  ctx.codecs = trunk->codecs;
  ctx.callerSrtp = carrier.srtp;

  if (!d_.channels.tryAcquire(trunk->id, trunk->channelLimit))
    return reject(486, "Busy Here",
                  "Reason: SIP;cause=486;text=\"channel limit of trunk reached\"\r\n");

  Accept accept{ctx, {}};
  if (trunk->enabled) appendTrunkTargets(*trunk, did, number->ringTimeoutS, accept.targets);
  for (const auto& backup : number->backups) {
    if (backup.kind == storage::BackupDestination::Kind::Trunk) {
      if (const auto* t = snap.trunkById(backup.trunkId); t && t->enabled)
        appendTrunkTargets(*t, did, number->ringTimeoutS, accept.targets);
    } else {
      appendCarrierTargets(snap, backup.number, accept.targets);
    }
  }
  if (accept.targets.empty()) {
    d_.channels.release(trunk->id);
    return reject(480, "Temporarily Unavailable");
  }
  ++counters_.admittedInbound;
  return accept;
}

const routing::RouteTable* TrunkPolicy::routes(const storage::ConfigSnapshot& snap) {
  if (routesVersion_ != snap.version() || !routeTable_) {
    auto table = routing::RouteTable::build(snap.data().routes, snap.data().carriers);
    if (!table) {
      TL_LOG_ERROR("route table rejected: {}", table.error().message);
      return routeTable_ ? &*routeTable_ : nullptr;
    }
    routeTable_.emplace(std::move(*table));
    routesVersion_ = snap.version();
  }
  return &*routeTable_;
}

bool TrunkPolicy::appendCarrierTargets(const storage::ConfigSnapshot& snap, const std::string& e164,
                                       std::vector<Target>& out) {
  const auto* table = routes(snap);
  if (!table) return false;
  auto selection = table->select(routing::e164Digits(e164), d_.random, d_.health);
  if (!selection.route) return false;
  for (const auto& attempt : selection.attempts) {
    auto addr = net::Address::fromIp(attempt.gateway.host, attempt.gateway.port);
    if (!addr) {
      // Gateways are IP literals until DNS (RFC 3263) arrives; a name is skipped loudly.
      TL_LOG_WARN("gateway {} of carrier {} is not an IP address; skipped", attempt.gateway.host,
                  attempt.carrierId);
      continue;
    }
    Target t;
    t.transport = toKind(attempt.gateway.transport);
    t.destination = *addr;
    t.requestUri = fmt::format("sip:{}@{}", e164,
                               addr->sipHost() + ":" + std::to_string(attempt.gateway.port));
    t.ringTimeout = std::chrono::seconds(attempt.ringTimeoutS);
    t.failoverCodes = attempt.failoverCodes;
    t.carrierId = attempt.carrierId;
    if (const auto* carrier = snap.carrierById(attempt.carrierId)) {
      t.label = carrier->name;
      t.srtp = carrier->srtp;
      if (carrier->credential)
        t.credential =
            OutboundCredential{carrier->credential->username, carrier->credential->realm,
                               carrier->credential->ha1Md5, carrier->credential->ha1Sha256};
    }
    out.push_back(std::move(t));
  }
  return true;
}

void TrunkPolicy::appendTrunkTargets(const storage::Trunk& trunk, const std::string& e164,
                                     std::uint32_t ringTimeoutS, std::vector<Target>& out) const {
  auto base = [&] {
    Target t;
    t.ringTimeout = std::chrono::seconds(ringTimeoutS);
    t.failoverCodes = kTrunkFailoverCodes;
    t.trunkId = trunk.id;
    t.label = trunk.name;
    t.srtp = trunk.srtp;
    return t;
  };
  if (trunk.registration) {
    if (!d_.registrar) return;
    // Registered contacts, best first; the call goes back through the flow each
    // registration came from (NAT), to the Contact as Request-URI.
    for (const auto& b : d_.registrar->lookup(trunk.id)) {
      Target t = base();
      t.transport = b.flow.kind;
      t.destination = b.flow.remote;
      t.requestUri = b.contact;
      out.push_back(std::move(t));
    }
    return;
  }
  auto addr = net::Address::fromIp(trunk.host, trunk.port);
  if (!addr) {
    if (!trunk.host.empty())
      TL_LOG_WARN("trunk {} host {} is not an IP address; skipped", trunk.name, trunk.host);
    return;
  }
  Target t = base();
  t.transport = toKind(trunk.transport);
  t.destination = *addr;
  t.requestUri = fmt::format("sip:{}@{}:{}", e164, addr->sipHost(), trunk.port);
  out.push_back(std::move(t));
}

void TrunkPolicy::release(const CallContext& context) {
  d_.channels.release(context.trunkId);
}

}  // namespace trunkline::call
