#!/usr/bin/env bash
# Quick start: install dependencies, build, and run trunkline in the foreground on its
# embedded default (data directory ./data with a SQLite file; SIP on 127.0.0.1:5060 UDP+TCP).
# Any arguments go to trunkline, e.g.  scripts/start.sh --listen udp:127.0.0.1:5070
# Stop it with Ctrl-C (a clean shutdown).
set -euo pipefail
cd "$(dirname "$0")/.."
TL_BUILD_TYPE=${TL_BUILD_TYPE:-Release} bash scripts/build.sh -DTL_BUILD_TESTS=OFF -DTL_BUILD_BENCH=OFF
exec ./build/src/app/trunkline "$@"
