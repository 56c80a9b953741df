/* sockets_tcp.h - wasi:sockets/tcp and tcp-create-socket @0.2.12.
 * Results of the form result<_, error-code> are: tag @0, error-code @1. */
#ifndef LYNG_WASI_SOCKETS_TCP_H
#define LYNG_WASI_SOCKETS_TCP_H

#include "sockets_network.h"

#define TCP_IMPORT(name) WASI_IMPORT("wasi:sockets/tcp", name)

/* -> result<own<tcp-socket>, error-code>; ret: tag @0, handle or code @4 */
WASI_IMPORT("wasi:sockets/tcp-create-socket", "create-tcp-socket") void wasi_tcp_create(int32_t family, wasi_ret *ret);

TCP_IMPORT("[method]tcp-socket.start-bind") void wasi_tcp_start_bind(int32_t self, int32_t net, WASI_SOCKADDR_PARAMS, wasi_ret *ret);
TCP_IMPORT("[method]tcp-socket.finish-bind") void wasi_tcp_finish_bind(int32_t self, wasi_ret *ret);
TCP_IMPORT("[method]tcp-socket.start-connect") void wasi_tcp_start_connect(int32_t self, int32_t net, WASI_SOCKADDR_PARAMS, wasi_ret *ret);
/* -> result<tuple<input-stream, output-stream>, error-code>; ret: tag @0;
 * ok: streams @4, @8; err: code @4 */
TCP_IMPORT("[method]tcp-socket.finish-connect") void wasi_tcp_finish_connect(int32_t self, wasi_ret *ret);
TCP_IMPORT("[method]tcp-socket.start-listen") void wasi_tcp_start_listen(int32_t self, wasi_ret *ret);
TCP_IMPORT("[method]tcp-socket.finish-listen") void wasi_tcp_finish_listen(int32_t self, wasi_ret *ret);
/* -> result<tuple<tcp-socket, input-stream, output-stream>, error-code>;
 * ret: tag @0; ok: handles @4, @8, @12; err: code @4 */
TCP_IMPORT("[method]tcp-socket.accept") void wasi_tcp_accept(int32_t self, wasi_ret *ret);
/* -> result<ip-socket-address, error-code>; ret: tag @0; ok: address @4
 * (see sockets_network.h); err: code @4 */
TCP_IMPORT("[method]tcp-socket.local-address") void wasi_tcp_local_address(int32_t self, wasi_ret *ret);
TCP_IMPORT("[method]tcp-socket.remote-address") void wasi_tcp_remote_address(int32_t self, wasi_ret *ret);
TCP_IMPORT("[method]tcp-socket.set-listen-backlog-size") void wasi_tcp_set_backlog(int32_t self, int64_t size, wasi_ret *ret);
TCP_IMPORT("[method]tcp-socket.subscribe") int32_t wasi_tcp_subscribe(int32_t self);
TCP_IMPORT("[resource-drop]tcp-socket") void wasi_tcp_drop(int32_t self);

#endif
