// MCP logging for both servers (`crisp-kit mcp` over stdio, /mcp of `crisp-kit serve`): the
// `logging` capability, `logging/setLevel`, and the server's lines that concern a client (a tool
// call refused or failed, each call's outcome at debug, a protocol error) sent to it as
// `notifications/message` at or above the level it set. Until a client sets a level it gets none:
// the gateway's answers stay plain JSON, and stderr keeps every line for the operator.
//
// Text sent here is already redacted by CrispTools (tool results); it passes a second redactor
// anyway (the configured Crisp keys, and anything shaped like a bearer or gateway key), because a
// line that leaks a key is worse than a line that shows `[redacted]` once too often.
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { CallToolResult, LoggingLevel, ServerNotification } from "@modelcontextprotocol/sdk/types.js";

/** The spec's levels, least severe first (RFC 5424's, as MCP names them). */
export const LOG_LEVELS: readonly LoggingLevel[] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/** The logger name clients show beside each line. */
const LOGGER = "crisp-kit";
/** The longest message sent, in characters: a log line is not a tool result. */
const MAX_MESSAGE = 2_000;

/** Secrets that may not be configured but have a known shape: gateway keys, Authorization values. */
const SHAPED = [/\bckg_[A-Za-z0-9_-]{16,}/g, /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/gi];

/** A redactor of `secrets` (and of the shapes above) for text that leaves the server. */
export function logRedactor(redact: (text: string) => string): (text: string) => string {
  return (text) => SHAPED.reduce((t, re) => t.replace(re, (m) => (m.startsWith("ckg_") ? "ckg_[redacted]" : `${m.split(/\s/)[0]} [redacted]`)), redact(text));
}

/**
 * The level each client set, by scope: one scope for the stdio server (its one client), the
 * gateway key's name for /mcp (stateless: no session lives from one POST to the next, so a level
 * set by a key's client holds for that key's later calls, in this process).
 */
export class LogLevels {
  readonly #levels = new Map<string, LoggingLevel>();
  constructor(readonly max = 10_000) {}
  get(scope: string): LoggingLevel | null {
    return this.#levels.get(scope) ?? null;
  }
  set(scope: string, level: LoggingLevel): void {
    this.#levels.delete(scope);
    // Bounded: the oldest scope goes first (scopes are gateway keys: a handful in practice).
    if (this.#levels.size >= this.max) {
      const oldest = this.#levels.keys().next().value;
      if (oldest !== undefined) this.#levels.delete(oldest);
    }
    this.#levels.set(scope, level);
  }
}

/** Sends one notification (the request handler's `extra.sendNotification`, or the server's own). */
export type Notify = (notification: ServerNotification) => Promise<void>;

/** Whether a JSON-RPC message (or batch) holds a tools/call: the one request that logs. */
export function carriesToolCall(message: unknown): boolean {
  const one = (m: unknown) => typeof m === "object" && m !== null && (m as { method?: unknown }).method === "tools/call";
  return Array.isArray(message) ? message.some(one) : one(message);
}

/** Whether a line at `level` reaches a client that set `threshold` (null: it set none, so no). */
export function passes(level: LoggingLevel, threshold: LoggingLevel | null): boolean {
  return threshold !== null && LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

/** The log of one client scope: what it set, and the lines it gets. */
export class ClientLog {
  readonly #redact: (text: string) => string;
  constructor(
    readonly levels: LogLevels,
    readonly scope: string,
    redact: (text: string) => string,
    readonly stderr: (line: string) => void = () => undefined,
  ) {
    this.#redact = logRedactor(redact);
  }

  /** Whether the client set a level (the gateway then answers tools/call as an SSE stream, to carry the lines). */
  get wanted(): boolean {
    return this.levels.get(this.scope) !== null;
  }

  /**
   * Declares `logging/setLevel` on `server` (built with the `logging` capability). The SDK's own
   * handler keeps the level per session, which a stateless server forgets at the next POST, so
   * this one keeps it in `levels` under this log's scope. And the SDK answers a bad level with
   * -32603 and a dump of its schema; this one says -32602 (invalid params), naming the parameter.
   */
  async answerSetLevel(server: Server): Promise<void> {
    const { ErrorCode, McpError, RequestSchema, SetLevelRequestSchema } = await import("@modelcontextprotocol/sdk/types.js");
    const schema = RequestSchema.extend({ method: SetLevelRequestSchema.shape.method });
    server.setRequestHandler(schema, (request) => {
      const level = request.params?.level;
      if (typeof level !== "string" || !(LOG_LEVELS as readonly string[]).includes(level)) {
        const got = typeof level === "string" ? `\`${level.slice(0, 40)}\`` : level === undefined ? "nothing" : typeof level;
        throw new McpError(ErrorCode.InvalidParams, `logging/setLevel: \`level\` is one of ${LOG_LEVELS.join(", ")}; got ${got}`);
      }
      this.levels.set(this.scope, level as LoggingLevel);
      return {};
    });
  }

  /** Sends one line at `level`, if the client asked for that level; never throws. */
  async send(notify: Notify, level: LoggingLevel, message: string, fields: Record<string, string | number> = {}): Promise<void> {
    if (!passes(level, this.levels.get(this.scope))) return;
    const clean = (t: string) => {
      const r = this.#redact(t);
      return r.length > MAX_MESSAGE ? `${r.slice(0, MAX_MESSAGE)}…` : r;
    };
    const data: Record<string, string | number> = { message: clean(message) };
    // Every string, not only the message: a tool's name is the client's text too.
    for (const [k, v] of Object.entries(fields)) data[k] = typeof v === "string" ? clean(v) : v;
    try {
      await notify({ method: "notifications/message", params: { level, logger: LOGGER, data } });
    } catch (e) {
      // The client went away: the line is lost, the call's answer is what matters.
      this.stderr(`could not send a log line to the client: ${(e as Error)?.message ?? e}`);
    }
  }

  /**
   * Runs one tools/call and tells the client how it went: `warning` when the tool refused or
   * failed (with the reason the result carries), `debug` for every call (tool, outcome, time).
   */
  async toolCall(notify: Notify, tool: string, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
    const started = performance.now();
    const result = await run();
    const ms = Math.round(performance.now() - started);
    if (result.isError) {
      const first = result.content.find((c) => c.type === "text");
      const reason = first && "text" in first ? first.text.replace(/^Error:\s*/, "") : "the tool failed";
      await this.send(notify, "warning", `${tool} refused or failed: ${reason}`, { tool });
    }
    await this.send(notify, "debug", `${tool}: ${result.isError ? "error" : "ok"} in ${ms} ms`, { tool, ms });
    return result;
  }
}
