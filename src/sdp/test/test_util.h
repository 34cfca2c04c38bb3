#pragma once
// Helpers for the sdp tests: reading test files and writing SDP with readable line ends.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/session.h"

namespace trunkline::sdp::test {

inline std::string testDir() {
  return TL_SDP_TEST_DIR;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test file " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Every file of `dir` (under the test directory) whose name ends with `suffix`, sorted.
inline std::vector<std::filesystem::path> filesIn(const std::string& dir, std::string_view suffix) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(testDir() + "/" + dir)) {
    std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.ends_with(suffix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Test bodies are written with "\n"; the wire form has CRLF.
inline std::string crlf(std::string_view lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

/// Parses or fails the test with the parser's message.
inline SessionDescription mustParse(std::string_view text) {
  auto d = SessionDescription::parseOwned(text);
  if (!d) {
    ADD_FAILURE() << "parse failed: " << d.error().message;
    return std::move(*SessionDescription::parseOwned("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\n"));
  }
  return std::move(*d);
}

}  // namespace trunkline::sdp::test
