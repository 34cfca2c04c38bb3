// bench_sip_parse: messages per second of Trunkline's SipMessage parser next to libosip2
// and Sofia-SIP, on the same messages, in one run, with the ratios printed at the end.
//
// Each iteration = parse one message + read top Via branch, From/To tags, Call-ID, CSeq,
// first Contact (user, host, port) and Content-Length + free it. Before timing, every
// parser's reads are checked against the expected values of each message; a mismatch
// aborts the run (a fast wrong parser would be measured otherwise).
//
// A second, paired measurement (--paired_rounds=N) guards the ratios against the host's
// speed drifting during the run: in each round every parser parses the same message for
// one short slice (~5 ms of thread CPU time), in rotating order, and the ratio is taken
// within the round; the report gives the median over the rounds.
//
// Usage: bench_sip_parse [--data-dir=DIR] [--paired_rounds=N] [google-benchmark flags]
//        bench_sip_parse --loop=PARSER:MESSAGE:N   (no timing; for callgrind/perf)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <time.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "adapters.h"

#ifndef TL_BENCH_DATA_DIR
#define TL_BENCH_DATA_DIR "bench/data"
#endif

namespace trunkline::bench {
namespace {

struct Expected {
  const char* branch;
  const char* fromTag;
  const char* toTag;
  const char* callId;
  long cseq;
  const char* cseqMethod;
  const char* contactUser;
  const char* contactHost;
  long contactPort;
  long contentLength;
};

struct Message {
  const char* name;  // short name used in benchmark names and the summary
  const char* file;  // under the data dir
  Expected expected;
  std::string bytes;
};

std::vector<Message> gMessages = {
    {"invite",
     "invite.sip",
     {"z9hG4bK-524287-1---8a6f0c2d51e7b3a9", "1928301774-a8f3", "",
      "3c26700b86f1-4f0a2d7e91c5@203.0.113.45", 314159, "INVITE", "+12125550199", "203.0.113.45",
      5060, 233},
     {}},
    {"200ok",
     "ok200.sip",
     {"z9hG4bK7f3a.5e1c09d2b4a8e6f1.0", "1928301774-a8f3", "as58f4201b",
      "3c26700b86f1-4f0a2d7e91c5@203.0.113.45", 314159, "INVITE", "+14155550123", "198.51.100.7",
      5060, 218},
     {}},
};

using ChecksumFn = bool (*)(std::string_view, ChecksumSink&);
using RecordFn = bool (*)(std::string_view, RecordSink&);
struct Parser {
  const char* name;
  ChecksumFn timed;
  RecordFn record;
};

const std::vector<Parser>& parsers() {
  static const std::vector<Parser> p = {
#ifdef TL_BENCH_HAVE_TRUNKLINE
      {"trunkline", &trunklineParseRead<ChecksumSink>, &trunklineParseRead<RecordSink>},
#endif
      {"osip", &osipParseRead<ChecksumSink>, &osipParseRead<RecordSink>},
      {"sofia", &sofiaParseRead<ChecksumSink>, &sofiaParseRead<RecordSink>},
  };
  return p;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_sip_parse: %s\n", why.c_str());
  std::exit(2);
}

void loadMessages(const std::string& dir) {
  for (Message& m : gMessages) {
    std::string path = dir + "/" + m.file;
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path + " (use --data-dir=DIR)");
    std::ostringstream ss;
    ss << in.rdbuf();
    m.bytes = ss.str();
  }
}

void verifyOne(const Parser& p, const Message& m) {
  RecordSink r;
  if (!p.record(m.bytes, r)) die(std::string(p.name) + " failed to parse " + m.name);
  const Expected& e = m.expected;
  auto check = [&](const char* what, const std::string& got, const char* want) {
    if (got != want)
      die(std::string(p.name) + " on " + m.name + ": " + what + " = '" + got + "', expected '" +
          want + "'");
  };
  auto checkNum = [&](const char* what, long got, long want) {
    if (got != want)
      die(std::string(p.name) + " on " + m.name + ": " + what + " = " + std::to_string(got) +
          ", expected " + std::to_string(want));
  };
  auto s = [&](Field f) -> const std::string& { return r.strs[static_cast<std::size_t>(f)]; };
  auto n = [&](Num f) { return r.nums[static_cast<std::size_t>(f)]; };
  check("Via branch", s(Field::Branch), e.branch);
  check("From tag", s(Field::FromTag), e.fromTag);
  check("To tag", s(Field::ToTag), e.toTag);
  check("Call-ID", s(Field::CallId), e.callId);
  checkNum("CSeq number", n(Num::CSeqNumber), e.cseq);
  check("CSeq method", s(Field::CSeqMethod), e.cseqMethod);
  check("Contact user", s(Field::ContactUser), e.contactUser);
  check("Contact host", s(Field::ContactHost), e.contactHost);
  checkNum("Contact port", n(Num::ContactPort), e.contactPort);
  checkNum("Content-Length", n(Num::ContentLength), e.contentLength);
}

void runParse(benchmark::State& state, const Parser* p, const Message* m) {
  const std::string_view bytes = m->bytes;
  ChecksumSink sink;
  for (auto _ : state) {
    if (!p->timed(bytes, sink)) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(sink.sum);
  }
  benchmark::DoNotOptimize(sink.sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

/// Console output as usual, plus it keeps msgs/s per benchmark: the median aggregate when
/// there are repetitions, else the single run.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal (the runner pipes the output through tee).
  CollectingReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      auto it = r.counters.find("items_per_second");
      if (it == r.counters.end()) continue;
      const std::string name = r.run_name.function_name + "/" + r.run_name.args;
      if (r.run_type == Run::RT_Aggregate) {
        if (r.aggregate_name == "median") median_[name] = it->second.value;
      } else {
        single_[name].push_back(it->second.value);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  /// msgs/s for "parser/message", or 0 if it did not run.
  double rate(const std::string& parser, const std::string& msg) const {
    const std::string key = "parse/" + parser + "/" + msg;
    for (const auto& [name, v] : median_)
      if (name.rfind(key, 0) == 0) return v;
    for (const auto& [name, v] : single_)
      if (name.rfind(key, 0) == 0 && !v.empty()) {
        std::vector<double> s = v;
        std::sort(s.begin(), s.end());
        return s[s.size() / 2];
      }
    return 0;
  }

 private:
  std::map<std::string, double> median_;
  std::map<std::string, std::vector<double>> single_;
};

void printSummary(const CollectingReporter& rep) {
  std::printf("\n== SIP parse + read common headers: messages/s on one core (median) ==\n");
  std::printf("%-8s %6s %14s %14s %14s %9s %9s %9s\n", "message", "bytes", "trunkline", "osip",
              "sofia", "tl/osip", "tl/sofia", "tl/max");
  bool haveOurs = false;
  bool meetsTarget = true;
  for (const Message& m : gMessages) {
    const double ours = rep.rate("trunkline", m.name);
    const double osip = rep.rate("osip", m.name);
    const double sofia = rep.rate("sofia", m.name);
    auto ratio = [](double a, double b) { return (a > 0 && b > 0) ? a / b : 0.0; };
    std::printf("%-8s %6zu %14.0f %14.0f %14.0f %9.2f %9.2f %9.2f\n", m.name, m.bytes.size(), ours,
                osip, sofia, ratio(ours, osip), ratio(ours, sofia),
                ratio(ours, std::max(osip, sofia)));
    if (ours > 0) haveOurs = true;
    if (std::string_view(m.name) == "invite") {
      if (ours < 1e6 || ratio(ours, std::max(osip, sofia)) < 3.0) meetsTarget = false;
    }
  }
  if (!haveOurs) {
    std::printf("target: not evaluated (Trunkline parser not built/run)\n");
  } else {
    std::printf("target (INVITE >= 1,000,000 msgs/s and >= 3.00x the faster peer): %s\n",
                meetsTarget ? "MET" : "NOT MET");
  }
}

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void runPaired(int rounds) {
  constexpr double kSlice = 0.005;  // seconds of thread CPU time per parser per round
  const auto& ps = parsers();
  std::printf("\n== paired: %d rounds x %zu parsers, ~%.0f ms slices, rotating order; medians ==\n",
              rounds, ps.size(), kSlice * 1e3);
  std::printf("%-8s %14s %14s %14s %9s %9s %9s\n", "message", "trunkline", "osip", "sofia",
              "tl/osip", "tl/sofia", "tl/max");
  ChecksumSink sink;
  for (const Message& m : gMessages) {
    // Messages per slice, per parser, from a short calibration.
    std::vector<long> perSlice(ps.size());
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const double t0 = threadCpuSeconds();
      long n = 0;
      while (threadCpuSeconds() - t0 < kSlice) {
        for (int k = 0; k < 50; ++k) ps[i].timed(m.bytes, sink);
        n += 50;
      }
      perSlice[i] = std::max(50L, n);
    }
    std::vector<std::vector<double>> rate(ps.size());
    std::vector<double> rOsip, rSofia, rMax;
    for (int r = 0; r < rounds; ++r) {
      std::vector<double> now(ps.size());
      for (std::size_t j = 0; j < ps.size(); ++j) {
        const std::size_t i = (j + static_cast<std::size_t>(r)) % ps.size();
        const double t0 = threadCpuSeconds();
        for (long k = 0; k < perSlice[i]; ++k) ps[i].timed(m.bytes, sink);
        const double dt = threadCpuSeconds() - t0;
        now[i] = dt > 0 ? static_cast<double>(perSlice[i]) / dt : 0;
        rate[i].push_back(now[i]);
      }
      double ours = 0, osip = 0, sofia = 0;
      for (std::size_t i = 0; i < ps.size(); ++i) {
        const std::string_view n = ps[i].name;
        (n == "trunkline" ? ours : n == "osip" ? osip : sofia) = now[i];
      }
      if (ours > 0 && osip > 0) rOsip.push_back(ours / osip);
      if (ours > 0 && sofia > 0) rSofia.push_back(ours / sofia);
      if (ours > 0 && std::max(osip, sofia) > 0) rMax.push_back(ours / std::max(osip, sofia));
    }
    double med[3] = {0, 0, 0};  // trunkline, osip, sofia
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const std::string_view n = ps[i].name;
      med[n == "trunkline" ? 0 : n == "osip" ? 1 : 2] = median(rate[i]);
    }
    std::printf("%-8s %14.0f %14.0f %14.0f %9.2f %9.2f %9.2f\n", m.name, med[0], med[1], med[2],
                median(rOsip), median(rSofia), median(rMax));
  }
  benchmark::DoNotOptimize(sink.sum);
}

int loopMode(const std::string& spec) {
  // PARSER:MESSAGE:N
  const auto a = spec.find(':');
  const auto b = spec.find(':', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) die("--loop=PARSER:MESSAGE:N");
  const std::string pn = spec.substr(0, a), mn = spec.substr(a + 1, b - a - 1);
  const long n = std::strtol(spec.c_str() + b + 1, nullptr, 10);
  const Parser* p = nullptr;
  const Message* m = nullptr;
  for (const Parser& x : parsers())
    if (pn == x.name) p = &x;
  for (const Message& x : gMessages)
    if (mn == x.name) m = &x;
  if (p == nullptr || m == nullptr || n <= 0) die("unknown parser/message in --loop=" + spec);
  ChecksumSink sink;
  for (long i = 0; i < n; ++i)
    if (!p->timed(m->bytes, sink)) die("parse failed");
  std::printf("%s %s x%ld checksum %llu\n", p->name, m->name, n,
              static_cast<unsigned long long>(sink.sum));
  return 0;
}

}  // namespace
}  // namespace trunkline::bench

int main(int argc, char** argv) {
  using namespace trunkline::bench;
  std::string dataDir = TL_BENCH_DATA_DIR;
  std::string loop;
  int pairedRounds = 0;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--data-dir=", 0) == 0) {
      dataDir = std::string(a.substr(11));
    } else if (a.rfind("--paired_rounds=", 0) == 0) {
      pairedRounds = std::atoi(argv[i] + 16);
    } else if (a.rfind("--loop=", 0) == 0) {
      loop = std::string(a.substr(7));
    } else {
      rest.push_back(argv[i]);
    }
  }
  loadMessages(dataDir);
  osipGlobalInit();
  for (const Parser& p : parsers())
    for (const Message& m : gMessages) verifyOne(p, m);
  std::printf("verified: %zu parsers x %zu messages extract the expected values\n",
              parsers().size(), gMessages.size());
#ifndef TL_BENCH_HAVE_TRUNKLINE
  std::printf("NOTE: built without the Trunkline parser (tl_sip_message not available)\n");
#endif
  if (!loop.empty()) return loopMode(loop);

  for (const Parser& p : parsers())
    for (const Message& m : gMessages)
      benchmark::RegisterBenchmark((std::string("parse/") + p.name + "/" + m.name).c_str(),
                                   runParse, &p, &m);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  CollectingReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  printSummary(rep);
  if (pairedRounds > 0) runPaired(pairedRounds);
  benchmark::Shutdown();
  return 0;
}
