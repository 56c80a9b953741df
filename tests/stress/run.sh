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

total=$((n + cycles + 1))
"$lyng" --allow-net=127.0.0.1 -D TOTAL=$total -D OWN_CLIENTS=0 "$dir/echo_server.lyng" >"$out/server.out" 2>&1 &
server=$!
port=""
for _ in $(seq 100); do
  port=$(sed -nE 's/^listening ([0-9]+)$/\1/p' "$out/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
passed=0 failed=0
if [ -z "$port" ]; then
  echo "FAIL the server did not start:"; head -n 5 "$out/server.out"
  failed=1
else
  "$client" "$port" "$server" "$n" "$cycles" | tee "$out/client.out"
  p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$out/client.out")
  f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$out/client.out")
  passed=${p:-0} failed=${f:-1}
  # the server ends by itself once every connection is served
  for _ in $(seq 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  if wait "$server" && grep -qx "echoed $total of $total" "$out/server.out"; then
    echo "ok   the server echoed all $total connections and exited"; passed=$((passed + 1))
  else
    echo "FAIL the server did not finish cleanly:"; tail -n 5 "$out/server.out"; failed=$((failed + 1))
  fi
fi
server=""

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
