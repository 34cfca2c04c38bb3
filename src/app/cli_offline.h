#pragma once
// The API without a running node: the REST API's own router and handlers, run inside the
// CLI process on <data_dir>/trunkline.db, as the local admin (like the control socket).
// Used by `--offline` and when no node answers on the control socket, so a command
// validates, answers and fails the same way online and offline.
#include <memory>
#include <string>

#include "app/cli_client.h"
#include "base/result.h"

namespace trunkline::app::cli {

/// Opens (creating the directory and schema if needed) <dataDir>/trunkline.db. `realm`
/// is the digest realm given to credentials that name none.
base::Result<std::unique_ptr<ApiTransport>> makeOfflineTransport(const std::string& dataDir,
                                                                 const std::string& realm);

}  // namespace trunkline::app::cli
