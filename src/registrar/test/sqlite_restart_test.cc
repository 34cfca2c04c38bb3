// Registrar restart through the real stores: REGISTER → RegistrationWriter →
// SqliteRegistrationStore → file; then a new process (new Database, new Registrar)
// restores the bindings.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "registrar/registration_writer.h"
#include "registrar/test/test_support.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/runtime_stores.h"

namespace trunkline::registrar {
namespace {

using namespace std::chrono_literals;
using namespace testing;

TEST(RegistrarSqlite, BindingsSurviveARestart) {
  auto dir =
      std::filesystem::temp_directory_path() / ("tl-registrar-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "trunkline.db").string();

  base::ManualClock clock;
  std::array<std::uint8_t, 2> seed{1, 2};
  sip::SeededRandom random(seed);
  sip::DigestServerConfig dcfg;
  dcfg.realm = std::string(kRealm);
  dcfg.secret = "registrar-sqlite-test-secret-0123";
  sip::DigestServer digest(dcfg, clock, random);
  FakeDirectory directory;

  std::vector<Binding> before;
  {
    auto db = storage::sqlite::Database::open(file);
    ASSERT_TRUE(db) << db.error().message;
    storage::sqlite::SqliteConfigStore config(**db);
    auto account = config.addAccount({0, "acme", "US", true});
    ASSERT_TRUE(account) << account.error().message;
    auto trunk = registrationTrunk(0, "pbx1", "s3cret");
    trunk.accountId = *account;
    trunk.credentials[0].id = 0;
    auto id = config.addTrunk(trunk);
    ASSERT_TRUE(id) << id.error().message;
    trunk.id = *id;
    directory.trunks.push_back(trunk);

    storage::sqlite::SqliteRegistrationStore store(**db);
    RegistrationWriter writer(store, clock);
    writer.start();
    base::TimerQueue timers(clock);
    Registrar reg({}, timers, digest, directory, &writer);
    Pbx pbx("pbx1", "s3cret", random);
    auto send = [&](const std::string& text) {
      auto req = parse(text);
      return parse(reg.handle(req, udpFrom("203.0.113.5:40123")).wire(req, "t"));
    };
    const std::string lines =
        contactLine("<sip:pbx1@192.168.1.10:5060>;q=0.8, <sip:pbx1@192.168.1.11:5060>") +
        "Expires: 600\r\n";
    auto first = send(pbx.text(lines));
    ASSERT_EQ(first.statusCode(), 401);
    pbx.challenged(first);
    ASSERT_EQ(send(pbx.text(lines)).statusCode(), 200);
    before = reg.lookup(trunk.id);
    ASSERT_EQ(before.size(), 2u);
    writer.stop();  // clean shutdown: every change is in the file
    EXPECT_EQ(writer.stats().applied, 2u);
  }

  clock.advance(60s);
  auto db = storage::sqlite::Database::open(file);
  ASSERT_TRUE(db);
  storage::sqlite::SqliteRegistrationStore store(**db);
  auto rows = store.list({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  base::TimerQueue timers(clock);
  Registrar reg({}, timers, digest, directory, nullptr);
  EXPECT_EQ(reg.restore(*rows), 2u);
  auto after = reg.lookup(directory.trunks[0].id);
  ASSERT_EQ(after.size(), 2u);
  std::sort(before.begin(), before.end(),
            [](const Binding& a, const Binding& b) { return a.contact < b.contact; });
  std::sort(after.begin(), after.end(),
            [](const Binding& a, const Binding& b) { return a.contact < b.contact; });
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(after[i].contact, before[i].contact);
    EXPECT_EQ(after[i].aor, "sip:pbx1@trunkline.test");
    EXPECT_EQ(after[i].flow.remote.toString(), "203.0.113.5:40123");
    EXPECT_EQ(after[i].expiresAtMs, before[i].expiresAtMs);
    EXPECT_EQ(after[i].expiresAt, before[i].expiresAt);  // 540 s left on the same clock
    EXPECT_TRUE(after[i].behindNat);
  }
  db->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace trunkline::registrar
