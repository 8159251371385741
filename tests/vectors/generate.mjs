// Writes tests/vectors/requests.json: one request vector per endpoint of the reference table, plus
// the edge cases listed below. Run: node tests/vectors/generate.mjs
//
// This is the oracle, so it is deliberately NOT crisp-kit code: it reads the reference table
// (reference/crisp-endpoints.json, a copy of shared/reference) and encodes the way the
// official Node client and the browser do, with encodeURIComponent for path segments and
// URLSearchParams for the query. crisp-core must agree with it byte for byte. Bodies are written
// with sorted keys (crisp-core serializes objects that way). `--check` fails when requests.json
// is not what this script writes.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const table = JSON.parse(readFileSync(join(here, "../../reference/crisp-endpoints.json"), "utf8"));
// The official clients' types (a copy of shared/reference): body fields get values of their type.
const shapes = JSON.parse(readFileSync(join(here, "../../reference/crisp-shapes.json"), "utf8"));

export const config = {
  identifier: "7c3ef21c-1e04-41ce-8c06-5605c346f73e",
  key: "cc29e1a5086e428fcc6a697d5837a66d82808e65c5cce006fbf2191ceea80a0a",
  tier: "plugin",
  websiteId: "8c842203-7ed8-4e29-a608-7cf78a7d2fcc",
};
const BASE = "https://api.crisp.chat/v1";
const AUTH = `Basic ${Buffer.from(`${config.identifier}:${config.key}`).toString("base64")}`;

// Path values by parameter name: realistic ids, some needing encoding (people ids may be emails).
const PATH_VALUES = {
  websiteID: "42fd31a4-9d5e-4d2b-8e3b-4a6f7e8d9c01",
  sessionID: "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881",
  pageNumber: 2,
  fingerprint: 524653764345,
  locale: "fr",
  contentType: "article",
  path: "guides/getting started",
  peopleID: "jane.doe+vip@example.com",
  articleId: "b7a3c1d2-0000-4000-8000-000000000001",
  categoryId: "c9e8d7f6-0000-4000-8000-000000000002",
  sectionId: "s1a2b3c4-0000-4000-8000-000000000003",
  localeLinked: "de",
  pluginID: "c64f3595-adee-425a-8d3f-8e8ef4c56ba8",
  campaignID: "camp_1",
  templateID: "tmpl_1",
  inboxID: "inbox_1",
  teamID: "team_1",
  userID: "a6a7f1c8-0000-4000-8000-000000000004",
  redirectionId: "redirect_1",
  callID: "call_1",
  browsingID: "browsing_1",
  rule: "ip",
  spamID: "spam_1",
  changeId: "change_1",
  originalID: "original_1",
  tokenID: "token_1",
  action: "opened",
  entityID: "entity_1",
};

// Query values by name, and how the official client's wire shows them.
const QUERY_VALUES = {
  per_page: 50,
  timestamp_before: 1732406400000,
  timestamp_after: 1732406400000,
  timestamp_around: 1732406400000,
  center_longitude: 2.3522,
  center_latitude: 48.8566,
  center_radius: 10,
  search_filter: [{ model: "people", criterion: "email", operator: "eq", query: ["jane@example.com"] }],
  search_query: "refund please",
  search_text: "jane doe",
  search_type: "text",
  search_operator: "and",
  search_name: "Black Friday",
  search_title: "getting started",
  sort_field: "nickname",
  sort_order: "ascending",
  filter_date_start: "2026-01-01T00:00:00.000Z",
  filter_date_end: "2026-11-24T00:00:00.000Z",
  date_since: "2026-01-01T00:00:00.000Z",
  filter_assigned: "a6a7f1c8-0000-4000-8000-000000000004",
  filter_inbox_id: "inbox_1",
  filter_category_id: "c9e8d7f6",
  filter_section_id: "s1a2b3c4",
  filter_locale: "en",
  filter_type: "article",
  filter_tree_path: "guides/faq",
  filter_tag: "promo",
  sub_path: "guides",
  list_id: "list_1",
  domain: "example.com",
  code: "BLACKFRIDAY",
  custom: "help.example.com",
};
const FLAG = /^(include_.*|filter_(unread|resolved|not_resolved|mention|unassigned|configured|type_.*|status_.*|visibility_.*)|order_.*)$/;
const queryValue = (name) => (name in QUERY_VALUES ? QUERY_VALUES[name] : FLAG.test(name) ? true : undefined);
const wire = (v) => (typeof v === "boolean" ? (v ? "1" : "0") : typeof v === "object" ? JSON.stringify(sorted(v)) : String(v));

function sorted(v) {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

/** A sample value of a field's type in the clients' shapes (a string where they say nothing). */
function sampleOf(schema, name) {
  while (schema?.$ref) schema = shapes.types[schema.$ref.slice("#/types/".length)];
  if (schema?.enum) return schema.enum[0];
  const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
  if (type === "integer" || type === "number") return 1;
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type === "object") return {};
  return `${name} value`;
}

function bodyOf(entry) {
  const shape = entry.body_shape ?? "";
  const fields = /^\{(.*)\} built/.exec(shape);
  if (fields) {
    let known = shapes.endpoints[entry.id]?.body ?? {};
    while (known.$ref) known = shapes.types[known.$ref.slice("#/types/".length)];
    const body = {};
    for (const f of fields[1].split(",").map((s) => s.trim())) {
      body[f] = f === "user" ? { type: "website", nickname: "Ops Bot" } : sampleOf(known.properties?.[f], f);
    }
    return body;
  }
  if (/^caller object/.test(shape)) {
    let known = shapes.endpoints[entry.id]?.body ?? {};
    while (known.$ref) known = shapes.types[known.$ref.slice("#/types/".length)];
    // A plain object body: every field it knows, each a value of its type; a message (a union of
    // message types) or an unknown body: a text message.
    if (known.properties) return Object.fromEntries(Object.entries(known.properties).map(([f, s]) => [f, f === "user" ? { type: "website", nickname: "Ops Bot" } : sampleOf(s, f)]));
    return { type: "text", from: "operator", origin: "chat", content: "Héllo & welcome / ça va?" };
  }
  return undefined;
}

function expectRequest(entry, params, query, body, tier = config.tier, auth = AUTH) {
  const segments = entry.path.split("/").filter(Boolean).map((seg) => {
    const m = /^\{(\w+)\}$/.exec(seg);
    if (!m) return seg;
    const v = params[m[1]] ?? (m[1] === "websiteID" ? config.websiteId : m[1] === "pageNumber" ? 1 : undefined);
    if (m[1] === "path") return (Array.isArray(v) ? v : String(v).split("/")).map(encodeURIComponent).join("/");
    return encodeURIComponent(String(v));
  });
  let url = `${BASE}/${segments.join("/")}`;
  const qs = new URLSearchParams();
  for (const name of entry.query_params) if (query?.[name] != null) qs.append(name, wire(query[name]));
  if ([...qs].length) url += `?${qs}`;
  let text = body === undefined ? null : JSON.stringify(sorted(body));
  if (text === null && ["POST", "PUT", "PATCH"].includes(entry.method)) text = "{}";
  const headers = { Authorization: auth, "X-Crisp-Tier": tier };
  if (text !== null) headers["Content-Type"] = "application/json";
  return { method: entry.method, url, headers, body: text };
}

const cases = [];
const byId = Object.fromEntries(table.map((e) => [e.id, e]));

// One vector per endpoint, with every path, query and body parameter it takes.
for (const entry of table) {
  if (entry.status === "client-local") {
    cases.push({ name: `${entry.id}: answered by the client`, endpoint: entry.id, params: {}, error: { code: "client_local" } });
    continue;
  }
  const params = {};
  for (const p of entry.path_params) params[p] = PATH_VALUES[p];
  const query = {};
  for (const q of entry.query_params) {
    const v = queryValue(q);
    if (v === undefined) throw new Error(`no sample for query ${q}`);
    query[q] = v;
  }
  if (entry.query_params.length) params.query = query;
  const body = entry.body ? bodyOf(entry) : undefined;
  if (body !== undefined) params.body = body;
  cases.push({ name: `${entry.id}: every parameter`, endpoint: entry.id, params, request: expectRequest(entry, params, query, body) });
}

// Defaults: websiteID from the config, pageNumber 1.
{
  const e = byId.list_conversations;
  cases.push({ name: "websiteID and pageNumber default", endpoint: e.id, params: {}, request: expectRequest(e, {}, {}, undefined) });
  const g = byId.get_conversation;
  const p = { sessionID: "session_1" };
  cases.push({ name: "websiteID from the config", endpoint: g.id, params: p, request: expectRequest(g, p, {}, undefined) });
}

// Encoding edge cases.
const enc = (name, id, params, query) => {
  const e = byId[id];
  cases.push({ name, endpoint: id, params, request: expectRequest(e, params, query ?? params.query, params.body) });
};
enc("unicode, spaces and reserved characters in a segment are percent-encoded", "get_conversation", { sessionID: "sëssion 1&x=%2F;@+" });
enc("a percent sign never decodes into a slash", "get_conversation", { sessionID: "a%2Fb" });
enc("numbers in path segments", "get_message_in_conversation", { sessionID: "s", fingerprint: 9007199254740991 });
enc("spaces in the query are +, reserved characters escaped", "list_conversations", { query: { search_query: "a b&c=d/é?" } });
enc("false flags are 0", "list_conversations", { query: { filter_unread: false, filter_resolved: true } });
enc("flags given as 1/0", "list_conversations", { query: { filter_unread: 1, filter_resolved: 0 } });
enc("null query values are skipped", "list_conversations", { query: { search_query: null, per_page: 20 } });
enc("a filter array is JSON", "list_conversations", {
  query: { search_type: "filter", search_query: [{ criterion: "segments", query: ["vip"], model: "session", operator: "eq" }] },
});
enc("a multi-segment path given as an array", "resolve_helpdesk_tree_path", { locale: "en", contentType: "article", path: ["guides", "a b"] });
enc("a fields body with some fields", "change_conversation_state", { sessionID: "s", body: { state: "resolved" } });
enc("a fields body left out is {}", "change_conversation_state", { sessionID: "s" });
enc("DELETE with a JSON body", "delete_suggested_conversation_segment", { body: { segment: "vip" } });
enc("DELETE without a body", "remove_conversation", { sessionID: "s" });
enc("POST without a body still sends {}", "create_new_conversation", {});
enc("shared route, conversations body", "batch_remove_conversations", { body: { sessions: ["s1", "s2"], inbox_id: "i" } });
enc("shared route, people body", "batch_remove_people", { body: { people: { profiles: ["p1"] } } });
enc("an object body may be any JSON", "batch_order_inboxes", { body: { orders: [{ inbox_id: "a", order: 1 }] } });
enc("fields the shapes do not know pass in an object body (the API grows)", "send_message_in_conversation", {
  sessionID: "s",
  body: { type: "text", from: "operator", origin: "chat", content: "hi", brand_new_field: { any: ["thing", 1] } },
});
enc("null for a known field is left to Crisp", "send_message_in_conversation", { sessionID: "s", body: { type: "text", from: "operator", origin: "chat", content: "hi", user: null } });

// Named accounts and tiers.
cases.push({
  name: "a named account signs with its own key, tier and website",
  endpoint: "get_conversation",
  params: { sessionID: "s" },
  options: { account: "eu" },
  request: expectRequest(byId.get_conversation, { sessionID: "s", websiteID: "eu-website" }, {}, undefined, "website", `Basic ${Buffer.from("eu-id:eu-key").toString("base64")}`),
});

// Refusals: each names the endpoint and the parameter, and no request exists.
const refuse = (name, endpoint, params, error, extra = {}) => cases.push({ name, endpoint, params, error, ...extra });
refuse("unknown endpoint", "get_conversations_everything", {}, { code: "unknown_endpoint" });
refuse("missing path id", "get_conversation", {}, { code: "missing_param", param: "sessionID" });
refuse("null path id", "get_conversation", { sessionID: null }, { code: "missing_param", param: "sessionID" });
for (const [bad, why] of [["", "empty"], ["..", "dot-dot"], [".", "dot"], ["a/b", "slash"], ["a?b", "question mark"], ["a#b", "hash"], ["a\nb", "newline"], ["a\u0000b", "NUL"], ["a\u007fb", "DEL"]]) {
  refuse(`an id with ${why} is refused`, "get_conversation", { sessionID: bad }, { code: "invalid_param", param: "sessionID" });
}
refuse("a tree path with a .. segment", "resolve_helpdesk_tree_path", { locale: "en", contentType: "article", path: "guides/../admin" }, { code: "invalid_param", param: "path" });
refuse("a tree path with an empty segment", "resolve_helpdesk_tree_path", { locale: "en", contentType: "article", path: "guides//x" }, { code: "invalid_param", param: "path" });
refuse("an object as an id", "get_conversation", { sessionID: { a: 1 } }, { code: "invalid_param", param: "sessionID" });
refuse("a fractional number as an id", "get_message_in_conversation", { sessionID: "s", fingerprint: 1.5 }, { code: "invalid_param", param: "fingerprint" });
refuse("page 0", "list_conversations", { pageNumber: 0 }, { code: "invalid_param", param: "pageNumber" });
// A message fingerprint and a page number are whole numbers (CRISP_API.md, "Wire format", "Paging").
refuse("a fingerprint that is not a number", "get_message_in_conversation", { sessionID: "s", fingerprint: "latest" }, { code: "invalid_param", param: "fingerprint" });
refuse("a page number that is not a number", "list_conversations", { pageNumber: "two" }, { code: "invalid_param", param: "pageNumber" });
refuse("unknown top-level param", "get_conversation", { sessionID: "s", sesionID: "s" }, { code: "unknown_param", param: "sesionID" });
refuse("query on an endpoint without one", "get_conversation", { sessionID: "s", query: { a: 1 } }, { code: "unknown_param", param: "query" });
refuse("unknown query param", "list_conversations", { query: { filter_unred: true } }, { code: "unknown_param", param: "query.filter_unred" });
refuse("a flag that is not a boolean", "list_conversations", { query: { filter_unread: "yes" } }, { code: "invalid_param", param: "query.filter_unread" });
refuse("per_page that is not a number", "list_conversations", { query: { per_page: "many" } }, { code: "invalid_param", param: "query.per_page" });
// Crisp takes 20 to 50 per page on the conversation and people lists (CRISP_API.md, "Paging").
for (const [id, per_page] of [["list_conversations", 10], ["list_conversations", 51], ["list_people_profiles", 19], ["list_people_profiles", "100"]]) {
  refuse(`per_page ${JSON.stringify(per_page)} is outside 20..50 (${id})`, id, { query: { per_page } }, { code: "invalid_param", param: "query.per_page" });
}
refuse("a required query param", "check_website_exists", {}, { code: "missing_param", param: "query.domain" });
refuse("a body on a read", "get_conversation", { sessionID: "s", body: {} }, { code: "unknown_param", param: "body" });
refuse("an unknown body field", "change_conversation_state", { sessionID: "s", body: { stat: "resolved" } }, { code: "unknown_param", param: "body.stat" });
refuse("a fields body that is not an object", "change_conversation_state", { sessionID: "s", body: "resolved" }, { code: "invalid_param", param: "body" });
// Body fields of the wrong type, per the clients' shapes: refused before sending, naming the field.
refuse("a text message with a numeric content", "send_message_in_conversation", { sessionID: "s", body: { type: "text", from: "operator", origin: "chat", content: 42 } }, { code: "invalid_param", param: "body.content" });
refuse("a file message with a numeric origin", "send_message_in_conversation", { sessionID: "s", body: { type: "file", from: "operator", origin: 7, content: { name: "a.pdf", url: "https://x/a.pdf", type: "application/pdf" } } }, { code: "invalid_param", param: "body.origin" });
refuse("a conversation state that does not exist", "change_conversation_state", { sessionID: "s", body: { state: "closed" } }, { code: "invalid_param", param: "body.state" });
refuse("a boolean field given as text", "block_incoming_messages_for_conversation", { sessionID: "s", body: { blocked: "yes" } }, { code: "invalid_param", param: "body.blocked" });
refuse("a fingerprint with a fraction", "send_message_in_conversation", { sessionID: "s", body: { type: "note", from: "operator", origin: "chat", content: "hi", fingerprint: 1.5 } }, { code: "invalid_param", param: "body.fingerprint" });
refuse("a missing object body", "send_message_in_conversation", { sessionID: "s" }, { code: "missing_param", param: "body" });
refuse("params that are not an object", "get_conversation", ["s"], { code: "invalid_param", param: "params" });
refuse("no default website and none given", "get_conversation", { sessionID: "s" }, { code: "missing_param", param: "websiteID" }, { config: { ...config, websiteId: undefined } });
refuse("read-only refuses writes", "send_message_in_conversation", { sessionID: "s", body: { type: "text" } }, { code: "read_only" }, { config: { ...config, readOnly: true } });
refuse("unknown account", "get_conversation", { sessionID: "s" }, { code: "unknown_account", param: "account" }, { options: { account: "nope" } });
cases.push({
  name: "read-only still builds reads",
  endpoint: "get_conversation",
  params: { sessionID: "s" },
  config: { ...config, readOnly: true },
  request: expectRequest(byId.get_conversation, { sessionID: "s" }, {}, undefined),
});

const accounts = { eu: { identifier: "eu-id", key: "eu-key", tier: "website", websiteId: "eu-website", label: "Europe" } };
const out = { generated_by: "node tests/vectors/generate.mjs", config: { ...config, accounts }, cases };
const text = `${JSON.stringify(out, null, 1)}\n`;
const target = join(here, "requests.json");
if (process.argv.includes("--check")) {
  if (readFileSync(target, "utf8") !== text) {
    console.error("tests/vectors/requests.json is stale: run `node tests/vectors/generate.mjs` and commit it");
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${cases.length} request vectors`);
}
