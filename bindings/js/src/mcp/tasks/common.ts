// What every task tool shares: how it reaches Crisp (through the host's `CrispTools`, so every
// request is built by crisp-core and passes the gateway's hooks), how its answer is made compact
// for a model (ids, names, short texts, ISO dates; no nulls or empty fields; excerpts cut with a
// marker), its cursors, and the links into Crisp's dashboard.
//
// Only types are imported from the package entry: the build keeps `../index.js` external for the
// files directly under mcp/, and a runtime import from here would bundle a second copy.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { EndpointId, PreparedRequest } from "../../index.js";
import type { McpSettings } from "../settings.js";

export type Json = Record<string, unknown>;
export type JsonSchema = Record<string, unknown>;

/** The groups of tools a server offers (`--toolsets`, `/mcp/x/<toolset>`). */
export type Toolset = "inbox" | "people" | "helpdesk" | "api";

/** How a task tool reaches Crisp: one call per request, each through the host's checks. */
export interface TaskApi {
  /** Calls one endpoint (reads and, with writes allowed, writes) and returns its `data`. */
  call(id: EndpointId, params: Json): Promise<unknown>;
  /** The request a call would send (key redacted); nothing is sent. */
  build(id: EndpointId, params: Json): PreparedRequest;
  /** The items of a page-number list, from page 1, at most `maxPages` pages (one host call). */
  pages(id: EndpointId, params: Json, maxPages: number): Promise<{ items: unknown[]; more: boolean }>;
  /** A conversation's latest messages, newest first, at most `limit` (one host call). */
  messages(sessionID: string, limit: number): Promise<Json[]>;
  /** The website the account works on (the dashboard links name it). */
  readonly websiteId: string;
  readonly settings: McpSettings;
  readonly signal: AbortSignal;
  /** The account named by the caller, or undefined for the default one. */
  readonly account: string | undefined;
}

/** A task tool: its definition, its toolset, and what it does. */
export interface TaskTool {
  tool: Tool;
  toolset: Toolset | "search";
  write: boolean;
  run(args: Json, api: TaskApi): Promise<Json>;
}

/** An error in the caller's arguments: nothing was sent. The tool's name is added by the host. */
export class ArgError extends Error {}

// ---------------------------------------------------------------------------------------------
// Arguments.

export function str(args: Json, name: string, required: true): string;
export function str(args: Json, name: string, required?: false): string | undefined;
export function str(args: Json, name: string, required = false): string | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === "") {
    if (required) throw new ArgError(`missing required parameter \`${name}\``);
    return undefined;
  }
  if (typeof v !== "string") throw new ArgError(`\`${name}\` must be a string, got ${JSON.stringify(v)}`);
  return v.trim();
}

export function int(args: Json, name: string, fallback: number, min: number, max: number): number {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ArgError(`\`${name}\` must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function bool(args: Json, name: string): boolean | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new ArgError(`\`${name}\` must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function strList(args: Json, name: string): string[] | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || s.trim() === "")) {
    throw new ArgError(`\`${name}\` must be an array of non-empty strings, got ${JSON.stringify(v)}`);
  }
  return [...new Set(v.map((s: string) => s.trim()))];
}

export function oneOf<T extends string>(args: Json, name: string, values: readonly T[], fallback?: T): T | undefined {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string" || !values.includes(v as T)) {
    throw new ArgError(`\`${name}\` must be one of ${values.join(", ")}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Refuses arguments the tool does not take (a typo must not pass silently). */
export function known(args: Json, tool: Tool): void {
  const props = Object.keys((tool.inputSchema.properties ?? {}) as Json);
  for (const k of Object.keys(args)) {
    if (!props.includes(k)) throw new ArgError(`unknown parameter \`${k}\` (${tool.name} takes ${props.join(", ")})`);
  }
}

// Ids: self-describing (`conversation:<session_id>`, `person:<people_id>`, `article:<locale>:<id>`);
// the bare Crisp ids are taken too.
const SESSION = /^session_[0-9a-zA-Z-]{1,80}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const LOCALE = /^[a-z]{2,3}([-_][a-zA-Z0-9]{2,8})?$/;

export function sessionId(args: Json, name: string): string {
  const raw = str(args, name, true);
  const id = raw.startsWith("conversation:") ? raw.slice("conversation:".length) : raw;
  if (!SESSION.test(id)) throw new ArgError(`\`${name}\` must be a conversation id (session_<uuid>, or conversation:session_<uuid>), got ${JSON.stringify(raw)}`);
  return id;
}

export function peopleId(args: Json, name: string): string {
  const raw = str(args, name, true);
  const id = raw.startsWith("person:") ? raw.slice("person:".length) : raw;
  if (!UUID.test(id)) throw new ArgError(`\`${name}\` must be a person id (a UUID, or person:<uuid>), got ${JSON.stringify(raw)}`);
  return id;
}

export function articleRef(raw: string, name: string, locale?: string): { locale: string; id: string } {
  const parts = raw.split(":");
  const [loc, id] = parts.length === 3 && parts[0] === "article" ? [parts[1] ?? "", parts[2] ?? ""] : [locale ?? "", raw];
  if (!UUID.test(id)) throw new ArgError(`\`${name}\` must be an article id (article:<locale>:<uuid>, or a UUID with \`locale\`), got ${JSON.stringify(raw)}`);
  if (!LOCALE.test(loc)) throw new ArgError(`\`${name}\`: the locale must be a language code such as en or pt-br, got ${JSON.stringify(loc)}`);
  return { locale: loc, id };
}

export function localeArg(args: Json): string | undefined {
  const l = str(args, "locale");
  if (l !== undefined && !LOCALE.test(l)) throw new ArgError(`\`locale\` must be a language code such as en or pt-br, got ${JSON.stringify(l)}`);
  return l?.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Compact answers.

/** Drops null, undefined, "" and empty arrays/objects, deeply: a model reads only what is there. */
export function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clean).filter((v) => !isEmpty(v)) as T;
  if (value !== null && typeof value === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const c = clean(v);
      if (!isEmpty(c)) out[k] = c;
    }
    return out as T;
  }
  return value;
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v as object).length === 0;
  return false;
}

/** Text cut to `max` characters (on a word boundary when one is near), with a marker. */
export function excerpt(text: unknown, max: number): string | undefined {
  if (typeof text !== "string") return undefined;
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  let cut = flat.slice(0, max);
  const space = cut.lastIndexOf(" ");
  if (space > max * 0.7) cut = cut.slice(0, space);
  return `${cut}… [cut: ${flat.length} characters in all]`;
}

/** An epoch-milliseconds timestamp as an ISO date. */
export function iso(ms: unknown): string | undefined {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) return undefined;
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

/** How long ago, roughly: "3d 4h", "25m". */
export function age(ms: unknown, now = Date.now()): string | undefined {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) return undefined;
  const minutes = Math.max(0, Math.floor((now - ms) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function obj(v: unknown): Json {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

// Dashboard links (CRISP_API.md: the dashboard's URL forms).
export const conversationUrl = (websiteId: string, session: string) =>
  `https://app.crisp.chat/website/${encodeURIComponent(websiteId)}/inbox/${encodeURIComponent(session)}/`;
export const personUrl = (websiteId: string, people: string) =>
  `https://app.crisp.chat/website/${encodeURIComponent(websiteId)}/contacts/profile/${encodeURIComponent(people)}/`;

// ---------------------------------------------------------------------------------------------
// Cursors: opaque to the caller, checked on the way back in.

export function encodeCursor(tool: string, state: Json): string {
  return Buffer.from(JSON.stringify({ t: tool, ...state })).toString("base64url");
}

export function decodeCursor(args: Json, tool: string): Json | null {
  const raw = str(args, "cursor");
  if (raw === undefined) return null;
  try {
    const state = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Json;
    if (state.t === tool) return state;
  } catch {
    // falls through to the refusal
  }
  throw new ArgError("`cursor` is not one this tool gave: pass the `cursor` of this tool's previous answer unchanged, with the same filters");
}

/**
 * Adds list items to an answer while its JSON stays under the server's --max-result-bytes (less a
 * margin for the rest of the answer): the items that fit, and whether some were left out.
 */
export function fit<T>(items: T[], maxBytes: number, reserve = 1024): { kept: T[]; cut: boolean } {
  const budget = Math.max(256, maxBytes - reserve);
  let size = 2;
  const kept: T[] = [];
  for (const item of items) {
    const n = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (size + n > budget && kept.length > 0) return { kept, cut: true };
    size += n;
    kept.push(item);
  }
  return { kept, cut: false };
}

// ---------------------------------------------------------------------------------------------
// Operators: assignments name people, not ids.

export interface Operator {
  id: string;
  name: string;
  email?: string;
}

export async function operators(api: TaskApi): Promise<Operator[]> {
  const list = arr(await api.call("list_website_operators", {}));
  return list.map((o) => {
    const d = obj(obj(o).details);
    const name = [text(d.first_name), text(d.last_name)].filter(Boolean).join(" ");
    return { id: String(d.user_id ?? ""), name: name || String(d.email ?? d.user_id ?? ""), ...(text(d.email) ? { email: text(d.email) } : {}) };
  });
}

/** An operator named by id, email or (part of) name; a clear error when none or several match. */
export function findOperator(all: Operator[], who: string, param: string): Operator {
  const w = who.toLowerCase();
  const exact = all.filter((o) => o.id === who || o.email?.toLowerCase() === w || o.name.toLowerCase() === w);
  if (exact.length === 1 && exact[0]) return exact[0];
  const partial = all.filter((o) => o.name.toLowerCase().includes(w));
  if (partial.length === 1 && partial[0]) return partial[0];
  const names = all.map((o) => `${o.name} (${o.email ?? o.id})`).join(", ");
  throw new ArgError(
    `\`${param}\`: ${partial.length > 1 ? "several operators match" : "no operator matches"} ${JSON.stringify(who)}; the operators are: ${names}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Results.

/** Annotations, all four hints set explicitly. */
export function hints(title: string, write: boolean, destructive = false, idempotent = !write): Tool["annotations"] {
  return { title, readOnlyHint: !write, destructiveHint: destructive, idempotentHint: idempotent, openWorldHint: true };
}

/** The `dry_run` answer of a write: exactly what would be sent, key redacted. */
export function planned(requests: PreparedRequest[]): Json {
  return {
    dry_run: true,
    sent: false,
    requests: requests.map((r) => ({
      endpoint: r.endpoint,
      method: r.method,
      url: r.url,
      headers: r.headers,
      ...(r.body !== null ? { body: JSON.parse(r.body) as unknown } : {}),
    })),
  };
}

export const DRY_RUN: JsonSchema = {
  type: "boolean",
  description: "true: send nothing, answer with exactly the requests that would be sent (method, URL, headers with the key redacted, body).",
};

export const REQUESTS_SCHEMA: JsonSchema = {
  type: "array",
  description: "With dry_run: the requests that would be sent, in order.",
  items: {
    type: "object",
    properties: {
      endpoint: { type: "string" },
      method: { type: "string" },
      url: { type: "string" },
      headers: { type: "object", additionalProperties: { type: "string" } },
      body: {},
    },
    required: ["endpoint", "method", "url", "headers"],
  },
};
