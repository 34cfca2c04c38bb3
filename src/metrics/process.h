#pragma once
// Process resources in the names every Prometheus client library uses
// (process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds), read from /proc/self at
// scrape time. Linux only; a value that cannot be read is left out, never invented.
#include <optional>

#include "metrics/exposition.h"

namespace trunkline::metrics {

struct ProcessStats {
  std::optional<double> cpuSeconds;  // user + system
  std::optional<double> residentBytes;
  std::optional<double> virtualBytes;
  std::optional<double> openFds;
  std::optional<double> maxFds;
  std::optional<double> startTimeSeconds;  // since the Unix epoch
};

ProcessStats readProcessStats();

/// Writes the families of `s` that have a value.
void writeProcessStats(TextWriter& out, const ProcessStats& s);

}  // namespace trunkline::metrics
