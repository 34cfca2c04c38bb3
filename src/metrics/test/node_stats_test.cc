// NodeStats: shard copies are summed at scrape time; the SIP and CDR families render.
#include <gtest/gtest.h>

#include "metrics/node_stats.h"

namespace trunkline::metrics {
namespace {

TEST(NodeStats, SumsTheLatestCopyOfEveryShard) {
  NodeStats stats(2);
  ShardCounters a;
  a.transport.packetsIn = 10;
  a.transport.parseErrors = 1;
  a.transactions.serverCreated = 4;
  a.transactions.serverTerminated = 3;
  a.calls.invites = 2;
  a.registrations = 5;
  stats.publish(0, a);
  a.transport.packetsIn = 12;  // a later copy replaces the earlier one
  stats.publish(0, a);
  ShardCounters b;
  b.transport.packetsIn = 7;
  b.transactions.clientCreated = 2;
  stats.publish(1, b);
  stats.publish(9, b);  // no such shard: ignored
  const auto t = stats.total();
  EXPECT_EQ(t.transport.packetsIn, 19u);
  EXPECT_EQ(t.transactions.serverCreated, 4u);
  EXPECT_EQ(t.calls.invites, 2u);
  EXPECT_EQ(t.registrations, 5u);

  Registry r;
  billing::CdrWriterStats cdr;
  cdr.queueDepth = 3;
  cdr.written = 40;
  stats.registerMetrics(r, [&] { return cdr; });
  const std::string text = r.render();
  for (const char* line : {
           "trunkline_sip_messages_total{direction=\"in\"} 19\n",
           "trunkline_sip_parse_errors_total 1\n",
           "trunkline_sip_transactions_total{role=\"server\"} 4\n",
           "trunkline_sip_transactions_active 3\n",  // 4 + 2 created, 3 ended
           "trunkline_b2bua_invites_total 2\n",
           "trunkline_registrations 5\n",
           "trunkline_cdr_queue_depth 3\n",
           "trunkline_cdr_written_total 40\n",
       })
    EXPECT_NE(text.find(std::string("\n") + line), std::string::npos) << line << text;
  EXPECT_NE(text.find("# TYPE trunkline_sip_retransmissions_total counter\n"), std::string::npos);
}

}  // namespace
}  // namespace trunkline::metrics
