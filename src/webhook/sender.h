#pragma once
// Sender: posts one signed delivery and reports what came back. The dispatcher talks to
// this interface so its retry logic is tested with a fake; HttpSender (http_sender.h) is
// the real one.
//
// Threads: post() and the callback run on the dispatcher's loop thread. The callback runs
// exactly once, never from inside post(), unless the sender is destroyed first (then never).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "webhook/url.h"

namespace trunkline::webhook {

struct OutgoingRequest {
  Url url;
  bool insecureTls = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct SendResult {
  int status = 0;     // HTTP status; 0 = no response
  std::string error;  // why there is no response ("connect timeout", "TLS: …")
};

class Sender {
 public:
  using Done = std::function<void(SendResult)>;
  virtual ~Sender() = default;
  virtual void post(OutgoingRequest request, Done done) = 0;
};

}  // namespace trunkline::webhook
