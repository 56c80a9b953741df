#!/usr/bin/env bash
# bench/run.sh - runs each benchmark with Lyng and with Lua 5.4 (the baseline),
# takes the median of 3 wall-clock runs each, and prints the time ratio
# lyng/lua (lower is better; 1.00 means as fast as Lua).
#   bash bench/run.sh [LYNG_BINARY]     (default build/native/lyng)
set -euo pipefail
cd "$(dirname "$0")/.."
LYNG=${1:-build/native/lyng}
LUA=${LUA:-lua5.4}
RUNS=3

command -v "$LUA" >/dev/null || { echo "bench: $LUA not found" >&2; exit 2; }
[ -x "$LYNG" ] || { echo "bench: $LYNG not found (run make build)" >&2; exit 2; }

# Prints the median wall time in seconds of RUNS runs of the given command,
# and fails if the command's output differs from $EXPECT.
median_time() {
  local times=() t0 t1 out
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s.%N)
    out=$("$@")
    t1=$(date +%s.%N)
    if [ "$out" != "$EXPECT" ]; then
      echo "bench: '$*' printed '$out', expected '$EXPECT'" >&2
      return 1
    fi
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"
}

# name  lyng-args  lua-args  expected-output
bench() {
  local name=$1 arg=$2
  EXPECT=$3
  local tl tu
  tl=$(median_time "$LYNG" "bench/$name.lyng" "$arg")
  tu=$(median_time "$LUA" "bench/$name.lua" "$arg")
  printf '%-10s lyng %7.3fs   lua %7.3fs   ratio lyng/lua %5.2f\n' \
    "$name($arg)" "$tl" "$tu" "$(awk -v a="$tl" -v b="$tu" 'BEGIN { printf "%.4f", a / b }')"
}

bench fib 30 832040
