#include "billing/balance.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "billing/rating.h"

namespace trunkline::billing {

namespace {

using Wide = __int128;

// Rating's denominator: amounts are computed in sixtieths of a sub-unit (see rating.cc).
constexpr Wide kDenominator = Wide{60} * kSubunitsPerMinor;

std::int64_t clampToI64(Wide v) {
  if (v > Wide{std::numeric_limits<std::int64_t>::max()})
    return std::numeric_limits<std::int64_t>::max();
  if (v < Wide{std::numeric_limits<std::int64_t>::min()})
    return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
}

bool validAmount(std::int64_t v) {
  return v >= 0 && v <= kMaxLedgerAmountMinor;
}

// Seconds a reservation covers: what was asked, rounded up to the end of its billed block
// (that block is paid in full anyway), never beyond what the money allows.
std::uint32_t sliceOf(const Rate& rate, std::uint64_t wantS, std::uint32_t maxS) {
  if (wantS == 0 || wantS >= maxS) return maxS;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(billedSeconds(rate, static_cast<std::uint32_t>(wantS)), maxS));
}

}  // namespace

std::string_view refusalName(Refusal r) {
  switch (r) {
    case Refusal::None: return "allowed";
    case Refusal::UnknownAccount: return "unknown account";
    case Refusal::InsufficientFunds: return "insufficient funds";
    case Refusal::InvalidRate: return "invalid rate";
    case Refusal::UnknownReservation: return "unknown reservation";
  }
  return "unknown";
}

StartDecision canStart(std::int64_t availableMinor, const Rate& rate) {
  StartDecision d;
  d.availableMinor = availableMinor;
  auto first = chargeFor(rate, 1);
  if (!first) {
    d.refusal = Refusal::InvalidRate;
    return d;
  }
  d.neededMinor = first->amountMinor;
  if (availableMinor < d.neededMinor) d.refusal = Refusal::InsufficientFunds;
  return d;
}

std::uint32_t maxDurationSeconds(std::int64_t availableMinor, const Rate& rate) {
  if (!canStart(availableMinor, rate).allowed()) return 0;
  if (rate.perMinuteSub == 0) return kUnlimitedS;  // only the fee, already affordable
  // price(b) = round_half_up((fee*60 + rate*b) / D) <= A  holds exactly when
  // fee*60 + rate*b + D/2 < (A + 1) * D, i.e. rate*b <= (A + 1)*D - D/2 - 1 - fee*60.
  // Every term fits in 128 bits (A < 2^63, D < 2^20, fee*60 < 2^50).
  const Wide budget = (Wide{availableMinor} + 1) * kDenominator - kDenominator / 2 - 1 -
                      Wide{rate.connectFeeSub} * 60;
  const Wide maxBilled = budget / rate.perMinuteSub;
  // A call of 1 s is billed `first` seconds (minimum, initial increment); every longer
  // affordable call ends on a boundary first + k * subsequent.
  const Wide first = static_cast<Wide>(billedSeconds(rate, 1));
  if (maxBilled < first) return 0;  // not reached: canStart() checked the first block
  const Wide sub = rate.subsequentS;
  const Wide seconds = first + (maxBilled - first) / sub * sub;
  return seconds >= Wide{kUnlimitedS} ? kUnlimitedS : static_cast<std::uint32_t>(seconds);
}

BalanceLedger::Shard& BalanceLedger::shardOf(storage::Id accountId) {
  auto h = static_cast<std::uint64_t>(accountId) * 0x9E3779B97F4A7C15ull;
  return shards_[(h >> 32) % kShards];
}

const BalanceLedger::Shard& BalanceLedger::shardOf(storage::Id accountId) const {
  return const_cast<BalanceLedger*>(this)->shardOf(accountId);
}

BalanceLedger::Wide BalanceLedger::available(const Account& a) {
  if (a.terms.kind == AccountKind::Prepaid)
    return a.balance + a.terms.creditLimitMinor - a.reserved;
  if (a.terms.spendCapMinor == 0) return Wide{kUnlimitedMinor};
  return Wide{a.terms.spendCapMinor} - a.spent - a.reserved;
}

AccountView BalanceLedger::viewOf(const Account& a) {
  AccountView v;
  v.terms = a.terms;
  v.balanceMinor = clampToI64(a.balance);
  v.spentMinor = clampToI64(a.spent);
  v.reservedMinor = clampToI64(a.reserved);
  v.availableMinor = clampToI64(available(a));
  v.liveReservations = a.held.size();
  return v;
}

void BalanceLedger::apply(Account& a, Wide chargedMinor) {
  if (a.terms.kind == AccountKind::Prepaid) {
    a.balance -= chargedMinor;
  } else {
    a.spent += chargedMinor;
  }
}

base::Result<void> BalanceLedger::setTerms(storage::Id accountId, const AccountTerms& terms) {
  if (!validAmount(terms.creditLimitMinor) || !validAmount(terms.spendCapMinor))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("account {}: credit limit and spend cap must be in [0, {}]",
                                  accountId, kMaxLedgerAmountMinor));
  Shard& shard = shardOf(accountId);
  std::lock_guard lock(shard.mutex);
  shard.accounts[accountId].terms = terms;
  return {};
}

base::Result<AccountView> BalanceLedger::adjust(storage::Id accountId, std::int64_t deltaMinor) {
  if (deltaMinor < -kMaxLedgerAmountMinor || deltaMinor > kMaxLedgerAmountMinor)
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("account {}: adjustment out of range", accountId));
  Shard& shard = shardOf(accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(accountId);
  if (it == shard.accounts.end())
    return base::fail(base::Errc::NotFound, fmt::format("account {} not in ledger", accountId));
  Account& a = it->second;
  if (a.terms.kind == AccountKind::Prepaid) {
    a.balance += deltaMinor;
  } else {
    a.spent -= deltaMinor;
  }
  return viewOf(a);
}

base::Result<void> BalanceLedger::startPeriod(storage::Id accountId) {
  Shard& shard = shardOf(accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(accountId);
  if (it == shard.accounts.end())
    return base::fail(base::Errc::NotFound, fmt::format("account {} not in ledger", accountId));
  it->second.spent = 0;
  return {};
}

std::optional<AccountView> BalanceLedger::view(storage::Id accountId) const {
  const Shard& shard = shardOf(accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(accountId);
  if (it == shard.accounts.end()) return std::nullopt;
  return viewOf(it->second);
}

StartDecision BalanceLedger::canStart(storage::Id accountId, const Rate& rate) const {
  const Shard& shard = shardOf(accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(accountId);
  if (it == shard.accounts.end()) {
    StartDecision d;
    d.refusal = Refusal::UnknownAccount;
    return d;
  }
  return billing::canStart(clampToI64(available(it->second)), rate);
}

Grant BalanceLedger::reserve(storage::Id accountId, const Rate& rate, std::uint32_t wantS) {
  Grant g;
  Shard& shard = shardOf(accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(accountId);
  if (it == shard.accounts.end()) {
    g.refusal = Refusal::UnknownAccount;
    refused_.fetch_add(1, std::memory_order_relaxed);
    return g;
  }
  Account& a = it->second;
  const std::int64_t avail = clampToI64(available(a));
  StartDecision d = billing::canStart(avail, rate);
  if (!d.allowed()) {
    g.refusal = d.refusal;
    refused_.fetch_add(1, std::memory_order_relaxed);
    return g;
  }
  const std::uint32_t maxS = maxDurationSeconds(avail, rate);
  g.grantedS = sliceOf(rate, wantS, maxS);
  g.exhausted = g.grantedS == maxS && maxS != kUnlimitedS;
  // chargeFor cannot fail: canStart accepted the rate.
  g.reservedMinor = chargeFor(rate, g.grantedS)->amountMinor;
  g.id = ReservationId{accountId, nextSeq_.fetch_add(1, std::memory_order_relaxed)};
  a.held.emplace(g.id.seq, Held{rate, g.grantedS, g.reservedMinor});
  a.reserved += g.reservedMinor;
  granted_.fetch_add(1, std::memory_order_relaxed);
  return g;
}

Grant BalanceLedger::extend(const ReservationId& id, std::uint32_t moreS) {
  Grant g;
  g.id = id;
  Shard& shard = shardOf(id.accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(id.accountId);
  if (it == shard.accounts.end() || !it->second.held.contains(id.seq)) {
    g.refusal = Refusal::UnknownReservation;
    return g;
  }
  Account& a = it->second;
  Held& h = a.held.at(id.seq);
  // What this call already holds is part of what it may use.
  const std::int64_t avail = clampToI64(available(a) + h.reserved);
  const std::uint32_t maxS = maxDurationSeconds(avail, h.rate);
  if (maxS > h.grantedS) {
    const std::uint64_t want = moreS == 0 ? 0 : std::uint64_t{h.grantedS} + moreS;
    const std::uint32_t granted = sliceOf(h.rate, want, maxS);
    const Wide reserved = chargeFor(h.rate, granted)->amountMinor;
    a.reserved += reserved - h.reserved;
    h.reserved = reserved;
    h.grantedS = granted;
  }
  g.grantedS = h.grantedS;
  g.reservedMinor = clampToI64(h.reserved);
  g.exhausted = h.grantedS >= maxS && h.grantedS != kUnlimitedS;
  return g;
}

base::Result<AccountView> BalanceLedger::settle(const ReservationId& id,
                                                std::int64_t chargedMinor) {
  if (!validAmount(chargedMinor))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("account {}: charge out of range", id.accountId));
  Shard& shard = shardOf(id.accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(id.accountId);
  if (it == shard.accounts.end())
    return base::fail(base::Errc::NotFound, fmt::format("account {} not in ledger", id.accountId));
  Account& a = it->second;
  auto held = a.held.find(id.seq);
  if (held == a.held.end())
    return base::fail(base::Errc::NotFound,
                      fmt::format("account {}: no reservation {}", id.accountId, id.seq));
  if (Wide{chargedMinor} > held->second.reserved) overruns_.fetch_add(1, std::memory_order_relaxed);
  a.reserved -= held->second.reserved;
  a.held.erase(held);
  apply(a, chargedMinor);
  settled_.fetch_add(1, std::memory_order_relaxed);
  return viewOf(a);
}

base::Result<AccountView> BalanceLedger::charge(storage::Id accountId, std::int64_t chargedMinor) {
  if (!validAmount(chargedMinor))
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("account {}: charge out of range", accountId));
  Shard& shard = shardOf(accountId);
  std::lock_guard lock(shard.mutex);
  auto it = shard.accounts.find(accountId);
  if (it == shard.accounts.end())
    return base::fail(base::Errc::NotFound, fmt::format("account {} not in ledger", accountId));
  apply(it->second, chargedMinor);
  return viewOf(it->second);
}

BalanceLedger::Stats BalanceLedger::stats() const {
  Stats s;
  s.granted = granted_.load(std::memory_order_relaxed);
  s.refused = refused_.load(std::memory_order_relaxed);
  s.settled = settled_.load(std::memory_order_relaxed);
  s.overruns = overruns_.load(std::memory_order_relaxed);
  return s;
}

Reservation::Reservation(BalanceLedger& ledger, const Grant& grant) : grant_(grant) {
  if (grant.ok() && grant.id.seq != 0) ledger_ = &ledger;
}

Reservation::Reservation(Reservation&& other) noexcept
    : ledger_(std::exchange(other.ledger_, nullptr)), grant_(other.grant_) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    releaseNow();
    ledger_ = std::exchange(other.ledger_, nullptr);
    grant_ = other.grant_;
  }
  return *this;
}

Reservation::~Reservation() {
  releaseNow();
}

void Reservation::releaseNow() {
  if (ledger_ == nullptr) return;
  (void)ledger_->settle(grant_.id, 0);
  ledger_ = nullptr;
}

Grant Reservation::extend(std::uint32_t moreS) {
  if (ledger_ == nullptr) {
    Grant g;
    g.refusal = Refusal::UnknownReservation;
    return g;
  }
  Grant g = ledger_->extend(grant_.id, moreS);
  if (g.ok()) grant_ = g;
  return g;
}

base::Result<AccountView> Reservation::settle(std::int64_t chargedMinor) {
  if (ledger_ == nullptr) return base::fail(base::Errc::InvalidArgument, "reservation is not live");
  auto result = ledger_->settle(grant_.id, chargedMinor);
  // A refused amount leaves the reservation live (the destructor still releases it); a
  // reservation the ledger no longer knows is gone either way.
  if (result || result.error().code == base::Errc::NotFound) ledger_ = nullptr;
  return result;
}

}  // namespace trunkline::billing
