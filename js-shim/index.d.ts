// index.d.ts - types of the JavaScript embedding API (js-shim/index.mjs).

/** Where a VM's output goes: a function taking text, or anything with write(). */
export type OutputSink = ((text: string) => void) | { write(text: string): unknown };

/**
 * One network operation, as a function policy sees it. The host is the name
 * the script gave; for an operation on a name that resolves, the function is
 * asked again about each resolved address it is about to use.
 */
export interface NetAccessRequest {
  kind: 'Resolve' | 'TcpConnect' | 'TcpListen' | 'UdpBind' | 'UdpSend';
  host: string;
  port: number;
  /** TcpListen only. */
  backlog?: number;
}

/** Allows the operation (true) or denies it; throwing or rejecting denies. */
export type NetPolicyFunction = (request: NetAccessRequest) => boolean | Promise<boolean>;

/**
 * Which lyng.io.net operations a script may perform. Lists hold entries such as
 * "*", "localhost", "127.0.0.1:8080" or "[::1]"; deny entries win.
 * Without a policy every network operation is denied.
 */
export type NetPolicy =
  | 'permit-all'
  | 'deny-all'
  | 'permitAll'
  | 'denyAll'
  | string[]
  /** check is asked only about what neither list decides; deny still wins. */
  | { allow?: string[] | string; deny?: string[] | string; check?: NetPolicyFunction }
  | NetPolicyFunction;

export const permitAll: NetPolicy;
export const denyAll: NetPolicy;

export interface LyngOptions {
  /** Receives what the script prints; default process.stdout. */
  stdout?: OutputSink;
  /** Receives what the script prints to stderr; default process.stderr. */
  stderr?: OutputSink;
  /** Globals defined before the first eval: integers become Int, strings String. */
  globals?: Record<string, number | bigint | string>;
  /** Network access policy for lyng.io.net. */
  net?: NetPolicy;
  /** The wasm module (bytes, URL or compiled Module); default build/wasm/lyng.wasm. */
  module?: BufferSource | URL | string | WebAssembly.Module;
}

export interface EvalOptions {
  /** The script name used in stack traces; default "<eval>". */
  name?: string;
}

export interface Lyng {
  /**
   * Runs a script (and every coroutine it launched) to its end and resolves
   * with inspect() of its final value. Rejects with a LyngError on an uncaught
   * exception or a compile error. Calls run one after another.
   */
  eval(source: string, options?: EvalOptions): Promise<string>;
  /** Frees the VM and closes its timers and sockets. */
  close(): void;
}

export class LyngError extends Error {
  /** The Lyng exception class, e.g. "IllegalArgumentException"; "SyntaxError" for compile errors; "Exit" when the script called exit(). */
  readonly lyngClass: string;
  /** The full report: class, message and the script's stack trace. */
  readonly lyngStack: string;
  /** Set when lyngClass is "Exit". */
  readonly exitCode?: number;
}

export function createLyng(options?: LyngOptions): Promise<Lyng>;
