#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds Trunkline (gcc) and the libFuzzer
# targets (clang), then runs every test through CTest: unit tests, integration tests
# (the real binary against SIPp and other real peers on loopback), bounded fuzz runs and
# the formatting check. Ends with one line: "tests: N passed, M failed".
#   TL_FUZZ_SECONDS=N   seconds per fuzz target (default 20)
set -uo pipefail
cd "$(dirname "$0")/.."
set -e
bash scripts/install-deps.sh
JOBS=$(nproc)
echo "== building trunkline and tests (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTL_BUILD_TESTS=ON \
  -DTL_BUILD_BENCH=ON -DTL_FUZZ_BIN_DIR="$PWD/build-fuzz/fuzz" >/dev/null
cmake --build build -j"$JOBS"
echo "== building fuzz targets (build-fuzz/, clang + libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTL_FUZZ_ONLY=ON -DTL_BUILD_TESTS=OFF -DTL_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS"
set +e
echo "== running tests"
export TL_FUZZ_SECONDS=${TL_FUZZ_SECONDS:-20}
(cd build && ctest --output-on-failure --timeout 600 -j"$JOBS" 2>&1) | tee build/ctest.log
rc=${PIPESTATUS[0]}
passed=$(grep -Eo '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' build/ctest.log | tail -1)
total=$(echo "$passed" | awk '{print $NF}')
failed=$(echo "$passed" | awk '{print $4}')
if [ -z "$passed" ]; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
echo "tests: $((total - failed)) passed, ${failed} failed"
exit "$rc"
