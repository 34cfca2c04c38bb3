#include "billing/balance.h"

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "billing/rating.h"

namespace trunkline::billing {
namespace {

constexpr std::int64_t kCent = kSubunitsPerMinor;  // sub-units per cent

Rate rate(std::int64_t perMinuteSub, std::uint32_t initialS = 60, std::uint32_t subsequentS = 60,
          std::uint32_t minimumS = 0, std::int64_t feeSub = 0) {
  Rate r;
  r.perMinuteSub = perMinuteSub;
  r.initialS = initialS;
  r.subsequentS = subsequentS;
  r.minimumS = minimumS;
  r.connectFeeSub = feeSub;
  return r;
}

std::int64_t price(const Rate& r, std::uint32_t s) {
  return chargeFor(r, s)->amountMinor;
}

// --- pure functions ---

TEST(CanStart, NeedsFeePlusFirstBlock) {
  Rate r = rate(10 * kCent, 60, 60, 0, 3 * kCent);  // 3 c fee + 10 c/min
  StartDecision d = canStart(12, r);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.refusal, Refusal::InsufficientFunds);
  EXPECT_EQ(d.neededMinor, 13);
  EXPECT_EQ(d.availableMinor, 12);
  EXPECT_TRUE(canStart(13, r).allowed());
  // The minimum counts as part of the first block: 0.1 c/s with a 30 s minimum = 3 c.
  Rate minimum = rate(6 * kCent, 1, 1, 30);
  EXPECT_FALSE(canStart(2, minimum).allowed());
  EXPECT_TRUE(canStart(3, minimum).allowed());
  EXPECT_TRUE(canStart(0, rate(0)).allowed());  // free calls need no money
  EXPECT_FALSE(canStart(-1, rate(0)).allowed());
  EXPECT_EQ(canStart(100, rate(-5)).refusal, Refusal::InvalidRate);
}

TEST(MaxDuration, PerMinute) {
  Rate r = rate(10 * kCent);                   // 10 c/min, 60/60
  EXPECT_EQ(maxDurationSeconds(25, r), 120u);  // 3 minutes would be 30 c
  EXPECT_EQ(maxDurationSeconds(30, r), 180u);
  EXPECT_EQ(maxDurationSeconds(9, r), 0u);
  EXPECT_EQ(maxDurationSeconds(10, r), 60u);
  Rate withFee = rate(10 * kCent, 60, 60, 0, 3 * kCent);
  EXPECT_EQ(maxDurationSeconds(25, withFee), 120u);  // 3 + 20
  EXPECT_EQ(maxDurationSeconds(22, withFee), 60u);   // 3 + 10, not 3 + 20
  EXPECT_EQ(maxDurationSeconds(2, withFee), 0u);
}

TEST(MaxDuration, PerSecondWithHalfUpRounding) {
  Rate r = rate(6 * kCent, 1, 1);  // 0.1 c/s
  // 104 s = 10.4 c → 10 c; 105 s = 10.5 c → 11 c.
  EXPECT_EQ(maxDurationSeconds(10, r), 104u);
  EXPECT_EQ(maxDurationSeconds(0, r), 4u);  // 0.4 c rounds to 0
}

TEST(MaxDuration, RespectsIncrementsAndMinimum) {
  Rate r = rate(12 * kCent, 30, 6);  // 0.2 c/s, 30/6
  // 30 s = 6 c, 36 s = 7.2 → 7 c, 42 s = 8.4 → 8 c.
  EXPECT_EQ(maxDurationSeconds(7, r), 36u);
  EXPECT_EQ(maxDurationSeconds(5, r), 0u);
  Rate minimum = rate(12 * kCent, 30, 6, 45);  // first block 48 s = 9.6 → 10 c
  EXPECT_EQ(maxDurationSeconds(9, minimum), 0u);
  EXPECT_EQ(maxDurationSeconds(10, minimum), 48u);
  EXPECT_EQ(maxDurationSeconds(11, minimum), 54u);  // 10.8 → 11
}

TEST(MaxDuration, FreeAndHugeAreUnlimited) {
  EXPECT_EQ(maxDurationSeconds(0, rate(0)), kUnlimitedS);
  EXPECT_EQ(maxDurationSeconds(5, rate(0, 60, 60, 0, 5 * kCent)), kUnlimitedS);
  EXPECT_EQ(maxDurationSeconds(4, rate(0, 60, 60, 0, 5 * kCent)), 0u);
  EXPECT_EQ(maxDurationSeconds(kUnlimitedMinor, rate(1, 1, 1)), kUnlimitedS);
  EXPECT_EQ(maxDurationSeconds(kUnlimitedMinor, rate(kMaxRateSub, 1, 1, 0, kMaxRateSub)),
            kUnlimitedS);
  EXPECT_EQ(maxDurationSeconds(std::numeric_limits<std::int64_t>::min(), rate(1)), 0u);
}

// The closed form against the definition, on random rates: T is affordable, the end of a
// billed block, and one more second is not affordable.
TEST(MaxDuration, AgreesWithPricingOnRandomRates) {
  std::mt19937_64 rng(777);
  const std::uint32_t initials[] = {1, 6, 30, 60};
  const std::uint32_t subsequents[] = {1, 6, 30, 60};
  for (int i = 0; i < 20000; ++i) {
    Rate r = rate(1 + static_cast<std::int64_t>(rng() % (50 * kCent)), initials[rng() % 4],
                  subsequents[rng() % 4], static_cast<std::uint32_t>(rng() % 3) * 30,
                  static_cast<std::int64_t>(rng() % 3) * static_cast<std::int64_t>(rng() % kCent));
    const std::int64_t available = static_cast<std::int64_t>(rng() % 5000);
    const std::uint32_t t = maxDurationSeconds(available, r);
    if (t == 0) {
      ASSERT_GT(price(r, 1), available) << i;
      continue;
    }
    if (t == kUnlimitedS) continue;
    ASSERT_LE(price(r, t), available) << i;
    ASSERT_EQ(billedSeconds(r, t), t) << i;
    ASSERT_GT(price(r, t + 1), available) << i;
  }
}

// --- ledger ---

class LedgerTest : public ::testing::Test {
 protected:
  void prepaid(storage::Id id, std::int64_t balance, std::int64_t credit = 0) {
    ASSERT_TRUE(ledger.setTerms(id, {.kind = AccountKind::Prepaid, .creditLimitMinor = credit}));
    ASSERT_TRUE(ledger.adjust(id, balance));
  }
  AccountView view(storage::Id id) { return ledger.view(id).value(); }

  BalanceLedger ledger;
  Rate tenCents = rate(10 * kCent);  // 10 c/min, 60/60
};

TEST_F(LedgerTest, UnknownAccountsAreRefused) {
  EXPECT_EQ(ledger.canStart(1, tenCents).refusal, Refusal::UnknownAccount);
  Grant g = ledger.reserve(1, tenCents, 60);
  EXPECT_FALSE(g.ok());
  EXPECT_EQ(g.refusal, Refusal::UnknownAccount);
  EXPECT_FALSE(ledger.view(1).has_value());
  EXPECT_FALSE(ledger.adjust(1, 5).has_value());
  EXPECT_FALSE(ledger.charge(1, 5).has_value());
  EXPECT_FALSE(ledger.startPeriod(1).has_value());
  EXPECT_EQ(ledger.stats().refused, 1u);
}

TEST_F(LedgerTest, PrepaidReserveSettleCycle) {
  prepaid(1, 100);
  EXPECT_TRUE(ledger.canStart(1, tenCents).allowed());
  Grant g = ledger.reserve(1, tenCents, 0);  // as long as the money lasts
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g.grantedS, 600u);
  EXPECT_EQ(g.reservedMinor, 100);
  EXPECT_TRUE(g.exhausted);
  EXPECT_EQ(view(1).availableMinor, 0);

  // A second call at the same time finds nothing left.
  EXPECT_EQ(ledger.canStart(1, tenCents).refusal, Refusal::InsufficientFunds);
  EXPECT_EQ(ledger.reserve(1, tenCents, 60).refusal, Refusal::InsufficientFunds);

  // The first call talked 3 minutes.
  auto after = ledger.settle(g.id, price(tenCents, 180));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->balanceMinor, 70);
  EXPECT_EQ(after->reservedMinor, 0);
  EXPECT_EQ(after->availableMinor, 70);
  EXPECT_EQ(after->liveReservations, 0u);
  EXPECT_FALSE(ledger.settle(g.id, 0).has_value());  // settled once only
  EXPECT_TRUE(ledger.reserve(1, tenCents, 60).ok());
  EXPECT_EQ(ledger.stats().settled, 1u);
}

TEST_F(LedgerTest, CreditLimitLetsTheBalanceGoNegative) {
  prepaid(1, 0, 50);
  EXPECT_TRUE(ledger.canStart(1, tenCents).allowed());
  Grant g = ledger.reserve(1, tenCents, 0);
  EXPECT_EQ(g.grantedS, 300u);
  ASSERT_TRUE(ledger.settle(g.id, 50));
  EXPECT_EQ(view(1).balanceMinor, -50);
  EXPECT_EQ(view(1).availableMinor, 0);
  EXPECT_FALSE(ledger.canStart(1, tenCents).allowed());
  ASSERT_TRUE(ledger.adjust(1, 20));  // top-up
  EXPECT_EQ(view(1).balanceMinor, -30);
  EXPECT_EQ(view(1).availableMinor, 20);
}

TEST_F(LedgerTest, SlicesShareTheBalanceBetweenConcurrentCalls) {
  prepaid(1, 100);
  Grant a = ledger.reserve(1, tenCents, 120);
  Grant b = ledger.reserve(1, tenCents, 90);  // rounded up to the end of its block
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a.grantedS, 120u);
  EXPECT_EQ(a.reservedMinor, 20);
  EXPECT_FALSE(a.exhausted);
  EXPECT_EQ(b.grantedS, 120u);
  EXPECT_EQ(view(1).reservedMinor, 40);
  EXPECT_EQ(view(1).liveReservations, 2u);

  // a goes on: it may have what it holds plus what is free (20 + 60 = 80 c = 8 min).
  Grant a2 = ledger.extend(a.id, 600);
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2.grantedS, 480u);
  EXPECT_EQ(a2.reservedMinor, 80);
  EXPECT_TRUE(a2.exhausted);
  EXPECT_EQ(view(1).availableMinor, 0);
  EXPECT_EQ(ledger.reserve(1, tenCents, 60).refusal, Refusal::InsufficientFunds);
  // b cannot grow any more either, and is told so; nothing shrinks.
  Grant b2 = ledger.extend(b.id, 60);
  EXPECT_EQ(b2.grantedS, 120u);
  EXPECT_EQ(b2.reservedMinor, 20);
  EXPECT_TRUE(b2.exhausted);

  // b ends after 61 s (2 minutes billed); its unused reservation goes back.
  ASSERT_TRUE(ledger.settle(b.id, 20));
  EXPECT_EQ(view(1).balanceMinor, 80);
  EXPECT_EQ(view(1).availableMinor, 0);  // 80 held by a
  ASSERT_TRUE(ledger.settle(a.id, 30));
  EXPECT_EQ(view(1).balanceMinor, 50);
  EXPECT_EQ(view(1).availableMinor, 50);
}

TEST_F(LedgerTest, ExtendSmallSteps) {
  prepaid(1, 1000);
  Grant g = ledger.reserve(1, tenCents, 300);
  EXPECT_EQ(g.grantedS, 300u);
  g = ledger.extend(g.id, 1);  // one more second buys a whole block
  EXPECT_EQ(g.grantedS, 360u);
  EXPECT_EQ(g.reservedMinor, 60);
  EXPECT_FALSE(g.exhausted);
  g = ledger.extend(g.id, 0);  // everything that is left
  EXPECT_EQ(g.grantedS, 6000u);
  EXPECT_TRUE(g.exhausted);
  EXPECT_EQ(ledger.extend(ReservationId{1, 999'999}, 60).refusal, Refusal::UnknownReservation);
  EXPECT_EQ(ledger.extend(ReservationId{2, g.id.seq}, 60).refusal, Refusal::UnknownReservation);
  EXPECT_EQ(refusalName(Refusal::UnknownReservation), "unknown reservation");
}

TEST_F(LedgerTest, OverrunIsChargedInFullAndCounted) {
  prepaid(1, 100);
  Grant g = ledger.reserve(1, tenCents, 60);
  auto v = ledger.settle(g.id, 130);  // ran far past its grant (e.g. a lost disconnect)
  ASSERT_TRUE(v);
  EXPECT_EQ(v->balanceMinor, -30);
  EXPECT_EQ(ledger.stats().overruns, 1u);
}

TEST_F(LedgerTest, RefusesOutOfRangeAmounts) {
  prepaid(1, 100);
  Grant g = ledger.reserve(1, tenCents, 60);
  EXPECT_FALSE(ledger.settle(g.id, -1).has_value());
  EXPECT_FALSE(ledger.settle(g.id, kMaxLedgerAmountMinor + 1).has_value());
  EXPECT_EQ(view(1).liveReservations, 1u);  // still live after a refused settle
  EXPECT_FALSE(ledger.charge(1, -5).has_value());
  EXPECT_FALSE(ledger.adjust(1, kMaxLedgerAmountMinor + 1).has_value());
  EXPECT_FALSE(ledger.adjust(1, -kMaxLedgerAmountMinor - 1).has_value());
  EXPECT_FALSE(ledger.setTerms(2, {.creditLimitMinor = -1}).has_value());
  EXPECT_FALSE(ledger.setTerms(2, {.spendCapMinor = kMaxLedgerAmountMinor + 1}).has_value());
  EXPECT_FALSE(ledger.view(2).has_value());
  EXPECT_EQ(ledger.reserve(1, rate(kMaxRateSub + 1), 60).refusal, Refusal::InvalidRate);
}

TEST_F(LedgerTest, ExtremeBalancesDoNotWrap) {
  prepaid(1, kMaxLedgerAmountMinor, kMaxLedgerAmountMinor);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(ledger.adjust(1, kMaxLedgerAmountMinor));
  EXPECT_EQ(view(1).balanceMinor, 21 * kMaxLedgerAmountMinor);
  Rate dear = rate(kMaxRateSub, 1, 1, 0, kMaxRateSub);  // 10^9 minor/min + 10^9 fee
  Grant all = ledger.reserve(1, dear, 0);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all.exhausted);
  EXPECT_GE(view(1).availableMinor, 0);
  EXPECT_LT(view(1).availableMinor, price(dear, 1));
  EXPECT_EQ(ledger.reserve(1, dear, 0).refusal, Refusal::InsufficientFunds);

  // An uncapped account can hold more than int64 in reservations: kept exactly inside,
  // clamped in the view, and back to 0 after release.
  ASSERT_TRUE(ledger.setTerms(2, {.kind = AccountKind::Postpaid}));
  std::vector<ReservationId> ids;
  for (int i = 0; i < 200; ++i) {
    Grant g = ledger.reserve(2, dear, 0);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g.grantedS, kUnlimitedS);
    ids.push_back(g.id);
  }
  EXPECT_EQ(view(2).reservedMinor, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(view(2).availableMinor, kUnlimitedMinor);
  for (const auto& id : ids) ASSERT_TRUE(ledger.settle(id, 0));
  EXPECT_EQ(view(2).reservedMinor, 0);
  EXPECT_EQ(view(2).spentMinor, 0);
}

TEST_F(LedgerTest, PostpaidSpendCapPerPeriod) {
  ASSERT_TRUE(ledger.setTerms(1, {.kind = AccountKind::Postpaid, .spendCapMinor = 100}));
  Grant g = ledger.reserve(1, tenCents, 0);
  EXPECT_EQ(g.grantedS, 600u);
  ASSERT_TRUE(ledger.settle(g.id, 100));
  EXPECT_EQ(view(1).spentMinor, 100);
  EXPECT_EQ(view(1).balanceMinor, 0);
  EXPECT_EQ(ledger.canStart(1, tenCents).refusal, Refusal::InsufficientFunds);
  ASSERT_TRUE(ledger.adjust(1, 30));  // a credit note lowers this period's spend
  EXPECT_EQ(view(1).spentMinor, 70);
  ASSERT_TRUE(ledger.startPeriod(1));
  EXPECT_EQ(view(1).spentMinor, 0);
  EXPECT_EQ(view(1).availableMinor, 100);
  ASSERT_TRUE(ledger.charge(1, 40));  // rated after the fact, no reservation
  EXPECT_EQ(view(1).availableMinor, 60);
}

TEST_F(LedgerTest, PostpaidWithoutCapIsUnlimited) {
  ASSERT_TRUE(ledger.setTerms(1, {.kind = AccountKind::Postpaid}));
  EXPECT_EQ(view(1).availableMinor, kUnlimitedMinor);
  Grant g = ledger.reserve(1, tenCents, 300);
  EXPECT_EQ(g.grantedS, 300u);
  EXPECT_FALSE(g.exhausted);
  Grant all = ledger.reserve(1, tenCents, 0);
  EXPECT_EQ(all.grantedS, kUnlimitedS);
  EXPECT_FALSE(all.exhausted);
  EXPECT_EQ(view(1).availableMinor, kUnlimitedMinor);
}

TEST_F(LedgerTest, TermsChangeKeepsMoneyAndReservations) {
  prepaid(1, 100);
  Grant g = ledger.reserve(1, tenCents, 60);
  ASSERT_TRUE(ledger.setTerms(1, {.kind = AccountKind::Prepaid, .creditLimitMinor = 40}));
  EXPECT_EQ(view(1).balanceMinor, 100);
  EXPECT_EQ(view(1).reservedMinor, 10);
  EXPECT_EQ(view(1).availableMinor, 130);
  EXPECT_TRUE(ledger.settle(g.id, 10));
}

TEST_F(LedgerTest, ReservationGuardReleasesOnDestruction) {
  prepaid(1, 100);
  {
    Reservation r(ledger, ledger.reserve(1, tenCents, 60));
    EXPECT_TRUE(r.active());
    EXPECT_EQ(view(1).reservedMinor, 10);
    Reservation moved(std::move(r));
    EXPECT_FALSE(r.active());
    EXPECT_TRUE(moved.active());
    EXPECT_EQ(moved.extend(60).grantedS, 120u);
    EXPECT_EQ(moved.grant().grantedS, 120u);
  }
  EXPECT_EQ(view(1).reservedMinor, 0);
  EXPECT_EQ(view(1).balanceMinor, 100);  // released, not charged
  {
    Reservation r(ledger, ledger.reserve(1, tenCents, 60));
    EXPECT_FALSE(r.settle(-1).has_value());  // refused amount: still live
    EXPECT_TRUE(r.active());
    ASSERT_TRUE(r.settle(7));
    EXPECT_FALSE(r.active());
    EXPECT_FALSE(r.settle(7).has_value());
  }
  EXPECT_EQ(view(1).balanceMinor, 93);                           // charged once
  Reservation refused(ledger, ledger.reserve(2, tenCents, 60));  // unknown account
  EXPECT_FALSE(refused.active());
  Reservation a(ledger, ledger.reserve(1, tenCents, 60));
  Reservation b(ledger, ledger.reserve(1, tenCents, 60));
  EXPECT_EQ(view(1).reservedMinor, 20);
  a = std::move(b);  // a's own reservation is released
  EXPECT_EQ(view(1).reservedMinor, 10);
}

// Many threads race to reserve from one balance: exactly as many calls as it covers get
// money, whatever the interleaving, and settling everything leaves the exact balance.
TEST(LedgerConcurrency, ConcurrentCallsCannotOverspend) {
  BalanceLedger ledger;
  ASSERT_TRUE(ledger.setTerms(1, {.kind = AccountKind::Prepaid}));
  ASSERT_TRUE(ledger.adjust(1, 1000));
  ASSERT_TRUE(ledger.setTerms(2, {.kind = AccountKind::Prepaid}));  // a neighbour, untouched
  ASSERT_TRUE(ledger.adjust(2, 5));
  const Rate r = rate(10 * kCent);  // 10 c per minute: a 60 s slice holds 10 c
  constexpr int kThreads = 8;
  std::vector<std::vector<ReservationId>> won(kThreads);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 100; ++i) {
        Grant g = ledger.reserve(1, r, 60);
        if (g.ok()) won[t].push_back(g.id);
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  std::size_t total = 0;
  for (const auto& w : won) total += w.size();
  EXPECT_EQ(total, 100u);  // 1000 c / 10 c
  EXPECT_EQ(ledger.view(1)->availableMinor, 0);
  EXPECT_EQ(ledger.stats().granted, 100u);
  EXPECT_EQ(ledger.stats().refused, 700u);

  // Settle concurrently, each call for what it used (0..10 c).
  threads.clear();
  std::atomic<std::int64_t> charged{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < won[t].size(); ++i) {
        std::int64_t amount = static_cast<std::int64_t>((t + i) % 11);
        if (ledger.settle(won[t][i], amount)) charged += amount;
      }
    });
  }
  for (auto& th : threads) th.join();
  auto v = ledger.view(1).value();
  EXPECT_EQ(v.liveReservations, 0u);
  EXPECT_EQ(v.reservedMinor, 0);
  EXPECT_EQ(v.balanceMinor, 1000 - charged.load());
  EXPECT_GE(v.balanceMinor, 0);
  EXPECT_EQ(ledger.view(2)->balanceMinor, 5);
}

// Reserve, extend and settle interleaved on several accounts: no account ever has more
// held than it can pay for.
TEST(LedgerConcurrency, MixedOperationsKeepEveryAccountWithinItsMoney) {
  BalanceLedger ledger;
  constexpr int kAccounts = 5;
  for (int a = 1; a <= kAccounts; ++a) {
    ASSERT_TRUE(ledger.setTerms(a, {.kind = AccountKind::Prepaid, .creditLimitMinor = 50}));
    ASSERT_TRUE(ledger.adjust(a, 200));
  }
  const Rate r = rate(6 * kCent, 1, 1, 0, 1 * kCent);  // 0.1 c/s + 1 c fee
  std::vector<std::thread> threads;
  std::atomic<int> violations{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < 2000; ++i) {
        storage::Id account = 1 + static_cast<storage::Id>(rng() % kAccounts);
        Grant g = ledger.reserve(account, r, 1 + rng() % 120);
        if (!g.ok()) continue;
        if (rng() % 2) g = ledger.extend(g.id, rng() % 60);
        // Charge what was used within the grant: never above what was reserved.
        std::int64_t used = price(r, 1 + static_cast<std::uint32_t>(rng() % g.grantedS));
        if (used > g.reservedMinor) ++violations;
        if (!ledger.settle(g.id, used)) ++violations;
        if (ledger.view(account)->balanceMinor < -50) ++violations;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(violations.load(), 0);
  for (int a = 1; a <= kAccounts; ++a) {
    auto v = ledger.view(a).value();
    EXPECT_EQ(v.reservedMinor, 0);
    EXPECT_GE(v.balanceMinor, -50);
  }
  EXPECT_EQ(ledger.stats().overruns, 0u);
}

}  // namespace
}  // namespace trunkline::billing
