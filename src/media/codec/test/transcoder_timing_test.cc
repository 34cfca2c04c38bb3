// Transcoder bookkeeping: output sequence numbers and timestamps, loss, silence gaps,
// reordering, source restarts, telephone-event and comfort noise, hostile input, and the
// promise of no allocation per packet.
#include <random>

#include <gtest/gtest.h>

#include "media/codec/test/alloc_counter.h"
#include "media/codec/test/signal.h"
#include "media/codec/test/stream.h"
#include "media/codec/transcoder.h"

namespace trunkline::media::codec {
namespace {

using testing::Pkt;

TranscoderConfig g711Cfg(std::uint32_t ptime = 20) {
  TranscoderConfig c;
  c.inCodec = CodecId::Pcmu;
  c.inPt = 0;
  c.outCodec = CodecId::Pcma;
  c.outPt = 8;
  c.outPtimeMs = ptime;
  c.firstSeq = 65534;  // wraps during the test
  c.firstTimestamp = 0xFFFFFF00u;
  return c;
}

// 20 ms PCMU packets of a tone, seq/ts from the given start.
std::vector<Pkt> pcmuPackets(std::size_t count, std::uint16_t seq0 = 100,
                             std::uint32_t ts0 = 8000) {
  auto pcm = testing::sine(1000, 8000, 10000, count * 160);
  return testing::encodeStream(CodecId::Pcmu, 0, 8000, 20, pcm, seq0, ts0);
}

TEST(TranscoderTiming, OutputSequenceAndTimestampsStartWhereToldAndWrap) {
  auto t = testing::makeTranscoder(g711Cfg());
  auto out = testing::transcodeAll(t, pcmuPackets(5));
  ASSERT_EQ(out.size(), 5u);
  const std::uint16_t seqs[] = {65534, 65535, 0, 1, 2};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(out[i].seq, seqs[i]);
    EXPECT_EQ(out[i].ts, static_cast<std::uint32_t>(0xFFFFFF00u + 160u * i));  // wraps past 2^32
    EXPECT_EQ(out[i].duration, 160u);
    EXPECT_EQ(out[i].pt, 8);
    EXPECT_EQ(out[i].marker, i == 0);  // first packet of the stream starts a talkspurt
  }
  EXPECT_EQ(t.stats().packetsIn, 5u);
  EXPECT_EQ(t.stats().packetsOut, 5u);
}

TEST(TranscoderTiming, InputSequenceAndTimestampWrapAreNotLoss) {
  auto t = testing::makeTranscoder(g711Cfg());
  auto out = testing::transcodeAll(t, pcmuPackets(10, 65530, 0xFFFFFE00u));
  EXPECT_EQ(out.size(), 10u);
  EXPECT_EQ(t.stats().lostPackets, 0u);
  EXPECT_EQ(t.stats().late, 0u);
  EXPECT_EQ(t.stats().discontinuities, 0u);
}

TEST(TranscoderTiming, LossIsConcealedAndOutputTimingStaysContinuous) {
  auto in = pcmuPackets(10);
  in.erase(in.begin() + 4, in.begin() + 6);  // two packets lost
  auto t = testing::makeTranscoder(g711Cfg());
  auto out = testing::transcodeAll(t, in);
  ASSERT_EQ(out.size(), 10u);  // the 40 ms gap was filled
  for (std::size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].ts - out[i - 1].ts, 160u);
    EXPECT_FALSE(out[i].marker);
  }
  EXPECT_EQ(t.stats().lostPackets, 2u);
  EXPECT_EQ(t.stats().concealedSamples, 320u);
  // G.711 has no PLC: the concealed packets are silence (A-law 0xD5 is the level +8).
  EXPECT_EQ(out[4].payload, std::vector<std::uint8_t>(160, 0xD5));
}

TEST(TranscoderTiming, G729LossIsConcealedWithSound) {
  auto pcm = testing::sine(1000, 8000, 10000, 8000);
  auto in = testing::encodeStream(CodecId::G729, 18, 8000, 20, pcm);
  in.erase(in.begin() + 20);
  TranscoderConfig c;
  c.inCodec = CodecId::G729;
  c.inPt = 18;
  c.outCodec = CodecId::Pcmu;
  c.outPt = 0;
  auto t = testing::makeTranscoder(c);
  auto out = testing::transcodeAll(t, in);
  ASSERT_EQ(out.size(), 50u);
  EXPECT_EQ(t.stats().lostPackets, 1u);
  auto decoded = testing::decodeStream(CodecId::Pcmu, 8000, {out[20]});
  EXPECT_GT(testing::dbfs(decoded), -35.0);  // erasure concealment, not silence
}

TEST(TranscoderTiming, LossLongerThanTheConcealLimitIsAGap) {
  auto in = pcmuPackets(20);
  in.erase(in.begin() + 5, in.begin() + 15);  // 200 ms lost > maxConcealMs 120
  auto t = testing::makeTranscoder(g711Cfg());
  auto out = testing::transcodeAll(t, in);
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(out[5].ts - out[4].ts, 160u * 11);  // the output pauses as long as the input
  EXPECT_TRUE(out[5].marker);
  EXPECT_EQ(t.stats().lostPackets, 10u);
  EXPECT_EQ(t.stats().concealedSamples, 0u);
  EXPECT_EQ(t.stats().discontinuities, 1u);
}

TEST(TranscoderTiming, SilenceSuppressionGapIsSkippedNotConcealed) {
  // Sequence numbers continue, the timestamp jumps 1 s: the sender stopped talking.
  auto in = pcmuPackets(10);
  for (std::size_t i = 5; i < in.size(); ++i) in[i].ts += 8000;
  in[5].marker = true;
  auto t = testing::makeTranscoder(g711Cfg());
  auto out = testing::transcodeAll(t, in);
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(out[5].ts - out[4].ts, 160u + 8000u);
  EXPECT_TRUE(out[5].marker);
  EXPECT_FALSE(out[6].marker);
  EXPECT_EQ(t.stats().lostPackets, 0u);
  EXPECT_EQ(t.stats().concealedSamples, 0u);
  EXPECT_EQ(t.stats().discontinuities, 1u);
}

TEST(TranscoderTiming, SilenceGapWithPartialFramePadsThenSkips) {
  // 30 ms in, 20 ms out: after one input packet 10 ms wait in the buffer. A 1 s pause
  // completes that frame with 10 ms of silence and skips the remaining 990 ms.
  auto pcm = testing::sine(1000, 8000, 10000, 240 * 4);
  auto in = testing::encodeStream(CodecId::Pcmu, 0, 8000, 30, pcm);
  in[1].ts += 8000;
  in[2].ts += 8000;
  in[3].ts += 8000;
  auto t = testing::makeTranscoder(g711Cfg(20));
  auto out = testing::transcodeAll(t, in);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[1].ts - out[0].ts, 160u);  // the padded frame
  EXPECT_FALSE(out[1].marker);
  EXPECT_EQ(out[2].ts - out[1].ts, 160u + 7920u);  // 990 ms skipped
  EXPECT_TRUE(out[2].marker);
  EXPECT_EQ(out[1].payload.back(), 0xD5);  // its last 10 ms is silence
}

TEST(TranscoderTiming, DuplicateAndReorderedPacketsAreDropped) {
  auto in = pcmuPackets(6);
  auto t = testing::makeTranscoder(g711Cfg());
  testing::transcodeAll(t, {in[0], in[1], in[2]});
  auto dup = t.push(in[1].in());
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->empty());
  EXPECT_EQ(t.stats().late, 1u);
  // in[4] arrives before in[3]: in[3] is concealed at in[4]'s arrival, then dropped as late.
  auto r4 = t.push(in[4].in());
  ASSERT_TRUE(r4);
  EXPECT_EQ(r4->size(), 2u);
  auto r3 = t.push(in[3].in());
  ASSERT_TRUE(r3);
  EXPECT_TRUE(r3->empty());
  EXPECT_EQ(t.stats().late, 2u);
  EXPECT_EQ(t.stats().packetsOut, 5u);
}

TEST(TranscoderTiming, BigJumpBackIsASourceRestart) {
  auto a = pcmuPackets(3, 100, 800000);
  auto b = pcmuPackets(3, 7, 1000);  // timestamps 100 s earlier: a restarted sender
  auto t = testing::makeTranscoder(g711Cfg());
  auto out = testing::transcodeAll(t, a);
  auto more = testing::transcodeAll(t, b);
  ASSERT_EQ(more.size(), 3u);
  EXPECT_EQ(t.stats().resyncs, 1u);
  EXPECT_EQ(more[0].ts - out.back().ts, 160u);  // output timing simply continues
  EXPECT_TRUE(more[0].marker);
}

TEST(TranscoderTiming, ResetStartsAFreshInputButKeepsOutputCounting) {
  auto t = testing::makeTranscoder(g711Cfg());
  auto out = testing::transcodeAll(t, pcmuPackets(3));
  t.reset();
  auto more = testing::transcodeAll(t, pcmuPackets(3, 5000, 123456));
  ASSERT_EQ(more.size(), 3u);
  EXPECT_EQ(static_cast<std::uint16_t>(more[0].seq - out.back().seq), 1u);
  EXPECT_EQ(more[0].ts - out.back().ts, 160u);
  EXPECT_TRUE(more[0].marker);
  EXPECT_EQ(t.stats().lostPackets, 0u);
}

TEST(TranscoderTiming, FlushPadsThePartialFrame) {
  auto pcm = testing::sine(1000, 8000, 10000, 240);
  auto in = testing::encodeStream(CodecId::Pcmu, 0, 8000, 30, pcm);
  auto t = testing::makeTranscoder(g711Cfg(20));
  auto out = testing::transcodeAll(t, in);
  ASSERT_EQ(out.size(), 1u);
  std::vector<Pkt> rest;
  testing::append(rest, t.flush());
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].ts - out[0].ts, 160u);
  EXPECT_EQ(rest[0].payload[100], 0xD5);  // 80 samples of tone, then silence
  EXPECT_TRUE(t.flush().empty());
}

TranscoderConfig eventCfg() {
  TranscoderConfig c;
  c.inCodec = CodecId::Pcmu;
  c.inPt = 0;
  c.inEventPt = 101;
  c.outCodec = CodecId::Opus;
  c.outPt = 111;
  c.outEventPt = 110;
  c.outEventClock = 48000;  // telephone-event/48000 on the Opus side
  c.firstTimestamp = 1000000;
  c.firstSeq = 10;
  return c;
}

TEST(TranscoderEvents, RemappedRescaledAndOnTheAudioTimeline) {
  auto audio = pcmuPackets(4, 100, 8000);
  auto t = testing::makeTranscoder(eventCfg());
  auto out = testing::transcodeAll(t, {audio[0], audio[1]});  // 2 x 20 ms out
  ASSERT_EQ(out.size(), 2u);
  // Digit 5, end bit clear, volume 10, duration 400 (50 ms at 8 kHz); the event started at
  // the timestamp of audio[2].
  Pkt ev{101, true, 102, audio[2].ts, 0, {5, 10, 0x01, 0x90}};
  auto r = t.push(ev.in());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  const OutPacket& o = (*r)[0];
  EXPECT_EQ(o.pt, 110);
  EXPECT_TRUE(o.marker);
  EXPECT_EQ(o.seq, 12);  // shares the output sequence with the audio
  EXPECT_EQ(o.timestamp, 1000000u + 2 * 960u);
  ASSERT_EQ(o.payload.size(), 4u);
  EXPECT_EQ(o.payload[0], 5);
  EXPECT_EQ(o.payload[1], 10);
  EXPECT_EQ((o.payload[2] << 8) | o.payload[3], 2400);  // 50 ms at 48 kHz
  EXPECT_EQ(t.stats().eventsOut, 1u);
  // Audio after the event goes on with the next sequence number and no loss counted.
  Pkt next = audio[2];
  next.seq = 103;
  auto a = t.push(next.in());
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].seq, 13);
  EXPECT_EQ(t.stats().lostPackets, 0u);
}

TEST(TranscoderEvents, SaturateAtTheFieldMaximum) {
  auto t = testing::makeTranscoder(eventCfg());
  Pkt ev{101, false, 1, 0, 0, {1, 0x80, 0x30, 0x00, 2, 0x80, 0x00, 0x10}};  // two blocks
  auto r = t.push(ev.in());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  auto p = (*r)[0].payload;
  ASSERT_EQ(p.size(), 8u);
  EXPECT_EQ((p[2] << 8) | p[3], 0xFFFF);  // 12288 * 6 does not fit 16 bits
  EXPECT_EQ((p[6] << 8) | p[7], 96);
  EXPECT_EQ(p[1], 0x80);  // end bit kept
}

TEST(TranscoderEvents, DroppedWhenTheFarSideTakesNone) {
  auto c = eventCfg();
  c.outEventPt.reset();
  auto t = testing::makeTranscoder(c);
  Pkt ev{101, true, 1, 0, 0, {1, 0, 0, 160}};
  auto r = t.push(ev.in());
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(t.stats().eventsDropped, 1u);
}

TEST(TranscoderEvents, MalformedEventsAreRefused) {
  auto t = testing::makeTranscoder(eventCfg());
  EXPECT_EQ(t.push(Pkt{101, false, 1, 0, 0, {1, 0, 0}}.in()).error(), PacketErrc::BadLength);
  EXPECT_EQ(t.push(Pkt{101, false, 1, 0, 0, {}}.in()).error(), PacketErrc::EmptyPayload);
  EXPECT_EQ(t.push(Pkt{101, false, 1, 0, 0, std::vector<std::uint8_t>(128)}.in()).error(),
            PacketErrc::TooLong);
  EXPECT_EQ(t.stats().rejected, 3u);
}

TEST(TranscoderInput, ComfortNoiseIsAbsorbedAndItsSilenceSkipped) {
  auto c = g711Cfg();
  c.inCnPt = 13;
  auto t = testing::makeTranscoder(c);
  auto in = pcmuPackets(4);
  testing::transcodeAll(t, {in[0], in[1]});
  Pkt cn{13, false, static_cast<std::uint16_t>(in[2].seq), in[2].ts, 0, {40}};
  auto r = t.push(cn.in());
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  Pkt back = in[3];
  back.seq = static_cast<std::uint16_t>(in[2].seq + 1);
  back.ts += 16000;  // 2 s of comfort noise
  auto a = t.push(back.in());
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 1u);
  EXPECT_TRUE((*a)[0].marker);
  EXPECT_EQ(t.stats().cnDropped, 1u);
  EXPECT_EQ(t.stats().lostPackets, 0u);
}

TEST(TranscoderInput, UnknownPayloadTypeIsRefused) {
  auto t = testing::makeTranscoder(g711Cfg());
  auto r = t.push(Pkt{8, false, 1, 0, 0, std::vector<std::uint8_t>(160)}.in());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), PacketErrc::UnknownPt);
  EXPECT_EQ(t.stats().rejected, 1u);
  EXPECT_EQ(t.stats().packetsIn, 0u);
}

TEST(TranscoderInput, OverlongPacketIsRefused) {
  auto t = testing::makeTranscoder(g711Cfg());
  auto r = t.push(Pkt{0, false, 1, 0, 0, std::vector<std::uint8_t>(8 * 250)}.in());  // 250 ms
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), PacketErrc::TooLong);
}

TEST(TranscoderInput, BadPayloadsChangeNothing) {
  TranscoderConfig c;
  c.inCodec = CodecId::G729;
  c.inPt = 18;
  c.outCodec = CodecId::Pcmu;
  c.outPt = 0;
  auto t = testing::makeTranscoder(c);
  auto pcm = testing::sine(1000, 8000, 10000, 1600);
  auto in = testing::encodeStream(CodecId::G729, 18, 8000, 20, pcm);
  testing::transcodeAll(t, {in[0], in[1]});
  Pkt bad = in[2];
  bad.payload.resize(15);
  EXPECT_EQ(t.push(bad.in()).error(), PacketErrc::BadLength);
  // The refused packet left no trace: in[2] itself is not late, nothing was concealed.
  auto out = testing::transcodeAll(t, {in[2], in[3]});
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(t.stats().lostPackets, 0u);
  EXPECT_EQ(t.stats().late, 0u);
}

TEST(TranscoderInput, RandomTrafficNeverBreaksIt) {
  // Random PTs, sequence numbers, timestamps and payloads into an Opus -> G.729 stream
  // with events: every result is either an error or a bounded set of valid packets.
  TranscoderConfig c;
  c.inCodec = CodecId::Opus;
  c.inPt = 111;
  c.inEventPt = 101;
  c.inCnPt = 13;
  c.outCodec = CodecId::G729;
  c.outPt = 18;
  c.outEventPt = 101;
  auto t = testing::makeTranscoder(c);
  std::mt19937 rng(99);
  std::vector<std::uint8_t> buf(1500);
  const std::uint8_t pts[] = {111, 101, 13, 0, 111, 111};
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  for (int i = 0; i < 4000; ++i) {
    std::size_t len = std::uniform_int_distribution<std::size_t>(0, 300)(rng);
    for (std::size_t k = 0; k < len; ++k) buf[k] = static_cast<std::uint8_t>(rng());
    seq = static_cast<std::uint16_t>(seq + std::uniform_int_distribution<int>(-2, 4)(rng));
    ts += static_cast<std::uint32_t>(std::uniform_int_distribution<int>(-2000, 20000)(rng));
    InPacket p{pts[rng() % 6], (rng() & 1) != 0, seq, ts, std::span(buf).first(len)};
    auto r = t.push(p);
    if (!r) continue;
    ASSERT_LE(r->size(), 20u);
    for (const auto& o : *r) {
      ASSERT_TRUE(o.pt == 18 || o.pt == 101);
      if (o.pt == 18) {
        ASSERT_EQ(o.payload.size(), 20u);
      }
    }
  }
  EXPECT_GT(t.stats().packetsIn, 0u);
  EXPECT_GT(t.stats().rejected, 0u);
}

TEST(TranscoderInput, PushDoesNotAllocate) {
  // After setup, a stream with loss, reordering, events and a resampler (G.722 -> PCMA)
  // costs no heap allocation per packet.
  TranscoderConfig c;
  c.inCodec = CodecId::G722;
  c.inPt = 9;
  c.inEventPt = 101;
  c.outCodec = CodecId::Pcma;
  c.outPt = 8;
  c.outEventPt = 101;
  auto t = testing::makeTranscoder(c);
  auto pcm = testing::sine(1000, 16000, 10000, 16000);
  auto in = testing::encodeStream(CodecId::G722, 9, 16000, 20, pcm);
  std::vector<InPacket> feed;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i % 7 == 3) continue;  // loss
    feed.push_back(in[i].in());
    if (i % 11 == 5) feed.push_back(in[i - 2].in());  // late
  }
  Pkt ev{101, false, 0, in[10].ts, 0, {3, 0, 0, 160}};
  feed.push_back(ev.in());
  std::size_t produced = 0;
  const std::uint64_t before = testing::allocationCount();
  for (const auto& p : feed) {
    auto r = t.push(p);
    if (r) produced += r->size();
  }
  produced += t.flush().size();
  const std::uint64_t after = testing::allocationCount();
  EXPECT_EQ(after - before, 0u);
  EXPECT_GT(produced, 40u);
}

TEST(TranscoderConfig, InvalidConfigurationsAreRefused) {
  auto bad = [](auto edit) {
    TranscoderConfig c;
    edit(c);
    return !Transcoder::create(c);
  };
  EXPECT_TRUE(bad([](TranscoderConfig& c) { c.outCodec = CodecId::TelephoneEvent; }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) {
    c.outCodec = CodecId::Opus;
    c.outPtimeMs = 30;
  }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) { c.outPtimeMs = 25; }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) { c.inPt = 128; }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) { c.inEventPt = c.inPt; }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) { c.outEventPt = c.outPt; }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) { c.maxPacketMs = 5; }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) { c.maxConcealMs = 5000; }));
  EXPECT_TRUE(bad([](TranscoderConfig& c) {
    c.outCodec = CodecId::Opus;
    c.encoder.opusBitrate = 100;
  }));
  EXPECT_FALSE(bad([](TranscoderConfig&) {}));
}

}  // namespace
}  // namespace trunkline::media::codec
