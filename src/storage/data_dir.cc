#include "storage/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace trunkline::storage {

base::Result<DataDir> DataDir::open(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec)
    return base::fail(base::Errc::Io,
                      fmt::format("{}: cannot create data directory: {}", path, ec.message()));
  const std::string lockPath = path + "/trunkline.lock";
  int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return base::fail(base::Errc::Io,
                      fmt::format("{}: cannot open lock file: {}", lockPath, std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return base::fail(
        base::Errc::Unavailable,
        fmt::format("{}: data directory is in use by another trunkline (pid {})", path, pid));
  }
  auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock is what matters; the pid is only for the message above.
  }
  return DataDir(path, fd);
}

DataDir::~DataDir() {
  if (lockFd_ >= 0) ::close(lockFd_);
}

}  // namespace trunkline::storage
