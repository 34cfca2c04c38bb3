#pragma once
// ScopedThreadName: names the threads a subsystem starts, from app/, without touching the
// subsystem. On Linux a new thread starts with a copy of its creator's name (comm), so
// the wiring code renames the calling thread for the duration of a start() call and
// restores it afterwards. Names show in top -H, ps -L, gdb and /proc/<pid>/task/*/comm,
// which the benchmarks read to split CPU time per subsystem.
//
// The signalling shard runs on the process's main thread and keeps the process name
// (renaming it would rename the process for ps, pidof and systemd). Thread affinity: the
// calling thread only; no effect (but harmless) where naming is not supported.
#include <pthread.h>

#include <array>
#include <string_view>

namespace trunkline::app {

class ScopedThreadName {
 public:
  /// `name` is cut to the 15 bytes the kernel keeps.
  explicit ScopedThreadName(std::string_view name) {
    saved_ = pthread_getname_np(pthread_self(), previous_.data(), previous_.size()) == 0;
    std::array<char, 16> next{};
    name.copy(next.data(), next.size() - 1);
    pthread_setname_np(pthread_self(), next.data());
  }
  ~ScopedThreadName() {
    if (saved_) pthread_setname_np(pthread_self(), previous_.data());
  }
  ScopedThreadName(const ScopedThreadName&) = delete;
  ScopedThreadName& operator=(const ScopedThreadName&) = delete;

 private:
  std::array<char, 16> previous_{};
  bool saved_ = false;
};

}  // namespace trunkline::app
