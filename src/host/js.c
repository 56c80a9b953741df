/* js.c - the wasm host backend: timers, cancellation, the clock and the
 * capability mask are imports of the `lyng_host` module, implemented by
 * js-shim/node.mjs (or the browser host). The JS side completes every op
 * later through lyng_wasm_complete, never from inside the import, so the
 * core is never re-entered. Socket ops live in js_net.c. */
#include <stdlib.h>

#include "host.h"

#define IMPORT(name) __attribute__((import_module("lyng_host"), import_name(name)))

/* The VM pointer tells the JS side which instance-local VM an op belongs to. */
IMPORT("caps") uint32_t js_caps(void *vm);
IMPORT("timer") void js_timer(void *vm, uint32_t op, double ms);
IMPORT("cancel") void js_cancel(void *vm, uint32_t op);
IMPORT("now") double js_now(void);
/* Writes where the VM runs ("in the browser") into out; 0 = no opinion. */
IMPORT("where") uint32_t js_where(void *vm, char *out, uint32_t cap);
/* Writes why capability `cap` is missing into out; 0 = nothing to add. */
IMPORT("missing") uint32_t js_missing(void *vm, uint32_t cap, char *out, uint32_t len);

struct host {
    lyng_vm *vm;
    char where[64];
    char missing[128];
};

host *host_new(lyng_vm *vm) {
    host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->vm = vm;
    return h;
}

void host_free(host *h) { free(h); }

lyng_vm *host_vm(host *h) { return h->vm; }

unsigned host_caps(host *h) { return js_caps(h->vm); }

const char *host_where(host *h) {
    uint32_t n = js_where(h->vm, h->where, sizeof h->where - 1);
    if (n == 0 || n >= sizeof h->where) return "on this platform";
    h->where[n] = 0;
    return h->where;
}

const char *host_missing(host *h, unsigned cap) {
    uint32_t n = js_missing(h->vm, cap, h->missing, sizeof h->missing - 1);
    if (n == 0 || n >= sizeof h->missing) return NULL;
    h->missing[n] = 0;
    return h->missing;
}

void host_timer(host *h, uint32_t op, int64_t ms) { js_timer(h->vm, op, ms < 0 ? 0.0 : (double)ms); }

void host_cancel(host *h, uint32_t op) { js_cancel(h->vm, op); }

int64_t host_now_ms(host *h) {
    (void)h;
    return (int64_t)js_now();
}

/* JS owns the event loop: the core never waits on the wasm side. */
int host_wait(host *h, int timeout_ms) {
    (void)h;
    (void)timeout_ms;
    return 0;
}
