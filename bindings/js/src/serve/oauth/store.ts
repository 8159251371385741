// The OAuth state of `crisp-kit serve`: registered clients, pending consents, codes, grants and
// tokens. Never a secret in clear: codes and tokens are keyed by their SHA-256, and a grant keeps
// the hash of the gateway key it came from, never the key.
//
// Two stores with one interface: a file beside the keys file (0600, written whole through a
// random temporary name opened with `wx`, then renamed; read again when another process, such as
// `crisp-kit serve grants revoke`, changed it), and Redis (`--redis`), where replicas share it.
import { createHash, randomBytes } from "node:crypto";
import { openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, closeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Scope } from "../keys.js";

export type Kind = "clients" | "pending" | "codes" | "usedCodes" | "grants" | "access" | "refresh" | "usedRefresh";
export const KINDS: readonly Kind[] = ["clients", "pending", "codes", "usedCodes", "grants", "access", "refresh", "usedRefresh"];

/** A client registered by DCR (CIMD clients are fetched, cached in memory, never stored). */
export interface ClientRecord {
  client_id: string;
  client_name?: string;
  redirect_uris: string[];
  token_endpoint_auth_method: "none";
  grant_types: string[];
  response_types: string[];
  client_id_issued_at: number;
  [k: string]: unknown;
}

/** An authorization request waiting for the person's consent. */
export interface PendingRecord {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scopes: string[];
  state: string | null;
  /** The SHA-256 of the CSRF cookie given with the page. */
  cookieHash: string;
  /** The form's own token (also bound to this request). */
  formToken: string;
}

/** What the code carries into the grant. */
export interface GrantTerms {
  clientId: string;
  clientName: string;
  keyName: string;
  /** The gateway key's stored hash (`sha256:...`): the grant ends when that key is removed. */
  keyHash: string;
  scope: Scope;
  accounts: string[] | null;
  resource: string;
}

export interface CodeRecord extends GrantTerms {
  redirectUri: string;
  challenge: string;
}

export interface GrantRecord extends GrantTerms {
  id: string;
  created: string;
  lastRefresh: string | null;
}

export interface TokenRecord {
  grantId: string;
  /** Epoch ms. */
  expires: number;
}

interface Entry<T = unknown> {
  value: T;
  /** Epoch ms; 0: never. */
  exp: number;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function randomToken(prefix = ""): string {
  return prefix + randomBytes(32).toString("base64url");
}

export interface OAuthStore {
  get<T>(kind: Kind, id: string): Promise<T | null>;
  put<T>(kind: Kind, id: string, value: T, ttlMs: number): Promise<void>;
  /** Reads and deletes at once: null when it was not there (or another replica took it first). */
  take<T>(kind: Kind, id: string): Promise<T | null>;
  del(kind: Kind, id: string): Promise<boolean>;
  list<T>(kind: Kind): Promise<[string, T][]>;
  close?(): Promise<void>;
}

/** In memory, and, with a path, in a file that survives a restart. */
export class FileStore implements OAuthStore {
  readonly #maps = new Map<Kind, Map<string, Entry>>();
  readonly #path: string | null;
  #seen = "";
  #checkedAt = 0;
  readonly #now: () => number;

  constructor(path: string | null, now: () => number = Date.now) {
    this.#path = path;
    this.#now = now;
    for (const k of KINDS) this.#maps.set(k, new Map());
    if (path) this.#load(true);
  }

  static read(path: string): FileStore {
    return new FileStore(path);
  }

  #signature(): string {
    try {
      const s = statSync(this.#path as string);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "missing";
    }
  }

  /** Reads the file again when it changed (forced: now; else at most once a second). */
  #load(force: boolean): void {
    if (!this.#path) return;
    const now = Date.now();
    if (!force && now - this.#checkedAt < 1000) return;
    this.#checkedAt = now;
    const signature = this.#signature();
    if (signature === this.#seen) return;
    this.#seen = signature;
    for (const k of KINDS) this.#maps.get(k)?.clear();
    if (signature === "missing") return;
    let parsed: { version?: number; state?: Record<string, Record<string, Entry>> };
    try {
      parsed = JSON.parse(readFileSync(this.#path, "utf8"));
    } catch (e) {
      throw new Error(`the OAuth state file ${this.#path} is not readable JSON (${(e as Error).name}); move it away to start with no grants`);
    }
    if (parsed?.version !== 1 || typeof parsed.state !== "object" || parsed.state === null) {
      throw new Error(`the OAuth state file ${this.#path} is not {"version": 1, "state": {...}}`);
    }
    for (const k of KINDS) {
      const entries = parsed.state[k] ?? {};
      const map = this.#maps.get(k) as Map<string, Entry>;
      for (const [id, e] of Object.entries(entries)) if (e && typeof e === "object" && "value" in e) map.set(id, e);
    }
  }

  #save(): void {
    if (!this.#path) return;
    const now = this.#now();
    const state: Record<string, Record<string, Entry>> = {};
    for (const k of KINDS) {
      const out: Record<string, Entry> = {};
      for (const [id, e] of this.#maps.get(k) as Map<string, Entry>) if (e.exp === 0 || e.exp > now) out[id] = e;
      state[k] = out;
    }
    const text = `${JSON.stringify({ version: 1, state })}\n`;
    // A random name opened with `wx`: never follows a planted file or link, never shared with another writer.
    const tmp = join(dirname(this.#path), `.${randomBytes(8).toString("hex")}.oauth.tmp`);
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, this.#path);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
      throw e;
    }
    this.#seen = this.#signature();
  }

  #live(kind: Kind, id: string): Entry | null {
    const map = this.#maps.get(kind) as Map<string, Entry>;
    const e = map.get(id);
    if (!e) return null;
    if (e.exp !== 0 && e.exp <= this.#now()) {
      map.delete(id);
      return null;
    }
    return e;
  }

  async get<T>(kind: Kind, id: string): Promise<T | null> {
    this.#load(false);
    return (this.#live(kind, id)?.value as T) ?? null;
  }

  async put<T>(kind: Kind, id: string, value: T, ttlMs: number): Promise<void> {
    // Another process's change (a revoke) is read before writing over the file.
    this.#load(true);
    (this.#maps.get(kind) as Map<string, Entry>).set(id, { value, exp: ttlMs > 0 ? this.#now() + ttlMs : 0 });
    // Pending consents are not worth a write: they live ten minutes, in this process.
    if (kind !== "pending") this.#save();
  }

  async take<T>(kind: Kind, id: string): Promise<T | null> {
    this.#load(true);
    const e = this.#live(kind, id);
    if (!e) return null;
    (this.#maps.get(kind) as Map<string, Entry>).delete(id);
    if (kind !== "pending") this.#save();
    return e.value as T;
  }

  async del(kind: Kind, id: string): Promise<boolean> {
    this.#load(true);
    const had = (this.#maps.get(kind) as Map<string, Entry>).delete(id);
    if (had && kind !== "pending") this.#save();
    return had;
  }

  async list<T>(kind: Kind): Promise<[string, T][]> {
    this.#load(false);
    const out: [string, T][] = [];
    for (const id of [...(this.#maps.get(kind) as Map<string, Entry>).keys()]) {
      const e = this.#live(kind, id);
      if (e) out.push([id, e.value as T]);
    }
    return out;
  }
}

/** The part of a node-redis v4+ client used here. */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { PX?: number }): Promise<unknown>;
  getDel(key: string): Promise<string | null>;
  del(key: string | string[]): Promise<number>;
  scanIterator?(options: { MATCH: string; COUNT?: number }): AsyncIterable<string | string[]>;
  keys?(pattern: string): Promise<string[]>;
}

/** Shared by replicas: one Redis key per record, expiring with it; `take` is GETDEL (atomic). */
export class RedisStore implements OAuthStore {
  constructor(
    readonly redis: RedisLike,
    readonly prefix = "crisp-kit:oauth:",
  ) {}

  #key(kind: Kind, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }

  async get<T>(kind: Kind, id: string): Promise<T | null> {
    const text = await this.redis.get(this.#key(kind, id));
    return text === null ? null : (JSON.parse(text) as T);
  }

  async put<T>(kind: Kind, id: string, value: T, ttlMs: number): Promise<void> {
    await this.redis.set(this.#key(kind, id), JSON.stringify(value), ttlMs > 0 ? { PX: Math.ceil(ttlMs) } : undefined);
  }

  async take<T>(kind: Kind, id: string): Promise<T | null> {
    const text = await this.redis.getDel(this.#key(kind, id));
    return text === null ? null : (JSON.parse(text) as T);
  }

  async del(kind: Kind, id: string): Promise<boolean> {
    return (await this.redis.del(this.#key(kind, id))) > 0;
  }

  async list<T>(kind: Kind): Promise<[string, T][]> {
    const match = `${this.prefix}${kind}:*`;
    const names: string[] = [];
    if (this.redis.scanIterator) {
      for await (const batch of this.redis.scanIterator({ MATCH: match, COUNT: 500 })) {
        for (const name of Array.isArray(batch) ? batch : [batch]) names.push(name);
        if (names.length > 100_000) break;
      }
    } else if (this.redis.keys) names.push(...(await this.redis.keys(match)));
    const out: [string, T][] = [];
    for (const name of names) {
      const text = await this.redis.get(name);
      if (text !== null) out.push([name.slice(match.length - 1), JSON.parse(text) as T]);
    }
    return out;
  }
}
