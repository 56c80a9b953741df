/* test_vm_budget.c - checks that the interpreter's fast paths count steps
 * exactly like the general ones. A `for` over an Int range, over a List and
 * a `while` loop with the same number of iterations take the same number of
 * steps (one per back-edge), so the step limit cuts them at the same place;
 * an endless range loop is stopped by the limit; and with a slice of 3
 * steps (the browser playground's setting) a range loop yields again and
 * again and still ends with the right value. Prints "N passed, N failed". */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lyng.h"

static int passed, failed;

static void check(bool ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (ok) passed++;
    else failed++;
}

static void drop_output(void *ud, int stream, const char *data, size_t len) {
    (void)ud, (void)stream, (void)data, (void)len;
}

/* Runs src to its end with a step limit (0: none) and a slice (0: none).
 * Returns the final status; *yields counts the slices that ran out. */
static int run(const char *src, uint64_t limit, uint32_t slice, int *exit_code, int *yields, char *result, size_t cap) {
    lyng_config cfg = {.write = drop_output, .step_limit = limit};
    lyng_vm *vm = lyng_new(&cfg);
    if (slice) lyng_set_slice(vm, slice);
    int st = lyng_eval(vm, "test_vm_budget.lyng", src, strlen(src));
    *yields = 0;
    for (int round = 0; st != LYNG_COMPILE_ERROR && round < 100000; round++) {
        st = lyng_run(vm);
        if (st == LYNG_YIELDED) { (*yields)++; continue; }
        if (st != LYNG_WAITING) break;
        lyng_host_wait(vm, 10);
    }
    *exit_code = lyng_exit_code(vm);
    snprintf(result, cap, "%s", st == LYNG_DONE ? lyng_result_text(vm) : "");
    lyng_free(vm);
    return st;
}

static bool finishes(const char *src, uint64_t limit) {
    int code, yields;
    char result[64];
    return run(src, limit, 0, &code, &yields, result, sizeof result) == LYNG_DONE;
}

/* The smallest step limit under which src finishes (0 if none up to max). */
static uint64_t steps_needed(const char *src, uint64_t max) {
    if (!finishes(src, max)) return 0;
    uint64_t lo = 1, hi = max;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (finishes(src, mid)) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

int main(void) {
    char list[1024] = "val xs = [";
    for (int i = 0; i < 50; i++) {
        char n[8];
        snprintf(n, sizeof n, "%s%d", i ? "," : "", i);
        strcat(list, n);
    }
    strcat(list, "]\nvar s = 0\nfor (x in xs) s += x\ns");

    uint64_t range = steps_needed("var s = 0\nfor (i in 0..<50) s += i\ns", 10000);
    uint64_t range49 = steps_needed("var s = 0\nfor (i in 0..<49) s += i\ns", 10000);
    uint64_t over_list = steps_needed(list, 10000);
    uint64_t loop = steps_needed("var s = 0\nvar i = 0\nwhile (i < 50) { s += i; i++ }\ns", 10000);
    printf("steps: range %llu, range of 49 %llu, list %llu, while %llu\n", (unsigned long long)range,
           (unsigned long long)range49, (unsigned long long)over_list, (unsigned long long)loop);
    check(range > 0 && range == loop, "a range loop takes as many steps as a while loop");
    check(range == over_list, "a range loop takes as many steps as a loop over a List");
    check(range == range49 + 1, "one more iteration is one more step");

    int code, yields;
    char result[64];
    clock_t t0 = clock();
    int st = run("for (i in 0..) { }", 100000, 0, &code, &yields, result, sizeof result);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    check(st == LYNG_EXIT && code == LYNG_STEP_LIMIT_EXIT && secs < 5, "an endless range loop is stopped by the step limit");

    st = run("var s = 0\nfor (i in 0..<1000) s += i\ns", 0, 3, &code, &yields, result, sizeof result);
    printf("sliced range loop: %d yields, result %s\n", yields, result);
    check(st == LYNG_DONE && strcmp(result, "499500") == 0 && yields >= 300, "a range loop yields every 3 steps and ends right");
    st = run("val fs = []\nfor (i in 0..<100) { fs += { i } }\nvar s = 0\nfor (f in fs) s += f()\ns", 0, 3, &code, &yields,
             result, sizeof result);
    check(st == LYNG_DONE && strcmp(result, "4950") == 0 && yields >= 60, "closures over the loop variable survive slices");

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
