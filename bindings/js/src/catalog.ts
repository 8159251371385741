// crisp-kit/catalog: the catalog's description as data, for tools built beside the client (the
// sidebar's API explorer, MCP hosts, docs): each endpoint's body and answer as JSON Schema with the
// named types they use, the error codes, each path parameter rule's and query type's schema, the
// destructive endpoints, and the catalog's vocabulary as types. No client, no
// wasm, no addon: importing it loads these tables and nothing else.
export { DESTRUCTIVE_ENDPOINTS, ERROR_CODE_INFO, ERROR_CODES, PATH_KINDS, QUERY_TYPES } from "./generated/catalog.generated.js";
export type * from "./generated/catalog.generated.js";
export { ENDPOINT_SCHEMAS, SCHEMA_TYPE_NAMES, SCHEMA_TYPES, type ShapeSchema } from "./generated/schemas.generated.js";
