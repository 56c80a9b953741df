// node_tls.mjs - what TLS adds to the socket imports of node_net.mjs, over
// node:tls: the options of a client connection and of a listener's
// accepted sockets, and the error codes the C core names (host.h). The
// streams themselves are node_net.mjs's: a TLS socket is read, written and
// closed like a TCP one. node:tls loads on the first TLS call.
import { HostError as E } from '../build/js/constants.mjs';

// A built-in module, loaded synchronously on its first use. Node 20.16 and
// later have process.getBuiltinModule. Before, node:module's createRequire
// does it, loaded when this module is (builtinsReady, which LyngInstance
// awaits before the first socket can open); loading node:module at every
// start of bin/lyng costs a millisecond, and a top-level await would keep
// this module out of the CommonJS bundle of the command line.
let requireBuiltin = null;
export const builtinsReady = process.getBuiltinModule ? null
  : import('node:module').then((m) => { requireBuiltin = m.createRequire(import.meta.url); });
export const builtin = (name) => (process.getBuiltinModule ? process.getBuiltinModule(name) : requireBuiltin(name));
let tlsModule;
const readFileSync = (file) => builtin('node:fs').readFileSync(file);
const tls = () => (tlsModule ??= builtin('node:tls'));

const CERT_CODES = {
  CERT_HAS_EXPIRED: E.ECERT_EXPIRED,
  CERT_NOT_YET_VALID: E.ECERT_EXPIRED,
  DEPTH_ZERO_SELF_SIGNED_CERT: E.ECERT_ISSUER,
  SELF_SIGNED_CERT_IN_CHAIN: E.ECERT_ISSUER,
  UNABLE_TO_GET_ISSUER_CERT: E.ECERT_ISSUER,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: E.ECERT_ISSUER,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: E.ECERT_ISSUER,
  ERR_TLS_CERT_ALTNAME_INVALID: E.ECERT_NAME,
};

// The host.h code of a TLS error, or undefined for one that is not about
// TLS (a reset connection keeps node_net's mapping).
export function tlsStatusOf(err) {
  const code = err?.code ?? '';
  if (code in CERT_CODES) return CERT_CODES[code];
  if (/^(CERT_|UNABLE_TO_|INVALID_CA|PATH_LENGTH|HOSTNAME_MISMATCH)/.test(code)) return E.ECERT_REJECTED;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || err?.library === 'SSL routines') return E.ETLS;
  return undefined;
}

const isIp = (name) => /^[0-9.]+$/.test(name) || name.includes(':');

// Options of tls.connect over an already-open socket. The name is checked
// against the certificate whether or not it is an address; SNI carries
// names only (an address there is not allowed by RFC 6066). `contexts`
// (a Map of the caller's) keeps one secure context per CA file: loading
// the trusted certificates costs more than a handshake.
export function clientOptions(contexts, socket, serverName, caFile, verify) {
  const t = tls();
  const options = {
    socket,
    rejectUnauthorized: verify,
    checkServerIdentity: (_host, cert) => t.checkServerIdentity(serverName, cert),
  };
  if (serverName && !isIp(serverName)) options.servername = serverName;
  if (caFile) {
    let context = contexts.get(caFile);
    if (!context) {
      context = t.createSecureContext({ ca: readFileSync(caFile) });
      contexts.set(caFile, context);
    }
    options.secureContext = context;
  }
  return options;
}

export const connectTls = (options) => tls().connect(options);

// A listener's context, from PEM files; throws with a code when they
// cannot be used.
export function serverContext(certFile, keyFile) {
  try {
    return tls().createSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
  } catch (err) {
    err.lyngStatus = E.ECERT_FILES;
    throw err;
  }
}

// The server side of an accepted TCP socket; the handshake runs as it is
// read or written, and a failed one is an error of the stream.
export const acceptTls = (socket, secureContext) => new (tls().TLSSocket)(socket, { isServer: true, secureContext });

// Node gained the `reusePort` listen option in 23.1.0, and 22.12.0 has it too.
export function reusePortSupport() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const ok = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  return { ok, why: `it needs Node 22.12 or 23.1 or later (this is Node ${process.versions.node})` };
}
