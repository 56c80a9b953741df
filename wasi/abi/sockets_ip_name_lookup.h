/* sockets_ip_name_lookup.h - wasi:sockets/ip-name-lookup@0.2.12. */
#ifndef LYNG_WASI_SOCKETS_IP_NAME_LOOKUP_H
#define LYNG_WASI_SOCKETS_IP_NAME_LOOKUP_H

#include "sockets_network.h"

#define LOOKUP_IMPORT(name) WASI_IMPORT("wasi:sockets/ip-name-lookup", name)

/* resolve-addresses(network, name: string) -> result<own<resolve-address-
 * stream>, error-code>; ret: tag @0, handle or code @4 */
LOOKUP_IMPORT("resolve-addresses") void wasi_resolve_addresses(int32_t net, const char *name, int32_t len, wasi_ret *ret);
/* resolve-next-address() -> result<option<ip-address>, error-code>; ret:
 * tag @0; ok: option tag @2, ip-address case @4, ipv4 octets @6..9 or ipv6
 * groups u16 @6..21; err: code @2 */
LOOKUP_IMPORT("[method]resolve-address-stream.resolve-next-address") void wasi_resolve_next(int32_t self, wasi_ret *ret);
LOOKUP_IMPORT("[method]resolve-address-stream.subscribe") int32_t wasi_resolve_subscribe(int32_t self);
LOOKUP_IMPORT("[resource-drop]resolve-address-stream") void wasi_resolve_drop(int32_t self);

#endif
