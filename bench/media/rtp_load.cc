// rtp_load: the load generator of the relay benchmark (README.md). It plays both ends of N
// G.711 calls: each call sends one 172-byte RTP packet (12-byte header + 160 bytes, 20 ms
// of PCMU) every 20 ms from its A side to the relay's leg-A port and from its B side to the
// relay's leg-B port, and receives what the relay forwards on the other side. Loss and
// latency are measured in one process, so latency is simply receive time minus the send
// time written into the payload (CLOCK_MONOTONIC).
//
// Sockets: --sockets S per side, bound to --a-ip / --b-ip at ports --port .. --port+S-1;
// call i uses socket i % S on each side (the relay's signalled peers, see
// bench_relay_server --peer-*). Traffic is paced on an absolute 1 ms schedule; call i's A
// packets go out in tick (i mod 20) of every 20 ms period and its B packets 10 ms later, so
// the load is flat. Each tick's packets leave in sendmmsg runs per source socket.
//
// Phases: warm-up (--warmup seconds), measurement window (--duration seconds), then
// --drain-ms of listening. Only packets scheduled inside the window count for the loss,
// latency and CPU figures. With --server-pid, the CPU time of every thread of that process
// (/proc/PID/task/*/schedstat, ns on CPU) is read at the window's start and end.
//
// Targets: --targets FILE, one line per call "IP PORT_A PORT_B" (the relay's ports), or
// --direct (no relay: A sends straight to B's socket and back, for the generator's own
// latency floor). Output: one JSON line on stdout.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kPacketSize = 172;      // RTP 12 + G.711 20 ms (160)
constexpr std::uint32_t kMagic = 0x544c5242;  // "TLRB"
constexpr int kTickNs = 1'000'000;
constexpr std::size_t kMaxRun = 256;           // messages per sendmmsg
constexpr std::size_t kRecvBatch = 64;         // messages per recvmmsg
constexpr std::size_t kHistBuckets = 200'000;  // 1 µs each: 0..200 ms, then overflow

struct Options {
  std::string targets;
  bool direct = false;
  std::size_t calls = 0;  // with --direct
  std::string aIp = "127.0.0.11";
  std::string bIp = "127.0.0.12";
  unsigned port = 15000;
  unsigned sockets = 32;
  unsigned pps = 50;
  double warmup = 3;
  double duration = 20;
  unsigned drainMs = 1000;
  int serverPid = 0;
};

[[noreturn]] void usage(const char* error) {
  std::fprintf(stderr,
               "rtp_load: %s\n"
               "usage: rtp_load (--targets FILE | --direct --calls N) [--a-ip IP] [--b-ip IP]\n"
               "  [--port P] [--sockets S] [--pps 50] [--warmup S] [--duration S]\n"
               "  [--drain-ms MS] [--server-pid PID]\n",
               error);
  std::exit(2);
}

Options parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--direct") {
      o.direct = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    char* end = nullptr;
    const double num = std::strtod(v, &end);
    const bool isNum = end != v && *end == '\0' && num >= 0 && num < 1e7;
    if (arg == "--targets")
      o.targets = v;
    else if (arg == "--a-ip")
      o.aIp = v;
    else if (arg == "--b-ip")
      o.bIp = v;
    else if (!isNum)
      usage("bad number");
    else if (arg == "--calls")
      o.calls = static_cast<std::size_t>(num);
    else if (arg == "--port")
      o.port = static_cast<unsigned>(num);
    else if (arg == "--sockets")
      o.sockets = static_cast<unsigned>(num);
    else if (arg == "--pps")
      o.pps = static_cast<unsigned>(num);
    else if (arg == "--warmup")
      o.warmup = num;
    else if (arg == "--duration")
      o.duration = num;
    else if (arg == "--drain-ms")
      o.drainMs = static_cast<unsigned>(num);
    else if (arg == "--server-pid")
      o.serverPid = static_cast<int>(num);
    else
      usage("unknown option");
  }
  if (o.direct == !o.targets.empty()) usage("give exactly one of --targets and --direct");
  if (o.sockets == 0 || o.sockets > 1024 || o.port + o.sockets > 65536) usage("bad sockets");
  if (o.pps == 0 || 1000 % o.pps != 0 || 1000 / o.pps < 2) usage("pps must divide 1000");
  if (o.duration <= 0 || o.duration > 600 || o.warmup > 600) usage("bad duration");
  return o;
}

std::int64_t monoNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void sleepUntil(std::int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

struct CpuSample {
  std::uint64_t onCpu = 0;    // ns running
  std::uint64_t waiting = 0;  // ns runnable but waiting for a CPU (host contention)
};

// Every thread of `pid`: the first two fields of /proc/PID/task/TID/schedstat.
CpuSample processCpu(int pid) {
  CpuSample total;
  if (pid <= 0) return total;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return total;
  for (int guard = 0; guard < 100000; ++guard) {
    dirent* e = ::readdir(d);
    if (e == nullptr) break;
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(dir + "/" + e->d_name + "/schedstat");
    unsigned long long run = 0, wait = 0;
    if (f >> run >> wait) {
      total.onCpu += run;
      total.waiting += wait;
    }
  }
  ::closedir(d);
  return total;
}

void put32(std::uint8_t* p, std::uint32_t v) {
  v = htonl(v);
  std::memcpy(p, &v, 4);
}
std::uint32_t get32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

sockaddr_in makeAddr(const std::string& ip, unsigned port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) usage("bad IPv4 address");
  return a;
}

int bindSocket(const sockaddr_in& addr) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("socket");
    std::exit(1);
  }
  const int buf = 4 << 20;
  // FORCE goes past rmem_max when we may; otherwise the plain option caps at rmem_max.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "bind %s:%u: %s\n", inet_ntoa(addr.sin_addr), ntohs(addr.sin_port),
                 std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

// One direction of one call: dir 0 is sent by side A (to the relay's leg A), dir 1 by B.
struct Flow {
  std::array<std::uint8_t, kPacketSize> packet{};
  sockaddr_in dest{};
  int fd = -1;
  std::uint32_t seq = 0;
};

struct Shared {
  std::size_t calls = 0;
  unsigned sockets = 0;
  std::int64_t windowStart = 0;
  std::int64_t windowEnd = 0;
  std::atomic<bool> stopReceiver{false};
};

struct SenderResult {
  std::uint64_t sentTotal = 0;
  std::uint64_t sentWindow = 0;
  std::uint64_t sendErrors = 0;
  CpuSample cpuStart;
  CpuSample cpuEnd;
  std::int64_t cpuStartAt = 0;
  std::int64_t cpuEndAt = 0;
  std::int64_t maxLagNs = 0;
  std::uint64_t lateTicks = 0;  // ticks started more than 1 ms late
};

struct ReceiverResult {
  std::uint64_t recvTotal = 0;
  std::uint64_t recvWindow = 0;
  std::uint64_t bad = 0;           // not ours, wrong size
  std::uint64_t misdelivered = 0;  // ours, arrived on the wrong socket
  std::uint64_t reordered = 0;     // sequence not above the last one of its flow
  std::vector<std::uint64_t> hist = std::vector<std::uint64_t>(kHistBuckets + 1);
  std::int64_t maxLatencyNs = 0;
};

void runSender(const Options& opt, Shared& sh, std::vector<Flow>& flows, std::int64_t start,
               SenderResult& res) {
  const int ticksPerPeriod = 1000 / static_cast<int>(opt.pps);
  // Per tick of the period: the flows due, grouped by source socket for sendmmsg runs.
  std::vector<std::vector<std::uint32_t>> slots(static_cast<std::size_t>(ticksPerPeriod));
  for (std::size_t f = 0; f < flows.size(); ++f) {
    const std::size_t call = f / 2;
    const std::size_t dir = f % 2;
    const std::size_t slot = (call + dir * static_cast<std::size_t>(ticksPerPeriod / 2)) %
                             static_cast<std::size_t>(ticksPerPeriod);
    slots[slot].push_back(static_cast<std::uint32_t>(f));
  }
  for (auto& s : slots)
    std::stable_sort(s.begin(), s.end(),
                     [&](std::uint32_t x, std::uint32_t y) { return flows[x].fd < flows[y].fd; });

  std::vector<mmsghdr> msgs(kMaxRun);
  std::vector<iovec> iovs(kMaxRun);
  const std::int64_t totalTicks = (sh.windowEnd - start) / kTickNs;
  bool windowOpen = false;
  for (std::int64_t tick = 0; tick < totalTicks; ++tick) {
    const std::int64_t due = start + tick * kTickNs;
    std::int64_t now = monoNs();
    if (now < due) {
      sleepUntil(due);
      now = monoNs();
    }
    const std::int64_t lag = now - due;
    res.maxLagNs = std::max(res.maxLagNs, lag);
    if (lag > kTickNs) ++res.lateTicks;
    const bool inWindow = due >= sh.windowStart;
    if (inWindow && !windowOpen) {
      windowOpen = true;
      res.cpuStart = processCpu(opt.serverPid);
      res.cpuStartAt = monoNs();
    }
    const auto& due_flows = slots[static_cast<std::size_t>(tick % ticksPerPeriod)];
    std::size_t i = 0;
    while (i < due_flows.size()) {
      // One run: consecutive flows leaving the same socket, at most kMaxRun.
      const int fd = flows[due_flows[i]].fd;
      std::size_t n = 0;
      const std::uint64_t sendNs = static_cast<std::uint64_t>(monoNs());
      while (i + n < due_flows.size() && n < kMaxRun && flows[due_flows[i + n]].fd == fd) {
        Flow& fl = flows[due_flows[i + n]];
        std::uint8_t* p = fl.packet.data();
        const std::uint32_t seq = fl.seq++;
        p[2] = static_cast<std::uint8_t>(seq >> 8);
        p[3] = static_cast<std::uint8_t>(seq);
        put32(p + 4, seq * 160);
        p[21] = inWindow ? 1 : 0;
        put32(p + 24, seq);
        std::memcpy(p + 32, &sendNs, 8);
        iovs[n] = iovec{p, kPacketSize};
        msgs[n] = mmsghdr{};
        msgs[n].msg_hdr.msg_name = &fl.dest;
        msgs[n].msg_hdr.msg_namelen = sizeof fl.dest;
        msgs[n].msg_hdr.msg_iov = &iovs[n];
        msgs[n].msg_hdr.msg_iovlen = 1;
        ++n;
      }
      std::size_t k = 0;
      while (k < n) {  // each pass sends at least one or skips one: bounded by n
        const int sent = ::sendmmsg(fd, &msgs[k], static_cast<unsigned>(n - k), 0);
        if (sent <= 0) {
          ++res.sendErrors;
          ++k;
          continue;
        }
        res.sentTotal += static_cast<std::uint64_t>(sent);
        if (inWindow) res.sentWindow += static_cast<std::uint64_t>(sent);
        k += static_cast<std::size_t>(sent);
      }
      i += n;
    }
  }
  res.cpuEnd = processCpu(opt.serverPid);
  res.cpuEndAt = monoNs();
}

void runReceiver(Shared& sh, const std::vector<int>& fds, std::vector<std::uint32_t>& lastSeq,
                 std::vector<std::uint64_t>& received, ReceiverResult& res) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    std::perror("epoll_create1");
    std::exit(1);
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(i);  // side * sockets + index
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) {
      std::perror("epoll_ctl");
      std::exit(1);
    }
  }
  std::vector<std::array<std::uint8_t, 2048>> bufs(kRecvBatch);
  std::vector<mmsghdr> msgs(kRecvBatch);
  std::vector<iovec> iovs(kRecvBatch);
  std::vector<epoll_event> ready(256);
  while (!sh.stopReceiver.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 50);
    for (int r = 0; r < n; ++r) {
      const std::uint32_t sockIndex = ready[r].data.u32;
      const int fd = fds[sockIndex];
      for (std::size_t m = 0; m < kRecvBatch; ++m) {
        iovs[m] = iovec{bufs[m].data(), bufs[m].size()};
        msgs[m] = mmsghdr{};
        msgs[m].msg_hdr.msg_iov = &iovs[m];
        msgs[m].msg_hdr.msg_iovlen = 1;
      }
      const int got = ::recvmmsg(fd, msgs.data(), kRecvBatch, MSG_DONTWAIT, nullptr);
      if (got <= 0) continue;
      const std::int64_t now = monoNs();
      const std::uint32_t side = sockIndex / sh.sockets;
      const std::uint32_t index = sockIndex % sh.sockets;
      for (int m = 0; m < got; ++m) {
        const std::uint8_t* p = bufs[m].data();
        if (msgs[m].msg_len != kPacketSize || get32(p + 12) != kMagic) {
          ++res.bad;
          continue;
        }
        const std::uint32_t call = get32(p + 16);
        const std::uint32_t dir = p[20];
        if (call >= sh.calls || dir > 1) {
          ++res.bad;
          continue;
        }
        // What A sent (dir 0) must come out at B, on the call's own socket.
        if (side != 1 - dir || index != call % sh.sockets) {
          ++res.misdelivered;
          continue;
        }
        const std::size_t flow = std::size_t{call} * 2 + dir;
        const std::uint32_t seq = get32(p + 24);
        if (received[flow] > 0 && seq <= lastSeq[flow])
          ++res.reordered;
        else
          lastSeq[flow] = seq;
        ++received[flow];
        ++res.recvTotal;
        if (p[21] == 0) continue;
        ++res.recvWindow;
        std::int64_t sent;
        std::memcpy(&sent, p + 32, 8);
        const std::int64_t lat = std::max<std::int64_t>(0, now - sent);
        res.maxLatencyNs = std::max(res.maxLatencyNs, lat);
        const std::size_t bucket = static_cast<std::size_t>(lat / 1000);
        ++res.hist[std::min(bucket, kHistBuckets)];
      }
    }
  }
  ::close(ep);
}

double percentileUs(const std::vector<std::uint64_t>& hist, double q) {
  std::uint64_t total = 0;
  for (std::uint64_t c : hist) total += c;
  if (total == 0) return -1;
  const std::uint64_t rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < hist.size(); ++i) {
    seen += hist[i];
    if (seen >= rank) return static_cast<double>(i) + 0.5;  // bucket middle
  }
  return static_cast<double>(hist.size());
}

std::vector<std::pair<sockaddr_in, sockaddr_in>> readTargets(const std::string& path) {
  std::ifstream f(path);
  if (!f) usage("cannot open --targets");
  std::vector<std::pair<sockaddr_in, sockaddr_in>> out;
  std::string ip;
  unsigned a = 0, b = 0;
  while (out.size() < 1'000'000 && (f >> ip >> a >> b)) {
    if (a == 0 || a > 65535 || b == 0 || b > 65535) usage("bad port in --targets");
    out.emplace_back(makeAddr(ip, a), makeAddr(ip, b));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parseArgs(argc, argv);
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // wake for each tick on time

  std::vector<int> fds;  // side A sockets, then side B
  std::vector<sockaddr_in> localAddrs;
  for (int side = 0; side < 2; ++side)
    for (unsigned s = 0; s < opt.sockets; ++s) {
      localAddrs.push_back(makeAddr(side == 0 ? opt.aIp : opt.bIp, opt.port + s));
      fds.push_back(bindSocket(localAddrs.back()));
    }

  std::vector<std::pair<sockaddr_in, sockaddr_in>> targets;
  std::size_t calls = opt.calls;
  if (!opt.direct) {
    targets = readTargets(opt.targets);
    calls = targets.size();
  }
  if (calls == 0 || calls > 100'000) usage("need 1..100000 calls");

  std::vector<Flow> flows(calls * 2);
  for (std::size_t c = 0; c < calls; ++c)
    for (std::size_t dir = 0; dir < 2; ++dir) {
      Flow& fl = flows[c * 2 + dir];
      const std::size_t s = c % opt.sockets;
      fl.fd = fds[dir * opt.sockets + s];
      // Through the relay: A sends to its leg-A port, B to its leg-B port. Direct: to the
      // other side's own socket.
      if (opt.direct)
        fl.dest = localAddrs[(1 - dir) * opt.sockets + s];
      else
        fl.dest = dir == 0 ? targets[c].first : targets[c].second;
      std::uint8_t* p = fl.packet.data();
      std::memset(p, 0xff, kPacketSize);  // PCMU silence-ish payload
      p[0] = 0x80;                        // V=2, no padding/extension/CSRC
      p[1] = 0;                           // M=0, PT 0 (PCMU)
      put32(p + 8, static_cast<std::uint32_t>(0x10000 + c * 2 + dir));  // SSRC
      put32(p + 12, kMagic);
      put32(p + 16, static_cast<std::uint32_t>(c));
      p[20] = static_cast<std::uint8_t>(dir);
    }

  Shared sh;
  sh.calls = calls;
  sh.sockets = opt.sockets;
  const std::int64_t start = monoNs() + 100'000'000;
  sh.windowStart = start + static_cast<std::int64_t>(opt.warmup * 1e9);
  sh.windowEnd = sh.windowStart + static_cast<std::int64_t>(opt.duration * 1e9);

  std::vector<std::uint32_t> lastSeq(flows.size());
  std::vector<std::uint64_t> received(flows.size());
  ReceiverResult rr;
  SenderResult sr;
  std::thread receiver([&] { runReceiver(sh, fds, lastSeq, received, rr); });
  runSender(opt, sh, flows, start, sr);
  sleepUntil(monoNs() + std::int64_t{opt.drainMs} * 1'000'000);
  sh.stopReceiver = true;
  receiver.join();

  std::size_t flowsWithLoss = 0;
  for (std::size_t f = 0; f < flows.size(); ++f)
    if (received[f] < flows[f].seq) ++flowsWithLoss;
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const double genCpuS = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  const double lossWindow =
      sr.sentWindow ? 1.0 - static_cast<double>(rr.recvWindow) / static_cast<double>(sr.sentWindow)
                    : 1.0;
  const double lossTotal =
      sr.sentTotal ? 1.0 - static_cast<double>(rr.recvTotal) / static_cast<double>(sr.sentTotal)
                   : 1.0;
  const std::uint64_t cpuNs = sr.cpuEnd.onCpu - sr.cpuStart.onCpu;
  const std::uint64_t waitNs = sr.cpuEnd.waiting - sr.cpuStart.waiting;
  const double windowS = static_cast<double>(sr.cpuEndAt - sr.cpuStartAt) / 1e9;
  // On a loaded host the sender may fall behind its schedule and offer less than the nominal
  // rate (it catches up, so nothing is skipped, but the window stretches): such a run says
  // nothing about the relay's ceiling, so it is flagged.
  const double nominalPps = static_cast<double>(calls) * 2 * opt.pps;
  const double offeredPps = windowS > 0 ? static_cast<double>(sr.sentWindow) / windowS : 0.0;
  const bool rateOk = offeredPps >= 0.98 * nominalPps;
  std::printf(
      "{\"calls\":%zu,\"pps_per_direction\":%u,\"window_s\":%.3f,\"sent_total\":%llu,"
      "\"recv_total\":%llu,\"sent_window\":%llu,\"recv_window\":%llu,\"loss_window\":%.6f,"
      "\"loss_total\":%.6f,\"flows_with_loss\":%zu,\"bad\":%llu,\"misdelivered\":%llu,"
      "\"reordered\":%llu,\"send_errors\":%llu,\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f,"
      "\"lat_p999_us\":%.1f,\"lat_max_us\":%.1f,\"server_cpu_ns\":%llu,"
      "\"server_cpu_ns_per_pkt\":%.1f,\"server_cpu_util\":%.4f,\"server_runq_wait_util\":%.4f,"
      "\"gen_cpu_s\":%.3f,"
      "\"max_send_lag_us\":%.1f,\"late_ticks\":%llu,\"nominal_pps\":%.0f,\"offered_pps\":%.0f,"
      "\"rate_ok\":%s}\n",
      calls, opt.pps, windowS, static_cast<unsigned long long>(sr.sentTotal),
      static_cast<unsigned long long>(rr.recvTotal), static_cast<unsigned long long>(sr.sentWindow),
      static_cast<unsigned long long>(rr.recvWindow), lossWindow, lossTotal, flowsWithLoss,
      static_cast<unsigned long long>(rr.bad), static_cast<unsigned long long>(rr.misdelivered),
      static_cast<unsigned long long>(rr.reordered), static_cast<unsigned long long>(sr.sendErrors),
      percentileUs(rr.hist, 0.50), percentileUs(rr.hist, 0.99), percentileUs(rr.hist, 0.999),
      static_cast<double>(rr.maxLatencyNs) / 1e3, static_cast<unsigned long long>(cpuNs),
      rr.recvWindow ? static_cast<double>(cpuNs) / static_cast<double>(rr.recvWindow) : 0.0,
      windowS > 0 ? static_cast<double>(cpuNs) / 1e9 / windowS : 0.0,
      windowS > 0 ? static_cast<double>(waitNs) / 1e9 / windowS : 0.0, genCpuS,
      static_cast<double>(sr.maxLagNs) / 1e3, static_cast<unsigned long long>(sr.lateTicks),
      nominalPps, offeredPps, rateOk ? "true" : "false");
  for (int fd : fds) ::close(fd);
  return 0;
}
