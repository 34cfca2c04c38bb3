// /v1/rate-decks, /v1/usage and the deck fields of accounts and carriers, over a real
// SQLite database.
#include <sqlite3.h>

#include "api/resources_internal.h"
#include "api/test/api_fixture.h"
#include "storage/sqlite/rate_store.h"

namespace trunkline::api::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class BillingRoutesTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    rates_ = std::make_unique<storage::sqlite::SqliteRateStore>(*db_);
    deps_->rates = rates_.get();  // the routes read it per request
  }

  Reply csv(const std::string& target, const std::string& body, const std::string& key = {}) {
    HttpRequest r;
    r.method = "POST";
    r.target = target;
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.headers.push_back({"Authorization", "Bearer " + (key.empty() ? admin_ : key)});
    r.headers.push_back({"Content-Type", "text/csv; charset=utf-8"});
    r.body = body;
    Reply out;
    out.raw = service_->handle(r);
    out.status = out.raw.status;
    out.body = Json::parse(out.raw.body, nullptr, false);
    return out;
  }

  storage::Id deck(const std::string& name, const std::string& kind) {
    auto r = call("POST", "/v1/rate-decks", admin_, Json{{"name", name}, {"kind", kind}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body.value("id", storage::Id{0});
  }

  storage::Id account(const std::string& name) {
    auto r = call("POST", "/v1/accounts", admin_, Json{{"name", name}});
    EXPECT_EQ(r.status, 201) << r.raw.body;
    return r.body.value("id", storage::Id{0});
  }

  std::unique_ptr<storage::sqlite::SqliteRateStore> rates_;
};

TEST(MajorAmount, ParsesExactlyIntoSubunits) {
  std::string why;
  EXPECT_EQ(detail::parseMajorAmount("0.004321", why), 4'321);
  EXPECT_EQ(detail::parseMajorAmount("12.5", why), 12'500'000);
  EXPECT_EQ(detail::parseMajorAmount("7", why), 7'000'000);
  EXPECT_EQ(detail::parseMajorAmount("0.000001", why), 1);
  EXPECT_EQ(detail::parseMajorAmount("0.1", why), 100'000);  // no binary fraction error
  for (const char* bad :
       {"", "-1", "1.", ".5", "1.0000001", "1e3", "0x10", "1,5", " 1", "1234567890123"})
    EXPECT_FALSE(detail::parseMajorAmount(bad, why)) << bad;
  EXPECT_FALSE(detail::parseMajorAmount("0.1234567", why));
  EXPECT_THAT(why, HasSubstr("more than 6 decimals"));
  EXPECT_EQ(detail::formatMajorAmount(4'321), "0.004321");
  EXPECT_EQ(detail::formatMajorAmount(12'500'000), "12.50");
  EXPECT_EQ(detail::formatMajorAmount(0), "0.00");
}

TEST_F(BillingRoutesTest, DeckLifecycle) {
  auto r = call("POST", "/v1/rate-decks", admin_,
                Json{{"name", "retail"}, {"currency", "EUR"}, {"is_default", true}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  const auto id = r.body["id"].get<storage::Id>();
  EXPECT_EQ(r.body["kind"], "price");
  EXPECT_EQ(r.body["currency"], "EUR");
  EXPECT_EQ(r.body["rate_count"], 0);
  EXPECT_EQ(*r.raw.header("Location"), fmt::format("/v1/rate-decks/{}", id));

  EXPECT_EQ(call("GET", fmt::format("/v1/rate-decks/{}", id), admin_).body["name"], "retail");
  auto list = call("GET", "/v1/rate-decks", admin_);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);

  r = call("PATCH", fmt::format("/v1/rate-decks/{}", id), admin_, Json{{"kind", "cost"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("kind"));
  r = call("PATCH", fmt::format("/v1/rate-decks/{}", id), admin_, Json{{"name", "retail2"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["name"], "retail2");

  r = call("POST", "/v1/rate-decks", admin_, Json{{"name", "x"}, {"currency", "usd"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("currency"));
  r = call("POST", "/v1/rate-decks", admin_,
           Json{{"name", "y"}, {"kind", "cost"}, {"is_default", true}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("is_default"));
  r = call("POST", "/v1/rate-decks", admin_, Json{{"name", "z"}, {"colour", "red"}});
  EXPECT_EQ(r.status, 400);

  EXPECT_EQ(call("DELETE", fmt::format("/v1/rate-decks/{}", id), admin_).status, 204);
  EXPECT_EQ(call("GET", fmt::format("/v1/rate-decks/{}", id), admin_).status, 404);
  EXPECT_EQ(call("DELETE", fmt::format("/v1/rate-decks/{}", id), admin_).status, 404);
}

TEST_F(BillingRoutesTest, AccountKeysCannotTouchDecks) {
  const auto acct = account("acme");
  const auto key = makeKey(acct);
  const auto id = deck("retail", "price");
  EXPECT_EQ(call("GET", "/v1/rate-decks", key).status, 403);
  EXPECT_EQ(call("GET", fmt::format("/v1/rate-decks/{}/rates", id), key).status, 403);
  EXPECT_EQ(call("POST", "/v1/rate-decks", key, Json{{"name", "mine"}}).status, 403);
  EXPECT_EQ(csv(fmt::format("/v1/rate-decks/{}/rates", id),
                "prefix,per_minute,connect_fee,initial_s,subsequent_s,minimum_s,effective_from,"
                "effective_to\n1,0.01,,,,,,\n",
                key)
                .status,
            403);
  EXPECT_EQ(rates_->countRates(id).value(), 0u);
}

TEST_F(BillingRoutesTest, RatesAsJson) {
  const auto id = deck("retail", "price");
  const auto base = fmt::format("/v1/rate-decks/{}/rates", id);
  auto r = call("POST", base, admin_,
                Json{{"prefix", "+4420"},
                     {"per_minute", "0.0125"},
                     {"connect_fee", "0.05"},
                     {"initial_s", 30},
                     {"subsequent_s", 6},
                     {"minimum_s", 10},
                     {"effective_from", "2026-01-01T01:00:00+01:00"}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["prefix"], "4420");
  EXPECT_EQ(r.body["per_minute"], "0.0125");
  EXPECT_EQ(r.body["effective_from"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(r.body["effective_to"], nullptr);
  const auto rateId = r.body["id"].get<storage::Id>();
  auto page = rates_->listRates({id, 0, 10, ""});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rates.size(), 1u);
  EXPECT_EQ(page->rates[0].perMinuteSub, 12'500);
  EXPECT_EQ(page->rates[0].connectFeeSub, 50'000);
  EXPECT_EQ(page->rates[0].effectiveFromMs, 1'767'225'600'000);

  r = call("POST", base, admin_, Json{{"prefix", "44"}, {"per_minute", "0.01234567"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("per_minute"));
  r = call("POST", base, admin_, Json{{"prefix", "44a"}, {"per_minute", "1"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("prefix"));
  r = call("POST", base, admin_, Json{{"prefix", "1"}, {"per_minute", 0.5}});
  EXPECT_EQ(r.status, 422);  // a JSON number would invite binary fractions
  r = call("POST", base, admin_,
           Json{{"prefix", "1"}, {"per_minute", "1"}, {"effective_from", "2026-13-01T00:00:00Z"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("effective_from"));
  EXPECT_EQ(
      call("POST", "/v1/rate-decks/999/rates", admin_, Json{{"prefix", "1"}, {"per_minute", "1"}})
          .status,
      404);

  ASSERT_EQ(call("POST", base, admin_, Json{{"prefix", "1"}, {"per_minute", "0.002"}}).status, 201);
  auto list = call("GET", base + "?prefix=44", admin_);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["prefix"], "4420");
  list = call("GET", base + "?limit=1", admin_);
  ASSERT_EQ(list.body["items"].size(), 1u);
  ASSERT_TRUE(list.body["next_cursor"].is_string());
  list =
      call("GET", base + "?limit=1&cursor=" + list.body["next_cursor"].get<std::string>(), admin_);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["prefix"], "1");
  EXPECT_EQ(call("GET", base + "?prefix=4x", admin_).status, 400);

  EXPECT_EQ(call("DELETE", fmt::format("{}/{}", base, rateId), admin_).status, 204);
  EXPECT_EQ(call("DELETE", fmt::format("{}/{}", base, rateId), admin_).status, 404);
  EXPECT_EQ(rates_->countRates(id).value(), 1u);
}

constexpr const char* kHeader =
    "prefix,per_minute,connect_fee,initial_s,subsequent_s,minimum_s,effective_from,"
    "effective_to\n";

TEST_F(BillingRoutesTest, CsvImportIsAllOrNothingAndNamesTheLine) {
  const auto id = deck("retail", "price");
  const auto base = fmt::format("/v1/rate-decks/{}/rates", id);
  auto r = csv(base, std::string(kHeader) +
                         "44,0.01,0.10,60,60,30,,\r\n"
                         "\n"
                         "1,0.004321,,1,1,,2026-01-01T00:00:00Z,2027-01-01T00:00:00Z\n");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["imported"], 2);
  auto page = rates_->listRates({id, 0, 10, "1"});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rates.size(), 1u);
  EXPECT_EQ(page->rates[0].perMinuteSub, 4'321);
  EXPECT_EQ(page->rates[0].initialS, 1u);
  EXPECT_EQ(page->rates[0].effectiveToMs, 1'798'761'600'000);

  // Line 4 (counting the header as 1) has 7 decimals: nothing of the file is stored.
  r = csv(base + "?replace=true", std::string(kHeader) +
                                      "33,0.02,,60,60,,,\n"
                                      "34,0.02,,60,60,,,\n"
                                      "49,0.0000001,,60,60,,,\n");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.body["detail"].get<std::string>(), HasSubstr("line 4"));
  EXPECT_THAT(fields(r), ElementsAre("line 4.per_minute"));
  EXPECT_EQ(rates_->countRates(id).value(), 2u);

  // A row the store refuses (overlapping the same prefix) is reported by its line too.
  r = csv(base, std::string(kHeader) + "33,0.02,,60,60,,,\n\n44,0.03,,60,60,,,\n");
  EXPECT_EQ(r.status, 422) << r.raw.body;
  EXPECT_THAT(r.body["detail"].get<std::string>(), HasSubstr("line 4"));
  EXPECT_EQ(rates_->countRates(id).value(), 2u);

  r = csv(base, "prefix,rate\n1,0.1\n");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.body["detail"].get<std::string>(), HasSubstr("line 1"));
  r = csv(base, std::string(kHeader) + "1,0.1,,60\n");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(r.body["detail"].get<std::string>(), HasSubstr("line 2"));
  EXPECT_EQ(csv(base, "").status, 422);
  EXPECT_EQ(csv(base + "?replace=yes", kHeader).status, 400);

  r = csv(base + "?replace=true", std::string(kHeader) + "33,0.02,,60,60,,,\n");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(rates_->countRates(id).value(), 1u);
}

TEST_F(BillingRoutesTest, CsvOnlyWhereAnImportIsAccepted) {
  HttpRequest r;
  r.method = "POST";
  r.target = r.path = "/v1/rate-decks";
  r.headers.push_back({"Authorization", "Bearer " + admin_});
  r.headers.push_back({"Content-Type", "text/csv"});
  r.body = "name\nx\n";
  EXPECT_EQ(service_->handle(r).status, 415);
}

TEST_F(BillingRoutesTest, DeckAssignmentOnAccountsAndCarriers) {
  const auto price = deck("retail", "price");
  const auto cost = deck("wholesale", "cost");
  auto r = call("POST", "/v1/accounts", admin_, Json{{"name", "acme"}, {"price_deck_id", price}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  const auto acct = r.body["id"].get<storage::Id>();
  EXPECT_EQ(r.body["price_deck_id"], price);
  EXPECT_EQ(rates_->accountPriceDeck(acct).value(), price);

  r = call("PATCH", fmt::format("/v1/accounts/{}", acct), admin_, Json{{"price_deck_id", cost}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("price_deck_id"));
  r = call("PATCH", fmt::format("/v1/accounts/{}", acct), admin_, Json{{"price_deck_id", 999}});
  EXPECT_EQ(r.status, 422);
  r = call("PATCH", fmt::format("/v1/accounts/{}", acct), admin_, Json{{"price_deck_id", nullptr}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["price_deck_id"], nullptr);
  EXPECT_EQ(rates_->accountPriceDeck(acct).value(), std::nullopt);
  r = call("PATCH", fmt::format("/v1/accounts/{}", acct), admin_, Json{{"price_deck_id", price}});
  EXPECT_EQ(call("GET", fmt::format("/v1/accounts/{}", acct), admin_).body["price_deck_id"], price);
  EXPECT_EQ(call("GET", "/v1/accounts", admin_).body["items"][0]["price_deck_id"], price);

  r = call("POST", "/v1/carriers", admin_,
           Json{{"name", "carrier1"},
                {"gateways", Json::array({Json{{"host", "127.0.0.1"}}})},
                {"cost_deck_id", cost}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  const auto carrier = r.body["id"].get<storage::Id>();
  EXPECT_EQ(r.body["cost_deck_id"], cost);
  EXPECT_EQ(rates_->carrierCostDeck(carrier).value(), cost);
  r = call("PATCH", fmt::format("/v1/carriers/{}", carrier), admin_, Json{{"cost_deck_id", price}});
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(fields(r), ElementsAre("cost_deck_id"));
  EXPECT_EQ(call("GET", fmt::format("/v1/carriers/{}", carrier), admin_).body["cost_deck_id"],
            cost);

  // A deck in use cannot go.
  EXPECT_EQ(call("DELETE", fmt::format("/v1/rate-decks/{}", cost), admin_).status, 409);
}

storage::Cdr cdrAt(storage::Id account, std::int64_t startMs, std::int64_t talkMs,
                   std::int64_t cost, std::int64_t price, const std::string& uuid) {
  storage::Cdr c;
  c.callUuid = uuid;
  c.accountId = account;
  c.startMs = startMs;
  c.endMs = startMs + 1000 + talkMs;
  if (talkMs > 0) {
    c.answerMs = startMs + 1000;
    c.durationMs = talkMs;
    c.billableS = static_cast<std::uint32_t>((talkMs + 999) / 1000);
    c.disposition = storage::Disposition::Answered;
    c.finalCode = 200;
  } else {
    c.disposition = storage::Disposition::Busy;
    c.finalCode = 486;
  }
  c.rating.attempted = true;
  c.rating.costMinor = cost;
  c.rating.priceMinor = price;
  c.rating.marginMinor = price - cost;
  c.rating.costCurrency = c.rating.priceCurrency = "USD";
  return c;
}

TEST_F(BillingRoutesTest, UsagePerAccountAndDay) {
  const auto a = account("acme");
  const auto b = account("other");
  constexpr std::int64_t kDay = 1'767'225'600'000;  // 2026-01-01
  std::vector<storage::Cdr> cdrs = {cdrAt(a, kDay + 10, 61'000, 3, 12, "u1"),
                                    cdrAt(a, kDay + 20, 30'500, 1, 6, "u2"),
                                    cdrAt(a, kDay + 30, 0, 0, 0, "u3"),
                                    cdrAt(a, kDay + 86'400'000, 5'000, 1, 2, "u4"),
                                    cdrAt(b, kDay + 40, 10'000, 1, 5, "u5"),
                                    cdrAt(a, kDay - 1, 10'000, 9, 9, "before"),
                                    cdrAt(a, kDay + 3 * 86'400'000, 1'000, 9, 9, "after")};
  ASSERT_TRUE(cdrs_->insertBatch(cdrs));

  auto r =
      call("GET", fmt::format("/v1/usage?account_id={}&from=2026-01-01&to=2026-01-02", a), admin_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  ASSERT_EQ(r.body["items"].size(), 2u) << r.raw.body;
  const auto& d1 = r.body["items"][0];
  EXPECT_EQ(d1["date"], "2026-01-01");
  EXPECT_EQ(d1["calls"], 3);
  EXPECT_EQ(d1["answered"], 2);
  EXPECT_EQ(d1["billable_s"], 61 + 31);
  EXPECT_EQ(d1["cost_minor"], 4);
  EXPECT_EQ(d1["price_minor"], 18);
  EXPECT_EQ(d1["margin_minor"], 14);
  EXPECT_EQ(d1["currency"], "USD");
  EXPECT_DOUBLE_EQ(d1["asr"].get<double>(), 2.0 / 3.0);
  EXPECT_EQ(d1["acd_s"], 46);  // (61 s + 30.5 s) / 2 = 45.75, half up
  EXPECT_EQ(r.body["items"][1]["date"], "2026-01-02");
  EXPECT_EQ(r.body["items"][1]["calls"], 1);

  // Admin without account_id: every account.
  r = call("GET", "/v1/usage?from=2026-01-01&to=2026-01-01", admin_);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["items"].size(), 2u);
  EXPECT_EQ(r.body["items"][1]["account_id"], b);

  // An account key: its own account, whether it names it or not; never another's.
  const auto key = makeKey(b);
  r = call("GET", "/v1/usage?from=2026-01-01&to=2026-01-05", key);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["account_id"], b);
  EXPECT_EQ(
      call("GET", fmt::format("/v1/usage?account_id={}&from=2026-01-01&to=2026-01-05", a), key)
          .status,
      403);

  EXPECT_EQ(call("GET", "/v1/usage?from=2026-01-01", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/usage?from=2026-01-02&to=2026-01-01", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/usage?from=2026-02-30&to=2026-03-01", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/usage?from=2025-01-01&to=2026-01-01", admin_).status, 200);  // 366 d
  EXPECT_EQ(call("GET", "/v1/usage?from=2025-01-01&to=2026-01-02", admin_).status, 400);
  EXPECT_EQ(call("GET", "/v1/usage?from=2026-01-01&to=2026-01-01&account_id=x", admin_).status,
            400);
}

TEST_F(BillingRoutesTest, UsageByAccountUsesTheAccountIndex) {
  const auto sql = "EXPLAIN QUERY PLAN " + storage::sqlite::usageSql(true);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_->handle(), sql.c_str(), -1, &st, nullptr), SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string("\n");
  sqlite3_finalize(st);
  EXPECT_THAT(
      plan,
      HasSubstr("USING INDEX cdrs_account_start (account_id=? AND start_ms>? AND start_ms<?)"));
  EXPECT_THAT(plan, ::testing::Not(HasSubstr("SCAN cdrs")));
}

TEST_F(BillingRoutesTest, WithoutARateStoreTheRoutesAnswer503) {
  deps_->rates = nullptr;
  EXPECT_EQ(call("GET", "/v1/rate-decks", admin_).status, 503);
  EXPECT_EQ(call("GET", "/v1/usage?from=2026-01-01&to=2026-01-01", admin_).status, 503);
  auto r = call("GET", "/v1/accounts", admin_);
  EXPECT_EQ(r.status, 200);
}

}  // namespace
}  // namespace trunkline::api::testing
