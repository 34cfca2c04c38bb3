// bench_relay_server: hosts a media::MediaEngine for the relay benchmark (README.md). It
// creates --calls sessions of one stream each, both legs on --local, whose signalled peers
// are the load generator's sockets (call i: --peer-a / --peer-b at port --peer-port + i %
// --peer-sockets), starts --workers relay threads and prints one JSON line with the relay
// ports of every call:
//
//   {"pid":123,"workers":1,"calls":[[portA,portB],...]}
//
// (the generator sends leg A's traffic to portA and leg B's to portB). It then relays until
// a line on stdin, end of stdin, SIGINT/SIGTERM or --max-seconds, stops the workers and
// prints a second JSON line with the engine's own counters (packets forwarded and dropped by
// reason, summed over every call), so the generator's loss figure can be cross-checked.
#include <poll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "media/engine.h"

namespace media = trunkline::media;
namespace net = trunkline::net;

namespace {

volatile std::sig_atomic_t gStop = 0;
void onSignal(int) {
  gStop = 1;
}

struct Options {
  std::size_t calls = 500;
  std::size_t workers = 1;
  std::string local = "127.0.0.10";
  std::string peerA = "127.0.0.11";
  std::string peerB = "127.0.0.12";
  unsigned peerPort = 15000;
  unsigned peerSockets = 32;
  unsigned minPort = 20000;
  unsigned maxPort = 39999;
  unsigned maxSeconds = 900;
  unsigned paceUs = 0;  // 0: the engine's own worker threads
};

[[noreturn]] void usage(const char* error) {
  std::fprintf(stderr,
               "bench_relay_server: %s\n"
               "usage: bench_relay_server [--calls N] [--workers N] [--local IP]\n"
               "  [--peer-a IP] [--peer-b IP] [--peer-port P] [--peer-sockets S]\n"
               "  [--min-port P] [--max-port P] [--max-seconds S] [--pace-us US]\n",
               error);
  std::exit(2);
}

unsigned long number(const char* text, unsigned long max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v > max) usage("bad number");
  return v;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) usage("missing value");
    const char* v = argv[++i];
    if (arg == "--calls")
      o.calls = number(v, 100000);
    else if (arg == "--workers")
      o.workers = number(v, 64);
    else if (arg == "--local")
      o.local = v;
    else if (arg == "--peer-a")
      o.peerA = v;
    else if (arg == "--peer-b")
      o.peerB = v;
    else if (arg == "--peer-port")
      o.peerPort = number(v, 65535);
    else if (arg == "--peer-sockets")
      o.peerSockets = number(v, 4096);
    else if (arg == "--min-port")
      o.minPort = number(v, 65535);
    else if (arg == "--max-port")
      o.maxPort = number(v, 65535);
    else if (arg == "--max-seconds")
      o.maxSeconds = number(v, 86400);
    else if (arg == "--pace-us")
      o.paceUs = number(v, 100000);
    else
      usage("unknown option");
  }
  if (o.paceUs > 0 && o.workers != 1) usage("--pace-us drives one worker");
  if (o.workers == 0 || o.peerSockets == 0 || o.peerPort + o.peerSockets > 65536)
    usage("bad workers/peer sockets");
  return o;
}

// Four sockets per call; the default soft limit (1024) would stop us near 250 calls.
void raiseFileLimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

net::Address addressOrDie(const std::string& ip, unsigned port) {
  auto a = net::Address::fromIp(ip, static_cast<std::uint16_t>(port));
  if (!a) usage("bad IP address");
  return *a;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parseArgs(argc, argv);
  raiseFileLimit();
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGPIPE, SIG_IGN);

  trunkline::base::SystemClock clock;
  media::MediaEngineConfig config;
  config.ports.minPort = static_cast<std::uint16_t>(opt.minPort);
  config.ports.maxPort = static_cast<std::uint16_t>(opt.maxPort);
  config.workers = opt.workers;
  // The generator stops now and then between phases; no call may time out meanwhile.
  config.relay.noMediaTimeout = std::chrono::seconds(3600);
  media::MediaEngine engine(clock, config);
  if (auto r = engine.init(); !r) {
    std::fprintf(stderr, "init: %s\n", r.error().message.c_str());
    return 1;
  }

  const net::Address local = addressOrDie(opt.local, 0);
  const std::vector<media::PayloadMapping> payloads{{0, 8000, "PCMU"}};
  std::vector<media::SessionId> sessions;
  std::string json =
      fmt::format("{{\"pid\":{},\"workers\":{},\"calls\":[", ::getpid(), opt.workers);
  for (std::size_t i = 0; i < opt.calls; ++i) {
    const unsigned peerPort = opt.peerPort + static_cast<unsigned>(i % opt.peerSockets);
    auto id = engine.createSession();
    if (!id) {
      std::fprintf(stderr, "createSession: %s\n", id.error().message.c_str());
      return 1;
    }
    media::StreamSpec spec;
    spec.a.localIp = local;
    spec.a.remote.rtp = addressOrDie(opt.peerA, peerPort);
    spec.a.remote.payloads = payloads;
    spec.b.localIp = local;
    spec.b.remote.rtp = addressOrDie(opt.peerB, peerPort);
    spec.b.remote.payloads = payloads;
    auto ports = engine.addStream(*id, 0, spec);
    if (!ports) {
      std::fprintf(stderr, "addStream (call %zu): %s\n", i, ports.error().message.c_str());
      return 1;
    }
    sessions.push_back(*id);
    json += fmt::format("{}[{},{}]", i ? "," : "", ports->leg(media::Leg::A).rtp.port(),
                        ports->leg(media::Leg::B).rtp.port());
  }
  json += "]}";
  // --pace-us: an experiment, not the engine's production loop. One thread drives the
  // worker through pollOnce() and, after a round that relayed something, sleeps for the
  // pace so that the next round finds packets on many sockets: fewer wake-ups (and context
  // switches) per packet, at the price of up to that much added latency.
  std::atomic<bool> pacing{opt.paceUs > 0};
  std::thread driver;
  if (opt.paceUs > 0) {
    driver = std::thread([&] {
      const timespec pace{0, static_cast<long>(opt.paceUs) * 1000};
      while (pacing.load(std::memory_order_relaxed)) {
        if (engine.pollOnce(std::chrono::milliseconds(20)) == 0) continue;
        // A round serves at most 64 ready sockets: drain the rest before sleeping.
        for (int i = 0; i < 10000 && engine.pollOnce(std::chrono::milliseconds(0)) > 0; ++i) {
        }
        ::nanosleep(&pace, nullptr);
      }
    });
  } else {
    engine.start();
  }
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);

  // Wait for the word to stop; bounded by --max-seconds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opt.maxSeconds);
  while (!gStop && std::chrono::steady_clock::now() < deadline) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int n = ::poll(&p, 1, 200);
    if (n > 0) break;  // a line, end of file or a hang-up: all mean stop
  }
  pacing = false;
  if (driver.joinable()) driver.join();
  engine.stop();

  media::DirectionStats total;
  for (media::SessionId id : sessions) {
    auto s = engine.stats(id);
    if (!s) continue;
    for (const media::StreamStats& st : s->streams)
      for (const media::DirectionStats& d : st.from) {
        total.rtpPackets += d.rtpPackets;
        total.forwardedPackets += d.forwardedPackets;
        total.droppedSource += d.droppedSource;
        total.droppedNoDestination += d.droppedNoDestination;
        total.droppedMalformed += d.droppedMalformed;
        total.sendErrors += d.sendErrors;
      }
  }
  std::printf(
      "{\"received\":%llu,\"forwarded\":%llu,\"droppedSource\":%llu,"
      "\"droppedNoDestination\":%llu,\"droppedMalformed\":%llu,\"sendErrors\":%llu}\n",
      static_cast<unsigned long long>(total.rtpPackets),
      static_cast<unsigned long long>(total.forwardedPackets),
      static_cast<unsigned long long>(total.droppedSource),
      static_cast<unsigned long long>(total.droppedNoDestination),
      static_cast<unsigned long long>(total.droppedMalformed),
      static_cast<unsigned long long>(total.sendErrors));
  std::fflush(stdout);
  for (media::SessionId id : sessions) (void)engine.destroySession(id);
  return 0;
}
