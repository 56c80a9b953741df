/* step_limit_test.c - checks the VM's step budget (lyng_config.step_limit),
 * which the fuzz targets rely on to end endless scripts: every way a script
 * can run forever must stop with LYNG_EXIT and LYNG_STEP_LIMIT_EXIT, and a
 * script within its budget must be unaffected. Prints "N passed, N failed". */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lyng.h"

static int passed, failed;

static void drop_output(void *ud, int stream, const char *data, size_t len) {
    (void)ud, (void)stream, (void)data, (void)len;
}

/* Runs src with the given budget; returns the final status and the exit code. */
static int run(const char *src, uint64_t limit, int *exit_code) {
    lyng_config cfg = {.write = drop_output, .step_limit = limit};
    lyng_vm *vm = lyng_new(&cfg);
    int st = lyng_eval(vm, "step_limit_test.lyng", src, strlen(src));
    /* bounded: a script the budget failed to stop fails the check below (an
     * endless loop inside one lyng_run is cut off by the `timeout` of make) */
    for (int round = 0; st != LYNG_COMPILE_ERROR && round < 1000; round++) {
        st = lyng_run(vm);
        if (st != LYNG_WAITING) break;
        lyng_host_wait(vm, 10);
    }
    *exit_code = lyng_exit_code(vm);
    lyng_free(vm);
    return st;
}

static void expect_stopped(const char *what, const char *src) {
    clock_t t0 = clock();
    int code = 0;
    int st = run(src, 100000, &code);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    bool ok = st == LYNG_EXIT && code == LYNG_STEP_LIMIT_EXIT && secs < 5;
    printf("%s stopped by the budget: %s\n", ok ? "ok  " : "FAIL", what);
    if (ok) passed++;
    else failed++;
}

int main(void) {
    expect_stopped("an endless loop", "while (true) { }");
    expect_stopped("recursion that catches its stack overflow",
                   "fun f(n) { try { f(n + 1) } catch (e) { f(n + 1) } }\nf(0)");
    expect_stopped("a loop that catches every exception",
                   "while (true) { try { while (true) { } } catch (e) { } }");
    expect_stopped("a native loop calling a lambda", "(1..1000000000).forEach { }");
    expect_stopped("coroutines that never finish", "for (i in 1..3) launch { while (true) { yield() } }");
    int code = 0;
    int st = run("var s = 0\nfor (i in 1..1000) s += i\ns", 100000, &code);
    bool ok = st == LYNG_DONE;
    printf("%s a script within its budget finishes\n", ok ? "ok  " : "FAIL");
    if (ok) passed++;
    else failed++;
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
