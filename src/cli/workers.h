/* workers.h - `lyng --workers N`: the supervisor of N copies of a script
 * (workers_native.c; on Node, js-shim/workers.mjs does the same). */
#ifndef LYNG_CLI_WORKERS_H
#define LYNG_CLI_WORKERS_H

#include <stdbool.h>

/* More copies than any machine has cores for would only be a typo. */
#define WORKERS_MAX 1024

/* Finds "--workers N" / "--workers=N" among the options before the
 * script: returns N, -1 when absent, 0 after reporting a bad count. *at is
 * its index in argv and *width how many entries it spans. */
int workers_option(int argc, char **argv, int *at, int *width);
/* Runs the copies until all have ended; returns the exit code. */
int workers_run(int argc, char **argv, int at, int width, int n);

#endif
