#!/usr/bin/env bash
# fuzz/smoke.sh - the fuzzing suite of `make test`: runs each target over its
# committed seed corpus, then fuzzes it for a few seconds.
#   fuzz/smoke.sh BIN_DIR SECONDS TARGET...
# Prints one line per target and "N passed, N failed".
set -u
bin=$1 seconds=$2
shift 2
passed=0 failed=0
for t in "$@"; do
  work=$bin/smoke/$t
  rm -rf "$work" && mkdir -p "$work"
  log=$bin/smoke-$t.log
  if "$bin/fuzz_$t" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
       -max_total_time="$seconds" -artifact_prefix="$bin/crash-$t-" "$work" "fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -nE 's/^stat::number_of_executed_units: *//p' "$log")
    echo "ok   $t: ${runs:-?} executions"
    passed=$((passed + 1))
  else
    echo "FAIL $t (log: $log)"
    grep -E 'ERROR|SUMMARY|==[0-9]+==' "$log" | head -n 20
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
