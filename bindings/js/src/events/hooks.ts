// Crisp web hooks (`crisp.hooks`): each delivery checked over its raw bytes by crisp-core (the
// signature in constant time, the timestamp's age), replays refused, then dispatched to the
// `on(event)` handlers as socket events are.
import type { RtmBinding } from "../client/backend.js";
import type { ErrorInfo } from "../client/errors.js";
import { dispatchTo, type ErrorClass, Errors, type Handler, parse } from "./dispatch.js";

/** Options of `crisp.hooks` (from `new Crisp({ hooks })`). */
export interface HooksOptions {
  /** The web hook secret (Crisp Marketplace: plugin settings). */
  secret: string;
  /** How old (or how far ahead) `X-Crisp-Request-Timestamp` may be, in ms (default 300000). */
  windowMs?: number;
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
  status: 200 | 400 | 401 | 405 | 500;
  /** `ok`, or why it was refused: `missing`, `bad_signature`, `bad_timestamp`, `stale`, `replayed`, `bad_payload`, `handler_failed`, `method`. */
  code: string;
  event: string | null;
}

/** What the hook handlers share (kept by `crisp.hooks`, which loads this module on first use). */
export interface HookState {
  /** The real-time core, loaded on the first delivery (browsers fetch it then). */
  rtm: () => Promise<RtmBinding>;
  CrispError: ErrorClass;
  options: HooksOptions | undefined;
  /** Signatures seen, with when they leave the window: a replay inside it is refused. */
  seen: Map<string, number>;
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

/**
 * Checks and dispatches one delivery: the signature over the raw body (constant time, in
 * crisp-core), the freshness of `X-Crisp-Request-Timestamp`, a delivery already seen (a replay),
 * then `{website_id, event, data, timestamp}` to the `on(event)` handlers.
 */
export async function receiveHook(state: HookState, rawBody: Uint8Array, timestamp: string | null, signature: string | null): Promise<HookResult> {
  const errors = new Errors(state.CrispError);
  const secret = state.options?.secret;
  if (!secret) throw errors.make("invalid_config", "crisp.hooks needs `hooks: { secret }` in the Crisp options", "hooks.secret");
  const binding = await hookCore(state);
  const windowMs = state.options?.windowMs ?? 0;
  const now = Date.now();
  const check = parse<{ ok: true; timestampMs: number } | { ok: false; refusal: string } | { ok: false; error: ErrorInfo }>(
    binding.checkHook(secret, timestamp ?? "", rawBody, signature ?? "", now, windowMs),
  );
  if (!check.ok) {
    if ("error" in check) throw errors.of(check.error); // `hooks.windowMs` is not whole milliseconds
    return { status: 401, code: check.refusal, event: null };
  }
  for (const [sig, until] of state.seen) if (until < now) state.seen.delete(sig);
  const key = signature!.trim().toLowerCase();
  if (state.seen.has(key)) return { status: 401, code: "replayed", event: null };
  const window = windowMs > 0 ? windowMs : parse<{ hookWindowMs: number }>(binding.rtmCatalog()).hookWindowMs;
  state.seen.set(key, check.timestampMs + window);
  let payload: { event?: unknown; data?: unknown };
  try {
    payload = JSON.parse(new TextDecoder().decode(rawBody)) as typeof payload;
  } catch {
    return { status: 400, code: "bad_payload", event: null };
  }
  if (typeof payload?.event !== "string" || typeof payload.data !== "object" || payload.data === null) {
    return { status: 400, code: "bad_payload", event: null };
  }
  const ok = await dispatchTo(state.handlers, payload.event, payload.data);
  return { status: ok ? 200 : 500, code: ok ? "ok" : "handler_failed", event: payload.event };
}

function answer(r: HookResult): Response {
  return new Response(JSON.stringify({ ok: r.status === 200, code: r.code }), {
    status: r.status,
    headers: { "content-type": "application/json" },
  });
}

/** The fetch-style handler behind `crisp.hooks.handle`. */
export async function handleRequest(state: HookState, request: Request): Promise<Response> {
  if (request.method !== "POST") return answer({ status: 405, code: "method", event: null });
  const body = new Uint8Array(await request.arrayBuffer());
  return answer(await receiveHook(state, body, request.headers.get("x-crisp-request-timestamp"), request.headers.get("x-crisp-signature")));
}

/** The Node `(req, res)` handler behind `crisp.hooks.node`. */
export async function handleNode(state: HookState, req: NodeRequest, res: NodeResponse): Promise<void> {
  let r: HookResult;
  if (req.method !== undefined && req.method !== "POST") {
    r = { status: 405, code: "method", event: null };
  } else {
    const chunks: Uint8Array[] = [];
    for await (const c of req) chunks.push(typeof c === "string" ? new TextEncoder().encode(c) : c);
    const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
    };
    r = await receiveHook(state, body, header("x-crisp-request-timestamp"), header("x-crisp-signature"));
  }
  res.statusCode = r.status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ ok: r.status === 200, code: r.code }));
}
