/* abi.h - shared pieces of the canonical-ABI declarations in this folder.
 *
 * Each header here declares, by hand, the core-wasm signatures of the WASI
 * 0.2.12 functions one interface exports, as the component model lowers
 * them: resources are i32 handles, u64 is i64, enums and small integers are
 * i32, and a result that does not fit in one value is written to memory at
 * a pointer passed last ("retptr"). The byte offsets of those results are
 * given next to each function; they follow the ABI's alignment rules. */
#ifndef LYNG_WASI_ABI_H
#define LYNG_WASI_ABI_H

#include <stdint.h>

#define WASI_IMPORT(module, name) __attribute__((import_module(module "@0.2.12"), import_name(name)))

/* A return area large and aligned enough for every result declared here. */
typedef struct wasi_ret {
    _Alignas(8) uint8_t b[48];
} wasi_ret;

static inline uint8_t wasi_u8(const wasi_ret *r, int off) { return r->b[off]; }
static inline uint16_t wasi_u16(const wasi_ret *r, int off) { return (uint16_t)(r->b[off] | r->b[off + 1] << 8); }
static inline uint32_t wasi_u32(const wasi_ret *r, int off) { return *(const uint32_t *)(const void *)&r->b[off]; }
static inline uint64_t wasi_u64(const wasi_ret *r, int off) { return *(const uint64_t *)(const void *)&r->b[off]; }

#endif
