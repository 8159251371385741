// The gateway's HTTP surface: the seed's REST proxy (`POST /api/crisp/<endpoint>`, `GET
// /_endpoints`), MCP over streamable HTTP at /mcp, /healthz and /metrics. node:http only: the MCP
// SDK's Node transport takes node:http's request and response as they are.
import { appendFileSync } from "node:fs";
import http from "node:http";
import { AsyncLocalStorage } from "node:async_hooks";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type AccountInfo, Crisp, CrispError, type CrispOptions, type EndpointInfo } from "../index.js";
import { ERROR_CODE_INFO } from "../generated/catalog.generated.js";
import { nearest } from "../internal/suggest.js";
import { packageVersion } from "../internal/version.js";
import { type AccountContext, paramsSchema } from "../mcp/schemas.js";
import type { McpSettings } from "../mcp/settings.js";
import { capabilitiesOf, registerExtras } from "../mcp/extras.js";
import { carriesToolCall, ClientLog, LogLevels } from "../mcp/logging.js";
import { CrispTools, redactor } from "../mcp/tools.js";
import { type McpVariant, mcpVariant } from "./mcp-paths.js";
import type { KeyRecord, KeyRing } from "./keys.js";
import { keyOptions, refusal, restricted, shownToEveryKey, shows, visibleAccounts } from "./policy.js";
import type { Sdk } from "../mcp/sdk.js";
import type { Limiter } from "./limiter.js";
import type { Metrics } from "./metrics.js";
import { OAUTH_PATHS, OAuthServer } from "./oauth/index.js";
import { OriginGuard } from "./origin.js";

/** The MCP SDK's parts the gateway uses, loaded lazily by the caller (an optional peer). */
export type HttpSdk = Sdk<typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js")>;

export interface GatewaySettings {
  allowWrites: boolean;
  /** The MCP layout and limits, as `crisp-kit mcp` takes them. */
  mcp: McpSettings;
  /** Calls in flight per gateway key, unless the key sets its own. */
  keyConcurrency: number;
  /** The largest request body, in bytes. */
  maxBody: number;
  /** Calls waiting for their turn per gateway key, beyond which a call gets 429 `queue_full`. */
  maxQueue: number;
  /** The most time a client has to send a whole request (its headers: at most 10 s of it), in ms. */
  requestTimeoutMs: number;
  /** Where write audit lines go: a file path, or "-" for stderr. */
  audit: string;
  /** The SDK, or null when it is not installed (then /mcp says so and REST still works). */
  sdk: HttpSdk | null;
  sdkMissing: string;
  /** `--public-url`: the base URL callers reach the gateway at (behind a TLS proxy), or null: the bound address. */
  publicUrl: URL | null;
  /** `--allow-origin`: web apps allowed to call the gateway from a browser (answered with CORS). */
  allowOrigins: string[];
  /** OAuth 2.1 for /mcp (oauth/): null when off (`--no-oauth`, no SDK, or no usable public URL). */
  oauth: OAuthServer | null;
}

/** Crisp's `Retry-After` waits longer than this are not waited out by the gateway (the caller gets 429). */
const MAX_RETRY_AFTER_MS = 10_000;

interface Caller {
  key: KeyRecord;
}

const callerContext = new AsyncLocalStorage<Caller>();

type Json = Record<string, unknown>;


/** A refusal the gateway makes itself (before or instead of Crisp). */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The client went away before its request was read whole: there is nobody to answer. */
class ClientGone extends Error {}

/** A FIFO semaphore: one per gateway key. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(
    readonly size: number,
    readonly maxWaiting: number,
    readonly metrics: Metrics,
  ) {
    this.#free = size;
  }
  async run<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    if (this.#free > 0) this.#free--;
    else if (this.#waiting.length >= this.maxWaiting) {
      throw new Refusal(429, "queue_full", `this key has ${this.size} calls in flight and ${this.#waiting.length} waiting (--max-queue): nothing was sent; retry later`, null, { "retry-after": "1" });
    } else {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.#waiting.indexOf(go);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal?.reason ?? new Error("aborted"));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiting.push(go);
      });
    }
    this.metrics.queueWait.observe({ stage: "key" }, (performance.now() - started) / 1000);
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** The HTTP status a gateway answer carries for a crisp-kit error: the catalog's relay status
 * for the code, else Crisp's own (an answer outside 4xx/5xx is a bad gateway). */
export function statusOf(e: CrispError): number {
  const status = ERROR_CODE_INFO[e.code]?.relayStatus ?? e.status;
  return status !== null && status >= 400 && status <= 599 ? status : 502;
}

/** The route name of an endpoint id: `get_conversation` is served at /api/crisp/get/conversation. */
export function routeOf(id: string): string {
  return `/api/crisp/${id.replace(/_/g, "/")}`;
}

export class Gateway {
  readonly #catalog: EndpointInfo[];
  readonly #byId: Map<string, EndpointInfo>;
  readonly #crisp: Crisp;
  /** Builds requests for audit lines (never sends; not read-only, so that a write's path shows). */
  readonly #planner: Crisp;
  readonly #accounts: AccountInfo[];
  readonly #defaultAccount: string | null;
  readonly #readTools: CrispTools;
  readonly #writeTools: CrispTools | null;
  /** The tools of the other MCP paths (/mcp/readonly, /mcp/x/...), built on first use, per scope. */
  readonly #slots = new Map<string, Slots>();
  /** The tools of keys with a restricted view (accounts, websites, endpoints), by what restricts them. */
  readonly #keyTools = new Map<string, CrispTools>();
  readonly #base: CrispOptions;
  readonly #endpointsJson: string;
  #guard: OriginGuard | null = null;
  /** The MCP log level each key's client set (logging/setLevel), and the redactor of its lines. */
  readonly #logLevels = new LogLevels();
  readonly #logRedact: (text: string) => string;
  readonly server: http.Server;

  constructor(
    options: CrispOptions,
    readonly settings: GatewaySettings,
    readonly keys: KeyRing,
    readonly limiter: Limiter,
    readonly metrics: Metrics,
    readonly log: (line: string) => void,
  ) {
    this.#catalog = Crisp.endpoints();
    this.#byId = new Map(this.#catalog.map((e) => [e.id, e]));
    const retry = { maxRetryAfterMs: MAX_RETRY_AFTER_MS, ...options.retry };
    const base = { ...options, retry, transport: limiter, ...(settings.mcp.account ? { defaultAccount: settings.mcp.account } : {}) };
    // Read-only twice over, as the stdio server: refused here first, and by the client itself.
    this.#crisp = new Crisp({ ...base, readOnly: !settings.allowWrites });
    this.#planner = new Crisp({ ...base, transport: undefined, fetch: () => Promise.reject(new Error("the planner never sends")) });
    this.#accounts = this.#crisp.listAccounts();
    this.#defaultAccount = this.#accounts.find((a) => a.default)?.id ?? null;
    this.#base = base;
    const hooks = { around: this.#around.bind(this), shows: shownToEveryKey };
    this.#readTools = new CrispTools(base, { ...settings.mcp, allowWrites: false }, {
      ...hooks,
      writeRefusal: settings.allowWrites
        ? "This gateway key has the read scope: ask for a key with the write scope."
        : "This gateway runs read-only (without --allow-writes).",
    });
    this.#writeTools = settings.allowWrites ? new CrispTools(base, { ...settings.mcp, allowWrites: true }, hooks) : null;
    this.#endpointsJson = JSON.stringify(this.#describeCatalog());
    this.#logRedact = redactor(options);
    // A client has requestTimeoutMs to send a request, and its headers within 10 s of it (a
    // slow-loris client is cut); connections are checked for it every second.
    const requestTimeout = settings.requestTimeoutMs;
    this.server = http.createServer({ requestTimeout, headersTimeout: Math.min(10_000, requestTimeout), connectionsCheckingInterval: Math.min(1000, requestTimeout) }, (req, res) => {
      this.#handle(req, res).catch((e: unknown) => {
        if (e instanceof ClientGone) {
          this.metrics.refused.inc({ reason: "client_gone" });
          return void res.destroy();
        }
        this.log(`internal error on ${req.method} ${req.url?.split("?")[0]}: ${(e as Error)?.message ?? e}`);
        if (!res.headersSent) this.#json(res, 500, { ok: false, error: { code: "internal", status: 500, reason: null, param: null, message: "internal error" } });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  get accounts(): AccountInfo[] {
    return this.#accounts;
  }

  get toolCount(): number {
    return (this.#writeTools ?? this.#readTools).tools.length;
  }

  #describeCatalog(): Json {
    // The catalog is public: its schemas name no account and no website, and say only whether
    // `websiteID` may be left out (some account has a default website).
    const defaults = this.#accounts.some((a) => a.websiteId !== null);
    const anonymous: AccountContext = { ids: [], websites: defaults ? { "": "" } : {}, anonymous: true };
    return {
      ok: true,
      count: this.#catalog.length,
      request: "POST the route with a JSON body {account?, websiteID?, <path params>, query?, body?}; query and body may be objects or JSON text.",
      writes_allowed: this.settings.allowWrites,
      endpoints: this.#catalog.map((e) => {
        // The params as the MCP tools describe them: one description of each endpoint's params.
        const schema = paramsSchema(e, anonymous) as { required?: string[]; properties?: Record<string, { type?: unknown }> };
        const required = new Set(schema.required ?? []);
        return {
          id: e.id,
          route: routeOf(e.id),
          title: e.title,
          method: e.method,
          path: e.path,
          access: e.write ? "write" : "read",
          group: e.group,
          deprecated: e.deprecated,
          paging: e.paging,
          params: [
            { name: "account", in: "gateway", type: "string", required: false },
            ...e.path_params.map((p) => ({ name: p, in: "path", type: schema.properties?.[p]?.type ?? "string", required: required.has(p) })),
            ...e.query_params.map((q) => ({ name: q.name, in: "query", type: q.type, required: q.required })),
            ...(e.body ? [{ name: "body", in: "body", type: "object", required: required.has("body"), fields: e.body === "fields" ? e.body_fields : null }] : []),
          ],
          params_schema: schema,
        };
      }),
    };
  }

  // -------------------------------------------------------------------------------------------

  #json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers });
    res.end(text);
  }

  #refuse(res: http.ServerResponse, r: Refusal, endpoint: string | null = null): void {
    this.metrics.refused.inc({ reason: r.code });
    this.#json(res, r.status, { ok: false, ...(endpoint ? { endpoint } : {}), error: { code: r.code, status: r.status, reason: null, param: r.param, message: r.message } }, r.headers);
  }

  #authenticate(req: http.IncomingMessage): KeyRecord {
    const key = this.keys.check(req.headers.authorization);
    if (!key) {
      if (OAuthServer.looksLikeToken(req.headers.authorization)) {
        // An OAuth token's audience is /mcp (RFC 8707): the REST proxy and /metrics take gateway keys.
        throw new Refusal(401, "unauthorized", "OAuth access tokens are for /mcp only: the REST proxy and /metrics take gateway keys (`Authorization: Bearer ckg_...`)", null, {
          "www-authenticate": 'Bearer realm="crisp-kit", error="invalid_token"',
        });
      }
      const given = req.headers.authorization ? "an unknown key" : "no key";
      throw new Refusal(401, "unauthorized", `this gateway needs \`Authorization: Bearer <key>\` (got ${given})`, null, { "www-authenticate": 'Bearer realm="crisp-kit"' });
    }
    return key;
  }

  /** The caller of /mcp: an OAuth access token (when OAuth is on), else a gateway key. */
  async #mcpCaller(req: http.IncomingMessage): Promise<KeyRecord> {
    const oauth = this.settings.oauth;
    if (!oauth) return this.#authenticate(req);
    const header = req.headers.authorization;
    const result = await oauth.authenticate(header);
    if (result && "caller" in result) return result.caller;
    if (result) throw new Refusal(result.status, result.error, result.description, null, { "www-authenticate": oauth.challenge(result.error, result.description) });
    const key = this.keys.check(header);
    if (key) return key;
    // RFC 6750 3.1: no error code when no credentials were sent; the challenge tells a client where to authorize.
    throw new Refusal(401, header ? "invalid_token" : "unauthorized", `this gateway needs \`Authorization: Bearer <key or OAuth access token>\` (got ${header ? "an unknown key" : "no key"})`, null, {
      "www-authenticate": oauth.challenge(header ? "invalid_token" : null),
    });
  }

  /**
   * Reads the request body, up to `maxBody` bytes: a declared `Content-Length` over it is refused
   * before a byte is read, and a body that grows past it is not read further (the answer says
   * `connection: close` and the socket is closed after it).
   */
  async #body(req: http.IncomingMessage, res: http.ServerResponse): Promise<string> {
    const max = this.settings.maxBody;
    const tooLarge = () => {
      res.shouldKeepAlive = false;
      res.once("finish", () => req.socket.destroySoon());
      return new Refusal(413, "payload_too_large", `the request body is larger than ${max} bytes (--max-body)`, "body", { connection: "close" });
    };
    // node:http has checked that Content-Length is digits (and not beside chunked encoding).
    if (Number(req.headers["content-length"] ?? 0) > max) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    const over = await new Promise<boolean>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= max) return void chunks.push(chunk);
        req.off("data", onData);
        req.pause();
        chunks.length = 0;
        resolve(true);
      };
      req.on("data", onData);
      req.once("end", () => resolve(false));
      req.once("error", () => reject(new ClientGone()));
      req.once("close", () => (req.complete ? resolve(false) : reject(new ClientGone())));
    });
    if (over) throw tooLarge();
    return Buffer.concat(chunks).toString("utf8");
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    try {
      if (path === "/healthz") {
        if (req.method !== "GET" && req.method !== "HEAD") throw new Refusal(405, "method_not_allowed", "GET /healthz", null, { allow: "GET, HEAD" });
        return this.#json(res, 200, { ok: true, version: packageVersion() });
      }
      // Host and Origin first: before a key is looked at, before anything reaches Crisp.
      const guard = this.#originGuard();
      const refusal = guard.check(req);
      if (refusal) throw new Refusal(refusal.status, refusal.code, refusal.message);
      if (guard.cors(req, res, path)) return;
      if (path === "/_endpoints" || path === "/api/crisp/_endpoints" || path === "/api/crisp/_endpoints/") {
        // The catalog is public (it is docs/ENDPOINTS.md): no key needed to discover it.
        if (req.method !== "GET" && req.method !== "HEAD") throw new Refusal(405, "method_not_allowed", "GET /_endpoints", null, { allow: "GET, HEAD" });
        res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
        return void res.end(this.#endpointsJson);
      }
      if (path === "/metrics") {
        // The metrics name every account (their labels): not for a key limited to some.
        if (this.#authenticate(req).accounts !== null) {
          throw new Refusal(403, "forbidden", "GET /metrics names every account: it needs a key that is not limited to some accounts");
        }
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
        return void res.end(this.metrics.render());
      }
      const oauth = this.settings.oauth;
      if (oauth && OAUTH_PATHS.has(path)) return oauth.handle(req, res);
      if ((path === "/mcp" || path.startsWith("/mcp/") || path.startsWith("/api/crisp/")) && OAuthServer.queryToken(req.url)) {
        // Never in the query string (RFC 9700 2.4): URLs end up in logs and Referer headers.
        throw new Refusal(400, "invalid_request", "an access token in the URL's query is never accepted: send `Authorization: Bearer <token>`", "access_token");
      }
      let variant: McpVariant | null;
      try {
        variant = path === "/mcp" || path === "/mcp/" ? null : mcpVariant(path, this.settings.mcp);
      } catch (e) {
        throw new Refusal(404, "not_found", (e as Error).message);
      }
      // The narrower paths take the same credentials as /mcp: a static key, or an OAuth token for /mcp.
      if (path === "/mcp" || path === "/mcp/" || variant) return await this.#mcp(req, res, await this.#mcpCaller(req), variant);
      if (path.startsWith("/api/crisp/")) return await this.#rest(req, res, path, this.#authenticate(req));
      throw new Refusal(404, "not_found", `no route ${path}: the gateway serves POST /api/crisp/<endpoint>, GET /_endpoints, /mcp, GET /healthz, GET /metrics`);
    } catch (e) {
      if (e instanceof Refusal) return this.#refuse(res, e);
      throw e;
    }
  }

  /** The Host and Origin checks, for the address and port the server listens on. */
  #originGuard(): OriginGuard {
    if (!this.#guard) {
      const a = this.server.address();
      if (a === null || typeof a === "string") throw new Error("the gateway listens on a TCP port");
      this.#guard = new OriginGuard(a.address, a.port, this.settings);
    }
    return this.#guard;
  }

  /** The origins browsers may call from (the gateway's own, --public-url's, --allow-origin's). */
  get allowedOrigins(): string[] {
    return this.#originGuard().allowed;
  }

  // -------------------------------------------------------------------------------------------
  // REST: the seed's proxy shape.

  #endpointOf(path: string): EndpointInfo {
    const name = decodeURIComponent(path.slice("/api/crisp/".length)).replace(/\/+$/, "");
    const id = name.replace(/\//g, "_");
    const e = this.#byId.get(id);
    if (e) return e;
    const near = nearest(id, [...this.#byId.keys()]);
    throw new Refusal(
      404,
      "unknown_endpoint",
      `unknown endpoint \`${id}\`${near.length ? ` (did you mean ${near.map(routeOf).join(", ")}?)` : ""}; GET /_endpoints lists them`,
    );
  }

  async #rest(req: http.IncomingMessage, res: http.ServerResponse, path: string, key: KeyRecord): Promise<void> {
    let endpoint: EndpointInfo;
    try {
      endpoint = this.#endpointOf(path);
    } catch (e) {
      if (e instanceof URIError) throw new Refusal(400, "bad_path", `the path ${path} is not valid percent-encoding`);
      throw e;
    }
    const id = endpoint.id;
    const fail = (r: Refusal) => {
      this.metrics.calls.inc({ surface: "rest", endpoint: id, status: String(r.status) });
      this.#refuse(res, r, id);
    };
    if (req.method !== "POST") return fail(new Refusal(405, "method_not_allowed", `${id}: POST ${routeOf(id)} with a JSON body`, null, { allow: "POST" }));
    let params: Json;
    try {
      params = this.#params(await this.#body(req, res));
    } catch (e) {
      if (e instanceof Refusal) return fail(new Refusal(e.status, e.code, `${id}: ${e.message}`, e.param, e.headers));
      throw e;
    }
    const account = params.account;
    delete params.account;
    if (account !== undefined && (typeof account !== "string" || account === "")) {
      return fail(new Refusal(400, "invalid_param", `${id}: \`account\` must be an account name (see list_accounts)`, "account"));
    }
    if (endpoint.write && !this.settings.allowWrites) {
      return fail(new Refusal(403, "read_only", `${id} writes (${endpoint.method} ${endpoint.path}) and this gateway runs read-only (without --allow-writes): nothing was sent`));
    }
    if (endpoint.write && key.scope !== "write") {
      return fail(new Refusal(403, "forbidden", `${id} writes (${endpoint.method} ${endpoint.path}) and the key \`${key.name}\` has the read scope: nothing was sent`));
    }
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort(new Error("the caller went away"));
    });
    try {
      const data = await callerContext.run({ key }, () =>
        this.#slotsOf(key).run(abort.signal, () => this.#around(endpoint, account as string | undefined, params, () => this.#call(endpoint, params, account as string | undefined, abort.signal), "rest")),
      );
      this.#json(res, 200, { ok: true, endpoint: id, data: data === undefined ? null : data });
    } catch (e) {
      if (e instanceof Refusal) return fail(e);
      // The caller left while waiting for its turn: there is nobody to answer.
      if (abort.signal.aborted && !(e instanceof CrispError)) return;
      if (!(e instanceof CrispError)) throw e;
      const status = statusOf(e);
      const headers: Record<string, string> = {};
      if (e.code === "rate_limited" && e.retryAfterMs !== null) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
      this.#json(
        res,
        status,
        { ok: false, endpoint: id, error: { code: e.code, status, reason: e.reason, param: e.param, message: e.message, crisp_status: e.status, retryable: e.retryable, data: e.data ?? null } },
        headers,
      );
    }
  }

  /** The JSON body as params: an object; `query` and `body` as objects or JSON text. */
  #params(text: string): Json {
    if (text.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Refusal(400, "invalid_json", `the request body is not JSON: ${(e as Error).message}`, "body");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Refusal(400, "invalid_json", "the request body must be a JSON object {account?, websiteID?, <path params>, query?, body?}", "body");
    }
    const params = parsed as Json;
    for (const k of ["query", "body"]) {
      const v = params[k];
      if (typeof v !== "string") continue;
      // The seed passes these as JSON text.
      try {
        params[k] = JSON.parse(v);
      } catch (e) {
        throw new Refusal(400, "invalid_param", `\`${k}\` is a string but not JSON: ${(e as Error).message}`, k);
      }
    }
    return params;
  }

  async #call(endpoint: EndpointInfo, params: Json, account: string | undefined, signal: AbortSignal): Promise<unknown> {
    const data = await this.#crisp.call(endpoint.id as never, params as never, { signal, ...(account ? { account } : {}) } as never);
    if (endpoint.id === "list_accounts") {
      const key = callerContext.getStore()?.key;
      if (key) return visibleAccounts(key, data as AccountInfo[]);
    }
    return data;
  }

  #slotsOf(key: KeyRecord): Slots {
    const size = key.concurrency ?? this.settings.keyConcurrency;
    let slots = this.#slots.get(key.name);
    if (!slots || slots.size !== size) this.#slots.set(key.name, (slots = new Slots(size, this.settings.maxQueue, this.metrics)));
    return slots;
  }

  /**
   * Every call to Crisp, REST or MCP: the key's accounts, the audit line for writes, the metrics.
   * (MCP calls come here through CrispTools' `around` hook.)
   */
  async #around<T>(
    endpoint: EndpointInfo,
    account: string | undefined,
    params: Readonly<Json>,
    run: () => Promise<T>,
    surface: "rest" | "mcp" = "mcp",
  ): Promise<T> {
    const key = callerContext.getStore()?.key;
    if (!key) throw new Error("no caller"); // every route sets one
    const accountName = account ?? this.#defaultAccount ?? "";
    const refused = refusal(key, endpoint, account, this.#defaultAccount ?? "", params, this.#accounts);
    if (refused) {
      this.metrics.calls.inc({ surface, endpoint: endpoint.id, status: "403" });
      throw new Refusal(403, "forbidden", refused.message, refused.param);
    }
    let status = 200;
    // Whether the request may have reached Crisp: all but crisp-core's refusals before sending.
    let sent = true;
    try {
      return await run();
    } catch (e) {
      status = e instanceof CrispError ? statusOf(e) : 500;
      if (e instanceof CrispError && ERROR_CODE_INFO[e.code]?.sent === "no") sent = false;
      throw e;
    } finally {
      this.metrics.calls.inc({ surface, endpoint: endpoint.id, status: String(status) });
      if (endpoint.write && sent) this.#audit(surface, key, accountName, endpoint, status, params);
    }
  }

  // The audit line of one write: never a key, never a body.
  #audit(surface: string, key: KeyRecord, account: string, endpoint: EndpointInfo, status: number, params: Readonly<Json>): void {
    const line = JSON.stringify({
      time: new Date().toISOString(),
      key: key.name,
      account,
      endpoint: endpoint.id,
      method: endpoint.method,
      path: this.#pathOf(endpoint, account, params),
      status,
      surface,
    });
    try {
      if (this.settings.audit === "-") process.stderr.write(`${line}\n`);
      else appendFileSync(this.settings.audit, `${line}\n`, { mode: 0o600 });
    } catch (e) {
      // The write happened at Crisp: failing the call now would invite a retry that repeats it.
      // The line is not lost: it goes to stderr, with the reason.
      this.metrics.auditFailures.inc();
      this.log(`audit write to ${this.settings.audit} failed (${(e as Error).message}); the line: ${line}`);
    }
  }

  /** The path the write was sent to (ids filled in, as Crisp saw it); null when the params were refused. */
  #pathOf(endpoint: EndpointInfo, account: string, params: Readonly<Json>): string | null {
    try {
      const built = this.#planner.buildRequest(endpoint.id as never, params as never, (account ? { account } : {}) as never);
      return new URL(built.url).pathname;
    } catch {
      return null;
    }
  }

  // -------------------------------------------------------------------------------------------
  // MCP over streamable HTTP, stateless: each POST gets a fresh SDK server over the shared tools
  // (built once per scope), so replicas need no session affinity.

  /** The tools for a key on an MCP path: a read key (or a read-only path) never gets a write tool. */
  /**
   * The tools a key sees on an MCP path: its scope (a read key is never offered a write tool), its
   * restrictions (accounts, websites, allowed and denied endpoints: a client that holds only what
   * the key may use) and the path's toolsets (/mcp/readonly, /mcp/x/...). Built once per distinct
   * combination and kept.
   */
  #toolsFor(key: KeyRecord, variant: McpVariant | null): CrispTools {
    const write = key.scope === "write" && this.#writeTools !== null && !variant?.readonly;
    const limited = restricted(key);
    if (!variant && !limited) return write && this.#writeTools ? this.#writeTools : this.#readTools;
    const id = JSON.stringify([write, variant?.id ?? null, limited ? [key.accounts, key.websites, key.allow, key.deny] : null]);
    let tools = this.#keyTools.get(id);
    if (!tools) {
      const view = limited ? keyOptions(this.#base, key, this.#defaultAccount) : null;
      const writeRefusal = variant?.readonly
        ? "This is a read-only MCP path: connect to the same path without /readonly, with a write key, for writes."
        : this.settings.allowWrites
          ? "This gateway key has the read scope: ask for a key with the write scope."
          : "This gateway runs read-only (without --allow-writes).";
      tools = new CrispTools(
        view?.options ?? this.#base,
        { ...this.settings.mcp, ...(variant ? { toolsets: variant.toolsets } : {}), allowWrites: write, ...(view ? { account: view.defaultAccount ?? undefined } : {}) },
        {
          around: this.#around.bind(this),
          shows: view ? (e) => shows(key, e) : shownToEveryKey,
          writeRefusal,
          ...(view && view.defaultAccount === null ? { noAccount: "this key may use none of this gateway's accounts: nothing was sent" } : {}),
        },
      );
      // Bounded: one entry per distinct restriction in the keys file (which the operator writes) and path.
      if (this.#keyTools.size >= 1000) this.#keyTools.clear();
      this.#keyTools.set(id, tools);
    }
    return tools;
  }


  /** Whether a JSON-RPC message calls a tool that writes, as a write key's tools on this path describe it. */
  #writesIn(message: unknown, variant: McpVariant | null): boolean {
    if (!this.#writeTools || variant?.readonly) return false;
    const tools = this.#toolsFor({ scope: "write" } as KeyRecord, variant);
    return (Array.isArray(message) ? message : [message]).some((m) => {
      const msg = m as { method?: unknown; params?: { name?: unknown; arguments?: unknown } } | null;
      if (msg?.method !== "tools/call" || typeof msg.params?.name !== "string") return false;
      const args = msg.params.arguments;
      return tools.writes(msg.params.name, typeof args === "object" && args !== null ? (args as Json) : {});
    });
  }

  async #mcp(req: http.IncomingMessage, res: http.ServerResponse, key: KeyRecord, variant: McpVariant | null = null): Promise<void> {
    const sdk = this.settings.sdk;
    if (!sdk) throw new Refusal(501, "mcp_unavailable", this.settings.sdkMissing);
    if (req.method !== "POST") {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      res.writeHead(405, { allow: "POST", "content-type": "application/json" });
      return void res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this MCP endpoint is stateless; POST JSON-RPC messages." }, id: null }));
    }
    const text = await this.#body(req, res);
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (e) {
      res.writeHead(400, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: `Parse error: ${(e as Error).message}` }, id: null }));
    }
    const oauth = this.settings.oauth;
    if (oauth && key.scope === "read" && this.settings.allowWrites && oauth.isGrantCaller(key) && this.#writesIn(message, variant)) {
      // A read grant calling a write tool: 403 with the scope that would do (the client may step up).
      this.metrics.refused.inc({ reason: "insufficient_scope" });
      return this.#json(res, 403, { error: "insufficient_scope", error_description: "this tool writes and the grant has the crisp.read scope: authorize again with a write key" }, {
        "www-authenticate": oauth.insufficientScope(),
      });
    }
    const tools = this.#toolsFor(key, variant);
    const server = new sdk.Server({ name: "crisp-kit", version: packageVersion() }, { capabilities: capabilitiesOf(tools), instructions: tools.instructions });
    // The level is the key's (stateless: kept per key between POSTs); mcp/logging.ts.
    const clientLog = new ClientLog(this.#logLevels, key.name, this.#logRedact, this.log);
    await clientLog.answerSetLevel(server);
    server.setRequestHandler(sdk.ListToolsRequestSchema, () => ({ tools: tools.tools }));
    server.setRequestHandler(sdk.CallToolRequestSchema, (request, extra) =>
      clientLog.toolCall(extra.sendNotification, request.params.name, () =>
        callerContext.run({ key }, () =>
          this.#slotsOf(key)
            .run(extra.signal, () => tools.call(request.params.name, (request.params.arguments ?? {}) as Json, extra.signal))
            .catch(
              (e: unknown): CallToolResult => ({ isError: true, content: [{ type: "text", text: `Error: ${(e as Error)?.message ?? e}` }] }),
            ),
        ),
      ),
    );
    registerExtras(server, sdk.types, tools, (signal, run) => callerContext.run({ key }, () => this.#slotsOf(key).run(signal, run)));
    server.onerror = (error) => this.log(`mcp protocol error: ${error.message}`);
    // Plain JSON answers, unless the key's client asked for log lines and this POST calls a tool:
    // then an SSE stream, the one way lines reach it before the result (clients accept both).
    const stream = clientLog.wanted && carriesToolCall(message);
    const transport = new sdk.transport.StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !stream });
    res.once("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, message);
  }

  /** The tools a key is shown: the shared ones per scope, or, for a restricted key, its own view (built once per restriction). */

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
