#include "app/call_stack.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "app/thread_name.h"
#include "base/log.h"
#include "billing/cdr_writer.h"
#include "billing/rating_source.h"
#include "billing/store_sink.h"
#include "call/b2bua.h"
#include "call/media_anchor.h"
#include "call/prober.h"
#include "call/rater.h"
#include "call/sip_service.h"
#include "call/trunk_policy.h"
#include "fraud/channel_limiter.h"
#include "fraud/cps_limiter.h"
#include "media/engine.h"
#include "metrics/node_stats.h"
#include "registrar/registrar.h"
#include "registrar/registration_writer.h"
#include "routing/health.h"
#include "sip/auth/random.h"
#include "sip/auth/server.h"
#include "storage/snapshot.h"
#include "storage/sqlite/config_store.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/rate_store.h"
#include "storage/sqlite/runtime_stores.h"

namespace trunkline::app {
namespace {

std::int64_t toMs(base::MonoTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::int64_t wallMs(const base::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
      .count();
}

std::vector<storage::Id> gatewaysOf(const storage::ConfigSnapshot& snap) {
  std::vector<storage::Id> ids;
  for (const auto& c : snap.data().carriers)
    for (const auto& g : c.gateways) ids.push_back(g.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Digest users of registration trunks, looked up in the current snapshot.
class SnapshotDirectory final : public registrar::TrunkDirectory {
 public:
  explicit SnapshotDirectory(const storage::SnapshotSource& s) : snapshots_(s) {}
  const storage::Trunk* findByCredential(std::string_view username,
                                         std::string_view realm) const override {
    // The snapshot stays alive while the registrar uses the result: snapshots are only
    // replaced on this (shard) thread's watch and kept by `held_` until the next call.
    held_ = snapshots_.current();
    return held_ ? held_->trunkByCredentials(username, realm).trunk : nullptr;
  }

 private:
  const storage::SnapshotSource& snapshots_;
  mutable std::shared_ptr<const storage::ConfigSnapshot> held_;
};

class RegistrarAdapter final : public call::RegistrarHook {
 public:
  RegistrarAdapter(registrar::Registrar& r, sip::RandomSource& random)
      : registrar_(r), random_(random) {}
  void onRegister(sip::TransactionLayer& layer, sip::ServerTransactionHandle txn,
                  const sip::SipMessage& request, const sip::Flow& from) override {
    auto reply = registrar_.handle(request, from);
    auto tag = request.to().tag() ? std::string() : random_.hex(8);
    if (auto r = layer.respond(txn, reply.wire(request, tag)); !r)
      TL_LOG_DEBUG("REGISTER response not sent: {}", r.error().message);
  }

 private:
  registrar::Registrar& registrar_;
  sip::RandomSource& random_;
};

class WriterSink final : public call::CdrSink {
 public:
  explicit WriterSink(billing::CdrWriter& w) : writer_(w) {}
  void submit(storage::Cdr cdr) override { writer_.submit(std::move(cdr)); }

 private:
  billing::CdrWriter& writer_;
};

sip::TransportKind kindOf(storage::Transport t) {
  switch (t) {
    case storage::Transport::Tcp: return sip::TransportKind::Tcp;
    case storage::Transport::Tls: return sip::TransportKind::Tls;
    case storage::Transport::Udp: break;
  }
  return sip::TransportKind::Udp;
}

}  // namespace

// Prices CDRs with the book in force when the call ended (billing/rating_source.h).
class BookRater final : public call::CallRater {
 public:
  explicit BookRater(const billing::RatingSource& s) : source_(s) {}
  void rate(storage::Cdr& cdr) override {
    if (auto book = source_.current()) billing::rateCdr(*book, cdr);
  }

 private:
  const billing::RatingSource& source_;
};

struct CallStack::Impl {
  Impl(const ops::NodeConfig& c, net::EventLoop& l, sip::TransportLayer& t)
      : cfg(c), loop(l), transport(t) {}

  const ops::NodeConfig& cfg;
  net::EventLoop& loop;
  sip::TransportLayer& transport;
  base::SystemClock clock;
  sip::SeededRandom random;

  // One connection per thread that uses the database.
  std::unique_ptr<storage::sqlite::Database> cfgDb, cdrDb, regDb;
  std::unique_ptr<storage::sqlite::SqliteConfigStore> configStore;
  std::unique_ptr<storage::SnapshotSource> snapshots;
  std::unique_ptr<storage::sqlite::SqliteRateStore> rateStore;  // cfgDb: refresher thread
  std::unique_ptr<billing::RatingSource> rating;
  std::unique_ptr<BookRater> rater;
  std::unique_ptr<storage::sqlite::SqliteCdrStore> cdrStore;
  std::unique_ptr<billing::StoreCdrSink> cdrSink;
  std::unique_ptr<billing::CdrWriter> cdrWriter;
  std::unique_ptr<storage::sqlite::SqliteRegistrationStore> regStore;
  std::unique_ptr<registrar::RegistrationWriter> regWriter;

  std::unique_ptr<sip::DigestServer> digest;
  fraud::ChannelLimiter channels;
  std::unique_ptr<fraud::CpsLimiter> cps;
  std::unique_ptr<routing::CarrierHealth> health;
  std::unique_ptr<SnapshotDirectory> directory;
  std::unique_ptr<registrar::Registrar> registrar;
  std::unique_ptr<RegistrarAdapter> registrarHook;
  std::unique_ptr<routing::SplitMix64> routeRandom;
  std::unique_ptr<call::TrunkPolicy> policy;
  std::unique_ptr<WriterSink> writerSink;
  std::unique_ptr<media::MediaEngine> mediaEngine;
  std::unique_ptr<call::AnchoredMedia> anchor;
  std::unique_ptr<call::B2bua> b2bua;
  std::unique_ptr<call::Prober> prober;

  // Carrier health published for the CLI (and later the API): the prober's results land
  // in `probes` (shard thread); the refresher thread writes gateway_status rows through
  // its own connection when something changed, and at least every kHealthHeartbeat so a
  // reader can tell a live node's rows from a stopped one's.
  struct LastProbe {
    int code = -1;
    std::int64_t atMs = 0;
  };
  std::unique_ptr<storage::sqlite::SqliteGatewayStatusStore> gatewayStatus;
  std::mutex probesMu;
  std::unordered_map<storage::Id, LastProbe> probes;  // guarded by probesMu
  std::atomic<bool> healthDirty{true};
  base::MonoTime healthWrittenAt{};     // refresher thread only
  std::vector<storage::Id> gatewayIds;  // refresher thread only: gateways of the snapshot
  static constexpr base::Duration kHealthHeartbeat = std::chrono::seconds(10);

  std::thread refresher;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::int64_t appliedVersion = -1;
  base::Duration probeInterval{0};

  call::LocalAddressFn localAddress() {
    return [this](sip::TransportKind kind, int family) {
      return transport.listenAddress(kind, family);
    };
  }
  void applySnapshot();
  void refreshLoop();
  base::Result<void> startMedia();
  void recordProbe(const call::ProbeResult& r);
  std::function<void(const CallStack::GatewayChange&)> gatewayHook;  // loop thread
  void notifyGatewayChange(const call::ProbeResult& r);
  void publishHealth(bool force);
};

// The relay (its own worker threads) and the anchor the B2BUA uses on this shard. Relay
// addresses: [media] address/address6, else the SIP listener's of the same family.
base::Result<void> CallStack::Impl::startMedia() {
  const auto& m = cfg.media;
  call::AnchoredMediaConfig acfg;
  acfg.poorMosThreshold = m.poorMos;
  acfg.transcode = call::TranscodePolicy{m.transcode, m.transcodeCodecs};
  auto pick = [&](const std::string& configured, int family) -> std::optional<net::Address> {
    if (!configured.empty()) return net::Address::fromIp(configured, 0);
    for (auto kind : {sip::TransportKind::Udp, sip::TransportKind::Tcp, sip::TransportKind::Tls})
      if (auto a = transport.listenAddress(kind, family)) return net::Address::fromIp(a->ip(), 0);
    return std::nullopt;
  };
  acfg.ipv4 = pick(m.address, AF_INET);
  acfg.ipv6 = pick(m.address6, AF_INET6);
  if (!acfg.ipv4 && !acfg.ipv6)
    return base::fail(base::Errc::Config,
                      "[media] has no relay address: set 'address' (or 'address6'), or listen "
                      "for SIP on an IP address");
  // Every anchored call holds 4 sockets per audio stream: the descriptor limit, not the
  // port range, is what usually caps concurrent calls. Take the hard limit, and say what
  // it allows.
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    if (nofile.rlim_cur < nofile.rlim_max) {
      nofile.rlim_cur = nofile.rlim_max;
      (void)::setrlimit(RLIMIT_NOFILE, &nofile);
      (void)::getrlimit(RLIMIT_NOFILE, &nofile);
    }
    const std::uint64_t byPorts = (m.portMax - m.portMin + 1) / 4;
    const std::uint64_t byFds = nofile.rlim_cur > 1024 ? (nofile.rlim_cur - 1024) / 4 : 0;
    if (byFds < byPorts)
      TL_LOG_WARN(
          "media: the open-file limit ({}) allows about {} anchored calls at once, the "
          "port range {}; raise LimitNOFILE / ulimit -n for more",
          nofile.rlim_cur, byFds, byPorts);
  }
  media::MediaEngineConfig ecfg;
  ecfg.ports.minPort = static_cast<std::uint16_t>(m.portMin);
  ecfg.ports.maxPort = static_cast<std::uint16_t>(m.portMax);
  ecfg.ports.quarantine = std::chrono::seconds(m.portQuarantineS);
  ecfg.ports.socketOptions.dscp = static_cast<int>(m.dscp);
  ecfg.workers = m.workers;
  ecfg.relay.noMediaTimeout = std::chrono::seconds(m.noMediaTimeoutS);
  ecfg.relay.holdTimeout = std::chrono::seconds(m.holdTimeoutS);
  mediaEngine =
      std::make_unique<media::MediaEngine>(clock, ecfg, [this](const media::MediaEvent& e) {
        // A relay worker thread: hand the event to the shard that owns the calls.
        loop.post([this, e] {
          if (anchor) anchor->dispatch(e);
        });
      });
  if (auto r = mediaEngine->init(); !r)
    return base::fail(r.error().code, "media relay: " + r.error().message);
  {
    ScopedThreadName name("tl-media");  // the relay workers
    mediaEngine->start();
  }
  anchor = std::make_unique<call::AnchoredMedia>(*mediaEngine, acfg, random.nextU64());
  TL_LOG_INFO("media relay on {}{}{} ports {}-{}, {} worker(s)", acfg.ipv4 ? acfg.ipv4->ip() : "",
              acfg.ipv4 && acfg.ipv6 ? " and " : "", acfg.ipv6 ? acfg.ipv6->ip() : "", m.portMin,
              m.portMax, m.workers);
  return {};
}

void CallStack::Impl::recordProbe(const call::ProbeResult& r) {
  if (health->recordProbe(r.gatewayId, r.ok)) {
    TL_LOG_WARN("gateway {} is now {} (probe answered {})", r.gatewayId,
                health->isUp(r.gatewayId) ? "up" : "down", r.code);
    if (gatewayHook) notifyGatewayChange(r);
  }
  std::lock_guard lock(probesMu);
  probes[r.gatewayId] = LastProbe{r.code, wallMs(clock)};
  healthDirty = true;
}

// carrier.up/down: name the gateway and its carrier from the current snapshot.
void CallStack::Impl::notifyGatewayChange(const call::ProbeResult& r) {
  CallStack::GatewayChange c;
  c.gatewayId = r.gatewayId;
  c.up = health->isUp(r.gatewayId);
  c.probeCode = r.code;
  if (auto snap = snapshots->current()) {
    for (const auto& carrier : snap->data().carriers)
      for (const auto& g : carrier.gateways)
        if (g.id == r.gatewayId) {
          c.carrierId = carrier.id;
          c.carrierName = carrier.name;
          const char* t = g.transport == storage::Transport::Tcp   ? "tcp"
                          : g.transport == storage::Transport::Tls ? "tls"
                                                                   : "udp";
          c.gateway = fmt::format("{}:{}:{}", t, g.host, g.port);
        }
  }
  gatewayHook(c);
}

void CallStack::Impl::publishHealth(bool force) {
  const auto now = clock.now();
  if (!force && !healthDirty && now - healthWrittenAt < kHealthHeartbeat) return;
  healthDirty = false;
  healthWrittenAt = now;
  const std::int64_t nowMs = wallMs(clock);
  const std::int64_t monoNowMs = toMs(now);
  std::vector<storage::GatewayStatus> rows;
  {
    std::lock_guard lock(probesMu);
    for (auto id : gatewayIds) {
      auto h = health->health(id);
      if (!h) {  // the shard has not applied this snapshot yet: next round
        healthDirty = true;
        continue;
      }
      storage::GatewayStatus g;
      g.gatewayId = id;
      g.up = h->up;
      g.consecutiveFailures = h->consecutiveFailures;
      g.consecutiveSuccesses = h->consecutiveSuccesses;
      g.changes = h->changes;
      // The tracker keeps monotonic time; the row wants wall time for people to read.
      if (h->changes > 0) g.lastChangeMs = nowMs - (monoNowMs - toMs(h->lastChange));
      if (auto it = probes.find(id); it != probes.end()) {
        g.lastProbeCode = it->second.code;
        g.lastProbeMs = it->second.atMs;
      }
      g.updatedMs = nowMs;
      rows.push_back(g);
    }
  }
  if (auto r = gatewayStatus->replaceAll(cfgDb->nodeId(), rows); !r) {
    healthDirty = true;  // try again next round
    TL_LOG_WARN("carrier health not published: {}", r.error().message);
  }
}

void CallStack::Impl::applySnapshot() {
  auto snap = snapshots->current();
  if (!snap || snap->version() == appliedVersion) return;
  appliedVersion = snap->version();
  const auto& carriers = snap->data().carriers;
  health->configure(carriers);
  if (!prober) return;
  std::vector<call::ProbeTarget> targets;
  std::uint32_t interval = 0;
  for (const auto& c : carriers) {
    if (!c.enabled || c.probeIntervalS == 0) continue;
    interval = interval == 0 ? c.probeIntervalS : std::min(interval, c.probeIntervalS);
    for (const auto& g : c.gateways) {
      auto addr = net::Address::fromIp(g.host, g.port);
      if (!addr) continue;  // names wait for DNS (RFC 3263)
      targets.push_back(call::ProbeTarget{g.id, kindOf(g.transport), *addr,
                                          fmt::format("sip:{}", addr->toString())});
    }
  }
  prober->setTargets(std::move(targets));
  base::Duration want = std::chrono::seconds(interval);
  if (want != probeInterval) {
    prober->stop();
    if (interval > 0) prober->start(want);
    probeInterval = want;
  }
  TL_LOG_INFO("configuration v{} applied: {} trunks, {} numbers, {} carriers, {} routes",
              snap->version(), snap->data().trunks.size(), snap->data().numbers.size(),
              carriers.size(), snap->data().routes.size());
}

void CallStack::Impl::refreshLoop() {
  std::unique_lock lock(mu);
  while (!stopping) {
    cv.wait_for(lock, std::chrono::seconds(1));
    if (stopping) break;
    lock.unlock();
    if (auto rated = rating->refreshIfChanged(); !rated)
      TL_LOG_WARN("rate deck refresh failed: {}", rated.error().message);
    auto changed = snapshots->refreshIfChanged();
    if (!changed) {
      TL_LOG_WARN("configuration refresh failed: {}", changed.error().message);
    } else if (*changed) {
      loop.post([this] { applySnapshot(); });
    }
    bool gatewaysChanged = false;
    if (auto snap = snapshots->current()) {
      auto ids = gatewaysOf(*snap);
      gatewaysChanged = ids != gatewayIds;
      gatewayIds = std::move(ids);
    }
    publishHealth(gatewaysChanged);
    lock.lock();
  }
}

base::Result<std::unique_ptr<CallStack>> CallStack::create(
    const ops::NodeConfig& cfg, const std::string& dbPath, net::EventLoop& loop,
    sip::TransportLayer& transport, std::vector<call::CallObserver*> observers) {
  auto d = std::make_unique<Impl>(cfg, loop, transport);
  for (auto* db : {&d->cfgDb, &d->cdrDb, &d->regDb}) {
    auto opened = storage::sqlite::Database::open(dbPath);
    if (!opened) return tl::unexpected(opened.error());
    *db = std::move(*opened);
  }
  d->configStore = std::make_unique<storage::sqlite::SqliteConfigStore>(*d->cfgDb);
  d->gatewayStatus = std::make_unique<storage::sqlite::SqliteGatewayStatusStore>(*d->cfgDb);
  d->snapshots = std::make_unique<storage::SnapshotSource>(*d->configStore);
  if (auto r = d->snapshots->refreshIfChanged(); !r)
    return base::fail(base::Errc::Io, "loading configuration: " + r.error().message);

  d->rateStore = std::make_unique<storage::sqlite::SqliteRateStore>(*d->cfgDb);
  d->rating = std::make_unique<billing::RatingSource>(*d->rateStore);
  if (auto r = d->rating->refreshIfChanged(); !r)
    return base::fail(base::Errc::Io, "loading rate decks: " + r.error().message);
  d->rater = std::make_unique<BookRater>(*d->rating);

  d->cdrStore = std::make_unique<storage::sqlite::SqliteCdrStore>(*d->cdrDb);
  d->cdrSink = std::make_unique<billing::StoreCdrSink>(*d->cdrStore);
  d->cdrWriter = std::make_unique<billing::CdrWriter>(*d->cdrSink, d->clock);
  d->regStore = std::make_unique<storage::sqlite::SqliteRegistrationStore>(*d->regDb);
  auto persisted = d->regStore->list(std::nullopt);
  if (!persisted)
    return base::fail(base::Errc::Io, "loading registrations: " + persisted.error().message);
  d->regWriter = std::make_unique<registrar::RegistrationWriter>(*d->regStore, d->clock);

  sip::DigestServerConfig dcfg;
  dcfg.realm = cfg.sip.realm;
  // PBXs disagree on what goes in the digest uri (SIPp sends the host part only); the
  // response hash covers it and nonce counts stop replays, so it is not matched against
  // the Request-URI.
  dcfg.checkUri = false;
  dcfg.algorithms.clear();
  for (const auto& a : cfg.sip.digestAlgorithms)
    dcfg.algorithms.push_back(a == "MD5" ? sip::DigestAlgorithm::Md5
                                         : sip::DigestAlgorithm::Sha256);
  dcfg.secret = d->random.hex(32);  // per process: nonces of a previous run are stale
  d->digest = std::make_unique<sip::DigestServer>(dcfg, d->clock, d->random);
  d->cps = std::make_unique<fraud::CpsLimiter>(d->clock);
  d->health = std::make_unique<routing::CarrierHealth>(d->clock);
  d->directory = std::make_unique<SnapshotDirectory>(*d->snapshots);
  d->registrar = std::make_unique<registrar::Registrar>(
      registrar::RegistrarConfig{}, loop.timers(), *d->digest, *d->directory, d->regWriter.get());
  std::size_t restored = d->registrar->restore(*persisted);
  d->registrarHook = std::make_unique<RegistrarAdapter>(*d->registrar, d->random);
  d->routeRandom = std::make_unique<routing::SplitMix64>(d->random.nextU64());
  d->policy = std::make_unique<call::TrunkPolicy>(
      call::TrunkPolicy::Deps{*d->snapshots, *d->digest, d->channels, *d->cps, d->health.get(),
                              d->registrar.get(), *d->routeRandom});
  d->writerSink = std::make_unique<WriterSink>(*d->cdrWriter);
  call::B2buaConfig bcfg;
  bcfg.userAgent = cfg.sip.serverHeader.empty() ? "Trunkline" : cfg.sip.serverHeader;
  bcfg.localAddress = d->localAddress();
  bcfg.rater = d->rater.get();
  bcfg.observers = std::move(observers);
  if (cfg.media.enabled) {
    if (auto r = d->startMedia(); !r) return tl::unexpected(r.error());
    bcfg.media = d->anchor.get();
  }
  d->b2bua =
      std::make_unique<call::B2bua>(loop.timers(), bcfg, *d->policy, *d->writerSink, d->random);
  {
    ScopedThreadName name("tl-cdr");
    d->cdrWriter->start();
  }
  {
    ScopedThreadName name("tl-reg");
    d->regWriter->start();
  }
  TL_LOG_INFO("{} registrations restored", restored);
  return std::unique_ptr<CallStack>(new CallStack(std::move(d)));
}

CallStack::CallStack(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CallStack::~CallStack() {
  stop();
}

void CallStack::attach(call::SipService& service, sip::TransactionLayer& transactions) {
  auto& d = *impl_;
  d.b2bua->attach(transactions);
  service.setB2bua(d.b2bua.get());
  service.setRegistrar(d.registrarHook.get());
  d.prober = std::make_unique<call::Prober>(
      d.loop.timers(), transactions, d.localAddress(), d.random,
      [&d](const call::ProbeResult& r) { d.recordProbe(r); },
      d.cfg.sip.serverHeader.empty() ? "Trunkline" : d.cfg.sip.serverHeader);
  service.addClientSink(d.prober.get());
  d.applySnapshot();
  ScopedThreadName name("tl-refresh");
  d.refresher = std::thread([&d] { d.refreshLoop(); });
}

void CallStack::setGatewayChangeHook(std::function<void(const GatewayChange&)> hook) {
  impl_->gatewayHook = std::move(hook);
}

void CallStack::hangupAll() {
  if (impl_->b2bua->liveCalls() > 0)
    TL_LOG_INFO("hanging up {} live calls", impl_->b2bua->liveCalls());
  impl_->b2bua->shutdown();
}

bool CallStack::hangup(std::uint64_t callId, std::string reason) {
  return impl_->b2bua->hangup(callId, std::move(reason));
}

void CallStack::fillCounters(metrics::ShardCounters& out) const {
  const auto& d = *impl_;
  out.calls = d.b2bua->counters();
  out.liveCalls = d.b2bua->liveCalls();
  out.registrar = d.registrar->counters();
  out.registrations = d.registrar->size();
}

billing::CdrWriterStats CallStack::cdrStats() const {
  return impl_->cdrWriter->stats();
}

void CallStack::stop() {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    if (d.stopping) return;
    d.stopping = true;
  }
  d.cv.notify_all();
  if (d.refresher.joinable()) d.refresher.join();
  if (d.prober) d.prober->stop();
  d.publishHealth(true);  // the last state this node saw (its updated_ms then ages)
  if (d.mediaEngine) d.mediaEngine->stop();
  d.cdrWriter->stop();
  d.regWriter->stop();
  auto stats = d.cdrWriter->stats();
  TL_LOG_INFO("CDR writer stopped: {} written, {} abandoned", stats.written, stats.abandoned);
}

}  // namespace trunkline::app
