import { type Binding, type BindingClient, DISCOVERY, type RtmBinding } from "./backend.js";
import type { EndpointInfo } from "../generated/catalog.generated.js";
import type { DataOf, EndpointId, ItemOf, PagedEndpointId, ParamsOf, PathValue } from "../generated/endpoints.generated.js";
import { joinBytes } from "../internal/bytes.js";
import { CrispError, type ErrorInfo } from "./errors.js";
import type { EventsOptions, EventSubscription, HookResult, HookState, HooksOptions, NodeRequest, NodeResponse } from "../events/index.js";
import type { ConversationMessage, CrispEventMap, CrispEventName } from "../generated/types.generated.js";

/** The token tier, sent as `X-Crisp-Tier`. */
export type { EndpointInfo };

export type Tier = "user" | "website" | "plugin";

/** One account's credentials. */
export interface AccountOptions {
  identifier: string;
  key: string;
  /** Default: the client's tier, else `user` (as the official client). */
  tier?: Tier;
  /** Used when a call leaves `websiteID` out. */
  websiteId?: string;
  /** Default: the client's base URL. */
  baseUrl?: string;
  label?: string;
}

/** Retry policy. Reads are retried on 420/429/5xx/network/timeout; writes only with `retryWrites`. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2; 0 disables). */
  retries?: number;
  /** First backoff ceiling in ms (default 300); doubles per attempt, full jitter. */
  baseDelayMs?: number;
  /** Backoff cap in ms (default 10000). */
  maxDelayMs?: number;
  /** Longest `Retry-After` worth waiting for, in ms (default 60000); longer stops. */
  maxRetryAfterMs?: number;
  /** Also retry POST/PUT/PATCH/DELETE. Off by default: a timed-out write may have happened. */
  retryWrites?: boolean;
}

/**
 * A fetch-compatible function. crisp-kit passes `redirect: "error"`: a redirect is refused, never
 * followed (it could carry the `Authorization` header to another host); a custom fetch must
 * honour it.
 */
export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal; redirect: "error" },
) => Promise<Response>;

/** Options of `new Crisp(...)`. */
/** One attempt of a request, as a `TransportHook` sees it. */
export interface AttemptInfo {
  endpoint: EndpointId;
  /** The account whose token the request carries (the default one when the call named none). */
  account: string;
  /** 1 for the first attempt; more for crisp-core's retries of a read. */
  attempt: number;
  /** GET and HEAD are reads (retried by crisp-core); any other method is sent once. */
  method: string;
  /**
   * This attempt's signal: aborted when the caller cancels or the attempt's timeout passes (the
   * time a hook holds the attempt back counts). The same object is in this attempt's outcome, so
   * a hook can pair each outcome with its attempt.
   */
  signal: AbortSignal;
}

/** What crisp-core decided once an attempt ended. */
export interface AttemptOutcome extends AttemptInfo {
  /** Crisp's HTTP status; null when nothing was answered (network failure, timeout, cancellation). */
  status: number | null;
  /** `done` (answered, the call resolves), `retry` (after `delayMs`) or `stop` (the call rejects). */
  decision: "done" | "retry" | "stop";
  /** `Retry-After` as crisp-core read it (seconds or a date), in ms; null when absent. */
  retryAfterMs: number | null;
  /** With `retry`: how long crisp-core waits before the next attempt. */
  delayMs: number | null;
}

/**
 * Takes part in every attempt of every request: `attempt` runs it (call `send` when it may
 * leave, e.g. after a queue's turn; throw to refuse it, and the call rejects with that error,
 * nothing sent), and `outcome` hears crisp-core's decision (with the `Retry-After` it read): once
 * for every attempt begun, after the answer's body was read. The gateway's per-token
 * queue is one; none is set by default.
 */
export interface TransportHook {
  attempt?(info: AttemptInfo, send: () => Promise<Response>): Promise<Response>;
  outcome?(outcome: AttemptOutcome): void;
}

export interface CrispOptions {
  identifier?: string;
  key?: string;
  tier?: Tier;
  websiteId?: string;
  /** Default `https://api.crisp.chat/v1/`. */
  baseUrl?: string;
  label?: string;
  /** More named accounts; pick one per call with `{ account }`. */
  accounts?: Record<string, AccountOptions>;
  /** The account used when a call names none. */
  defaultAccount?: string;
  /** The transport (default: the global `fetch`). */
  fetch?: FetchLike;
  /** Paces and observes each attempt of every request (a shared per-token queue, metrics). */
  transport?: TransportHook;
  /** Per-attempt timeout in ms (default 30000). */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Refuse every write endpoint before any request exists. */
  readOnly?: boolean;
  /** Web hooks received through `crisp.hooks`: the secret that signs them, and the freshness window. */
  hooks?: HooksOptions;
}

/** What `Crisp.eventCatalog()` answers. */
export interface EventCatalog {
  defaultEvents: CrispEventName[];
  optInEvents: CrispEventName[];
  hookWindowMs: number;
  hookMaxBodyBytes: number;
  minRebindMs: number;
  reconnect: { baseDelayMs: number; maxDelayMs: number; randomization: number };
}

/** `crisp.hooks`: receive Crisp web hooks (checked, parsed, dispatched to `on` handlers). */
export interface CrispHooks {
  /** Calls `handler` with each `name` hook's `data`. Returns a function that removes it. */
  on<E extends CrispEventName>(name: E, handler: (data: CrispEventMap[E]) => void | Promise<void>): () => void;
  /**
   * A fetch-style handler: 200; 401 for a bad, stale or replayed signature; 409 while the same
   * delivery is being handled; 413 past `hooks.maxBodyBytes`; 400 for a bad payload; 500 when a
   * handler threw (not marked seen: Crisp's retry is accepted).
   */
  handle(request: Request): Promise<Response>;
  /** The same as a Node `(req, res)` handler (node:http; Express without a body parser before it). */
  node(req: NodeRequest, res: NodeResponse): Promise<void>;
  /** One delivery given as its parts: the raw body and the two headers. */
  receive(rawBody: Uint8Array, timestamp: string | null, signature: string | null): Promise<HookResult>;
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
  /** The account to use (default: the default account). */
  account?: string;
}

/** Options of `paginate`, `pages` and `messages`. */
export interface WalkOptions extends CallOptions {
  /** The most pages to fetch (default 1000). */
  maxPages?: number;
}

/** A request as crisp-kit would send it. From `buildRequest`, the key is redacted. */
export interface PreparedRequest {
  endpoint: string;
  account: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  write: boolean;
  /** The same request as a `curl` command line (key redacted), from crisp-core. */
  curl: string;
}

/** An account as `listAccounts` shows it: never its key. */
export interface AccountInfo {
  id: string;
  label: string;
  tier: Tier;
  websiteId: string | null;
  baseUrl: string;
  default: boolean;
}


type WebsiteOptional<P> = P extends { websiteID: PathValue } ? Omit<P, "websiteID"> & { websiteID?: PathValue } : P;
/** An endpoint's params under these options: `websiteID` is optional when a default website is set. */
export type CallParams<E extends EndpointId, O extends CrispOptions> = "websiteId" extends keyof O
  ? WebsiteOptional<ParamsOf<E>>
  : ParamsOf<E>;
type ParamArgs<E extends EndpointId, O extends CrispOptions, Opt> = {} extends CallParams<E, O>
  ? [params?: CallParams<E, O>, options?: Opt]
  : [params: CallParams<E, O>, options?: Opt];

interface Built {
  ok: true;
  request: Omit<PreparedRequest, "headers" | "curl"> & { headers: [string, string][] };
  curl: string;
  timeoutMs: number;
}
interface Failed {
  ok: false;
  error: ErrorInfo;
}
interface DecodedOk {
  ok: true;
  status: number;
  data: unknown;
  page: { items: number | null; oldestTimestamp: number | null };
}
interface Outgoing {
  /** The endpoint's number, from `endpointIndex`. */
  index: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

type Step<T> = { action: "next"; next: T } | { action: "done" } | { action: "limit" };

const TIMEOUT = Symbol("timeout");
const NO_ANSWER = Symbol("no answer");
const NO_PAGE: DecodedOk["page"] = Object.freeze({ items: null, oldestTimestamp: null });
const EMPTY = new Uint8Array(0);
// ignoreBOM keeps a leading U+FEFF in the text, so that JSON.parse refuses it as the core does.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The body's bytes, read from its stream: the chunks fetch made, joined only when there are
 * several. `arrayBuffer()` would copy them into one more buffer, and in Node that buffer is
 * external memory the garbage collector has to chase (measured: about 15 µs of CPU per call under
 * load). A `fetch` whose Response has no web stream (node-fetch, say) is read with `arrayBuffer()`.
 */
async function readBody(response: Response): Promise<Uint8Array> {
  const stream = response.body as ReadableStream<Uint8Array> | null | undefined;
  if (stream === null) return EMPTY;
  if (typeof stream?.getReader !== "function") return new Uint8Array(await response.arrayBuffer());
  const reader = stream.getReader();
  let first: Uint8Array | undefined;
  let more: Uint8Array[] | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value instanceof Uint8Array ? value : asBytes(value);
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  }
  return more === undefined ? (first ?? EMPTY) : joinBytes(more);
}

/** A stream chunk that is not a `Uint8Array` (fetch polyfills), as one; anything else is refused. */
function asBytes(chunk: unknown): Uint8Array {
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`the response body stream gave ${typeof chunk === "string" ? "text" : typeof chunk}, not bytes`);
}

function abortForTimeout(controller: AbortController): void {
  controller.abort(TIMEOUT);
}

function parse<T>(json: string): T {
  return JSON.parse(json) as T;
}

function unwrap<T extends { ok: true }>(result: T | Failed): T {
  if (!result.ok) throw new CrispError(result.error);
  return result;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Endpoint ids to the numbers the backend's per-call functions take; known ids only, so it holds
 * at most the catalog. Emptied when the backend changes. */
const indexes = new Map<string, number>();

let binding: Binding | undefined;
let bindingName: "native" | "wasm" | undefined;

/**
 * Where the real-time functions come from: `now()` when they are at hand (Node: always, the addon
 * or the wasm module read from disk; browsers: once loaded), `load()` to get them (browsers: the
 * events chunk and its wasm module, fetched on first use).
 */
export interface RtmSource {
  now(): RtmBinding | undefined;
  load(): Promise<RtmBinding>;
}
let rtmSource: RtmSource | undefined;

/** Sets the backend: done once by each entry point (Node: napi addon or wasm; browser: wasm). */
export function useBinding(b: Binding, name: "native" | "wasm", rtm: RtmSource): void {
  binding = b;
  bindingName = name;
  rtmSource = rtm;
  indexes.clear(); // numbers from another backend's catalog
}

function rtmLoad(): Promise<RtmBinding> {
  backend();
  return rtmSource!.load();
}

/** The real-time functions if at hand, else a clear error (a browser that has not loaded them yet). */
function rtmNow(): RtmBinding {
  backend();
  const rtm = rtmSource!.now();
  if (rtm) return rtm;
  throw new CrispError({
    ...configError("events", ""),
    code: "not_loaded",
    message: "the real-time core is not loaded yet: `await Crisp.loadEvents()` first",
    endpoint: "events",
    param: null,
  });
}

function backend(): Binding {
  if (!binding) {
    throw new Error("crisp-kit: no backend loaded (in a browser, `await init()` from crisp-kit/web first)");
  }
  return binding;
}

function endpointIndex(endpoint: string): number {
  let index = indexes.get(endpoint);
  if (index === undefined) {
    index = backend().endpointIndex(endpoint);
    if (index >= 0) indexes.set(endpoint, index);
  }
  return index;
}

/**
 * A Crisp REST API v1 client. Every endpoint is reachable with `call(id, params)`; requests are
 * decided by crisp-core (the same in Node and the browser) and sent with `fetch`.
 */
export class Crisp<O extends CrispOptions = CrispOptions> {
  readonly #client: BindingClient;
  readonly #fetch: FetchLike;
  readonly #transport: TransportHook | undefined;
  /** The default account's id, for the transport hook (computed when a hook is set). */
  readonly #defaultAccount: string;
  /** The per-attempt timeout and the header sets `prepare` numbers (two per account), from the core. */
  readonly #timeoutMs: number;
  readonly #headerSets: Record<string, string>[];
  readonly #hookOptions: HooksOptions | undefined;
  #hooks: CrispHooks | undefined;

  constructor(options: O) {
    const { fetch: fetchImpl, hooks, transport, ...config } = options;
    this.#hookOptions = hooks;
    const created = backend().createClient(JSON.stringify(config));
    if (typeof created === "string") throw new CrispError(parse<Failed>(created).error);
    this.#client = created;
    const shared = parse<{ timeoutMs: number; headers: Record<string, string>[] }>(created.transport());
    this.#timeoutMs = shared.timeoutMs;
    this.#headerSets = shared.headers;
    if (!fetchImpl && typeof globalThis.fetch !== "function") {
      throw new CrispError(configError("fetch", "no global fetch here: pass `fetch` in the options"));
    }
    // Called unbound: a browser's fetch throws "Illegal invocation" when `this` is not the window.
    this.#fetch = fetchImpl ? (url, init) => fetchImpl(url, init) : (url, init) => globalThis.fetch(url, init);
    this.#transport = transport;
    this.#defaultAccount = transport ? (this.listAccounts().find((a) => a.default)?.id ?? "") : "";
  }

  /**
   * The core in use: `"native"` (the napi addon of this platform) or `"wasm"` (the wasm build, in
   * browsers and wherever no addon loads). `CRISP_KIT_BACKEND=native|wasm` forces one in Node.
   */
  static get backend(): "native" | "wasm" {
    backend();
    return bindingName as "native" | "wasm";
  }

  /** Every endpoint of the catalog (like the seed's `_endpoints`). */
  static endpoints(): EndpointInfo[] {
    return parse<EndpointInfo[]>(backend().catalog());
  }

  /**
   * Subscribes to Crisp's real-time events over the RTM socket (Socket.IO, websocket only; the
   * client library is loaded now, not with the package). Resolves once the subscription exists;
   * it connects and authenticates in the background (`ready`, `onStatus`), reconnects after a drop
   * and reports the `gap` it missed. Throws at once for an unknown event name or account.
   */
  async events<N extends CrispEventName = CrispEventName>(options: EventsOptions<N> = {}): Promise<EventSubscription<N>> {
    const [{ EventSubscription, loadIo }, rtm] = await Promise.all([import("../events/index.js"), rtmLoad()]);
    // socket.io-client first: an optional peer dependency in Node, whose absence is a clear error now.
    const io = await loadIo(CrispError);
    return new EventSubscription<N>(
      {
        binding: rtm,
        io,
        CrispError,
        // The account's header set, as its discovery request is sent (the account as crisp-core
        // resolves it): the real-time core takes the tier and token from it.
        headers: (account) => this.#prepare("plugin_get_connect_endpoints", {}, account, true).headers,
        // The account's discovery request, decided by crisp-core (`GET {tier}/connect/endpoints`,
        // answered as the catalog's plugin route). Sent like any read (retries, timeout, the
        // transport hook).
        connectEndpoints: (account) => this.#send("plugin_get_connect_endpoints", {}, { account }, true, true),
      },
      options,
    );
  }

  /** Receives Crisp web hooks (needs `hooks: { secret }` in the options); see `CrispHooks`. */
  get hooks(): CrispHooks {
    if (this.#hooks) return this.#hooks;
    // What the handlers share; the checks and the dispatch live in the events module, loaded on
    // the first delivery (with the real-time core, in a browser).
    const state: HookState = {
      rtm: rtmLoad,
      CrispError,
      options: this.#hookOptions,
      seen: new Map(),
      inFlight: new Set(),
      handlers: new Map(),
      unchecked: new Set(),
    };
    const load = () => import("../events/index.js");
    this.#hooks = {
      on(name, handler) {
        // Checked now where the core is at hand (Node; a browser once loaded), else before the first delivery.
        const rtm = (backend(), rtmSource!.now());
        if (rtm) {
          const r = parse<{ ok: true } | Failed>(rtm.rtmSubscription(typeof name === "string" && name && !name.includes("\n") ? name : "\n"));
          if (!r.ok) throw new CrispError({ ...r.error, param: "name" });
        } else state.unchecked.add(name);
        let set = state.handlers.get(name);
        if (!set) state.handlers.set(name, (set = new Set()));
        set.add(handler as (data: never) => void);
        return () => set.delete(handler as (data: never) => void);
      },
      handle: async (request) => (await load()).handleRequest(state, request),
      node: async (req, res) => (await load()).handleNode(state, req, res),
      receive: async (rawBody, timestamp, signature) => (await load()).receiveHook(state, rawBody, timestamp, signature),
    };
    return this.#hooks;
  }

  /** The real-time event catalog, from crisp-core: crisp-api's default subscription (81 names), the opt-in ones, and the policies. */
  static eventCatalog(): EventCatalog {
    return parse<EventCatalog>(rtmNow().rtmCatalog());
  }

  /**
   * Loads the real-time core (crisp_core::rtm). In Node it is always at hand; in a browser it is a
   * module of its own, fetched by `crisp.events()` and the web hook handlers on first use, so that
   * a REST-only page downloads none of it: await this before `Crisp.eventCatalog()` there.
   */
  static async loadEvents(): Promise<void> {
    await rtmLoad();
  }

  /** The configured accounts (`list_accounts`), never their keys. */
  listAccounts(): AccountInfo[] {
    return parse<AccountInfo[]>(this.#client.listAccounts());
  }

  /** The request `call` would send, with the key redacted: a dry run. Throws what `call` would. */
  buildRequest<E extends EndpointId>(endpoint: E, ...[params, options]: ParamArgs<E, O, { account?: string }>): PreparedRequest {
    const built = unwrap(parse<Built | Failed>(this.#client.build(endpoint, JSON.stringify(params ?? {}), options?.account ?? null, true)));
    return { ...built.request, headers: Object.fromEntries(built.request.headers), curl: built.curl };
  }

  /**
   * Calls one endpoint and returns its `data` (`true`/`false` for the HEAD checks). Reads are
   * retried per the retry policy; writes are sent once unless `retry.retryWrites` is set.
   */
  call<E extends EndpointId>(endpoint: E, ...[params, options]: ParamArgs<E, O, CallOptions>): Promise<DataOf<E>> {
    // Not `async`: #send's promise is the answer, with no second promise around it per call.
    if ((endpoint as string) === "list_accounts") return new Promise((resolve) => resolve(this.listAccounts() as DataOf<E>));
    return this.#send(endpoint, params, options, true) as Promise<DataOf<E>>;
  }

  /** Every page of a page-number list, as arrays, from `pageNumber` (default 1) on. */
  async *pages<E extends PagedEndpointId>(endpoint: E, ...[params, options]: ParamArgs<E, O, WalkOptions>): AsyncGenerator<ItemOf<E>[]> {
    const p = { ...(params as Record<string, unknown> | undefined) };
    const perPage = Number((p.query as Record<string, unknown> | undefined)?.per_page ?? 0) || 0;
    let walk = backend().pageWalkStart(Number(p.pageNumber ?? 1) || 1, perPage, options?.maxPages ?? 0);
    let page = parse<{ page: number }>(walk).page;
    for (;;) {
      const decoded = (await this.#send(endpoint, { ...p, pageNumber: page }, options, false)) as DecodedOk;
      if (Array.isArray(decoded.data) && decoded.data.length > 0) yield decoded.data as ItemOf<E>[];
      const next = parse<{ walk: unknown; step: Step<number> }>(backend().pageWalkNext(walk, decoded.page.items));
      if (next.step.action !== "next") return;
      walk = JSON.stringify(next.walk);
      page = next.step.next;
    }
  }

  /** Every item of a page-number list, page after page. */
  async *paginate<E extends PagedEndpointId>(endpoint: E, ...args: ParamArgs<E, O, WalkOptions>): AsyncGenerator<ItemOf<E>> {
    for await (const page of this.pages(endpoint, ...args)) yield* page;
  }

  /**
   * A conversation's messages, newest first, back to the first one: walking back with
   * `timestamp_before` while Crisp answers 206. Crisp sends each page oldest to newest; each page is
   * yielded newest to oldest, so the order is one order across page boundaries.
   */
  async *messages(
    sessionID: string,
    options: WalkOptions & { websiteID?: string; timestampBefore?: number } = {},
  ): AsyncGenerator<ConversationMessage> {
    const { websiteID, timestampBefore, ...callOptions } = options;
    let walk = backend().messageWalkStart(timestampBefore ?? null, options.maxPages ?? 0);
    let before = timestampBefore ?? null;
    for (;;) {
      const params: Record<string, unknown> = { sessionID };
      if (websiteID !== undefined) params.websiteID = websiteID;
      if (before !== null) params.query = { timestamp_before: before };
      const decoded = (await this.#send("get_messages_in_conversation", params, callOptions, false)) as DecodedOk;
      if (Array.isArray(decoded.data)) yield* newestFirst(decoded.data as ConversationMessage[]);
      const next = parse<{ walk: unknown; step: Step<number> }>(
        backend().messageWalkNext(walk, decoded.status, decoded.page.oldestTimestamp),
      );
      if (next.step.action !== "next") return;
      walk = JSON.stringify(next.walk);
      before = next.step.next;
    }
  }

  /**
   * What one call sends: the request `buildRequest` shows, unredacted, as lines from crisp-core.
   * With `discovery`, the account's real-time discovery request instead (answered as `endpoint`).
   */
  #prepare(endpoint: string, params: unknown, account: string | undefined, discovery: boolean): Outgoing {
    const index = endpointIndex(endpoint);
    const paramsJson = JSON.stringify(params ?? {});
    // An id the catalog lacks: `build` gives the core's refusal.
    const text =
      index < 0
        ? this.#client.build(endpoint, paramsJson, account ?? null, true)
        : backend().prepare(this.#client.id, discovery ? DISCOVERY : index, paramsJson, account ?? null);
    if (text.charCodeAt(0) === 123 /* "{": a refusal */) throw new CrispError(parse<Failed>(text).error);
    const a = text.indexOf("\n");
    const b = text.indexOf("\n", a + 1);
    const c = text.indexOf("\n", b + 1);
    return {
      index,
      method: text.slice(0, a),
      url: text.slice(a + 1, b),
      // A copy: a custom fetch may change what it is given.
      headers: { ...this.#headerSets[Number(text.slice(b + 1, c))] },
      body: c + 1 < text.length ? text.slice(c + 1) : null,
    };
  }

  /** The answer: its `data` alone when `dataOnly` (what `call` returns), else all of it. */
  async #send(endpoint: string, params: unknown, options: CallOptions | undefined, dataOnly: boolean, discovery = false): Promise<DecodedOk | unknown> {
    const request = this.#prepare(endpoint, params, options?.account, discovery);
    const { headers } = request;
    const timeoutMs = this.#timeoutMs;
    const signal = options?.signal;
    const head = request.method === "HEAD";
    const { plainDataStart } = backend();
    const hook = this.#transport;
    const info = hook && { endpoint: endpoint as EndpointId, account: options?.account ?? this.#defaultAccount, method: request.method };
    let current: AttemptInfo | undefined;
    /** Tells the transport hook how the current attempt ended. */
    const told = (status: number | null, decision: AttemptOutcome["decision"], retryAfterMs: number | null = null, delayMs: number | null = null) =>
      hook?.outcome?.({ ...current!, status, decision, retryAfterMs, delayMs });
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw this.#transportError(endpoint, "aborted", "", timeoutMs);
      // Both set on every path that does not return (definite assignment the compiler cannot see).
      let failure!: ErrorInfo;
      let outcome!: "status" | "network" | "timeout";
      let status = 0;
      // One controller per attempt: the timeout and the caller's signal each end this attempt
      // only. (On Node 20 this is cheaper than AbortSignal.timeout, which also registers the
      // signal for cleanup, and than AbortSignal.any.)
      const attemptSignal = new AbortController();
      const onAbort = signal ? () => attemptSignal.abort(signal.reason) : undefined;
      if (onAbort) signal!.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(abortForTimeout, timeoutMs, attemptSignal);
      if (hook) current = { ...info!, attempt, signal: attemptSignal.signal };
      // With a transport hook, the attempt leaves when the hook calls `send`; a hook that throws
      // before that refuses it (nothing sent, and its error is the call's).
      let sent = !hook?.attempt;
      /** The answer, told to the hook and returned once this attempt's timer is cleared. */
      let answer: unknown = NO_ANSWER;
      try {
        const init: Parameters<FetchLike>[1] = { method: request.method, headers, signal: attemptSignal.signal, redirect: "error" };
        if (request.body !== null) init.body = request.body;
        const response = sent
          ? await this.#fetch(request.url, init)
          : await hook!.attempt!(current!, () => ((sent = true), this.#fetch(request.url, init)));
        status = response.status;
        const body = head ? EMPTY : await readBody(response);
        // The common answer, read once by V8: the core finds where `data` sits, JSON.parse reads
        // it. When the span is not one JSON value, the full decode below has the answer.
        const start = head ? -1 : plainDataStart(request.index, status, body);
        if (start >= 0) {
          try {
            const data: unknown = JSON.parse(utf8.decode(body.subarray(start, body.length - 1)));
            answer = dataOnly ? data : { ok: true, status, data, page: NO_PAGE };
          } catch {
            // not one value: decode says what it is
          }
        }
        if (answer === NO_ANSWER) {
          const decoded = parse<DecodedOk | Failed>(
            this.#client.decode(
              endpoint,
              status,
              response.headers.get("retry-after"),
              response.headers.get("bloom-status"),
              Date.now(),
              body,
            ),
          );
          if (decoded.ok) answer = dataOnly ? decoded.data : decoded;
          else {
            failure = decoded.error;
            outcome = "status";
          }
        }
      } catch (error) {
        // Cancelled by the caller, or refused by the hook (not a timeout while it held the
        // attempt back: that is a timeout, as when Crisp is slow): the call ends here.
        const timedOut = attemptSignal.signal.aborted && attemptSignal.signal.reason === TIMEOUT;
        if (signal?.aborted || (!sent && !timedOut)) {
          told(null, "stop");
          throw signal?.aborted ? this.#transportError(endpoint, "aborted", "", timeoutMs) : error;
        }
        if (timedOut) {
          outcome = "timeout";
          failure = parse<ErrorInfo>(backend().transportError(endpoint, "timeout", "", timeoutMs));
        } else {
          outcome = "network";
          failure = parse<ErrorInfo>(backend().transportError(endpoint, "network", describe(error), timeoutMs));
        }
      } finally {
        clearTimeout(timer);
        if (onAbort) signal!.removeEventListener("abort", onAbort);
      }
      if (answer !== NO_ANSWER) {
        told(status, "done");
        return answer;
      }
      const decision = parse<{ action: "retry"; delayMs: number } | { action: "stop" }>(
        this.#client.retry(request.method, attempt, outcome, status, failure.retryAfterMs, Math.floor(Math.random() * 2 ** 52)),
      );
      told(outcome === "status" ? status : null, decision.action, failure.retryAfterMs, decision.action === "retry" ? decision.delayMs : null);
      if (decision.action === "stop") throw new CrispError(failure);
      try {
        await sleep(decision.delayMs, signal);
      } catch {
        throw this.#transportError(endpoint, "aborted", "", timeoutMs);
      }
    }
  }

  #transportError(endpoint: string, kind: string, message: string, timeoutMs: number): CrispError {
    return new CrispError(parse<ErrorInfo>(backend().transportError(endpoint, kind, message, timeoutMs)));
  }
}

/** Whether a Crisp web hook signature is valid: HMAC-SHA256 over the raw body, constant-time. */
export function verifyHook(secret: string, timestamp: string | number, rawBody: string | Uint8Array, signature: string): boolean {
  const bytes = typeof rawBody === "string" ? new TextEncoder().encode(rawBody) : rawBody;
  return backend().verifyHook(secret, String(timestamp), bytes, signature);
}

function configError(param: string, message: string): ErrorInfo {
  return {
    code: "invalid_config",
    message: `invalid configuration \`${param}\`: ${message}`,
    endpoint: null,
    param,
    status: null,
    reason: null,
    explanation: null,
    retryable: false,
    retryAfterMs: null,
    bloomStatus: null,
    data: null,
  };
}

/** A transport error's message, with its cause (Node's fetch hides ECONNRESET there). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : "";
  return `${error.message}${inner}`;
}

/**
 * One page of messages, newest first: Crisp's page order reversed, then sorted by `timestamp`
 * (a stable sort, so messages with the same or no timestamp keep their reversed order).
 */
function newestFirst<M extends { timestamp?: unknown }>(page: M[]): M[] {
  const stamp = (m: M) => (typeof m.timestamp === "number" ? m.timestamp : null);
  return page.slice().reverse().sort((a, b) => {
    const x = stamp(a);
    const y = stamp(b);
    return x === null || y === null ? 0 : y - x;
  });
}
