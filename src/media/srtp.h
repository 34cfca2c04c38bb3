#pragma once
// SRTP and SRTCP (RFC 3711; AEAD AES-GCM per RFC 7714) for the relay, on libsrtp2.
//
// A call can be SRTP on one leg and plain RTP on the other, or SRTP on both with each leg's
// own keys (SDES, media/sdes.h: every leg negotiates its keys with Trunkline, never with the
// other leg). Per direction of a stream the controller installs one processor
// (MediaEngine::setProcessor):
//
//   from an SRTP leg to an RTP leg   SrtpUnprotect(key the sending leg offered/answered)
//   from an RTP leg to an SRTP leg   SrtpProtect(our key sent to the receiving leg)
//   from SRTP to SRTP                SrtpReencrypt(sender's key, our key for the receiver)
//
// RTP and RTCP of a direction go through the same processor (Packet::rtcp picks the
// transform), so SRTCP works with and without rtcp-mux.
//
// Each `SrtpContext` owns one libsrtp session: one master key, one role, any SSRC (libsrtp
// keeps a cryptographic context per SSRC, created on the first authentic packet). Replay
// protection is on for unprotect (window from the key, WSH); protect refuses to reuse an
// index (a repeated sequence number from the plain side would reuse keystream). A packet
// that fails (authentication, replay, too short, no room, key used up) is dropped and
// counted by reason; nothing throws or logs per packet.
//
// Threads: a processor runs on its stream's relay worker; it is created on the control
// thread and handed over through setProcessor (the worker's mutex orders the two).
// `counters()` may be read from any thread (relaxed atomics, single writer). libsrtp is
// initialised once per process (srtp_init, guarded by std::call_once) and never shut down.
//
// Room: protect appends the tag (RTP: 4/10/16 bytes; RTCP: 4-byte index + 10/16) in the
// packet's tailroom; the relay's buffers keep at least kPacketTailroom (64) bytes free
// after any datagram, more than any suite needs. (libsrtp documents SRTP_MAX_TRAILER_LEN,
// 144, as the worst case, which includes an MKI of up to 128 bytes; we never use MKIs and
// libsrtp writes only the tag without one, so the check is against the suite's overhead.)
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "media/packet.h"
#include "media/sdes.h"

struct srtp_ctx_t_;  // libsrtp's session, kept out of this header

namespace trunkline::media {

/// Why a packet was dropped by an SRTP processor.
enum class SrtpDrop : std::uint8_t {
  AuthFail,      // tag did not verify (wrong key, tampered, not SRTP)
  Replay,        // index already seen or older than the window (protect: repeated index)
  Malformed,     // shorter than header + tag, or not RTP/RTCP
  NoRoom,        // tailroom smaller than the tag (not with the relay's buffers)
  KeyExhausted,  // the key's lifetime (packet count) is used up
  Other,         // any other libsrtp failure
};
inline constexpr std::size_t kSrtpDropReasons = 6;
std::string_view srtpDropName(SrtpDrop reason);

/// A snapshot of one processor's counters.
struct SrtpCounters {
  std::uint64_t rtpPackets = 0;   // transformed and forwarded
  std::uint64_t rtcpPackets = 0;  // transformed and forwarded
  std::array<std::uint64_t, kSrtpDropReasons> dropped{};
  std::uint64_t drops(SrtpDrop r) const { return dropped[static_cast<std::size_t>(r)]; }
  std::uint64_t totalDropped() const;
};

/// srtp_init() once per process; every factory here calls it. Thread-safe.
base::Result<void> ensureSrtpInitialised();
/// Whether the linked libsrtp runs `suite` (GCM needs a crypto backend with AES-GCM; the
/// answer is probed once by creating a session). Pass srtpAvailableSuites() to answerSdes.
bool srtpSuiteAvailable(SrtpSuite suite);
std::vector<SrtpSuite> srtpAvailableSuites();

/// One libsrtp session for one direction. Not thread-safe: one thread at a time.
class SrtpContext {
 public:
  enum class Role : std::uint8_t { Protect, Unprotect };

  static base::Result<std::unique_ptr<SrtpContext>> create(const SrtpKey& key, Role role);
  ~SrtpContext();
  SrtpContext(const SrtpContext&) = delete;
  SrtpContext& operator=(const SrtpContext&) = delete;

  /// Transforms `packet` in place (RTP or RTCP per packet.rtcp), growing it into its
  /// tailroom (protect) or trimming the tag (unprotect). nullopt on success.
  std::optional<SrtpDrop> apply(Packet& packet);

  Role role() const { return role_; }
  SrtpSuite suite() const { return suite_; }

 private:
  SrtpContext(srtp_ctx_t_* session, Role role, SrtpSuite suite, std::uint64_t lifetime);
  std::optional<SrtpDrop> protect(Packet& packet);
  std::optional<SrtpDrop> unprotect(Packet& packet);

  srtp_ctx_t_* session_;
  Role role_;
  SrtpSuite suite_;
  std::uint64_t lifetime_;  // packets per key, RTP and RTCP counted separately
  std::uint64_t usedRtp_ = 0;
  std::uint64_t usedRtcp_ = 0;
};

/// The common part of the three processors: one or two contexts and the counters.
class SrtpProcessor : public PacketProcessor {
 public:
  Verdict process(Packet& packet, base::MonoTime now) override;
  SrtpCounters counters() const;
  /// What the relay may read of the packets: SRTP(C) in (unprotect, re-encrypt) has no
  /// RTP padding count or RTCP report blocks in the clear; out of unprotect it is plain.
  bool encryptedInput() const { return first_->role() == SrtpContext::Role::Unprotect; }
  bool encryptedOutput() const {
    return second_ != nullptr || first_->role() == SrtpContext::Role::Protect;
  }

 protected:
  SrtpProcessor(std::unique_ptr<SrtpContext> first, std::unique_ptr<SrtpContext> second);

 private:
  static void bump(std::atomic<std::uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // one writer
  }
  std::unique_ptr<SrtpContext> first_;
  std::unique_ptr<SrtpContext> second_;  // may be null
  std::atomic<std::uint64_t> rtp_{0};
  std::atomic<std::uint64_t> rtcp_{0};
  std::array<std::atomic<std::uint64_t>, kSrtpDropReasons> dropped_{};
};

/// SRTP/SRTCP in, RTP/RTCP out (the sending leg is SRTP, the receiving one is not).
class SrtpUnprotect final : public SrtpProcessor {
 public:
  static base::Result<std::shared_ptr<SrtpUnprotect>> create(const SrtpKey& senderKey);

 private:
  using SrtpProcessor::SrtpProcessor;
};

/// RTP/RTCP in, SRTP/SRTCP out (the receiving leg is SRTP).
class SrtpProtect final : public SrtpProcessor {
 public:
  static base::Result<std::shared_ptr<SrtpProtect>> create(const SrtpKey& ourKey);

 private:
  using SrtpProcessor::SrtpProcessor;
};

/// SRTP in under the sender's key, SRTP out under our key for the receiver (both legs
/// SRTP; the suites may differ, e.g. GCM on one side and AES-CM on the other).
class SrtpReencrypt final : public SrtpProcessor {
 public:
  static base::Result<std::shared_ptr<SrtpReencrypt>> create(const SrtpKey& senderKey,
                                                             const SrtpKey& ourKey);

 private:
  using SrtpProcessor::SrtpProcessor;
};

}  // namespace trunkline::media
