#include "metrics/process.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace trunkline::metrics {
namespace {

std::string readFile(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// /proc/stat "btime": boot time, seconds since the epoch.
std::optional<double> bootTime() {
  const std::string text = readFile("/proc/stat");
  const auto at = text.find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(text.c_str() + at + 7, nullptr);
}

}  // namespace

ProcessStats readProcessStats() {
  ProcessStats s;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // /proc/self/stat: "pid (comm) state ..." — comm may hold spaces and ')', so fields are
  // counted after the last ')'. Field 14/15 utime/stime, 22 starttime (ticks after boot),
  // 23 vsize (bytes), 24 rss (pages).
  const std::string stat = readFile("/proc/self/stat");
  const auto close = stat.rfind(')');
  if (close != std::string::npos && ticks > 0) {
    std::istringstream in(stat.substr(close + 1));
    std::string f[22];
    int n = 0;
    while (n < 22 && in >> f[n]) ++n;
    // f[0] is field 3 (state): field k is f[k - 3].
    if (n == 22) {
      s.cpuSeconds =
          (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) / ticks;
      if (auto boot = bootTime())
        s.startTimeSeconds = *boot + std::strtod(f[19].c_str(), nullptr) / ticks;
      s.virtualBytes = std::strtod(f[20].c_str(), nullptr);
      s.residentBytes = std::strtod(f[21].c_str(), nullptr) * page;
    }
  }
  if (DIR* d = ::opendir("/proc/self/fd")) {
    double count = 0;
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++count;
    ::closedir(d);
    s.openFds = count - 1;  // the directory stream's own descriptor
  }
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    s.maxFds = static_cast<double>(lim.rlim_cur);
  return s;
}

void writeProcessStats(TextWriter& out, const ProcessStats& s) {
  auto one = [&](const std::optional<double>& v, std::string_view name, std::string_view help,
                 MetricType type) {
    if (v) out.single(name, help, type, *v);
  };
  one(s.cpuSeconds, "process_cpu_seconds_total", "User and system CPU time, seconds.",
      MetricType::Counter);
  one(s.residentBytes, "process_resident_memory_bytes", "Resident memory size, bytes.",
      MetricType::Gauge);
  one(s.virtualBytes, "process_virtual_memory_bytes", "Virtual memory size, bytes.",
      MetricType::Gauge);
  one(s.openFds, "process_open_fds", "Open file descriptors.", MetricType::Gauge);
  one(s.maxFds, "process_max_fds", "Limit of open file descriptors.", MetricType::Gauge);
  one(s.startTimeSeconds, "process_start_time_seconds",
      "Start time of the process, seconds since the Unix epoch.", MetricType::Gauge);
}

}  // namespace trunkline::metrics
