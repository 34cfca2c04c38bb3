#pragma once
// TLS contexts for SIP over TLS (RFC 3261 §26.2, RFC 5630): server and client
// asio::ssl::context built from PEM files, TLS 1.2 minimum.
//
// A context is immutable once built and shared (shared_ptr) by every connection that uses
// it, on any loop. Loading happens at start-up or on configuration reload, never on a hot
// path; failures come back as base::Result with the offending file named.
#include <memory>
#include <string>

#include <asio/ssl/context.hpp>

#include "base/result.h"

namespace trunkline::net {

struct TlsFiles {
  /// PEM certificate chain (leaf first). Required for servers, optional for clients
  /// (client certificate for mutual TLS).
  std::string certFile;
  /// PEM private key matching certFile.
  std::string keyFile;
  /// PEM CA bundle used to verify the peer. Empty: clients use the system store.
  std::string caFile;
  /// Client: verify the server's chain (default on). Server: require a client certificate
  /// signed by caFile (mutual TLS).
  bool verifyPeer = true;
};

using TlsContextPtr = std::shared_ptr<asio::ssl::context>;

/// Server context: certFile and keyFile are required; caFile + verifyPeer request and
/// verify client certificates.
base::Result<TlsContextPtr> makeTlsServerContext(const TlsFiles& files);
/// Client context: verifies the server against caFile (or the system store) when
/// verifyPeer; presents certFile/keyFile if given. Host-name checking is left to the
/// caller (it knows the target domain, RFC 5922), see sip/transport/README.md.
base::Result<TlsContextPtr> makeTlsClientContext(const TlsFiles& files);

}  // namespace trunkline::net
