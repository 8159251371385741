// `npx crisp-kit mcp`: the whole Crisp REST API as Model Context Protocol tools, over stdio.
//
// The MCP SDK (`@modelcontextprotocol/sdk`) is an optional peer dependency: it is imported here,
// lazily, only when this command runs, and never bundled into dist. Tool schemas are plain JSON
// Schema generated from the catalog (the low-level `Server`, no zod); every parameter is checked by
// crisp-core, the same as for `Crisp.call`, so errors name the parameter and the endpoint.
//
// stdout is the protocol channel: nothing else is ever written there. Logs go to stderr.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { type AccountInfo, Crisp, CrispError, type CrispOptions, type EndpointInfo } from "./index.js";
import { ENDPOINT_SCHEMAS, SCHEMA_TYPE_NAMES, SCHEMA_TYPES, type ShapeSchema } from "./schemas.generated.js";

const MCP_HELP = `crisp-kit mcp: the Crisp REST API as MCP tools, over stdio

Usage:
  crisp-kit mcp [--tools=compact|full] [--allow-writes] [--max-result-bytes N] [--max-pages N] [--account NAME]

  --tools=compact      three tools (default): crisp_search_endpoints, crisp_describe_endpoint,
                       crisp_call_endpoint; the whole catalog for a small tool list
  --tools=full         one tool per endpoint, named crisp_<id>, each with its JSON Schema
  --allow-writes       offer the endpoints that change data (off: read-only, writes are neither
                       listed nor callable)
  --max-result-bytes N cut a result's JSON text past N bytes, with a marker (default 100000)
  --max-pages N        the most pages one call with all_pages may fetch (default 20)
  --account NAME       the default account (else the config file's defaultAccount)

Credentials as for \`crisp-kit call\`: CRISP_IDENTIFIER, CRISP_KEY, CRISP_TIER, CRISP_WEBSITE_ID,
CRISP_BASE_URL, and CRISP_KIT_CONFIG for several accounts. Keys never appear in tool output.

Needs @modelcontextprotocol/sdk beside crisp-kit (an optional peer dependency). In a checkout of
the crisp-kit repository it is there (a dev dependency): npx crisp-kit mcp. Once crisp-kit is
published on npm: npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit mcp
MCP client setup (Claude Desktop, Cursor, VS Code): docs/MCP.md in the crisp-kit repository.
`;

const SDK_MISSING = `crisp-kit mcp needs the MCP SDK, @modelcontextprotocol/sdk, which is not installed.
It is an optional peer dependency of crisp-kit (kept out of the package to keep it small). Either
  install it beside crisp-kit:   npm install @modelcontextprotocol/sdk
  or (once crisp-kit is published on npm) run both with npx:
                                 npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit mcp
`;

/** The command's settings, from its flags. */
export interface McpSettings {
  tools: "compact" | "full";
  allowWrites: boolean;
  maxResultBytes: number;
  maxPages: number;
  account: string | undefined;
}

const DEFAULT_MAX_RESULT_BYTES = 100_000;
const DEFAULT_MAX_PAGES = 20;
const DEFAULT_CALL_PAGES = 5;
const MAX_RETRY_AFTER_MS = 10_000;

class UsageError extends Error {}

function positiveInt(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} takes a whole number >= ${min}, got \`${text}\``);
  return n;
}

/** Parses the flags of `crisp-kit mcp`; `null` for `--help`. Throws UsageError. */
export function parseMcpArgs(argv: string[]): McpSettings | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        tools: { type: "string" },
        "allow-writes": { type: "boolean" },
        "max-result-bytes": { type: "string" },
        "max-pages": { type: "string" },
        account: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values } = parsed;
  if (values.help) return null;
  const tools = values.tools ?? "compact";
  if (tools !== "compact" && tools !== "full") throw new UsageError(`--tools is compact or full, got \`${tools}\``);
  return {
    tools,
    allowWrites: values["allow-writes"] === true,
    maxResultBytes: positiveInt("max-result-bytes", values["max-result-bytes"], DEFAULT_MAX_RESULT_BYTES, 256),
    maxPages: positiveInt("max-pages", values["max-pages"], DEFAULT_MAX_PAGES, 1),
    account: values.account,
  };
}

// ---------------------------------------------------------------------------------------------
// JSON Schemas, from the catalog.

type JsonSchema = Record<string, unknown>;

/** What the schemas need to know about the configured accounts. */
interface AccountContext {
  ids: string[];
  /** Accounts with a default website (`websiteID` may then be left out). */
  websites: Record<string, string | null>;
}

const QUERY_TYPES: Record<EndpointInfo["query_params"][number]["type"], JsonSchema> = {
  str: { type: "string" },
  int: { type: "integer" },
  number: { type: "number" },
  bool: { type: "boolean", description: "sent as 1 or 0" },
  json: { description: "a string, or JSON (array or object), sent JSON-encoded" },
};

/** What an endpoint answers (its `data`), as a JSON Schema with its types, or why it is not known. */
function answerShape(e: EndpointInfo): JsonSchema {
  if (e.method === "HEAD") return { type: "boolean", description: "true when it exists (200), false when not (404)." };
  const data = ENDPOINT_SCHEMAS[e.id]?.data;
  if (!data) return { description: "Not known: neither official client reads this answer." };
  const defs: Record<string, JsonSchema> = {};
  const schema = withDefs(data, defs);
  const ref = typeof data.$ref === "string" ? data.$ref.slice("#/types/".length) : null;
  return {
    ...(ref ? { type_name: SCHEMA_TYPE_NAMES[ref] } : {}),
    schema: { ...schema, ...(Object.keys(defs).length ? { $defs: defs } : {}) },
  };
}

function websiteOptional(ctx: AccountContext): boolean {
  return Object.values(ctx.websites).some((w) => w !== null);
}

type PathKind = EndpointInfo["path_kinds"][number];

/** Whether a call may leave this path parameter out (the catalog's rule: `page` defaults to 1,
 * `website` to the account's website when one is configured). */
function pathOptional(kind: PathKind | undefined, ctx: AccountContext): boolean {
  return kind === "page" || (kind === "website" && websiteOptional(ctx));
}

/** A JSON Schema with the named types it refers to, as `$defs` beside it (`#/types/X` becomes
 * `#/$defs/X`), so that an agent sees the real shape and not `object`. */
function withDefs(schema: ShapeSchema, defs: Record<string, JsonSchema>): JsonSchema {
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "$ref" && typeof x === "string" && x.startsWith("#/types/")) {
        const name = x.slice("#/types/".length);
        if (!(name in defs)) {
          defs[name] = {};
          defs[name] = rewrite(SCHEMA_TYPES[name] ?? {}) as JsonSchema;
        }
        out.$ref = `#/$defs/${name}`;
      } else out[k] = rewrite(x);
    }
    return out;
  };
  return rewrite(schema) as JsonSchema;
}

/** A schema that is a bare `$ref`, as the type it names. */
function inlined(schema: ShapeSchema): ShapeSchema {
  const ref = typeof schema.$ref === "string" ? schema.$ref.slice("#/types/".length) : null;
  return ref && SCHEMA_TYPES[ref] ? SCHEMA_TYPES[ref] : schema;
}

function pathParamSchema(name: string, kind: PathKind | undefined, ctx: AccountContext): JsonSchema {
  if (kind === "page") return { type: "integer", minimum: 1, description: "1-based page number (default 1)" };
  if (kind === "integer") return { type: "integer", minimum: 0, description: `The ${name === "fingerprint" ? "message fingerprint" : name}: a whole number.` };
  if (kind === "segments") return { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }], description: "Several path segments: \"a/b\" or [\"a\", \"b\"]." };
  if (kind === "website") {
    const defaults = Object.entries(ctx.websites).filter(([, w]) => w !== null);
    return {
      type: "string",
      description: defaults.length
        ? `The website id. Optional: defaults to the account's website (${defaults.map(([a, w]) => `${a}: ${w}`).join(", ")}).`
        : "The website id.",
    };
  }
  return { type: "string" };
}

/** The JSON Schema of an endpoint's params (path params, `query`, `body`), as `Crisp.call` takes them. */
function paramsSchema(e: EndpointInfo, ctx: AccountContext): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const defs: Record<string, JsonSchema> = {};
  e.path_params.forEach((p, i) => {
    properties[p] = pathParamSchema(p, e.path_kinds[i], ctx);
    if (!pathOptional(e.path_kinds[i], ctx)) required.push(p);
  });
  if (e.query_params.length > 0) {
    const qRequired = e.query_params.filter((q) => q.required).map((q) => q.name);
    properties.query = {
      type: "object",
      description: "Query parameters.",
      properties: Object.fromEntries(
        e.query_params.map((q) => [q.name, q.range ? { ...QUERY_TYPES[q.type], minimum: q.range[0], maximum: q.range[1] } : QUERY_TYPES[q.type]]),
      ),
      ...(qRequired.length ? { required: qRequired } : {}),
      additionalProperties: false,
    };
    if (qRequired.length) required.push("query");
  }
  const shape = ENDPOINT_SCHEMAS[e.id]?.body;
  if (e.body === "fields") {
    properties.body = shape
      ? // Only the catalog's fields: crisp-core refuses others in a fields body.
        // (a named type is inlined: `additionalProperties` beside a `$ref` would refuse every field).
        { ...withDefs(inlined(shape), defs), description: `The JSON body: ${e.body_fields.map((f) => `\`${f}\``).join(", ")}.`, additionalProperties: false }
      : {
          type: "object",
          description: `The JSON body: ${e.body_fields.map((f) => `\`${f}\``).join(", ")} (each any JSON value; see Crisp's API reference).`,
          properties: Object.fromEntries(e.body_fields.map((f) => [f, {}])),
          additionalProperties: false,
        };
  } else if (e.body === "object") {
    properties.body = shape
      ? { ...withDefs(shape, defs), description: "The JSON body (required). Fields beyond these pass as they are." }
      : { type: "object", description: "The JSON body (required), as Crisp's API reference describes it." };
    required.push("body");
  }
  return {
    type: "object",
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
  };
}

/** The per-call options every tool that calls Crisp takes, beside the endpoint's params. */
function callOptionProperties(e: EndpointInfo | null, ctx: AccountContext, settings: McpSettings): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {
    account: {
      type: "string",
      ...(ctx.ids.length ? { enum: ctx.ids } : {}),
      description: "The configured account to use (default: the default account). See list_accounts.",
    },
  };
  if (e === null || e.paging !== "none") {
    properties.all_pages = {
      type: "boolean",
      description: `${e === null ? "For paged lists: " : ""}fetch the following pages too and return all items as one array (up to max_pages).`,
    };
    properties.max_pages = {
      type: "integer",
      minimum: 1,
      maximum: settings.maxPages,
      description: `With all_pages: the most pages to fetch (default ${Math.min(DEFAULT_CALL_PAGES, settings.maxPages)}, at most ${settings.maxPages}).`,
    };
  }
  return properties;
}

function writeNote(e: EndpointInfo): string {
  if (!e.write) return "Read-only: changes nothing.";
  return `WRITES: changes data in Crisp (${e.method}).`;
}

function pagingNote(e: EndpointInfo): string {
  if (e.paging === "page_number") return " Paged: pass pageNumber, or all_pages to fetch several pages at once.";
  if (e.paging === "message_cursor") return " Newest messages first; query.timestamp_before pages back, or all_pages to walk back several pages.";
  return "";
}

function destructive(e: EndpointInfo): boolean {
  return e.write && (e.method === "DELETE" || /(^|_)(remove|delete|expunge|flush|clear|block|abort)(_|$)/.test(e.id));
}

function endpointTool(e: EndpointInfo, ctx: AccountContext, settings: McpSettings): Tool {
  const schema = paramsSchema(e, ctx);
  const where = e.method ? `${e.method} ${e.path}` : "client-local, sends no request";
  return {
    name: `crisp_${e.id}`,
    title: e.title,
    description: `${e.doc} (${where}; ${e.group}.) ${writeNote(e)}${pagingNote(e)}`,
    inputSchema: {
      ...schema,
      type: "object",
      properties: { ...(schema.properties as Record<string, JsonSchema>), ...callOptionProperties(e, ctx, settings) },
    },
    annotations: {
      title: e.title,
      readOnlyHint: !e.write,
      destructiveHint: destructive(e),
      idempotentHint: !e.write || e.method === "PUT" || e.method === "DELETE",
      openWorldHint: e.method !== null,
    },
  };
}

const SEARCH = "crisp_search_endpoints";
const DESCRIBE = "crisp_describe_endpoint";
const CALL = "crisp_call_endpoint";

function compactTools(catalog: EndpointInfo[], ctx: AccountContext, settings: McpSettings): Tool[] {
  const groups = [...new Set(catalog.map((e) => e.group))].sort();
  const writes = settings.allowWrites
    ? "Writes are enabled on this server."
    : "This server is read-only: endpoints marked write are refused (the server must be restarted with --allow-writes).";
  return [
    {
      name: SEARCH,
      title: "Search Crisp API endpoints",
      description:
        `Search the Crisp REST API v1 catalog (${catalog.length} endpoints: conversations, messages, people, helpdesk, campaigns, operators, visitors, website settings...). ` +
        `Returns matching endpoint ids with title, method, path, group and whether each one writes. ${writes} ` +
        `Then use ${DESCRIBE} for an endpoint's parameters and ${CALL} to call it.`,
      inputSchema: {
        type: "object",
        properties: {
          query: { type: "string", description: "Words to look for in the id, title, path and description (all must match), e.g. `conversation messages`." },
          group: { type: "string", enum: groups, description: "Only this group." },
          limit: { type: "integer", minimum: 1, maximum: 300, description: "The most results (default 30)." },
        },
        additionalProperties: false,
      },
      annotations: { title: "Search Crisp API endpoints", readOnlyHint: true, openWorldHint: false },
    },
    {
      name: DESCRIBE,
      title: "Describe a Crisp API endpoint",
      description:
        `Describe one Crisp endpoint by id: method, path, its path and query parameters with their types, its body, paging, whether it writes, ` +
        `and the JSON Schema of the \`params\` that ${CALL} takes for it.`,
      inputSchema: {
        type: "object",
        properties: { id: { type: "string", description: `An endpoint id from ${SEARCH}, e.g. get_conversation.` } },
        required: ["id"],
        additionalProperties: false,
      },
      annotations: { title: "Describe a Crisp API endpoint", readOnlyHint: true, openWorldHint: false },
    },
    {
      name: CALL,
      title: "Call a Crisp API endpoint",
      description:
        `Call one Crisp endpoint by id and return its data as JSON. \`params\` holds the path parameters by name, \`query\` and \`body\` ` +
        `(see ${DESCRIBE}), e.g. {"id": "get_conversation", "params": {"sessionID": "session_..."}}. ${writes}`,
      inputSchema: {
        type: "object",
        properties: {
          id: { type: "string", description: "The endpoint id." },
          params: { type: "object", description: "The endpoint's params: path parameters by name, `query` and `body` objects." },
          ...callOptionProperties(null, ctx, settings),
        },
        required: ["id"],
        additionalProperties: false,
      },
      annotations: {
        title: "Call a Crisp API endpoint",
        readOnlyHint: !settings.allowWrites,
        destructiveHint: settings.allowWrites,
        openWorldHint: true,
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Results.

type Content = CallToolResult["content"];

/** Redacts every configured key (and its Basic form) from text that leaves the server. */
function redactor(options: CrispOptions): (text: string) => string {
  const secrets = new Set<string>();
  const add = (identifier: string | undefined, key: string | undefined) => {
    if (!key || key.length < 8) return;
    secrets.add(key);
    if (identifier) secrets.add(Buffer.from(`${identifier}:${key}`).toString("base64"));
  };
  add(options.identifier, options.key);
  for (const a of Object.values(options.accounts ?? {})) add(a?.identifier, a?.key);
  const list = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => list.reduce((t, s) => t.split(s).join("[redacted]"), text);
}

/** Cuts text to `max` UTF-8 bytes (on a character boundary) and says so. */
function truncate(text: string, max: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return (
    `${bytes.subarray(0, end).toString("utf8")}\n` +
    `…[truncated by crisp-kit: ${end} of ${bytes.length} bytes shown (--max-result-bytes=${max}). ` +
    `Narrow the request (per_page, filters, a single page) to see the rest.]`
  );
}

function errorText(e: CrispError): string {
  const facts = [
    `code: ${e.code}`,
    e.status !== null ? `HTTP status: ${e.status}` : "HTTP status: none (nothing was answered)",
    e.reason !== null ? `Crisp reason: ${e.reason}` : null,
    e.endpoint !== null ? `endpoint: ${e.endpoint}` : null,
    e.param !== null ? `parameter: ${e.param}` : null,
    `retryable: ${e.retryable ? "yes" : "no"}${e.retryAfterMs !== null ? ` (Retry-After ${e.retryAfterMs} ms)` : ""}`,
  ].filter((x) => x !== null);
  const hint: Record<string, string> = {
    rate_limited: "Crisp rate-limited this token; crisp-kit already retried with backoff. Wait before calling again.",
    missing_param: "Nothing was sent. Check the endpoint's parameters (its input schema, or crisp_describe_endpoint).",
    unknown_param: "Nothing was sent. Check the endpoint's parameters (its input schema, or crisp_describe_endpoint).",
    invalid_param: "Nothing was sent. Check the endpoint's parameters (its input schema, or crisp_describe_endpoint).",
    unknown_account: "Nothing was sent. list_accounts lists the configured accounts.",
    unauthorized: "Crisp refused the token: check the account's identifier, key and tier.",
    invalid_config: "Nothing was sent. Check CRISP_IDENTIFIER, CRISP_KEY (or the CRISP_KIT_CONFIG file) given to the server.",
  };
  const details = e.data !== null && e.data !== undefined ? `\nCrisp's error data: ${JSON.stringify(e.data)}` : "";
  return `Error: ${e.message}\n${facts.join("\n")}${hint[e.code] ? `\n${hint[e.code]}` : ""}${details}`;
}

// ---------------------------------------------------------------------------------------------
// The server.

interface Sdk {
  Server: typeof import("@modelcontextprotocol/sdk/server/index.js").Server;
  StdioServerTransport: typeof import("@modelcontextprotocol/sdk/server/stdio.js").StdioServerTransport;
  ListToolsRequestSchema: typeof import("@modelcontextprotocol/sdk/types.js").ListToolsRequestSchema;
  CallToolRequestSchema: typeof import("@modelcontextprotocol/sdk/types.js").CallToolRequestSchema;
}

/** Whether an import failed because the optional MCP SDK is not installed. */
export function isSdkMissing(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND" || e?.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") &&
    String(e.message).includes("@modelcontextprotocol/sdk")
  );
}

async function loadSdk(): Promise<Sdk | null> {
  try {
    const [server, stdio, types] = await Promise.all([
      import("@modelcontextprotocol/sdk/server/index.js"),
      import("@modelcontextprotocol/sdk/server/stdio.js"),
      import("@modelcontextprotocol/sdk/types.js"),
    ]);
    return {
      Server: server.Server,
      StdioServerTransport: stdio.StdioServerTransport,
      ListToolsRequestSchema: types.ListToolsRequestSchema,
      CallToolRequestSchema: types.CallToolRequestSchema,
    };
  } catch (error) {
    if (isSdkMissing(error)) return null;
    throw error;
  }
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

type Args = Record<string, unknown>;

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Up to three names close to `name` (typos, or a word of it), for "did you mean". */
export function nearest(name: string, names: string[]): string[] {
  const close = names
    .map((n) => ({ n, d: distance(name, n) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(name.length / 4)))
    .sort((a, b) => a.d - b.d)
    .map(({ n }) => n);
  if (close.length) return close.slice(0, 3);
  const word = name.split("_").find((w) => w.length > 3);
  return word ? names.filter((n) => n.includes(word)).slice(0, 3) : [];
}

/**
 * How a host of the tools (the `crisp-kit serve` gateway) takes part in each call, beside the
 * stdio server's own rules. All optional; the stdio server uses none.
 */
export interface ToolHooks {
  /**
   * Runs each call to Crisp (after the tool's own checks, before anything is sent): it may refuse
   * (throw) or observe the outcome. `account` is the one the caller named, or undefined (default);
   * `params` are the endpoint's params as they will be sent (not to be changed).
   */
  around?<T>(endpoint: EndpointInfo, account: string | undefined, params: Readonly<Record<string, unknown>>, run: () => Promise<T>): Promise<T>;
  /** The refusal text for a write on a read-only instance (default: restart with --allow-writes). */
  writeRefusal?: string;
}

/** The tools and their handling, independent of the SDK (which only carries them). */
export class CrispTools {
  readonly #catalog: EndpointInfo[];
  readonly #byId: Map<string, EndpointInfo>;
  readonly #settings: McpSettings;
  readonly #crisp: Crisp | null;
  readonly #configError: CrispError | Error | null;
  readonly #ctx: AccountContext;
  readonly #redact: (text: string) => string;
  readonly #hooks: ToolHooks;
  readonly tools: Tool[];

  constructor(options: CrispOptions, settings: McpSettings, hooks: ToolHooks = {}) {
    this.#settings = settings;
    this.#hooks = hooks;
    this.#catalog = Crisp.endpoints();
    this.#byId = new Map(this.#catalog.map((e) => [e.id, e]));
    this.#redact = redactor(options);
    let crisp: Crisp | null = null;
    let configError: CrispError | Error | null = null;
    try {
      // Read-only twice over: writes are refused here first, and by the client itself.
      // An agent is better served by a prompt rate-limit error (with its Retry-After) than by a
      // call that waits a minute: long Retry-After waits stop the retries unless configured.
      const retry = { maxRetryAfterMs: MAX_RETRY_AFTER_MS, ...options.retry };
      crisp = new Crisp({ ...options, retry, ...(settings.account ? { defaultAccount: settings.account } : {}), readOnly: !settings.allowWrites });
    } catch (e) {
      configError = e instanceof Error ? e : new Error(String(e));
    }
    this.#crisp = crisp;
    this.#configError = configError;
    const accounts: AccountInfo[] = crisp ? crisp.listAccounts() : [];
    this.#ctx = { ids: accounts.map((a) => a.id), websites: Object.fromEntries(accounts.map((a) => [a.id, a.websiteId])) };
    this.tools =
      settings.tools === "full"
        ? this.#catalog.filter((e) => settings.allowWrites || !e.write).map((e) => endpointTool(e, this.#ctx, settings))
        : compactTools(this.#catalog, this.#ctx, settings);
  }

  get configProblem(): string | null {
    return this.#configError ? this.#configError.message : null;
  }

  /** The JSON Schema of an endpoint's params, as the tools describe it (the gateway's `_endpoints` shows it too). */
  paramsSchema(e: EndpointInfo): JsonSchema {
    return paramsSchema(e, this.#ctx);
  }

  get accountIds(): string[] {
    return this.#ctx.ids;
  }

  get instructions(): string {
    const layout =
      this.#settings.tools === "full"
        ? "Each tool crisp_<id> calls one Crisp REST API v1 endpoint; its description says whether it writes."
        : `Find endpoints with ${SEARCH}, read their parameters with ${DESCRIBE}, call them with ${CALL}.`;
    const writes = this.#settings.allowWrites ? "Writes are enabled." : "The server is read-only: write endpoints are refused.";
    return `Crisp (customer support chat) REST API v1 through crisp-kit. ${layout} ${writes} Results are the decoded \`data\` as JSON. Several accounts: pass \`account\` (list_accounts lists them).`;
  }

  /** Handles one tools/call. Never throws: every failure is a tool error. */
  async call(name: string, args: Args, signal: AbortSignal): Promise<CallToolResult> {
    try {
      return await this.#dispatch(name, args, signal);
    } catch (error) {
      if (error instanceof CrispError) return this.#error(errorText(error));
      return this.#error(`Error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async #dispatch(name: string, args: Args, signal: AbortSignal): Promise<CallToolResult> {
    if (this.#settings.tools === "compact") {
      if (name === SEARCH) return this.#text(JSON.stringify(this.#search(args)));
      if (name === DESCRIBE) return this.#text(JSON.stringify(this.#describe(this.#endpoint(args.id, "id"))));
      if (name === CALL) {
        const e = this.#endpoint(args.id, "id");
        const params = args.params ?? {};
        if (typeof params !== "object" || params === null || Array.isArray(params)) {
          throw new Error(`${e.id}: \`params\` must be an object of the endpoint's params`);
        }
        return this.#invoke(e, { ...(params as Args) }, args, signal);
      }
    } else if (name.startsWith("crisp_")) {
      const e = this.#byId.get(name.slice("crisp_".length));
      if (e) {
        const { account, all_pages, max_pages, ...params } = args;
        return this.#invoke(e, params, { account, all_pages, max_pages }, signal);
      }
    }
    const asEndpoint = this.#byId.get(name.replace(/^crisp_/, ""));
    if (asEndpoint && this.#settings.tools === "compact") {
      throw new Error(`\`${name}\` is not a tool of this server (--tools=compact): call ${CALL} with {"id": "${asEndpoint.id}", "params": {...}}`);
    }
    const names = this.tools.map((t) => t.name);
    const near = asEndpoint && names.includes(`crisp_${asEndpoint.id}`) ? [`crisp_${asEndpoint.id}`] : nearest(name, names);
    throw new Error(`unknown tool \`${name}\`${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}`);
  }

  #endpoint(id: unknown, param: string): EndpointInfo {
    if (typeof id !== "string" || id === "") throw new Error(`missing required parameter \`${param}\` (an endpoint id; see ${SEARCH})`);
    const e = this.#byId.get(id) ?? this.#byId.get(id.replace(/^crisp_/, ""));
    if (!e) {
      const near = nearest(id, [...this.#byId.keys()]);
      throw new Error(`unknown endpoint \`${id}\`${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}; ${SEARCH} finds endpoints`);
    }
    return e;
  }

  #search(args: Args): unknown {
    const query = typeof args.query === "string" ? args.query : "";
    const group = typeof args.group === "string" ? args.group : "";
    const limit = Number.isInteger(args.limit) && (args.limit as number) > 0 ? Math.min(args.limit as number, 300) : 30;
    const words = query.toLowerCase().split(/[\s_/\-.,]+/).filter(Boolean);
    const scored: { e: EndpointInfo; score: number }[] = [];
    for (const e of this.#catalog) {
      if (group && e.group !== group && !e.group.startsWith(`${group}.`) && !e.group.endsWith(`.${group}`)) continue;
      const head = `${e.id} ${e.title}`.toLowerCase();
      const all = `${head} ${e.path ?? ""} ${e.group} ${e.doc}`.toLowerCase();
      if (!words.every((w) => all.includes(w))) continue;
      scored.push({ e, score: words.filter((w) => head.includes(w)).length + (e.deprecated ? -0.5 : 0) });
    }
    scored.sort((a, b) => b.score - a.score);
    const hits = scored.slice(0, limit).map(({ e }) => ({
      id: e.id,
      title: e.title,
      method: e.method,
      path: e.path,
      group: e.group,
      write: e.write,
      ...(e.write && !this.#settings.allowWrites ? { callable: false } : {}),
      ...(e.deprecated ? { deprecated: true } : {}),
      ...(e.paging !== "none" ? { paged: true } : {}),
    }));
    return {
      total: scored.length,
      shown: hits.length,
      writes_allowed: this.#settings.allowWrites,
      ...(scored.length === 0 ? { hint: `no match; groups: ${[...new Set(this.#catalog.map((e) => e.group))].sort().join(", ")}` } : {}),
      endpoints: hits,
    };
  }

  #describe(e: EndpointInfo): unknown {
    const schema = paramsSchema(e, this.#ctx);
    const example: Args = {};
    e.path_params.forEach((p, i) => {
      if (!pathOptional(e.path_kinds[i], this.#ctx)) example[p] = `<${p}>`;
    });
    const requiredQuery = e.query_params.filter((q) => q.required);
    if (requiredQuery.length) example.query = Object.fromEntries(requiredQuery.map((q) => [q.name, `<${q.type}>`]));
    if (e.body === "object") example.body = {};
    if (e.body === "fields") example.body = Object.fromEntries(e.body_fields.slice(0, 1).map((f) => [f, "<value>"]));
    return {
      id: e.id,
      title: e.title,
      doc: e.doc,
      group: e.group,
      method: e.method,
      path: e.path,
      write: e.write,
      callable: !e.write || this.#settings.allowWrites,
      ...(e.write && !this.#settings.allowWrites ? { refused_because: "it writes and this server runs without --allow-writes" } : {}),
      deprecated: e.deprecated,
      status: e.status,
      paging: e.paging,
      path_params: e.path_params.map((p, i) => ({
        name: p,
        type: e.path_kinds[i] === "page" || e.path_kinds[i] === "integer" ? "integer" : "string",
        required: (schema.required as string[] | undefined)?.includes(p) ?? false,
      })),
      query_params: e.query_params.map((q) => ({ name: q.name, type: q.type, required: q.required, ...(q.range ? { range: q.range } : {}) })),
      body: e.body === null ? null : { kind: e.body, required: e.body === "object", fields: e.body === "fields" ? e.body_fields : null },
      params_schema: schema,
      answer: answerShape(e),
      example: { id: e.id, params: example },
    };
  }

  async #invoke(e: EndpointInfo, params: Args, options: Args, signal: AbortSignal): Promise<CallToolResult> {
    if (e.write && !this.#settings.allowWrites) {
      throw new Error(
        `${e.id} writes (${e.method} ${e.path}) and this MCP server is read-only: nothing was sent. ` +
          (this.#hooks.writeRefusal ?? "Restart `crisp-kit mcp` with --allow-writes to allow write endpoints."),
      );
    }
    if (!this.#crisp) {
      const cause = this.#configError instanceof CrispError ? errorText(this.#configError) : `Error: ${this.#configError?.message}`;
      throw new Error(
        `${e.id}: crisp-kit mcp has no usable credentials, nothing was sent.\n${cause}\n` +
          "Give the server CRISP_IDENTIFIER and CRISP_KEY (and CRISP_TIER, CRISP_WEBSITE_ID), or CRISP_KIT_CONFIG, in its environment.",
      );
    }
    // `query` and `body` as JSON text, as the seed's remote MCP takes them, are read as JSON.
    for (const k of ["query", "body"]) {
      const v = params[k];
      if (typeof v !== "string") continue;
      try {
        const parsed: unknown = JSON.parse(v);
        if (typeof parsed === "object" && parsed !== null) params[k] = parsed;
      } catch {
        // Left as it is: crisp-core names the parameter if it is wrong.
      }
    }
    // `account` is a call option; accepted beside the params too.
    const account = options.account ?? params.account;
    delete params.account;
    if (account !== undefined && typeof account !== "string") throw new Error(`${e.id}: \`account\` must be a string`);
    const run = () => this.#send(e, params, options, account as string | undefined, signal);
    return this.#hooks.around ? this.#hooks.around(e, (account as string | undefined) || undefined, params, run) : run();
  }

  async #send(e: EndpointInfo, params: Args, options: Args, account: string | undefined, signal: AbortSignal): Promise<CallToolResult> {
    if (!this.#crisp) throw new Error(`${e.id}: no client`); // checked by #invoke
    const call = { signal, ...(account ? { account } : {}) };
    const allPages = options.all_pages === true;
    if (options.all_pages !== undefined && typeof options.all_pages !== "boolean") throw new Error(`${e.id}: \`all_pages\` must be true or false`);
    if (!allPages) {
      if (options.max_pages !== undefined) throw new Error(`${e.id}: \`max_pages\` only applies with all_pages: true`);
      const data = await this.#crisp.call(e.id as never, params as never, call as never);
      return this.#text(data === undefined ? "null" : JSON.stringify(data));
    }
    if (e.paging === "none") throw new Error(`${e.id} is not a paged list: \`all_pages\` does not apply`);
    const max = options.max_pages ?? Math.min(DEFAULT_CALL_PAGES, this.#settings.maxPages);
    if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > this.#settings.maxPages) {
      throw new Error(`${e.id}: \`max_pages\` must be a whole number from 1 to ${this.#settings.maxPages} (the server's --max-pages)`);
    }
    const maxPages = max as number;
    const items: unknown[] = [];
    let pages = 0;
    if (e.paging === "page_number") {
      let lastFull = false;
      for await (const page of this.#crisp.pages(e.id as never, params as never, { ...call, maxPages } as never)) {
        pages++;
        items.push(...page);
        lastFull = page.length > 0;
      }
      const start = Number(params.pageNumber ?? 1) || 1;
      const more = pages >= maxPages && lastFull;
      const note = more
        ? `${items.length} items from ${pages} pages (pages ${start}..${start + pages - 1}); stopped at max_pages=${maxPages}, more may follow from pageNumber ${start + pages}.`
        : `${items.length} items from ${pages} pages: the whole list.`;
      return this.#text(JSON.stringify(items), note);
    }
    // message_cursor: a conversation's messages, walking back with timestamp_before.
    const query = (params.query ?? {}) as Args;
    const extra = Object.keys(params).filter((k) => !["websiteID", "sessionID", "query"].includes(k));
    const extraQuery = Object.keys(query).filter((k) => k !== "timestamp_before");
    if (extra.length || extraQuery.length) {
      throw new Error(`${e.id}: with all_pages, only websiteID, sessionID and query.timestamp_before apply (got \`${[...extra, ...extraQuery.map((k) => `query.${k}`)][0]}\`)`);
    }
    if (typeof params.sessionID !== "string" || !params.sessionID) throw new Error(`${e.id}: missing required parameter \`sessionID\``);
    let count = 0;
    for await (const message of this.#crisp.messages(params.sessionID, {
      ...call,
      maxPages,
      ...(params.websiteID !== undefined ? { websiteID: String(params.websiteID) } : {}),
      ...(typeof query.timestamp_before === "number" ? { timestampBefore: query.timestamp_before } : {}),
    })) {
      items.push(message);
      count++;
    }
    return this.#text(JSON.stringify(items), `${count} messages (walked back at most ${maxPages} pages).`);
  }

  #text(json: string, note?: string): CallToolResult {
    const content: Content = [{ type: "text", text: truncate(this.#redact(json), this.#settings.maxResultBytes) }];
    if (note) content.push({ type: "text", text: this.#redact(note) });
    return { content };
  }

  #error(text: string): CallToolResult {
    return { isError: true, content: [{ type: "text", text: truncate(this.#redact(text), this.#settings.maxResultBytes) }] };
  }
}

/** Runs `crisp-kit mcp` until stdin closes. `options` are the client options the CLI reads. */
export async function runMcp(argv: string[], options: CrispOptions): Promise<void> {
  let settings: McpSettings | null;
  try {
    settings = parseMcpArgs(argv);
  } catch (e) {
    process.stderr.write(`crisp-kit mcp: ${(e as Error).message}; see \`crisp-kit mcp --help\`\n`);
    process.exit(2);
  }
  if (settings === null) {
    process.stdout.write(MCP_HELP);
    return;
  }
  const sdk = await loadSdk();
  if (!sdk) {
    process.stderr.write(SDK_MISSING);
    process.exit(2);
  }
  const tools = new CrispTools(options, settings);
  const log = (line: string) => process.stderr.write(`crisp-kit mcp: ${line}\n`);
  if (tools.configProblem) log(`no usable credentials (${tools.configProblem}); catalog tools work, calls will fail until CRISP_IDENTIFIER/CRISP_KEY or CRISP_KIT_CONFIG are set`);

  const server = new sdk.Server({ name: "crisp-kit", version: packageVersion() }, { capabilities: { tools: {} }, instructions: tools.instructions });
  server.setRequestHandler(sdk.ListToolsRequestSchema, () => ({ tools: tools.tools }));
  server.setRequestHandler(sdk.CallToolRequestSchema, (request, extra) =>
    tools.call(request.params.name, (request.params.arguments ?? {}) as Args, extra.signal),
  );
  server.onerror = (error) => log(`protocol error: ${error.message}`);

  const transport = new sdk.StdioServerTransport();
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close().finally(() => process.exit(0));
  };
  process.stdin.once("end", shutdown);
  process.stdin.once("close", shutdown);
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  await server.connect(transport);
  log(
    `ready: ${tools.tools.length} tools (${settings.tools}), ${settings.allowWrites ? "writes allowed" : "read-only"}, ` +
      `accounts: ${tools.accountIds.join(", ") || "none"}`,
  );
}
