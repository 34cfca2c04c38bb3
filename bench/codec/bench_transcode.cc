// Per-packet cost of media/codec's Transcoder for each supported pair: one iteration is
// one input packet pushed (decode, resample if needed, encode of whatever output frames it
// completes). Input is one second of a speech-like signal, pre-encoded, replayed with
// continuing sequence numbers and timestamps so the Transcoder sees an endless stream.
//
// Counters: packets_per_second (input packets per CPU second of the benchmark thread) and
// out_bytes (output payload bytes per input packet, to see that real work happened).
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numbers>
#include <vector>

#include "media/codec/coder.h"
#include "media/codec/g711.h"
#include "media/codec/resampler.h"
#include "media/codec/transcoder.h"
#include "media/packet.h"
#include "media/transcode_processor.h"

namespace codec = trunkline::media::codec;
using codec::CodecId;

namespace {

// Two gliding, amplitude-modulated tones plus a little noise: voiced-speech-like enough
// that G.729 and Opus run their normal paths (a pure tone or silence would be cheaper).
std::vector<std::int16_t> speechLike(std::uint32_t rate, std::size_t n) {
  std::vector<std::int16_t> v(n);
  std::uint32_t seed = 12345;
  const double pi2 = 2 * std::numbers::pi;
  for (std::size_t i = 0; i < n; ++i) {
    double t = double(i) / rate;
    seed = seed * 1664525u + 1013904223u;
    double noise = (double(seed >> 16) / 65536.0 - 0.5) * 600;
    double x = 5000 * std::sin(pi2 * (180 + 40 * std::sin(pi2 * 2 * t)) * t) *
                   (0.6 + 0.4 * std::sin(pi2 * 4 * t)) +
               2500 * std::sin(pi2 * 1200 * t + 2 * std::sin(pi2 * 7 * t)) + noise;
    v[i] = static_cast<std::int16_t>(x);
  }
  return v;
}

struct Packet {
  std::vector<std::uint8_t> payload;
};

std::vector<Packet> encodeSecond(CodecId id, std::uint32_t rate, std::uint32_t ptimeMs) {
  auto enc = codec::makeEncoder(id, codec::EncoderOptions{.pcmRate = rate});
  if (!enc) {
    std::fprintf(stderr, "encoder: %s\n", enc.error().message.c_str());
    std::exit(1);
  }
  auto pcm = speechLike(rate, rate);
  const std::size_t frame = std::size_t{rate} * ptimeMs / 1000;
  std::vector<Packet> out;
  std::vector<std::uint8_t> buf(1500);
  for (std::size_t off = 0; off + frame <= pcm.size(); off += frame) {
    auto n = (*enc)->encode(std::span<const std::int16_t>(pcm).subspan(off, frame), buf);
    if (!n) std::exit(1);
    out.push_back(Packet{std::vector<std::uint8_t>(buf.begin(), buf.begin() + *n)});
  }
  return out;
}

std::uint32_t nativeRate(CodecId id) {
  return id == CodecId::Opus ? 48000 : codec::codecInfo(id).sampleRate;
}

void BM_Transcode(benchmark::State& state, CodecId in, std::uint32_t inPtime, CodecId out,
                  std::uint32_t outPtime) {
  auto pkts = encodeSecond(in, nativeRate(in), inPtime);
  codec::TranscoderConfig c;
  c.inCodec = in;
  c.inPt = 96;
  c.outCodec = out;
  c.outPt = 97;
  c.outPtimeMs = outPtime;
  auto t = codec::Transcoder::create(c);
  if (!t) {
    state.SkipWithError(t.error().message.c_str());
    return;
  }
  const std::uint32_t units = codec::codecInfo(in).clockRate / 1000 * inPtime;
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    codec::InPacket p{96, false, seq++, ts, pkts[i].payload};
    ts += units;
    if (++i == pkts.size()) i = 0;
    auto r = t->push(p);
    if (!r) {
      state.SkipWithError("push refused a packet");
      break;
    }
    for (const auto& o : *r) bytes += o.payload.size();
    benchmark::DoNotOptimize(r->data());
  }
  state.counters["packets_per_second"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["out_bytes"] =
      benchmark::Counter(double(bytes) / double(std::max<std::int64_t>(state.iterations(), 1)));
}

// The relay's view: one whole RTP packet through media::TranscodeProcessor (RTP header
// parsed, payload transcoded, output headers written into relay packet buffers) — what a
// transcoded direction adds per received packet on top of plain relaying. The input is
// copied into a relay-sized buffer each iteration, as recvmmsg would have put it there.
namespace media = trunkline::media;

class RingOutput final : public trunkline::media::PacketOutput {
 public:
  RingOutput() : storage_(kSlots * trunkline::media::PacketPool::kBufferSize) {}
  trunkline::media::Packet* emit() override {
    media::Packet& p = packets_[next_];
    p.data = storage_.data() + next_ * media::PacketPool::kBufferSize + media::kPacketHeadroom;
    p.size = 0;
    p.headroom = media::kPacketHeadroom;
    p.tailroom = media::kMaxDatagram + media::kPacketTailroom;
    next_ = (next_ + 1) % kSlots;
    ++emitted;
    return &p;
  }
  std::uint64_t emitted = 0;

 private:
  static constexpr std::size_t kSlots = 8;
  std::vector<std::uint8_t> storage_;
  std::array<trunkline::media::Packet, kSlots> packets_{};
  std::size_t next_ = 0;
};

void BM_Processor(benchmark::State& state, CodecId in, std::uint32_t inPtime, CodecId out,
                  std::uint32_t outPtime) {
  auto pkts = encodeSecond(in, nativeRate(in), inPtime);
  media::TranscodeConfig c;
  c.transcoder.inCodec = in;
  c.transcoder.inPt = 96;
  c.transcoder.outCodec = out;
  c.transcoder.outPt = 97;
  c.transcoder.outPtimeMs = outPtime;
  c.ssrc = 0x12345678;
  auto proc = media::TranscodeProcessor::create(c);
  if (!proc) {
    state.SkipWithError(proc.error().message.c_str());
    return;
  }
  const std::uint32_t units = codec::codecInfo(in).clockRate / 1000 * inPtime;
  std::vector<std::uint8_t> buf(media::PacketPool::kBufferSize);
  RingOutput output;
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    std::uint8_t* d = buf.data() + media::kPacketHeadroom;
    const auto& payload = pkts[i].payload;
    const std::uint8_t hdr[12] = {0x80,
                                  96,
                                  std::uint8_t(seq >> 8),
                                  std::uint8_t(seq),
                                  std::uint8_t(ts >> 24),
                                  std::uint8_t(ts >> 16),
                                  std::uint8_t(ts >> 8),
                                  std::uint8_t(ts),
                                  0,
                                  0,
                                  0,
                                  0xA};
    std::memcpy(d, hdr, sizeof hdr);
    std::memcpy(d + sizeof hdr, payload.data(), payload.size());
    media::Packet p;
    p.data = d;
    p.size = sizeof hdr + payload.size();
    p.headroom = media::kPacketHeadroom;
    p.tailroom = media::kMaxDatagram + media::kPacketTailroom - p.size;
    ++seq;
    ts += units;
    if (++i == pkts.size()) i = 0;
    auto v = (*proc)->processInto(p, {}, output);
    benchmark::DoNotOptimize(v);
  }
  if ((*proc)->counters().rejected != 0) state.SkipWithError("the processor refused packets");
  state.counters["packets_per_second"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["out_per_in"] = benchmark::Counter(
      double(output.emitted) / double(std::max<std::int64_t>(state.iterations(), 1)));
}

// The building blocks alone, for reading the pair figures.
void BM_G711EncodeUlaw160(benchmark::State& state) {
  auto pcm = speechLike(8000, 160);
  std::vector<std::uint8_t> out(160);
  for (auto _ : state) {
    codec::g711::ulawEncode(pcm, out);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_Resample16to8_20ms(benchmark::State& state) {
  auto rs = codec::Resampler::create(16000, 8000);
  auto pcm = speechLike(16000, 320);
  std::vector<std::int16_t> out(rs->maxOutput(320));
  for (auto _ : state) {
    auto n = rs->process(pcm, out);
    benchmark::DoNotOptimize(n);
  }
}

}  // namespace

BENCHMARK(BM_G711EncodeUlaw160);
BENCHMARK(BM_Resample16to8_20ms);
BENCHMARK_CAPTURE(BM_Transcode, PCMU_to_PCMA, CodecId::Pcmu, 20, CodecId::Pcma, 20);
BENCHMARK_CAPTURE(BM_Transcode, PCMU30_to_PCMA20, CodecId::Pcmu, 30, CodecId::Pcma, 20);
BENCHMARK_CAPTURE(BM_Transcode, PCMU_to_G729, CodecId::Pcmu, 20, CodecId::G729, 20);
BENCHMARK_CAPTURE(BM_Transcode, G729_to_PCMU, CodecId::G729, 20, CodecId::Pcmu, 20);
BENCHMARK_CAPTURE(BM_Transcode, PCMA_to_G729, CodecId::Pcma, 20, CodecId::G729, 20);
BENCHMARK_CAPTURE(BM_Transcode, G729_to_PCMA, CodecId::G729, 20, CodecId::Pcma, 20);
BENCHMARK_CAPTURE(BM_Transcode, PCMU_to_Opus, CodecId::Pcmu, 20, CodecId::Opus, 20);
BENCHMARK_CAPTURE(BM_Transcode, Opus_to_PCMU, CodecId::Opus, 20, CodecId::Pcmu, 20);
BENCHMARK_CAPTURE(BM_Transcode, G722_to_PCMA, CodecId::G722, 20, CodecId::Pcma, 20);
BENCHMARK_CAPTURE(BM_Transcode, PCMA_to_G722, CodecId::Pcma, 20, CodecId::G722, 20);
BENCHMARK_CAPTURE(BM_Transcode, G722_to_Opus, CodecId::G722, 20, CodecId::Opus, 20);
BENCHMARK_CAPTURE(BM_Transcode, Opus_to_G722, CodecId::Opus, 20, CodecId::G722, 20);
BENCHMARK_CAPTURE(BM_Transcode, G729_to_Opus, CodecId::G729, 20, CodecId::Opus, 20);
BENCHMARK_CAPTURE(BM_Transcode, Opus_to_G729, CodecId::Opus, 20, CodecId::G729, 20);

BENCHMARK_CAPTURE(BM_Processor, PCMU_to_PCMA, CodecId::Pcmu, 20, CodecId::Pcma, 20);
BENCHMARK_CAPTURE(BM_Processor, PCMU_to_G729, CodecId::Pcmu, 20, CodecId::G729, 20);
BENCHMARK_CAPTURE(BM_Processor, PCMU30_to_PCMA20, CodecId::Pcmu, 30, CodecId::Pcma, 20);
BENCHMARK_CAPTURE(BM_Processor, G729_to_PCMA, CodecId::G729, 20, CodecId::Pcma, 20);
BENCHMARK_CAPTURE(BM_Processor, Opus_to_PCMU, CodecId::Opus, 20, CodecId::Pcmu, 20);

BENCHMARK_MAIN();
