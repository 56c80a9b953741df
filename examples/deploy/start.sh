#!/usr/bin/env bash
# examples/deploy/start.sh - N copies of server.lyng (lyng --workers N) and
# HAProxy in front of them, balancing requests on LISTEN_PORT over the
# copies' ports BASE_PORT .. BASE_PORT+N-1. SIGINT or SIGTERM stops both; so
# does either of them ending.
#
#   examples/deploy/start.sh [N] [LISTEN_PORT] [BASE_PORT]    (4 8080 8100)
#
# LYNG names the command line to use: build/native/lyng by default, bin/lyng
# to run the copies on Node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-4}
listen=${2:-8080}
base=${3:-8100}
lyng=${LYNG:-$here/../../build/native/lyng}

backend=$(mktemp)
trap 'rm -f "$backend"' EXIT
{
    echo "backend workers"
    echo "    balance roundrobin"
    echo "    option httpchk GET /health"
    echo "    default-server check inter 200ms fall 1 rise 1"
    for ((i = 0; i < n; i++)); do echo "    server w$i 127.0.0.1:$((base + i))"; done
} > "$backend"

"$lyng" --workers "$n" --allow-net=127.0.0.1 -D BASE_PORT="$base" "$here/server.lyng" &
workers=$!
LISTEN_PORT=$listen haproxy -db -f "$here/haproxy.cfg" -f "$backend" &
proxy=$!
echo "start.sh: $n workers on $base..$((base + n - 1)) (pid $workers), HAProxy on $listen (pid $proxy)"

stop() { kill -TERM "$workers" "$proxy" 2>/dev/null || true; }
trap stop INT TERM
wait -n "$workers" "$proxy" || true
stop
wait || true
