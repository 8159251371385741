// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the MCP spec's
// recommended registration since 2025-11-25): the client_id is an https URL whose document names
// the client and its redirect URIs. Neither the MCP SDK's server nor oidc-provider fetches them, so
// this file does, as a server fetching a URL an anonymous caller chose must (SSRF):
// - https only, on port 443 or any port, no credentials, no fragment, a path other than `/`;
// - the name is resolved once, every address checked (no loopback, private, link-local, unique
//   local, CGNAT, multicast or reserved address, unless `allowLoopback` for development and tests,
//   which admits loopback only), and the connection made to that checked address (no rebinding);
// - no redirects followed, a 5 s limit on the whole fetch, at most 10 KB read;
// - the document's client_id must equal the URL, its redirect URIs pass the same policy as DCR's.
import { lookup } from "node:dns/promises";
import https from "node:https";
import { BlockList, isIP } from "node:net";
import { checkRedirectUris } from "./policy.js";
import type { ClientRecord } from "./store.js";

export const CIMD_MAX_BYTES = 10 * 1024;
export const CIMD_TIMEOUT_MS = 5000;
const CACHE_MS = 5 * 60 * 1000;
const CACHE_MAX = 1000;

const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128], ["::1", 128], ["::ffff:0:0", 96], ["64:ff9b::", 96], ["100::", 64], ["2001::", 23], ["2001:db8::", 32],
  ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
] as const) blocked.addSubnet(net, bits, "ipv6");
const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

export class CimdError extends Error {}

/** Whether a client_id names a metadata document (rather than a DCR client id). */
export function isCimdClientId(id: string): boolean {
  return id.startsWith("https://");
}

/** The URL checks of a client_id, before anything is fetched. */
export function checkCimdUrl(id: string): URL {
  if (id.length > 2048) throw new CimdError("the client_id URL is longer than 2048 characters");
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw new CimdError("the client_id is not a URL");
  }
  if (url.protocol !== "https:") throw new CimdError("a client_id URL must be https");
  if (url.username || url.password) throw new CimdError("a client_id URL may not carry credentials");
  if (url.hash || id.includes("#")) throw new CimdError("a client_id URL may not have a fragment");
  if (url.pathname === "/" || url.pathname === "") throw new CimdError("a client_id URL needs a path");
  if (/\/\.{1,2}(\/|$)/.test(id.slice(url.origin.length))) throw new CimdError("a client_id URL may not have . or .. segments");
  if (url.href !== id) throw new CimdError("the client_id URL must be in its normal form");
  return url;
}

function addressAllowed(address: string, allowLoopback: boolean): boolean {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  if (allowLoopback && loopback.check(address, family)) return true;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is in the blocked ::ffff:0:0/96 as a whole.
  return !blocked.check(address, family);
}

interface Cached {
  client: ClientRecord;
  until: number;
}

export class CimdFetcher {
  readonly #cache = new Map<string, Cached>();
  readonly #inflight = new Map<string, Promise<ClientRecord>>();

  constructor(
    readonly allowLoopback: boolean,
    readonly now: () => number = Date.now,
  ) {}

  async client(id: string): Promise<ClientRecord> {
    const hit = this.#cache.get(id);
    if (hit && hit.until > this.now()) return hit.client;
    const running = this.#inflight.get(id);
    if (running) return running;
    const p = this.#fetch(id).finally(() => this.#inflight.delete(id));
    this.#inflight.set(id, p);
    const client = await p;
    if (this.#cache.size >= CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(id, { client, until: this.now() + CACHE_MS });
    return client;
  }

  async #fetch(id: string): Promise<ClientRecord> {
    const url = checkCimdUrl(id);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await lookup(host, { all: true, verbatim: true });
      } catch {
        throw new CimdError(`the client_id host ${host} does not resolve`);
      }
    }
    if (addresses.length === 0) throw new CimdError(`the client_id host ${host} does not resolve`);
    for (const a of addresses) {
      if (!addressAllowed(a.address, this.allowLoopback)) throw new CimdError(`the client_id host ${host} is a private or reserved address: not fetched`);
    }
    const pinned = addresses[0] as { address: string; family: number };
    const text = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          protocol: "https:",
          host,
          servername: isIP(host) ? undefined : host,
          port: url.port || 443,
          path: url.pathname + url.search,
          method: "GET",
          headers: { accept: "application/json", "user-agent": "crisp-kit-gateway" },
          // The checked address, never a second resolution.
          lookup: (_name, options, cb) => {
            if ((options as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
            else cb(null, pinned.address, pinned.family);
          },
          timeout: CIMD_TIMEOUT_MS,
          agent: false,
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new CimdError(`the client metadata document answered HTTP ${res.statusCode} (redirects are not followed)`));
          }
          const type = String(res.headers["content-type"] ?? "");
          if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
            res.resume();
            return reject(new CimdError("the client metadata document is not application/json"));
          }
          if (Number(res.headers["content-length"] ?? 0) > CIMD_MAX_BYTES) {
            res.destroy();
            return reject(new CimdError(`the client metadata document is larger than ${CIMD_MAX_BYTES} bytes`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > CIMD_MAX_BYTES) {
              res.destroy();
              reject(new CimdError(`the client metadata document is larger than ${CIMD_MAX_BYTES} bytes`));
            } else chunks.push(c);
          });
          res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          res.on("error", () => reject(new CimdError("the client metadata document could not be read")));
        },
      );
      const timer = setTimeout(() => req.destroy(new CimdError(`the client metadata document took longer than ${CIMD_TIMEOUT_MS} ms`)), CIMD_TIMEOUT_MS);
      req.on("timeout", () => req.destroy(new CimdError(`the client metadata document took longer than ${CIMD_TIMEOUT_MS} ms`)));
      req.on("error", (e) => reject(e instanceof CimdError ? e : new CimdError(`the client metadata document could not be fetched (${(e as NodeJS.ErrnoException).code ?? "error"})`)));
      req.on("close", () => clearTimeout(timer));
      req.end();
    });
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new CimdError("the client metadata document is not JSON");
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new CimdError("the client metadata document is not a JSON object");
    if (doc.client_id !== id) throw new CimdError("the client metadata document's client_id is not its own URL");
    if (doc.client_secret !== undefined || doc.client_secret_expires_at !== undefined) throw new CimdError("a client metadata document may not carry a client_secret");
    const method = doc.token_endpoint_auth_method ?? "none";
    if (method !== "none") throw new CimdError(`token_endpoint_auth_method ${JSON.stringify(method)}: this gateway takes public clients (none) with PKCE`);
    if (!Array.isArray(doc.redirect_uris) || doc.redirect_uris.length === 0 || doc.redirect_uris.some((u) => typeof u !== "string")) {
      throw new CimdError("the client metadata document needs redirect_uris, a list of URLs");
    }
    const problem = checkRedirectUris(doc.redirect_uris as string[]);
    if (problem) throw new CimdError(problem);
    const name = typeof doc.client_name === "string" ? doc.client_name.slice(0, 120) : undefined;
    return {
      client_id: id,
      ...(name ? { client_name: name } : {}),
      redirect_uris: doc.redirect_uris as string[],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      client_id_issued_at: Math.floor(this.now() / 1000),
    };
  }
}
