// A property test of the gateway's request parsing: random and adversarial requests (paths,
// methods, headers, Content-Length lies, huge headers, odd encodings, bodies: invalid JSON, deep
// nesting, huge strings, wrong types) on raw sockets to the real gateway process in front of the
// real sandbox. The properties: the process stays up, every request is answered or its socket
// closed (never left hanging), no answer is the gateway's own 500, and its memory stays bounded.
// Bounded: FUZZ_COUNT requests (default 400), in batches. The seed is printed; CRISP_KIT_FUZZ_SEED
// replays a run.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, rssOf, sandboxEnv, startGateway } from "./gateway.mjs";
import { backendName, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
const SEED = Number(process.env.CRISP_KIT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const COUNT = Number(process.env.FUZZ_COUNT ?? 400);
/** Per request: the gateway cuts a request it cannot finish after --request-timeout (2 s). */
const GUARD_MS = 15_000;

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed from its seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sandbox;
let gw;
let tmp;
let key;
let ids = [];

before(async () => {
  if (!nodeBackend) return;
  console.log(`serve-fuzz: seed ${SEED} (CRISP_KIT_FUZZ_SEED=${SEED} replays it), ${COUNT} requests`);
  sandbox = await startSandbox(["--seed", "16"]);
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-serve-fuzz-"));
  const keysFile = join(tmp, "keys.json");
  const r = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "fuzz", "--scope", "read"]);
  assert.equal(r.code, 0, r.stderr);
  key = r.stdout.trim();
  // Read-only: random bodies on write endpoints are refused, the sandbox's data stays as it is.
  gw = await startGateway(["--keys", keysFile, "--request-timeout", "2", "--max-body", "262144"], sandboxEnv(sandbox));
  ids = (await (await fetch(`${gw.url}_endpoints`)).json()).endpoints.map((e) => e.id);
});
after(async () => {
  await gw?.stop();
  await sandbox?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One request as raw bytes; resolves with the status line's code (0: closed without one) or "hang". */
function send(port, bytes, { keepOpen = false } = {}) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let head = "";
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      socket.destroy();
      resolve(v);
    };
    const guard = setTimeout(() => finish({ status: "hang", head }), GUARD_MS);
    socket.on("data", (d) => {
      head += d.toString("latin1");
      head = head.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ""); // an interim answer: the real one follows
      // The whole answer is read (its Content-Length), or the server closes.
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(head);
      if (!m) return;
      const len = /content-length: (\d+)/i.exec(m[2]);
      if (len && head.length - m[0].length >= Number(len[1])) finish({ status: Number(m[1]), head });
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      finish({ status: m ? Number(m[1]) : 0, head });
    });
    socket.once("connect", () => {
      socket.write(bytes);
      if (!keepOpen) socket.end(); // half-close: the server may still answer
    });
  });
}

function generate(rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const int = (n) => Math.floor(rand() * n);
  const junk = (n) => Buffer.from(Array.from({ length: n }, () => int(256))).toString("latin1");
  const deep = (n, open, close) => open.repeat(n) + close.repeat(n);
  const id = pick(ids);
  const path = pick([
    () => `/api/crisp/${id}`,
    () => `/api/crisp/${id.replace(/_/g, "/")}/`,
    () => `/api/crisp/${encodeURIComponent(junk(int(40)))}`,
    () => `/api/crisp/${"%".repeat(int(5))}${pick(["ZZ", "E0%A4", "00", "C0%AF", "ff"])}`,
    () => `/api/crisp/${"a_".repeat(int(6000))}`,
    () => `/api/crisp/../../${id}`,
    () => pick(["/", "/mcp", "/metrics", "/healthz", "/_endpoints", "/api/crisp/_endpoints", "*", "//api/crisp/get_conversation"]),
    () => `/api/crisp/${id}?${"q=1&".repeat(int(500))}`,
    () => `/${junk(int(20)).replace(/[\s\r\n]/g, "x")}`,
  ])();
  const method = pick(["POST", "POST", "POST", "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "FOO", "post"]);
  const body = pick([
    () => "",
    () => "{}",
    () => JSON.stringify({ sessionID: junk(int(30)), websiteID: pick([1, null, [], {}, "x", true]) }),
    () => JSON.stringify({ account: pick([1, [], {}, "", "nope", null, true]), query: pick([1, "[", "{}", [], null, "x".repeat(int(5000))]), body: pick([1, "{", [], null, "null", { a: 1 }]) }),
    () => JSON.stringify({ query: { per_page: pick([-1, 1e308, "x", null, [], {}]), filter_string: "x".repeat(int(50_000)) } }),
    () => "{".repeat(int(3)) + junk(int(200)),
    () => pick([deep(int(200_000), "[", "]"), deep(int(50_000), '{"a":', "}").replace(/}$/, "1}"), `{"body": ${deep(int(100_000), "[", "]")}}`, `{"query": ${deep(5000, '{"x":', "}").replace(/:}/, ":1}")}}`]),
    () => JSON.stringify({ sessionID: "s".repeat(int(200_000)) }),
    () => `"${"x".repeat(int(1000))}"`,
    () => pick(["null", "[]", "1", "true", "\u0000", "\ufeff{}", "{\"__proto__\": {\"polluted\": 1}}", "{\"constructor\": {\"prototype\": {}}}"]),
    () => JSON.stringify({ jsonrpc: "2.0", id: int(10), method: pick(["tools/list", "tools/call", "initialize", "x"]), params: pick([{}, { name: junk(int(50)), arguments: pick([{}, null, [], "x"]) }, null]) }),
  ])();
  const bytes = Buffer.byteLength(body, "latin1");
  const headers = [`Host: 127.0.0.1`];
  if (rand() < 0.85) headers.push(`Authorization: ${pick([`Bearer ${key}`, `Bearer ${key}`, "Bearer x", "Basic Zm9vOmJhcg==", `bearer  ${key} `, "Bearer", ""])}`);
  if (rand() < 0.7) headers.push(`Content-Type: ${pick(["application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x", junk(10).replace(/[\r\n]/g, "")])}`);
  if (method === "POST" && /mcp/.test(path)) headers.push("Accept: application/json, text/event-stream");
  let framing = pick(["length", "length", "length", "chunked", "lie-more", "lie-less", "none", "both", "negative", "huge"]);
  if (rand() < 0.1) headers.push(`X-Big: ${"b".repeat(int(40_000))}`);
  if (rand() < 0.1) headers.push(pick(["Content-Encoding: gzip", "Transfer-Encoding: gzip, chunked", "Expect: 100-continue", "Connection: upgrade\r\nUpgrade: websocket", "Content-Length: 5\r\nContent-Length: 6"]));
  const start = `${method} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n`;
  const text = (() => {
    switch (framing) {
      case "length":
        return `${start}Content-Length: ${bytes}\r\n\r\n${body}`;
      case "chunked": {
        const size = Math.max(1, int(4096));
        const parts = [];
        for (let i = 0; i < body.length; i += size) parts.push(body.slice(i, i + size));
        return `${start}Transfer-Encoding: chunked\r\n\r\n${parts.map((p) => `${Buffer.byteLength(p, "latin1").toString(16)}\r\n${p}\r\n`).join("")}0\r\n\r\n`;
      }
      case "lie-more":
        return `${start}Content-Length: ${bytes + 1 + int(100_000)}\r\n\r\n${body}`;
      case "lie-less":
        return `${start}Content-Length: ${Math.max(0, bytes - 1 - int(bytes))}\r\n\r\n${body}`;
      case "both":
        return `${start}Content-Length: ${bytes}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
      case "negative":
        return `${start}Content-Length: -${bytes}\r\n\r\n${body}`;
      case "huge":
        return `${start}Content-Length: ${"9".repeat(1 + int(30))}\r\n\r\n${body.slice(0, 1000)}`;
      default:
        return `${start}\r\n${body}`;
    }
  })();
  // A lying Content-Length leaves the socket open, waiting: the server must cut it.
  return { bytes: Buffer.from(text, "latin1"), keepOpen: framing === "lie-more" && rand() < 0.5, label: `${method} ${path.slice(0, 60)} [${framing}, body ${bytes} B]` };
}

describe("gateway request parsing, fuzzed", { skip: !nodeBackend && "Node-only surface" }, () => {
  test(`random and adversarial requests: no crash, no hang, no internal error, bounded memory (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const port = Number(new URL(gw.url).port);
    // Warm up (first calls load code paths) before the baseline.
    await fetch(`${gw.url}healthz`);
    const rssBefore = await rssOf(gw.pid);
    const seen = new Map();
    const BATCH = 16;
    for (let i = 0; i < COUNT; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, COUNT - i) }, () => generate(rand));
      const results = await Promise.all(batch.map((r) => send(port, r.bytes, { keepOpen: r.keepOpen })));
      results.forEach((res, j) => {
        const { label } = batch[j];
        assert.notEqual(res.status, "hang", `no answer and no close for ${label} (seed ${SEED})`);
        const internal = res.status === 500 && /"code":"internal"/.test(res.head);
        assert.ok(!internal, `the gateway's own 500 for ${label} (seed ${SEED}): ${res.head.slice(0, 300)}`);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      });
      assert.ok(gw.alive(), `the gateway exited (seed ${SEED}): ${gw.stderr().slice(-2000)}`);
    }
    console.log(`serve-fuzz: statuses ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
    assert.equal((await fetch(`${gw.url}healthz`)).status, 200);
    const rssAfter = await rssOf(gw.pid);
    if (rssBefore !== null && rssAfter !== null) {
      console.log(`serve-fuzz: gateway RSS ${Math.round(rssBefore / 2 ** 20)} MiB before, ${Math.round(rssAfter / 2 ** 20)} MiB after`);
      // Bounded, not measured: at --max-body 256 KiB, 16 at a time, growth past 256 MiB is a leak.
      assert.ok(rssAfter - rssBefore < 256 * 2 ** 20, `RSS grew by ${Math.round((rssAfter - rssBefore) / 2 ** 20)} MiB`);
    }
    assert.doesNotMatch(gw.stderr(), /internal error/);
    assert.ok(!gw.stderr().includes(key), "a key in the gateway's stderr");
  });
});
