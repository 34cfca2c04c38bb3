#!/usr/bin/env bash
# Installs every build, run and test dependency of Trunkline from Debian packages.
# Idempotent; run as root (or with sudo) on Debian 12. Skips apt when all are present.
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-dev
  # libraries
  libssl-dev openssl libasio-dev libsqlite3-dev sqlite3
  libfmt-dev libspdlog-dev libcli11-dev libtoml11-dev libexpected-dev nlohmann-json3-dev
  libbcg729-dev libopus-dev libspandsp-dev libspeexdsp-dev
  libsrtp2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  sip-tester sipsak python3
  libosip2-dev libsofia-sip-ua-dev
)
# Comparison peers of the benchmarks only (`--bench`): daemons whose packages may start a
# service on a default port, so the build and test path never installs them.
if [ "${1:-}" = "--bench" ]; then
  PKGS+=(kamailio rtpengine-daemon wrk)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
