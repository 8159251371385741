// MCP logging on both servers (mcp/logging.ts): `crisp-kit mcp` over stdio and /mcp of
// `crisp-kit serve`, each driven by the MCP SDK's own client against the real sandbox. What a
// client gets for logging/setLevel, which lines reach it at which level, that no key is ever in
// one, and what it gets for the capabilities the servers do not offer. Node-only (the napi addon).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { cliPath, sandboxEnv, startGateway } from "./gateway.mjs";
import { backendName, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
/** A gateway-key-shaped string a client might paste into a call: never echoed in a log line. */
const KEY_SHAPED = `ckg_${"Q".repeat(43)}`;
let sandbox;
let tmp;
let gw;
const keys = {};
const open = new Set();

function cli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH } }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

function secrets() {
  return [sandbox.key, Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64"), KEY_SHAPED, ...Object.values(keys)];
}

/** A connected SDK client that records every notifications/message it gets. */
async function track(transport) {
  const client = new Client({ name: "crisp-kit-logging-test", version: "0.0.0" });
  const lines = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void lines.push(n.params));
  await client.connect(transport);
  open.add(client);
  return { client, lines };
}

const servers = {
  stdio: () =>
    track(new StdioClientTransport({ command: process.execPath, args: [cliPath, "mcp"], env: { PATH: process.env.PATH, ...sandboxEnv(sandbox) }, stderr: "ignore" })),
  http: (key = keys.first) =>
    track(new StreamableHTTPClientTransport(new URL(`${gw.url}mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } })),
};

/** A call the read-only servers refuse (a write), one that fails at Crisp's end, one that works. */
const refused = { name: "crisp_call_endpoint", arguments: { id: "change_conversation_state", params: { sessionID: "session_x", body: { state: "resolved" } } } };
const works = { name: "crisp_call_endpoint", arguments: { id: "get_website", params: {} } };

function assertNoSecrets(lines) {
  const text = JSON.stringify(lines);
  for (const s of secrets()) assert.ok(!text.includes(s), `a log line holds a secret: ${text.slice(0, 300)}`);
}

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "18"]);
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-logging-"));
  const keysFile = join(tmp, "keys.json");
  for (const name of ["first", "second"]) {
    const r = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", name, "--scope", "read"]);
    assert.equal(r.code, 0, r.stderr);
    keys[name] = r.stdout.trim();
  }
  gw = await startGateway(["--keys", keysFile], sandboxEnv(sandbox));
});
after(async () => {
  for (const client of open) await client.close();
  await gw?.stop();
  await sandbox?.stop();
  if (gw) for (const s of Object.values(keys)) assert.ok(!gw.stderr().includes(s), "the gateway's stderr holds a key");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("MCP logging, stdio and HTTP", { skip: !nodeBackend && "the MCP servers run on the Node backend; run with CRISP_KIT_BACKEND=native" }, () => {
  for (const kind of ["stdio", "http"]) {
    test(`${kind}: declares logging and tools; completions, resources and prompts are answered as the capabilities say`, async () => {
      const { client } = await servers[kind]();
      const caps = client.getServerCapabilities();
      assert.ok(caps.logging, "logging declared");
      assert.ok(caps.tools, "tools declared");
      const probes = {
        completions: () => client.complete({ ref: { type: "ref/prompt", name: "x" }, argument: { name: "a", value: "b" } }),
        resources: () => client.listResources(),
        prompts: () => client.listPrompts(),
      };
      for (const [cap, probe] of Object.entries(probes)) {
        if (caps[cap]) {
          // Declared (a later layout may offer it): then it must answer, not "Method not found".
          await probe().catch((e) => assert.notEqual(e.code, -32601, `${cap} is declared but not answered`));
        } else {
          await assert.rejects(probe(), (e) => e.code === -32601 && /Method not found/.test(e.message), `${cap}: not declared, so the spec's Method not found`);
        }
      }
    });

    test(`${kind}: no log lines until the client sets a level; then only at or above it`, async () => {
      const { client, lines } = await servers[kind]();
      const r0 = await client.callTool(refused);
      assert.equal(r0.isError, true);
      assert.deepEqual(lines, [], "lines before any logging/setLevel");

      assert.deepEqual(await client.setLoggingLevel("warning"), {});
      const r1 = await client.callTool(refused);
      assert.equal(r1.isError, true);
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0].level, "warning");
      assert.equal(lines[0].logger, "crisp-kit");
      assert.equal(lines[0].data.tool, "crisp_call_endpoint");
      assert.match(lines[0].data.message, /crisp_call_endpoint refused or failed: .*change_conversation_state/);
      const ok = await client.callTool(works);
      assert.notEqual(ok.isError, true, JSON.stringify(ok));
      assert.equal(lines.length, 1, "a call that worked logs nothing at warning");

      await client.setLoggingLevel("debug");
      await client.callTool(works);
      const debug = lines.slice(1);
      assert.equal(debug.length, 1, JSON.stringify(debug));
      assert.equal(debug[0].level, "debug");
      assert.match(debug[0].data.message, /^crisp_call_endpoint: ok in \d+ ms$/);
      assert.equal(typeof debug[0].data.ms, "number");

      await client.setLoggingLevel("error");
      const before = lines.length;
      await client.callTool(refused);
      await client.callTool(works);
      assert.equal(lines.length, before, "nothing below error once error is set");
      assertNoSecrets(lines);
    });

    test(`${kind}: an unknown level is invalid params; keys a client pastes are not echoed in log lines`, async () => {
      const { client, lines } = await servers[kind]();
      await assert.rejects(client.request({ method: "logging/setLevel", params: { level: "loud" } }, (await import("@modelcontextprotocol/sdk/types.js")).EmptyResultSchema), (e) => e.code === -32602 && /`level` is one of debug, info/.test(e.message) && /got `loud`/.test(e.message));
      await client.setLoggingLevel("warning");
      for (const pasted of [KEY_SHAPED, sandbox.key, `Bearer ${keys.second}`]) {
        const r = await client.callTool({ name: pasted, arguments: {} });
        assert.equal(r.isError, true);
      }
      assert.equal(lines.length, 3, JSON.stringify(lines));
      for (const line of lines) assert.match(line.data.message, /unknown tool/);
      assertNoSecrets(lines);
      assert.match(JSON.stringify(lines), /ckg_\[redacted\]|\[redacted\]/);
    });
  }

  test("stdio: a protocol error goes to the client at error, once it set a level, without the key it quoted", async () => {
    // Raw JSON-RPC lines: the SDK's client never sends a broken one.
    const child = spawn(process.execPath, [cliPath, "mcp"], { env: { PATH: process.env.PATH, ...sandboxEnv(sandbox) }, stdio: ["pipe", "pipe", "ignore"] });
    const messages = [];
    let wake = () => {};
    createInterface({ input: child.stdout }).on("line", (line) => {
      messages.push(JSON.parse(line));
      wake();
    });
    const until = async (pred, what) => {
      const deadline = Date.now() + 20_000;
      while (!messages.some(pred)) {
        assert.ok(Date.now() < deadline, `no ${what} within 20 s: ${JSON.stringify(messages)}`);
        await new Promise((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
      return messages.find(pred);
    };
    const send = (m) => child.stdin.write(`${typeof m === "string" ? m : JSON.stringify(m)}\n`);
    try {
      send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "0" } } });
      await until((m) => m.id === 1, "initialize answer");
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      send(`{"broken": "${KEY_SHAPED}`);
      send({ jsonrpc: "2.0", id: 2, method: "ping" });
      await until((m) => m.id === 2, "ping answer");
      assert.ok(!messages.some((m) => m.method === "notifications/message"), "a line before any level was set");
      send({ jsonrpc: "2.0", id: 3, method: "logging/setLevel", params: { level: "error" } });
      await until((m) => m.id === 3, "setLevel answer");
      send(`{"broken": "${KEY_SHAPED}`);
      const line = await until((m) => m.method === "notifications/message", "log line");
      assert.equal(line.params.level, "error");
      assert.match(line.params.data.message, /^protocol error: /);
      assertNoSecrets(messages);
    } finally {
      await new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        process.kill(child.pid, "SIGTERM");
      });
    }
  });

  test("http: the level is the key's, kept between POSTs; another key's answers stay plain JSON", async () => {
    const { client, lines } = await servers.http(keys.first);
    await client.setLoggingLevel("warning");
    // Each request is its own POST and its own server: the level set above still holds.
    await client.callTool(refused);
    assert.equal(lines.length, 1);
    const call = (key) =>
      fetch(`${gw.url}mcp`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: refused }),
      });
    const first = await call(keys.first);
    assert.match(first.headers.get("content-type"), /text\/event-stream/, "the key that asked for lines gets a stream");
    const stream = await first.text();
    assert.match(stream, /notifications\/message/);
    assert.ok(stream.indexOf("notifications/message") < stream.indexOf('"id":7'), "the line comes before the result");
    const second = await call(keys.second);
    assert.match(second.headers.get("content-type"), /application\/json/, "a key that set no level gets JSON");
    const body = await second.json();
    assert.equal(body.id, 7);
    assert.equal(body.result.isError, true);
  });
});
