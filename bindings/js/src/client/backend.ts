// The binding contract: what a backend (the napi addon, bindings/node; the wasm module,
// bindings/wasm) provides, declared once, here. Each function of both crates is one call to the
// function of the same name in crisp_core::boundary::contract (which also holds the client
// registry and the number conversions), and the façade uses either without adapting it. Every
// function returns JSON text decided by crisp-core; this package parses it once and throws errors
// once.
// The real-time functions (crisp_core::rtm) are a contract of their own, `RtmBinding`: the napi
// addon implements both; the wasm build is two modules, crisp-kit-wasm (`Binding`, REST: what
// every page downloads) and crisp-kit-wasm-rtm (`RtmBinding`, loaded with the events chunk on
// `crisp.events()` or the first web hook), so that a REST-only page downloads none of it.
// Checked at compile time: backends/native.ts holds each module's generated declarations (napi-rs
// writes the addon's, wasm-bindgen the wasm modules') to `Implements` below, so a function
// missing, extra, with a parameter more or less, or of a type the contract does not pass, fails
// `tsc`. tests/js/contract.test.mjs calls every function on both real backends and compares.
// Trailing optional parameters are declared optional (`x?: T | null`), as both generators write them.

/**
 * The `endpoint` number that makes `prepare` give an account's real-time discovery request, as
 * crisp-core decides it (`crisp_core::boundary::DISCOVERY`): no catalog position.
 */
export const DISCOVERY = 0xffff_ffff;

/** A configured client inside a backend. */
export interface BindingClient {
  /** The number `prepare` takes for this client (valid while this object is held). */
  readonly id: number;
  build(endpoint: string, paramsJson: string, account: string | null | undefined, redact: boolean): string;
  decode(
    endpoint: string,
    status: number,
    retryAfter: string | null,
    bloomStatus: string | null,
    nowUnixMs: number,
    body: Uint8Array,
  ): string;
  retry(method: string, attempt: number, outcome: string, status: number, retryAfterMs: number | null, seed: number): string;
  /** `{"timeoutMs", "headers"}`: the per-attempt timeout and the header sets `prepare` numbers. */
  transport(): string;
  listAccounts(): string;
}

/** The functions a backend exports. */
export interface Binding {
  /** A client, or the error JSON of an invalid configuration. */
  createClient(configJson: string): BindingClient | string;
  transportError(endpoint: string, kind: string, message: string, timeoutMs: number): string;
  pageWalkStart(start: number, perPage: number, maxPages: number): string;
  pageWalkNext(walkJson: string, items?: number | null): string;
  messageWalkStart(timestampBefore: number | null, maxPages: number): string;
  messageWalkNext(walkJson: string, status: number, oldest?: number | null): string;
  catalog(): string;
  /**
   * What `build` makes, as `\n`-separated lines: method, URL, the number of its header set in
   * `transport`, body (empty for none); or the refusal JSON (`{` first). `client` is
   * `BindingClient.id`, `endpoint` from `endpointIndex`, or `DISCOVERY` for the account's
   * real-time discovery request (`GET {tier}/connect/endpoints`; `paramsJson` unread). A plain function of numbers, not a
   * method: it runs on every call, and that is the cheapest crossing both backends have.
   */
  prepare(client: number, endpoint: number, paramsJson: string, account?: string | null): string;
  /**
   * The number `prepare` and `plainDataStart` take for an endpoint id, or -1 when the catalog has
   * none (`build` then gives the refusal). Looked up once per id, so that a call on the common path
   * does not search the catalog.
   */
  endpointIndex(id: string): number;
  /**
   * Where the `data` of a plain success answer starts in the body (it ends before the last byte),
   * or -1. The caller parses the span with `JSON.parse` and calls `decode` when that fails.
   * `endpoint` is from `endpointIndex`.
   */
  plainDataStart(endpoint: number, status: number, body: Uint8Array): number;
  verifyHook(secret: string, timestamp: string, rawBody: Uint8Array, signature: string): boolean;
}

/** The real-time functions (crisp_core::rtm): the napi addon's, or the wasm module crisp-kit-wasm-rtm's. */
export interface RtmBinding {
  /** The event catalog: default and opt-in names, hook window, rebind interval, reconnect policy. */
  rtmCatalog(): string;
  /** The checked subscription of names given one per line (empty: the default list). */
  rtmSubscription(events: string): string;
  /** `{"ok":true,"delayMs"}`, or the refusal naming `reconnect.*` (a fraction or a negative delay included). */
  rtmReconnectDelay(baseDelayMs: number, maxDelayMs: number, randomization: number, attempt: number, seed: number): string;
  /**
   * `{"ok":true,"timestampMs","mac"}` or `{"ok":false,"refusal"}`; empty strings for absent
   * headers; `{"ok":false,"error"}` for a `windowMs` (or `nowMs`) that is not whole milliseconds.
   * `mac` is the signature decoded, as 64 lowercase hex digits (one spelling whatever the
   * header's): what the replay cache keys on.
   */
  checkHook(secret: string, timestamp: string, rawBody: Uint8Array, signature: string, nowMs: number, windowMs: number): string;
  /**
   * `{"ok":true,"windowMs","maxBodyBytes"}`: the `hooks` options with their defaults (`windowMs`
   * 0 and `maxBodyBytes` absent: the defaults), or the refusal naming `hooks.windowMs` or
   * `hooks.maxBodyBytes`.
   */
  rtmHookOptions(windowMs: number, maxBodyBytes?: number | null): string;
  /**
   * `{"ok":true,"origin","path"}`: where the RTM socket connects, from the `endpoint` option or
   * (`discovered`) the `socket.app` of connect/endpoints; `ws:`/`http:` only for a loopback host.
   */
  rtmEndpoint(url: string, discovered: boolean): string;
  /**
   * The RTM `authentication` message (`{"ok":true,"message"}`; it holds the key: send it, never
   * log it) for the account a REST client resolved: `tier` and `authorization` are the
   * `X-Crisp-Tier` and `Authorization` of that client's header set for the account
   * (`BindingClient.transport`), so the configuration is not read again; empty strings for an
   * account the client does not have (the refusal names `account`). Names one per line; empty:
   * the default events / no rooms.
   */
  rtmAuthentication(account: string | null | undefined, tier: string, authorization: string, events: string, rooms: string): string;
}

type Fn = (...args: never[]) => unknown;

/**
 * One member of a module against the contract's: a function that takes every argument list the
 * contract's takes, with as many parameters (a parameter more or less fails, optional ones
 * included), and answers what the contract's answers; any other member as declared.
 */
type Conforming<C, M> = C extends Fn
  ? M extends Fn
    ? [Parameters<C>] extends [Parameters<M>]
      ? [Parameters<C>["length"]] extends [Parameters<M>["length"]]
        ? [Parameters<M>["length"]] extends [Parameters<C>["length"]]
          ? ReturnType<M> extends ReturnType<C>
            ? M
            : never
          : never
        : never
      : never
    : never
  : C;

/**
 * What a module `M` (its generated declarations) must be to implement the contract `C` exactly:
 * every member of `C`, conforming, and nothing else (an extra member is `never`). Used as
 * `Check<M, Implements<C, M>>`.
 */
export type Implements<C, M> = {
  [K in keyof C | keyof M]: K extends keyof C ? (K extends keyof M ? Conforming<C[K], M[K]> : C[K]) : never;
};

/** `T`, which must be assignable to `U`: a compile-time assertion. */
export type Check<T extends U, U> = T;
