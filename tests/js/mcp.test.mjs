// `npx crisp-kit mcp`, driven as an MCP client drives it: the SDK's own Client over stdio, spawning
// `node bindings/js/dist/cli.js mcp ...` against the real sandbox. The server is a Node-only
// surface (the napi addon), so this file runs once, with the Node backend, and skips under wasm.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { backendName, loadKit, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
const cliPath = join(root, "bindings/js/dist/cli.js");
const WRONG_KEY = "wrong-key-0123456789abcdef0123456789abcdef";
let sandbox;
let catalog;
let sessionID;
let tmp;
/** Every text any tool returned, checked for keys at the end (and on each call). */
const outputs = [];
/** The clients (and so the server processes) still open. */
const open = new Set();

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "17"]);
  catalog = (await loadKit()).Crisp.endpoints();
  const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
  });
  sessionID = (await res.json()).data[0].session_id;
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-mcp-"));
});
after(async () => {
  for (const client of open) await client.close();
  await sandbox?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await sandbox?.clearRequests();
  if (sandbox) await sandbox.control("faults", { method: "DELETE" });
});
afterEach(async () => {
  for (const client of open) await client.close();
  open.clear();
});

function secrets() {
  return [sandbox.key, WRONG_KEY, Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")];
}

function sandboxEnv() {
  return {
    CRISP_BASE_URL: sandbox.url, CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key,
    CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sandbox.website_id,
  };
}

/** Starts `crisp-kit mcp ARGS` and connects the SDK's client to it. */
async function connect(args = [], env = sandboxEnv()) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, "mcp", ...args],
    env: { PATH: process.env.PATH, ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr.on("data", (chunk) => (stderr += chunk));
  const client = new Client({ name: "crisp-kit-test", version: "0.0.0" });
  await client.connect(transport);
  open.add(client);
  return {
    client,
    stderr: () => stderr,
    async tools() {
      return (await client.listTools()).tools;
    },
    /** Calls a tool; returns {isError, text} with all text content joined. */
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      const text = result.content.map((c) => c.text).join("\n");
      outputs.push(text);
      for (const secret of secrets()) assert.ok(!text.includes(secret), `${name} output contains a key`);
      return { isError: result.isError === true, text, content: result.content };
    },
  };
}

function cli(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

describe("npx crisp-kit mcp", { skip: !nodeBackend && "Node-only surface" }, () => {
  test("compact layout: three tools; search, describe", async () => {
    const mcp = await connect(["--tools=compact"]);
    const tools = await mcp.tools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ["crisp_call_endpoint", "crisp_describe_endpoint", "crisp_search_endpoints"]);
    assert.match(tools.find((t) => t.name === "crisp_call_endpoint").description, /read-only.*--allow-writes/);

    const found = await mcp.call("crisp_search_endpoints", { query: "conversation state" });
    assert.equal(found.isError, false, found.text);
    const hits = JSON.parse(found.text);
    // Every word matches, in the id, title, path or description; the id and title matches first.
    assert.deepEqual(hits.endpoints.slice(0, 2).map((e) => e.id).sort(), ["change_conversation_state", "get_conversation_state"]);
    assert.ok(hits.endpoints.every((e) => /conversation/.test(e.id) && /state/.test(e.id)), found.text);
    const change = hits.endpoints.find((e) => e.id === "change_conversation_state");
    assert.equal(change.write, true);
    assert.equal(change.method, "PATCH");
    assert.equal(change.callable, false);
    assert.equal(hits.endpoints.find((e) => e.id === "get_conversation_state").write, false);
    const people = JSON.parse((await mcp.call("crisp_search_endpoints", { group: "website.people", limit: 300 })).text);
    assert.equal(people.total, catalog.filter((e) => e.group === "website.people").length);
    assert.ok(people.endpoints.every((e) => e.group === "website.people"));

    const described = JSON.parse((await mcp.call("crisp_describe_endpoint", { id: "list_conversations" })).text);
    assert.equal(described.method, "GET");
    assert.equal(described.paging, "page_number");
    assert.equal(described.write, false);
    assert.deepEqual(described.params_schema.required, undefined); // websiteID defaults, pageNumber is optional
    assert.equal(described.params_schema.properties.query.properties.per_page.type, "integer");
    // The catalog's range and the answer's shape (from the official clients' types).
    assert.equal(described.params_schema.properties.query.properties.per_page.minimum, 20);
    assert.equal(described.params_schema.properties.query.properties.per_page.maximum, 50);
    assert.equal(described.answer.schema.type, "array");
    assert.equal(described.answer.schema.items.$ref, "#/$defs/Conversation");
    assert.equal(described.answer.schema.$defs.ConversationMeta.properties.email.type, "string");
    assert.equal(described.params_schema.properties.query.properties.filter_resolved.type, "boolean");
    assert.deepEqual(described.query_params.find((q) => q.name === "search_query"), { name: "search_query", type: "json", required: false });
    const state = JSON.parse((await mcp.call("crisp_describe_endpoint", { id: "change_conversation_state" })).text);
    assert.equal(state.callable, false);
    assert.deepEqual(state.body.fields, ["state", "user", "origin"]);
    assert.deepEqual(state.params_schema.required, ["sessionID"]);
    // The real body schema: the state is one of three, not any JSON value.
    assert.equal(state.params_schema.properties.body.properties.state.$ref, "#/$defs/ConversationState");
    assert.deepEqual(state.params_schema.$defs.ConversationState.enum, ["pending", "unresolved", "resolved"]);
    assert.deepEqual(state.params_schema.properties.body.required, ["state"]);
    const message = JSON.parse((await mcp.call("crisp_describe_endpoint", { id: "get_message_in_conversation" })).text);
    assert.equal(message.answer.type_name, "ConversationMessage");
    assert.equal(message.params_schema.properties.fingerprint.type, "integer");
    assert.equal(message.params_schema.$defs, undefined);
    const check = JSON.parse((await mcp.call("crisp_describe_endpoint", { id: "check_conversation_exists" })).text);
    assert.equal(check.answer.type, "boolean");
    const unknown = await mcp.call("crisp_describe_endpoint", { id: "get_conversations" });
    assert.equal(unknown.isError, true);
    assert.match(unknown.text, /unknown endpoint `get_conversations` \(did you mean get_conversation,/);
    const direct = await mcp.call("crisp_get_conversation", { sessionID });
    assert.equal(direct.isError, true);
    assert.match(direct.text, /crisp_call_endpoint/);
  });

  test("full layout: one tool per read endpoint, with catalog schemas", async () => {
    const mcp = await connect(["--tools=full"]);
    const tools = await mcp.tools();
    const reads = catalog.filter((e) => !e.write);
    assert.equal(tools.length, reads.length);
    assert.deepEqual(tools.map((t) => t.name).sort(), reads.map((e) => `crisp_${e.id}`).sort());
    assert.ok(tools.every((t) => t.annotations.readOnlyHint === true && !/WRITES/.test(t.description)));

    const get = tools.find((t) => t.name === "crisp_get_conversation");
    assert.deepEqual(get.inputSchema.required, ["sessionID"]);
    assert.match(get.inputSchema.properties.websiteID.description, /Optional/);
    assert.deepEqual(get.inputSchema.properties.account.enum, ["default"]);
    assert.equal(get.inputSchema.properties.query, undefined);
    assert.equal(get.inputSchema.properties.all_pages, undefined);
    const list = tools.find((t) => t.name === "crisp_list_conversations");
    assert.equal(list.inputSchema.properties.pageNumber.type, "integer");
    assert.equal(list.inputSchema.properties.query.properties.per_page.type, "integer");
    assert.equal(list.inputSchema.properties.all_pages.type, "boolean");
    const check = tools.find((t) => t.name === "crisp_check_website_exists");
    assert.deepEqual(check.inputSchema.required, ["query"]);
    assert.deepEqual(check.inputSchema.properties.query.required, ["domain"]);
  });

  test("full layout with --allow-writes: every endpoint, writes said plainly", async () => {
    const mcp = await connect(["--tools=full", "--allow-writes"]);
    const tools = await mcp.tools();
    assert.equal(tools.length, catalog.length);
    const change = tools.find((t) => t.name === "crisp_change_conversation_state");
    assert.match(change.description, /^Changes conversation state\..*WRITES/);
    assert.equal(change.annotations.readOnlyHint, false);
    assert.deepEqual(Object.keys(change.inputSchema.properties.body.properties).sort(), ["origin", "state", "user"]);
    assert.equal(change.inputSchema.$defs.ConversationState.type, "string");
    const send = tools.find((t) => t.name === "crisp_send_message_in_conversation");
    // Message bodies: one variant per message type, each with its `type` and `content`.
    assert.equal(send.inputSchema.properties.body.$ref, "#/$defs/ConversationMessageNew");
    assert.equal(send.inputSchema.$defs.ConversationMessageNew.anyOf.length, 9);
    const text = send.inputSchema.$defs.ConversationTextMessageNew;
    assert.equal(text.properties.content.type, "string");
    assert.deepEqual(text.required, ["type", "from", "origin", "content"]);
    const remove = tools.find((t) => t.name === "crisp_remove_conversation");
    assert.equal(remove.annotations.destructiveHint, true);
    const profile = tools.find((t) => t.name === "crisp_add_new_people_profile");
    assert.ok(profile.inputSchema.required.includes("body"));
    assert.equal(tools.filter((t) => /WRITES/.test(t.description)).length, catalog.filter((e) => e.write).length);
  });

  test("docs/MCP.md states the measured size of the full layout's tool definitions", async (t) => {
    // What a client receives from tools/list and puts in its model's context, as JSON bytes.
    const kb = async (args) => Math.round(Buffer.byteLength(JSON.stringify(await (await connect(args)).tools())) / 1024);
    const read = await kb(["--tools=full"]);
    const all = await kb(["--tools=full", "--allow-writes"]);
    t.diagnostic(`--tools=full: ${read} KB read-only, ${all} KB with --allow-writes`);
    const doc = readFileSync(join(root, "docs/MCP.md"), "utf8");
    const stated = /about (\d+) KB \(read-only\) and (\d+) KB \(with `--allow-writes`\) of tool definitions/.exec(doc);
    assert.ok(stated, "docs/MCP.md no longer states the size of --tools=full");
    assert.deepEqual([Number(stated[1]), Number(stated[2])], [read, all], `docs/MCP.md: write "about ${read} KB (read-only) and ${all} KB (with \`--allow-writes\`)"`);
  });

  test("a read returns the decoded data, in both layouts", async () => {
    const full = await connect(["--tools=full"]);
    const got = await full.call("crisp_get_conversation", { sessionID });
    assert.equal(got.isError, false, got.text);
    assert.equal(JSON.parse(got.text).session_id, sessionID);
    const compact = await connect();
    const state = await compact.call("crisp_call_endpoint", { id: "get_conversation_state", params: { sessionID, websiteID: sandbox.website_id } });
    assert.equal(state.isError, false, state.text);
    assert.ok(["pending", "unresolved", "resolved"].includes(JSON.parse(state.text).state));
    const log = await sandbox.requests();
    assert.deepEqual(log.map((r) => `${r.method} ${r.endpoint} ${r.status}`), ["GET get_conversation 200", "GET get_conversation_state 200"]);
    // `query` as JSON text, as the seed's remote MCP takes it.
    await sandbox.clearRequests();
    const page = await full.call("crisp_list_conversations", { query: '{"per_page":20,"filter_unread":true}' });
    assert.equal(page.isError, false, page.text);
    assert.ok(Array.isArray(JSON.parse(page.text)));
    const [listed] = await sandbox.requests();
    assert.match(listed.query, /per_page=20/);
    assert.match(listed.query, /filter_unread=1/);
  });

  test("a write is refused without --allow-writes, and nothing is sent", async () => {
    const compact = await connect();
    const refused = await compact.call("crisp_call_endpoint", { id: "change_conversation_state", params: { sessionID, body: { state: "resolved" } } });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /change_conversation_state writes/);
    assert.match(refused.text, /--allow-writes/);
    const full = await connect(["--tools=full"]);
    const hidden = await full.call("crisp_change_conversation_state", { sessionID, body: { state: "resolved" } });
    assert.equal(hidden.isError, true);
    assert.match(hidden.text, /--allow-writes/);
    assert.equal((await sandbox.requests()).length, 0);
  });

  test("with --allow-writes a write is sent exactly once", async () => {
    const full = await connect(["--tools=full", "--allow-writes"]);
    const done = await full.call("crisp_change_conversation_state", { sessionID, body: { state: "resolved" } });
    assert.equal(done.isError, false, done.text);
    const writes = (await sandbox.requests()).filter((r) => r.endpoint === "change_conversation_state");
    assert.equal(writes.length, 1);
    assert.equal(writes[0].method, "PATCH");
    assert.deepEqual(typeof writes[0].body === "string" ? JSON.parse(writes[0].body) : writes[0].body, { state: "resolved" });
    const compact = await connect(["--allow-writes"]);
    const back = await compact.call("crisp_call_endpoint", { id: "change_conversation_state", params: { sessionID, body: { state: "unresolved" } } });
    assert.equal(back.isError, false, back.text);
    const state = await compact.call("crisp_call_endpoint", { id: "get_conversation_state", params: { sessionID } });
    assert.equal(JSON.parse(state.text).state, "unresolved");
    assert.equal((await sandbox.requests()).filter((r) => r.endpoint === "change_conversation_state").length, 2);
  });

  test("bad params are a tool error naming the parameter and the endpoint; nothing is sent", async () => {
    const compact = await connect();
    const typo = await compact.call("crisp_call_endpoint", { id: "get_conversation", params: { sesionID: sessionID } });
    assert.equal(typo.isError, true);
    assert.match(typo.text, /get_conversation/);
    assert.match(typo.text, /`sesionID`/);
    const full = await connect(["--tools=full"]);
    const missing = await full.call("crisp_get_conversation", {});
    assert.equal(missing.isError, true);
    assert.match(missing.text, /get_conversation: missing required parameter `sessionID`/);
    const badQuery = await full.call("crisp_list_conversations", { query: { per_page: "many" } });
    assert.equal(badQuery.isError, true);
    assert.match(badQuery.text, /list_conversations.*`query\.per_page`/);
    const notPaged = await full.call("crisp_get_conversation", { sessionID, all_pages: true });
    assert.equal(notPaged.isError, true);
    assert.match(notPaged.text, /all_pages/);
    assert.equal((await sandbox.requests()).length, 0);
    // The server is still there.
    assert.equal((await full.call("crisp_get_conversation", { sessionID })).isError, false);
  });

  test("a 429 storm is a clean tool error with status, reason and endpoint", async () => {
    await sandbox.control("faults", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "status", status: 429, endpoint: "get_conversation", count: 50 }),
    });
    const full = await connect(["--tools=full"]);
    const limited = await full.call("crisp_get_conversation", { sessionID });
    assert.equal(limited.isError, true);
    assert.match(limited.text, /code: rate_limited/);
    assert.match(limited.text, /HTTP status: 429/);
    assert.match(limited.text, /endpoint: get_conversation/);
    assert.match(limited.text, /Crisp reason: \S+/);
    assert.ok((await sandbox.requests()).every((r) => r.status === 429));
    // A long Retry-After is not waited for by the MCP server: one request, a prompt error.
    await sandbox.clearRequests();
    await sandbox.control("faults", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "status", status: 429, retry_after: 120, endpoint: "get_conversation_metas", count: 5 }),
    });
    const later = await full.call("crisp_get_conversation_metas", { sessionID });
    assert.equal(later.isError, true);
    assert.match(later.text, /Retry-After 120000 ms/);
    assert.equal((await sandbox.requests()).length, 1);
    // The server keeps serving.
    const other = await full.call("crisp_get_conversation_state", { sessionID });
    assert.equal(other.isError, false, other.text);
  });

  test("results past --max-result-bytes are cut with a marker", async () => {
    const full = await connect(["--tools=full", "--max-result-bytes=2000"]);
    const list = await full.call("crisp_list_conversations", { query: { per_page: 50 } });
    assert.equal(list.isError, false);
    const [kept, marker] = list.text.split("\n…[truncated by crisp-kit: ");
    assert.ok(marker, "no truncation marker");
    assert.ok(Buffer.byteLength(kept) <= 2000);
    assert.match(marker, /^\d+ of \d+ bytes shown \(--max-result-bytes=2000\)/);
    const small = await full.call("crisp_get_conversation_state", { sessionID });
    assert.ok(!small.text.includes("truncated"));
  });

  test("all_pages fetches several pages, bounded by max_pages", async () => {
    const full = await connect(["--tools=full", "--max-pages=4", "--max-result-bytes=5000000"]);
    const some = await full.call("crisp_list_conversations", { query: { per_page: 50 }, all_pages: true, max_pages: 3 });
    assert.equal(some.isError, false, some.text);
    const items = JSON.parse(some.content[0].text);
    assert.equal(items.length, 150);
    assert.equal(new Set(items.map((c) => c.session_id)).size, 150);
    assert.match(some.content[1].text, /stopped at max_pages=3, more may follow from pageNumber 4/);
    assert.equal((await sandbox.requests()).length, 3);
    const tooMany = await full.call("crisp_list_conversations", { all_pages: true, max_pages: 5 });
    assert.equal(tooMany.isError, true);
    assert.match(tooMany.text, /max_pages.*1 to 4/);
    const messages = await full.call("crisp_get_messages_in_conversation", { sessionID, all_pages: true, max_pages: 4 });
    assert.equal(messages.isError, false, messages.text);
    assert.ok(Array.isArray(JSON.parse(messages.content[0].text)));
  });

  test("several accounts from CRISP_KIT_CONFIG; list_accounts never shows a key", async () => {
    const config = join(tmp, "accounts.json");
    writeFileSync(config, JSON.stringify({
      accounts: {
        main: { identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url, label: "Main" },
        stale: { identifier: sandbox.identifier, key: WRONG_KEY, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url },
      },
      defaultAccount: "main",
    }));
    const full = await connect(["--tools=full"], { CRISP_KIT_CONFIG: config });
    const listed = await full.call("crisp_list_accounts");
    assert.equal(listed.isError, false, listed.text);
    assert.deepEqual(JSON.parse(listed.text).map((a) => [a.id, a.default]), [["main", true], ["stale", false]]);
    const tools = await full.tools();
    assert.deepEqual(tools.find((t) => t.name === "crisp_get_conversation").inputSchema.properties.account.enum, ["main", "stale"]);
    assert.equal(JSON.parse((await full.call("crisp_get_conversation", { sessionID })).text).session_id, sessionID);
    const refused = await full.call("crisp_get_conversation", { sessionID, account: "stale" });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /HTTP status: 401/);
    const unknown = await full.call("crisp_get_conversation", { sessionID, account: "nope" });
    assert.equal(unknown.isError, true);
    assert.match(unknown.text, /`nope`/);
    const compact = await connect(["--account", "stale"], { CRISP_KIT_CONFIG: config });
    const viaDefault = await compact.call("crisp_call_endpoint", { id: "get_conversation", params: { sessionID } });
    assert.match(viaDefault.text, /HTTP status: 401/);
    const picked = await compact.call("crisp_call_endpoint", { id: "get_conversation", params: { sessionID }, account: "main" });
    assert.equal(picked.isError, false, picked.text);
  });

  test("without credentials the catalog tools work and calls say what is missing", async () => {
    const mcp = await connect([], {});
    assert.equal((await mcp.call("crisp_search_endpoints", { query: "people profile" })).isError, false);
    const call = await mcp.call("crisp_call_endpoint", { id: "get_conversation", params: { sessionID } });
    assert.equal(call.isError, true);
    assert.match(call.text, /no usable credentials/);
    assert.match(call.text, /CRISP_IDENTIFIER/);
    assert.match(mcp.stderr(), /no usable credentials/);
  });

  test("no key appears in any tool output", () => {
    assert.ok(outputs.length >= 30, `${outputs.length} outputs`);
    for (const text of outputs) for (const secret of secrets()) assert.ok(!text.includes(secret));
  });

  test("bad flags exit 2; a missing SDK says how to run it", async () => {
    const bad = await cli(["mcp", "--tools=everything"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--tools is tasks, compact or full/);
    // A copy of the package outside this repository, where @modelcontextprotocol/sdk cannot resolve.
    const pkg = join(tmp, "crisp-kit");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    mkdirSync(join(pkg, "native"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "crisp-kit", type: "module" }));
    for (const f of ["dist/cli.js", "dist/index.js", "dist/catalog.js", "native/crisp-kit.node"]) copyFileSync(join(root, "bindings/js", f), join(pkg, f));
    const missing = await new Promise((resolve) => {
      execFile(process.execPath, [join(pkg, "dist/cli.js"), "mcp"], { env: { PATH: process.env.PATH, ...sandboxEnv() } }, (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, stdout, stderr }),
      );
    });
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /npx -y -p crisp-kit -p @modelcontextprotocol\/sdk crisp-kit mcp/);
    // The other commands do not need it.
    const endpoints = await new Promise((resolve) => {
      execFile(process.execPath, [join(pkg, "dist/cli.js"), "endpoints", "--search", "conversation state"], (error, stdout) => resolve(stdout));
    });
    assert.equal(endpoints.trim().split("\n").length, 2);
  });
});
