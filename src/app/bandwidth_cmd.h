#pragma once
// `trunkline bandwidth`: link capacity for N calls of a codec (media/bandwidth.h), for
// operators sizing links and carrier contracts. Runs during parse, prints, and records
// its exit code.
#include <memory>

#include <CLI/CLI.hpp>

namespace trunkline::app {

struct BandwidthCommand {
  bool ran = false;
  int exitCode = 0;
};

std::shared_ptr<BandwidthCommand> addBandwidthCommand(CLI::App& app);

}  // namespace trunkline::app
