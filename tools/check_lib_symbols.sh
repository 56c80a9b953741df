#!/bin/sh
# check_lib_symbols.sh LIB.a - the C library exports only the API: every
# symbol it defines for the linker (nm -g) must start with lyng_, and the
# entry points of lyng.h must be among them. Prints "N passed, N failed".
set -eu
lib=$1
symbols=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u)
passed=0
failed=0
for s in $symbols; do
  case $s in
    lyng_*) passed=$((passed + 1)) ;;
    *) failed=$((failed + 1)); echo "FAIL $lib exports $s, which does not start with lyng_" ;;
  esac
done
for s in lyng_new lyng_eval lyng_run lyng_host_wait lyng_complete lyng_free; do
  if echo "$symbols" | grep -qx "$s"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $lib does not export $s"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
