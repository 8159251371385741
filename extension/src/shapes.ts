// The body schemas the API explorer's form is generated from: the catalog's one description
// (`crisp-kit/catalog`, the same tables the MCP tools render), and the code that
// turns them into fields. The explorer loads this module lazily (its own chunk); extension/build.mjs
// cuts the chunk down to the request bodies and the types they reach, so the answer shapes are not
// shipped to the panel.
export { bodyForm, formBody, formValues } from "./body-form.js";
export { ENDPOINT_SCHEMAS, SCHEMA_TYPES, type ShapeSchema } from "crisp-kit/catalog";
