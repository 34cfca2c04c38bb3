#include "app/server.h"
// Wiring in progress: filled in once sip/transport's API lands.
namespace trunkline::app {
int runServer(const ops::NodeConfig&) {
  return 1;
}
}  // namespace trunkline::app
