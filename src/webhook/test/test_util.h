#pragma once
// Helpers of the webhook tests: a fresh database with one account, subscriptions.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"
#include "webhook/sqlite_store.h"

namespace trunkline::webhook::testing {

inline std::string freshDbFile() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("tl-webhook-") + info->test_suite_name() + "-" + info->name() + "-" +
              std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "trunkline.db").string();
}

inline std::unique_ptr<storage::sqlite::Database> openDb(const std::string& file) {
  auto db = storage::sqlite::Database::open(file);
  EXPECT_TRUE(db) << db.error().message;
  return db ? std::move(*db) : nullptr;
}

inline Id addAccount(storage::sqlite::Database& db, std::string name) {
  storage::sqlite::SqliteConfigStore cfg(db);
  storage::Account a;
  a.name = std::move(name);
  auto id = cfg.addAccount(a);
  EXPECT_TRUE(id) << id.error().message;
  return id ? *id : 0;
}

inline Subscription sub(Id account, std::string url, std::uint32_t types = kAllTypes) {
  Subscription s;
  s.accountId = account;
  s.url = std::move(url);
  s.types = types;
  s.secret = "whsec_" + std::string(64, 'a');
  s.createdMs = s.updatedMs = 1'700'000'000'000;
  return s;
}

}  // namespace trunkline::webhook::testing
