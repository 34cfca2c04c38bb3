#pragma once
// The running node: wires storage, the event loop, transports, the transaction layer and
// the SIP service together (the only place that names the concrete types).
#include "ops/config.h"

namespace trunkline::app {

/// Runs the node until SIGINT/SIGTERM; returns the process exit code (0 on a clean stop).
/// Startup failures (data directory, database, a listen address) are printed and give 1.
int runServer(const ops::NodeConfig& config);

}  // namespace trunkline::app
