// The gateway's security decisions (docs/GATEWAY.md#security-decisions, issue 25), each through
// the real gateway process in front of the real sandbox, over real HTTP and raw sockets on
// 127.0.0.1, and the MCP SDK's own client. Node-only surface: runs with the Node backend.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { cli, cliPath, mcpClient, post, sandboxEnv, startGateway, toolText } from "./gateway.mjs";
import { backendName, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
/** Another website than the sandbox's: never reached (every call naming it is refused first). */
const OTHER_WEBSITE = "0ddba11a-0000-4000-8000-00000000cafe";
let sandbox;
let sessionID;
let victimID;
let tmp;
let keysFile;
let config;
let gw; // compact tools, writes allowed
let full; // --tools full
const keys = {};

async function addKey(name, scope, extra = [], file = keysFile) {
  const r = await cli(["serve", "keys", "add", "--keys", file, "--name", name, "--scope", scope, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Waits (bounded: at most `tries` x 100 ms) until `check()` is true; returns whether it was. */
async function until(check, tries = 50) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Sends raw bytes on a fresh socket; resolves with what came back, how many chunks went, and whether the guard ended it. */
function raw(url, chunks, { gapMs = 0, guardMs = 20_000 } = {}) {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let received = "";
    let sent = 0;
    const guard = setTimeout(() => {
      socket.destroy();
      resolve({ received, sent, guard: true });
    }, guardMs);
    socket.on("data", (d) => (received += d));
    socket.on("error", () => undefined); // a reset is a close
    socket.on("close", () => {
      clearTimeout(guard);
      resolve({ received, sent, guard: false });
    });
    socket.once("connect", async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) break;
        socket.write(chunk);
        sent++;
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
      // Waits for the answer; the guard ends it.
    });
    socket.once("error", (e) => (socket.destroyed ? undefined : reject(e)));
  });
}

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "16"]);
  const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
  });
  const listed = (await res.json()).data;
  sessionID = listed[0].session_id;
  victimID = listed[1].session_id; // removed by item 17's test
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-serve-security-"));
  keysFile = join(tmp, "keys.json");
  keys.writer = await addKey("writer", "write");
  keys.mainOnly = await addKey("main-only", "write", ["--accounts", "main"]);
  keys.siteOnly = await addKey("site-only", "write", ["--websites", sandbox.website_id]);
  keys.remover = await addKey("remover", "write", ["--allow", "remove_conversation"]);
  keys.noGet = await addKey("no-get", "read", ["--deny", "get_conversation"]);
  // Two accounts on the sandbox's one token: "main" (the sandbox's website, default) and
  // "second", whose website is another one (so that a leak of it shows).
  config = join(tmp, "accounts.json");
  const account = { identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", baseUrl: sandbox.url };
  writeFileSync(config, JSON.stringify({ accounts: { main: { ...account, websiteId: sandbox.website_id }, second: { ...account, websiteId: OTHER_WEBSITE } }, defaultAccount: "main" }));
  [gw, full] = await Promise.all([
    startGateway(["--keys", keysFile, "--allow-writes", "--max-body", String(4 * 1024 * 1024)], { CRISP_KIT_CONFIG: config }),
    startGateway(["--keys", keysFile, "--allow-writes", "--tools", "full"], { CRISP_KIT_CONFIG: config }),
  ]);
});
after(async () => {
  await Promise.all([gw?.stop(), full?.stop()]);
  await sandbox?.stop();
  for (const g of [gw, full]) {
    if (!g) continue;
    for (const s of [sandbox.key, ...Object.values(keys)]) assert.ok(!g.stderr().includes(s), "the gateway's stderr holds a key");
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("gateway security decisions", { skip: !nodeBackend && "Node-only surface" }, () => {
  test("item 1: a 1 MiB unknown tool name or endpoint id is answered with no suggestion work, and /healthz meanwhile", async () => {
    // The unit: `nearest` never looks at the candidates for a name past MAX_NAME (the candidates
    // are a Proxy that counts reads). Bundled from the source, as the package bundles it.
    const out = await build({ entryPoints: [join(root, "bindings/js/src/internal/suggest.ts")], bundle: true, write: false, format: "esm", platform: "node" });
    const { nearest, MAX_NAME } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
    let reads = 0;
    const names = new Proxy(["get_conversation", "list_conversations"], {
      get(target, prop, receiver) {
        reads++;
        return Reflect.get(target, prop, receiver);
      },
    });
    assert.deepEqual(nearest("x".repeat(1024 * 1024), names), []);
    assert.equal(reads, 0, "the candidates were read for a 1 MiB name");
    assert.deepEqual(nearest("get_conversatoin", names), ["get_conversation"]); // still suggests for a short one
    assert.ok(MAX_NAME <= 256);

    // Through the gateway: MCP (a tool argument and a tool name of 1 MiB) and REST (the longest
    // path node:http takes). The hang guard is generous: the old code took ~70 s for 1 MiB.
    const big = `get_${"conversation".repeat(87382)}`; // > 1 MiB
    const client = await mcpClient(gw.url, keys.writer);
    try {
      const order = [];
      const calls = [
        client.callTool({ name: "crisp_call_endpoint", arguments: { id: big } }, undefined, { timeout: 30_000 }).then((r) => (order.push("id"), r)),
        client.callTool({ name: big, arguments: {} }, undefined, { timeout: 30_000 }).then((r) => (order.push("name"), r)),
        fetch(`${gw.url}healthz`, { signal: AbortSignal.timeout(30_000) }).then((r) => (order.push("healthz"), r)),
      ];
      const [byId, byName, health] = await Promise.all(calls);
      assert.equal(health.status, 200);
      assert.equal(byId.isError, true);
      assert.match(toolText(byId), /unknown endpoint/);
      assert.doesNotMatch(toolText(byId), /did you mean/);
      assert.equal(byName.isError, true);
      assert.match(toolText(byName), /unknown tool/);
      assert.ok(toolText(byId).length < 2 * 1024 * 1024 + 4096);
    } finally {
      await client.close();
    }
    const path = `api/crisp/${"get_conversation_x".repeat(800)}`; // 14 KB: under node:http's 16 KiB header limit
    const res = await post(gw.url, path, {}, keys.writer, { signal: AbortSignal.timeout(30_000) });
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, "unknown_endpoint");
    assert.equal((await fetch(`${gw.url}healthz`)).status, 200);
  });

  test("item 4: a key limited to some accounts sees only those: list_accounts, tool schemas, descriptions; /_endpoints names none", async () => {
    const rest = await post(gw.url, "api/crisp/list_accounts", {}, keys.mainOnly);
    assert.equal(rest.status, 200, rest.text);
    assert.deepEqual(rest.json.data.map((a) => a.id), ["main"]);
    const all = await post(gw.url, "api/crisp/list_accounts", {}, keys.writer);
    assert.deepEqual(all.json.data.map((a) => a.id).sort(), ["main", "second"]);

    for (const g of [gw, full]) {
      const client = await mcpClient(g.url, keys.mainOnly);
      try {
        const listed = JSON.stringify((await client.listTools()).tools);
        assert.doesNotMatch(listed, /second/, "a tool of the main-only key names the account `second`");
        assert.ok(!listed.includes(OTHER_WEBSITE), "a tool of the main-only key names the other website");
        assert.match(listed, /"enum":\["main"\]/);
        const result = g === full
          ? await client.callTool({ name: "crisp_list_accounts", arguments: {} })
          : await client.callTool({ name: "crisp_call_endpoint", arguments: { id: "list_accounts" } });
        assert.equal(result.isError, undefined, toolText(result));
        assert.deepEqual(JSON.parse(result.content[0].text).map((a) => a.id), ["main"]);
        // A call naming the other account: refused, naming the parameter.
        const other = await client.callTool({ name: g === full ? "crisp_get_conversation" : "crisp_call_endpoint", arguments: g === full ? { sessionID, account: "second" } : { id: "get_conversation", params: { sessionID }, account: "second" } });
        assert.equal(other.isError, true);
      } finally {
        await client.close();
      }
      // An unrestricted key's tools still name both.
      const client2 = await mcpClient(g.url, keys.writer);
      try {
        assert.match(JSON.stringify((await client2.listTools()).tools), /"enum":\["main","second"\]/);
      } finally {
        await client2.close();
      }
    }
    const endpoints = await (await fetch(`${gw.url}_endpoints`)).text();
    for (const leak of ["second", OTHER_WEBSITE, sandbox.website_id, "\"main\""]) assert.ok(!endpoints.includes(leak), `/_endpoints names ${leak}`);
    const get = JSON.parse(endpoints).endpoints.find((e) => e.id === "get_conversation");
    assert.equal(get.params.find((p) => p.name === "websiteID").required, false);
    // /metrics labels name every account: not for a key limited to some.
    const metrics = await fetch(`${gw.url}metrics`, { headers: { authorization: `Bearer ${keys.mainOnly}` } });
    assert.equal(metrics.status, 403);
    assert.doesNotMatch(await metrics.text(), /second/);
  });

  test("item 5: a key limited to websites: another websiteID (given, or the account's) is 403 naming websiteID, nothing sent", async () => {
    await sandbox.clearRequests();
    const cases = [
      [{ sessionID, websiteID: OTHER_WEBSITE }, "websiteID"],
      [{ sessionID, account: "second" }, "websiteID"], // second's own website is not in the list
    ];
    for (const [body, param] of cases) {
      const r = await post(gw.url, "api/crisp/get_conversation", body, keys.siteOnly);
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json.error.code, "forbidden");
      assert.equal(r.json.error.param, param);
    }
    // Endpoints with no website in their path reach beyond one website: refused to it.
    const plugins = await post(gw.url, "api/crisp/plugins_list_all_active_subscriptions", {}, keys.siteOnly);
    assert.equal(plugins.status, 403, plugins.text);
    assert.equal(plugins.json.error.param, "endpoint");
    const client = await mcpClient(gw.url, keys.siteOnly);
    try {
      const r = await client.callTool({ name: "crisp_call_endpoint", arguments: { id: "get_conversation", params: { sessionID, websiteID: OTHER_WEBSITE } } });
      assert.equal(r.isError, true);
      assert.match(toolText(r), /may not use the website/);
      const search = JSON.parse((await client.callTool({ name: "crisp_search_endpoints", arguments: { query: "plugin subscriptions", limit: 300 } })).content[0].text);
      assert.ok(!search.endpoints.some((e) => e.id === "plugins_list_all_active_subscriptions"), "the website key is shown a plugin-level endpoint");
      const described = JSON.parse((await client.callTool({ name: "crisp_describe_endpoint", arguments: { id: "plugins_list_all_active_subscriptions" } })).content[0].text);
      assert.equal(described.callable, false);
      assert.match(described.refused_because, /key policy/);
    } finally {
      await client.close();
    }
    assert.deepEqual(await sandbox.requests(), [], "a refused call reached the sandbox");
    // Its own website: through, given or by default.
    for (const body of [{ sessionID }, { sessionID, websiteID: sandbox.website_id }]) {
      const ok = await post(gw.url, "api/crisp/get_conversation", body, keys.siteOnly);
      assert.equal(ok.status, 200, ok.text);
    }
  });

  test("item 6: keys add refuses an empty list (an unset variable) and empty items", async () => {
    const before = readFileSync(keysFile, "utf8");
    for (const [flag, value] of [["--accounts", ""], ["--websites", ""], ["--accounts", "a,,b"], ["--deny", "get_conversation,"], ["--allow", ""]]) {
      const r = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "empty", "--scope", "read", flag, value]);
      assert.equal(r.code, 2, `${flag} ${JSON.stringify(value)}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${flag} .*empty item`));
    }
    const unknown = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "empty", "--scope", "read", "--deny", "get_conversatoin"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown endpoint `get_conversatoin` \(did you mean get_conversation/);
    const notDestructive = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "empty", "--scope", "read", "--allow", "get_conversation"]);
    assert.equal(notDestructive.code, 2);
    assert.match(notDestructive.stderr, /--allow: get_conversation is not destructive/);
    assert.equal(readFileSync(keysFile, "utf8"), before, "a refused keys add changed the file");
  });

  test("item 17: destructive endpoints are refused unless the key names them in --allow; --deny refuses more; tool lists omit them", async () => {
    await sandbox.clearRequests();
    const denied = await post(gw.url, "api/crisp/remove_conversation", { sessionID: victimID }, keys.writer);
    assert.equal(denied.status, 403, denied.text);
    assert.deepEqual([denied.json.error.code, denied.json.error.param], ["forbidden", "endpoint"]);
    assert.match(denied.json.error.message, /destructive.*--allow/);
    const read = await post(gw.url, "api/crisp/get_conversation", { sessionID }, keys.noGet);
    assert.equal(read.status, 403);
    assert.equal(read.json.error.param, "endpoint");
    const client = await mcpClient(full.url, keys.writer);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes("crisp_change_conversation_state") && !names.includes("crisp_remove_conversation"));
      assert.ok(!names.some((n) => /^crisp_(delete|remove)_/.test(n)), "a destructive tool is listed to a key without --allow");
      const r = await client.callTool({ name: "crisp_remove_conversation", arguments: { sessionID: victimID } });
      assert.equal(r.isError, true);
      assert.match(toolText(r), /destructive/);
    } finally {
      await client.close();
    }
    const noGet = await mcpClient(full.url, keys.noGet);
    try {
      const names = (await noGet.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes("crisp_list_conversations") && !names.includes("crisp_get_conversation"));
    } finally {
      await noGet.close();
    }
    assert.deepEqual(await sandbox.requests(), [], "a refused call reached the sandbox");
    // Named in --allow: it goes through (and only that one).
    const remover = await mcpClient(full.url, keys.remover);
    try {
      const names = (await remover.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes("crisp_remove_conversation") && !names.includes("crisp_remove_people_profile"));
    } finally {
      await remover.close();
    }
    const allowed = await post(gw.url, "api/crisp/remove_conversation", { sessionID: victimID }, keys.remover);
    assert.equal(allowed.status, 200, allowed.text);
    assert.deepEqual((await sandbox.requests()).map((r) => r.method), ["DELETE"]);
  });

  test("item 8: a full key queue answers 429 queue_full with Retry-After, nothing sent", async () => {
    const file = join(tmp, "queue-keys.json");
    const key = await addKey("one", "read", ["--concurrency", "1"], file);
    const g = await startGateway(["--keys", file, "--max-queue", "1"], sandboxEnv(sandbox));
    try {
      await sandbox.control("faults", { method: "POST", body: JSON.stringify({ kind: "latency", latency_ms: 1500, endpoint: "get_conversation", count: 5 }) });
      await sandbox.clearRequests();
      const results = await Promise.all(Array.from({ length: 5 }, () => post(g.url, "api/crisp/get_conversation", { sessionID }, key)));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
      for (const r of results.filter((x) => x.status === 429)) {
        assert.equal(r.json.error.code, "queue_full");
        assert.equal(r.headers.get("retry-after"), "1");
      }
      assert.equal((await sandbox.requests()).length, 2);
    } finally {
      await sandbox.control("faults", { method: "DELETE" }).catch(() => undefined);
      await g.stop();
    }
  });

  test("item 8: a declared Content-Length over --max-body is refused before reading; a growing body is not read past it", async () => {
    const head = (len) => `POST /api/crisp/get_conversation HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${keys.writer}\r\nContent-Type: application/json\r\n${len}\r\n\r\n`;
    // 10 GB declared, nothing sent: the answer comes anyway.
    const declared = await raw(gw.url, [head("Content-Length: 10000000000")]);
    assert.equal(declared.guard, false, "no answer to a 10 GB Content-Length");
    assert.match(declared.received, /^HTTP\/1\.1 413 /);
    assert.match(declared.received, /payload_too_large/);
    // Chunked, past 4 MiB and never finished: answered when the limit is passed.
    const chunk = `${(256 * 1024).toString(16)}\r\n${"a".repeat(256 * 1024)}\r\n`;
    const grown = await raw(gw.url, [head("Transfer-Encoding: chunked"), ...Array(20).fill(chunk)]);
    assert.equal(grown.guard, false, "no answer to a body growing past --max-body");
    assert.match(grown.received, /^HTTP\/1\.1 413 /);
  });

  test("item 8: a slow-loris client (headers a line at a time) is cut by the headers timeout", async () => {
    const g = await startGateway(["--keys", keysFile, "--request-timeout", "2"], sandboxEnv(sandbox));
    try {
      const lines = ["POST /api/crisp/get_conversation HTTP/1.1\r\n", ...Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: ${i}\r\n`)];
      const r = await raw(g.url, lines, { gapMs: 500, guardMs: 25_000 });
      assert.equal(r.guard, false, "the slow client was never cut");
      assert.ok(r.sent < lines.length, `the server waited for all ${r.sent} header lines`);
      assert.equal((await fetch(`${g.url}healthz`)).status, 200);
    } finally {
      await g.stop();
    }
  });

  test("item 9: an audit write that fails after a Crisp write never fails the call; logged, counted; the audit file is 0600", async () => {
    const dir = join(tmp, "audit");
    mkdirSync(dir);
    const audit = join(dir, "audit.jsonl");
    const g = await startGateway(["--keys", keysFile, "--allow-writes", "--audit", audit], sandboxEnv(sandbox));
    try {
      assert.equal(statSync(audit).mode & 0o777, 0o600);
      const write = () => post(g.url, "api/crisp/change_conversation_state", { sessionID, body: { state: "resolved" } }, keys.writer);
      assert.equal((await write()).status, 200);
      assert.match(readFileSync(audit, "utf8"), /change_conversation_state/);
      // The audit file turns into a directory: appending to it throws.
      rmSync(audit);
      mkdirSync(audit);
      await sandbox.clearRequests();
      const r = await write();
      assert.equal(r.status, 200, r.text);
      assert.equal((await sandbox.requests()).length, 1);
      assert.match(g.stderr(), /audit write to .* failed \(EISDIR.*"endpoint":"change_conversation_state"/);
      const metrics = await (await fetch(`${g.url}metrics`, { headers: { authorization: `Bearer ${keys.writer}` } })).text();
      assert.match(metrics, /^crisp_gateway_audit_failures_total 1$/m);
    } finally {
      await g.stop();
    }
  });

  test("item 10: a huge Retry-After pauses the token at most MAX_PAUSE_MS (no timer overflow, no spinning queue)", async () => {
    const file = join(tmp, "pause-keys.json");
    const key = await addKey("pause", "read", [], file);
    const g = await startGateway(["--keys", file, "--concurrency", "1"], sandboxEnv(sandbox));
    try {
      await sandbox.control("faults", { method: "POST", body: JSON.stringify({ kind: "status", status: 429, retry_after: 10_000_000_000, endpoint: "get_conversation", count: 1 }) });
      const first = await post(g.url, "api/crisp/get_conversation", { sessionID }, key);
      assert.equal(first.status, 429); // crisp-core does not wait 300 years
      // A second call waits behind the pause; it is given up (aborted) after a while.
      const second = await post(g.url, "api/crisp/get_conversation", { sessionID }, key, { signal: AbortSignal.timeout(1500) }).catch((e) => e);
      assert.equal(second.name, "TimeoutError", "the second call was sent through the pause");
      assert.match(g.stderr(), /Retry-After\); pausing 60 s, the most/);
      assert.doesNotMatch(g.stderr(), /TimeoutOverflowWarning/);
    } finally {
      await sandbox.control("faults", { method: "DELETE" }).catch(() => undefined);
      await g.stop();
    }
  });

  test("item 7: deleting the keys file revokes every key (said once); a same-size, same-mtime edit is seen; concurrent adds all land", async () => {
    const file = join(tmp, "revoke-keys.json");
    const key = await addKey("a-key", "read", [], file);
    const g = await startGateway(["--keys", file], sandboxEnv(sandbox));
    const ok = async (k) => (await post(g.url, "api/crisp/list_accounts", {}, k)).status === 200;
    try {
      assert.ok(await ok(key));
      const saved = readFileSync(file, "utf8");
      rmSync(file);
      assert.ok(await until(async () => !(await ok(key))), "the key still works with its file deleted");
      assert.ok(await until(async () => !(await ok(key)), 12)); // and stays refused
      assert.equal(g.stderr().match(/is gone: no key is accepted/g)?.length, 1, g.stderr());
      writeFileSync(file, saved, { mode: 0o600 });
      assert.ok(await until(() => ok(key)), "the key is not accepted again with its file back");

      // The same name, another key of the same length: the same size; the old mtime put back.
      const other = await addKey("b-key", "read", [], join(tmp, "scratch.json"));
      const otherHash = JSON.parse(readFileSync(join(tmp, "scratch.json"), "utf8")).keys[0].hash;
      const { mtime, atime } = statSync(file);
      const edited = saved.replace(/"hash": "sha256:[0-9a-f]{64}"/, `"hash": "${otherHash}"`);
      assert.equal(edited.length, saved.length);
      writeFileSync(file, edited); // in place: the same inode
      utimesSync(file, atime, mtime);
      assert.ok(await until(async () => (await ok(other)) && !(await ok(key))), "a same-size, same-mtime edit was missed");
    } finally {
      await g.stop();
    }
    // Eight concurrent `keys add`: every one lands (a lock file serialises them).
    const many = join(tmp, "many-keys.json");
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => cli(["serve", "keys", "add", "--keys", many, "--name", `k${i}`, "--scope", "read"])));
    assert.deepEqual(results.map((r) => r.code), Array(8).fill(0), results.map((r) => r.stderr).join(""));
    assert.equal(JSON.parse(readFileSync(many, "utf8")).keys.length, 8);
    assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith("many-keys.json.")), [], "a lock or temporary file was left");
    // A lock left by a process that died holding it (older than 30 s) is taken over.
    writeFileSync(`${many}.lock`, "");
    const old = new Date(Date.now() - 120_000);
    utimesSync(`${many}.lock`, old, old);
    const late = await cli(["serve", "keys", "add", "--keys", many, "--name", "after-stale", "--scope", "read"]);
    assert.equal(late.code, 0, late.stderr);
    assert.equal(JSON.parse(readFileSync(many, "utf8")).keys.length, 9);
  });

  test("item 13: a group- or world-writable keys file is refused at start and on reload; keys add writes 0600", async () => {
    const file = join(tmp, "mode-keys.json");
    const key = await addKey("m", "read", [], file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    chmodSync(file, 0o666);
    const refused = await startGateway(["--keys", file], sandboxEnv(sandbox)).catch((e) => e);
    assert.match(String(refused), /writable by its group or by everyone \(mode 666\)/);
    chmodSync(file, 0o600);
    const g = await startGateway(["--keys", file], sandboxEnv(sandbox));
    try {
      assert.equal((await post(g.url, "api/crisp/list_accounts", {}, key)).status, 200);
      chmodSync(file, 0o620);
      assert.ok(await until(async () => (await post(g.url, "api/crisp/list_accounts", {}, key)).status === 401), "a group-writable keys file is still trusted");
      assert.match(g.stderr(), /writable by its group or by everyone \(mode 620\).*no key is accepted/);
    } finally {
      await g.stop();
    }
  });

  test("item 14: REDIS_URL is read and its password never printed; a config parse error says where, not what", async () => {
    const password = "hunter2-not-for-logs";
    // Nothing listens on port 9 of 127.0.0.1: the connection fails, and says so without the password.
    const r = await new Promise((resolve) => {
      const child = spawn(process.execPath, [cliPath, "serve", "--port", "0"], { env: { PATH: process.env.PATH, ...sandboxEnv(sandbox), REDIS_URL: `redis://:${password}@127.0.0.1:9` }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const guard = setTimeout(() => process.kill(child.pid, "SIGTERM"), 20_000);
      child.once("exit", (code) => (clearTimeout(guard), resolve({ code, out })));
    });
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /--redis/);
    assert.ok(!r.out.includes(password), "the redis password was printed");

    const secret = "sk_live_0123456789abcdef";
    const bad = join(tmp, "bad-config.json");
    writeFileSync(bad, `{\n  "accounts": { "main": { "identifier": "id", "key": "${secret}" "tier": "plugin" } }\n}\n`);
    const c = await cli(["serve", "--port", "0"], { CRISP_KIT_CONFIG: bad });
    assert.equal(c.code, 2);
    assert.match(c.stderr, /is not valid JSON \(line 2, column \d+\)/);
    assert.ok(!c.stderr.includes(secret.slice(0, 8)), c.stderr);
    // V8 quotes the text around an unexpected token, and gives no position: found all the same.
    const token = join(tmp, "bad-token.json");
    const text = `{"key": "${secret}", x}`;
    writeFileSync(token, text);
    const t = await cli(["serve", "--port", "0"], { CRISP_KIT_CONFIG: token });
    assert.match(t.stderr, new RegExp(`is not valid JSON \\(line 1, column ${text.indexOf("x}") + 1}\\)`));
    assert.ok(!t.stderr.includes(secret.slice(0, 8)), t.stderr);
  });
});
