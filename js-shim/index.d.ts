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

/**
 * A value that crosses between JavaScript and Lyng. From Lyng: Int becomes a
 * number, or a bigint beyond Number.MAX_SAFE_INTEGER; Real a number; String,
 * Bool and null as they are (void: undefined); List an Array; Map a Map; Set a
 * Set; Buffer a Uint8Array; an instance its toJsonObject() (or its public
 * fields) as a plain object; anything else its inspect() text. To Lyng: a safe
 * integer or a bigint in the 64-bit range is an Int (anything else is a
 * RangeError: an integral number beyond 2^53 has lost its exact value), other
 * numbers a Real; a plain object becomes a Map with String keys.
 */
export type LyngValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | LyngValue[]
  | Map<LyngValue, LyngValue>
  | Set<LyngValue>
  | { [key: string]: LyngValue };

/** Ends a call that runs longer: an Exception "the step limit of N was reached" / "the time limit of N ms was reached". */
export interface Limits {
  /** Loop iterations and calls the script and the coroutines it launched may take in all. */
  steps?: number;
  /** Milliseconds of wall time. */
  ms?: number;
}

export interface LyngOptions {
  /** Receives what the script prints; default process.stdout. */
  stdout?: OutputSink;
  /** Receives what the script prints to stderr; default process.stderr. */
  stderr?: OutputSink;
  /** Globals defined before the first call (see LyngValue); a number with no exact Lyng value is a RangeError. */
  globals?: Record<string, LyngValue>;
  /**
   * Functions Lyng code may call by name. Their arguments arrive as JS values;
   * what they return (or a promise's value) goes back to Lyng. A throwing
   * function or a rejected promise raises an Exception in Lyng with its message.
   */
  functions?: Record<string, (...args: any[]) => LyngValue | Promise<LyngValue>>;
  /** Limits for every call (a call's own limits take precedence). */
  limits?: Limits;
  /** Network access policy for lyng.io.net; a denial's message names this option. */
  net?: NetPolicy;
  /** The wasm module (bytes, URL or compiled Module); default build/wasm/lyng.wasm. */
  module?: BufferSource | URL | string | WebAssembly.Module;
}

export interface EvalOptions {
  /** The script name used in stack traces; default "<eval>". */
  name?: string;
  /** Limits for this call. */
  limits?: Limits;
}

export interface Lyng {
  /**
   * Runs a script (and every coroutine it launched) to its end and resolves
   * with its final value as a JS value. Rejects with a LyngError on an
   * uncaught exception, a compile error or a limit. Each call starts at once,
   * beside calls still running (a server in one does not hold up another);
   * declarations are shared by all calls.
   */
  evaluate(source: string, options?: EvalOptions): Promise<LyngValue>;
  /** As evaluate, but resolves with inspect() of the final value. */
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
