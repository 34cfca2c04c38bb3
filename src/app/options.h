#pragma once
// Command-line options of the trunkline binary and how they overlay the config file.
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "ops/config.h"

namespace trunkline::app {

struct CommandLine {
  std::string configPath;           // empty: built-in defaults
  std::vector<std::string> listen;  // replaces [sip] listen when given
  std::optional<std::string> dataDir;
  std::optional<std::string> logLevel;
  std::optional<unsigned> threads;
};

/// Loads the config file (if any), applies command-line overrides and validates the result.
/// Errors are ready to print: "file:line: problem" or "--listen 'x': problem".
base::Result<ops::NodeConfig> resolveConfig(const CommandLine& cl);

}  // namespace trunkline::app
