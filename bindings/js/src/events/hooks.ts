// Crisp web hooks (`crisp.hooks`): each delivery checked over its raw bytes by crisp-core (the
// signature in constant time, the timestamp's age), replays refused, then dispatched to the
// `on(event)` handlers as socket events are.
import type { RtmBinding } from "../client/backend.js";
import type { ErrorInfo } from "../client/errors.js";
import { joinBytes } from "../internal/bytes.js";
import { dispatchTo, type ErrorClass, Errors, type Handler, parse } from "./dispatch.js";

/** Options of `crisp.hooks` (from `new Crisp({ hooks })`). */
export interface HooksOptions {
  /** The web hook secret (Crisp Marketplace: plugin settings). */
  secret: string;
  /** How old (or how far ahead) `X-Crisp-Request-Timestamp` may be, in ms (default 300000). */
  windowMs?: number;
  /**
   * The largest body `handle` and `node` read, in bytes (default 1048576, 1 MiB; a whole number,
   * at least 1). A longer one is answered 413 (`too_large`): on its `Content-Length` before any
   * byte is read, else as soon as the bytes read pass it, without reading the rest.
   */
  maxBodyBytes?: number;
}

/** A minimal Node `IncomingMessage`/`ServerResponse` pair (no `node:http` import here). */
export interface NodeRequest extends AsyncIterable<Uint8Array | string> {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
}
export interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** The outcome of one delivery. */
export interface HookResult {
  status: 200 | 400 | 401 | 405 | 409 | 413 | 500;
  /**
   * `ok`, or why it was refused: `missing`, `bad_signature`, `bad_timestamp`, `stale`, `replayed`
   * (401); `in_flight` (409: the same delivery is being handled now); `too_large` (413);
   * `bad_payload` (400); `handler_failed` (500: not marked seen, so Crisp's retry is accepted);
   * `method` (405).
   */
  code: string;
  event: string | null;
}

/** The `hooks` options with their defaults, as crisp-core checked them. */
interface HookLimits {
  windowMs: number;
  maxBodyBytes: number;
}

/** What the hook handlers share (kept by `crisp.hooks`, which loads this module on first use). */
export interface HookState {
  /** The real-time core, loaded on the first delivery (browsers fetch it then). */
  rtm: () => Promise<RtmBinding>;
  CrispError: ErrorClass;
  options: HooksOptions | undefined;
  /**
   * The MACs of deliveries handled (the signature decoded by crisp-core, never the header's
   * text: one key however it was spelled), with when they leave the window: a replay inside it
   * is refused.
   */
  seen: Map<string, number>;
  /** The MACs of deliveries whose handlers run now: the same delivery again waits its turn (409). */
  inFlight: Set<string>;
  /** The options checked by crisp-core, on the first delivery. */
  limits?: HookLimits;
  /** The `on(event)` handlers. */
  handlers: Map<string, Set<Handler<never>>>;
  /** Names given to `on` before the core was at hand (a browser): checked before the first dispatch. */
  unchecked: Set<string>;
}

/** The core, once every name given to `on` is checked (a bad one throws, naming `name`). */
async function hookCore(state: HookState): Promise<RtmBinding> {
  const rtm = await state.rtm();
  for (const name of state.unchecked) {
    const r = parse<{ ok: true } | { ok: false; error: ErrorInfo }>(rtm.rtmSubscription(name && !name.includes("\n") ? name : "\n"));
    if (!r.ok) throw new state.CrispError({ ...r.error, param: "name" });
    state.unchecked.delete(name);
  }
  return rtm;
}

/** A number option as given, or NaN for anything else: the core refuses it, naming the option. */
const number = (v: unknown): number => (typeof v === "number" ? v : Number.NaN);

/**
 * The secret, the core and the options with their defaults (checked by crisp-core once); throws
 * the configuration error naming `hooks.secret`, `hooks.windowMs` or `hooks.maxBodyBytes`.
 */
async function setup(state: HookState): Promise<{ secret: string; binding: RtmBinding; limits: HookLimits }> {
  const errors = new Errors(state.CrispError);
  const secret = state.options?.secret;
  if (!secret) throw errors.make("invalid_config", "crisp.hooks needs `hooks: { secret }` in the Crisp options", "hooks.secret");
  const binding = await hookCore(state);
  if (!state.limits) {
    const { windowMs, maxBodyBytes } = state.options ?? {};
    const r = parse<({ ok: true } & HookLimits) | { ok: false; error: ErrorInfo }>(
      binding.rtmHookOptions(windowMs == null ? 0 : number(windowMs), maxBodyBytes == null ? undefined : number(maxBodyBytes)),
    );
    if (!r.ok) throw errors.of(r.error);
    state.limits = { windowMs: r.windowMs, maxBodyBytes: r.maxBodyBytes };
  }
  return { secret, binding, limits: state.limits };
}

const TOO_LARGE: HookResult = { status: 413, code: "too_large", event: null };

/**
 * Checks and dispatches one delivery: its size, the signature over the raw body (constant time,
 * in crisp-core), the freshness of `X-Crisp-Request-Timestamp`, a delivery already handled (a
 * replay) or being handled, then `{website_id, event, data, timestamp}` to the `on(event)`
 * handlers. A delivery is marked seen only once its handlers succeeded: one that failed (500)
 * is accepted again when Crisp retries it.
 */
export async function receiveHook(state: HookState, rawBody: Uint8Array, timestamp: string | null, signature: string | null): Promise<HookResult> {
  const { secret, binding, limits } = await setup(state);
  if (rawBody.length > limits.maxBodyBytes) return TOO_LARGE;
  const now = Date.now();
  const check = parse<{ ok: true; timestampMs: number; mac: string } | { ok: false; refusal: string } | { ok: false; error: ErrorInfo }>(
    binding.checkHook(secret, timestamp ?? "", rawBody, signature ?? "", now, limits.windowMs),
  );
  if (!check.ok) {
    if ("error" in check) throw new state.CrispError(check.error);
    return { status: 401, code: check.refusal, event: null };
  }
  // From here to the in-flight mark nothing awaits: two copies of one delivery cannot both pass.
  for (const [mac, until] of state.seen) if (until < now) state.seen.delete(mac);
  const key = check.mac;
  if (state.seen.has(key)) return { status: 401, code: "replayed", event: null };
  if (state.inFlight.has(key)) return { status: 409, code: "in_flight", event: null };
  let payload: { event?: unknown; data?: unknown };
  try {
    payload = JSON.parse(new TextDecoder().decode(rawBody)) as typeof payload;
  } catch {
    return { status: 400, code: "bad_payload", event: null };
  }
  if (typeof payload?.event !== "string" || typeof payload.data !== "object" || payload.data === null) {
    return { status: 400, code: "bad_payload", event: null };
  }
  state.inFlight.add(key);
  let ok = false;
  try {
    ok = await dispatchTo(state.handlers, payload.event, payload.data);
  } finally {
    state.inFlight.delete(key);
    if (ok) state.seen.set(key, check.timestampMs + limits.windowMs);
  }
  return { status: ok ? 200 : 500, code: ok ? "ok" : "handler_failed", event: payload.event };
}

/** Whether a `Content-Length` header declares more than `max` bytes (a malformed one is left to the read's own limit). */
function declaredOver(value: string | null | undefined, max: number): boolean {
  return typeof value === "string" && /^\s*\d+\s*$/.test(value) && Number(value) > max;
}

function answer(r: HookResult): Response {
  return new Response(JSON.stringify({ ok: r.status === 200, code: r.code }), {
    status: r.status,
    headers: { "content-type": "application/json" },
  });
}

/** A web stream's bytes, or null as soon as they pass `max` (the stream is cancelled: the rest is never read). */
async function readStream(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return joinBytes(chunks, length);
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBufferLike);
    length += chunk.length;
    if (length > max) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(chunk);
  }
}

/** The fetch-style handler behind `crisp.hooks.handle`. */
export async function handleRequest(state: HookState, request: Request): Promise<Response> {
  if (request.method !== "POST") return answer({ status: 405, code: "method", event: null });
  const { limits } = await setup(state);
  if (declaredOver(request.headers.get("content-length"), limits.maxBodyBytes)) return answer(TOO_LARGE);
  const body = await readStream(request.body, limits.maxBodyBytes);
  if (body === null) return answer(TOO_LARGE);
  return answer(await receiveHook(state, body, request.headers.get("x-crisp-request-timestamp"), request.headers.get("x-crisp-signature")));
}

/** A Node request's bytes, or null as soon as they pass `max`: the rest is left unread. */
async function readNode(req: NodeRequest, max: number): Promise<Uint8Array | null> {
  // The iterator by hand, not `for await`: leaving that loop early destroys the request, and its
  // socket with it, before the 413 is written. Left paused, the request is not read further.
  const it = req[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await it.next();
    if (done) return joinBytes(chunks, length);
    const chunk = typeof value === "string" ? new TextEncoder().encode(value) : value;
    length += chunk.length;
    if (length > max) return null;
    chunks.push(chunk);
  }
}

/** The Node `(req, res)` handler behind `crisp.hooks.node`. */
export async function handleNode(state: HookState, req: NodeRequest, res: NodeResponse): Promise<void> {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
  };
  let r: HookResult;
  if (req.method !== undefined && req.method !== "POST") {
    r = { status: 405, code: "method", event: null };
  } else {
    let limits: HookLimits;
    try {
      ({ limits } = await setup(state));
    } catch (error) {
      // A configuration error: answered (never a request left hanging), then thrown.
      send(res, { status: 500, code: "invalid_config", event: null });
      throw error;
    }
    const body = declaredOver(header("content-length"), limits.maxBodyBytes) ? null : await readNode(req, limits.maxBodyBytes);
    r = body === null ? TOO_LARGE : await receiveHook(state, body, header("x-crisp-request-timestamp"), header("x-crisp-signature"));
  }
  send(res, r);
}

function send(res: NodeResponse, r: HookResult): void {
  res.statusCode = r.status;
  res.setHeader("content-type", "application/json");
  // The rest of a body too large is never read: the connection closes after the answer.
  if (r.status === 413) res.setHeader("connection", "close");
  res.end(JSON.stringify({ ok: r.status === 200, code: r.code }));
}
