/* sockets_udp.h - wasi:sockets/udp and udp-create-socket @0.2.12. */
#ifndef LYNG_WASI_SOCKETS_UDP_H
#define LYNG_WASI_SOCKETS_UDP_H

#include "sockets_network.h"

#define UDP_IMPORT(name) WASI_IMPORT("wasi:sockets/udp", name)

/* -> result<own<udp-socket>, error-code>; ret: tag @0, handle or code @4 */
WASI_IMPORT("wasi:sockets/udp-create-socket", "create-udp-socket") void wasi_udp_create(int32_t family, wasi_ret *ret);

/* result<_, error-code>: tag @0, code @1 */
UDP_IMPORT("[method]udp-socket.start-bind") void wasi_udp_start_bind(int32_t self, int32_t net, WASI_SOCKADDR_PARAMS, wasi_ret *ret);
UDP_IMPORT("[method]udp-socket.finish-bind") void wasi_udp_finish_bind(int32_t self, wasi_ret *ret);
/* stream(remote-address: option<ip-socket-address>): the option's tag,
 * then the address's 12 values -> result<tuple<incoming-datagram-stream,
 * outgoing-datagram-stream>, error-code>; ret: tag @0; ok: @4, @8 */
UDP_IMPORT("[method]udp-socket.stream") void wasi_udp_stream(int32_t self, int32_t has_remote, WASI_SOCKADDR_PARAMS, wasi_ret *ret);
UDP_IMPORT("[method]udp-socket.local-address") void wasi_udp_local_address(int32_t self, wasi_ret *ret);
UDP_IMPORT("[resource-drop]udp-socket") void wasi_udp_drop(int32_t self);

/* incoming-datagram in memory: data ptr @0, len @4, remote-address @8
 * (32 bytes); 40 bytes, aligned to 4 */
#define WASI_INCOMING_DATAGRAM_SIZE 40
/* receive(max-results) -> result<list<incoming-datagram>, error-code>;
 * ret: tag @0; ok: ptr @4, len @8; err: code @4 */
UDP_IMPORT("[method]incoming-datagram-stream.receive") void wasi_udp_receive(int32_t self, int64_t max, wasi_ret *ret);
UDP_IMPORT("[method]incoming-datagram-stream.subscribe") int32_t wasi_udp_in_subscribe(int32_t self);
UDP_IMPORT("[resource-drop]incoming-datagram-stream") void wasi_udp_in_drop(int32_t self);

/* outgoing-datagram in memory: data ptr @0, len @4, option tag @8,
 * remote-address @12 (32 bytes); 44 bytes, aligned to 4 */
typedef struct wasi_outgoing_datagram {
    const uint8_t *data;
    uint32_t len;
    uint8_t has_remote;
    uint8_t pad[3];
    uint8_t remote[32];
} wasi_outgoing_datagram;
/* check-send() -> result<u64, error-code>; ret: tag @0; ok: u64 @8;
 * err: code @8 */
UDP_IMPORT("[method]outgoing-datagram-stream.check-send") void wasi_udp_check_send(int32_t self, wasi_ret *ret);
/* send(list<outgoing-datagram>) -> result<u64, error-code>; as above */
UDP_IMPORT("[method]outgoing-datagram-stream.send") void wasi_udp_send(int32_t self, const wasi_outgoing_datagram *d, int32_t n, wasi_ret *ret);
UDP_IMPORT("[method]outgoing-datagram-stream.subscribe") int32_t wasi_udp_out_subscribe(int32_t self);
UDP_IMPORT("[resource-drop]outgoing-datagram-stream") void wasi_udp_out_drop(int32_t self);

#endif
