// OAuth 2.1 for `crisp-kit serve`: the gateway is both the resource server (/mcp) and its own
// authorization server, so that Claude, ChatGPT, Cursor and VS Code can add it as a remote MCP
// connector and "authenticate when prompted". See docs/GATEWAY.md, "OAuth".
//
// The protocol pieces are the MCP SDK's (server/auth: the authorize, token, register and revoke
// handlers over express, with their parameter parsing, PKCE S256 verification, client metadata
// validation, RFC 8252 loopback redirect matching and rate limits); this file is the provider
// behind them (state, grants, the consent step, CIMD lookups), the metadata documents, and the
// bearer check of /mcp. express and express-rate-limit are the SDK's own dependencies, loaded from
// where the SDK is installed.
import { createRequire } from "node:module";
import type http from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { KeyRecord, KeyRing } from "../keys.js";
import { CimdError, CimdFetcher, isCimdClientId } from "./cimd.js";
import { consentPage, messagePage, pageHeaders } from "./consent.js";
import { checkRedirectUris, READ_SCOPE, scopeString, WRITE_SCOPE } from "./policy.js";
import {
  type ClientRecord,
  type CodeRecord,
  type GrantRecord,
  type OAuthStore,
  type PendingRecord,
  randomToken,
  sha256,
  type TokenRecord,
} from "./store.js";

export const ACCESS_PREFIX = "cka_";
export const REFRESH_PREFIX = "ckr_";
const CODE_TTL_MS = 60_000;
const PENDING_TTL_MS = 10 * 60_000;
const CLIENT_TTL_MS = 90 * 24 * 3600_000;
const COOKIE = "ck_oauth_csrf";
/** Wrong keys for one pending request before it is dropped (the app must start again). */
const ATTEMPTS_PER_REQUEST = 5;

export interface OAuthSettings {
  /** Access token lifetime, seconds (`--oauth-token-ttl`). */
  accessTtlSec: number;
  /** Refresh token lifetime, seconds: idle time after which a grant needs a new consent. */
  refreshTtlSec: number;
  /** Let client metadata documents be fetched from loopback addresses (development, tests). */
  cimdAllowLoopback: boolean;
  /** Consent attempts that fail, per IP and for the whole gateway, per 15 minutes. */
  consentFailuresPerIp: number;
  consentFailuresGlobal: number;
  /** Registrations per IP per hour. */
  registrationsPerHour: number;
}

export const DEFAULT_OAUTH: OAuthSettings = {
  accessTtlSec: 900,
  refreshTtlSec: 30 * 24 * 3600,
  cimdAllowLoopback: false,
  consentFailuresPerIp: 10,
  consentFailuresGlobal: 100,
  registrationsPerHour: 20,
};

/** What a /mcp request's bearer check decided. */
export type BearerResult = { caller: KeyRecord } | { status: 401 | 400; error: string; description: string } | null;

// The SDK's modules, typed by what this file uses (their .d.ts pull express' types, not installed).
/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;
interface Libs {
  express: Any;
  rateLimit: (options: Any) => Any;
  authorizationHandler: (o: Any) => Any;
  tokenHandler: (o: Any) => Any;
  clientRegistrationHandler: (o: Any) => Any;
  revocationHandler: (o: Any) => Any;
  errors: Record<string, new (message: string) => Error & { errorCode: string; toResponseObject(): Any }>;
}

async function loadLibs(): Promise<Libs> {
  const here = createRequire(import.meta.url);
  const sdkFile = here.resolve("@modelcontextprotocol/sdk/server/auth/router.js");
  const besideSdk = createRequire(sdkFile);
  const load = (spec: string): Promise<Any> => import(spec);
  const [authorize, token, register, revoke, errors] = await Promise.all([
    load("@modelcontextprotocol/sdk/server/auth/handlers/authorize.js"),
    load("@modelcontextprotocol/sdk/server/auth/handlers/token.js"),
    load("@modelcontextprotocol/sdk/server/auth/handlers/register.js"),
    load("@modelcontextprotocol/sdk/server/auth/handlers/revoke.js"),
    load("@modelcontextprotocol/sdk/server/auth/errors.js"),
  ]);
  return {
    express: besideSdk("express"),
    rateLimit: besideSdk("express-rate-limit").rateLimit,
    authorizationHandler: authorize.authorizationHandler,
    tokenHandler: token.tokenHandler,
    clientRegistrationHandler: register.clientRegistrationHandler,
    revocationHandler: revoke.revocationHandler,
    errors,
  };
}

/** The routes this module answers (the gateway hands them over). */
export const OAUTH_PATHS = new Set([
  "/.well-known/oauth-protected-resource",
  "/.well-known/oauth-protected-resource/mcp",
  "/.well-known/oauth-authorization-server",
  "/authorize",
  "/consent",
  "/token",
  "/register",
  "/revoke",
]);

function cookieOf(req: http.IncomingMessage, name: string): string | null {
  for (const part of String(req.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class OAuthServer {
  #base: URL | null = null;
  #app: Any = null;
  #clients: () => { getClient(id: string): Promise<ClientRecord | undefined> } = () => {
    throw new Error("not built");
  };
  readonly #cimd: CimdFetcher;
  /** Callers made from grants (to tell them from static keys). */
  readonly #grantCallers = new WeakSet<KeyRecord>();

  private constructor(
    readonly libs: Libs,
    readonly store: OAuthStore,
    readonly keys: KeyRing,
    readonly settings: OAuthSettings,
    readonly allowWrites: boolean,
    readonly log: (line: string) => void,
    readonly now: () => number,
  ) {
    this.#cimd = new CimdFetcher(settings.cimdAllowLoopback, now);
  }

  static async create(options: {
    store: OAuthStore;
    keys: KeyRing;
    settings: OAuthSettings;
    allowWrites: boolean;
    log: (line: string) => void;
    now?: () => number;
  }): Promise<OAuthServer> {
    const libs = await loadLibs();
    return new OAuthServer(libs, options.store, options.keys, options.settings, options.allowWrites, options.log, options.now ?? Date.now);
  }

  /** The public base URL (`--public-url`, else the bound address), known once the gateway listens. */
  bind(base: URL): void {
    const b = new URL(base.href);
    if (!b.pathname.endsWith("/")) b.pathname += "/";
    b.search = "";
    b.hash = "";
    this.#base = b;
  }

  get base(): URL {
    if (!this.#base) throw new Error("the OAuth server is not bound to a URL yet");
    return this.#base;
  }

  /** The issuer: the base without its trailing slash (RFC 8414). */
  get issuer(): string {
    return this.base.href.replace(/\/$/, "");
  }

  /** The protected resource: the /mcp URL, as clients type it. */
  get resource(): string {
    return new URL("mcp", this.base).href;
  }

  get resourceMetadataUrl(): string {
    return new URL(".well-known/oauth-protected-resource/mcp", this.base).href;
  }

  #url(path: string): string {
    return new URL(path, this.base).href;
  }

  /** The scopes a client asks for to use /mcp fully. */
  get wantedScope(): string {
    return scopeString(this.allowWrites ? "write" : "read");
  }

  /** `WWW-Authenticate` of a 401 from /mcp (RFC 6750 3, RFC 9728 5.1). */
  challenge(error: string | null = null, description: string | null = null): string {
    const parts = ['Bearer realm="crisp-kit"', `resource_metadata="${this.resourceMetadataUrl}"`, `scope="${this.wantedScope}"`];
    if (error) parts.push(`error="${error}"`);
    if (description) parts.push(`error_description="${description.replace(/["\\]/g, "'")}"`);
    return parts.join(", ");
  }

  /** `WWW-Authenticate` of a 403 for a write by a read grant (step-up: the scope it needs). */
  insufficientScope(): string {
    return `Bearer realm="crisp-kit", error="insufficient_scope", scope="${scopeString("write")}", resource_metadata="${this.resourceMetadataUrl}", error_description="this call writes and the grant has the ${READ_SCOPE} scope"`;
  }

  isGrantCaller(key: KeyRecord): boolean {
    return this.#grantCallers.has(key);
  }

  /** Whether the URL carries an access token in its query (never accepted: RFC 9700 2.4). */
  static queryToken(url: string | undefined): boolean {
    const at = (url ?? "").indexOf("?");
    if (at < 0) return false;
    return new URLSearchParams((url as string).slice(at + 1)).has("access_token");
  }

  /** Whether this header holds one of this gateway's access tokens (by its shape only). */
  static looksLikeToken(header: string | undefined): boolean {
    return /^Bearer[ \t]+cka_/i.test(header ?? "");
  }

  /** The bearer check of /mcp for OAuth access tokens; null: not an access token (try the static keys). */
  async authenticate(header: string | undefined): Promise<BearerResult> {
    const match = /^Bearer[ \t]+(cka_[A-Za-z0-9_-]{1,100})[ \t]*$/i.exec(header ?? "");
    if (!match) return null;
    const invalid = (description: string) => ({ status: 401 as const, error: "invalid_token", description });
    const token = await this.store.get<TokenRecord>("access", sha256(match[1] as string));
    if (!token) return invalid("unknown access token (revoked, or from another gateway)");
    if (token.expires <= this.now()) return invalid("the access token expired: refresh it");
    const grant = await this.store.get<GrantRecord>("grants", token.grantId);
    if (!grant) return invalid("the grant of this token was revoked");
    if (grant.resource !== this.resource) return invalid(`the token's audience is ${grant.resource}, not this resource (${this.resource})`);
    const key = this.#keyOf(grant.keyHash);
    if (!key) return invalid(`the gateway key \`${grant.keyName}\` behind this grant was removed`);
    const caller: KeyRecord = {
      name: `${grant.keyName}/oauth:${grant.id.slice(0, 8)}`,
      scope: grant.scope === "write" && key.scope === "write" ? "write" : "read",
      accounts: grant.accounts,
      // The key's other limits, as the key has them now: a grant never reaches further than its key.
      websites: key.websites,
      allow: key.allow,
      deny: key.deny,
      concurrency: key.concurrency,
      hash: grant.keyHash,
      created: grant.created,
    };
    this.#grantCallers.add(caller);
    return { caller };
  }

  #keyOf(hash: string): KeyRecord | null {
    // check() re-reads a changed keys file (a removed key ends its grants within a second).
    this.keys.check(undefined);
    return this.keys.records.find((k) => k.hash === hash) ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // The HTTP side: an express app over the SDK's handlers, built on first use.

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.#app) this.#app = this.#build();
    this.#app(req, res);
  }

  #build(): Any {
    const { express, rateLimit } = this.libs;
    const app = express();
    app.disable("x-powered-by");
    app.set("etag", false);
    // The gateway's own limits: express-rate-limit's checks of proxy headers are noise here.
    const limits = (o: Any) => ({ standardHeaders: "draft-7", legacyHeaders: false, validate: false, ...o });

    app.get(["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"], (_req: Any, res: Any) => {
      res.set({ "cache-control": "max-age=300", "access-control-allow-origin": "*" }).json({
        resource: this.resource,
        authorization_servers: [this.issuer],
        scopes_supported: [READ_SCOPE, WRITE_SCOPE],
        bearer_methods_supported: ["header"],
        resource_name: "crisp-kit gateway (Crisp)",
        resource_documentation: "https://github.com/crisp-kit/crisp-kit/blob/main/docs/GATEWAY.md",
      });
    });
    app.get("/.well-known/oauth-authorization-server", (_req: Any, res: Any) => {
      res.set({ "cache-control": "max-age=300", "access-control-allow-origin": "*" }).json({
        issuer: this.issuer,
        authorization_endpoint: this.#url("authorize"),
        token_endpoint: this.#url("token"),
        registration_endpoint: this.#url("register"),
        revocation_endpoint: this.#url("revoke"),
        scopes_supported: [READ_SCOPE, WRITE_SCOPE],
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["none"],
        revocation_endpoint_auth_methods_supported: ["none"],
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: true,
        service_documentation: "https://github.com/crisp-kit/crisp-kit/blob/main/docs/GATEWAY.md",
      });
    });

    const provider = this.#provider();
    this.#clients = () => provider.clientsStore;
    // RFC 6749 4.1.2.1: an error redirect carries the request's `state`. The SDK's handler leaves it
    // out when the PKCE parameters are what failed (it reads `state` only once they passed).
    app.use("/authorize", (req: Any, res: Any, next: Any) => {
      const state = new URLSearchParams(String(req.url).split("?")[1] ?? "").get("state");
      if (state !== null) {
        const redirect = res.redirect.bind(res);
        res.redirect = (status: number, location: string) => {
          try {
            const to = new URL(location);
            if (to.searchParams.has("error") && !to.searchParams.has("state")) to.searchParams.set("state", state);
            return redirect(status, to.href);
          } catch {
            return redirect(status, location);
          }
        };
      }
      next();
    });
    app.use("/authorize", this.libs.authorizationHandler({ provider, rateLimit: limits({ windowMs: 15 * 60_000, limit: 100 }) }));
    // The consent form: small, and failures (wrong keys, stale forms) limited per IP and overall.
    const failures = (limit: number, keyGenerator?: (req: Any) => string) =>
      rateLimit(
        limits({
          windowMs: 15 * 60_000,
          limit,
          skipSuccessfulRequests: true,
          ...(keyGenerator ? { keyGenerator } : {}),
          handler: (_req: Any, res: Any) =>
            res.status(429).set(pageHeaders()).send(messagePage("Too many attempts", "Too many wrong keys were tried from here: wait 15 minutes, then start again from your app.")),
        }),
      );
    app.post(
      "/consent",
      failures(this.settings.consentFailuresPerIp),
      failures(this.settings.consentFailuresGlobal, () => "all"),
      express.urlencoded({ extended: false, limit: "4kb", parameterLimit: 8 }),
      (req: Any, res: Any, next: Any) => this.#consent(req, res).catch(next),
    );
    app.use("/token", this.libs.tokenHandler({ provider, rateLimit: limits({ windowMs: 15 * 60_000, limit: 200 }) }));
    // Registrations are small (Cursor's, three redirect URIs, is under 1 KB): 16 KB is plenty.
    app.use("/register", (req: Any, res: Any, next: Any) => {
      if (Number(req.headers["content-length"] ?? 0) > 16 * 1024) {
        res.set("connection", "close").status(413).json({ error: "invalid_client_metadata", error_description: "the registration is larger than 16 KB" });
        return;
      }
      next();
    });
    app.use(
      "/register",
      this.libs.clientRegistrationHandler({
        clientsStore: provider.clientsStore,
        clientSecretExpirySeconds: 0,
        rateLimit: limits({ windowMs: 3600_000, limit: this.settings.registrationsPerHour }),
      }),
    );
    app.use("/revoke", this.libs.revocationHandler({ provider, rateLimit: limits({ windowMs: 15 * 60_000, limit: 100 }) }));
    app.use((req: Any, res: Any) => res.status(405).json({ error: "invalid_request", error_description: `${req.method} ${req.path} is not served` }));
    // A body express cannot parse (or too large) is the caller's error, in OAuth's shape.
    app.use((err: Any, _req: Any, res: Any, _next: Any) => {
      const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
      if (status === 500) this.log(`oauth: internal error: ${err?.message ?? err}`);
      if (res.headersSent) return void res.end();
      res.status(status).json({ error: status === 500 ? "server_error" : "invalid_request", error_description: status === 500 ? "internal error" : String(err?.message ?? "bad request") });
    });
    return app;
  }

  // -------------------------------------------------------------------------------------------
  // The provider behind the SDK's handlers.

  #provider(): Any {
    const E = this.libs.errors;
    const self = this;
    const clientsStore = {
      async getClient(id: string): Promise<ClientRecord | undefined> {
        if (typeof id !== "string" || id.length > 2048) return undefined;
        if (isCimdClientId(id)) {
          try {
            return await self.#cimd.client(id);
          } catch (e) {
            if (e instanceof CimdError) throw new (E.InvalidClientError as Any)(`client metadata document: ${e.message}`);
            throw e;
          }
        }
        return (await self.store.get<ClientRecord>("clients", id)) ?? undefined;
      },
      async registerClient(info: Any): Promise<ClientRecord> {
        const problem = checkRedirectUris(info.redirect_uris ?? []);
        if (problem) throw new (E.InvalidClientMetadataError as Any)(problem);
        const method = info.token_endpoint_auth_method ?? "none";
        if (method !== "none") {
          // Public clients with PKCE only: no client secret to leak, store or compare.
          self.log(`oauth: a client asked for token_endpoint_auth_method ${JSON.stringify(String(method).slice(0, 40))}: registered as a public client (none)`);
        }
        const grants = (info.grant_types ?? ["authorization_code", "refresh_token"]) as string[];
        if (grants.some((g) => g !== "authorization_code" && g !== "refresh_token")) {
          throw new (E.InvalidClientMetadataError as Any)("grant_types: this server issues authorization_code and refresh_token only");
        }
        const name = typeof info.client_name === "string" ? info.client_name.slice(0, 120) : undefined;
        const client: ClientRecord = {
          client_id: `ckc_${randomToken().slice(0, 32)}`,
          ...(name ? { client_name: name } : {}),
          redirect_uris: info.redirect_uris,
          token_endpoint_auth_method: "none",
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          client_id_issued_at: Math.floor(self.now() / 1000),
          ...(typeof info.scope === "string" ? { scope: info.scope.slice(0, 200) } : {}),
        };
        await self.store.put("clients", client.client_id, client, CLIENT_TTL_MS);
        self.log(`oauth: registered client ${client.client_id} (${JSON.stringify(name ?? "unnamed")}, ${client.redirect_uris.length} redirect URIs)`);
        return client;
      },
    };
    return {
      clientsStore,
      authorize: (client: ClientRecord, params: Any, res: Any) => this.#authorize(client, params, res),
      challengeForAuthorizationCode: async (client: ClientRecord, code: string) => {
        const rec = await this.store.get<CodeRecord>("codes", sha256(code));
        if (!rec || rec.clientId !== client.client_id) {
          await this.#codeReplay(code);
          throw new (E.InvalidGrantError as Any)("the authorization code is unknown, expired or already used");
        }
        return rec.challenge;
      },
      exchangeAuthorizationCode: (client: ClientRecord, code: string, _verifier: unknown, redirectUri: string | undefined, resource: URL | undefined) =>
        this.#exchangeCode(client, code, redirectUri, resource),
      exchangeRefreshToken: (client: ClientRecord, refresh: string, scopes: string[] | undefined, resource: URL | undefined) =>
        this.#refresh(client, refresh, scopes, resource),
      verifyAccessToken: async () => {
        throw new (E.InvalidTokenError as Any)("not used: /mcp checks tokens itself");
      },
      revokeToken: (client: ClientRecord, request: { token: string; token_type_hint?: string }) => this.#revoke(client, request.token),
    };
  }

  #resourceOf(resource: URL | undefined): string {
    if (resource && resource.href !== this.resource) {
      throw new (this.libs.errors.InvalidTargetError as Any)(`resource ${resource.href} is not served here: this gateway's resource is ${this.resource}`);
    }
    return this.resource;
  }

  async #authorize(client: ClientRecord, params: Any, res: Any): Promise<void> {
    this.#resourceOf(params.resource);
    const requestId = randomToken();
    const cookie = randomToken();
    const pending: PendingRecord & { resource: string; attempts: number } = {
      clientId: client.client_id,
      redirectUri: params.redirectUri,
      challenge: params.codeChallenge,
      scopes: ((params.scopes ?? []) as string[]).filter(Boolean).slice(0, 10),
      state: typeof params.state === "string" ? params.state.slice(0, 2000) : null,
      cookieHash: sha256(cookie),
      formToken: randomToken(),
      resource: this.resource,
      attempts: 0,
    };
    await this.store.put("pending", requestId, pending, PENDING_TTL_MS);
    const secure = this.base.protocol === "https:";
    res
      .status(200)
      .set(pageHeaders(pending.redirectUri))
      .set("set-cookie", `${COOKIE}=${cookie}; Path=${this.base.pathname}; HttpOnly; SameSite=Strict; Max-Age=600${secure ? "; Secure" : ""}`)
      .send(consentPage(this.#view(client, requestId, pending, null)));
  }

  #view(client: ClientRecord, requestId: string, pending: PendingRecord, error: string | null) {
    let redirectHost = pending.redirectUri;
    try {
      const u = new URL(pending.redirectUri);
      redirectHost = u.host ? `${u.protocol}//${u.host}` : `${u.protocol}//`;
    } catch {
      // shown as given
    }
    const identity = isCimdClientId(client.client_id) ? `identified by ${new URL(client.client_id).host}` : "a name it gave itself when it registered";
    return {
      requestId,
      formToken: pending.formToken,
      clientName: client.client_name ?? (isCimdClientId(client.client_id) ? new URL(client.client_id).host : "an unnamed app"),
      clientIdentity: identity,
      redirectHost,
      gatewayWrites: this.allowWrites,
      wantsWrite: pending.scopes.length === 0 || pending.scopes.includes(WRITE_SCOPE),
      error,
    };
  }

  #redirect(res: Any, redirectUri: string, params: Record<string, string | null>): void {
    const to = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) if (v !== null) to.searchParams.set(k, v);
    to.searchParams.set("iss", this.issuer);
    res.status(303).set({ "cache-control": "no-store", "referrer-policy": "no-referrer" }).set("location", to.href).end();
  }

  async #consent(req: Any, res: Any): Promise<void> {
    const page = (status: number, title: string, text: string) => res.status(status).set(pageHeaders()).send(messagePage(title, text));
    // The form is posted by the page itself: a present Origin must be the gateway's.
    const origin = req.headers.origin as string | undefined;
    if (origin !== undefined && origin !== this.base.origin) return void page(403, "Refused", "This form may only be sent from the gateway's own page.");
    const body = (req.body ?? {}) as Record<string, unknown>;
    const requestId = typeof body.request === "string" ? body.request : "";
    const pending = requestId ? await this.store.get<PendingRecord & { resource: string; attempts: number }>("pending", requestId) : null;
    if (!pending) return void page(400, "This request expired", "This authorization request is unknown, expired (10 minutes) or already answered: start again from your app.");
    const cookie = cookieOf(req, COOKIE);
    const formToken = typeof body.form_token === "string" ? body.form_token : "";
    if (!cookie || !sameText(sha256(cookie), pending.cookieHash) || !sameText(formToken, pending.formToken)) {
      return void page(403, "Refused", "This form does not belong to this browser's authorization request (a missing or foreign cookie): start again from your app.");
    }
    const client = await this.#clients().getClient(pending.clientId);
    if (!client) return void page(400, "Unknown app", "The app that asked is no longer registered: start again from your app.");
    if (body.action === "deny") {
      await this.store.take("pending", requestId);
      return this.#redirect(res, pending.redirectUri, { error: "access_denied", error_description: "the person declined", state: pending.state });
    }
    const pasted = typeof body.key === "string" ? body.key.trim() : "";
    const key = pasted && pasted.length < 200 ? this.keys.check(`Bearer ${pasted}`) : null;
    if (!key) {
      pending.attempts += 1;
      if (pending.attempts >= ATTEMPTS_PER_REQUEST) {
        await this.store.take("pending", requestId);
        return void page(401, "Too many wrong keys", "That was not a key of this gateway, too many times for one request: start again from your app.");
      }
      await this.store.put("pending", requestId, pending, PENDING_TTL_MS);
      return void res
        .status(401)
        .set(pageHeaders(pending.redirectUri))
        .send(consentPage(this.#view(client, requestId, pending, "That is not a key of this gateway (or it was removed). Paste a key made with `crisp-kit serve keys add`.")));
    }
    // One answer per request: a second submit finds nothing.
    if (!(await this.store.take("pending", requestId))) return void page(400, "This request expired", "This authorization request was already answered.");
    const wantsWrite = pending.scopes.length === 0 || pending.scopes.includes(WRITE_SCOPE);
    const scope = key.scope === "write" && this.allowWrites && wantsWrite ? "write" : "read";
    const code = randomToken();
    const rec: CodeRecord = {
      clientId: client.client_id,
      clientName: client.client_name ?? client.client_id,
      keyName: key.name,
      keyHash: key.hash,
      scope,
      accounts: key.accounts,
      resource: pending.resource,
      redirectUri: pending.redirectUri,
      challenge: pending.challenge,
    };
    await this.store.put("codes", sha256(code), rec, CODE_TTL_MS);
    this.log(`oauth: key \`${key.name}\` approved ${JSON.stringify(rec.clientName)} (${scope})`);
    this.#redirect(res, pending.redirectUri, { code, state: pending.state });
  }

  async #codeReplay(code: string): Promise<void> {
    // A code presented again after its exchange: whoever holds it is not who should; the grant it made ends (RFC 6749 4.1.2).
    const used = await this.store.get<{ grantId: string }>("usedCodes", sha256(code));
    if (used && (await this.store.del("grants", used.grantId))) this.log(`oauth: an authorization code was used twice: grant ${used.grantId.slice(0, 8)} revoked`);
  }

  async #issue(grant: GrantRecord): Promise<Any> {
    const access = randomToken(ACCESS_PREFIX);
    const refresh = randomToken(REFRESH_PREFIX);
    // Kept an hour past its expiry, so that a late caller is told "expired", not "unknown".
    await this.store.put<TokenRecord>("access", sha256(access), { grantId: grant.id, expires: this.now() + this.settings.accessTtlSec * 1000 }, this.settings.accessTtlSec * 1000 + 3600_000);
    await this.store.put<TokenRecord>("refresh", sha256(refresh), { grantId: grant.id, expires: this.now() + this.settings.refreshTtlSec * 1000 }, this.settings.refreshTtlSec * 1000);
    return { access_token: access, token_type: "Bearer", expires_in: this.settings.accessTtlSec, refresh_token: refresh, scope: scopeString(grant.scope) };
  }

  async #exchangeCode(client: ClientRecord, code: string, redirectUri: string | undefined, resource: URL | undefined): Promise<Any> {
    const E = this.libs.errors;
    const h = sha256(code);
    const rec = await this.store.take<CodeRecord>("codes", h);
    if (!rec || rec.clientId !== client.client_id) {
      await this.#codeReplay(code);
      throw new (E.InvalidGrantError as Any)("the authorization code is unknown, expired or already used");
    }
    if (redirectUri !== undefined && redirectUri !== rec.redirectUri) throw new (E.InvalidGrantError as Any)("redirect_uri is not the one of the authorization request");
    if (resource && resource.href !== rec.resource) throw new (E.InvalidTargetError as Any)(`resource ${resource.href} is not the one consented to (${rec.resource})`);
    if (!this.#keyOf(rec.keyHash)) throw new (E.InvalidGrantError as Any)(`the gateway key \`${rec.keyName}\` was removed`);
    const grant: GrantRecord = {
      id: randomToken().slice(0, 24),
      clientId: rec.clientId,
      clientName: rec.clientName,
      keyName: rec.keyName,
      keyHash: rec.keyHash,
      scope: rec.scope,
      accounts: rec.accounts,
      resource: rec.resource,
      created: new Date(this.now()).toISOString(),
      lastRefresh: null,
    };
    await this.store.put("grants", grant.id, grant, 0);
    await this.store.put("usedCodes", h, { grantId: grant.id }, 10 * 60_000);
    // A DCR client in use stays registered.
    if (!isCimdClientId(client.client_id)) await this.store.put("clients", client.client_id, client, CLIENT_TTL_MS);
    return this.#issue(grant);
  }

  async #refresh(client: ClientRecord, refresh: string, scopes: string[] | undefined, resource: URL | undefined): Promise<Any> {
    const E = this.libs.errors;
    const h = sha256(refresh);
    const rec = await this.store.get<TokenRecord>("refresh", h);
    if (!rec) {
      const used = await this.store.get<{ grantId: string }>("usedRefresh", h);
      if (used) {
        // Reuse: the token was stolen or the client is confused; either way the whole grant ends.
        if (await this.store.del("grants", used.grantId)) this.log(`oauth: a rotated refresh token was used again: grant ${used.grantId.slice(0, 8)} revoked`);
        throw new (E.InvalidGrantError as Any)("this refresh token was already used: the grant is revoked; authorize again");
      }
      throw new (E.InvalidGrantError as Any)("unknown or expired refresh token");
    }
    const grant = await this.store.get<GrantRecord>("grants", rec.grantId);
    if (!grant) throw new (E.InvalidGrantError as Any)("the grant was revoked; authorize again");
    if (grant.clientId !== client.client_id) throw new (E.InvalidGrantError as Any)("this refresh token belongs to another client");
    this.#resourceOf(resource);
    if (grant.resource !== this.resource) throw new (E.InvalidGrantError as Any)(`the grant is for ${grant.resource}, not this resource`);
    if (!this.#keyOf(grant.keyHash)) throw new (E.InvalidGrantError as Any)(`the gateway key \`${grant.keyName}\` behind this grant was removed`);
    const wanted = (scopes ?? []).filter(Boolean);
    if (wanted.some((s) => s !== READ_SCOPE && s !== WRITE_SCOPE)) throw new (E.InvalidScopeError as Any)(`unknown scope; this server has ${READ_SCOPE} and ${WRITE_SCOPE}`);
    if (wanted.includes(WRITE_SCOPE) && grant.scope !== "write") throw new (E.InvalidScopeError as Any)(`the grant has ${READ_SCOPE} only; authorize again with a write key`);
    // Rotation: the old token is taken (atomically: two concurrent uses cannot both win) and remembered as used.
    if (!(await this.store.take("refresh", h))) {
      await this.store.del("grants", grant.id);
      throw new (E.InvalidGrantError as Any)("this refresh token was already used: the grant is revoked; authorize again");
    }
    await this.store.put("usedRefresh", h, { grantId: grant.id }, this.settings.refreshTtlSec * 1000);
    // (A narrower `scope` is not kept per token: the grant's scope is what the new tokens carry.)
    const touched: GrantRecord = { ...grant, lastRefresh: new Date(this.now()).toISOString() };
    await this.store.put("grants", grant.id, touched, 0);
    return this.#issue(touched);
  }

  async #revoke(client: ClientRecord, token: string): Promise<void> {
    if (typeof token !== "string") return;
    const h = sha256(token);
    if (token.startsWith(REFRESH_PREFIX)) {
      const rec = (await this.store.get<TokenRecord>("refresh", h)) ?? (await this.store.get<{ grantId: string }>("usedRefresh", h));
      if (!rec) return;
      const grant = await this.store.get<GrantRecord>("grants", rec.grantId);
      if (grant && grant.clientId === client.client_id) {
        await this.store.del("grants", grant.id);
        this.log(`oauth: grant ${grant.id.slice(0, 8)} revoked by its client`);
      }
      return;
    }
    const rec = await this.store.get<TokenRecord>("access", h);
    if (!rec) return;
    const grant = await this.store.get<GrantRecord>("grants", rec.grantId);
    if (grant && grant.clientId === client.client_id) await this.store.del("access", h);
  }
}
