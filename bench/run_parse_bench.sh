#!/usr/bin/env bash
# Builds bench_sip_parse (Release) if needed and runs Trunkline vs libosip2 vs Sofia-SIP in
# one run, pinned to one core, then prints the summary table with the ratios.
#
#   bench/run_parse_bench.sh                 # timing run (median of interleaved repetitions)
#   bench/run_parse_bench.sh --callgrind     # also: instructions per message, per parser
#   bench/run_parse_bench.sh -- --benchmark_filter=invite   # extra google-benchmark flags
#   bench/run_parse_bench.sh --at 80cd4ac    # measure the parser as committed at a revision
#                                            # (git archive into /tmp; bench/ from the work tree)
#
# Environment: BUILD_DIR (default <repo>/build-bench), BENCH_CPU (default 1),
# REPS (default 10), MIN_TIME (seconds per repetition, default 0.3), JOBS (default 2),
# PAIRED_ROUNDS (default 100; 0 = skip the paired measurement).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
BENCH_CPU="${BENCH_CPU:-1}"
REPS="${REPS:-10}"
MIN_TIME="${MIN_TIME:-0.3}"
PAIRED_ROUNDS="${PAIRED_ROUNDS:-100}"
JOBS="${JOBS:-2}"
CALLGRIND=0
AT=""
ARGS_GIVEN="$*"
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --callgrind) CALLGRIND=1 ;;
    --at) AT="$2"; shift ;;
    --) shift; EXTRA+=("$@"); break ;;
    *) EXTRA+=("$1") ;;
  esac
  shift
done

SRC="$ROOT"
if [[ -n "$AT" ]]; then
  # Other engineers edit the shared work tree while we measure: --at pins the code under
  # test to a commit. Sources from that commit, this work tree's bench/ (the harness).
  AT="$(git -C "$ROOT" rev-parse --short "$AT")"
  SRC="/tmp/trunkline-bench-src-$AT"
  BUILD_DIR="/tmp/trunkline-bench-build-$AT"
  if [[ ! -d "$SRC" ]]; then
    mkdir -p "$SRC"
    git -C "$ROOT" archive "$AT" | tar -x -C "$SRC"
  fi
  rm -rf "$SRC/bench"
  cp -rp "$ROOT/bench" "$SRC/bench"
fi

# Configure (once, Release) and build only this target.
if [[ ! -f "$BUILD_DIR/build.ninja" ]] ||
   ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD_DIR/CMakeCache.txt"; then
  cmake -S "$SRC" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTL_BUILD_TESTS=OFF \
    -DTL_BUILD_BENCH=ON >/dev/null || { echo "cmake configure failed" >&2; exit 1; }
fi
if ! build_log="$(cmake --build "$BUILD_DIR" -j"$JOBS" --target bench_sip_parse 2>&1)"; then
  echo "$build_log" | tail -40
  echo "build of bench_sip_parse failed (see above)" >&2
  exit 1
fi
BIN="$BUILD_DIR/bench/bench_sip_parse"

echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
parser_dirty=""
if [[ -n "$AT" ]]; then
  echo "commit:  code under test = commit $AT (git archive), harness = work tree bench/"
elif [[ -n "$(git -C "$ROOT" status --porcelain -- ':(glob)src/sip/message/*.cc' ':(glob)src/sip/message/*.h' 2>/dev/null)" ]]; then
  parser_dirty=" + uncommitted changes"
fi
if [[ -z "$AT" ]]; then echo "commit:  HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown), src/sip/message at $(git -C "$ROOT" log -1 --format=%h -- src/sip/message 2>/dev/null || echo unknown)$parser_dirty"; fi
echo "command: bench/run_parse_bench.sh $ARGS_GIVEN (REPS=$REPS MIN_TIME=$MIN_TIME PAIRED_ROUNDS=$PAIRED_ROUNDS)"
echo "machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), pinned to CPU $BENCH_CPU"
echo "libs:    libosip2 $(pkg-config --modversion libosip2), sofia-sip-ua $(pkg-config --modversion sofia-sip-ua)"
echo

taskset -c "$BENCH_CPU" "$BIN" \
  --benchmark_repetitions="$REPS" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_min_time="$MIN_TIME" \
  --benchmark_report_aggregates_only=true \
  --paired_rounds="$PAIRED_ROUNDS" \
  "${EXTRA[@]}"

if [[ "$CALLGRIND" == 1 ]]; then
  # Instructions per message, independent of machine load: run N1 and N2 iterations under
  # callgrind and divide the difference (start-up, file loading and verification cancel out).
  command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 1; }
  N1=200 N2=1200
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  irs() {  # parser message n -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
      "$BIN" --loop="$1:$2:$3" >/dev/null 2>&1 || return 1
    awk '/^(summary|totals):/ {print $2; exit}' "$tmp/cg.out"
  }
  echo
  echo "== instructions per message (callgrind, (Ir(N2)-Ir(N1))/(N2-N1), N1=$N1 N2=$N2) =="
  printf '%-8s %12s %12s %12s %9s %9s %9s\n' message trunkline osip sofia osip/tl sofia/tl min/tl
  for msg in invite 200ok; do
    declare -A ipm=()
    for p in trunkline osip sofia; do
      if a=$(irs "$p" "$msg" "$N1") && b=$(irs "$p" "$msg" "$N2"); then
        ipm[$p]=$(( (b - a) / (N2 - N1) ))
      else
        ipm[$p]=0
      fi
    done
    awk -v m="$msg" -v t="${ipm[trunkline]}" -v o="${ipm[osip]}" -v s="${ipm[sofia]}" 'BEGIN {
      mn = (o < s) ? o : s
      printf "%-8s %12d %12d %12d %9.2f %9.2f %9.2f\n", m, t, o, s,
             (t > 0 ? o / t : 0), (t > 0 ? s / t : 0), (t > 0 ? mn / t : 0)
    }'
    unset ipm
  done
fi
