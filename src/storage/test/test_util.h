#pragma once
// Shared helpers of the storage tests: a fresh database file in a temp directory.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/sqlite/database.h"

namespace trunkline::storage::testing {

inline std::string freshDir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("tl-store-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

inline std::unique_ptr<sqlite::Database> openDb(const std::string& file) {
  auto db = sqlite::Database::open(file);
  EXPECT_TRUE(db) << db.error().message;
  return db ? std::move(*db) : nullptr;
}

inline DigestCredential cred(std::string user, std::string realm = "trunkline") {
  return {0, std::move(user), std::move(realm), std::string(32, 'a'), std::string(64, 'b')};
}

}  // namespace trunkline::storage::testing
