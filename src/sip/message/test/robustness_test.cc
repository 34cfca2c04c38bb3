// Never crash on hostile input: every torture message, truncated at every byte and with
// every byte replaced by a handful of syntax-laden characters, must parse to a value or a
// ParseError. Fuzz-found regressions go at the end.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace trunkline::sip {
namespace {

void exercise(std::string_view bytes) {
  auto m = SipMessage::parse(bytes);
  if (!m) {
    EXPECT_FALSE(m.error().text().empty());
    EXPECT_LE(m.error().offset, bytes.size() + 1);
    return;
  }
  (void)m->validate();
  (void)m->vias();
  (void)m->contacts();
  EXPECT_EQ(EditList{}.apply(*m), m->raw());
  if (m->isRequest()) (void)makeResponse(*m, 200, {}, "t");
}

std::vector<std::string> corpus() {
  std::vector<std::string> names;
  for (const char* dir : {"rfc4475", "rfc5118"}) {
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(TL_SIP_TEST_DATA_DIR) + "/" + dir)) {
      if (e.path().extension() == ".dat") {
        names.push_back(std::string(dir) + "/" + e.path().stem().string());
      }
    }
  }
  return names;
}

TEST(Robustness, TruncateAndMutateEveryByte) {
  const char kMutations[] = {'\0', '\r', '\n', ' ',  ':', ';', ',',
                             '"',  '<',  '>',  '\\', '[', '%', '\xFF'};
  auto names = corpus();
  ASSERT_GE(names.size(), 55u);
  std::size_t runs = 0;
  for (const std::string& name : names) {
    const std::string input = test::readData(name);
    for (std::size_t i = 0; i <= input.size(); ++i) {
      exercise(std::string_view(input).substr(0, i));
      ++runs;
      if (i == input.size()) break;
      std::string mutated = input;
      for (char c : kMutations) {
        mutated[i] = c;
        exercise(mutated);
        ++runs;
      }
      // Deleting one byte shifts everything after it.
      std::string deleted = input;
      deleted.erase(i, 1);
      exercise(deleted);
      ++runs;
    }
  }
  EXPECT_GT(runs, 100000u);
}

TEST(Robustness, PathologicalInputs) {
  exercise(std::string(70000, 'A'));
  exercise(std::string(60000, '\n'));
  exercise("OPTIONS sip:a@b.c SIP/2.0\r\n" + std::string(60000, ' ') + "\r\n\r\n");
  std::string manyHeaders = "OPTIONS sip:a@b.c SIP/2.0\r\n";
  for (int i = 0; i < 2000; ++i) manyHeaders += "X: y\r\n";
  manyHeaders += "\r\n";
  exercise(manyHeaders);
  std::string deepQuotes =
      "OPTIONS sip:a@b.c SIP/2.0\r\nTo: \"" + std::string(30000, '\\') + "\r\n\r\n";
  exercise(deepQuotes);
  for (std::string_view u : {"sip:[", "sip:[]", "sip:[:]", "sip:[::", "sip:a@[::1]:", "sips:@",
                             "tel:;", "sip:a;b=", "sip:a?=", "sip:a?b=c&", "x:%", "sip:%41"}) {
    (void)parseUri(u);
  }
  std::vector<Via> v;
  for (std::string_view s : {"", ",", "SIP", "SIP/", "SIP/2.0/", "SIP/2.0/UDP [", "S/2/U h;b=\""}) {
    (void)parseViaList(s, v);
  }
  std::vector<NameAddr> n;
  for (std::string_view s : {"\"", "<", "\"\\", "a <", "*", "**", "<>", "a b c", ";tag"}) {
    (void)parseNameAddrList(s, n);
  }
}

}  // namespace
}  // namespace trunkline::sip

namespace trunkline::sip {
namespace {

TEST(Robustness, BareCrIsNotALineBreak) {
  const std::string base =
      "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
      "From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: c\r\n"
      "CSeq: 1 OPTIONS\r\n";
  auto injected = SipMessage::parse(base + "Subject: hi\rX-Injected: 1\r\n\r\n");
  ASSERT_FALSE(injected);
  EXPECT_EQ(injected.error().code, ParseErrc::BadHeaderLine);
  EXPECT_EQ(injected.error().detail, "bare CR");
  EXPECT_TRUE(SipMessage::parse(base + "Subject: hi\r\n there\r\n\r\n"));
  auto cut = SipMessage::parse(base + "Subject: hi\r");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, ParseErrc::UnterminatedHeaders);
}

}  // namespace
}  // namespace trunkline::sip
