/* io_streams.h - wasi:io/streams@0.2.12 (and the error resource of
 * wasi:io/error): the byte streams of a TCP connection. */
#ifndef LYNG_WASI_IO_STREAMS_H
#define LYNG_WASI_IO_STREAMS_H

#include "abi.h"

/* stream-error: 0 last-operation-failed(own<error>), 1 closed */
#define WASI_STREAM_ERROR_FAILED 0
#define WASI_STREAM_ERROR_CLOSED 1

/* read(len) -> result<list<u8>, stream-error>; ret: tag @0; ok: ptr @4,
 * len @8; err: case @4, error handle @8 */
WASI_IMPORT("wasi:io/streams", "[method]input-stream.read") void wasi_input_read(int32_t self, int64_t len, wasi_ret *ret);
WASI_IMPORT("wasi:io/streams", "[method]input-stream.subscribe") int32_t wasi_input_subscribe(int32_t self);
WASI_IMPORT("wasi:io/streams", "[resource-drop]input-stream") void wasi_input_drop(int32_t self);

/* check-write() -> result<u64, stream-error>; ret: tag @0; ok: u64 @8;
 * err: case @8, error handle @12 */
WASI_IMPORT("wasi:io/streams", "[method]output-stream.check-write") void wasi_output_check_write(int32_t self, wasi_ret *ret);
/* write(list<u8>) -> result<_, stream-error>; ret: tag @0; err: case @4,
 * error handle @8 */
WASI_IMPORT("wasi:io/streams", "[method]output-stream.write") void wasi_output_write(int32_t self, const uint8_t *buf, int32_t len, wasi_ret *ret);
WASI_IMPORT("wasi:io/streams", "[method]output-stream.flush") void wasi_output_flush(int32_t self, wasi_ret *ret);
WASI_IMPORT("wasi:io/streams", "[method]output-stream.subscribe") int32_t wasi_output_subscribe(int32_t self);
WASI_IMPORT("wasi:io/streams", "[resource-drop]output-stream") void wasi_output_drop(int32_t self);

WASI_IMPORT("wasi:io/error", "[resource-drop]error") void wasi_error_drop(int32_t self);

#endif
