#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time on a scratch copy of its seed corpus.
#   fuzz/run_bounded.sh <fuzzer-binary> <corpus-dir> <seconds>
# Exits non-zero if the fuzzer finds a crash, leak, timeout or sanitizer report; the
# reproducer is kept and its path printed. The seed corpus itself is never modified.
set -uo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 <fuzzer-binary> <corpus-dir> <seconds>" >&2
  exit 2
fi
bin=$1
corpus=$2
seconds=$3
if [ ! -x "$bin" ]; then
  echo "fuzzer binary not found or not executable: $bin" >&2
  exit 2
fi
if [ ! -d "$corpus" ]; then
  echo "corpus directory not found: $corpus" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tl-fuzz.XXXXXX")
mkdir -p "$work/corpus" "$work/artifacts"
cp -R "$corpus"/. "$work/corpus/"
"$bin" "$work/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  >"$work/log" 2>&1
rc=$?
tail -n 25 "$work/log"
if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  echo "FUZZ FAILURE ($(basename "$bin"), exit $rc); reproducers in $work/artifacts:" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
rm -rf "$work"
exit 0
