// The exposition format (escaping, HELP/TYPE, histograms) and concurrent updates.
#include <gtest/gtest.h>

#include <thread>

#include "metrics/process.h"
#include "metrics/registry.h"

namespace trunkline::metrics {
namespace {

TEST(Exposition, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escapeLabelValue(R"(a"b\c)"
                             "\nd"),
            R"(a\"b\\c\nd)");
  EXPECT_EQ(escapeHelp("x\\y\n\"z\""), "x\\\\y\\n\"z\"");
}

TEST(Exposition, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(42), "42");
  EXPECT_EQ(formatValue(-3), "-3");
  EXPECT_EQ(formatValue(0.25), "0.25");
  EXPECT_EQ(formatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(formatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(formatValue(0.0 / 0.0), "NaN");
  EXPECT_EQ(std::stod(formatValue(0.1)), 0.1);
}

TEST(Registry, RendersCountersWithHelpTypeAndSortedChildren) {
  Registry r;
  auto& calls = r.counter("tl_calls_total", "Calls.\nSecond line", {"trunk", "code"});
  calls.labels({"22", "200"}).inc(3);
  calls.labels({"1", "486"}).inc();
  calls.labels({"22", "200"}).inc();
  auto& g = r.gauge("tl_depth", "Depth.");
  g.labels({}).set(-5);
  EXPECT_EQ(r.render(),
            "# HELP tl_calls_total Calls.\\nSecond line\n"
            "# TYPE tl_calls_total counter\n"
            "tl_calls_total{trunk=\"1\",code=\"486\"} 1\n"
            "tl_calls_total{trunk=\"22\",code=\"200\"} 4\n"
            "# HELP tl_depth Depth.\n"
            "# TYPE tl_depth gauge\n"
            "tl_depth -5\n");
}

TEST(Registry, HostileLabelValuesAreEscaped) {
  Registry r;
  r.counter("x_total", "x", {"name"}).labels({"a\"}\n{b=\"c\\"}).inc();
  EXPECT_NE(r.render().find(R"(x_total{name="a\"}\n{b=\"c\\"} 1)"), std::string::npos)
      << r.render();
}

TEST(Registry, ScaledCounterExposesUnits) {
  Registry r;
  r.counter("talk_seconds_total", "Talk.", {}, 1000).labels({}).inc(61'500);
  EXPECT_NE(r.render().find("talk_seconds_total 61.5\n"), std::string::npos);
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.histogram("pdd_seconds", "PDD.", {"trunk"}, {0.5, 1, 2});
  auto& t = h.labels({"7"});
  t.observe(0.5);  // "le" is inclusive
  t.observe(0.7);
  t.observe(1.5);
  t.observe(9);
  EXPECT_EQ(r.render(),
            "# HELP pdd_seconds PDD.\n"
            "# TYPE pdd_seconds histogram\n"
            "pdd_seconds_bucket{trunk=\"7\",le=\"0.5\"} 1\n"
            "pdd_seconds_bucket{trunk=\"7\",le=\"1\"} 2\n"
            "pdd_seconds_bucket{trunk=\"7\",le=\"2\"} 3\n"
            "pdd_seconds_bucket{trunk=\"7\",le=\"+Inf\"} 4\n"
            "pdd_seconds_sum{trunk=\"7\"} 11.7\n"
            "pdd_seconds_count{trunk=\"7\"} 4\n");
}

TEST(Registry, CollectorsWriteAfterFamilies) {
  Registry r;
  r.counter("a_total", "A.").labels({}).inc();
  r.addCollector([](TextWriter& out) { out.single("b", "B.", MetricType::Gauge, 2.5); });
  EXPECT_EQ(r.render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n"
            "# HELP b B.\n# TYPE b gauge\nb 2.5\n");
}

TEST(Registry, NameRules) {
  EXPECT_TRUE(validMetricName("trunkline_calls_total"));
  EXPECT_TRUE(validMetricName("ns:rule_1"));
  EXPECT_FALSE(validMetricName("1abc"));
  EXPECT_FALSE(validMetricName("a-b"));
  EXPECT_FALSE(validMetricName(""));
  EXPECT_TRUE(validLabelName("trunk"));
  EXPECT_FALSE(validLabelName("__name"));
  EXPECT_FALSE(validLabelName("a:b"));
}

TEST(Registry, CountsExactlyFromManyThreads) {
  Registry r;
  auto& fam = r.counter("n_total", "N.", {"t"});
  auto& h = r.histogram("h", "H.", {}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10'000; ++i) {
        fam.labels({t % 2 ? "odd" : "even"}).inc();
        h.labels({}).observe(0.5);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(fam.labels({"odd"}).value(), 40'000u);
  EXPECT_EQ(fam.labels({"even"}).value(), 40'000u);
  auto s = h.labels({}).snapshot();
  EXPECT_EQ(s.count, 80'000u);
  EXPECT_DOUBLE_EQ(s.sum, 40'000);
}

TEST(Process, ReadsOwnResources) {
  auto s = readProcessStats();
  ASSERT_TRUE(s.residentBytes);
  EXPECT_GT(*s.residentBytes, 0);
  ASSERT_TRUE(s.openFds);
  EXPECT_GE(*s.openFds, 3);  // stdin, stdout, stderr
  ASSERT_TRUE(s.cpuSeconds);
  EXPECT_GE(*s.cpuSeconds, 0);
  ASSERT_TRUE(s.startTimeSeconds);
  EXPECT_GT(*s.startTimeSeconds, 1.5e9);
  TextWriter out;
  writeProcessStats(out, s);
  EXPECT_NE(out.text().find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(out.text().find("\nprocess_open_fds "), std::string::npos);
}

}  // namespace
}  // namespace trunkline::metrics
