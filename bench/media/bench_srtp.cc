// Per-packet cost of SRTP in the relay (media/srtp.h): protect, unprotect and re-encrypt
// of one 172-byte G.711 20 ms RTP packet (12 header + 160 payload) per suite, on one core.
// Each iteration transforms a fresh copy in a relay-sized buffer (the copy is part of the
// figure, a few ns). Unprotect is fed packets protected in advance with increasing
// sequence numbers, so the replay check passes as it would on a live stream.
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <vector>

#include "media/srtp.h"

namespace {

using namespace trunkline::media;

constexpr std::size_t kPayload = 160;
constexpr int kPrepared = 1 << 16;  // one sequence-number cycle of protected packets

struct Buffer {
  alignas(8) std::array<std::uint8_t, kPacketHeadroom + kMaxDatagram + kPacketTailroom> bytes{};
  Packet load(const std::vector<std::uint8_t>& content) {
    Packet p;
    p.data = bytes.data() + kPacketHeadroom;
    std::memcpy(p.data, content.data(), content.size());
    p.size = content.size();
    p.headroom = kPacketHeadroom;
    p.tailroom = kMaxDatagram - content.size() + kPacketTailroom;
    return p;
  }
};

std::vector<std::uint8_t> rtp(std::uint32_t index) {
  const auto seq = static_cast<std::uint16_t>(index);
  std::vector<std::uint8_t> b = {0x80,
                                 0,
                                 static_cast<std::uint8_t>(seq >> 8),
                                 static_cast<std::uint8_t>(seq),
                                 0,
                                 0,
                                 0,
                                 0,
                                 0x12,
                                 0x34,
                                 0x56,
                                 0x78};
  for (std::size_t i = 0; i < kPayload; ++i) b.push_back(static_cast<std::uint8_t>(i + seq));
  return b;
}

SrtpKey key(SrtpSuite suite, std::uint8_t seed) {
  std::vector<std::uint8_t> k(srtpKeyLength(suite) + srtpSaltLength(suite));
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return SrtpKey(suite, k);
}

/// Protected packets with sequence numbers 1..n under `k`.
std::vector<std::vector<std::uint8_t>> prepare(const SrtpKey& k, int n) {
  auto protect = SrtpProtect::create(k);
  std::vector<std::vector<std::uint8_t>> out;
  out.reserve(static_cast<std::size_t>(n));
  Buffer b;
  for (int i = 1; i <= n; ++i) {
    Packet p = b.load(rtp(static_cast<std::uint32_t>(i)));
    (*protect)->process(p, {});
    out.emplace_back(p.data, p.data + p.size);
  }
  return out;
}

void BM_Protect(benchmark::State& state) {
  const auto suite = static_cast<SrtpSuite>(state.range(0));
  state.SetLabel(std::string(srtpSuiteName(suite)));
  auto protect = SrtpProtect::create(key(suite, 1));
  if (!protect) {
    state.SkipWithError("suite not available");
    return;
  }
  std::vector<std::vector<std::uint8_t>> plain;
  for (int i = 0; i < 1024; ++i) plain.push_back(rtp(static_cast<std::uint32_t>(i + 1)));
  Buffer b;
  std::uint32_t i = 0;
  for (auto _ : state) {
    // Fresh sequence numbers: protect refuses a repeated index. The payload repeats every
    // 1024 packets, which does not change the cost.
    auto& src = plain[i % plain.size()];
    const auto seq = static_cast<std::uint16_t>(++i);
    src[2] = static_cast<std::uint8_t>(seq >> 8);
    src[3] = static_cast<std::uint8_t>(seq);
    Packet p = b.load(src);
    benchmark::DoNotOptimize((*protect)->process(p, {}));
  }
  state.SetItemsProcessed(state.iterations());
  if ((*protect)->counters().totalDropped() != 0) state.SkipWithError("protect dropped packets");
}

void BM_Unprotect(benchmark::State& state) {
  const auto suite = static_cast<SrtpSuite>(state.range(0));
  state.SetLabel(std::string(srtpSuiteName(suite)));
  const SrtpKey k = key(suite, 2);
  if (!srtpSuiteAvailable(suite)) {
    state.SkipWithError("suite not available");
    return;
  }
  const auto packets = prepare(k, kPrepared);
  std::shared_ptr<SrtpUnprotect> unprotect = *SrtpUnprotect::create(k);
  Buffer b;
  int i = 0;
  for (auto _ : state) {
    if (i == kPrepared) {  // a new context, outside the timing, so the indexes are fresh
      state.PauseTiming();
      unprotect = *SrtpUnprotect::create(k);
      i = 0;
      state.ResumeTiming();
    }
    Packet p = b.load(packets[static_cast<std::size_t>(i++)]);
    benchmark::DoNotOptimize(unprotect->process(p, {}));
  }
  state.SetItemsProcessed(state.iterations());
  if (unprotect->counters().totalDropped() != 0) state.SkipWithError("unprotect dropped packets");
}

/// Both legs SRTP: unprotect under the sender's key, protect under ours (same suite).
void BM_Reencrypt(benchmark::State& state) {
  const auto suite = static_cast<SrtpSuite>(state.range(0));
  state.SetLabel(std::string(srtpSuiteName(suite)));
  const SrtpKey in = key(suite, 3);
  const SrtpKey out = key(suite, 4);
  if (!srtpSuiteAvailable(suite)) {
    state.SkipWithError("suite not available");
    return;
  }
  const auto packets = prepare(in, kPrepared);
  std::shared_ptr<SrtpReencrypt> relay = *SrtpReencrypt::create(in, out);
  Buffer b;
  int i = 0;
  for (auto _ : state) {
    if (i == kPrepared) {
      state.PauseTiming();
      relay = *SrtpReencrypt::create(in, out);
      i = 0;
      state.ResumeTiming();
    }
    Packet p = b.load(packets[static_cast<std::size_t>(i++)]);
    benchmark::DoNotOptimize(relay->process(p, {}));
  }
  state.SetItemsProcessed(state.iterations());
  if (relay->counters().totalDropped() != 0) state.SkipWithError("re-encrypt dropped packets");
}

void suites(benchmark::internal::Benchmark* b) {
  for (SrtpSuite s : kAllSrtpSuites) b->Arg(static_cast<int>(s));
}

BENCHMARK(BM_Protect)->Apply(suites);
BENCHMARK(BM_Unprotect)->Apply(suites);
BENCHMARK(BM_Reencrypt)->Apply(suites);

}  // namespace

BENCHMARK_MAIN();
