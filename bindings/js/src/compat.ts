// crisp-kit/compat: the REST surface of the official Node client (`crisp-api` 11.3.0), so an app
// switches by changing one import. Same method names and argument order; the requests go through
// crisp-core, so path segments are percent-encoded (the official client inserts ids raw) and bad
// ids are refused before anything is sent, query flags go as 1/0 (the official client sends
// `String(value)`, so `true`), and JSON objects are written with sorted keys. Rejections keep the official shape
// `{ reason: "error", message, code, data }` and are also `CrispError`s.
import { ERROR_CODE_INFO } from "./generated/catalog.generated.js";
import { COMPAT_METHODS } from "./generated/compat.generated.js";
import type { BucketService, MediaService, PlanService, PluginService, WebsiteService } from "./generated/compat.generated.js";
// From the package entry, so one addon and one CrispError class serve both entries.
import { Crisp as Client, type CrispOptions, CrispError, type FetchLike, type Tier, verifyHook } from "./index.js";
import type { EventSubscription, EventsOptions } from "./events/index.js";
import type { CrispEventName } from "./generated/types.generated.js";

export type { BucketService, MediaService, PlanService, PluginService, WebsiteService };

const DEFAULT_HOST = "https://api.crisp.chat";
const BASE_PATH = "/v1/";

/**
 * A `CrispError` in the official client's rejection shape: `reason` is `"error"`, `message` the
 * Crisp reason (or `route_error`/`server_error`/`http_error`/`internal_error`), `code` the HTTP
 * status (500 when no answer came), `data` `{ namespace, message }`. The typed error is `cause`.
 */
export interface CompatError extends Omit<CrispError, "code" | "reason" | "data"> {
  reason: "error";
  message: string;
  code: number;
  data: { namespace: "request" | "response"; message: string };
  cause: CrispError;
}

function toCompatError(error: CrispError): CompatError {
  const noAnswer = ERROR_CODE_INFO[error.code]?.sent === "maybe";
  const message = noAnswer ? "internal_error" : (error.reason ?? error.code);
  const compat = Object.create(CrispError.prototype) as CompatError;
  Object.assign(compat, error, {
    reason: "error",
    message,
    code: error.status ?? 500,
    data: {
      namespace: noAnswer || error.status === null ? "request" : "response",
      message: noAnswer
        ? `Got request error: ${error.message}`
        : `Got response error: ${error.explanation || message}`,
    },
    cause: error,
    stack: error.stack,
  });
  return compat;
}

/** crisp-api's RTM modes. */
export const RTM_MODES = { WebSockets: "websockets", WebHooks: "webhooks" } as const;
type RtmMode = (typeof RTM_MODES)[keyof typeof RTM_MODES];
const MODES: readonly string[] = Object.values(RTM_MODES);
// crisp-api's socket settings, kept so a bot behaves the same after switching.
const RECONNECT = { baseDelayMs: 5_000, maxDelayMs: 10_000, randomization: 0.75 };
const BROKER_SCHEDULE_MS = 500;
const REBIND_MIN_MS = 2_500;

type Listener = (data: unknown) => void;

/** The official client's constructor: REST and real-time events (RTM socket or web hooks). */
export class Crisp {
  /** crisp-api's `Crisp.RTM_MODES`. */
  static readonly RTM_MODES = RTM_MODES;

  readonly website = {} as WebsiteService;
  readonly plugin = {} as PluginService;
  readonly plan = {} as PlanService;
  readonly bucket = {} as BucketService;
  readonly media = {} as MediaService;

  auth: { tier: Tier; identifier: string | null; key: string | null } = { tier: "user", identifier: null, key: null };
  #host = DEFAULT_HOST;
  #headers: Record<string, string> = {};
  #client: Client | undefined;
  #options: Omit<CrispOptions, "identifier" | "key" | "tier" | "baseUrl">;
  #rtmHost = "";
  #rtmMode: RtmMode = "websockets";
  readonly #listeners = new Map<string, Listener[]>();
  readonly #bound = new Set<string>();
  #scheduled: Promise<void> | undefined;
  #socket: EventSubscription | undefined;
  #loopback = false;
  #lastRebind: number | null = null;

  /** `options` are crisp-kit's extras (`fetch`, `timeoutMs`, `retry`, `readOnly`); all optional. */
  constructor(options: Omit<CrispOptions, "identifier" | "key" | "tier" | "baseUrl" | "accounts" | "websiteId"> = {}) {
    this.#options = options;
    for (const [service, methods] of Object.entries(COMPAT_METHODS)) {
      const target = this[service as keyof Pick<Crisp, "website">] as unknown as Record<string, unknown>;
      for (const [name, [endpoint, roles]] of Object.entries(methods)) {
        target[name] = (...args: unknown[]) => this.#invoke(endpoint, roles, args);
      }
    }
  }

  /** Sets the token, keeping the tier. */
  authenticate(identifier: string, key: string): void {
    this.auth.identifier = identifier;
    this.auth.key = key;
    this.#client = undefined;
  }

  /** Sets the tier and the token. */
  authenticateTier(tier: Tier, identifier: string, key: string): void {
    this.setTier(tier);
    this.authenticate(identifier, key);
  }

  /** Sets the tier: `user`, `website` or `plugin`. */
  setTier(tier: Tier): void {
    this.auth.tier = tier;
    this.#client = undefined;
  }

  /** Points the client at another host, e.g. `http://127.0.0.1:8787` (the `/v1/` path is kept). */
  setRestHost(host: string): void {
    if (typeof host !== "string" || !/^https?:\/\//.test(host)) {
      throw new Error("[Crisp] setRestHost: parameter host should be a string starting with http:// or https://");
    }
    this.#host = host.replace(/\/+$/, "");
    this.#client = undefined;
  }

  /** Extra headers sent with every request (they cannot replace Authorization or X-Crisp-Tier). */
  setCustomHeaders(headers: Record<string, string>): void {
    this.#headers = { ...headers };
    this.#client = undefined;
  }

  /** Sets the RTM socket URL, skipping discovery through `connect/endpoints`. */
  setRtmHost(host: string): void {
    if (typeof host !== "string") throw new Error("[Crisp] setRtmHost: parameter host should be a string");
    this.#rtmHost = host;
  }

  /** `Crisp.RTM_MODES.WebSockets` (the default) or `Crisp.RTM_MODES.WebHooks`. */
  setRtmMode(mode: RtmMode): void {
    if (!MODES.includes(mode)) {
      throw new Error(`[Crisp] setRtmMode: parameter mode value should be one of: ${MODES.join(", ")}`);
    }
    this.#rtmMode = mode;
  }

  /**
   * Listens to a real-time event. As crisp-api: every `on` must come before the connector is bound
   * (500 ms after the first one), the name must be in crisp-api's list, and the promise resolves
   * once the socket (or the web hook loopback) is set up.
   */
  on(event: string, callback: Listener): Promise<unknown> {
    if (typeof event !== "string") throw new Error("[Crisp] on: parameter event should be a string");
    if (typeof callback !== "function") throw new Error("[Crisp] on: parameter callback should be a function");
    if (!(Client.eventCatalog().defaultEvents as readonly string[]).includes(event)) {
      throw new Error(`[Crisp] on: parameter event value is not recognized: '${event}'`);
    }
    if (this.#socket || this.#loopback) {
      throw new Error(`[Crisp] on: connector is already bound, please listen to event earlier on: '${event}'`);
    }
    const list = this.#listeners.get(event) ?? [];
    list.push(callback);
    this.#listeners.set(event, list);
    if (this.#bound.has(event)) return Promise.resolve();
    this.#bound.add(event);
    if (this.#scheduled) return Promise.resolve(true);
    const mode = this.#rtmMode;
    this.#scheduled = new Promise<void>((resolve) => setTimeout(resolve, BROKER_SCHEDULE_MS)).then(() =>
      mode === "webhooks" ? this.#connectLoopback() : this.#connectSocket(),
    );
    return this.#scheduled;
  }

  /**
   * Dispatches a received web hook body (parsed JSON) to the `on` handlers (Web Hooks mode).
   * Returns an `Error` for a bad payload or before the loopback is bound, else `null`, as crisp-api.
   * Check the signature first: `verifyHook`, or better `crisp-kit`'s `crisp.hooks`, which checks the
   * raw bytes and the timestamp's age and refuses replays.
   */
  receiveHook(body: unknown): Error | null {
    if (!this.#loopback) return new Error("[Crisp] receiveHook: hook loopback not bound");
    if (!body || typeof body !== "object") return new Error("[Crisp] receiveHook: empty hook payload");
    const { event, data } = body as { event?: unknown; data?: unknown };
    if (!event || !data || typeof event !== "string" || typeof data !== "object") {
      return new Error("[Crisp] receiveHook: malformatted hook payload");
    }
    if (!this.#bound.has(event)) return null;
    queueMicrotask(() => this.#emit(event, data));
    return null;
  }

  /**
   * Whether a web hook's signature is valid (Web Hooks mode; `false` before the loopback is bound).
   * As crisp-api, it signs `JSON.stringify(body)`; the comparison is constant-time.
   */
  verifyHook(secret: string, body: unknown, timestamp: number | string, signature: string): boolean {
    return this.#loopback ? verifySignature(secret, body, timestamp, signature) : false;
  }

  /** Whether a widget's signature is valid (the same check, in any mode). */
  verifyWidget(secret: string, body: unknown, timestamp: number | string, signature: string): boolean {
    return verifySignature(secret, body, timestamp, signature);
  }

  /** Asks Crisp to rebind the socket (after a plugin is installed on a new website); at most every 2.5 s. */
  rebindSocket(): Promise<void> {
    if (!this.#socket) throw new Error("[Crisp] rebindSocket: cannot rebind a socket that is not yet bound");
    const now = Date.now();
    if (this.#lastRebind !== null && now - this.#lastRebind < REBIND_MIN_MS) {
      throw new Error("[Crisp] rebindSocket: cannot rebind, last rebind was requested too recently");
    }
    return Promise.resolve().then(() => {
      this.#lastRebind = now;
      this.#socket!.rebind();
    });
  }

  /** Not in crisp-api (whose socket stays open for the process's life): closes the RTM socket. */
  close(): void {
    this.#socket?.close();
  }

  #emit(event: string, data: unknown): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(data);
  }

  async #connectLoopback(): Promise<void> {
    this.#loopback = true;
  }

  async #connectSocket(): Promise<void> {
    const options: EventsOptions = { events: [...this.#bound] as CrispEventName[], reconnect: RECONNECT };
    if (this.#rtmHost) options.endpoint = this.#rtmHost;
    const socket = await this.#clientFor().events(options);
    this.#socket = socket;
    socket.onStatus((status) => {
      if (status.type === "error") {
        // As crisp-api: a refused token is thrown where nobody can catch it.
        const message =
          status.error.code === "unauthorized"
            ? "[Crisp] connectSocket: cannot listen for events as authentication is invalid"
            : `[Crisp] connectSocket: ${status.error.message}`;
        queueMicrotask(() => {
          throw new Error(message);
        });
      }
    });
    for (const event of this.#bound) socket.on(event as never, (data) => this.#emit(event, data));
  }

  #clientFor(): Client {
    if (this.#client) return this.#client;
    const custom = this.#headers;
    const base = this.#options.fetch ?? (globalThis.fetch as FetchLike);
    const fetchWithHeaders: FetchLike = (url, init) =>
      base(url, { ...init, headers: { ...custom, ...init.headers } });
    const options: CrispOptions = {
      ...this.#options,
      tier: this.auth.tier,
      baseUrl: `${this.#host}${BASE_PATH}`,
      fetch: fetchWithHeaders,
    };
    if (this.auth.identifier !== null) options.identifier = this.auth.identifier;
    if (this.auth.key !== null) options.key = this.auth.key;
    this.#client = new Client(options);
    return this.#client;
  }

  async #invoke(endpoint: string, roles: readonly string[], args: unknown[]): Promise<unknown> {
    const params: Record<string, unknown> = {};
    const query: Record<string, unknown> = {};
    let body: Record<string, unknown> | undefined;
    roles.forEach((role, i) => {
      const value = args[i];
      const [kind, name = ""] = role.split(":");
      if (kind === "p") {
        if (value !== undefined) params[name] = value;
      } else if (kind === "q") {
        // The official client adds a query parameter only when the argument is truthy.
        if (value) query[name] = value;
      } else if (kind === "Q") {
        for (const [k, v] of Object.entries((value as Record<string, unknown>) ?? {})) if (v !== undefined && v !== null) query[k] = v;
      } else if (kind === "f") {
        body ??= {};
        if (value !== undefined) body[name] = value;
      } else if (kind === "b") {
        params.body = value ?? {};
      }
    });
    if (body) params.body = body;
    if (Object.keys(query).length > 0) params.query = query;
    try {
      const data = await this.#clientFor().call(endpoint as never, params as never);
      if (typeof data === "boolean") {
        // HEAD checks: the official client resolves on 2xx and rejects a 404 as `route_error`.
        if (data) return {};
        throw toCompatError(
          new CrispError({
            code: "not_found", message: `${endpoint}: Crisp answered 404 \`route_error\``, endpoint, param: null,
            status: 404, reason: "route_error", explanation: null, retryable: false, retryAfterMs: null, bloomStatus: null, data: null,
          }),
        );
      }
      return data ?? {};
    } catch (error) {
      if (error instanceof CrispError && typeof error.code === "string") throw toCompatError(error);
      throw error;
    }
  }
}

function verifySignature(secret: string, body: unknown, timestamp: number | string, signature: string): boolean {
  if (!secret || !signature || !body || typeof body !== "object" || !timestamp || Number.isNaN(Number(timestamp))) return false;
  return verifyHook(secret, String(timestamp), JSON.stringify(body), signature);
}

export default Crisp;
