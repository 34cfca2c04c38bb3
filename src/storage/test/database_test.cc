#include <sqlite3.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/data_dir.h"
#include "storage/sqlite/database.h"

namespace trunkline::storage {
namespace {

std::string tempDir(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("tl-storage-") + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

TEST(DataDir, CreatesAndLocks) {
  auto path = tempDir("lock") + "/nested/dir";
  auto a = DataDir::open(path);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(std::filesystem::is_directory(path));
  auto b = DataDir::open(path);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("in use by another trunkline (pid " +
                                   std::to_string(::getpid()) + ")"),
            std::string::npos)
      << b.error().message;
}

TEST(Database, MigratesOnceAndKeepsNodeId) {
  auto dir = tempDir("db");
  std::filesystem::create_directories(dir);
  auto file = dir + "/trunkline.db";
  std::string nodeId;
  {
    auto db = sqlite::Database::open(file);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ((*db)->schemaVersion(), sqlite::migrations().back().version);
    nodeId = (*db)->nodeId();
    EXPECT_EQ(nodeId.size(), 16u);
  }
  auto db = sqlite::Database::open(file);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ((*db)->nodeId(), nodeId);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2((*db)->handle(), "SELECT COUNT(*) FROM schema_migrations", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), static_cast<int>(sqlite::migrations().size()));
  sqlite3_finalize(st);
}

TEST(Database, RefusesNewerSchema) {
  auto dir = tempDir("newer");
  std::filesystem::create_directories(dir);
  auto file = dir + "/trunkline.db";
  {
    auto db = sqlite::Database::open(file);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("INSERT INTO schema_migrations VALUES (9999, 'future', 0);"));
  }
  auto db = sqlite::Database::open(file);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("schema version 9999 is newer"), std::string::npos);
}

TEST(Database, UnopenablePathNamesFile) {
  auto db = sqlite::Database::open("/nonexistent-dir/x/trunkline.db");
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("/nonexistent-dir/x/trunkline.db: cannot open database"),
            std::string::npos);
}

}  // namespace
}  // namespace trunkline::storage
