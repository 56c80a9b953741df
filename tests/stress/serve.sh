# tests/stress/serve.sh - sourced by run.sh and soak.sh: one Lyng server
# script against stress_client on loopback.
#   serve LYNG SCRIPT TOTAL CLIENT CLIENT_ARGS...
# Starts SCRIPT (which prints "listening PORT", serves TOTAL connections,
# then "echoed TOTAL of TOTAL" and exits), runs CLIENT PORT PID
# CLIENT_ARGS..., and adds the client's checks and one for the server's end
# to $passed and $failed. Uses $out for its files and $server for the PID,
# which the caller's EXIT trap kills if it is still set.
serve() {
  local lyng=$1 script=$2 total=$3 client=$4 port="" p f
  shift 4
  # exec: the measured process is the server itself (node for bin/lyng)
  bash -c 'exec "$@"' _ "$lyng" --allow-net=127.0.0.1 -D TOTAL="$total" -D OWN_CLIENTS=0 "$script" >"$out/server.out" 2>&1 &
  server=$!
  for _ in $(seq 300); do
    port=$(sed -nE 's/^listening ([0-9]+)$/\1/p' "$out/server.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "FAIL the server did not start:"; head -n 5 "$out/server.out"
    failed=$((failed + 1))
    return
  fi
  "$client" "$port" "$server" "$@" | tee "$out/client.out"
  p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$out/client.out")
  f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$out/client.out")
  passed=$((passed + ${p:-0})) failed=$((failed + ${f:-1}))
  # the server ends by itself once every connection is served
  for _ in $(seq 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  if wait "$server" && grep -qx "echoed $total of $total" "$out/server.out"; then
    echo "ok   the server echoed all $total connections and exited"; passed=$((passed + 1))
  else
    echo "FAIL the server did not finish cleanly:"; tail -n 5 "$out/server.out"; failed=$((failed + 1))
  fi
  server=""
}
