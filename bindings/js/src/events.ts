// Real-time events: Crisp's RTM API over Socket.IO (`crisp.events()`), and web hooks
// (`crisp.hooks`). What to send and when to reconnect is crisp-core's (crisp_core::rtm); this file
// is the transport: socket.io-client v4, websocket only, imported on first use so that an app
// that only calls REST loads none of it. In Node it is an optional peer dependency (`npm install
// socket.io-client`, needed by `crisp.events()` only); the browser build carries it in this
// module's own chunk.
import type { RtmBinding } from "./backend.js";
// Types only: in the browser build this module is its own file (web-events.js), and the
// CrispError class comes from the caller, so that `instanceof CrispError` holds for its errors.
import type { CrispError, ErrorInfo } from "./errors.js";
import type { CrispEventMap, CrispEventName } from "./types.generated.js";
/** One event as the async iterator yields it. */
export type CrispEvent = { [N in CrispEventName]: { name: N; data: CrispEventMap[N] } }[CrispEventName];

/** The subscription's state changes. */
export type EventStatus =
  | { type: "connecting" }
  | { type: "connected" }
  | { type: "reconnecting"; attempt: number; delayMs: number; reason: string }
  /** Re-authenticated after a drop: events between `from` and `to` (ms since epoch) were missed; catch up through REST. */
  | { type: "gap"; from: number; to: number }
  | { type: "error"; error: CrispError }
  | { type: "closed" };

/** Reconnect backoff (crisp-core decides each delay). Default: crisp-api's 5 s to 10 s, randomisation 0.75. */
export interface ReconnectOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  randomization?: number;
}

/** Options of `crisp.events()`. */
export interface EventsOptions<N extends CrispEventName = CrispEventName> {
  /** Events to subscribe to (default: crisp-api's default list, 81 events). */
  events?: readonly N[];
  /** The account whose token authenticates the socket (default: the default account). */
  account?: string;
  /** Website ids to narrow the subscription to (Crisp's `rooms`). */
  rooms?: readonly string[];
  /** The socket URL, skipping discovery through `GET /v1/{tier}/connect/endpoints` (crisp-api's `setRtmHost`). */
  endpoint?: string;
  reconnect?: ReconnectOptions;
}

/** What `crisp.events()` needs from the client (kept out of the public class surface). */
export interface EventsHost {
  binding: RtmBinding;
  /** socket.io-client, as `loadIo` gives it (typed `unknown` here: the published declarations
   * name no type of an optional peer dependency, so TypeScript users without it are not broken). */
  io: unknown;
  CrispError: new (info: ErrorInfo) => CrispError;
  /** The `authentication` message JSON text (`{"ok":true,"message"}` or the refusal); names one per line. */
  authentication(account: string | undefined, events: string, rooms: string): string;
  /** `data` of `GET /v1/{tier}/connect/endpoints` for the account. */
  connectEndpoints(account: string | undefined): Promise<unknown>;
}

type Handler<T> = (data: T) => void | Promise<void>;

function parse<T>(json: string): T {
  return JSON.parse(json) as T;
}

/** Names as the core takes them: one per line. A name holding a newline is refused by name. */
function lines(names: readonly string[] | undefined): string {
  if (names === undefined) return "";
  if (!Array.isArray(names)) throw rtmError("invalid_param", "must be an array of names", "events");
  names.forEach((n, i) => {
    if (typeof n !== "string" || n.includes("\n") || n === "") throw rtmError("invalid_param", `\`${String(n)}\` is not a name`, `events[${i}]`);
  });
  return names.join("\n");
}

/** The package's CrispError class, handed over by the caller (see the import above). */
let ErrorClass: (new (info: ErrorInfo) => CrispError) | undefined;

function newError(info: ErrorInfo): CrispError {
  return new ErrorClass!(info);
}

function refusal(text: string): CrispError | undefined {
  const r = parse<{ ok: boolean; error?: ErrorInfo }>(text);
  return r.ok ? undefined : newError(r.error!);
}

function rtmError(code: string, message: string, param: string | null = null): CrispError {
  return newError({
    code, message, endpoint: "events", param, status: null, reason: null,
    explanation: null, retryable: false, retryAfterMs: null, bloomStatus: null, data: null,
  });
}

/** Listeners by event name, shared by sockets and hooks. */
class Dispatcher {
  readonly #handlers = new Map<string, Set<Handler<never>>>();
  readonly #queues = new Set<(e: CrispEvent | null) => void>();

  on(name: string, handler: Handler<never>): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  /** Calls every handler of `name`; answers whether all of them succeeded. */
  async dispatch(name: string, data: unknown): Promise<boolean> {
    for (const push of this.#queues) push({ name, data } as CrispEvent);
    let ok = true;
    for (const h of this.#handlers.get(name) ?? []) {
      try {
        await (h as Handler<unknown>)(data);
      } catch (error) {
        ok = false;
        queueMicrotask(() => {
          throw error; // an app's handler failed: surface it as an uncaught error, not silence
        });
      }
    }
    return ok;
  }

  async *iterate(signal: { closed: boolean; onClose(f: () => void): void }): AsyncGenerator<CrispEvent> {
    const buffer: (CrispEvent | null)[] = [];
    let wake: (() => void) | undefined;
    const push = (e: CrispEvent | null) => {
      buffer.push(e);
      wake?.();
    };
    this.#queues.add(push);
    signal.onClose(() => push(null));
    try {
      for (;;) {
        if (buffer.length === 0) {
          if (signal.closed) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        const e = buffer.shift()!;
        if (e === null) return;
        yield e;
      }
    } finally {
      this.#queues.delete(push);
    }
  }

  end(): void {
    for (const push of this.#queues) push(null);
  }
}

type IoModule = typeof import("socket.io-client");
let ioModule: Promise<IoModule> | undefined;
/**
 * socket.io-client, loaded once, on the first subscription. Not installed (Node: it is an optional
 * peer dependency) is a CrispError that says what to run, never a raw ERR_MODULE_NOT_FOUND.
 */
export function loadIo(errorClass: new (info: ErrorInfo) => CrispError): Promise<unknown> {
  ErrorClass = errorClass;
  ioModule ??= import("socket.io-client").catch((error: unknown) => {
    ioModule = undefined; // installed later: the next call finds it
    const e = error as { code?: string; message?: string };
    const missing = (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") && String(e.message).includes("socket.io-client");
    if (!missing) throw error;
    throw rtmError(
      "missing_dependency",
      "crisp.events() needs socket.io-client, an optional peer dependency of crisp-kit: run `npm install socket.io-client` (REST and web hooks do not need it)",
    );
  });
  return ioModule;
}

/**
 * A live subscription to Crisp's real-time events. Connects at once (in the background),
 * authenticates with the account's token, and reconnects with crisp-core's backoff after a drop,
 * reporting the time range it missed as a `gap` status.
 */
export class EventSubscription<N extends CrispEventName = CrispEventName> {
  /** Resolves once the socket is authenticated; rejects if the token is refused or discovery fails. */
  readonly ready: Promise<void>;
  readonly #dispatcher = new Dispatcher();
  readonly #status = new Set<(s: EventStatus) => void>();
  readonly #closeHooks: (() => void)[] = [];
  #closed = false;
  #socket: import("socket.io-client").Socket | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #droppedAt: number | null = null;
  #lastRebind = 0;
  readonly #events: readonly string[];
  readonly #host: EventsHost;
  readonly #options: EventsOptions<N>;
  readonly #reconnect: Required<ReconnectOptions>;

  constructor(host: EventsHost, options: EventsOptions<N> = {}) {
    this.#host = host;
    this.#options = options;
    ErrorClass = host.CrispError;
    const sub = parse<{ ok: true; events: string[] } | { ok: false; error: ErrorInfo }>(
      host.binding.rtmSubscription(lines(options.events)),
    );
    if (!sub.ok) throw newError(sub.error);
    this.#events = sub.events;
    const defaults = parse<{ reconnect: Required<ReconnectOptions> }>(host.binding.rtmCatalog()).reconnect;
    this.#reconnect = { ...defaults, ...options.reconnect };
    // Checked now, so that a bad policy throws here rather than at the first drop.
    const check = refusal(host.binding.rtmReconnectDelay(this.#reconnect.baseDelayMs, this.#reconnect.maxDelayMs, this.#reconnect.randomization, 1, 0));
    if (check) throw check;
    // Checked now too: an unknown account throws before anything is sent.
    const auth = refusal(this.#authentication());
    if (auth) throw auth;
    this.ready = new Promise<void>((resolve, reject) => {
      const off = this.onStatus((s) => {
        if (s.type === "connected") resolve();
        else if (s.type === "error" || s.type === "closed") reject(s.type === "error" ? s.error : rtmError("closed", "the subscription was closed"));
        else return;
        off();
      });
    });
    this.ready.catch(() => {}); // observed through onStatus too; never an unhandled rejection
    void this.#start();
  }

  /** The events this subscription asked for. */
  get events(): readonly string[] {
    return this.#events;
  }

  /** Calls `handler` with each `name` event's payload. Returns a function that removes it. */
  on<E extends N>(name: E, handler: Handler<CrispEventMap[E]>): () => void {
    if (!this.#events.includes(name)) {
      throw rtmError("invalid_param", `\`${name}\` is not in this subscription's events (${this.#events.length} subscribed)`, "name");
    }
    return this.#dispatcher.on(name, handler as Handler<never>);
  }

  /** Calls `handler` on every status change. Returns a function that removes it. */
  onStatus(handler: (status: EventStatus) => void): () => void {
    this.#status.add(handler);
    return () => this.#status.delete(handler);
  }

  /** Every event, in arrival order, until `close()`. */
  [Symbol.asyncIterator](): AsyncGenerator<CrispEvent> {
    const self = this;
    return this.#dispatcher.iterate({
      get closed() {
        return self.#closed;
      },
      onClose: (f) => this.#closeHooks.push(f),
    });
  }

  /** Asks Crisp to rebind the socket to the token's websites (after a plugin is installed on a new one). At most every 2.5 s. */
  rebind(): void {
    const { minRebindMs } = parse<{ minRebindMs: number }>(this.#host.binding.rtmCatalog());
    const now = Date.now();
    if (now - this.#lastRebind < minRebindMs) throw rtmError("rate_limited", `socket:bind was sent less than ${minRebindMs} ms ago`);
    if (!this.#socket?.connected) throw rtmError("not_connected", "the socket is not connected");
    this.#lastRebind = now;
    this.#socket.emit("socket:bind", {});
  }

  /** Disconnects and ends the async iterators. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.disconnect();
    this.#socket = undefined;
    this.#dispatcher.end();
    for (const f of this.#closeHooks) f();
    this.#emit({ type: "closed" });
  }

  #authentication(): string {
    return this.#host.authentication(this.#options.account, this.#events.join("\n"), lines(this.#options.rooms));
  }

  #emit(status: EventStatus): void {
    for (const h of [...this.#status]) h(status);
  }

  #fail(error: CrispError): void {
    this.#emit({ type: "error", error });
    this.close();
  }

  async #start(): Promise<void> {
    this.#emit({ type: "connecting" });
    let url: URL;
    const io = this.#host.io as IoModule;
    try {
      let endpoint = this.#options.endpoint;
      if (!endpoint) {
        const data = (await this.#host.connectEndpoints(this.#options.account)) as { socket?: { app?: unknown } } | null;
        if (typeof data?.socket?.app !== "string") throw rtmError("invalid_response", "GET connect/endpoints gave no `socket.app`");
        endpoint = data.socket.app;
      }
      url = new URL(endpoint);
    } catch (error) {
      return this.#fail(error instanceof this.#host.CrispError ? error : rtmError("network", String((error as Error)?.message ?? error)));
    }
    if (this.#closed) return;
    // Reconnection is crisp-core's decision (below), not socket.io-client's.
    const socket = io.io(url.origin, { path: url.pathname || "/", transports: ["websocket"], reconnection: false, timeout: 10_000 });
    this.#socket = socket;
    socket.on("connect", () => {
      const auth = parse<{ ok: true; message: unknown } | { ok: false; error: ErrorInfo }>(this.#authentication());
      if (!auth.ok) return this.#fail(newError(auth.error));
      socket.emit("authentication", auth.message);
    });
    socket.on("authenticated", () => {
      this.#attempt = 0;
      this.#emit({ type: "connected" });
      if (this.#droppedAt !== null) {
        this.#emit({ type: "gap", from: this.#droppedAt, to: Date.now() });
        this.#droppedAt = null;
      }
    });
    socket.on("unauthorized", () => {
      this.#fail(rtmError("unauthorized", "Crisp refused the socket's authentication (check the token and its tier)"));
    });
    socket.on("disconnect", (reason) => {
      if (this.#closed || reason === "io client disconnect") return;
      this.#droppedAt ??= Date.now();
      this.#retry(reason);
    });
    socket.on("connect_error", (error) => {
      if (this.#closed) return;
      this.#droppedAt ??= Date.now();
      this.#retry(error.message);
    });
    socket.onAny((name: string, data: unknown) => {
      if (this.#events.includes(name)) void this.#dispatcher.dispatch(name, data);
    });
  }

  #retry(reason: string): void {
    clearTimeout(this.#timer);
    this.#attempt += 1;
    const seed = Math.floor(Math.random() * 2 ** 52);
    const { baseDelayMs, maxDelayMs, randomization } = this.#reconnect;
    const { delayMs } = parse<{ delayMs: number }>(this.#host.binding.rtmReconnectDelay(baseDelayMs, maxDelayMs, randomization, this.#attempt, seed));
    this.#emit({ type: "reconnecting", attempt: this.#attempt, delayMs, reason });
    this.#timer = setTimeout(() => {
      if (!this.#closed) this.#socket?.connect();
    }, delayMs);
  }
}

// ---- Web hooks ----

/** Options of `crisp.hooks` (from `new Crisp({ hooks })`). */
export interface HooksOptions {
  /** The web hook secret (Crisp Marketplace: plugin settings). */
  secret: string;
  /** How old (or how far ahead) `X-Crisp-Request-Timestamp` may be, in ms (default 300000). */
  windowMs?: number;
}

/** A minimal Node `IncomingMessage`/`ServerResponse` pair (no `node:http` import here). */
export interface NodeRequest extends AsyncIterable<Uint8Array | string> {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
}
export interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** The outcome of one delivery. */
export interface HookResult {
  status: 200 | 400 | 401 | 405 | 500;
  /** `ok`, or why it was refused: `missing`, `bad_signature`, `bad_timestamp`, `stale`, `replayed`, `bad_payload`, `handler_failed`, `method`. */
  code: string;
  event: string | null;
}

/** What the hook handlers share (kept by `crisp.hooks`, which loads this module on first use). */
export interface HookState {
  /** The real-time core, loaded on the first delivery (browsers fetch it then). */
  rtm: () => Promise<RtmBinding>;
  CrispError: new (info: ErrorInfo) => CrispError;
  options: HooksOptions | undefined;
  /** Signatures seen, with when they leave the window: a replay inside it is refused. */
  seen: Map<string, number>;
  /** The `on(event)` handlers. */
  handlers: Map<string, Set<Handler<never>>>;
  /** Names given to `on` before the core was at hand (a browser): checked before the first dispatch. */
  unchecked: Set<string>;
}

/** The core, once every name given to `on` is checked (a bad one throws, naming `name`). */
async function hookCore(state: HookState): Promise<RtmBinding> {
  const rtm = await state.rtm();
  for (const name of state.unchecked) {
    const r = parse<{ ok: true } | { ok: false; error: ErrorInfo }>(rtm.rtmSubscription(name && !name.includes("\n") ? name : "\n"));
    if (!r.ok) throw newError({ ...r.error, param: "name" });
    state.unchecked.delete(name);
  }
  return rtm;
}

/** Calls the `on(name)` handlers; answers whether all of them succeeded. */
async function dispatchHook(state: HookState, name: string, data: unknown): Promise<boolean> {
  let ok = true;
  for (const h of state.handlers.get(name) ?? []) {
    try {
      await (h as Handler<unknown>)(data);
    } catch (error) {
      ok = false;
      queueMicrotask(() => {
        throw error; // the app's handler failed: surface it, and answer 500
      });
    }
  }
  return ok;
}

/**
 * Checks and dispatches one delivery: the signature over the raw body (constant time, in
 * crisp-core), the freshness of `X-Crisp-Request-Timestamp`, a delivery already seen (a replay),
 * then `{website_id, event, data, timestamp}` to the `on(event)` handlers.
 */
export async function receiveHook(state: HookState, rawBody: Uint8Array, timestamp: string | null, signature: string | null): Promise<HookResult> {
  ErrorClass = state.CrispError;
  const secret = state.options?.secret;
  if (!secret) throw rtmError("invalid_config", "crisp.hooks needs `hooks: { secret }` in the Crisp options", "hooks.secret");
  const binding = await hookCore(state);
  const windowMs = state.options?.windowMs ?? 0;
  const now = Date.now();
  const check = parse<{ ok: true; timestampMs: number } | { ok: false; refusal: string } | { ok: false; error: ErrorInfo }>(
    binding.checkHook(secret, timestamp ?? "", rawBody, signature ?? "", now, windowMs),
  );
  if (!check.ok) {
    if ("error" in check) throw newError(check.error); // `hooks.windowMs` is not whole milliseconds
    return { status: 401, code: check.refusal, event: null };
  }
  for (const [sig, until] of state.seen) if (until < now) state.seen.delete(sig);
  const key = signature!.trim().toLowerCase();
  if (state.seen.has(key)) return { status: 401, code: "replayed", event: null };
  const window = windowMs > 0 ? windowMs : parse<{ hookWindowMs: number }>(binding.rtmCatalog()).hookWindowMs;
  state.seen.set(key, check.timestampMs + window);
  let payload: { event?: unknown; data?: unknown };
  try {
    payload = JSON.parse(new TextDecoder().decode(rawBody)) as typeof payload;
  } catch {
    return { status: 400, code: "bad_payload", event: null };
  }
  if (typeof payload?.event !== "string" || typeof payload.data !== "object" || payload.data === null) {
    return { status: 400, code: "bad_payload", event: null };
  }
  const ok = await dispatchHook(state, payload.event, payload.data);
  return { status: ok ? 200 : 500, code: ok ? "ok" : "handler_failed", event: payload.event };
}

function answer(r: HookResult): Response {
  return new Response(JSON.stringify({ ok: r.status === 200, code: r.code }), {
    status: r.status,
    headers: { "content-type": "application/json" },
  });
}

/** The fetch-style handler behind `crisp.hooks.handle`. */
export async function handleRequest(state: HookState, request: Request): Promise<Response> {
  if (request.method !== "POST") return answer({ status: 405, code: "method", event: null });
  const body = new Uint8Array(await request.arrayBuffer());
  return answer(await receiveHook(state, body, request.headers.get("x-crisp-request-timestamp"), request.headers.get("x-crisp-signature")));
}

/** The Node `(req, res)` handler behind `crisp.hooks.node`. */
export async function handleNode(state: HookState, req: NodeRequest, res: NodeResponse): Promise<void> {
  let r: HookResult;
  if (req.method !== undefined && req.method !== "POST") {
    r = { status: 405, code: "method", event: null };
  } else {
    const chunks: Uint8Array[] = [];
    for await (const c of req) chunks.push(typeof c === "string" ? new TextEncoder().encode(c) : c);
    const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
    };
    r = await receiveHook(state, body, header("x-crisp-request-timestamp"), header("x-crisp-signature"));
  }
  res.statusCode = r.status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ ok: r.status === 200, code: r.code }));
}
