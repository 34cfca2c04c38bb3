// bench_cdr_query: CDR query latency at scale (issue 5: "filtered CDR page p99 < 50 ms at
// 1,000,000 CDRs in SQLite"; "no full scans").
//
//   bench_cdr_query --db /tmp/x/trunkline.db --rows 1000000   # fill, then measure
//   bench_cdr_query --db /tmp/x/trunkline.db --rows 0         # measure an existing file
//
// The file is created by storage::sqlite::Database::open (the real migrations) and filled
// through SqliteCdrStore::insertBatch inside one outer write transaction; the queries run
// through SqliteCdrStore::query, the function GET /v1/cdrs calls. Every statement SQLite
// runs is traced (sqlite3_trace_v2): its text is checked with EXPLAIN QUERY PLAN and its
// per-execution counters (rows stepped in a full scan, sorts, VM steps) are kept, so a
// plan that walks the table shows up even when it is fast on this data. Exit status 2 when
// any statement scans cdrs or cdr_attempts without an index.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "storage/sqlite/database.h"
#include "storage/sqlite/runtime_stores.h"
#include "storage/sqlite/statement.h"

namespace {

using trunkline::storage::Cdr;
using trunkline::storage::CdrQuery;
using trunkline::storage::Disposition;
using trunkline::storage::Id;
namespace sq = trunkline::storage::sqlite;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kYearStartMs = 1735689600000;  // 2025-01-01T00:00:00Z
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kYearMs = 365 * kDayMs;

struct Options {
  std::string db;
  std::size_t rows = 1'000'000;
  int accounts = 200;
  int iterations = 200;
  std::uint64_t seed = 1;
};

// The data's shape, derived from the options alone, so a later run (--rows 0) and the HTTP
// runner can pick parameters that exist.
struct Shape {
  int accounts;
  std::vector<double> cumulative;  // traffic share of accounts 1..n (Zipf, s = 1)
  static int trunksOf(int account) { return 1 + account % 4; }
  static Id firstTrunk(int account) {  // trunks are numbered account by account
    Id id = 1;
    for (int a = 1; a < account; ++a) id += trunksOf(a);
    return id;
  }
  explicit Shape(int n) : accounts(n) {
    double sum = 0;
    for (int k = 1; k <= n; ++k) cumulative.push_back(sum += 1.0 / k);
    for (auto& c : cumulative) c /= sum;
  }
  int pickAccount(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    auto it = std::lower_bound(cumulative.begin(), cumulative.end(), u);
    return static_cast<int>(std::min<std::ptrdiff_t>(it - cumulative.begin(), accounts - 1)) + 1;
  }
};

std::string digits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng() % 10);
  return s;
}

Cdr makeCdr(std::size_t i, std::size_t total, const Shape& shape, std::mt19937_64& rng) {
  Cdr c;
  const int account = shape.pickAccount(rng);
  c.accountId = account;
  c.trunkId = Shape::firstTrunk(account) + static_cast<Id>(rng() % Shape::trunksOf(account));
  c.direction = rng() % 10 < 3 ? trunkline::storage::Direction::Inbound
                               : trunkline::storage::Direction::Outbound;
  if (c.direction == trunkline::storage::Direction::Inbound)
    c.numberId = account * 50 + static_cast<Id>(rng() % 50);
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(rng()),
                static_cast<unsigned>(rng() & 0xffff), static_cast<unsigned>(rng() & 0xfff),
                static_cast<unsigned>(rng() & 0xfff),
                static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  c.callUuid = uuid;
  c.sourceAddress = fmt::format("udp:10.{}.{}.{}:5060", account % 250, rng() % 250, rng() % 250);
  c.fromE164 = "+1" + digits(rng, 10);
  c.toE164 = (rng() % 5 == 0 ? "+44" : "+1") + digits(rng, 10);
  c.fromRaw = c.fromE164.substr(1);
  c.toRaw = c.toE164.substr(1);
  // Rows arrive in about start order over one year (ids follow time, as when written).
  c.startMs = kYearStartMs + static_cast<std::int64_t>(static_cast<double>(i) / total * kYearMs) +
              static_cast<std::int64_t>(rng() % 30'000);
  const unsigned roll = rng() % 1000;
  c.disposition = roll < 600   ? Disposition::Answered
                  : roll < 720 ? Disposition::NoAnswer
                  : roll < 800 ? Disposition::Busy
                  : roll < 880 ? Disposition::Failed
                  : roll < 950 ? Disposition::Cancelled
                  : roll < 995 ? Disposition::Rejected
                               : Disposition::NoMedia;
  const std::int64_t ring = 500 + static_cast<std::int64_t>(rng() % 3000);
  if (c.disposition != Disposition::Rejected) c.ringMs = c.startMs + ring;
  if (c.disposition == Disposition::Answered || c.disposition == Disposition::NoMedia) {
    c.answerMs = c.ringMs + 2000 + static_cast<std::int64_t>(rng() % 15'000);
    c.durationMs = 1000 + static_cast<std::int64_t>(rng() % 600'000);
    c.endMs = c.answerMs + c.durationMs;
    c.billableS = static_cast<std::uint32_t>((c.durationMs + 999) / 1000);
    c.finalCode = 200;
    c.finalReason = "OK";
    c.hangupBy =
        rng() % 2 ? trunkline::storage::HangupBy::Caller : trunkline::storage::HangupBy::Callee;
  } else {
    c.endMs = c.startMs + ring + static_cast<std::int64_t>(rng() % 30'000);
    static constexpr std::pair<int, const char*> kCodes[] = {{200, "OK"},
                                                             {486, "Busy Here"},
                                                             {480, "Temporarily Unavailable"},
                                                             {503, "Service Unavailable"},
                                                             {487, "Request Terminated"},
                                                             {403, "Forbidden"},
                                                             {200, "OK"}};
    const auto& [code, reason] = kCodes[static_cast<int>(c.disposition)];
    c.finalCode = code;
    c.finalReason = reason;
    c.hangupBy = trunkline::storage::HangupBy::System;
  }
  if (c.disposition != Disposition::Rejected) {
    const int tries = rng() % 100 < 15 ? 2 : 1;
    for (int t = 0; t < tries; ++t)
      c.attempts.push_back({static_cast<Id>(1 + rng() % 20), 0,
                            fmt::format("udp:198.51.100.{}:5060", 1 + rng() % 200),
                            t + 1 < tries ? 503 : c.finalCode, t + 1 < tries ? "failover" : "",
                            c.startMs + t * 200,
                            t + 1 < tries ? c.startMs + t * 200 + 150 : c.endMs});
  }
  return c;
}

int fill(sq::Database& db, const Options& o, const Shape& shape) {
  sq::SqliteCdrStore store(db);
  std::mt19937_64 rng(o.seed);
  const auto t0 = Clock::now();
  (void)db.exec("PRAGMA synchronous=OFF;");  // a bench fill; the store's commits stay the same
  auto txn = sq::WriteTransaction::begin(db);
  if (!txn) {
    fmt::print(stderr, "begin: {}\n", txn.error().message);
    return 1;
  }
  constexpr std::size_t kBatch = 10'000;
  std::vector<Cdr> batch;
  batch.reserve(kBatch);
  for (std::size_t i = 0; i < o.rows; ++i) {
    batch.push_back(makeCdr(i, o.rows, shape, rng));
    if (batch.size() == kBatch || i + 1 == o.rows) {
      auto r = store.insertBatch(batch);  // nested in the outer transaction
      if (!r || *r != batch.size()) {
        fmt::print(stderr, "insertBatch: {}\n", r ? "rows skipped" : r.error().message);
        return 1;
      }
      batch.clear();
    }
  }
  if (auto r = txn->commit(); !r) {
    fmt::print(stderr, "commit: {}\n", r.error().message);
    return 1;
  }
  (void)db.exec("PRAGMA synchronous=FULL; PRAGMA wal_checkpoint(TRUNCATE);");
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print("# filled {} CDRs in {:.1f} s ({:.0f} rows/s, one transaction, insertBatch)\n", o.rows,
             s, o.rows / s);
  return 0;
}

// Per statement text: how it was executed (sqlite3_stmt_status, reset per execution).
struct StmtStats {
  std::size_t runs = 0;
  std::int64_t maxFullscanSteps = 0, maxSorts = 0, maxVmSteps = 0;
};
std::map<std::string, StmtStats> gStmts;

int onTrace(unsigned type, void*, void* p, void*) {
  if (type != SQLITE_TRACE_PROFILE) return 0;
  auto* stmt = static_cast<sqlite3_stmt*>(p);
  auto& s = gStmts[sqlite3_sql(stmt)];
  ++s.runs;
  s.maxFullscanSteps = std::max<std::int64_t>(
      s.maxFullscanSteps, sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1));
  s.maxSorts =
      std::max<std::int64_t>(s.maxSorts, sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_SORT, 1));
  s.maxVmSteps =
      std::max<std::int64_t>(s.maxVmSteps, sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 1));
  return 0;
}

struct Workload {
  std::string name;
  std::vector<double> ms;
  std::size_t rows = 0;
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

// EXPLAIN QUERY PLAN of one statement text; true when it scans a CDR table without an index.
bool explain(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr) !=
      SQLITE_OK) {
    fmt::print("  (cannot explain: {})\n", sqlite3_errmsg(db));
    return false;
  }
  bool bad = false;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string detail = reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    const bool scan =
        (detail.rfind("SCAN cdrs", 0) == 0 || detail.rfind("SCAN cdr_attempts", 0) == 0);
    const bool indexed = detail.find("USING") != std::string::npos;
    if (scan && !indexed) bad = true;
    fmt::print("    {}{}\n", detail,
               scan && !indexed ? "   <-- FULL SCAN"
               : scan           ? "   <-- whole index"
                                : "");
  }
  sqlite3_finalize(st);
  return bad;
}

int measure(sq::Database& db, const Options& o, const Shape& shape) {
  sq::SqliteCdrStore store(db);
  sqlite3_trace_v2(db.handle(), SQLITE_TRACE_PROFILE, onTrace, nullptr);
  std::mt19937_64 rng(o.seed + 7);
  auto day = [&](std::int64_t span) {
    return kYearStartMs +
           static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(kYearMs - span));
  };
  std::int64_t maxId = 0;
  {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db.handle(), "SELECT COALESCE(MAX(id), 0) FROM cdrs", -1, &st, nullptr);
    if (sqlite3_step(st) == SQLITE_ROW) maxId = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  fmt::print("# {} CDRs (max id {}), {} accounts (Zipf traffic; account 1 the largest)\n", maxId,
             maxId, o.accounts);
  std::vector<Workload> loads;
  auto run = [&](const std::string& name, auto&& makeQuery) {
    Workload w{name, {}, 0};
    for (int i = 0; i < o.iterations; ++i) {
      CdrQuery q = makeQuery();
      const auto t0 = Clock::now();
      auto page = store.query(q);
      const auto t1 = Clock::now();
      if (!page) {
        fmt::print(stderr, "{}: {}\n", name, page.error().message);
        std::exit(1);
      }
      w.ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      w.rows += page->cdrs.size();
    }
    loads.push_back(std::move(w));
  };
  const int big = 1;  // the largest account: the worst case for an account filter
  run("account (by traffic), 30 days, page 1", [&] {
    CdrQuery q;
    q.accountId = shape.pickAccount(rng);
    q.fromMs = day(30 * kDayMs);
    q.toMs = q.fromMs + 30 * kDayMs;
    return q;
  });
  run("largest account, 30 days, page 1", [&] {
    CdrQuery q;
    q.accountId = big;
    q.fromMs = day(30 * kDayMs);
    q.toMs = q.fromMs + 30 * kDayMs;
    return q;
  });
  run("largest account, whole year, page 1", [&] {
    CdrQuery q;
    q.accountId = big;
    q.fromMs = kYearStartMs;
    q.toMs = kYearStartMs + kYearMs;
    return q;
  });
  {
    // Cursor paging: walk one filtered result 100 rows at a time, up to 100 pages deep.
    Workload w{"largest account, 30 days, cursor pages 1-100", {}, 0};
    for (int walk = 0; walk < std::max(1, o.iterations / 100); ++walk) {
      CdrQuery q;
      q.accountId = big;
      q.fromMs = day(30 * kDayMs);
      q.toMs = q.fromMs + 30 * kDayMs;
      for (int page = 0; page < 100; ++page) {
        const auto t0 = Clock::now();
        auto p = store.query(q);
        w.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!p) return 1;
        w.rows += p->cdrs.size();
        if (!p->nextCursor) break;
        q.afterId = *p->nextCursor;
      }
    }
    loads.push_back(std::move(w));
  }
  run("account (by traffic), whole year, disposition busy", [&] {
    CdrQuery q;
    q.accountId = shape.pickAccount(rng);
    q.fromMs = kYearStartMs;
    q.toMs = kYearStartMs + kYearMs;
    q.disposition = Disposition::Busy;
    return q;
  });
  // The worst case of a filter without an index of its own: a rare disposition (0.5%) of
  // the largest account over the whole year is found by visiting the account's records.
  run("largest account, whole year, disposition no_media", [&] {
    CdrQuery q;
    q.accountId = big;
    q.fromMs = kYearStartMs;
    q.toMs = kYearStartMs + kYearMs;
    q.disposition = Disposition::NoMedia;
    return q;
  });
  run("trunk of the largest account, 7 days", [&] {
    CdrQuery q;
    q.trunkId = Shape::firstTrunk(big) + static_cast<Id>(rng() % Shape::trunksOf(big));
    q.fromMs = day(7 * kDayMs);
    q.toMs = q.fromMs + 7 * kDayMs;
    return q;
  });
  run("all accounts (admin), 1 day", [&] {
    CdrQuery q;
    q.fromMs = day(kDayMs);
    q.toMs = q.fromMs + kDayMs;
    return q;
  });
  run("all accounts (admin), 1 hour, disposition failed", [&] {
    CdrQuery q;
    q.fromMs = day(3'600'000);
    q.toMs = q.fromMs + 3'600'000;
    q.disposition = Disposition::Failed;
    return q;
  });
  run("no filter (admin export), cursor anywhere", [&] {
    CdrQuery q;
    q.afterId =
        static_cast<Id>(rng() % static_cast<std::uint64_t>(std::max<std::int64_t>(1, maxId)));
    return q;
  });
  sqlite3_trace_v2(db.handle(), 0, nullptr, nullptr);

  fmt::print("\n{:<52} {:>6} {:>9} {:>9} {:>9} {:>9}\n", "query (limit 100)", "runs", "p50 ms",
             "p99 ms", "max ms", "rows/q");
  double worstP99 = 0;
  std::string json = "{\"queries\": [";
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const auto& w = loads[i];
    const double p50 = pct(w.ms, 0.5), p99 = pct(w.ms, 0.99), mx = pct(w.ms, 1.0);
    worstP99 = std::max(worstP99, p99);
    fmt::print("{:<52} {:>6} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.1f}\n", w.name, w.ms.size(), p50, p99,
               mx, static_cast<double>(w.rows) / static_cast<double>(w.ms.size()));
    json += fmt::format(
        "{}{{\"name\": \"{}\", \"runs\": {}, \"p50_ms\": {:.3f}, \"p99_ms\": {:.3f}, "
        "\"max_ms\": {:.3f}}}",
        i ? ", " : "", w.name, w.ms.size(), p50, p99, mx);
  }
  fmt::print(
      "\n# statements run (EXPLAIN QUERY PLAN; per execution: max rows stepped by a full "
      "scan, sorts, VM steps)\n");
  bool bad = false;
  for (const auto& [sql, s] : gStmts) {
    fmt::print("  {}\n  runs {}, fullscan steps {}, sorts {}, VM steps {}\n", sql, s.runs,
               s.maxFullscanSteps, s.maxSorts, s.maxVmSteps);
    if (sql.rfind("SELECT", 0) == 0 && explain(db.handle(), sql)) bad = true;
  }
  json += fmt::format("], \"worst_p99_ms\": {:.3f}, \"full_scan\": {}}}", worstP99, bad);
  fmt::print("\n# worst p99 {:.3f} ms (target < 50 ms at 1,000,000 rows): {}\n", worstP99,
             worstP99 < 50 ? "met" : "NOT met");
  fmt::print("# result {}\n", json);
  if (bad) {
    fmt::print(stderr, "FAIL: a CDR query scans a table without an index (see the plans above)\n");
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", a);
        std::exit(64);
      }
      return argv[++i];
    };
    if (a == "--db")
      o.db = next();
    else if (a == "--rows")
      o.rows = std::stoull(next());
    else if (a == "--accounts")
      o.accounts = std::max(1, std::stoi(next()));
    else if (a == "--iterations")
      o.iterations = std::max(0, std::stoi(next()));
    else if (a == "--seed")
      o.seed = std::stoull(next());
    else {
      fmt::print(stderr,
                 "usage: bench_cdr_query --db FILE [--rows N (0 = use the file as is)] "
                 "[--accounts 200] [--iterations 200 (0 = fill only)] [--seed 1]\n");
      return 64;
    }
  }
  if (o.db.empty()) {
    fmt::print(stderr, "--db is required\n");
    return 64;
  }
  auto db = sq::Database::open(o.db);
  if (!db) {
    fmt::print(stderr, "{}\n", db.error().message);
    return 1;
  }
  Shape shape(o.accounts);
  if (o.rows > 0)
    if (int rc = fill(**db, o, shape); rc != 0) return rc;
  if (o.iterations == 0) return 0;  // a fill only (run_api_bench.py seeds its template)
  return measure(**db, o, shape);
}
