// Real-time events over Crisp's RTM socket (`crisp.events()`). What to send and when to reconnect
// is crisp-core's (crisp_core::rtm); this file is the transport: socket.io-client v4, websocket
// only, imported on first use so that an app that only calls REST loads none of it. In Node it is
// an optional peer dependency (`npm install socket.io-client`, needed by `crisp.events()` only);
// the browser build carries it in this module's own chunk.
import type { RtmBinding } from "../client/backend.js";
import type { CrispError, ErrorInfo } from "../client/errors.js";
import type { CrispEventMap, CrispEventName } from "../generated/types.generated.js";
import { isMissingPackage } from "../internal/optional.js";
import { Dispatcher, type ErrorClass, Errors, type Handler, parse } from "./dispatch.js";

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
  /**
   * The socket URL, skipping discovery through `GET /v1/{tier}/connect/endpoints` (crisp-api's
   * `setRtmHost`): `wss://` or `https://`, or `ws://`/`http://` on a loopback host only.
   */
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
  /**
   * The client's header set for an account (the one its discovery request is sent with: the
   * account as crisp-core resolves it); throws for an account the client does not have.
   */
  headers(account: string | undefined): Record<string, string>;
  /** `data` of `GET /v1/{tier}/connect/endpoints` for the account. */
  connectEndpoints(account: string | undefined): Promise<unknown>;
}

/** Names as the core takes them: one per line. A name holding a newline is refused by name. */
function lines(errors: Errors, names: readonly string[] | undefined): string {
  if (names === undefined) return "";
  if (!Array.isArray(names)) throw errors.make("invalid_param", "must be an array of names", "events");
  names.forEach((n, i) => {
    if (typeof n !== "string" || n.includes("\n") || n === "") throw errors.make("invalid_param", `\`${String(n)}\` is not a name`, `events[${i}]`);
  });
  return names.join("\n");
}

type IoModule = typeof import("socket.io-client");
let ioModule: Promise<IoModule> | undefined;
/**
 * socket.io-client, loaded once, on the first subscription. Not installed (Node: it is an optional
 * peer dependency) is a CrispError that says what to run, never a raw ERR_MODULE_NOT_FOUND.
 */
export function loadIo(errorClass: ErrorClass): Promise<unknown> {
  ioModule ??= import("socket.io-client").catch((error: unknown) => {
    ioModule = undefined; // installed later: the next call finds it
    if (!isMissingPackage(error, "socket.io-client")) throw error;
    throw new Errors(errorClass).make(
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
  readonly #errors: Errors;

  constructor(host: EventsHost, options: EventsOptions<N> = {}) {
    this.#host = host;
    this.#options = options;
    this.#errors = new Errors(host.CrispError);
    const sub = parse<{ ok: true; events: string[] } | { ok: false; error: ErrorInfo }>(
      host.binding.rtmSubscription(lines(this.#errors, options.events)),
    );
    if (!sub.ok) throw this.#errors.of(sub.error);
    this.#events = sub.events;
    const defaults = parse<{ reconnect: Required<ReconnectOptions> }>(host.binding.rtmCatalog()).reconnect;
    this.#reconnect = { ...defaults, ...options.reconnect };
    // Checked now, so that a bad policy throws here rather than at the first drop.
    const check = this.#errors.refusal(host.binding.rtmReconnectDelay(this.#reconnect.baseDelayMs, this.#reconnect.maxDelayMs, this.#reconnect.randomization, 1, 0));
    if (check) throw check;
    // Checked now too: an unknown account, or an `endpoint` in clear text off this machine, throws
    // before anything is sent.
    const auth = this.#errors.refusal(this.#authentication());
    if (auth) throw auth;
    if (options.endpoint !== undefined) {
      const endpoint = this.#errors.refusal(host.binding.rtmEndpoint(typeof options.endpoint === "string" ? options.endpoint : "", false));
      if (endpoint) throw endpoint;
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const off = this.onStatus((s) => {
        if (s.type === "connected") resolve();
        else if (s.type === "error" || s.type === "closed") reject(s.type === "error" ? s.error : this.#errors.make("closed", "the subscription was closed"));
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
      throw this.#errors.make("invalid_param", `\`${name}\` is not in this subscription's events (${this.#events.length} subscribed)`, "name");
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
    if (now - this.#lastRebind < minRebindMs) throw this.#errors.make("rate_limited", `socket:bind was sent less than ${minRebindMs} ms ago`);
    if (!this.#socket?.connected) throw this.#errors.make("not_connected", "the socket is not connected");
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

  /**
   * The `authentication` message JSON text (`{"ok":true,"message"}` or the refusal), from the tier
   * and token of the client's own header set for the account, not from its configuration read
   * again; empty for an account it does not have, which the core's refusal then names.
   */
  #authentication(): string {
    const account = this.#options.account;
    let h: Record<string, string> = {};
    try {
      h = this.#host.headers(account);
    } catch {
      // No such account: refused below, naming it.
    }
    const rooms = lines(this.#errors, this.#options.rooms);
    return this.#host.binding.rtmAuthentication(account ?? null, h["X-Crisp-Tier"] ?? "", h.Authorization ?? "", this.#events.join("\n"), rooms);
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
    let url: { origin: string; path: string };
    const io = this.#host.io as IoModule;
    try {
      let endpoint = this.#options.endpoint;
      if (!endpoint) {
        const data = (await this.#host.connectEndpoints(this.#options.account)) as { socket?: { app?: unknown } } | null;
        if (typeof data?.socket?.app !== "string") throw this.#errors.make("invalid_response", "GET connect/endpoints gave no `socket.app`");
        endpoint = data.socket.app;
      }
      // crisp-core decides where the socket may go: wss/https, or ws/http on a loopback host only
      // (the authentication message carries the key).
      const checked = parse<{ ok: true; origin: string; path: string } | { ok: false; error: ErrorInfo }>(
        this.#host.binding.rtmEndpoint(endpoint, endpoint !== this.#options.endpoint),
      );
      if (!checked.ok) throw this.#errors.of(checked.error);
      url = checked;
    } catch (error) {
      return this.#fail(error instanceof this.#host.CrispError ? error : this.#errors.make("network", String((error as Error)?.message ?? error)));
    }
    if (this.#closed) return;
    // Reconnection is crisp-core's decision (below), not socket.io-client's.
    const socket = io.io(url.origin, { path: url.path, transports: ["websocket"], reconnection: false, timeout: 10_000 });
    this.#socket = socket;
    socket.on("connect", () => {
      const auth = parse<{ ok: true; message: unknown } | { ok: false; error: ErrorInfo }>(this.#authentication());
      if (!auth.ok) return this.#fail(this.#errors.of(auth.error));
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
      this.#fail(this.#errors.make("unauthorized", "Crisp refused the socket's authentication (check the token and its tier)"));
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
