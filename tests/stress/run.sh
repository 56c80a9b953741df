#!/usr/bin/env bash
# tests/stress/run.sh - the stress test: one native Lyng echo server
# (echo_server.lyng) and one client process (stress_client.c) on loopback.
#   run.sh LYNG CLIENT CONNECTIONS CYCLES
# The client holds CONNECTIONS at once, then runs CYCLES open/close cycles,
# and checks the server's descriptors and memory from /proc. Then the
# back-pressure check: a server writing to a client that never reads must
# stall instead of buffering, so its memory stays bounded.
# Prints the measurements and "N passed, N failed".
set -u
lyng=$1 client=$2 n=$3 cycles=$4
dir=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${server:-}" ] && kill "$server" 2>/dev/null' EXIT
ulimit -n "$(ulimit -Hn)"

passed=0 failed=0
. "$dir/serve.sh"
serve "$lyng" "$dir/echo_server.lyng" $((n + cycles + 1)) "$client" "$n" "$cycles"

# Back-pressure: sample the writer's resident memory while it writes for
# HOLD_MS to a socket that is never read.
"$lyng" --allow-net=127.0.0.1 -D HOLD_MS=3000 "$dir/backpressure.lyng" >"$out/bp.out" 2>&1 &
bp=$!
peak=0
while kill -0 "$bp" 2>/dev/null; do
  rss=$(sed -nE 's/^VmHWM:\s+([0-9]+) kB/\1/p' /proc/$bp/status 2>/dev/null || true)
  [ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.2
done
if wait "$bp" && [ "$(cat "$out/bp.out")" = "$(printf 'true\ntrue\ntrue')" ] && [ "$peak" -lt 65536 ]; then
  echo "ok   a client that never reads: the writer stalls, peak RSS $((peak / 1024)) MiB"; passed=$((passed + 1))
else
  echo "FAIL back-pressure (peak RSS $((peak / 1024)) MiB):"; head -n 5 "$out/bp.out"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
