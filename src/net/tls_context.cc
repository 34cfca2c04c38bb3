#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <exception>
#include <filesystem>

#include <fmt/format.h>

namespace trunkline::net {
namespace {

std::string sslErrorText(const std::error_code& ec) {
  std::string text = ec.message();
  // OpenSSL keeps the detailed reason on its error queue; take the most recent one.
  unsigned long e = 0;
  unsigned long last = 0;
  while ((e = ERR_get_error()) != 0) last = e;
  if (last != 0) {
    char buf[256];
    ERR_error_string_n(last, buf, sizeof buf);
    text = buf;
  }
  return text;
}

base::Result<void> checkReadable(std::string_view what, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return base::fail(base::Errc::Config,
                      fmt::format("TLS {} file '{}' does not exist", what, path));
  if (std::filesystem::is_directory(path, ec))
    return base::fail(base::Errc::Config,
                      fmt::format("TLS {} file '{}' is a directory", what, path));
  return {};
}

base::Result<void> loadIdentity(asio::ssl::context& ctx, const TlsFiles& f) {
  if (auto r = checkReadable("certificate", f.certFile); !r) return r;
  if (auto r = checkReadable("private key", f.keyFile); !r) return r;
  std::error_code ec;
  ctx.use_certificate_chain_file(f.certFile, ec);
  if (ec)
    return base::fail(base::Errc::Config, fmt::format("cannot load TLS certificate file '{}': {}",
                                                      f.certFile, sslErrorText(ec)));
  ctx.use_private_key_file(f.keyFile, asio::ssl::context::pem, ec);
  if (ec) {
    const std::string why = sslErrorText(ec);
    if (why.find("mismatch") != std::string::npos)
      return base::fail(
          base::Errc::Config,
          fmt::format("TLS private key file '{}' does not match certificate file '{}'", f.keyFile,
                      f.certFile));
    return base::fail(base::Errc::Config,
                      fmt::format("cannot load TLS private key file '{}': {}", f.keyFile, why));
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    ERR_clear_error();
    return base::fail(base::Errc::Config,
                      fmt::format("TLS private key file '{}' does not match certificate file '{}'",
                                  f.keyFile, f.certFile));
  }
  return {};
}

base::Result<void> loadCa(asio::ssl::context& ctx, const TlsFiles& f) {
  if (f.caFile.empty()) return {};
  if (auto r = checkReadable("CA", f.caFile); !r) return r;
  std::error_code ec;
  ctx.load_verify_file(f.caFile, ec);
  if (ec)
    return base::fail(base::Errc::Config,
                      fmt::format("cannot load TLS CA file '{}': {}", f.caFile, sslErrorText(ec)));
  return {};
}

base::Result<TlsContextPtr> newContext(asio::ssl::context::method method) {
  try {  // the Asio constructor throws when OpenSSL cannot allocate a context
    auto ctx = std::make_shared<asio::ssl::context>(method);
    std::error_code ec;
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                     ec);
    if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1)
      return base::fail(base::Errc::Internal, "cannot set TLS 1.2 as minimum version");
    return ctx;
  } catch (const std::exception& e) {
    return base::fail(base::Errc::Internal, fmt::format("cannot create TLS context: {}", e.what()));
  }
}

}  // namespace

base::Result<TlsContextPtr> makeTlsServerContext(const TlsFiles& files) {
  if (files.certFile.empty() || files.keyFile.empty())
    return base::fail(base::Errc::Config, "TLS server needs both a certificate and a key file");
  auto ctx = newContext(asio::ssl::context::tls_server);
  if (!ctx) return ctx;
  if (auto r = loadIdentity(**ctx, files); !r) return tl::unexpected(r.error());
  if (auto r = loadCa(**ctx, files); !r) return tl::unexpected(r.error());
  std::error_code ec;
  if (!files.caFile.empty() && files.verifyPeer)
    (*ctx)->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
  else
    (*ctx)->set_verify_mode(asio::ssl::verify_none, ec);
  return ctx;
}

base::Result<TlsContextPtr> makeTlsClientContext(const TlsFiles& files) {
  auto ctx = newContext(asio::ssl::context::tls_client);
  if (!ctx) return ctx;
  if (!files.certFile.empty() || !files.keyFile.empty()) {
    if (auto r = loadIdentity(**ctx, files); !r) return tl::unexpected(r.error());
  }
  std::error_code ec;
  if (!files.caFile.empty()) {
    if (auto r = loadCa(**ctx, files); !r) return tl::unexpected(r.error());
  } else if (files.verifyPeer) {
    (*ctx)->set_default_verify_paths(ec);
    if (ec)
      return base::fail(base::Errc::Config,
                        fmt::format("cannot load the system CA store: {}", sslErrorText(ec)));
  }
  (*ctx)->set_verify_mode(files.verifyPeer ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
  return ctx;
}

}  // namespace trunkline::net
