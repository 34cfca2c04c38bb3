#pragma once
// DataDir: the node's data directory, created if missing and locked (flock) for the
// life of the process so that two trunkline instances never share one database.
#include <string>

#include "base/result.h"

namespace trunkline::storage {

class DataDir {
 public:
  /// Creates `path` (and parents) if needed and takes the lock. Error if another
  /// process holds it (the message names that process's pid when known).
  static base::Result<DataDir> open(const std::string& path);
  DataDir(DataDir&& o) noexcept : path_(std::move(o.path_)), lockFd_(o.lockFd_) { o.lockFd_ = -1; }
  DataDir& operator=(DataDir&&) = delete;
  ~DataDir();

  const std::string& path() const { return path_; }
  /// Path of a file inside the directory.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  DataDir(std::string path, int fd) : path_(std::move(path)), lockFd_(fd) {}
  std::string path_;
  int lockFd_ = -1;
};

}  // namespace trunkline::storage
