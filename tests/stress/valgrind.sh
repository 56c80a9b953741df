#!/usr/bin/env bash
# tests/stress/valgrind.sh - runs one net scenario under valgrind memcheck:
# the script's output must match its `// expect:` lines, and memcheck must
# report no error and no leaked block of any kind at exit.
#   valgrind.sh LYNG SCRIPT.lyng
# Prints "N passed, N failed".
set -u
lyng=$1 script=$2
log=$(mktemp)
trap 'rm -f "$log" "$log.out"' EXIT
args=$(sed -nE 's|^\s*// args:(.*)$|\1|p' "$script")
# shellcheck disable=SC2086 # the args line is split like the test runner splits it
valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
  --log-file="$log" "$lyng" $args "$script" >"$log.out" 2>&1
rc=$?
passed=0 failed=0
if [ "$rc" = 0 ] && diff <(sed -nE 's|^// expect: ?(.*)$|\1|p' "$script") "$log.out" >/dev/null; then
  echo "ok   $script under valgrind: $(grep -E 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')"
  echo "     $(grep -E 'All heap blocks were freed|in use at exit' "$log" | sed 's/^==[0-9]*== //' | tr '\n' ' ')"
  passed=1
else
  echo "FAIL $script under valgrind (exit $rc)"
  head -n 10 "$log.out"
  grep -E 'ERROR SUMMARY|definitely|indirectly|possibly|still reachable|Invalid|uninitialised' "$log" | head -n 20
  failed=1
fi
echo "$passed passed, $failed failed"
