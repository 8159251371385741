// `npx crisp-kit serve`, driven over real HTTP on 127.0.0.1: the gateway process (dist/cli.js) in
// front of the real sandbox, called with fetch (the seed's REST shape) and with the MCP SDK's own
// streamable HTTP client. Node-only surface (the napi addon): runs once, with the Node backend.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { cli, sandboxEnv as envOf, startGateway as start } from "./gateway.mjs";
import { backendName, loadKit, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
const cliPath = join(root, "bindings/js/dist/cli.js");
let sandbox;
let catalog;
let sessionID;
let tmp;
let keysFile;
let auditFile;
let accountsFile; // two accounts on the sandbox's one token
let gw; // the main gateway
const keys = {};
const running = new Set();
process.once("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});

/** Starts `crisp-kit serve ARGS` against the sandbox (or with `env`). */
function startGateway(args, env = envOf(sandbox)) {
  return start(args, env);
}

async function post(base, route, body, key, init = {}) {
  const res = await fetch(`${base}${route.replace(/^\//, "")}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
}

async function addKey(name, scope, extra = []) {
  const r = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", name, "--scope", scope, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const key = r.stdout.trim();
  assert.match(key, /^ckg_[A-Za-z0-9_-]{43}$/);
  return key;
}

/** Every secret that must never show up in output, logs or audit lines. */
function secrets() {
  return [sandbox.key, Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64"), ...Object.values(keys)];
}

function assertNoSecrets(text, where) {
  for (const s of secrets()) assert.ok(!text.includes(s), `${where} contains a key`);
}

async function mcpClient(base, key) {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}mcp`), {
    requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} },
  });
  const client = new Client({ name: "crisp-kit-gateway-test", version: "0.0.0" });
  await client.connect(transport);
  return client;
}

function text(result) {
  return result.content.map((c) => c.text).join("\n");
}

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "16"]);
  catalog = (await loadKit()).Crisp.endpoints();
  const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
  });
  sessionID = (await res.json()).data[0].session_id;
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-serve-"));
  keysFile = join(tmp, "keys.json");
  auditFile = join(tmp, "audit.jsonl");
  keys.reader = await addKey("reader", "read");
  keys.writer = await addKey("writer", "write");
  keys.second = await addKey("second-only", "write", ["--accounts", "second"]);
  // Two accounts on the sandbox's one token: "main" (default) and "second".
  accountsFile = join(tmp, "accounts.json");
  const account = { identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url };
  writeFileSync(accountsFile, JSON.stringify({ accounts: { main: account, second: account }, defaultAccount: "main" }));
  gw = await startGateway(["--keys", keysFile, "--allow-writes", "--audit", auditFile], { CRISP_KIT_CONFIG: accountsFile });
});
after(async () => {
  await gw?.stop();
  await sandbox?.stop();
  if (gw) assertNoSecrets(gw.stderr(), "the gateway's stderr");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await sandbox?.clearRequests();
});
afterEach(async () => {
  if (sandbox) await sandbox.control("faults", { method: "DELETE" });
});

describe("npx crisp-kit serve", { skip: !nodeBackend && "Node-only surface" }, () => {
  test("first line: the URL; GET /_endpoints lists every endpoint, with no key", async () => {
    assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(gw.key, undefined); // a keys file: no run key
    for (const path of ["_endpoints", "api/crisp/_endpoints"]) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.count, catalog.length);
      assert.equal(body.accounts, undefined); // public: no account names
      assert.deepEqual(body.endpoints.map((e) => e.id), catalog.map((e) => e.id));
      for (const [i, e] of body.endpoints.entries()) {
        const c = catalog[i];
        assert.equal(e.access, c.write ? "write" : "read");
        assert.equal(e.method, c.method);
        assert.equal(e.path, c.path);
        assert.equal(e.route, `/api/crisp/${c.id.replaceAll("_", "/")}`);
        assert.deepEqual(e.params.filter((p) => p.in === "path").map((p) => p.name), c.path_params);
      }
      const get = body.endpoints.find((e) => e.id === "get_conversation");
      assert.deepEqual(get.params.find((p) => p.name === "sessionID"), { name: "sessionID", in: "path", type: "string", required: true });
      assert.equal(get.params.find((p) => p.name === "websiteID").required, false); // the account has a website
      // The params' JSON Schema, as the MCP tools have it.
      assert.deepEqual(get.params_schema.required, ["sessionID"]);
      assert.equal(get.params_schema.additionalProperties, false);
      const list = body.endpoints.find((e) => e.id === "list_conversations");
      assert.deepEqual(list.params.find((p) => p.name === "pageNumber"), { name: "pageNumber", in: "path", type: "integer", required: false });
      assert.equal(list.params_schema.properties.query.properties.per_page.type, "integer");
    }
    assert.deepEqual(await (await fetch(`${gw.url}healthz`)).json(), { ok: true, version: "0.1.0" });
  });

  test("a seed-shaped read with a read key", async () => {
    const got = await post(gw.url, "api/crisp/get/conversation", { sessionID }, keys.reader);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.ok, true);
    assert.equal(got.json.endpoint, "get_conversation");
    assert.equal(got.json.data.session_id, sessionID);
    // The id with underscores works too; `query` as JSON text, as the seed sends it; `account`.
    const list = await post(gw.url, "api/crisp/list_conversations", { account: "second", query: '{"per_page":20,"filter_unread":true}' }, keys.reader);
    assert.equal(list.status, 200, list.text);
    assert.ok(Array.isArray(list.json.data));
    const log = await sandbox.requests();
    assert.deepEqual(log.map((r) => `${r.method} ${r.endpoint} ${r.status}`), ["GET get_conversation 200", "GET list_conversations 200"]);
    assert.match(log[1].query, /per_page=20/);
    assert.match(log[1].query, /filter_unread=1/);
  });

  test("a seed-shaped write with a write key; body as JSON text", async () => {
    const changed = await post(gw.url, "api/crisp/change/conversation/state", { sessionID, body: '{"state":"resolved"}' }, keys.writer);
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.ok, true);
    const state = await post(gw.url, "api/crisp/get/conversation/state", { sessionID }, keys.reader);
    assert.equal(state.json.data.state, "resolved");
    const log = await sandbox.requests();
    assert.deepEqual(log.map((r) => `${r.method} ${r.endpoint} ${r.status}`), ["PATCH change_conversation_state 200", "GET get_conversation_state 200"]);
    assert.deepEqual(log[0].body, { state: "resolved" });
    // Crisp's refusal comes back with Crisp's status; a refusal before sending is a 400.
    await sandbox.clearRequests();
    const gone = await post(gw.url, "api/crisp/change/conversation/state", { sessionID: "session_nope", body: { state: "resolved" } }, keys.writer);
    assert.equal(gone.status, 404, gone.text);
    assert.equal(gone.json.error.reason, "not_found");
    assert.equal(gone.json.error.crisp_status, 404);
    const bad = await post(gw.url, "api/crisp/change/conversation/state", { body: { state: "resolved" } }, keys.writer);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "missing_param");
    assert.deepEqual((await sandbox.requests()).map((r) => `${r.endpoint} ${r.status}`), ["change_conversation_state 404"]);
  });

  test("a read key's write: 403, and nothing reaches the sandbox; no key or an unknown key: 401", async () => {
    const denied = await post(gw.url, "api/crisp/change/conversation/state", { sessionID, body: { state: "pending" } }, keys.reader);
    assert.equal(denied.status, 403, denied.text);
    assert.equal(denied.json.ok, false);
    assert.equal(denied.json.error.code, "forbidden");
    assert.equal(denied.json.error.status, 403);
    assert.match(denied.json.error.message, /key `reader` has the read scope: nothing was sent/);
    for (const key of [undefined, "ckg_notakeynotakeynotakeynotakeynotakeynotake", keys.reader.slice(0, -1)]) {
      const r = await post(gw.url, "api/crisp/get/conversation", { sessionID }, key);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.json.error.code, "unauthorized");
      assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="crisp-kit"');
    }
    const basic = await fetch(`${gw.url}api/crisp/get/conversation`, { method: "POST", headers: { authorization: `Basic ${keys.reader}` }, body: "{}" });
    assert.equal(basic.status, 401);
    assert.equal((await fetch(`${gw.url}metrics`)).status, 401);
    assert.deepEqual(await sandbox.requests(), []);
  });

  test("a key limited to some accounts may use those only", async () => {
    const mainDenied = await post(gw.url, "api/crisp/get/conversation", { sessionID }, keys.second); // default: main
    assert.equal(mainDenied.status, 403, mainDenied.text);
    assert.match(mainDenied.json.error.message, /may not use the default account/);
    assert.doesNotMatch(mainDenied.json.error.message, /main/); // not named to a key that may not use it
    assert.equal(mainDenied.json.error.param, "account");
    const ok = await post(gw.url, "api/crisp/get/conversation", { sessionID, account: "second" }, keys.second);
    assert.equal(ok.status, 200, ok.text);
    const listed = await post(gw.url, "api/crisp/list/accounts", {}, keys.second);
    assert.deepEqual(listed.json.data.map((a) => a.id), ["second"]);
    const all = await post(gw.url, "api/crisp/list/accounts", {}, keys.reader);
    assert.deepEqual(all.json.data.map((a) => a.id).sort(), ["main", "second"]);
    assertNoSecrets(all.text, "list_accounts");
    const unknown = await post(gw.url, "api/crisp/get/conversation", { sessionID, account: "nope" }, keys.reader);
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.json.error.code, "unknown_account");
    assert.deepEqual((await sandbox.requests()).map((r) => r.endpoint), ["get_conversation"]);
  });

  test("a key's concurrency cap: its calls wait their turn, other keys' do not", async () => {
    const single = await addKey("one-at-a-time", "read", ["--concurrency", "1"]);
    keys.single = single;
    await new Promise((r) => setTimeout(r, 1100)); // the keys file is read again at most once a second
    await sandbox.control("faults", { method: "POST", body: JSON.stringify({ kind: "latency", latency_ms: 300, endpoint: "get_conversation" }) });
    const [a, b, c, other] = await Promise.all([
      post(gw.url, "api/crisp/get/conversation", { sessionID }, single),
      post(gw.url, "api/crisp/get/conversation", { sessionID }, single),
      post(gw.url, "api/crisp/get/conversation", { sessionID }, single),
      // Sent last, answered with the first: another key is not behind this one's queue.
      new Promise((r) => setTimeout(r, 50)).then(() => post(gw.url, "api/crisp/get/conversation/state", { sessionID }, keys.reader)),
    ]);
    assert.deepEqual([a, b, c, other].map((r) => r.status), [200, 200, 200, 200]);
    const log = await sandbox.requests();
    const mine = log.filter((r) => r.endpoint === "get_conversation").map((r) => r.received_at);
    assert.equal(mine.length, 3);
    // One at a time: each was sent after the one before was answered (300 ms later at least).
    assert.ok(mine[1] >= mine[0] + 300 && mine[2] >= mine[1] + 300, JSON.stringify(mine));
    const theirs = log.find((r) => r.endpoint === "get_conversation_state");
    assert.ok(theirs.received_at < mine[1], JSON.stringify(log.map((r) => [r.endpoint, r.received_at])));
  });

  test("bad requests get clear 4xx answers, and the server keeps serving", async () => {
    const malformed = await post(gw.url, "api/crisp/get/conversation", '{"sessionID": ', keys.reader);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.code, "invalid_json");
    assert.match(malformed.json.error.message, /^get_conversation: the request body is not JSON/);
    const notObject = await post(gw.url, "api/crisp/get/conversation", "[1]", keys.reader);
    assert.equal(notObject.status, 400);
    assert.match(notObject.json.error.message, /must be a JSON object/);
    const badBody = await post(gw.url, "api/crisp/change/conversation/state", { sessionID, body: "{state" }, keys.writer);
    assert.equal(badBody.status, 400);
    assert.equal(badBody.json.error.param, "body");
    const missing = await post(gw.url, "api/crisp/get/conversation", {}, keys.reader);
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, "missing_param");
    assert.equal(missing.json.error.param, "sessionID");
    const unknownParam = await post(gw.url, "api/crisp/get/conversation", { sessionID, sesionID: "x" }, keys.reader);
    assert.equal(unknownParam.status, 400);
    assert.equal(unknownParam.json.error.code, "unknown_param");
    const unknown = await post(gw.url, "api/crisp/get/conversations", { sessionID }, keys.reader);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, "unknown_endpoint");
    assert.match(unknown.json.error.message, /did you mean \/api\/crisp\/get\/conversation/);
    const wrongMethod = await fetch(`${gw.url}api/crisp/get/conversation`, { headers: { authorization: `Bearer ${keys.reader}` } });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "POST");
    assert.equal((await fetch(`${gw.url}nowhere`)).status, 404);
    // A body over --max-body (1 MiB): 413, read to its end so that the caller sees the answer.
    const huge = await post(gw.url, "api/crisp/add/new/people/profile", JSON.stringify({ body: { email: "a@b.c", nickname: "x".repeat(2 * 1024 * 1024) } }), keys.writer);
    assert.equal(huge.status, 413);
    assert.equal(huge.json.error.code, "payload_too_large");
    const hugeMcp = await fetch(`${gw.url}mcp`, { method: "POST", headers: { authorization: `Bearer ${keys.reader}`, "content-type": "application/json" }, body: "x".repeat(3 * 1024 * 1024) });
    assert.equal(hugeMcp.status, 413);
    await hugeMcp.arrayBuffer();
    // Still serving.
    assert.equal((await fetch(`${gw.url}healthz`)).status, 200);
    const got = await post(gw.url, "api/crisp/get/conversation", { sessionID }, keys.reader);
    assert.equal(got.status, 200);
    assert.deepEqual((await sandbox.requests()).map((r) => r.endpoint), ["get_conversation"]);
  });

  test("MCP over streamable HTTP: the SDK's client lists the tools and calls them, per key scope", async () => {
    await assert.rejects(mcpClient(gw.url, undefined), /401/);
    const reader = await mcpClient(gw.url, keys.reader);
    try {
      const tools = (await reader.listTools()).tools;
      // The default layout (tasks) keeps the compact layout's three tools; a read key gets no write tool.
      for (const name of ["crisp_call_endpoint", "crisp_describe_endpoint", "crisp_search_endpoints", "crisp_inbox"]) assert.ok(tools.some((t) => t.name === name), name);
      assert.ok(!tools.some((t) => t.name === "crisp_reply"));
      const got = await reader.callTool({ name: "crisp_call_endpoint", arguments: { id: "get_conversation", params: { sessionID } } });
      assert.equal(got.isError, undefined, text(got));
      assert.equal(JSON.parse(text(got)).session_id, sessionID);
      const write = await reader.callTool({ name: "crisp_call_endpoint", arguments: { id: "change_conversation_state", params: { sessionID, body: { state: "pending" } } } });
      assert.equal(write.isError, true);
      assert.match(text(write), /read-only: nothing was sent.*read scope/);
    } finally {
      await reader.close();
    }
    const writer = await mcpClient(gw.url, keys.writer);
    try {
      const wrote = await writer.callTool({ name: "crisp_call_endpoint", arguments: { id: "change_conversation_state", params: { sessionID, body: { state: "unresolved" } } } });
      assert.equal(wrote.isError, undefined, text(wrote));
      assertNoSecrets(text(wrote), "a tool result");
    } finally {
      await writer.close();
    }
    const second = await mcpClient(gw.url, keys.second);
    try {
      const denied = await second.callTool({ name: "crisp_call_endpoint", arguments: { id: "get_conversation", params: { sessionID } } });
      assert.equal(denied.isError, true);
      assert.match(text(denied), /may not use the default account/);
      assert.doesNotMatch(text(denied), /main/); // not named to a key that may not use it
    } finally {
      await second.close();
    }
    const log = await sandbox.requests();
    assert.deepEqual(log.map((r) => `${r.method} ${r.endpoint} ${r.status}`), ["GET get_conversation 200", "PATCH change_conversation_state 200"]);
  });

  test("the audit log holds exactly the writes, with no key", async () => {
    const lines = readFileSync(auditFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    // The REST writes (one Crisp refused), the MCP write; nothing else: calls refused before
    // sending (401, 403, bad params or JSON, a huge body) changed nothing and are in /metrics.
    const path = `/v1/website/${sandbox.website_id}/conversation/${sessionID}/state`;
    assert.deepEqual(
      lines.map(({ time, ...rest }) => (assert.ok(!Number.isNaN(Date.parse(time))), rest)),
      [
        { key: "writer", account: "main", endpoint: "change_conversation_state", method: "PATCH", path, status: 200, surface: "rest" },
        { key: "writer", account: "main", endpoint: "change_conversation_state", method: "PATCH", path: path.replace(sessionID, "session_nope"), status: 404, surface: "rest" },
        { key: "writer", account: "main", endpoint: "change_conversation_state", method: "PATCH", path, status: 200, surface: "mcp" },
      ],
    );
    assertNoSecrets(readFileSync(auditFile, "utf8"), "the audit log");
  });

  test("GET /metrics: calls by endpoint and status, upstream requests, queue waits", async () => {
    const res = await fetch(`${gw.url}metrics`, { headers: { authorization: `Bearer ${keys.reader}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    assert.match(body, /^crisp_gateway_calls_total\{surface="rest",endpoint="get_conversation",status="200"\} [1-9]\d*$/m);
    assert.match(body, /^crisp_gateway_calls_total\{surface="rest",endpoint="change_conversation_state",status="403"\} 1$/m);
    assert.match(body, /^crisp_gateway_calls_total\{surface="mcp",endpoint="change_conversation_state",status="200"\} 1$/m);
    assert.match(body, /^crisp_gateway_upstream_requests_total\{account="main,second",status="200"\} [1-9]\d*$/m);
    assert.match(body, /^crisp_gateway_refused_total\{reason="unauthorized"\} [1-9]\d*$/m);
    assert.match(body, /^crisp_gateway_queue_wait_seconds_count\{stage="account"\} [1-9]\d*$/m);
    assert.match(body, /^crisp_gateway_queue_wait_seconds_bucket\{stage="key",le="\+Inf"\} [1-9]\d*$/m);
    assertNoSecrets(body, "/metrics");
  });

  test("keys: add prints the key once and stores its hash; list; remove takes effect without a restart", async () => {
    const temp = await addKey("temp", "read");
    const stored = readFileSync(keysFile, "utf8");
    assert.ok(!stored.includes(temp), "the keys file holds the key itself");
    assert.match(stored, /"name": "temp"/);
    assert.equal(statSync(keysFile).mode & 0o777, 0o600);
    const list = await cli(["serve", "keys", "list", "--keys", keysFile]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^temp\s+read\s+accounts: all/m);
    assert.match(list.stdout, /^second-only\s+write\s+accounts: second/m);
    assert.ok(!list.stdout.includes("sha256"));
    const dup = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "temp", "--scope", "read"]);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /a key named `temp` exists/);
    assert.equal(dup.stdout, "");
    const bad = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "x y", "--scope", "admin"]);
    assert.equal(bad.code, 2);
    // The file is read again when it changes (checked at most once a second).
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await post(gw.url, "api/crisp/get/conversation", { sessionID }, temp)).status, 200);
    const removed = await cli(["serve", "keys", "remove", "--keys", keysFile, "--name", "temp"]);
    assert.equal(removed.code, 0, removed.stderr);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await post(gw.url, "api/crisp/get/conversation", { sessionID }, temp)).status, 401);
    keys.temp = temp;
  });

  test("no --keys: one key for this run, printed once; a non-loopback host is refused", async () => {
    const refused = await cli(["serve", "--host", "0.0.0.0", "--port", "0"], envOf(sandbox));
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--host 0\.0\.0\.0 is not a loopback address: give --keys FILE/);
    const solo = await startGateway([]);
    try {
      assert.match(solo.key, /^ckg_/);
      keys.run = solo.key;
      assert.equal((await post(solo.url, "api/crisp/get/conversation", { sessionID }, keys.reader)).status, 401);
      const ok = await post(solo.url, "api/crisp/get/conversation", { sessionID }, solo.key);
      assert.equal(ok.status, 200, ok.text);
      // Read-only without --allow-writes, whatever the key.
      const write = await post(solo.url, "api/crisp/change/conversation/state", { sessionID, body: { state: "resolved" } }, solo.key);
      assert.equal(write.status, 403);
      assert.equal(write.json.error.code, "read_only");
      assert.deepEqual((await sandbox.requests()).map((r) => r.endpoint), ["get_conversation"]);
    } finally {
      await solo.stop();
    }
    assertNoSecrets(solo.stderr(), "stderr");
  });

  test("50 concurrent callers under the sandbox's rate limit: no failed call, the limit never exceeded", async () => {
    await sandbox.control("rate-limit", { method: "PUT", body: JSON.stringify({ per_second: 20, burst: 20 }) });
    const paced = await startGateway(["--keys", keysFile, "--rate", "18/s", "--concurrency", "8", "--key-concurrency", "64"]);
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => post(paced.url, "api/crisp/get/conversation", { sessionID }, keys.reader)),
      );
      assert.deepEqual(results.filter((r) => r.status !== 200).map((r) => r.text), []);
      const log = await sandbox.requests();
      const t0 = log[0]?.received_at;
      const seen = JSON.stringify(log.map((r) => [r.received_at - t0, r.status, r.endpoint]));
      assert.deepEqual(log.filter((r) => r.status !== 200).map((r) => r.status), [], seen); // no 429: never over the limit
      // (More than 50 only if a read was retried after a lost answer: not a rate matter.)
      assert.ok(log.length >= 50, seen);
      const metrics = await (await fetch(`${paced.url}metrics`, { headers: { authorization: `Bearer ${keys.reader}` } })).text();
      assert.match(metrics, /^crisp_gateway_calls_total\{surface="rest",endpoint="get_conversation",status="200"\} 50$/m);
      assert.doesNotMatch(metrics, /^crisp_gateway_crisp_rate_limited_total\{/m);
    } finally {
      await paced.stop();
      await sandbox.control("rate-limit", { method: "PUT", body: JSON.stringify({ per_second: null }) });
    }
  });

  test("a 429 pauses every caller of that token until Retry-After; crisp-core's retries finish the reads", async () => {
    // One request in flight per token, so that the order is certain: whatever follows the 429 was
    // sent after the gateway saw it.
    const single = await startGateway(["--keys", keysFile, "--concurrency", "1", "--key-concurrency", "16"]);
    try {
      await sandbox.control("faults", { method: "POST", body: JSON.stringify({ kind: "status", status: 429, retry_after: 1, endpoint: "get_conversation", count: 1 }) });
      const results = await Promise.all(Array.from({ length: 10 }, () => post(single.url, "api/crisp/get/conversation", { sessionID }, keys.reader)));
      assert.deepEqual(results.map((r) => r.status), Array(10).fill(200));
      const log = await sandbox.requests();
      assert.equal(log[0].status, 429);
      assert.equal(log.length, 11); // the 10 calls and one retry
      assert.ok(log.slice(1).every((r) => r.status === 200 && r.received_at >= log[0].received_at + 1000), JSON.stringify(log.map((r) => [r.seq, r.received_at, r.status])));
      const metrics = await (await fetch(`${single.url}metrics`, { headers: { authorization: `Bearer ${keys.reader}` } })).text();
      assert.match(metrics, /^crisp_gateway_crisp_rate_limited_total\{account="default"\} 1$/m);
      assert.match(metrics, /^crisp_gateway_retries_total\{account="default"\} 1$/m);
      assert.match(metrics, /^crisp_gateway_upstream_requests_total\{account="default",status="429"\} 1$/m);
    } finally {
      await single.stop();
    }
  });

  test("two accounts on one token share its queue: a 429 answered to one pauses the other", async () => {
    const single = await startGateway(["--keys", keysFile, "--concurrency", "1", "--key-concurrency", "16"], { CRISP_KIT_CONFIG: accountsFile });
    try {
      await sandbox.control("faults", { method: "POST", body: JSON.stringify({ kind: "status", status: 429, retry_after: 1, endpoint: "get_conversation", count: 1 }) });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => post(single.url, "api/crisp/get/conversation", { sessionID, account: i % 2 ? "second" : "main" }, keys.reader)),
      );
      assert.deepEqual(results.map((r) => r.status), Array(6).fill(200));
      const log = await sandbox.requests();
      assert.equal(log[0].status, 429);
      assert.equal(log.length, 7); // the 6 calls and one retry
      // Whichever account was answered 429, the other's calls waited for Retry-After too.
      assert.ok(log.slice(1).every((r) => r.status === 200 && r.received_at >= log[0].received_at + 1000), JSON.stringify(log.map((r) => [r.seq, r.received_at, r.status])));
      const metrics = await (await fetch(`${single.url}metrics`, { headers: { authorization: `Bearer ${keys.reader}` } })).text();
      assert.match(metrics, /^crisp_gateway_crisp_rate_limited_total\{account="main,second"\} 1$/m);
      assert.match(metrics, /^crisp_gateway_retries_total\{account="main,second"\} 1$/m);
    } finally {
      await single.stop();
    }
  });

  test("every way an attempt ends gives its slot back once: bad body, reset, 503, timeout, caller gone (sent or queued)", async () => {
    const config = join(tmp, "short-timeout.json");
    writeFileSync(config, JSON.stringify({ identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url, timeoutMs: 500 }));
    const single = await startGateway(["--keys", keysFile, "--concurrency", "1", "--key-concurrency", "16"], { CRISP_KIT_CONFIG: config });
    const metric = async (re) => {
      const text = await (await fetch(`${single.url}metrics`, { headers: { authorization: `Bearer ${keys.reader}` } })).text();
      return Number(re.exec(text)?.[1] ?? 0);
    };
    const inFlight = () => metric(/^crisp_gateway_upstream_in_flight\{account="default"\} (-?\d+)$/m);
    const keyTurns = () => metric(/^crisp_gateway_queue_wait_seconds_count\{stage="key"\} (\d+)$/m);
    /** Polls until `f()` answers `want` (at most 200 times, 10 ms apart). */
    const until = async (f, want) => {
      for (let i = 0; i < 200 && (await f()) !== want; i++) await new Promise((r) => setTimeout(r, 10));
      return f();
    };
    const fault = (spec) => sandbox.control("faults", { method: "POST", body: JSON.stringify({ endpoint: "get_conversation", ...spec }) });
    const get = (init) => post(single.url, "api/crisp/get/conversation", { sessionID }, keys.reader, init);
    try {
      for (const spec of [{ kind: "truncate", count: 3 }, { kind: "reset", count: 3 }, { kind: "status", status: 503, count: 3 }, { kind: "latency", latency_ms: 2000, count: 3 }]) {
        await fault(spec);
        assert.notEqual((await get()).status, 200, spec.kind);
        assert.equal(await inFlight(), 0, `${spec.kind}: a slot is still held`);
        await sandbox.control("faults", { method: "DELETE" });
      }
      // The caller goes away while its request is at Crisp, and while another call waits for the
      // turn: the first gives its slot back, the second never had one.
      await fault({ kind: "latency", latency_ms: 3000, count: 3 });
      const sent = new AbortController();
      const first = get({ signal: sent.signal }).catch((e) => e);
      assert.equal(await until(inFlight, 1), 1);
      const turns = await keyTurns();
      const queued = new AbortController();
      const second = get({ signal: queued.signal }).catch((e) => e);
      assert.equal(await until(keyTurns, turns + 1), turns + 1); // past the key's cap: in the token's queue
      queued.abort();
      sent.abort();
      assert.equal((await first).name, "AbortError");
      assert.equal((await second).name, "AbortError");
      assert.equal(await until(inFlight, 0), 0, "the slots are not given back exactly once");
      assert.equal((await get()).status, 200);
      assert.equal(await inFlight(), 0);
    } finally {
      await sandbox.control("faults", { method: "DELETE" });
      await single.stop();
    }
  });

  test("--redis: two replicas share one token's budget through a real redis-server", async () => {
    const port = await freePort();
    const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
    running.add(redis);
    redis.once("exit", () => running.delete(redis));
    await new Promise((resolve, reject) => {
      redis.once("error", reject);
      redis.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
      redis.stdout.on("data", (chunk) => /Ready to accept connections/.test(chunk) && resolve());
    });
    await sandbox.control("rate-limit", { method: "PUT", body: JSON.stringify({ per_second: 10, burst: 10 }) });
    /** 20 calls spread over two replicas, each allowed 9/s; the sandbox's log. */
    const spread = async (extra) => {
      // The sandbox's bucket refills while the replicas start: both start with full buckets.
      const quiet = new Promise((r) => setTimeout(r, 1000));
      const args = ["--keys", keysFile, "--rate", "9/s", "--key-concurrency", "32", ...extra];
      const [a, b] = await Promise.all([startGateway(args), startGateway(args)]);
      try {
        await quiet;
        await sandbox.clearRequests();
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? a.url : b.url, "api/crisp/get/conversation", { sessionID }, keys.reader)));
        assert.deepEqual(results.filter((r) => r.status !== 200).map((r) => r.text), []);
        return await sandbox.requests();
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        assertNoSecrets(a.stderr() + b.stderr(), "stderr");
      }
    };
    try {
      // Alone, each replica keeps its own 9/s: together 18/s, over the sandbox's 10/s.
      const alone = await spread([]);
      assert.ok(alone.some((r) => r.status === 429), "two replicas without redis stayed under the limit: the test proves nothing");
      const shared = await spread(["--redis", `redis://127.0.0.1:${port}`]);
      assert.equal(shared.length, 20);
      assert.deepEqual(shared.filter((r) => r.status !== 200).map((r) => r.status), []);
      // Redis going away mid-run: the replica limits alone, and says so, rather than stall.
      const lone = await startGateway(["--keys", keysFile, "--rate", "9/s", "--redis", `redis://127.0.0.1:${port}`]);
      try {
        assert.equal((await post(lone.url, "api/crisp/get/conversation", { sessionID }, keys.reader)).status, 200);
        await new Promise((resolve) => {
          redis.once("exit", resolve);
          process.kill(redis.pid, "SIGTERM");
        });
        const after = await Promise.all(Array.from({ length: 3 }, () => post(lone.url, "api/crisp/get/conversation", { sessionID }, keys.reader)));
        assert.deepEqual(after.map((r) => r.status), [200, 200, 200]);
        assert.match(lone.stderr(), /redis unreachable, limiting in this process alone/);
      } finally {
        await lone.stop();
      }
    } finally {
      await sandbox.control("rate-limit", { method: "PUT", body: JSON.stringify({ per_second: null }) });
      await new Promise((resolve) => {
        if (redis.exitCode !== null) return resolve();
        redis.once("exit", resolve);
        process.kill(redis.pid, "SIGTERM");
      });
    }
    // A replica that cannot reach redis at start says so and exits 2.
    const down = await cli(["serve", "--port", "0", "--redis", `redis://127.0.0.1:${port}`], envOf(sandbox));
    assert.equal(down.code, 2);
    assert.match(down.stderr, /redis/i);
  });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
