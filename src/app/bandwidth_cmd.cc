#include "app/bandwidth_cmd.h"

#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "media/bandwidth.h"
#include "media/quality.h"

namespace trunkline::app {
namespace {

struct Opts {
  std::string codec = "PCMU";
  std::uint32_t bitrate = 0;  // 0: the codec's nominal rate
  std::uint32_t ptime = 20;
  std::uint32_t calls = 1;
  bool ipv6 = false;
  std::string link = "ethernet";
  std::uint32_t vlans = 0;
  std::uint32_t extra = 0;
  bool srtp = false;
  bool json = false;
};

void run(const Opts& o, BandwidthCommand& result) {
  result.ran = true;
  auto fail = [&](const std::string& message) {
    std::fprintf(stderr, "trunkline: %s\n", message.c_str());
    result.exitCode = 2;
  };
  const auto codec = media::audioCodecFromName(o.codec);
  if (codec == media::AudioCodec::Unknown && o.bitrate == 0)
    return fail(
        fmt::format("unknown codec '{}': use PCMU, PCMA, G722, G729 or opus, or give "
                    "--bitrate",
                    o.codec));
  auto in = media::BandwidthInput::forCodec(codec, o.ptime, o.calls);
  if (o.bitrate) in.payloadBitrate = o.bitrate;
  in.ip = o.ipv6 ? media::IpVersion::V6 : media::IpVersion::V4;
  if (o.link == "ethernet") {
    in.link = media::LinkLayer::ethernet();
  } else if (o.link == "ethernet-wire") {
    in.link = media::LinkLayer::ethernet();
    in.link.preambleAndGap = true;
  } else if (o.link == "none") {
    in.link = media::LinkLayer::none();
  } else {
    return fail(fmt::format("unknown --link '{}': use ethernet, ethernet-wire or none", o.link));
  }
  in.link.vlanTags = o.vlans;
  in.extraBytesPerPacket = o.extra + (o.srtp ? 10u : 0u);  // SRTP: 80-bit auth tag
  auto r = media::computeBandwidth(in);
  if (!r) return fail(r.error().message);
  if (o.json) {
    nlohmann::json j = {{"codec", o.codec},
                        {"payload_bitrate", in.payloadBitrate},
                        {"ptime_ms", in.ptimeMs},
                        {"calls", in.calls},
                        {"ip", o.ipv6 ? "IPv6" : "IPv4"},
                        {"link", o.link},
                        {"payload_bytes", r->payloadBytes},
                        {"frame_bytes", r->frameBytes},
                        {"packets_per_second", r->packetsPerSecond},
                        {"per_call_bps", r->perCallBps},
                        {"total_bps", r->totalBps},
                        {"total_both_directions_bps", r->totalBothDirectionsBps}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s", fmt::format("{} at {} kbit/s, {} ms packets, {} over {}{}{}\n", o.codec,
                                in.payloadBitrate / 1000.0, in.ptimeMs, o.ipv6 ? "IPv6" : "IPv4",
                                o.link, o.vlans ? fmt::format(" +{} VLAN tag(s)", o.vlans) : "",
                                in.extraBytesPerPacket
                                    ? fmt::format(", +{} bytes per packet", in.extraBytesPerPacket)
                                    : "")
                        .c_str());
  std::printf("%s", fmt::format("  per packet: {} bytes payload, {} bytes on the wire, {:.0f} "
                                "packets/s each way\n",
                                r->payloadBytes, r->frameBytes, r->packetsPerSecond)
                        .c_str());
  std::printf("%s",
              fmt::format("  one call:   {:.1f} kbit/s each way\n", r->perCallBps / 1000).c_str());
  std::printf("%s", fmt::format("  {} calls: {:.3f} Mbit/s each way, {:.3f} Mbit/s both ways\n",
                                in.calls, r->totalBps / 1e6, r->totalBothDirectionsBps / 1e6)
                        .c_str());
}

}  // namespace

std::shared_ptr<BandwidthCommand> addBandwidthCommand(CLI::App& app) {
  auto result = std::make_shared<BandwidthCommand>();
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "bandwidth", "Link bandwidth for N calls: codec payload + RTP/UDP/IP + link layer");
  cmd->add_option("--codec", o->codec, "PCMU, PCMA, G722, G729 or opus")->capture_default_str();
  cmd->add_option("--bitrate", o->bitrate, "Codec bit rate in bit/s (default: the codec's)");
  cmd->add_option("--ptime", o->ptime, "Packetisation interval, ms")->capture_default_str();
  cmd->add_option("--calls", o->calls, "Simultaneous calls")->capture_default_str();
  cmd->add_flag("--ipv6", o->ipv6, "IPv6 (40-byte header) instead of IPv4 (20)");
  cmd->add_option("--link", o->link,
                  "ethernet (18 bytes/frame), ethernet-wire (+20 preamble and gap), none")
      ->capture_default_str();
  cmd->add_option("--vlan", o->vlans, "802.1Q tags per frame (4 bytes each)");
  cmd->add_option("--extra-bytes", o->extra, "More bytes per packet (RTP extensions...)");
  cmd->add_flag("--srtp", o->srtp, "SRTP: a 10-byte authentication tag per packet");
  cmd->add_flag("--json", o->json, "JSON instead of text");
  cmd->callback([o, result] { run(*o, *result); });
  return result;
}

}  // namespace trunkline::app
