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
passed=0 failed=0
. "$dir/serve.sh"
serve "$lyng" "$dir/soak_server.lyng" $((warmup + cycles + 1)) "$client" soak "$warmup" "$cycles"
echo "$passed passed, $failed failed"
