#include "storage/snapshot.h"

#include <algorithm>

namespace trunkline::storage {
namespace {

std::string maskedKey(const IpAddress& a, int prefixLen) {
  std::string key(16, '\0');
  int bits = prefixLen;
  for (int i = 0; i < 16; ++i, bits -= 8) {
    const std::uint8_t mask = bits >= 8   ? 0xff
                              : bits <= 0 ? 0
                                          : static_cast<std::uint8_t>(0xff << (8 - bits));
    key[i] = static_cast<char>(a.bytes[i] & mask);
  }
  return key;
}

template <class Map, class Key>
auto lookup(const Map& m, const Key& k) -> std::optional<typename Map::mapped_type> {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace

void ConfigSnapshot::CidrIndex::add(const IpNetwork& n, Id id, std::size_t index) {
  auto it = std::find_if(levels.begin(), levels.end(),
                         [&](const Level& l) { return l.prefixLen == n.prefixLen; });
  if (it == levels.end()) {
    levels.push_back({n.prefixLen, {}});
    std::sort(levels.begin(), levels.end(),
              [](const Level& a, const Level& b) { return a.prefixLen > b.prefixLen; });
    it = std::find_if(levels.begin(), levels.end(),
                      [&](const Level& l) { return l.prefixLen == n.prefixLen; });
  }
  auto [pos, inserted] = it->networks.try_emplace(maskedKey(n.address, n.prefixLen), id, index);
  if (!inserted && id < pos->second.first) pos->second = {id, index};  // tie: lowest id wins
}

std::optional<std::size_t> ConfigSnapshot::CidrIndex::find(const IpAddress& ip) const {
  for (const auto& level : levels) {
    auto it = level.networks.find(maskedKey(ip, level.prefixLen));
    if (it != level.networks.end()) return it->second.second;
  }
  return std::nullopt;
}

std::shared_ptr<const ConfigSnapshot> ConfigSnapshot::build(ConfigData data) {
  auto s = std::shared_ptr<ConfigSnapshot>(new ConfigSnapshot());
  s->data_ = std::move(data);
  auto& d = s->data_;
  // Longest prefix first, so routes() reads in match order.
  std::stable_sort(d.routes.begin(), d.routes.end(), [](const Route& a, const Route& b) {
    return a.prefix.size() > b.prefix.size();
  });
  std::sort(d.numbers.begin(), d.numbers.end(),
            [](const Number& a, const Number& b) { return a.e164 < b.e164; });
  for (std::size_t i = 0; i < d.accounts.size(); ++i) s->accountById_[d.accounts[i].id] = i;
  for (std::size_t i = 0; i < d.carriers.size(); ++i) {
    const auto& c = d.carriers[i];
    s->carrierById_[c.id] = i;
    if (!c.enabled) continue;
    for (const auto& cidr : c.inboundCidrs)
      if (auto n = parseCidr(cidr)) s->carrierCidrs_.add(*n, c.id, i);
  }
  for (std::size_t i = 0; i < d.trunks.size(); ++i) {
    const auto& t = d.trunks[i];
    s->trunkById_[t.id] = i;
    const Account* a = s->accountById(t.accountId);
    if (!t.enabled || !a || !a->enabled) continue;
    for (const auto& cidr : t.allowedCidrs)
      if (auto n = parseCidr(cidr)) s->trunkCidrs_.add(*n, t.id, i);
    for (std::size_t c = 0; c < t.credentials.size(); ++c) {
      const auto& cred = t.credentials[c];
      s->credentialByUser_.try_emplace(cred.username + '\n' + cred.realm, i, c);
    }
  }
  for (std::size_t i = 0; i < d.routes.size(); ++i) s->routeByPrefix_[d.routes[i].prefix] = i;
  for (std::size_t i = 0; i < d.numbers.size(); ++i) {
    s->numberByE164_[d.numbers[i].e164] = i;
    s->numbersByAccount_[d.numbers[i].accountId].push_back(&d.numbers[i]);
  }
  return s;
}

const Trunk* ConfigSnapshot::trunkBySourceIp(std::string_view ip) const {
  auto a = parseIp(ip);
  return a ? trunkBySourceIp(*a) : nullptr;
}

const Trunk* ConfigSnapshot::trunkBySourceIp(const IpAddress& ip) const {
  auto i = trunkCidrs_.find(ip);
  return i ? &data_.trunks[*i] : nullptr;
}

CredentialMatch ConfigSnapshot::trunkByCredentials(std::string_view username,
                                                   std::string_view realm) const {
  std::string key;
  key.reserve(username.size() + realm.size() + 1);
  key.append(username).append(1, '\n').append(realm);
  auto it = credentialByUser_.find(key);
  if (it == credentialByUser_.end()) return {};
  const Trunk& t = data_.trunks[it->second.first];
  return {&t, &t.credentials[it->second.second]};
}

const Number* ConfigSnapshot::numberByE164(std::string_view e164) const {
  auto i = lookup(numberByE164_, std::string(e164));
  return i ? &data_.numbers[*i] : nullptr;
}

const Carrier* ConfigSnapshot::carrierById(Id id) const {
  auto i = lookup(carrierById_, id);
  return i ? &data_.carriers[*i] : nullptr;
}

const Carrier* ConfigSnapshot::carrierBySourceIp(std::string_view ip) const {
  auto a = parseIp(ip);
  return a ? carrierBySourceIp(*a) : nullptr;
}

const Carrier* ConfigSnapshot::carrierBySourceIp(const IpAddress& ip) const {
  auto i = carrierCidrs_.find(ip);
  return i ? &data_.carriers[*i] : nullptr;
}

const Account* ConfigSnapshot::accountById(Id id) const {
  auto i = lookup(accountById_, id);
  return i ? &data_.accounts[*i] : nullptr;
}

const Trunk* ConfigSnapshot::trunkById(Id id) const {
  auto i = lookup(trunkById_, id);
  return i ? &data_.trunks[*i] : nullptr;
}

const Route* ConfigSnapshot::routeFor(std::string_view digits) const {
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  std::string key(digits.substr(0, std::min<std::size_t>(digits.size(), 15)));
  for (;;) {
    if (auto i = lookup(routeByPrefix_, key)) return &data_.routes[*i];
    if (key.empty()) return nullptr;
    key.pop_back();
  }
}

std::span<const Number* const> ConfigSnapshot::numbersOfAccount(Id accountId) const {
  auto it = numbersByAccount_.find(accountId);
  if (it == numbersByAccount_.end()) return {};
  return it->second;
}

SnapshotSource::SnapshotSource(ConfigStore& store)
    : store_(store), current_(ConfigSnapshot::build({})) {}

base::Result<bool> SnapshotSource::refreshIfChanged() {
  auto v = store_.configVersion();
  if (!v) return tl::unexpected(v.error());
  if (*v == current()->version()) return false;
  auto data = store_.loadAll();
  if (!data) return tl::unexpected(data.error());
  current_.store(ConfigSnapshot::build(std::move(*data)), std::memory_order_release);
  return true;
}

}  // namespace trunkline::storage
