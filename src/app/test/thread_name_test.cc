#include "app/thread_name.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>

namespace trunkline::app {
namespace {

std::string currentName() {
  std::array<char, 16> buf{};
  if (pthread_getname_np(pthread_self(), buf.data(), buf.size()) != 0) return "?";
  return buf.data();
}

TEST(ScopedThreadName, ThreadsStartedInTheScopeInheritTheNameAndTheCallerGetsItsOwnBack) {
  std::thread outer([] {
    pthread_setname_np(pthread_self(), "tl-test-outer");
    std::string inner;
    {
      ScopedThreadName name("tl-worker");
      EXPECT_EQ(currentName(), "tl-worker");
      std::thread t([&inner] { inner = currentName(); });
      t.join();
    }
    EXPECT_EQ(inner, "tl-worker");
    EXPECT_EQ(currentName(), "tl-test-outer");
  });
  outer.join();
}

TEST(ScopedThreadName, LongNamesAreCutToWhatTheKernelKeeps) {
  std::thread t([] {
    ScopedThreadName name("a-name-longer-than-fifteen-bytes");
    EXPECT_EQ(currentName(), "a-name-longer-t");
  });
  t.join();
}

}  // namespace
}  // namespace trunkline::app
