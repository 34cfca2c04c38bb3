#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sip/transaction/branch.h"
#include "sip/transaction/test/fixture.h"

namespace trunkline::sip::testing {
namespace {

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

TEST(BranchGeneratorTest, CookiePlusUniqueTokenSuffix) {
  BranchGenerator gen;
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    std::string b = gen.next();
    ASSERT_EQ(b.substr(0, 7), "z9hG4bK");
    ASSERT_EQ(b.size(), 7u + 22u);
    for (char c : b) ASSERT_TRUE(isTokenChar(c)) << b;
    seen.insert(std::move(b));
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(BranchGeneratorTest, SeedsDiffer) {
  BranchGenerator a(1), a2(1), b(2);
  EXPECT_EQ(a.next(), a2.next());
  EXPECT_NE(a.next(), b.next());
  BranchGenerator r1, r2;  // random_device seeded
  EXPECT_NE(r1.next(), r2.next());
}

TEST(BranchGeneratorTest, SuffixUsesTheWholeAlphabet) {
  BranchGenerator gen(42);
  std::set<char> chars;
  for (int i = 0; i < 1000; ++i) {
    const std::string b = gen.next();
    chars.insert(b.begin() + 7, b.end());
  }
  EXPECT_EQ(chars.size(), 64u);
}

using LayerBranchTest = TxnTest;

TEST_F(LayerBranchTest, NewBranchStartsAClientTransaction) {
  Req r;
  r.method = "OPTIONS";
  r.branch = layer->newBranch();
  EXPECT_TRUE(r.branch.starts_with("z9hG4bK"));
  const auto h = send(requestText(r));
  EXPECT_EQ(layer->clientState(h), ClientState::Trying);
  EXPECT_EQ(sentMessage(0).topVia().branch, r.branch);
  EXPECT_NE(layer->newBranch(), r.branch);
}

}  // namespace
}  // namespace trunkline::sip::testing
