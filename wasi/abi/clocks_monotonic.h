/* clocks_monotonic.h - wasi:clocks/monotonic-clock@0.2.12: nanoseconds
 * and timer pollables. */
#ifndef LYNG_WASI_CLOCKS_MONOTONIC_H
#define LYNG_WASI_CLOCKS_MONOTONIC_H

#include "abi.h"

WASI_IMPORT("wasi:clocks/monotonic-clock", "now") int64_t wasi_monotonic_now(void);
WASI_IMPORT("wasi:clocks/monotonic-clock", "subscribe-instant") int32_t wasi_monotonic_subscribe_instant(int64_t when);
WASI_IMPORT("wasi:clocks/monotonic-clock", "subscribe-duration") int32_t wasi_monotonic_subscribe_duration(int64_t ns);

#endif
