#!/usr/bin/env bash
# tests/stress/soak.sh - the soak: a Lyng echo server (soak_server.lyng) on
# loopback serves WARMUP + CYCLES + 1 connect/echo/close cycles from
# stress_client, which checks that the server's descriptors and resident
# memory end within 10% of where they were after the warm-up.
#   soak.sh LYNG CLIENT WARMUP CYCLES     (LYNG: build/native/lyng or bin/lyng)
# Prints the measurements and "N passed, N failed".
set -u
lyng=$1 client=$2 warmup=$3 cycles=$4
dir=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${server:-}" ] && kill "$server" 2>/dev/null' EXIT
total=$((warmup + cycles + 1))
# exec: the measured process is the server itself (node for bin/lyng)
bash -c 'exec "$@"' _ "$lyng" --allow-net=127.0.0.1 -D TOTAL=$total -D OWN_CLIENTS=0 "$dir/soak_server.lyng" >"$out/server.out" 2>&1 &
server=$!
port=""
for _ in $(seq 300); do
  port=$(sed -nE 's/^listening ([0-9]+)$/\1/p' "$out/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
passed=0 failed=0
if [ -z "$port" ]; then
  echo "FAIL the server did not start:"; head -n 5 "$out/server.out"
  failed=1
else
  "$client" "$port" "$server" soak "$warmup" "$cycles" | tee "$out/client.out"
  p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$out/client.out")
  f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$out/client.out")
  passed=${p:-0} failed=${f:-1}
  for _ in $(seq 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  if wait "$server" && grep -qx "echoed $total of $total" "$out/server.out"; then
    echo "ok   the server echoed all $total connections and exited"; passed=$((passed + 1))
  else
    echo "FAIL the server did not finish cleanly:"; tail -n 5 "$out/server.out"; failed=$((failed + 1))
  fi
fi
server=""
echo "$passed passed, $failed failed"
