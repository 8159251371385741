// One Crisp token, many callers: every request to Crisp passes through its token's queue.
//
// The limiter is the gateway's `Crisp` clients' transport hook (`TransportHook`): each attempt
// waits for its token's turn before it is sent. crisp-kit still decides everything about a call,
// retries included (crisp-core's policy: reads retried on 420/429/5xx with backoff and
// `Retry-After`, writes sent once); the queue only decides *when* an attempt may leave:
// - at most `concurrency` requests in flight per token (from the turn until the answer is read);
// - at most `rate` requests a second, a token bucket holding `burst` (when a rate is set);
// - after Crisp answers 429 or 420, nobody on that token sends until `Retry-After` (as crisp-core
//   read it) has passed (1 s when Crisp gives none): one caller's rate limit pauses all of them,
//   so that ten agents sharing a token back off together instead of each burning the token in turn.
// The queue is first come, first served. Which queue an account uses is decided once, at startup,
// from the configuration (`accountQueues`): accounts that share a token share its queue. With
// `--redis`, the bucket and the pause live in Redis (one Lua script, Redis' own clock), so that
// replicas share one token's budget; the in-flight cap stays per process.
import { createHash } from "node:crypto";
import type { AccountInfo, AttemptInfo, AttemptOutcome, CrispOptions, TransportHook } from "../client/crisp.js";
import { isMissingPackage } from "../internal/optional.js";
import type { Metrics } from "./metrics.js";

export interface RateSpec {
  /** Requests per second. */
  perSecond: number;
  /** The bucket's size: how many may leave at once after a quiet spell. */
  burst: number;
}

/** Parses `N/s`, `N/m` (a bucket of N, refilled at N per second or minute). */
export function parseRate(text: string): RateSpec {
  const m = /^(\d+(?:\.\d+)?)\/(s|m)$/.exec(text.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || !(n > 0)) throw new Error(`--rate takes N/s or N/m (e.g. 10/s), got \`${text}\``);
  return { perSecond: m[2] === "s" ? n : n / 60, burst: Math.max(1, Math.floor(n)) };
}

/** Where a token's bucket and pause live. `take` answers 0 (go) or the ms to wait. */
interface BucketStore {
  take(id: string): number | Promise<number>;
  pause(id: string, ms: number): void | Promise<void>;
}

class LocalStore implements BucketStore {
  readonly #state = new Map<string, { tokens: number; last: number; pausedUntil: number }>();
  constructor(readonly rate: RateSpec | null) {}

  #of(id: string, now: number) {
    let s = this.#state.get(id);
    if (!s) this.#state.set(id, (s = { tokens: this.rate?.burst ?? 0, last: now, pausedUntil: 0 }));
    return s;
  }

  take(id: string): number {
    const now = performance.now();
    const s = this.#of(id, now);
    if (s.pausedUntil > now) return Math.ceil(s.pausedUntil - now);
    if (!this.rate) return 0;
    s.tokens = Math.min(this.rate.burst, s.tokens + ((now - s.last) * this.rate.perSecond) / 1000);
    s.last = now;
    if (s.tokens < 1) return Math.max(1, Math.ceil(((1 - s.tokens) * 1000) / this.rate.perSecond));
    s.tokens -= 1;
    return 0;
  }

  pause(id: string, ms: number): void {
    const s = this.#of(id, performance.now());
    s.pausedUntil = Math.max(s.pausedUntil, performance.now() + ms);
  }
}

// Redis' clock (TIME), not each replica's, so that replicas agree on when tokens refill.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
if paused > now then return paused - now end
local rate = tonumber(ARGV[1])
if rate <= 0 then return 0 end
local burst = tonumber(ARGV[2])
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or now)
tokens = math.min(burst, tokens + (now - last) * rate / 1000)
local wait = 0
if tokens < 1 then
  wait = math.max(1, math.ceil((1 - tokens) * 1000 / rate))
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], 3600000)
return wait
`;

const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local till = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
if till > cur then redis.call('HSET', KEYS[1], 'paused_until', tostring(till)) end
redis.call('PEXPIRE', KEYS[1], 3600000)
return 0
`;

const REDIS_TIMEOUT_MS = 1000;

interface RedisLike {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  connect(): Promise<unknown>;
  quit?(): Promise<unknown>;
  close?(): Promise<unknown>;
  on(event: "error", listener: (e: Error) => void): unknown;
}

/**
 * The bucket in Redis. When Redis cannot be reached, this process falls back to its own bucket
 * (said once on stderr, and again when Redis is back): a gateway that stops serving because its
 * shared limiter is down would be worse than one that limits alone for a while.
 */
class RedisStore implements BucketStore {
  readonly #local: LocalStore;
  #down = false;
  constructor(
    readonly client: RedisLike,
    readonly rate: RateSpec | null,
    readonly prefix: string,
    readonly log: (line: string) => void,
  ) {
    this.#local = new LocalStore(rate);
  }

  #key(id: string): string {
    return `${this.prefix}${id}`;
  }

  /** One script call, given up after REDIS_TIMEOUT_MS (a Redis that hangs must not hang callers). */
  async #eval(script: string, key: string, args: string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.client.eval(script, { keys: [key], arguments: args }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #failed(e: unknown): void {
    if (!this.#down) this.log(`redis unreachable, limiting in this process alone until it is back: ${(e as Error).message}`);
    this.#down = true;
  }

  #ok(): void {
    if (this.#down) this.log("redis is back: limits are shared again");
    this.#down = false;
  }

  async take(id: string): Promise<number> {
    const rate = this.rate ? [String(this.rate.perSecond), String(this.rate.burst)] : ["0", "0"];
    try {
      const wait = Number(await this.#eval(TAKE, this.#key(id), rate));
      this.#ok();
      return wait;
    } catch (e) {
      this.#failed(e);
      return this.#local.take(id);
    }
  }

  async pause(id: string, ms: number): Promise<void> {
    this.#local.pause(id, ms);
    try {
      await this.#eval(PAUSE, this.#key(id), [String(Math.ceil(ms))]);
      this.#ok();
    } catch (e) {
      this.#failed(e);
    }
  }
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** One token's queue. */
class TokenQueue {
  readonly #queue: Waiter[] = [];
  #inFlight = 0;
  #pumping = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly concurrency: number,
    readonly store: BucketStore,
    readonly metrics: Metrics,
  ) {}

  acquire(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter: Waiter = { resolve, reject };
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiter.resolve = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#queue.push(waiter);
      void this.#pump();
    });
  }

  release(): void {
    this.#inFlight--;
    this.metrics.inFlight.set({ account: this.label }, this.#inFlight);
    void this.#pump();
  }

  async pause(ms: number): Promise<void> {
    await this.store.pause(this.id, ms);
  }

  async #pump(): Promise<void> {
    if (this.#pumping || this.#timer) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && this.#inFlight < this.concurrency) {
        const wait = await this.store.take(this.id);
        if (wait > 0) {
          this.#timer = setTimeout(() => {
            this.#timer = null;
            void this.#pump();
            // (A pause shared through Redis may come from an older replica, unclamped.)
          }, Math.min(wait, MAX_PAUSE_MS));
          return;
        }
        const next = this.#queue.shift();
        if (!next) return; // the waiter left while the bucket was asked: this turn is lost, not given twice
        this.#inFlight++;
        this.metrics.inFlight.set({ account: this.label }, this.#inFlight);
        next.resolve();
      }
    } catch (e) {
      // A store that throws (it should not: RedisStore falls back) must not strand the queue.
      for (const w of this.#queue.splice(0)) w.reject(e);
    } finally {
      this.#pumping = false;
    }
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** One queue: its id (in Redis keys: a digest, never the key) and its label (the accounts' names). */
export interface QueueName {
  id: string;
  label: string;
}

/**
 * Each account's queue, from the configuration: one per token (where it goes and its
 * credentials), so that accounts sharing a token share its queue; the label names them all. The
 * id is a digest of the origin and the `Authorization` crisp-core sends, the same in every
 * replica (and the same as before the limiter was a transport hook: replicas of either version
 * share Redis keys).
 */
export function accountQueues(options: CrispOptions, accounts: Pick<AccountInfo, "id" | "baseUrl">[]): Map<string, QueueName> {
  const basic = (identifier?: string, key?: string) => (identifier && key ? `Basic ${Buffer.from(`${identifier}:${key}`).toString("base64")}` : null);
  const credentials = new Map<string, string | null>([["default", basic(options.identifier, options.key)]]);
  for (const [id, a] of Object.entries(options.accounts ?? {})) credentials.set(id, basic(a?.identifier, a?.key));
  const byToken = new Map<string, QueueName>();
  const queues = new Map<string, QueueName>();
  for (const account of accounts) {
    const auth = credentials.get(account.id);
    if (!auth) continue;
    const id = tokenId(account.baseUrl, auth);
    const queue = byToken.get(id);
    if (queue) queue.label = `${queue.label},${account.id}`;
    else byToken.set(id, { id, label: account.id });
    queues.set(account.id, byToken.get(id)!);
  }
  return queues;
}

/** A digest of where requests go and their Authorization: never the key. */
function tokenId(url: string, authorization: string): string {
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // kept whole
  }
  return createHash("sha256").update(`${origin}\n${authorization}`).digest("hex").slice(0, 32);
}

export interface LimiterOptions {
  concurrency: number;
  rate: RateSpec | null;
  redis: RedisLike | null;
  redisPrefix: string;
  /** Each account's queue, from `accountQueues`. */
  queues: Map<string, QueueName>;
  metrics: Metrics;
  log: (line: string) => void;
}

/** Pause after a 429/420 without `Retry-After`. */
const DEFAULT_PAUSE_MS = 1000;
/**
 * The longest pause a `Retry-After` sets: past it the gateway sends again (and Crisp answers 429
 * again if it meant it). A longer timer would overflow setTimeout (over 2^31 ms it fires at once,
 * and the queue would spin) and a wrong header would stop a token for days.
 */
export const MAX_PAUSE_MS = 60_000;

/** The transport hook of the gateway's clients: each attempt waits for its token's turn. */
export class Limiter implements TransportHook {
  readonly #queues = new Map<string, TokenQueue>();
  readonly #store: BucketStore;
  readonly #options: LimiterOptions;
  /**
   * The attempts that hold a slot, by their signal (the same object in the attempt and its
   * outcome). The slot is given back when the outcome comes: crisp-kit tells it once for every
   * attempt, however it ended (answered and read, network failure, timeout, cancellation), after
   * the body was read. An attempt that never got its turn (cancelled or timed out in the queue)
   * holds none.
   */
  readonly #held = new Map<AbortSignal, TokenQueue>();

  constructor(options: LimiterOptions) {
    this.#options = options;
    this.#store = options.redis ? new RedisStore(options.redis, options.rate, options.redisPrefix, options.log) : new LocalStore(options.rate);
  }

  #queue(account: string): TokenQueue {
    // An account the configuration does not list has no request to send (crisp-core refuses it
    // first); should one come, it gets a queue of its own.
    const name = this.#options.queues.get(account) ?? { id: `account:${account}`, label: account };
    let q = this.#queues.get(name.id);
    if (!q) {
      q = new TokenQueue(name.id, name.label, this.#options.concurrency, this.#store, this.#options.metrics);
      this.#queues.set(name.id, q);
    }
    return q;
  }

  readonly attempt = async (info: AttemptInfo, send: () => Promise<Response>): Promise<Response> => {
    const q = this.#queue(info.account);
    const metrics = this.#options.metrics;
    const started = performance.now();
    // Rejects when the attempt is cancelled or times out while it waits: no slot, nothing sent.
    await q.acquire(info.signal);
    this.#held.set(info.signal, q);
    metrics.queueWait.observe({ stage: "account" }, (performance.now() - started) / 1000);
    if (info.attempt > 1) metrics.retries.inc({ account: q.label });
    return send();
  };

  readonly outcome = (o: AttemptOutcome): void => {
    const q = this.#held.get(o.signal);
    if (!q) return; // never had its turn: nothing was sent
    this.#held.delete(o.signal);
    const account = { account: q.label };
    const metrics = this.#options.metrics;
    metrics.upstream.inc({ ...account, status: String(o.status ?? 0) });
    if (o.status !== 429 && o.status !== 420) return q.release();
    metrics.rateLimited.inc(account);
    // Paused before this slot is given back: the next in line must see the pause.
    const asked = o.retryAfterMs ?? DEFAULT_PAUSE_MS;
    if (asked > MAX_PAUSE_MS) this.#options.log(`Crisp asked ${q.label} to wait ${Math.round(asked / 1000)} s (Retry-After); pausing ${MAX_PAUSE_MS / 1000} s, the most`);
    const release = () => q.release();
    void q.pause(Math.min(asked, MAX_PAUSE_MS)).then(release, release);
  };

  close(): void {
    for (const q of this.#queues.values()) q.close();
  }
}

/** A connected Redis client (the `redis` package, an optional peer dependency, loaded here only). */
export async function connectRedis(url: string, log: (line: string) => void): Promise<RedisLike> {
  let mod: {
    createClient: (o: {
      url: string;
      disableOfflineQueue: boolean;
      socket: { connectTimeout: number; reconnectStrategy: (retries: number) => number };
    }) => RedisLike & { destroy(): void };
  };
  try {
    mod = (await import("redis")) as unknown as typeof mod;
  } catch (e) {
    if (isMissingPackage(e, "redis")) {
      throw new Error("--redis needs the `redis` package beside crisp-kit (an optional peer dependency): npm install redis");
    }
    throw e;
  }
  // Reconnects forever, at most 2 s apart, once it has started (RedisStore falls back meanwhile).
  // No offline queue: while Redis is away a command fails at once (and RedisStore limits locally)
  // instead of waiting for the reconnection with every caller behind it.
  const client = mod.createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 2000) },
  });
  // The URL, which may hold a password, is never printed; nor is the password, should an error quote it.
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // not a URL: createClient says so, without it
  }
  const clean = (text: string) => (password.length > 0 ? text.split(password).join("[redacted]") : text);
  let last = "";
  client.on("error", (e) => {
    // Say each different failure once.
    if (e.message !== last) log(`redis: ${clean(e.message)}`);
    last = e.message;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    // At start, the first failure is final: a gateway told to share its limits should not start alone.
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        client.on("error", (e) => reject(new Error(`--redis: cannot connect: ${clean(e.message)}`)));
        timer = setTimeout(() => reject(new Error("--redis: no connection within 5 s")), 5000);
      }),
    ]);
  } catch (e) {
    client.destroy();
    throw new Error(clean((e as Error).message));
  } finally {
    clearTimeout(timer);
  }
  return client;
}
