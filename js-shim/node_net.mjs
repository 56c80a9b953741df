// node_net.mjs - the socket imports of the `lyng_host` wasm module, over
// Node's net, dgram and dns. Every call records its request and returns at
// once; results are delivered later through `complete(vm, op, status, value)`,
// which the caller queues and drains outside of any wasm call. Received bytes
// wait in a bounded per-socket queue: past HIGH_WATER the Node stream is
// paused, so a script that reads slowly never makes memory grow.
import { HostError as E, JsHost } from '../build/js/constants.mjs';
import { acceptTls, builtin, clientOptions, connectTls, serverContext, tlsStatusOf } from './node_tls.mjs';
// NOW: the `prompt` of a completion that an event handler makes with
// nothing left to do that running the VM could disturb: delivered at once,
// the VM run inside the handler (lyng.mjs #complete), as raw Node runs a
// 'data' listener, rather than from a microtask queued for it.
import { NOW } from './lyng.mjs';

// net, dgram and dns load on a script's first socket call: most scripts
// never open one, and loading them is a tenth of the command line's start.
let netModule, dgramModule, dnsModule;
const net = () => (netModule ??= builtin('node:net'));
const dgram = () => (dgramModule ??= builtin('node:dgram'));
const dns = () => (dnsModule ??= builtin('node:dns'));

const HIGH_WATER = 256 * 1024;
const BULK_HIGH_WATER = 4 * HIGH_WATER; // for a socket reading into regions (received)
const UDP_QUEUE_MAX = 1024;
const SCRATCH_MAX = 256 * 1024; // larger writes get a Buffer of their own
const ZERO_COPY_MIN = 16 * 1024; // writes this large may go from wasm memory uncopied (write)
// A read completing with this many bytes is delivered at once, not with the
// turn's other events (`prompt` of complete in lyng.mjs): a stream this
// busy is not one of many small messages, and waiting would let libuv's
// reads fill its queue up to HIGH_WATER. Not those read before a region
// (received says why).
const PROMPT_READ = 16 * 1024;
const SMALL_COPY = 64; // copies up to this many bytes go byte by byte (copyBytes)
// A plain TCP socket reads through Node's `onread` (received): into one
// Buffer that every socket shares, copied out at once, until a read fills
// it; from then on into a REGION of wasm memory of its own while its reads
// bring BULK_MIN bytes or more. A bulk stream then costs no Buffer of
// Node's per read: a 64 KiB one each, whose pages glibc gave back to the
// system and faulted in again (a tenth of a bulk echo server's CPU). A
// region that holds just the bytes a read takes becomes the Buffer it
// returns (handOver): no copy either.
const REGION = 64 * 1024;
const BULK_MIN = JsHost.BLOCK_MIN; // REGION / 2; the core asks for a region only for reads this large
const SPARE_MAX = 8; // regions kept for the next bulk read, beyond them freed
const SEND_NOW_MAX = 64; // datagrams of a socket sent with no op and not yet out
const TLS_LINGER_MS = 2000; // a closed TLS socket waits this long for its peer (endTls)
const { SAME_SENDER } = JsHost; // udp_sender: as reported last (src/host/js_net.c)

function statusOf(err) {
  if (!err) return 0;
  if (err.lyngStatus) return err.lyngStatus;
  const tlsStatus = tlsStatusOf(err);
  if (tlsStatus !== undefined) return tlsStatus;
  switch (err.code) {
    case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NONAME': case 'ENODATA': return E.ENOTFOUND;
    case 'ERR_SOCKET_CLOSED': case 'ERR_STREAM_DESTROYED': case 'ERR_SERVER_NOT_RUNNING': return E.ECLOSED;
    case 'ERR_SOCKET_BAD_PORT': case 'ERR_INVALID_ARG_VALUE': return E.EINVAL;
    default: return E[err.code] ?? E.EIO;
  }
}

const decoder = new TextDecoder();
const kEntry = Symbol('lyng socket entry');
const kEarlyError = Symbol('lyng error before accept');
// Received bytes a socket's read left in wasm memory: the region at ptr,
// bytes off to end not taken yet (ownReads in createNetImports).
class Held {
  constructor(ptr, end) {
    this.ptr = ptr;
    this.off = 0;
    this.end = end;
  }
}
// An accepted socket may fail before the script takes it (a reset, a
// failed TLS handshake): the error is kept for its first read.
function noteError(err) { this[kEarlyError] ??= statusOf(err); }
const encoder = new TextEncoder();

// `env` gives: memory() -> the instance's WebAssembly.Memory,
// complete(vm, op, status, value), alloc(n) / release(ptr) of wasm memory
// (never called from inside an import), and policy hooks are handled in C.
// Copies n bytes of src from `from` into dst at `at`. A few bytes go one by
// one: a subarray view for them would cost more than the copy.
function copyBytes(dst, at, src, from, n) {
  if (n <= SMALL_COPY) for (let i = 0; i < n; i++) dst[at + i] = src[from + i];
  else dst.set(from === 0 && n === src.length ? src : src.subarray(from, from + n), at);
}

export function createNetImports(env) {
  const handles = new Map(); // handle -> entry
  const results = new Map(); // op -> resolve results / udp sender text
  const tlsContexts = new Map(); // CA file -> secure context of TLS clients
  let nextHandle = 1;
  let lastSender = null; // the rinfo udp_sender reported last
  // The IP text of the last datagram sent: a socket sending to one peer
  // decodes its address once, not per datagram.
  let lastDest = { bytes: new Uint8Array(0), text: '' };
  const destText = (ptr, len) => {
    const mem = bytes();
    const prev = lastDest.bytes;
    if (prev.length === len) {
      let same = true;
      for (let i = 0; i < len; i++) if (prev[i] !== mem[ptr + i]) { same = false; break; }
      if (same) return lastDest.text;
    }
    lastDest = { bytes: mem.slice(ptr, ptr + len), text: str(ptr, len) };
    return lastDest.text;
  };

  // One view of wasm memory, made again only after the memory grew, so a
  // message allocates no view. Growing detaches the old ArrayBuffer, whose
  // views then read as empty: that is checked instead of asking the memory
  // for its buffer on every copy.
  let view = null;
  const bytes = () => {
    if (view === null || view.length === 0) view = new Uint8Array(env.memory().buffer);
    return view;
  };
  // Copies len bytes at ptr out of wasm memory.
  const copyFromWasm = (dst, ptr, len) => copyBytes(dst, 0, bytes(), ptr, len);
  // The first len bytes of a socket's scratch Buffer; a view of the same
  // length as the last one is that one again, so messages of one size (a
  // request/response exchange) allocate no view.
  // (owner: a UDP socket's entry, or a TCP socket's write state)
  const scratchView = (owner, len, least) => {
    if (!owner.scratch || owner.scratch.length < len) {
      owner.scratch = Buffer.allocUnsafeSlow(Math.max(len, least));
      owner.scratchView = null;
    }
    if (owner.scratchView?.length !== len) owner.scratchView = owner.scratch.subarray(0, len);
    return owner.scratchView;
  };
  const str = (ptr, len) => decoder.decode(bytes().subarray(ptr, ptr + len));
  // written straight into wasm memory: no intermediate bytes per datagram
  const putText = (text, ptr, cap) => encoder.encodeInto(text, bytes().subarray(ptr, ptr + cap)).written;
  const addrText = (family, ip, port) => `${family === 'IPv6' || family === 6 ? 6 : 4} ${ip} ${port}`;
  const done = (vm, op, status, value = 0, prompt = false) => env.complete(vm, op, status, value, prompt);

  function addHandle(entry) {
    const h = nextHandle++;
    handles.set(h, entry);
    return h;
  }

  // The callbacks of writes taken by write_now, made once per socket: a
  // failure is kept for the next read or write of the script.
  function afterWrite(entry) {
    return (err) => {
      const status = err ? statusOf(err) : 0;
      if (status && status !== E.ECLOSED && !entry.error) entry.error = status;
    };
  }
  function afterScratchWrite(entry) {
    const after = afterWrite(entry);
    return (err) => { entry.out.writing--; after(err); };
  }
  // A TCP socket's write state, made by its first write: a connection that
  // only waits for bytes (a server's idle clients) holds none.
  const outOf = (entry) => (entry.out ??= { writing: 0, scratch: null, scratchView: null, written: null, scratchWritten: null });

  // A socket's scratch Buffer may be written over once Node holds none of
  // its bytes: every write that used it has called back, or Node has no
  // bytes unwritten at all. A write the kernel took at once calls back only
  // on a later tick, after the next message is often already written: the
  // second test lets that one reuse the scratch too.
  const scratchFree = (out, sock) => out.writing === 0 || sock.writableLength === 0;

  // A datagram's destination is an IP address already (the core resolves
  // names first, src/net/net_api.c): Node's lookup would test it for one
  // and send on the next tick; this one sends at once.
  const ipLookup = (address, family, callback) => callback(null, address, family);

  // The callback of the datagrams udp_send_now sent, made once per socket.
  function afterSend(entry) {
    return (err) => {
      entry.inFlight--;
      if (err && !entry.sendError) entry.sendError = statusOf(err);
      closeUdpWhenSent(entry);
    };
  }
  // Node drops a datagram whose send has not called back when its socket
  // closes, and never calls back: a closed socket goes once every send it
  // took has called back (those with no op and those of udp_send).
  function closeUdpWhenSent(entry) {
    if (entry.closed && entry.inFlight === 0 && entry.opSends === 0) {
      try { entry.sock.close(); } catch { /* already closed */ }
    }
  }

  // ---- TCP streams ----
  // The listeners are shared by every socket and find the socket's entry
  // through it, so an idle connection costs no closures of its own.
  function onData(chunk) {
    const entry = this[kEntry];
    (entry.queue ??= []).push(chunk);
    entry.queued += chunk.length;
    if (entry.queued >= HIGH_WATER && !entry.paused) { entry.paused = true; this.pause(); }
    serveRead(entry, true);
  }
  function onEnd() { this[kEntry].ended = true; serveRead(this[kEntry], true); }
  // Node gives every socket one 'end' listener of its own, the same
  // function for all (onReadableStreamEnd); a second listener would turn
  // the socket's 'end' into an array (64 bytes per connection). Ours takes
  // its place and calls it first, as it was called before ours.
  let nodeOnEnd = null;
  function onEndAfterNode() { nodeOnEnd.call(this); onEnd.call(this); }
  function listenEnd(sock) {
    const own = sock.listeners('end');
    if (own.length === 1 && (nodeOnEnd ??= own[0]) === own[0]) {
      sock.removeListener('end', nodeOnEnd);
      sock.on('end', onEndAfterNode);
    } else {
      sock.on('end', onEnd);
    }
  }
  function onError(err) { this[kEntry].error = statusOf(err); serveRead(this[kEntry], true); }

  // The socket whose event completed an op last. What Node's events
  // complete waits for the check phase, to go to the core with the turn's
  // other events (lyng.mjs); while one socket alone makes them (a
  // ping-pong, an exchange with one peer) there is nothing to batch, and
  // waiting would cost a setImmediate per message (5 % more CPU in a UDP
  // echo), so they go at once (prompt), from the event's handler (NOW).
  let lastEventEntry = null;
  function alone(entry) {
    const same = lastEventEntry === entry;
    lastEventEntry = entry;
    return same;
  }

  // The pending read is kept in the entry (readOp 0: none) and the queue
  // made with the first bytes, so an idle connection holds one object here.
  // cur: the region the socket's next read goes to (0: the shared Buffer).
  const tcpEntry = (vm, sock) => ({ kind: 'tcp', vm, sock, queue: null, queued: 0, ended: false, error: 0, readOp: 0, readPtr: 0, readMax: 0, paused: false, closed: false, out: null, bulk: false, cur: 0 });

  function watchSocket(vm, sock) {
    const own = sock[kEntry];
    const entry = own ?? tcpEntry(vm, sock);
    entry.vm = vm;
    entry.ended ||= sock.destroyed;
    entry.error ||= sock[kEarlyError] ?? 0;
    sock[kEntry] = entry;
    sock.removeListener('error', noteError);
    if (!own) sock.on('data', onData);
    listenEnd(sock);
    sock.on('error', onError);
    if (!own) sock.on('close', onEnd);
    return entry;
  }

  // ---- reads through onread (REGION says why) ----
  let shared = null; // the Buffer of every socket not reading into a region
  // The bytes of the read just made into `shared`, queued as they are
  // while its callback runs (received): the core takes them from there
  // when the read's completion goes at once (NOW), with no Buffer of their
  // own; whatever it leaves is copied out before the callback returns, so
  // one such object serves every socket.
  const inShared = { off: 0, end: 0 };
  const spare = []; // regions nobody holds: pushed inside imports, freed from events
  function trimSpare() { while (spare.length > SPARE_MAX) env.release(spare.pop()); }
  // The onread option of every such socket. Node calls the callback on the
  // socket, and right after it asks for the buffer of the socket's next
  // read, on nothing: that socket is the one the callback left in
  // `asking`. At the start it asks with no read before (the shared Buffer).
  let asking = null;
  const ownReads = {
    buffer() {
      const entry = asking;
      asking = null;
      if (entry?.bulk) entry.cur = spare.pop() ?? env.alloc(REGION); // 0: no memory
      if (!entry?.cur) return (shared ??= Buffer.allocUnsafeSlow(REGION));
      return new Uint8Array(env.memory().buffer, entry.cur, REGION);
    },
    callback(n) {
      const entry = this[kEntry];
      asking = entry;
      const more = received(entry, n);
      asking = entry; // the VM may have run since (NOW) and opened a socket
      return more;
    },
  };
  function received(entry, n) {
    let chunk;
    if (entry.cur !== 0) {
      const ptr = entry.cur;
      entry.cur = 0;
      if (n >= BULK_MIN) {
        chunk = new Held(ptr, n);
      } else { // the stream slowed down: back to the shared Buffer
        chunk = Buffer.from(bytes().subarray(ptr, ptr + n));
        spare.push(ptr);
        entry.bulk = false;
      }
    } else { // left in the shared Buffer (inShared)
      chunk = inShared;
      inShared.off = 0;
      inShared.end = n;
      entry.bulk = n === REGION;
    }
    trimSpare();
    (entry.queue ??= []).push(chunk);
    entry.queued += n;
    // Node takes the region for the next read from a view of wasm memory
    // only after the microtasks this callback queued have run: one that
    // ran the core could grow the memory, which empties the view (ENOBUFS).
    // So bytes read before a region wait for the check phase.
    serveRead(entry, true, !entry.bulk);
    const queue = entry.queue; // null if the VM closed the socket meanwhile
    if (queue !== null && queue[queue.length - 1] === inShared) {
      const rest = Buffer.allocUnsafe(inShared.end - inShared.off);
      copyBytes(rest, 0, shared, inShared.off, rest.length);
      queue[queue.length - 1] = rest;
    }
    // false pauses the socket; takeBytes resumes it. Read into regions,
    // the bytes wait for the check phase while libuv reads on (up to 32
    // times a poll): a higher mark spares stopping and restarting the
    // reads every few of them (a 256 MiB echo: 521 epoll_ctl, not 1,844).
    if (entry.queued >= (entry.bulk ? BULK_HIGH_WATER : HIGH_WATER) && !entry.paused) entry.paused = true;
    return !entry.paused;
  }
  // A socket that reads on its own, for a connection made with onOpen
  // (its entry, on the socket under kEntry before it is watched, is
  // complete once it is).
  function ownReader(vm, onOpen) {
    asking = null;
    const sock = onOpen(ownReads);
    const entry = tcpEntry(vm, sock);
    sock[kEntry] = entry;
    sock.on('close', onOwnClose);
    return sock;
  }
  // The 'close' listener of those, from the start: Node reads nothing
  // more once the socket closed, so its region is free.
  function onOwnClose() {
    const entry = this[kEntry];
    if (entry.cur !== 0) { spare.push(entry.cur); entry.cur = 0; }
    trimSpare();
    onEnd.call(this);
  }

  // Moves up to max queued bytes to wasm memory at ptr; returns how many.
  function takeBytes(entry, ptr, max) {
    const mem = bytes();
    let n = 0;
    while (n < max && entry.queued > n) {
      const chunk = entry.queue[0];
      if (chunk === inShared) {
        const take = Math.min(chunk.end - chunk.off, max - n);
        copyBytes(mem, ptr + n, shared, chunk.off, take);
        n += take;
        chunk.off += take;
        if (chunk.off === chunk.end) entry.queue.shift();
        continue;
      }
      if (chunk instanceof Held) {
        const take = Math.min(chunk.end - chunk.off, max - n);
        mem.copyWithin(ptr + n, chunk.ptr + chunk.off, chunk.ptr + chunk.off + take);
        n += take;
        chunk.off += take;
        if (chunk.off === chunk.end) { entry.queue.shift(); spare.push(chunk.ptr); }
        continue;
      }
      const take = Math.min(chunk.length, max - n);
      mem.set(take === chunk.length ? chunk : chunk.subarray(0, take), ptr + n);
      n += take;
      if (take === chunk.length) entry.queue.shift();
      else entry.queue[0] = chunk.subarray(take);
    }
    taken(entry, n);
    return n;
  }
  function taken(entry, n) {
    entry.queued -= n;
    if (entry.paused && entry.queued < HIGH_WATER / 2) { entry.paused = false; entry.sock.resume(); }
  }
  // The region at the head of the queue when it holds exactly the len bytes
  // the core takes: the core owns it from here (0: none, copy them).
  function handOver(entry, len) {
    const chunk = entry.queue?.[0];
    if (!(chunk instanceof Held) || chunk.off !== 0 || chunk.end !== len) return 0;
    entry.queue.shift();
    taken(entry, len);
    return chunk.ptr;
  }

  // A read with ptr 0 has no buffer (host_read_deferred in src/host/host.h):
  // it completes with the count of bytes ready, which the core takes with
  // read_take from its completion handler. fromEvent: served by an event
  // of the socket, not by the read call; its handler does nothing after
  // serveRead that the VM could disturb, so a prompt completion is NOW.
  function serveRead(entry, fromEvent, mayPrompt = true) {
    const op = entry.readOp;
    if (op === 0) return;
    if (entry.queued > 0) {
      entry.readOp = 0;
      const n = entry.readPtr === 0 ? Math.min(entry.queued, entry.readMax) : takeBytes(entry, entry.readPtr, entry.readMax);
      const prompt = mayPrompt && ((fromEvent && alone(entry)) || n >= PROMPT_READ);
      done(entry.vm, op, 0, n, prompt && fromEvent ? NOW : prompt);
    } else if (entry.error) {
      entry.readOp = 0;
      done(entry.vm, op, entry.error);
    } else if (entry.ended) {
      entry.readOp = 0;
      done(entry.vm, op, 0, 0);
    }
  }

  // A TLS peer answers our closing alert, and a TLS 1.3 server may send
  // session tickets late: destroying the socket with bytes unread, or
  // getting bytes after, makes the kernel reset the connection and drop
  // what it has not sent. So a TLS socket ends (alert, then FIN), reads and
  // drops what still comes, and goes once the peer has closed too, or after
  // TLS_LINGER_MS.
  function endTls(sock) {
    sock.removeAllListeners('data');
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.resume();
    sock.end();
    setTimeout(() => sock.destroy(), TLS_LINGER_MS).unref();
  }

  function closeEntry(h, entry) {
    if (entry.closed) return;
    entry.closed = true;
    handles.delete(h);
    if (lastEventEntry === entry) lastEventEntry = null;
    if (entry.kind === 'tcp') {
      if (entry.readOp !== 0) { const op = entry.readOp; entry.readOp = 0; done(entry.vm, op, E.ECLOSED); }
      for (const chunk of entry.queue ?? []) if (chunk instanceof Held) spare.push(chunk.ptr);
      entry.queue = null;
      entry.queued = 0;
      if (entry.sock.encrypted && !entry.sock.destroyed) endTls(entry.sock);
      else entry.sock.destroy();
    } else if (entry.kind === 'server') {
      for (const a of entry.acceptors.splice(0)) done(a.vm, a.op, E.ECLOSED);
      for (const s of entry.pending.splice(0)) s.destroy();
      entry.server.close();
    } else if (entry.kind === 'udp') {
      if (entry.readOp !== 0) { const op = entry.readOp; entry.readOp = 0; done(entry.vm, op, E.ECLOSED); }
      closeUdpWhenSent(entry);
    }
  }

  function serveAccept(entry) {
    while (entry.acceptors.length && entry.pending.length) {
      const a = entry.acceptors.shift();
      const sock = entry.pending.shift();
      const h = addHandle(watchSocket(a.vm, sock));
      done(a.vm, a.op, 0, h);
    }
  }

  // A datagram for the pending receive (entry.readOp, as for TCP reads)
  // goes to wasm memory at once; one that finds no receive waits in the
  // queue, its sender in a second queue beside it, so a datagram costs no
  // object of ours. The queues are made by the first datagram that waits:
  // a peer exchanging one datagram at a time never needs them.
  function onUdpMessage(msg, rinfo) {
    const entry = this[kEntry];
    if (entry.readOp !== 0 && entry.queue === null) {
      takeDatagram(entry, msg, rinfo, alone(entry) ? NOW : false);
      return;
    }
    if (entry.queue === null) { entry.queue = []; entry.senders = []; }
    if (entry.queue.length < UDP_QUEUE_MAX) { entry.queue.push(msg); entry.senders.push(rinfo); }
    serveUdp(entry);
  }
  function serveUdp(entry) {
    if (entry.readOp === 0 || entry.queue === null) return;
    const msg = entry.queue.shift();
    const rinfo = entry.senders.shift();
    if (entry.queue.length === 0) { entry.queue = null; entry.senders = null; }
    takeDatagram(entry, msg, rinfo, false);
  }
  function takeDatagram(entry, msg, rinfo, prompt) {
    const op = entry.readOp;
    entry.readOp = 0;
    const n = Math.min(msg.length, entry.readMax);
    copyBytes(bytes(), entry.readPtr, msg, 0, n);
    keepSender(op, rinfo);
    done(entry.vm, op, 0, n, prompt);
  }

  // The sender of the datagram a receive completed with, until udp_sender
  // takes it: one slot, as the core asks at once from the completion; the
  // slot's previous occupant moves to `results` when completions pile up.
  let senderOp = 0;
  let senderInfo = null;
  function keepSender(op, rinfo) {
    if (senderOp !== 0) results.set(senderOp, senderInfo);
    senderOp = op;
    senderInfo = rinfo;
  }
  function takeSender(op) {
    if (op === senderOp) {
      const rinfo = senderInfo;
      senderOp = 0;
      senderInfo = null;
      return rinfo;
    }
    const rinfo = results.get(op);
    results.delete(op);
    return rinfo;
  }

  // A connection, and with tlsArgs its TLS handshake, within timeoutMs.
  function connect(vm, op, host, port, timeoutMs, nodelay, tlsArgs) {
    let settled = false;
    let timer = null;
    const raw = tlsArgs ? net().connect({ host, port, noDelay: !!nodelay })
      : ownReader(vm, (onread) => net().connect({ host, port, noDelay: !!nodelay, onread }));
    let sock = raw;
    if (tlsArgs) {
      raw.on('error', (err) => fail(statusOf(err))); // refused, reset: before TLS saw it
      try {
        sock = connectTls(clientOptions(tlsContexts, raw, tlsArgs.serverName, tlsArgs.caFile, tlsArgs.verify));
      } catch (err) { // an unreadable CA file
        raw.destroy();
        err.lyngStatus ??= E.ECERT_FILES;
        queueMicrotask(() => done(vm, op, statusOf(err)));
        return;
      }
    }
    function fail(status) {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      sock.destroy();
      raw.destroy();
      done(vm, op, status);
    }
    sock.once('error', (err) => fail(statusOf(err)));
    if (timeoutMs > 0) timer = setTimeout(() => fail(E.ETIMEDOUT), timeoutMs);
    sock.once(tlsArgs ? 'secureConnect' : 'connect', () => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      sock.removeAllListeners('error');
      if (raw !== sock) { raw.removeAllListeners('error'); raw.on('error', noteError); }
      const h = addHandle(watchSocket(vm, sock));
      done(vm, op, 0, h);
    });
  }

  // Node gives an accepted socket no onread option: it gets one as Node's
  // constructor gives it, under the keys Node keeps it in (found by name
  // once). The socket started paused (pauseOnConnect), so nothing was read
  // yet. Where the keys are missing, it reads through 'data' (watchSocket).
  let onreadKeys;
  function acceptOwnReads(vm, sock) {
    if (onreadKeys === undefined) {
      const keys = new Map(Object.getOwnPropertySymbols(sock).map((k) => [k.description, k]));
      onreadKeys = ['kBuffer', 'kBufferCb', 'kBufferGen'].every((name) => keys.has(name))
        ? { buffer: keys.get('kBuffer'), callback: keys.get('kBufferCb'), gen: keys.get('kBufferGen') } : null;
    }
    if (!onreadKeys || typeof sock._handle?.useUserBuffer !== 'function') return;
    sock[kEntry] = tcpEntry(vm, sock);
    sock.on('close', onOwnClose);
    asking = null;
    const first = ownReads.buffer();
    sock[onreadKeys.gen] = ownReads.buffer;
    sock[onreadKeys.callback] = ownReads.callback;
    sock[onreadKeys.buffer] = first;
    sock._handle.useUserBuffer(first);
    sock.resume();
  }

  // A listener; with wrap, each accepted socket is wrapped (TLS).
  function listen(vm, op, host, port, backlog, reuse, reusePort, wrap) {
    // A socket that TLS will wrap starts paused: TLS reads it from the start,
    // which halved the handshakes a Lyng TLS server on Node took per second.
    // A plain one too, until it reads on its own (acceptOwnReads).
    const server = net().createServer({ noDelay: true, pauseOnConnect: true });
    const entry = { kind: 'server', vm, server, pending: [], acceptors: [], closed: false };
    let listening = false;
    server.on('connection', (sock) => {
      if (!wrap) acceptOwnReads(vm, sock);
      sock.on('error', noteError); // reported to the reader once accepted
      if (wrap) { sock = wrap(sock); sock.on('error', noteError); }
      if (entry.pending.length >= backlog * 4) { sock.destroy(); return; }
      entry.pending.push(sock);
      serveAccept(entry);
    });
    server.on('error', (err) => {
      if (!listening) { done(vm, op, statusOf(err)); return; }
      for (const a of entry.acceptors.splice(0)) done(a.vm, a.op, statusOf(err));
    });
    const options = { host, port, backlog, exclusive: !reuse };
    if (reusePort) options.reusePort = true; // checked against the Node version in C (host_caps)
    server.listen(options, () => {
      listening = true;
      done(vm, op, 0, addHandle(entry));
    });
  }

  return {
    resolve(vm, op, namePtr, nameLen) {
      const name = str(namePtr, nameLen);
      dns().lookup(name, { all: true, verbatim: true }, (err, addrs) => {
        if (err) { done(vm, op, statusOf(err)); return; }
        results.set(op, addrs.map((a) => addrText(a.family, a.address, 0)).join('\n'));
        done(vm, op, 0, addrs.length);
      });
    },
    resolve_take(vm, op, ptr, cap) {
      const text = results.get(op) ?? '';
      results.delete(op);
      return putText(text, ptr, cap);
    },
    tcp_connect(vm, op, ipPtr, ipLen, port, timeoutMs, nodelay) {
      connect(vm, op, str(ipPtr, ipLen), port, timeoutMs, nodelay, null);
    },
    tls_connect(vm, op, ipPtr, ipLen, port, timeoutMs, nodelay, namePtr, nameLen, caPtr, caLen, verify) {
      const tlsArgs = { serverName: str(namePtr, nameLen), caFile: caLen ? str(caPtr, caLen) : null, verify: !!verify };
      connect(vm, op, str(ipPtr, ipLen), port, timeoutMs, nodelay, tlsArgs);
    },
    tcp_listen(vm, op, ipPtr, ipLen, port, backlog, reuse, reusePort) {
      listen(vm, op, str(ipPtr, ipLen), port, backlog, reuse, reusePort, null);
    },
    tls_listen(vm, op, ipPtr, ipLen, port, backlog, reuse, reusePort, certPtr, certLen, keyPtr, keyLen) {
      let context;
      try {
        context = serverContext(str(certPtr, certLen), str(keyPtr, keyLen));
      } catch (err) {
        queueMicrotask(() => done(vm, op, statusOf(err)));
        return;
      }
      listen(vm, op, str(ipPtr, ipLen), port, backlog, reuse, reusePort, (sock) => acceptTls(sock, context));
    },
    tcp_accept(vm, op, handle) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'server') { queueMicrotask(() => done(vm, op, E.ECLOSED)); return; }
      entry.acceptors.push({ vm, op });
      serveAccept(entry);
    },
    read(vm, op, handle, ptr, max) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'tcp') { queueMicrotask(() => done(vm, op, E.ECLOSED)); return; }
      entry.vm = vm;
      entry.readOp = op;
      entry.readPtr = ptr;
      entry.readMax = max;
      // Bytes already here are copied at once (the completion is only
      // queued, so wasm is not re-entered); otherwise the next 'data',
      // 'end' or 'error' serves the read.
      serveRead(entry);
    },
    // With ptr 0, the core takes the region holding the len bytes, if one
    // does (handOver): its address, or 0.
    read_take(vm, handle, ptr, len) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'tcp') return 0;
      return ptr === 0 ? handOver(entry, len) : takeBytes(entry, ptr, len);
    },
    write(vm, op, handle, ptr, len) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'tcp') { queueMicrotask(() => done(vm, op, E.ECLOSED)); return; }
      // Node tears a socket down once the peer has closed its side; writing
      // then is writing to a broken pipe, as it would be natively
      if (entry.sock.destroyed) { queueMicrotask(() => done(vm, op, entry.error || E.EPIPE)); return; }
      const sock = entry.sock;
      // A large write that Node hands to the kernel at once (a plain
      // socket, connected and writable, nothing queued in Node) is not copied:
      // Node writes straight from wasm memory. The core keeps those bytes
      // unchanged until the op completes (host.h), and the memory stays where
      // it is when it grows (V8 reserves a wasm memory's whole range up
      // front), so only the ArrayBuffer object is replaced, which matters
      // only to bytes Node would queue, and none are queued here.
      const uncopied = len >= ZERO_COPY_MIN && sock.writable && !sock.encrypted && !sock.connecting && sock.writableLength === 0;
      // Otherwise copied, as wasm memory may move. A socket reuses one
      // scratch Buffer while Node holds none of its bytes (scratchFree;
      // out.writing counts the writes that used it and have not called
      // back), so a stream of writes allocates nothing.
      const out = outOf(entry);
      const scratch = !uncopied && len <= SCRATCH_MAX && scratchFree(out, sock);
      let data;
      if (uncopied) {
        data = Buffer.from(bytes().buffer, ptr, len);
      } else {
        data = scratch ? scratchView(out, len, 4096) : Buffer.allocUnsafe(len);
        if (scratch) out.writing++;
        copyFromWasm(data, ptr, len);
      }
      // Copied bytes that Node takes below its high-water mark are complete
      // for the core at once, as a send() into the kernel's buffer is
      // natively: one turn of Node's write callback fewer per message.
      // Uncopied bytes are complete once Node has let go of them: at once
      // when the kernel took them all. Otherwise the write callback completes
      // the op; past the mark that is the back-pressure. A later failure of
      // bytes reported early reaches the next read or write, as a reset
      // does natively.
      let reported = false;
      const accepted = sock.write(data, (err) => {
        if (scratch) out.writing--;
        // a write refused because the stream was already torn down reports
        // why it was torn down (the reset), as native does
        const status = err ? statusOf(err) : 0;
        if (reported) { if (status && status !== E.ECLOSED && !entry.error) entry.error = status; return; }
        done(vm, op, status === E.ECLOSED && entry.error ? entry.error : status, len);
      });
      if (!sock.destroyed && (uncopied ? sock.writableLength === 0 : accepted)) { reported = true; done(vm, op, 0, len); }
    },
    // A write taken at once, with no op (host_write_now): when the socket
    // is healthy and the bytes keep Node's buffer below its high-water
    // mark, which is when write() would complete at once anyway. 0 leaves
    // the write to the op path, which knows about errors and back-pressure.
    write_now(vm, handle, ptr, len) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'tcp' || entry.error) return 0;
      const sock = entry.sock;
      if (sock.destroyed || sock.writableLength + len >= sock.writableHighWaterMark) return 0;
      const out = outOf(entry);
      const scratch = scratchFree(out, sock);
      const data = scratch ? scratchView(out, len, 4096) : Buffer.allocUnsafe(len);
      copyFromWasm(data, ptr, len);
      if (scratch) out.writing++;
      sock.write(data, scratch ? (out.scratchWritten ??= afterScratchWrite(entry)) : (out.written ??= afterWrite(entry)));
      return 1;
    },
    close(vm, handle) {
      const entry = handles.get(handle);
      if (entry) closeEntry(handle, entry);
    },
    addr(vm, handle, remote, ptr, cap) {
      const entry = handles.get(handle);
      if (!entry) return E.ECLOSED;
      let a;
      if (entry.kind === 'tcp') {
        a = remote ? { family: entry.sock.remoteFamily, address: entry.sock.remoteAddress, port: entry.sock.remotePort }
          : { family: entry.sock.localFamily ?? (net().isIPv6(entry.sock.localAddress ?? '') ? 'IPv6' : 'IPv4'), address: entry.sock.localAddress, port: entry.sock.localPort };
      } else if (entry.kind === 'server') {
        a = entry.server.address();
      } else {
        a = entry.sock.address();
      }
      if (!a || a.address === undefined) return E.ECLOSED;
      return putText(addrText(a.family, a.address, a.port), ptr, cap);
    },
    udp_bind(vm, op, ipPtr, ipLen, port, reuse) {
      const host = str(ipPtr, ipLen);
      const sock = dgram().createSocket({ type: net().isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: !!reuse, lookup: ipLookup });
      const entry = { kind: 'udp', vm, sock, queue: null, senders: null, readOp: 0, readPtr: 0, readMax: 0, closed: false, sending: false, scratch: null, scratchView: null, inFlight: 0, opSends: 0, sendError: 0, afterSend: null };
      sock[kEntry] = entry;
      let bound = false;
      sock.on('message', onUdpMessage);
      sock.on('error', (err) => {
        if (!bound) { done(vm, op, statusOf(err)); sock.close(); return; }
        if (entry.readOp !== 0) { const r = entry.readOp; entry.readOp = 0; done(entry.vm, r, statusOf(err)); }
      });
      sock.bind(port, host, () => { bound = true; done(vm, op, 0, addHandle(entry)); });
    },
    // A datagram sent with no op (host_udp_send_now): while the socket has
    // fewer than SEND_NOW_MAX such sends in flight and none has failed.
    // The bytes are copied; a failure reaches the next send. 0 leaves the
    // datagram to udp_send.
    udp_send_now(vm, handle, ptr, len, ipPtr, ipLen, port) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'udp' || entry.closed || entry.sendError || entry.inFlight >= SEND_NOW_MAX) return 0;
      // The socket's scratch Buffer while no send holds it: every send
      // before this one has called back, as happens between the datagrams
      // of an exchange; so that one allocates nothing here.
      const data = entry.inFlight === 0 && !entry.sending ? scratchView(entry, len, 2048) : Buffer.allocUnsafe(len);
      copyFromWasm(data, ptr, len);
      try {
        entry.sock.send(data, port, destText(ipPtr, ipLen), entry.afterSend ??= afterSend(entry));
      } catch { // a closed socket or a bad argument: udp_send says which
        return 0;
      }
      entry.inFlight++;
      return 1;
    },
    udp_send(vm, op, handle, ptr, len, ipPtr, ipLen, port) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'udp') { queueMicrotask(() => done(vm, op, E.ECLOSED)); return; }
      if (entry.sendError) { const status = entry.sendError; entry.sendError = 0; done(vm, op, status); return; }
      // one scratch Buffer per socket while no other send is in flight, as for TCP writes
      const scratch = !entry.sending && entry.inFlight === 0 && len <= SCRATCH_MAX;
      let data;
      if (scratch) {
        data = scratchView(entry, len, 2048);
        entry.sending = true;
      } else {
        data = Buffer.allocUnsafe(len);
      }
      copyFromWasm(data, ptr, len);
      entry.opSends++;
      const sent = (err) => {
        if (scratch) entry.sending = false;
        entry.opSends--;
        done(vm, op, err ? statusOf(err) : 0, len);
        closeUdpWhenSent(entry);
      };
      try {
        entry.sock.send(data, port, destText(ipPtr, ipLen), sent);
      } catch (err) { // a closed socket or a bad argument throws at once
        queueMicrotask(() => sent(err));
      }
    },
    udp_recv(vm, op, handle, ptr, max) {
      const entry = handles.get(handle);
      if (!entry || entry.kind !== 'udp') { queueMicrotask(() => done(vm, op, E.ECLOSED)); return; }
      entry.vm = vm;
      entry.readOp = op;
      entry.readPtr = ptr;
      entry.readMax = max;
      serveUdp(entry); // a datagram already here is copied at once, as for TCP reads
    },
    // The sender of a datagram; SAME_SENDER when it is the one reported
    // last (js_net.c keeps that one parsed), so a peer exchanging
    // datagrams costs no text per datagram.
    udp_sender(vm, op, ptr, cap) {
      const rinfo = takeSender(op);
      if (!rinfo) return 0;
      const last = lastSender;
      if (last && last.address === rinfo.address && last.port === rinfo.port && last.family === rinfo.family) return SAME_SENDER;
      lastSender = rinfo;
      return putText(addrText(rinfo.family, rinfo.address, rinfo.port), ptr, cap);
    },
    // Closes everything a VM left open (called when the VM is freed).
    closeAll() {
      for (const [h, entry] of [...handles]) closeEntry(h, entry);
    },
  };
}
