#include "media/srtp.h"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>
#include <srtp2/srtp.h>

namespace trunkline::media {
namespace {

using base::Errc;
using base::fail;

constexpr std::size_t kRtpFixedHeader = 12;
constexpr std::size_t kRtcpHeaderAndSsrc = 8;

std::optional<SrtpDrop> dropFor(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok: return std::nullopt;
    case srtp_err_status_auth_fail: return SrtpDrop::AuthFail;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return SrtpDrop::Replay;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err: return SrtpDrop::Malformed;
    case srtp_err_status_key_expired: return SrtpDrop::KeyExhausted;
    default: return SrtpDrop::Other;
  }
}

void setPolicy(SrtpSuite suite, srtp_policy_t& p) {
  switch (suite) {
    case SrtpSuite::AesCm128HmacSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
      break;
    case SrtpSuite::AesCm128HmacSha1_32:
      // RFC 4568 §6.2.2: the 32-bit tag is for SRTP only; SRTCP keeps the 80-bit one.
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
      break;
    case SrtpSuite::AeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
      break;
    case SrtpSuite::AeadAes256Gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
      break;
  }
}

base::Result<srtp_t> createSession(const SrtpKey& key, SrtpContext::Role role) {
  if (key.keySalt().size() != srtpKeyLength(key.suite()) + srtpSaltLength(key.suite()))
    return fail(Errc::InvalidArgument, "SRTP key has the wrong length for its suite");
  srtp_policy_t policy{};
  setPolicy(key.suite(), policy);
  policy.ssrc.type = role == SrtpContext::Role::Protect ? ssrc_any_outbound : ssrc_any_inbound;
  // libsrtp copies what it needs (it derives the session keys in srtp_create).
  policy.key = const_cast<unsigned char*>(key.keySalt().data());
  policy.window_size =
      std::clamp<std::uint32_t>(key.replayWindow, kMinReplayWindow, kMaxReplayWindow);
  policy.allow_repeat_tx = 0;  // never reuse keystream for a repeated index (RFC 3711 §9.1)
  policy.next = nullptr;
  srtp_t session = nullptr;
  const srtp_err_status_t status = srtp_create(&session, &policy);
  if (status != srtp_err_status_ok)
    return fail(Errc::Unavailable,
                fmt::format("srtp_create({}) failed: libsrtp status {}", srtpSuiteName(key.suite()),
                            static_cast<int>(status)));
  return session;
}

/// RFC 3550 §5.1 header length of an RTP packet (fixed part, CSRCs, extension); 0 if it
/// runs past `size`. The payload (and, for SRTP, the tag) follows.
std::size_t rtpHeaderLength(const std::uint8_t* data, std::size_t size) {
  if (size < kRtpFixedHeader || (data[0] >> 6) != 2) return 0;
  std::size_t len = kRtpFixedHeader + 4u * (data[0] & 0x0f);
  if (data[0] & 0x10) {
    if (size < len + 4) return 0;
    len += 4 + 4u * ((std::size_t{data[len + 2]} << 8) | data[len + 3]);
  }
  return len <= size ? len : 0;
}

}  // namespace

std::string_view srtpDropName(SrtpDrop reason) {
  switch (reason) {
    case SrtpDrop::AuthFail: return "auth_fail";
    case SrtpDrop::Replay: return "replay";
    case SrtpDrop::Malformed: return "malformed";
    case SrtpDrop::NoRoom: return "no_room";
    case SrtpDrop::KeyExhausted: return "key_exhausted";
    case SrtpDrop::Other: return "other";
  }
  return "other";
}

std::uint64_t SrtpCounters::totalDropped() const {
  std::uint64_t n = 0;
  for (std::uint64_t d : dropped) n += d;
  return n;
}

base::Result<void> ensureSrtpInitialised() {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_ok;
  std::call_once(once, [] { status = srtp_init(); });
  if (status != srtp_err_status_ok)
    return fail(Errc::Internal,
                fmt::format("srtp_init failed: libsrtp status {}", static_cast<int>(status)));
  return {};
}

bool srtpSuiteAvailable(SrtpSuite suite) {
  static std::once_flag once;
  static std::array<bool, kAllSrtpSuites.size()> available{};
  std::call_once(once, [] {
    if (!ensureSrtpInitialised()) return;
    const std::array<std::uint8_t, kMaxSrtpKeySalt> zeros{};
    for (SrtpSuite s : kAllSrtpSuites) {
      const SrtpKey probe(
          s, std::span<const std::uint8_t>(zeros.data(), srtpKeyLength(s) + srtpSaltLength(s)));
      auto session = createSession(probe, SrtpContext::Role::Protect);
      if (session) {
        srtp_dealloc(*session);
        available[static_cast<std::size_t>(s)] = true;
      }
    }
  });
  return available[static_cast<std::size_t>(suite)];
}

std::vector<SrtpSuite> srtpAvailableSuites() {
  std::vector<SrtpSuite> out;
  for (SrtpSuite s : kAllSrtpSuites)
    if (srtpSuiteAvailable(s)) out.push_back(s);
  return out;
}

// ---------------------------------------------------------------------------------------
// SrtpContext

SrtpContext::SrtpContext(srtp_ctx_t_* session, Role role, SrtpSuite suite, std::uint64_t lifetime)
    : session_(session), role_(role), suite_(suite), lifetime_(lifetime) {}

SrtpContext::~SrtpContext() {
  if (session_ != nullptr) srtp_dealloc(session_);
}

base::Result<std::unique_ptr<SrtpContext>> SrtpContext::create(const SrtpKey& key, Role role) {
  if (auto ok = ensureSrtpInitialised(); !ok) return tl::unexpected(ok.error());
  auto session = createSession(key, role);
  if (!session) return tl::unexpected(session.error());
  return std::unique_ptr<SrtpContext>(
      new SrtpContext(*session, role, key.suite(), key.lifetime.value_or(kMaxSrtpLifetime)));
}

std::optional<SrtpDrop> SrtpContext::apply(Packet& packet) {
  return role_ == Role::Protect ? protect(packet) : unprotect(packet);
}

std::optional<SrtpDrop> SrtpContext::protect(Packet& packet) {
  // libsrtp takes an int length; the relay's datagrams are far below that.
  if (packet.data == nullptr || packet.size > kMaxDatagram) return SrtpDrop::Malformed;
  const std::size_t overhead = packet.rtcp ? srtpRtcpOverhead(suite_) : srtpRtpOverhead(suite_);
  if (packet.tailroom < overhead) return SrtpDrop::NoRoom;
  std::uint64_t& used = packet.rtcp ? usedRtcp_ : usedRtp_;
  // RFC 4568 §6.1: the lifetime is the number of packets the key may protect; the sender
  // must stop using it after that (a re-INVITE with a new key is the way on).
  if (used >= lifetime_) return SrtpDrop::KeyExhausted;
  int len = static_cast<int>(packet.size);
  srtp_err_status_t status;
  if (packet.rtcp) {
    if (packet.size < kRtcpHeaderAndSsrc || (packet.data[0] >> 6) != 2) return SrtpDrop::Malformed;
    status = srtp_protect_rtcp(session_, packet.data, &len);
  } else {
    if (rtpHeaderLength(packet.data, packet.size) == 0) return SrtpDrop::Malformed;
    status = srtp_protect(session_, packet.data, &len);
  }
  if (auto drop = dropFor(status)) return drop;
  const std::size_t grown = static_cast<std::size_t>(len) - packet.size;
  if (static_cast<std::size_t>(len) < packet.size || !packet.append(grown))
    return SrtpDrop::Other;  // cannot happen: checked against the suite's overhead above
  ++used;
  return std::nullopt;
}

std::optional<SrtpDrop> SrtpContext::unprotect(Packet& packet) {
  if (packet.data == nullptr || packet.size > kMaxDatagram + kPacketTailroom)
    return SrtpDrop::Malformed;
  std::uint64_t& used = packet.rtcp ? usedRtcp_ : usedRtp_;
  if (used >= lifetime_) return SrtpDrop::KeyExhausted;
  int len = static_cast<int>(packet.size);
  srtp_err_status_t status;
  if (packet.rtcp) {
    if (packet.size < kRtcpHeaderAndSsrc + srtpRtcpOverhead(suite_) || (packet.data[0] >> 6) != 2)
      return SrtpDrop::Malformed;
    status = srtp_unprotect_rtcp(session_, packet.data, &len);
  } else {
    const std::size_t header = rtpHeaderLength(packet.data, packet.size);
    if (header == 0 || packet.size < header + srtpRtpOverhead(suite_)) return SrtpDrop::Malformed;
    status = srtp_unprotect(session_, packet.data, &len);
  }
  if (auto drop = dropFor(status)) return drop;
  if (len < 0 || static_cast<std::size_t>(len) > packet.size ||
      !packet.trim(packet.size - static_cast<std::size_t>(len)))
    return SrtpDrop::Other;
  ++used;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Processors

SrtpProcessor::SrtpProcessor(std::unique_ptr<SrtpContext> first,
                             std::unique_ptr<SrtpContext> second)
    : first_(std::move(first)), second_(std::move(second)) {}

PacketProcessor::Verdict SrtpProcessor::process(Packet& packet, base::MonoTime) {
  std::optional<SrtpDrop> drop = first_->apply(packet);
  if (!drop && second_) drop = second_->apply(packet);
  if (drop) {
    bump(dropped_[static_cast<std::size_t>(*drop)]);
    return Verdict::Drop;
  }
  bump(packet.rtcp ? rtcp_ : rtp_);
  return Verdict::Forward;
}

SrtpCounters SrtpProcessor::counters() const {
  SrtpCounters c;
  c.rtpPackets = rtp_.load(std::memory_order_relaxed);
  c.rtcpPackets = rtcp_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kSrtpDropReasons; ++i)
    c.dropped[i] = dropped_[i].load(std::memory_order_relaxed);
  return c;
}

base::Result<std::shared_ptr<SrtpUnprotect>> SrtpUnprotect::create(const SrtpKey& senderKey) {
  auto in = SrtpContext::create(senderKey, SrtpContext::Role::Unprotect);
  if (!in) return tl::unexpected(in.error());
  return std::shared_ptr<SrtpUnprotect>(new SrtpUnprotect(std::move(*in), nullptr));
}

base::Result<std::shared_ptr<SrtpProtect>> SrtpProtect::create(const SrtpKey& ourKey) {
  auto out = SrtpContext::create(ourKey, SrtpContext::Role::Protect);
  if (!out) return tl::unexpected(out.error());
  return std::shared_ptr<SrtpProtect>(new SrtpProtect(std::move(*out), nullptr));
}

base::Result<std::shared_ptr<SrtpReencrypt>> SrtpReencrypt::create(const SrtpKey& senderKey,
                                                                   const SrtpKey& ourKey) {
  auto in = SrtpContext::create(senderKey, SrtpContext::Role::Unprotect);
  if (!in) return tl::unexpected(in.error());
  auto out = SrtpContext::create(ourKey, SrtpContext::Role::Protect);
  if (!out) return tl::unexpected(out.error());
  return std::shared_ptr<SrtpReencrypt>(new SrtpReencrypt(std::move(*in), std::move(*out)));
}

}  // namespace trunkline::media
