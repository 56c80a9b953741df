/* io_poll.h - wasi:io/poll@0.2.12: pollables and the one blocking call. */
#ifndef LYNG_WASI_IO_POLL_H
#define LYNG_WASI_IO_POLL_H

#include "abi.h"

/* poll(in: list<borrow<pollable>>) -> list<u32>; ret: ptr @0, len @4, the
 * list allocated through cabi_realloc */
WASI_IMPORT("wasi:io/poll", "poll") void wasi_poll(const int32_t *pollables, int32_t n, wasi_ret *ret);
WASI_IMPORT("wasi:io/poll", "[method]pollable.ready") int32_t wasi_pollable_ready(int32_t self);
WASI_IMPORT("wasi:io/poll", "[resource-drop]pollable") void wasi_pollable_drop(int32_t self);

#endif
