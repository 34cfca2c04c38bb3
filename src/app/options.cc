#include "app/options.h"

#include <fmt/format.h>

namespace trunkline::app {

base::Result<ops::NodeConfig> resolveConfig(const CommandLine& cl) {
  ops::NodeConfig cfg;
  if (!cl.configPath.empty()) {
    auto loaded = ops::loadConfig(cl.configPath);
    if (!loaded) return tl::unexpected(loaded.error());
    cfg = std::move(*loaded);
  }
  if (!cl.listen.empty()) cfg.sip.listen = cl.listen;
  if (cl.dataDir) cfg.dataDir = *cl.dataDir;
  if (cl.threads) cfg.threads = *cl.threads;
  if (cl.logLevel && !base::parseLogLevel(*cl.logLevel, cfg.logLevel))
    return base::fail(
        base::Errc::Config,
        fmt::format("--log-level '{}': expected trace, debug, info, warn, error or off",
                    *cl.logLevel));
  if (auto v = ops::validate(cfg); !v) {
    auto e = v.error();
    if (!cl.listen.empty() && e.message.starts_with("invalid listen address"))
      e.message = "--listen: " + e.message;  // the bad value came from the command line
    else if (!cfg.sourceFile.empty())
      e.message = cfg.sourceFile + ": " + e.message;
    return tl::unexpected(e);
  }
  return cfg;
}

}  // namespace trunkline::app
