// Real-time events over real sockets against the sandbox binary: crisp-kit's `crisp.events()`
// (discovery, authentication, a simulated visitor message, a dropped socket, the gap), web hooks
// through both handlers (valid, tampered, stale, replayed), the compat layer running a bot written
// for crisp-api 11.3.0 unchanged, and the real crisp-api 11.3.0 receiving the same event.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { loadKit, root, startSandbox } from "./support.mjs";

const kit = await loadKit();
const { Crisp, CrispError } = kit;
let sb;
let session;
const FAST = { baseDelayMs: 100, maxDelayMs: 300, randomization: 0.5 };
// The browser build's socket.io-client needs a global WebSocket, which Node 20 lacks (the Node
// build uses `ws`): there, the socket tests run in Chromium (tests/browser) instead.
const SOCKETS = process.env.CRISP_KIT_BACKEND !== "wasm" || typeof WebSocket === "function";
const socketTest = { timeout: 20_000, skip: SOCKETS ? false : "no global WebSocket in this Node for the browser build (see tests/browser)" };

before(async () => {
  sb = await startSandbox(["--seed", "3"]);
  const crisp = client();
  session = (await crisp.call("list_conversations", { pageNumber: 1 }))[0].session_id;
});
after(async () => {
  await sb.stop();
});

function client(extra = {}) {
  return new Crisp({ identifier: sb.identifier, key: sb.key, tier: "plugin", websiteId: sb.website_id, baseUrl: sb.url, ...extra });
}
const control = (path, body) =>
  fetch(`${sb.url.replace(/\/v1\/$/, "/_sandbox/")}${path}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json());

/** The next `name` event, or a rejection after `ms`. */
function next(sub, name, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${ms} ms`)), ms);
    const off = sub.on(name, (data) => {
      clearTimeout(timer);
      off();
      resolve(data);
    });
  });
}
function nextStatus(sub, type, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} status within ${ms} ms`)), ms);
    const off = sub.onStatus((s) => {
      if (s.type !== type) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

test("events: a simulated visitor message arrives as message:send over the RTM socket", socketTest, async () => {
  const sub = await client().events({ events: ["message:send", "session:set_state"], reconnect: FAST });
  try {
    await sub.ready;
    const got = next(sub, "message:send");
    const sim = await control("simulate/visitor-message", { session_id: session, content: "Is anyone there?" });
    const data = await got;
    assert.equal(data.content, "Is anyone there?");
    assert.equal(data.session_id, session);
    assert.equal(data.website_id, sb.website_id);
    assert.equal(data.from, "user");
    assert.equal(data.fingerprint, sim.data.fingerprint);
  } finally {
    sub.close();
  }
});

// No socket needed: the discovery is over once the hook hears its outcome.
test("events: each tier's account discovers the socket at crisp-core's `{tier}/connect/endpoints`, through the transport hook", async () => {
  const account = (tier) => ({ identifier: sb.identifier, key: sb.key, tier, websiteId: sb.website_id, baseUrl: sb.url });
  const urls = [];
  const hooked = [];
  let told;
  const crisp = new Crisp({
    accounts: { u: account("user"), w: account("website"), p: account("plugin") },
    defaultAccount: "u",
    fetch: (url, init) => (urls.push(url), fetch(url, init)),
    transport: { outcome: (o) => (hooked.push([o.endpoint, o.account, o.status]), told()) },
  });
  for (const name of [undefined, "w", "p"]) {
    const discovered = new Promise((resolve) => (told = resolve));
    const sub = await crisp.events({ events: ["message:send"], reconnect: FAST, ...(name ? { account: name } : {}) });
    try {
      await discovered;
    } finally {
      sub.close();
    }
  }
  assert.deepEqual(urls.map((u) => u.slice(sb.url.length)), ["user/connect/endpoints", "website/connect/endpoints", "plugin/connect/endpoints"]);
  assert.deepEqual(hooked, [["plugin_get_connect_endpoints", "u", 200], ["plugin_get_connect_endpoints", "w", 200], ["plugin_get_connect_endpoints", "p", 200]]);
});

test("events: the async iterator yields operator messages and state changes made through REST", socketTest, async () => {
  const crisp = client();
  const sub = await crisp.events({ events: ["message:received", "session:set_state"], reconnect: FAST });
  const seen = [];
  // Closed whatever happens: a subscription left open (its socket, its reconnect timer) would
  // keep this file's process alive after a failure instead of letting it report.
  try {
    await sub.ready;
    const done = (async () => {
      for await (const e of sub) {
        seen.push(e);
        if (e.name === "session:set_state" && e.data.state === "resolved") break;
      }
    })();
    await crisp.call("send_message_in_conversation", { sessionID: session, body: { type: "text", from: "operator", origin: "chat", content: "On it" } });
    await crisp.call("change_conversation_state", { sessionID: session, body: { state: "resolved" } });
    await done;
  } finally {
    sub.close();
  }
  // In order: the message, the state change it may cause (a pending conversation becomes
  // unresolved), then the explicit resolve.
  assert.equal(seen[0].name, "message:received");
  assert.equal(seen[0].data.content, "On it");
  assert.equal(seen[0].data.from, "operator");
  assert.deepEqual(seen.slice(1).map((e) => e.name), seen.length === 3 ? ["session:set_state", "session:set_state"] : ["session:set_state"]);
  assert.equal(seen.at(-1).data.session_id, session);
});

test("events: after the sandbox drops every socket the client reconnects, re-authenticates and reports the gap", socketTest, async () => {
  const sub = await client().events({ events: ["message:send"], reconnect: FAST });
  try {
    await sub.ready;
    const statuses = [];
    sub.onStatus((s) => statuses.push(s.type));
    const gap = nextStatus(sub, "gap");
    const before = Date.now();
    const dropped = await control("sockets/drop");
    assert.ok(dropped.data.dropped >= 1, JSON.stringify(dropped));
    const g = await gap;
    assert.ok(g.from >= before - 5 && g.to >= g.from, JSON.stringify(g));
    assert.deepEqual(statuses.slice(0, 3), ["reconnecting", "connected", "gap"]);
    // Subscribed again: a new event arrives on the new socket.
    const got = next(sub, "message:send");
    await control("simulate/visitor-message", { session_id: session, content: "Still there?" });
    assert.equal((await got).content, "Still there?");
  } finally {
    sub.close();
  }
});

test("events: bad input is refused before any socket, a bad token after authentication", socketTest, async () => {
  const crisp = client();
  await assert.rejects(crisp.events({ events: ["message:send", "message:sent"] }), (e) => e instanceof CrispError && e.code === "invalid_param" && e.param === "events[1]");
  await assert.rejects(crisp.events({ account: "nope" }), (e) => e instanceof CrispError && e.code === "unknown_account");
  await assert.rejects(crisp.events({ reconnect: { baseDelayMs: 0 } }), (e) => e instanceof CrispError && e.param === "reconnect.baseDelayMs");
  const wrong = client({ key: "0".repeat(64) });
  // Discovery needs the token too: the REST refusal comes first.
  const sub = await wrong.events({ events: ["message:send"], endpoint: sb.url.replace(/\/v1\/$/, "/socket.io/") });
  await assert.rejects(sub.ready, (e) => e instanceof CrispError && e.code === "unauthorized");
  const noDiscovery = await wrong.events({ events: ["message:send"] });
  await assert.rejects(noDiscovery.ready, (e) => e instanceof CrispError && e.code === "unauthorized" && !String(e.message).includes("0".repeat(64)));
});

// Numbers cross into crisp-core as they are given: a fraction, a negative number or NaN is refused
// by the core (boundary::whole_number), naming the option, never truncated. No socket is opened.
test("events and hooks: a fractional, negative or NaN number of milliseconds is refused, naming the option", async () => {
  const crisp = client({ hooks: { secret: "s", windowMs: 0.5 } });
  const named = (param) => (e) => e instanceof CrispError && e.code === "invalid_config" && e.param === param && /whole, non-negative/.test(e.message);
  // A subscription made by mistake is closed at once (it would connect and keep the process alive).
  const subscribe = (reconnect) => crisp.events({ events: ["message:send"], reconnect }).then((sub) => {
    sub.close();
    return sub;
  });
  await assert.rejects(subscribe({ baseDelayMs: 1000.5 }), named("reconnect.baseDelayMs"));
  await assert.rejects(subscribe({ baseDelayMs: -5 }), named("reconnect.baseDelayMs"));
  await assert.rejects(subscribe({ maxDelayMs: 20_000.25 }), named("reconnect.maxDelayMs"));
  await assert.rejects(subscribe({ maxDelayMs: Number.NaN }), named("reconnect.maxDelayMs"));
  const ts = Date.now();
  const body = "{}";
  await assert.rejects(crisp.hooks.receive(new TextEncoder().encode(body), String(ts), sign(body, ts, "s")), named("hooks.windowMs"));
  const negative = client({ hooks: { secret: "s", windowMs: -1 } });
  await assert.rejects(negative.hooks.receive(new TextEncoder().encode(body), String(ts), sign(body, ts, "s")), named("hooks.windowMs"));
});

// The real-time core builds the socket's authentication from the client's configuration, which
// the client keeps for it (the wasm build's real-time module holds no client): never shown.
test("events: the configuration kept for the socket's authentication never shows in inspect, JSON or an error", async () => {
  const { inspect } = await import("node:util");
  const crisp = client();
  assert.ok(!inspect(crisp, { showHidden: true, depth: 10 }).includes(sb.key), "inspect");
  assert.ok(!JSON.stringify(crisp).includes(sb.key), "JSON");
  await assert.rejects(crisp.events({ events: ["message:send"], account: "nope" }), (e) => {
    assert.equal(e.code, "unknown_account");
    assert.ok(!JSON.stringify({ ...e, message: e.message, stack: e.stack }).includes(sb.key), "the refusal");
    return true;
  });
});

// ---- web hooks ----

const SECRET = "hook-secret";
function sign(body, ts, secret = SECRET) {
  return createHmac("sha256", secret).update(`[${ts};${body}]`).digest("hex");
}
function delivery(event, data, ts = Date.now()) {
  const body = JSON.stringify({ website_id: sb.website_id, event, data: { website_id: sb.website_id, ...data }, timestamp: ts });
  return { body, ts: String(ts), sig: sign(body, ts) };
}

/** Posts one delivery to `url`; answers the status and the JSON answer. */
async function post(url, { body, ts, sig }) {
  const r = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "x-crisp-request-timestamp": ts, "x-crisp-signature": sig } });
  return { status: r.status, json: await r.json() };
}

async function hookCases(name, url, received) {
  const valid = delivery("message:send", { session_id: session, content: "hook hello" });
  let r = await post(url, valid);
  assert.equal(r.status, 200, `${name} valid: ${JSON.stringify(r.json)}`);
  assert.equal(received.at(-1)?.content, "hook hello");
  const count = received.length;
  // Replayed: the same delivery again, inside the window.
  r = await post(url, valid);
  assert.deepEqual([r.status, r.json.code], [401, "replayed"], `${name} replayed`);
  // Tampered: the body changed after signing.
  const tampered = delivery("message:send", { session_id: session, content: "original" });
  r = await post(url, { ...tampered, body: tampered.body.replace("original", "tampered") });
  assert.deepEqual([r.status, r.json.code], [401, "bad_signature"], `${name} tampered`);
  // Stale: correctly signed ten minutes ago.
  r = await post(url, delivery("message:send", { session_id: session, content: "old" }, Date.now() - 600_000));
  assert.deepEqual([r.status, r.json.code], [401, "stale"], `${name} stale`);
  // No signature at all.
  r = await post(url, { ...delivery("message:send", { content: "x" }), sig: "" });
  assert.deepEqual([r.status, r.json.code], [401, "missing"], `${name} missing`);
  assert.equal(received.length, count, `${name}: nothing refused was dispatched`);
}

test("hooks: the fetch-style handler accepts a valid delivery and refuses tampered, stale and replayed ones", async () => {
  const crisp = client({ hooks: { secret: SECRET } });
  const received = [];
  crisp.hooks.on("message:send", (data) => received.push(data));
  assert.throws(() => crisp.hooks.on("message:sent", () => {}), (e) => e.code === "invalid_param");
  // A fetch-style handler behind a tiny node:http adapter (what Next.js or a worker would do).
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
    const response = await crisp.hooks.handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    await hookCases("fetch", `http://127.0.0.1:${server.address().port}/`, received);
  } finally {
    server.close();
  }
});

test("hooks: the Node (req, res) handler does the same, and receives the sandbox's signed deliveries", async () => {
  const crisp = client({ hooks: { secret: SECRET } });
  const received = [];
  crisp.hooks.on("message:send", (data) => received.push(data));
  const server = http.createServer((req, res) => void crisp.hooks.node(req, res));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/crisp`;
  try {
    await hookCases("node", url, received);
    // The sandbox as the sender: registered, then a simulated visitor message is POSTed, signed.
    await control("hooks", { url, secret: SECRET, events: ["message:send"] });
    await control("simulate/visitor-message", { session_id: session, content: "via a real hook" });
    for (let i = 0; i < 50 && received.at(-1)?.content !== "via a real hook"; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.at(-1)?.content, "via a real hook");
  } finally {
    await fetch(`${sb.url.replace(/\/v1\/$/, "/_sandbox/")}hooks`, { method: "DELETE" });
    server.close();
  }
});

// ---- compat: a bot written for crisp-api 11.3.0 ----

/** The bot, as its author wrote it for crisp-api: only the constructor differs per run. */
function bot(CrispClass, onMessage) {
  const client = new CrispClass();
  client.setRestHost(sb.url.replace(/\/v1\/$/, ""));
  client.authenticateTier("plugin", sb.identifier, sb.key);
  client.on("message:send", async (message) => {
    onMessage(message);
    await client.website.sendMessageInConversation(message.website_id, message.session_id, {
      type: "text", from: "operator", origin: "chat", content: `echo: ${message.content}`,
    });
  });
  return client;
}

for (const [name, load] of [
  ["crisp-kit/compat", async () => (await import(join(root, "bindings", "js", "dist", "compat.js"))).default],
  ["crisp-api 11.3.0", async () => createRequire(join(root, "package.json"))("crisp-api").Crisp],
]) {
  test(`compat: the same bot runs unchanged on ${name} and answers a visitor over the sandbox's socket`, { ...socketTest, skip: process.env.CRISP_KIT_BACKEND === "wasm" ? "compat is a Node entry (napi); run with the node backend" : false }, async () => {
    const CrispClass = await load();
    const got = [];
    // The watcher first, the bot only once the watcher is live: crisp-api's socket reconnects
    // forever and opens 500 ms after its first `on`, so a bot made before a failure could open
    // its socket after the cleanup below and keep this file's process alive instead of letting it
    // report. Both sockets are closed whatever happens.
    const watcher = await client_().events({ events: ["message:received"], reconnect: FAST });
    let client;
    try {
      await watcher.ready;
      client = bot(CrispClass, (m) => got.push(m));
      // The bot connects 500 ms after its first `on`, then authenticates.
      for (let i = 0; i < 100; i++) {
        const s = await fetch(`${sb.url.replace(/\/v1\/$/, "/_sandbox/")}sockets`).then((r) => r.json());
        if (s.data.authenticated >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const echo = next(watcher, "message:received", 8000);
      await control("simulate/visitor-message", { session_id: session, content: `hello ${name}` });
      assert.equal((await echo).content, `echo: hello ${name}`);
      assert.equal(got[0].content, `hello ${name}`);
      assert.throws(() => client.on("message:received", () => {}), /connector is already bound/);
      assert.throws(() => client.on("message:nope", () => {}), /not recognized/);
    } finally {
      watcher.close();
      // crisp-api has no close: its socket is `_socket`. crisp-kit/compat adds `close()`.
      if (typeof client?.close === "function") client.close();
      else client?._socket?.disconnect();
    }
  });
}
function client_() {
  return client();
}

test("compat: Web Hooks mode, receiveHook, verifyHook and verifyWidget as crisp-api has them", async () => {
  const Compat = (await import(join(root, "bindings", "js", "dist", "compat.js"))).default;
  const c = new Compat();
  assert.equal(Compat.RTM_MODES.WebHooks, "webhooks");
  assert.throws(() => c.setRtmMode("carrier-pigeon"), /should be one of: websockets, webhooks/);
  c.setRtmMode(Compat.RTM_MODES.WebHooks);
  const got = [];
  const bound = c.on("session:set_state", (d) => got.push(d));
  const body = { website_id: "w", event: "session:set_state", data: { website_id: "w", session_id: "s", state: "resolved" }, timestamp: 1 };
  assert.match(String(c.receiveHook(body)), /loopback not bound/);
  assert.equal(c.verifyHook("k", body, 1, sign(JSON.stringify(body), 1, "k")), false, "false before the loopback is bound");
  await bound;
  assert.equal(c.verifyHook("k", body, 1, sign(JSON.stringify(body), 1, "k")), true);
  assert.equal(c.verifyHook("k", body, 1, sign(JSON.stringify(body), 2, "k")), false);
  assert.equal(c.verifyWidget("k", body, 1, sign(JSON.stringify(body), 1, "k")), true);
  assert.equal(c.verifyWidget("k", body, "x", sign(JSON.stringify(body), 1, "k")), false);
  assert.equal(c.receiveHook(body), null);
  assert.match(String(c.receiveHook({ event: "session:set_state" })), /malformatted/);
  assert.equal(c.receiveHook({ ...body, event: "message:send" }), null, "not subscribed: dropped silently");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, [body.data]);
  assert.throws(() => c.rebindSocket(), /not yet bound/);
  assert.throws(() => c.setRtmHost(3), /should be a string/);
});

test("the event catalog: crisp-core's default subscription is crisp-api 11.3.0's list and the shapes' (typed) names", async () => {
  const { readFileSync } = await import("node:fs");
  const src = readFileSync(join(root, "node_modules", "crisp-api", "dist", "crisp.js"), "utf8");
  const official = [...src.match(/const DEFAULT_RTM_EVENTS = \[([\s\S]*?)\];/)[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const catalog = Crisp.eventCatalog();
  assert.deepEqual(catalog.defaultEvents, official);
  assert.deepEqual([...catalog.defaultEvents].sort(), [...kit.DEFAULT_EVENT_NAMES].sort());
  // The shapes also type `unauthorized` (go-crisp-api's name for the socket's refusal): a reply to
  // `authentication`, not an event one subscribes to.
  const typed = kit.CRISP_EVENT_NAMES.filter((n) => n !== "unauthorized");
  assert.deepEqual([...catalog.defaultEvents, ...catalog.optInEvents].sort(), [...typed].sort());
});

test("cli: `crisp-kit events` streams JSON lines until interrupted", { ...socketTest, skip: process.env.CRISP_KIT_BACKEND === "wasm" ? "the CLI is a Node entry" : socketTest.skip }, async () => {
  const { spawn } = await import("node:child_process");
  const env = { ...process.env, CRISP_IDENTIFIER: sb.identifier, CRISP_KEY: sb.key, CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sb.website_id, CRISP_BASE_URL: sb.url };
  const cli = join(root, "bindings", "js", "dist", "cli.js");
  const child = spawn(process.execPath, [cli, "events", "--events", "message:send,session:set_state"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  const until = (pred, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what}; stderr: ${err}`)), 8000);
      const tick = () => (pred() ? (clearTimeout(timer), resolve()) : setTimeout(tick, 20));
      tick();
    });
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  try {
    await until(() => err.includes("connected, 2 events subscribed"), "connected line");
    await control("simulate/visitor-message", { session_id: session, content: "from the shell" });
    await until(() => out.includes("\n"), "an event line");
    const line = JSON.parse(out.split("\n")[0]);
    assert.equal(line.event, "message:send");
    assert.equal(line.data.content, "from the shell");
    assert.ok(!err.includes(sb.key) && !out.includes(sb.key), "the key is never printed");
  } finally {
    child.kill("SIGINT");
  }
  assert.deepEqual(await exited, { code: 0, signal: null });
  // A bad name: refused before anything is sent, exit 2.
  const bad = spawn(process.execPath, [cli, "events", "--events", "message:sent"], { env, stdio: ["ignore", "ignore", "pipe"] });
  let badErr = "";
  bad.stderr.on("data", (d) => (badErr += d));
  const code = await new Promise((r) => bad.once("exit", r));
  assert.equal(code, 2);
  assert.match(badErr, /events\[0\]/);
});
