// srtp_peer: a media endpoint for tests — sends RTP or SRTP (SDES key given on the command
// line) to an address and reports, as JSON on stdout, what it received: packets that
// authenticated and decrypted, whether their payloads carry the expected pattern, and
// drops by reason. Used by integration tests on loopback (e.g. an SRTP phone on one leg
// of the relay and a plain RTP carrier on the other).
//
//   srtp_peer [--listen IP:PORT] [--send-to IP:PORT] [--suite NAME|none] [--key BASE64]
//             [--recv-suite NAME|none] [--recv-key BASE64] [--count N] [--interval-ms N]
//             [--payload-size N] [--pt N] [--ssrc N] [--expect N] [--expect-from IP:PORT]
//             [--timeout-ms N]
//
// The first stdout line is {"listening":"IP:PORT"} (the bound address, useful with port 0);
// the last is the summary. Sent payload byte i of sequence number s is (7·s + i) mod 256,
// and received payloads are checked against the same pattern. Bounded: it stops after
// sending --count packets and receiving --expect, or at --timeout-ms (default 5000).
// Exit status 0 when --expect packets arrived (or none were expected), 1 otherwise, 2 on
// bad arguments.
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "media/sdes.h"
#include "media/srtp.h"
#include "media/udp_socket.h"

namespace {

using namespace trunkline;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string listen = "127.0.0.1:0";
  std::optional<std::string> sendTo;
  std::string suite = "none";
  std::string key;
  std::optional<std::string> recvSuite;
  std::optional<std::string> recvKey;
  long count = 0;
  long intervalMs = 20;
  long payloadSize = 160;
  long pt = 0;
  long ssrc = 0x5eed;
  long expect = 0;
  std::optional<std::string> expectFrom;
  long timeoutMs = 5000;
};

[[noreturn]] void usage(std::string_view why) {
  fmt::print(stderr, "srtp_peer: {}\n", why);
  std::exit(2);
}

long number(std::string_view s, long max) {
  char* end = nullptr;
  const std::string str(s);
  const long v = std::strtol(str.c_str(), &end, 0);
  if (str.empty() || *end != '\0' || v < 0 || v > max) usage(fmt::format("bad number '{}'", s));
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage(fmt::format("{} needs a value", a));
    const std::string_view v = argv[++i];
    if (a == "--listen")
      o.listen = v;
    else if (a == "--send-to")
      o.sendTo = std::string(v);
    else if (a == "--suite")
      o.suite = v;
    else if (a == "--key")
      o.key = v;
    else if (a == "--recv-suite")
      o.recvSuite = std::string(v);
    else if (a == "--recv-key")
      o.recvKey = std::string(v);
    else if (a == "--count")
      o.count = number(v, 1'000'000);
    else if (a == "--interval-ms")
      o.intervalMs = number(v, 10'000);
    else if (a == "--payload-size")
      o.payloadSize = number(v, 1400);
    else if (a == "--pt")
      o.pt = number(v, 127);
    else if (a == "--ssrc")
      o.ssrc = number(v, 0xffffffffL);
    else if (a == "--expect")
      o.expect = number(v, 1'000'000);
    else if (a == "--expect-from")
      o.expectFrom = std::string(v);
    else if (a == "--timeout-ms")
      o.timeoutMs = number(v, 600'000);
    else
      usage(fmt::format("unknown option {}", a));
  }
  return o;
}

/// nullptr for "none" (plain RTP); exits on a bad suite or key.
std::unique_ptr<media::SrtpContext> context(const std::string& suite, const std::string& key,
                                            media::SrtpContext::Role role) {
  if (suite == "none") return nullptr;
  auto k = media::parseSdesKey(suite, "inline:" + key);
  if (!k) usage(fmt::format("--key for {}: {}", suite, k.error().message));
  auto c = media::SrtpContext::create(*k, role);
  if (!c) usage(c.error().message);
  return std::move(*c);
}

net::Address address(const std::string& text) {
  auto a = net::Address::parse(text);
  if (!a) usage(fmt::format("bad address '{}'", text));
  return *a;
}

struct Buffer {
  alignas(
      8) std::uint8_t bytes[media::kPacketHeadroom + media::kMaxDatagram + media::kPacketTailroom];
  media::Packet packet(std::size_t size, bool rtcp) {
    media::Packet p;
    p.data = bytes + media::kPacketHeadroom;
    p.size = size;
    p.headroom = media::kPacketHeadroom;
    p.tailroom = media::kMaxDatagram - size + media::kPacketTailroom;
    p.rtcp = rtcp;
    return p;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  auto sender = context(o.suite, o.key, media::SrtpContext::Role::Protect);
  auto receiver = context(o.recvSuite.value_or(o.suite), o.recvKey.value_or(o.key),
                          media::SrtpContext::Role::Unprotect);
  auto socket = media::UdpSocket::bind(address(o.listen), media::SocketOptions{-1, 0, 0});
  if (!socket) usage(socket.error().message);
  const std::optional<net::Address> dest =
      o.sendTo ? std::optional(address(*o.sendTo)) : std::nullopt;
  const std::optional<net::Address> allowed =
      o.expectFrom ? std::optional(address(*o.expectFrom)) : std::nullopt;
  fmt::print("{{\"listening\":\"{}\"}}\n", socket->localAddress().toString());
  std::fflush(stdout);

  long sent = 0, sendErrors = 0, received = 0, rtcp = 0, payloadOk = 0, strangers = 0;
  std::map<std::string, long> drops;
  std::set<std::uint32_t> ssrcs;
  std::string lastFrom;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(o.timeoutMs);
  auto nextSend = start;
  Buffer buf;

  while (Clock::now() < deadline) {
    const bool sending = dest && sent < o.count;
    if (!sending && received >= o.expect) break;
    if (sending && Clock::now() >= nextSend) {
      const auto seq = static_cast<std::uint16_t>(sent + 1);
      const auto ts = static_cast<std::uint32_t>(160 * (sent + 1));
      const auto ssrc = static_cast<std::uint32_t>(o.ssrc);
      std::uint8_t* d = buf.bytes + media::kPacketHeadroom;
      const std::uint8_t header[12] = {0x80,
                                       static_cast<std::uint8_t>(o.pt),
                                       static_cast<std::uint8_t>(seq >> 8),
                                       static_cast<std::uint8_t>(seq),
                                       static_cast<std::uint8_t>(ts >> 24),
                                       static_cast<std::uint8_t>(ts >> 16),
                                       static_cast<std::uint8_t>(ts >> 8),
                                       static_cast<std::uint8_t>(ts),
                                       static_cast<std::uint8_t>(ssrc >> 24),
                                       static_cast<std::uint8_t>(ssrc >> 16),
                                       static_cast<std::uint8_t>(ssrc >> 8),
                                       static_cast<std::uint8_t>(ssrc)};
      std::copy(std::begin(header), std::end(header), d);
      for (long i = 0; i < o.payloadSize; ++i) d[12 + i] = static_cast<std::uint8_t>(seq * 7 + i);
      media::Packet p = buf.packet(12 + static_cast<std::size_t>(o.payloadSize), false);
      if (sender) {
        if (auto drop = sender->apply(p))
          usage(fmt::format("protect failed: {}", media::srtpDropName(*drop)));
      }
      if (::sendto(socket->fd(), p.data, p.size, 0, dest->sockaddrPtr(), dest->sockaddrLen()) < 0)
        ++sendErrors;
      ++sent;
      nextSend += std::chrono::milliseconds(o.intervalMs);
    }

    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (sending) {
      wait = std::min(
          wait, std::chrono::duration_cast<std::chrono::milliseconds>(nextSend - Clock::now()));
    }
    pollfd pfd{socket->fd(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(std::max<long>(0, wait.count()))) <= 0) continue;
    // Drain what is there (bounded by the socket's queue; each read consumes a datagram).
    for (int n = 0; n < 256; ++n) {
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      std::uint8_t* d = buf.bytes + media::kPacketHeadroom;
      const ssize_t got = ::recvfrom(socket->fd(), d, media::kMaxDatagram, MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&from), &len);
      if (got < 0) break;
      const net::Address source =
          net::Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&from), len);
      if (allowed && source != *allowed) {
        ++strangers;
        continue;
      }
      const bool isRtcp = got >= 2 && d[1] >= 192 && d[1] <= 223;
      media::Packet p = buf.packet(static_cast<std::size_t>(got), isRtcp);
      if (receiver) {
        if (auto drop = receiver->apply(p)) {
          ++drops[std::string(media::srtpDropName(*drop))];
          continue;
        }
      }
      lastFrom = source.toString();
      if (isRtcp) {
        ++rtcp;
        continue;
      }
      if (p.size < 12) {
        ++drops["malformed"];
        continue;
      }
      ++received;
      const std::uint16_t seq = static_cast<std::uint16_t>(p.data[2] << 8 | p.data[3]);
      ssrcs.insert(static_cast<std::uint32_t>(p.data[8]) << 24 | p.data[9] << 16 | p.data[10] << 8 |
                   p.data[11]);
      bool ok = true;
      for (std::size_t i = 12; i < p.size && ok; ++i)
        ok = p.data[i] == static_cast<std::uint8_t>(seq * 7 + (i - 12));
      payloadOk += ok;
    }
  }

  std::string dropJson, ssrcJson;
  for (const auto& [reason, n] : drops)
    dropJson += fmt::format("{}\"{}\":{}", dropJson.empty() ? "" : ",", reason, n);
  for (std::uint32_t s : ssrcs) ssrcJson += fmt::format("{}{}", ssrcJson.empty() ? "" : ",", s);
  fmt::print(
      "{{\"sent\":{},\"sendErrors\":{},\"received\":{},\"payloadOk\":{},\"rtcp\":{},"
      "\"strangers\":{},\"dropped\":{{{}}},\"ssrcs\":[{}],\"from\":\"{}\"}}\n",
      sent, sendErrors, received, payloadOk, rtcp, strangers, dropJson, ssrcJson, lastFrom);
  std::fflush(stdout);
  return received >= o.expect ? 0 : 1;
}
