#pragma once
// Test helper: a throw-away directory with a self-signed certificate and key made by the
// openssl command-line tool. Removed on destruction.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace trunkline::net::testing {

class TempCerts {
 public:
  TempCerts() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tl-certs-XXXXXX").string();
    if (char* d = ::mkdtemp(tmpl.data())) dir_ = d;
    ok_ = !dir_.empty() && make("server") && make("other");
  }
  ~TempCerts() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  TempCerts(const TempCerts&) = delete;
  TempCerts& operator=(const TempCerts&) = delete;

  bool ok() const { return ok_; }
  std::string dir() const { return dir_; }
  std::string cert(const std::string& name = "server") const { return dir_ + "/" + name + ".crt"; }
  std::string key(const std::string& name = "server") const { return dir_ + "/" + name + ".key"; }

 private:
  bool make(const std::string& name) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
        " -keyout '" +
        key(name) + "' -out '" + cert(name) + "' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }

  std::string dir_;
  bool ok_ = false;
};

}  // namespace trunkline::net::testing
