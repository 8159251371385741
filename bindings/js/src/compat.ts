// crisp-kit/compat: the REST surface of the official Node client (`crisp-api` 11.3.0), so an app
// switches by changing one import. Same method names and argument order; the requests go through
// crisp-core, so path segments are percent-encoded (the official client inserts ids raw) and bad
// ids are refused before anything is sent, query flags go as 1/0 (the official client sends
// `String(value)`, so `true`), and JSON objects are written with sorted keys. Rejections keep the official shape
// `{ reason: "error", message, code, data }` and are also `CrispError`s.
import { COMPAT_METHODS } from "./compat.generated.js";
import type { BucketService, MediaService, PlanService, PluginService, WebsiteService } from "./compat.generated.js";
// From the package entry, so one addon and one CrispError class serve both entries.
import { Crisp as Client, type CrispOptions, CrispError, type FetchLike, type Tier } from "./index.js";

export type { BucketService, MediaService, PlanService, PluginService, WebsiteService };

const DEFAULT_HOST = "https://api.crisp.chat";
const BASE_PATH = "/v1/";
const NO_ANSWER = new Set(["network", "timeout", "aborted"]);

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
  const noAnswer = NO_ANSWER.has(error.code);
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

/** The official client's constructor, REST part. Real-time events (`on`) are not supported yet. */
export class Crisp {
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

  /** Real-time events (Socket.IO and web hook loopback) are not part of crisp-kit yet. */
  on(event: string): Promise<never> {
    return Promise.reject(
      new Error(`[Crisp] on: real-time events are not supported by crisp-kit yet (event '${event}'); use the REST methods, or the official client for sockets`),
    );
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

export default Crisp;
