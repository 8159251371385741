// The drop-in façade for the official client and the CLI, against the real sandbox. Both are
// Node-only surfaces, so this file runs with the Node backend and skips under another.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { backendName, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
const require = createRequire(import.meta.url);
let sandbox;
let sessionID;

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "11"]);
  const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
  });
  sessionID = (await res.json()).data[0].session_id;
});
after(() => sandbox?.stop());
beforeEach(() => sandbox?.clearRequests());

describe("crisp-kit/compat, as the official client is used", { skip: !nodeBackend && "Node-only surface" }, () => {
  const official = () => {
    const Crisp = require(join(root, "bindings/js/dist/compat.cjs"));
    const client = new Crisp();
    client.authenticateTier("plugin", sandbox.identifier, sandbox.key);
    client.setRestHost(sandbox.url.replace(/\/v1\/$/, ""));
    return client;
  };

  test("require() gives the class, also as .Crisp and .default", () => {
    const m = require(join(root, "bindings/js/dist/compat.cjs"));
    assert.equal(typeof m, "function");
    assert.equal(m.Crisp, m);
    assert.equal(m.default, m);
  });

  test("reads, writes and their wire requests", async () => {
    const client = official();
    const conversation = await client.website.getConversation(sandbox.website_id, sessionID);
    assert.equal(conversation.session_id, sessionID);
    await client.website.changeConversationState(sandbox.website_id, sessionID, "resolved");
    const list = await client.website.listConversations(sandbox.website_id, 1, { per_page: 20, filter_resolved: true });
    assert.ok(list.some((c) => c.session_id === sessionID));
    const log = await sandbox.requests();
    assert.deepEqual(
      log.map((r) => `${r.method} ${r.endpoint}`),
      ["GET get_conversation", "PATCH change_conversation_state", "GET list_conversations"],
    );
    assert.deepEqual(typeof log[1].body === "string" ? JSON.parse(log[1].body) : log[1].body, { state: "resolved" });
    assert.match(log[2].query, /per_page=20/);
  });

  test("HEAD checks resolve on 200 and reject 404 as route_error, like the official client", async () => {
    const client = official();
    assert.deepEqual(await client.website.checkConversationExists(sandbox.website_id, sessionID), {});
    await assert.rejects(client.website.checkConversationExists(sandbox.website_id, "session_missing"), (e) => e.reason === "error" && e.message === "route_error" && e.code === 404);
  });

  test("rejections keep the official shape and are CrispErrors", async () => {
    const { CrispError } = require(join(root, "bindings/js/dist/index.cjs"));
    const client = official();
    client.authenticate(sandbox.identifier, "wrong-key");
    await assert.rejects(client.website.getConversation(sandbox.website_id, sessionID), (e) => {
      assert.ok(e instanceof CrispError);
      assert.equal(e.reason, "error");
      assert.equal(e.message, "invalid_session");
      assert.equal(e.code, 401);
      assert.equal(e.data.namespace, "response");
      assert.equal(e.cause.code, "unauthorized");
      return true;
    });
  });

  test("a refusal carries Crisp's explanation in data.message, and the cause's message", async () => {
    await assert.rejects(official().website.getConversation(sandbox.website_id, "session_00000000-0000-4000-8000-000000000000"), (e) => {
      assert.equal(e.message, "not_found");
      assert.match(e.data.message, /^Got response error: conversation `session_0{8}-.*` not found$/);
      assert.match(e.cause.message, /Crisp answered 404 `not_found`: conversation `session_.*` not found/);
      return true;
    });
  });

  test("an id that would leave its segment is refused before anything is sent", async () => {
    await assert.rejects(official().website.getConversation(sandbox.website_id, "../../x"), (e) => e.cause.code === "invalid_param");
    assert.equal((await sandbox.requests()).length, 0);
  });

  test("custom headers are sent; on() checks its arguments as crisp-api does (events: tests/js/events.test.mjs)", async () => {
    const client = official();
    client.setCustomHeaders({ "X-Integration": "demo" });
    await client.website.getConversation(sandbox.website_id, sessionID);
    const [logged] = await sandbox.requests();
    const pairs = Array.isArray(logged.headers) ? logged.headers : Object.entries(logged.headers);
    const headers = Object.fromEntries(pairs.map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(headers["x-integration"], "demo");
    assert.throws(() => client.on("message:send"), /parameter callback should be a function/);
    assert.throws(() => client.on("message:nope", () => {}), /not recognized: 'message:nope'/);
  });
});

describe("npx crisp-kit", { skip: !nodeBackend && "Node-only surface" }, () => {
  const cli = (args, env = {}) =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(root, "bindings/js/bin/crisp-kit.js"), ...args], {
        env: {
          PATH: process.env.PATH, CRISP_BASE_URL: sandbox.url, CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key,
          CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sandbox.website_id, ...env,
        },
      }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
    });

  test("call prints the data as JSON", async () => {
    const r = await cli(["call", "get_conversation", "--param", `sessionID=${sessionID}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).session_id, sessionID);
  });

  test("--all-pages prints JSON lines and progress on stderr", async () => {
    const r = await cli(["call", "list_conversations", "--param", "per_page=50", "--all-pages"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.length > 50);
    assert.equal(new Set(lines.map((c) => c.session_id)).size, lines.length);
    assert.match(r.stderr, /pages, \d+ items, done/);
  });

  test("--body sends a write once", async () => {
    const r = await cli(["call", "change_conversation_state", "--param", `sessionID=${sessionID}`, "--body", '{"state":"unresolved"}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await sandbox.requests()).filter((x) => x.method === "PATCH").length, 1);
  });

  test("--dry-run prints the request with the key redacted and sends nothing", async () => {
    const r = await cli(["call", "send_message_in_conversation", "--param", `sessionID=${sessionID}`, "--body", '{"type":"note","content":"x"}', "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(sandbox.key) && !r.stdout.includes(Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")));
    assert.equal(JSON.parse(r.stdout).headers.Authorization, "Basic [redacted]");
    assert.equal((await sandbox.requests()).length, 0);
  });

  test("exit codes scripts can trust, and the key never printed", async () => {
    const bad = await cli(["call", "get_conversation", "--param", "sesionID=x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown parameter `sesionID`/);
    const refused = await cli(["call", "get_conversation", "--param", `sessionID=${sessionID}`], { CRISP_KEY: "wrong-key" });
    assert.equal(refused.code, 1);
    assert.ok(!refused.stderr.includes("wrong-key"));
    const down = await cli(["call", "get_conversation", "--param", `sessionID=${sessionID}`], { CRISP_BASE_URL: "http://127.0.0.1:1/v1/" });
    assert.equal(down.code, 3);
    const missing = await cli(["call", "get_conversation", "--param", `sessionID=${sessionID}`], { CRISP_KEY: "" });
    assert.equal(missing.code, 2);
    assert.equal((await cli(["endpoints", "--search", "conversation state"])).stdout.split("\n").filter(Boolean).length, 2);
  });

  test("Crisp's explanation is in the error, not only its reason", async () => {
    // A limit that only Crisp (here, the sandbox) knows: the reader needs its words.
    const r = await cli(["call", "get_conversation", "--param", "sessionID=session_00000000-0000-4000-8000-000000000000"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Crisp answered 404 `not_found`: conversation `session_0{8}-[\w-]+` not found\n$/);
  });

  test("a per_page outside the catalog's range is refused before anything is sent", async () => {
    const r = await cli(["call", "list_conversations", "--param", "per_page=100"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /list_conversations: invalid parameter `query\.per_page`: .*20.*50/);
    assert.equal((await sandbox.requests()).length, 0, "the request was sent");
    const ok = await cli(["call", "list_conversations", "--param", "per_page=50"]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test("a closed pipe ends the output quietly", async () => {
    // `crisp-kit endpoints | head -1`: the reader leaves after one line.
    const r = await new Promise((resolve) => {
      execFile("bash", ["-o", "pipefail", "-c", `'${process.execPath}' '${join(root, "bindings/js/bin/crisp-kit.js")}' endpoints | head -1`], (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, stdout, stderr }));
    });
    assert.equal(r.stdout.split("\n").filter(Boolean).length, 1);
    assert.equal(r.stderr, "", "a stack trace on a closed pipe");
    assert.equal(r.code, 0);
  });

  test("--version prints the package's version", async () => {
    const r = await cli(["--version"]);
    assert.equal(r.code, 0, r.stderr);
    const { version } = JSON.parse(readFileSync(join(root, "bindings/js/package.json"), "utf8"));
    assert.equal(r.stdout, `crisp-kit ${version}\n`);
  });

  test("a mistyped endpoint suggests the nearest ids", async () => {
    const r = await cli(["call", "get_conversations"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown endpoint `get_conversations` \(did you mean get_conversation, .*list_conversations.*\?\)/);
    assert.doesNotMatch(r.stderr, /deliver_widget/);
  });

  test("no credentials: the error names the variables to set", async () => {
    const r = await cli(["call", "get_conversation", "--param", `sessionID=${sessionID}`], { CRISP_IDENTIFIER: "", CRISP_KEY: "" });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CRISP_IDENTIFIER/);
    assert.match(r.stderr, /CRISP_KEY/);
    assert.equal((await sandbox.requests()).length, 0);
  });

  test("--all-pages walks a conversation's whole message history, newest first", async () => {
    for (let i = 0; i < 22; i++) {
      const r = await cli(["call", "send_message_in_conversation", "--param", `sessionID=${sessionID}`, "--body", JSON.stringify({ type: "note", from: "operator", origin: "chat", content: `history ${i}` })]);
      assert.equal(r.code, 0, r.stderr);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await sandbox.clearRequests();
    const r = await cli(["call", "get_messages_in_conversation", "--param", `sessionID=${sessionID}`, "--all-pages"]);
    assert.equal(r.code, 0, r.stderr);
    const messages = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(messages.length > 22, `${messages.length} messages`);
    assert.ok((await sandbox.requests()).length >= 2, "more than one page was read");
    const stamps = messages.map((m) => m.timestamp);
    assert.deepEqual(stamps, [...stamps].sort((a, b) => b - a), "newest first");
    assert.equal(new Set(messages.map((m) => m.fingerprint)).size, messages.length, "no message twice");
    assert.match(r.stderr, /\d+ messages, newest first, done\n$/);
    const extra = await cli(["call", "get_messages_in_conversation", "--param", `sessionID=${sessionID}`, "--param", "timestamp_after=1", "--all-pages"]);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /only sessionID, websiteID and timestamp_before apply/);
  });
});
