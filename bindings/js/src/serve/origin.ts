// Host and Origin checks of the gateway, made before authentication and before anything reaches
// Crisp: the MCP transport spec's defence against DNS rebinding (a web page whose name resolves
// to 127.0.0.1 reaching a loopback server) and against cross-site calls from a browser that holds
// a caller's key. Plus CORS for the web apps an operator names with --allow-origin, and only them.
import type http from "node:http";
import { isIP } from "node:net";
import { UsageError } from "../internal/flags.js";

/** Whether a host name or address (no port, no brackets) is this machine's loopback. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1";
}

/** `--public-url URL`: the gateway's base URL as its callers reach it (behind a TLS proxy). */
export function parsePublicUrl(text: string | undefined): URL | null {
  if (text === undefined) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--public-url takes an absolute http(s) URL such as https://crisp.example.com/, got \`${text}\``);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`--public-url must be http or https, got \`${url.protocol}\``);
  // Tokens, codes and keys cross it: clear text only to this machine.
  if (url.protocol === "http:" && !isLoopback(url.hostname.replace(/^\[|\]$/g, ""))) {
    throw new UsageError(`--public-url must be https (http only for a loopback host): tokens and keys cross it, got \`${url.href}\``);
  }
  if (url.username || url.password) throw new UsageError("--public-url must not carry a user name or password");
  if (url.search || text.includes("?")) throw new UsageError(`--public-url must not have a query, got \`${text}\``);
  if (url.hash || text.includes("#")) throw new UsageError(`--public-url must not have a fragment, got \`${text}\``);
  return url;
}

/** One `--allow-origin` value (repeatable, or comma-separated): bare origins, `scheme://host[:port]`. */
export function parseAllowOrigins(values: string[] | undefined): string[] {
  const out: string[] = [];
  for (const value of values ?? []) {
    for (const raw of value.split(",")) {
      const text = raw.trim();
      if (text === "") continue;
      if (text === "*") throw new UsageError("--allow-origin takes exact origins, not `*`: a wildcard would let every web page call the gateway with a visitor's key");
      if (text === "null") throw new UsageError("--allow-origin `null` is refused: sandboxed frames and file: pages all share that origin");
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new UsageError(`--allow-origin takes an origin such as https://app.example.com, got \`${text}\``);
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`--allow-origin takes http or https origins, got \`${text}\``);
      // A bare origin: nothing after the host and port (a trailing slash is forgiven).
      if (url.username || url.password || url.search || url.hash || url.pathname !== "/" || /[?#]/.test(text) || !/^[a-z]+:\/\/[^/]+\/?$/i.test(text)) {
        throw new UsageError(`--allow-origin takes a bare origin (scheme://host[:port], no path, query or fragment), got \`${text}\``);
      }
      if (!out.includes(url.origin)) out.push(url.origin);
    }
  }
  return out;
}

/** A refusal by the checks: the status, the stable code, the message. */
export interface OriginRefusal {
  status: 403 | 421;
  code: "forbidden_origin" | "misdirected_request";
  message: string;
}

/** The routes a web app of an allowed origin may call, and the methods each takes. */
function corsMethods(path: string): string | null {
  if (path === "/mcp" || path === "/mcp/") return "POST";
  if (path === "/_endpoints" || path.startsWith("/api/crisp/_endpoints")) return "GET, HEAD";
  if (path.startsWith("/api/crisp/")) return "POST";
  return null;
}

const CORS_HEADERS = "authorization, content-type, mcp-protocol-version, mcp-session-id";
const CORS_EXPOSE = "retry-after, www-authenticate, mcp-session-id";
/** How long a browser may keep a preflight answer, in seconds. */
const CORS_MAX_AGE = "600";

/** A header value as it may appear in an answer: one line, not too long. */
function shown(value: string): string {
  const line = value.replace(/[\r\n]/g, " ");
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

/** The host part of a `Host` header: `127.0.0.1:8790` → `127.0.0.1`, `[::1]:8790` → `::1`. */
function hostnameOf(host: string): string | null {
  // A host and a port, nothing else (no user info, path, query: `evil.example@127.0.0.1` is not 127.0.0.1).
  if (/[@/?#\\\s]/.test(host)) return null;
  try {
    const h = new URL(`http://${host}/`).hostname.toLowerCase();
    return h.startsWith("[") ? h.slice(1, -1) : h;
  } catch {
    return null;
  }
}

export interface OriginSettings {
  /** `--public-url`, or null. */
  publicUrl: URL | null;
  /** `--allow-origin`: the extra origins allowed, and answered with CORS. */
  allowOrigins: string[];
}

/**
 * The checks, for a server bound to `address:port` (read once it listens). A request from a web
 * page carries `Origin`; one from a script, an MCP client or curl usually does not, and is let
 * through to authentication as before.
 */
export class OriginGuard {
  readonly #loopback: boolean;
  readonly #publicHost: string | null;
  readonly #allowed: Set<string>;
  readonly #cors: Set<string>;

  constructor(address: string, port: number, settings: OriginSettings) {
    this.#loopback = isLoopback(address);
    this.#publicHost = settings.publicUrl ? settings.publicUrl.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1") : null;
    const own = new Set<string>();
    const literal = address.includes(":") ? `[${address}]` : address;
    // 0.0.0.0 and :: are not a name a page can have: such a bind's origins come from the flags.
    // (Through URL: port 80 is left out, as browsers leave it out of Origin.)
    if (address !== "0.0.0.0" && address !== "::") own.add(new URL(`http://${literal}:${port}`).origin);
    if (this.#loopback) for (const name of ["127.0.0.1", "localhost", "[::1]"]) own.add(new URL(`http://${name}:${port}`).origin);
    if (settings.publicUrl) own.add(settings.publicUrl.origin);
    this.#cors = new Set(settings.allowOrigins);
    this.#allowed = new Set([...own, ...this.#cors]);
  }

  /** The origins allowed, own first (for the start line and the docs' examples). */
  get allowed(): string[] {
    return [...this.#allowed];
  }

  /** Whether the request may go on; the refusal otherwise. */
  check(req: http.IncomingMessage): OriginRefusal | null {
    const host = req.headers.host;
    if (this.#loopback && host !== undefined) {
      const name = hostnameOf(host);
      if (name === null || (!isLoopback(name) && name !== this.#publicHost)) {
        return {
          status: 421,
          code: "misdirected_request",
          message:
            `this gateway listens on a loopback address and answers only to loopback host names (localhost, 127.0.0.1, [::1])` +
            `${this.#publicHost ? ` or ${this.#publicHost} (--public-url)` : ""}, not to the Host \`${shown(host)}\`: nothing was sent`,
        };
      }
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.#allowed.has(origin.toLowerCase())) {
      const opaque = origin === "null";
      return {
        status: 403,
        code: "forbidden_origin",
        message: opaque
          ? "requests from an opaque origin (`Origin: null`: a sandboxed frame, a file: page, a redirect) are refused: nothing was sent"
          : `the Origin \`${shown(origin)}\` may not call this gateway (it accepts its own origin, --public-url's and --allow-origin's): nothing was sent`,
      };
    }
    return null;
  }

  /**
   * CORS for an allowed extra origin on the routes a web app calls: sets the answer's headers, and
   * answers a preflight (returns true: nothing more to do). Other origins get no CORS headers, so a
   * browser keeps their pages from reading anything.
   */
  cors(req: http.IncomingMessage, res: http.ServerResponse, path: string): boolean {
    const methods = corsMethods(path);
    if (methods === null) return false;
    res.setHeader("vary", "Origin");
    const origin = req.headers.origin?.toLowerCase();
    if (origin === undefined || !this.#cors.has(origin)) return false;
    res.setHeader("access-control-allow-origin", origin);
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      res.writeHead(204, {
        "access-control-allow-methods": methods,
        "access-control-allow-headers": CORS_HEADERS,
        "access-control-max-age": CORS_MAX_AGE,
        "cache-control": "no-store",
        "content-length": "0",
      });
      res.end();
      return true;
    }
    res.setHeader("access-control-expose-headers", CORS_EXPOSE);
    return false;
  }
}
