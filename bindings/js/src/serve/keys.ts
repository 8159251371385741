// The gateway's bearer keys: who may call it, with which scope and accounts.
//
// A key is 32 random bytes (base64url, prefixed `ckg_`), shown once when it is made. The keys file
// holds only its SHA-256: a fast hash is enough for a 256-bit random secret (no dictionary to try;
// slow KDFs exist for low-entropy passwords), and it keeps each check at one hash. A presented key
// is hashed and compared with every stored hash in constant time, with no early exit.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";

export type Scope = "read" | "write";

/** One key as the file stores it: never the key itself. */
export interface KeyRecord {
  name: string;
  scope: Scope;
  /** The accounts it may use; null: every account. */
  accounts: string[] | null;
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
  const accounts = k.accounts ?? null;
  if (accounts !== null && (!Array.isArray(accounts) || accounts.some((a) => typeof a !== "string" || a === ""))) {
    throw new KeyFileError(`${at} (${k.name}): \`accounts\` is null or a list of account names`);
  }
  const concurrency = k.concurrency ?? null;
  if (concurrency !== null && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new KeyFileError(`${at} (${k.name}): \`concurrency\` is null or a whole number >= 1`);
  }
  return { name: k.name, scope: k.scope, accounts, concurrency, hash: k.hash, created: typeof k.created === "string" ? k.created : "" };
}

/** Reads a keys file; a missing file is an empty one when `missingOk`. */
export function readKeys(path: string, missingOk = false): KeyRecord[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (missingOk && (e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new KeyFileError(`cannot read the keys file ${path}: ${(e as Error).message}`);
  }
  let parsed: KeysFile;
  try {
    parsed = JSON.parse(text) as KeysFile;
  } catch (e) {
    throw new KeyFileError(`the keys file ${path} is not JSON: ${(e as Error).message}`);
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

/** Writes the keys file whole (a temporary file renamed over it), readable by its owner only. */
export function writeKeys(path: string, keys: KeyRecord[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ version: 1, keys } satisfies KeysFile, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Adds a key; returns the key itself (the only time it exists outside the caller's hands). */
export function addKey(path: string, name: string, scope: string, accounts: string[] | null, concurrency: number | null): string {
  if (!NAME.test(name)) throw new KeyFileError(`--name must be 1-64 letters, digits, '.', '_' or '-' (first a letter or digit), got \`${name}\``);
  if (scope !== "read" && scope !== "write") throw new KeyFileError(`--scope is read or write, got \`${scope}\``);
  const keys = readKeys(path, true);
  if (keys.some((k) => k.name === name)) throw new KeyFileError(`a key named \`${name}\` exists in ${path}: remove it first, or pick another name`);
  const key = newKey();
  keys.push({ name, scope, accounts, concurrency, hash: hashOf(key), created: new Date().toISOString() });
  writeKeys(path, keys);
  return key;
}

export function removeKey(path: string, name: string): void {
  const keys = readKeys(path);
  const left = keys.filter((k) => k.name !== name);
  if (left.length === keys.length) throw new KeyFileError(`no key named \`${name}\` in ${path}`);
  writeKeys(path, left);
}

/**
 * The keys a running gateway accepts. With a file, it is read again when it changes (checked at
 * most once a second), so that `keys add` and `keys remove` take effect without a restart; a file
 * that turns invalid keeps the last good keys and says so once.
 */
export class KeyRing {
  #keys: { record: KeyRecord; digest: Buffer }[] = [];
  readonly #path: string | null;
  #mtimeMs = -1;
  #checkedAt = 0;
  #lastWarning = "";
  readonly #warn: (line: string) => void;

  constructor(path: string | null, records: KeyRecord[], warn: (line: string) => void) {
    this.#path = path;
    this.#warn = warn;
    this.#set(records);
    if (path) this.#mtimeMs = statSync(path).mtimeMs;
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
    try {
      const mtime = statSync(this.#path).mtimeMs;
      if (mtime === this.#mtimeMs) return;
      this.#mtimeMs = mtime;
      this.#set(readKeys(this.#path));
      this.#warn(`keys file changed: ${this.#keys.length} keys`);
    } catch (e) {
      // Said once per problem, not on every request while it lasts.
      const line = `keys file unreadable, keeping the last good keys: ${(e as Error).message}`;
      if (line !== this.#lastWarning) this.#warn(line);
      this.#lastWarning = line;
      return;
    }
    this.#lastWarning = "";
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
