#!/usr/bin/env bash
# fuzz/long.sh - the long fuzzing run (make fuzz-long): every target for
# SECONDS at the lowest priority (FUZZ_NICE=0 for a quiet machine), FUZZ_JOBS targets at a time (default 3:
# more only share the same cores), over its committed seeds plus the
# gathered ones (fuzz/seeds.sh), with the token dictionary for the targets
# that read Lyng source. Prints per target the executions, executions a
# second, the coverage (edges and features) and the corpus size; a finding
# leaves its input in BIN_DIR/found-TARGET-KIND-* and makes the run fail. An
# input takes milliseconds, but at the lowest priority on a busy machine it
# may wait long for the CPU, so only two minutes of wall time make a hang.
#   fuzz/long.sh BIN_DIR SECONDS TARGET...
set -u
bin=$1 seconds=$2
shift 2
jobs=${FUZZ_JOBS:-3}
prio=${FUZZ_NICE:-19}
bash fuzz/seeds.sh "$bin/seeds" >/dev/null
failed=0
pids=()
for t in "$@"; do
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
  work=$bin/work/$t
  mkdir -p "$work"
  extra=() seeds=()
  case $t in
    run|compile|struct) extra=(-dict=fuzz/lyng.dict) ;;
  esac
  case $t in
    run|compile) seeds=("$bin/seeds/lyng") ;;
    doctest) seeds=("$bin/seeds/markdown") ;;
  esac
  nice -n "$prio" "$bin/fuzz_$t" -timeout=120 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
    "${extra[@]}" -max_total_time="$seconds" -artifact_prefix="$bin/found-$t-" \
    "$work" "fuzz/corpus/$t" "${seeds[@]}" >"$bin/long-$t.log" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
printf '%-10s %12s %8s %8s %8s %8s  %s\n' target executions exec/s edges features corpus result
for t in "$@"; do
  log=$bin/long-$t.log
  execs=$(sed -nE 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  cov=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
  ft=$(echo "$last" | sed -nE 's/.*ft: ([0-9]+).*/\1/p')
  corp=$(echo "$last" | sed -nE 's/.*corp: ([0-9]+).*/\1/p')
  # slow-unit-* files are reports; crash-, timeout-, oom- and leak- are findings
  res=ok
  found=$(ls "$bin"/found-"$t"-{crash,timeout,oom,leak}-* 2>/dev/null | head -n 1)
  [ -n "$found" ] && res="FOUND: $found"
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  printf '%-10s %12s %8s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$res"
done
exit $failed
