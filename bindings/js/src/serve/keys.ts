// The gateway's bearer keys: who may call it, with which scope and accounts.
//
// A key is 32 random bytes (base64url, prefixed `ckg_`), shown once when it is made. The keys file
// holds only its SHA-256: a fast hash is enough for a 256-bit random secret (no dictionary to try;
// slow KDFs exist for low-entropy passwords), and it keeps each check at one hash. A presented key
// is hashed and compared with every stored hash in constant time, with no early exit.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, renameSync, rmSync, statSync, type Stats, unlinkSync, writeFileSync } from "node:fs";
import { jsonFault } from "../internal/json-error.js";

export type Scope = "read" | "write";

/** One key as the file stores it: never the key itself. */
export interface KeyRecord {
  name: string;
  scope: Scope;
  /** The accounts it may use; null: every account. */
  accounts: string[] | null;
  /** The websites it may use (the `websiteID` of each call, given or the account's); null: every website. */
  websites: string[] | null;
  /** Destructive endpoints it may call all the same (they are refused to every key that does not name them). */
  allow: string[] | null;
  /** Endpoints it may never call. */
  deny: string[] | null;
  /** Its own cap on calls in flight; null: the server's --key-concurrency. */
  concurrency: number | null;
  /** `sha256:` and the hex digest of the key. */
  hash: string;
  created: string;
}

interface KeysFile {
  version: 1;
  keys: KeyRecord[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PREFIX = "ckg_";

export class KeyFileError extends Error {}
/** The keys file may be written by others than its owner. */
class KeyFileModeError extends KeyFileError {}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** A new random key. */
export function newKey(): string {
  return PREFIX + randomBytes(32).toString("base64url");
}

export function hashOf(key: string): string {
  return `sha256:${digest(key).toString("hex")}`;
}

function validRecord(r: unknown, at: string): KeyRecord {
  const k = r as Partial<KeyRecord>;
  if (typeof k !== "object" || k === null) throw new KeyFileError(`${at}: not an object`);
  if (typeof k.name !== "string" || !NAME.test(k.name)) throw new KeyFileError(`${at}: \`name\` must match ${NAME}`);
  if (k.scope !== "read" && k.scope !== "write") throw new KeyFileError(`${at} (${k.name}): \`scope\` is read or write`);
  if (typeof k.hash !== "string" || !/^sha256:[0-9a-f]{64}$/.test(k.hash)) throw new KeyFileError(`${at} (${k.name}): \`hash\` must be sha256:<64 hex>`);
  const list = (field: "accounts" | "websites" | "allow" | "deny", what: string): string[] | null => {
    const v = k[field] ?? null;
    // An empty list would read as "no restriction" in some code and "nothing" in other: refused.
    if (v !== null && (!Array.isArray(v) || v.length === 0 || v.some((a) => typeof a !== "string" || a === ""))) {
      throw new KeyFileError(`${at} (${k.name}): \`${field}\` is null or a non-empty list of ${what}`);
    }
    return v;
  };
  const accounts = list("accounts", "account names");
  const websites = list("websites", "website ids");
  const allow = list("allow", "endpoint ids");
  const deny = list("deny", "endpoint ids");
  const concurrency = k.concurrency ?? null;
  if (concurrency !== null && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new KeyFileError(`${at} (${k.name}): \`concurrency\` is null or a whole number >= 1`);
  }
  return { name: k.name, scope: k.scope, accounts, websites, allow, deny, concurrency, hash: k.hash, created: typeof k.created === "string" ? k.created : "" };
}

/**
 * Refuses a keys file others may write: whoever can write it can add a key of their own. (Not
 * checked on Windows, where the mode bits say nothing about who may write.)
 */
function checkMode(path: string, stats: Stats): void {
  if (process.platform !== "win32" && (stats.mode & 0o022) !== 0) {
    throw new KeyFileModeError(`the keys file ${path} is writable by its group or by everyone (mode ${(stats.mode & 0o777).toString(8)}): refused; \`chmod 600 ${path}\``);
  }
}

/** Reads a keys file; a missing file is an empty one when `missingOk`. */
export function readKeys(path: string, missingOk = false): KeyRecord[] {
  let text: string;
  try {
    // The mode is checked on the file that is read (fstat of the open descriptor), not on a name
    // that may have been swapped in between.
    const fd = openSync(path, "r");
    try {
      checkMode(path, fstatSync(fd));
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    if (missingOk && (e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new KeyFileError(`cannot read the keys file ${path}: ${(e as Error).message}`);
  }
  let parsed: KeysFile;
  try {
    parsed = JSON.parse(text) as KeysFile;
  } catch {
    throw new KeyFileError(`the keys file ${path} is not JSON (${jsonFault(text)})`);
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.keys)) throw new KeyFileError(`the keys file ${path} is not {"version": 1, "keys": [...]}`);
  const keys = parsed.keys.map((r, i) => validRecord(r, `${path}: keys[${i}]`));
  const names = new Set<string>();
  for (const k of keys) {
    if (names.has(k.name)) throw new KeyFileError(`${path}: the name \`${k.name}\` is used twice`);
    names.add(k.name);
  }
  return keys;
}

/**
 * Writes the keys file whole: a new file under a random name beside it, created exclusively
 * (`wx`: never through a link or a file someone placed there) and 0600, then renamed over it.
 */
export function writeKeys(path: string, keys: KeyRecord[]): void {
  const tmp = `${path}.${randomBytes(8).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify({ version: 1, keys } satisfies KeysFile, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A lock older than this was left by a process that died while holding it, and is taken over. */
export const STALE_LOCK_MS = 30_000;
/** How long `keys add` / `keys remove` wait for another one to finish. */
const LOCK_WAIT_MS = 10_000;

/**
 * Runs `fn` holding `<path>.lock` (created with O_EXCL, so that two `keys add` never both read the
 * old file and the second write loses the first key). A lock older than STALE_LOCK_MS is removed.
 */
export function withKeysLock<T>(path: string, fn: () => T): T {
  const lock = `${path}.lock`;
  const until = Date.now() + LOCK_WAIT_MS;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new KeyFileError(`cannot lock the keys file (${lock}): ${(e as Error).message}`);
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) {
        unlinkSync(lock);
        continue;
      }
    } catch {
      continue; // removed meanwhile: try again
    }
    if (Date.now() > until) throw new KeyFileError(`the keys file is locked by another \`keys\` command (${lock}); if none runs, remove the lock`);
    Atomics.wait(nap, 0, 0, 25); // a CLI command: a synchronous nap is fine here
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** What `keys add` restricts a key to, beside its scope. */
export interface KeyLimits {
  accounts: string[] | null;
  websites: string[] | null;
  allow: string[] | null;
  deny: string[] | null;
  concurrency: number | null;
}

/** Adds a key; returns the key itself (the only time it exists outside the caller's hands). */
export function addKey(path: string, name: string, scope: string, limits: KeyLimits): string {
  if (!NAME.test(name)) throw new KeyFileError(`--name must be 1-64 letters, digits, '.', '_' or '-' (first a letter or digit), got \`${name}\``);
  if (scope !== "read" && scope !== "write") throw new KeyFileError(`--scope is read or write, got \`${scope}\``);
  return withKeysLock(path, () => {
    const keys = readKeys(path, true);
    if (keys.some((k) => k.name === name)) throw new KeyFileError(`a key named \`${name}\` exists in ${path}: remove it first, or pick another name`);
    const key = newKey();
    keys.push({ name, scope, ...limits, hash: hashOf(key), created: new Date().toISOString() });
    writeKeys(path, keys);
    return key;
  });
}

export function removeKey(path: string, name: string): void {
  withKeysLock(path, () => {
    const keys = readKeys(path);
    const left = keys.filter((k) => k.name !== name);
    if (left.length === keys.length) throw new KeyFileError(`no key named \`${name}\` in ${path}`);
    writeKeys(path, left);
  });
}

/** What tells one version of the keys file from another: a rename gives a new inode, an edit in place a new ctime. */
function versionOf(s: Stats): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/**
 * The keys a running gateway accepts. With a file, it is read again when it changes (checked at
 * most once a second; a change is a new inode, size, mtime or ctime), so that `keys add` and `keys
 * remove` take effect without a restart. A file that turns invalid keeps the last good keys and
 * says so once; a file that is gone, or that others may write, fails closed: no key is accepted
 * until it is back (deleting the file is a way to revoke every key at once).
 */
export class KeyRing {
  #keys: { record: KeyRecord; digest: Buffer }[] = [];
  readonly #path: string | null;
  #version = "";
  #checkedAt = 0;
  #lastWarning = "";
  readonly #warn: (line: string) => void;

  constructor(path: string | null, records: KeyRecord[], warn: (line: string) => void) {
    this.#path = path;
    this.#warn = warn;
    this.#set(records);
    if (path) this.#version = versionOf(statSync(path));
  }

  #set(records: KeyRecord[]): void {
    this.#keys = records.map((record) => ({ record, digest: Buffer.from(record.hash.slice("sha256:".length), "hex") }));
  }

  get records(): KeyRecord[] {
    return this.#keys.map((k) => k.record);
  }

  #refresh(): void {
    if (!this.#path) return;
    const now = Date.now();
    if (now - this.#checkedAt < 1000) return;
    this.#checkedAt = now;
    let line: string;
    try {
      const stats = statSync(this.#path);
      checkMode(this.#path, stats);
      const version = versionOf(stats);
      if (version === this.#version) return;
      this.#set(readKeys(this.#path));
      this.#version = version;
      this.#warn(`keys file changed: ${this.#keys.length} keys`);
      this.#lastWarning = "";
      return;
    } catch (e) {
      const gone = (e as NodeJS.ErrnoException).code === "ENOENT";
      if (gone || e instanceof KeyFileModeError) {
        // Fail closed: a deleted keys file revokes every key; a file others may write is no proof of anything.
        this.#set([]);
        this.#version = "";
        line = gone ? `keys file ${this.#path} is gone: no key is accepted until it is back` : `${(e as Error).message}; no key is accepted until it is fixed`;
      } else line = `keys file unreadable, keeping the last good keys: ${(e as Error).message}`;
    }
    // Said once per problem, not on every request while it lasts.
    if (line !== this.#lastWarning) this.#warn(line);
    this.#lastWarning = line;
  }

  /** The key's record, or null. `header` is the request's Authorization header. */
  check(header: string | undefined): KeyRecord | null {
    this.#refresh();
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
    if (!match) return null;
    const presented = digest(match[1] as string);
    let found: KeyRecord | null = null;
    for (const k of this.#keys) {
      // Every stored hash is compared, whatever matched before.
      if (timingSafeEqual(presented, k.digest) && found === null) found = k.record;
    }
    return found;
  }
}
