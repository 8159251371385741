// The JSON Schemas of the MCP tools, rendered from the catalog and its typed shapes: one
// description of each endpoint's params, which the tools, the gateway's /_endpoints and
// crisp_describe_endpoint all show.
import type { EndpointInfo } from "../index.js";
import { ENDPOINT_SCHEMAS, SCHEMA_TYPE_NAMES, SCHEMA_TYPES, type ShapeSchema } from "../generated/schemas.generated.js";
import { PATH_KINDS, QUERY_TYPES } from "../generated/catalog.generated.js";
import { DEFAULT_CALL_PAGES, type McpSettings } from "./settings.js";


export type JsonSchema = Record<string, unknown>;

/** What the schemas need to know about the configured accounts. */
export interface AccountContext {
  ids: string[];
  /** Accounts with a default website (`websiteID` may then be left out). */
  websites: Record<string, string | null>;
  /** Name no account and no website (the gateway's public catalog): say only whether a default exists. */
  anonymous?: boolean;
}

/** What an endpoint answers (its `data`), as a JSON Schema with its types, or why it is not known. */
export function answerShape(e: EndpointInfo): JsonSchema {
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

export function websiteOptional(ctx: AccountContext): boolean {
  return Object.values(ctx.websites).some((w) => w !== null);
}

export type PathKind = EndpointInfo["path_kinds"][number];

/** Whether a call may leave this path parameter out (the catalog's rule: `page` defaults to 1,
 * `website` to the account's website when one is configured). */
export function pathOptional(kind: PathKind | undefined, ctx: AccountContext): boolean {
  return kind !== undefined && PATH_KINDS[kind].hasDefault && (kind !== "website" || websiteOptional(ctx));
}

/** A JSON Schema with the named types it refers to, as `$defs` beside it (`#/types/X` becomes
 * `#/$defs/X`), so that an agent sees the real shape and not `object`. */
export function withDefs(schema: ShapeSchema, defs: Record<string, JsonSchema>): JsonSchema {
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
export function inlined(schema: ShapeSchema): ShapeSchema {
  const ref = typeof schema.$ref === "string" ? schema.$ref.slice("#/types/".length) : null;
  return ref && SCHEMA_TYPES[ref] ? SCHEMA_TYPES[ref] : schema;
}

/** A path parameter's schema: its rule's, from the catalog; for `website`, which default applies. */
function pathParamSchema(kind: PathKind | undefined, ctx: AccountContext): JsonSchema {
  const schema: JsonSchema = { ...PATH_KINDS[kind ?? "id"].schema };
  if (kind === "website") {
    const defaults = Object.entries(ctx.websites).filter(([, w]) => w !== null);
    if (defaults.length) {
      schema.description = ctx.anonymous
        ? "The website id. Optional when the account has a default website."
        : `The website id. Optional: defaults to the account's website (${defaults.map(([a, w]) => `${a}: ${w}`).join(", ")}).`;
    }
  }
  return schema;
}

/** The JSON Schema of an endpoint's params (path params, `query`, `body`), as `Crisp.call` takes them. */
export function paramsSchema(e: EndpointInfo, ctx: AccountContext): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const defs: Record<string, JsonSchema> = {};
  e.path_params.forEach((p, i) => {
    properties[p] = pathParamSchema(e.path_kinds[i], ctx);
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
export function callOptionProperties(e: EndpointInfo | null, ctx: AccountContext, settings: McpSettings): Record<string, JsonSchema> {
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
