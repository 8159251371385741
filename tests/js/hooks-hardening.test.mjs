// Web hooks as an attacker sends them, through real node:http servers on 127.0.0.1 and real web
// streams (issue 25, items 2, 3 and 16): a captured delivery replayed under a second spelling of
// its signature, a body too large to buffer (declared, or streamed without end), and a delivery
// whose handler failed, retried by Crisp, or sent twice at once. No sandbox: hooks need no API.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import { test } from "node:test";

import { loadKit } from "./support.mjs";

const { Crisp, CrispError, verifyHook } = await loadKit();
const SECRET = "hook-secret";
const WEBSITE = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc";

function client(hooks = {}) {
  return new Crisp({ identifier: "i", key: "k", tier: "plugin", hooks: { secret: SECRET, ...hooks } });
}
const sign = (body, ts, secret = SECRET) => createHmac("sha256", secret).update(`[${ts};${body}]`).digest("hex");
let counter = 0;
/** A fresh, validly signed delivery (each one different). */
function delivery(content = `hello ${++counter}`, ts = Date.now()) {
  const body = JSON.stringify({ website_id: WEBSITE, event: "message:send", data: { website_id: WEBSITE, content }, timestamp: ts });
  return { body, ts: String(ts), sig: sign(body, ts) };
}

/** A node:http server on 127.0.0.1 in front of `crisp.hooks.node` (or `wrap(req)` first); stopped by `close()`. */
async function serve(crisp, wrap = (req) => req) {
  const server = http.createServer((req, res) => void crisp.hooks.node(wrap(req), res));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    port: server.address().port,
    // Open requests too: a test that failed halfway must not wait on them.
    close: () => new Promise((r) => {
      server.close(r);
      server.closeAllConnections();
    }),
  };
}

/** POSTs raw bytes with exact header values (latin1: `\x85` goes out as the byte 0x85). */
function post(port, { body, ts, sig }, headers = {}) {
  return new Promise((resolve, reject) => {
    const h = { "content-type": "application/json", "x-crisp-request-timestamp": ts, "x-crisp-signature": sig, ...headers };
    const req = http.request({ host: "127.0.0.1", port, path: "/hooks", method: "POST", headers: h }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, code: JSON.parse(Buffer.concat(chunks).toString()).code }));
    });
    req.on("error", reject);
    // A Buffer, not a string: with a string body Node writes the headers in the body's encoding
    // (UTF-8), and `\x85` would arrive as the two characters `\xc2\x85`.
    req.end(Buffer.from(body));
  });
}

test("hooks: a captured delivery replayed under another spelling of its signature is refused (U+0085, a sign, case)", async () => {
  const crisp = client();
  const received = [];
  crisp.hooks.on("message:send", (d) => received.push(d.content));
  const server = await serve(crisp);
  try {
    // A signature with a 0 opening one of its byte pairs: `+x` read as `0x` by from_str_radix.
    let d;
    let at = -1;
    for (let i = 0; i < 64 && at < 0; i++) {
      d = delivery();
      at = [...d.sig].findIndex((c, j) => j % 2 === 0 && c === "0");
    }
    assert.ok(at >= 0, "a signature with a 0 at an even position within 64 tries");
    assert.deepEqual(await post(server.port, d), { status: 200, code: "ok" });
    const plus = d.sig.slice(0, at) + "+" + d.sig.slice(at + 1);
    for (const [name, sig] of [
      ["NEL appended (Rust's trim strips it, JS's does not)", `${d.sig}\x85`],
      ["NEL prepended", `\x85${d.sig}`],
      ["NO-BREAK SPACE appended", `${d.sig}\xa0`],
      ["a + for a 0", plus],
    ]) {
      const r = await post(server.port, { ...d, sig });
      assert.deepEqual(r, { status: 401, code: "bad_signature" }, name);
    }
    // The same MAC in capitals, or with spaces around it: the same delivery, refused as a replay.
    assert.deepEqual(await post(server.port, { ...d, sig: d.sig.toUpperCase() }), { status: 401, code: "replayed" });
    assert.deepEqual(await crisp.hooks.receive(new TextEncoder().encode(d.body), d.ts, ` ${d.sig}\t`), { status: 401, code: "replayed", event: null });
    // And the other way round: first in capitals, then in lowercase.
    const e = delivery();
    assert.deepEqual(await post(server.port, { ...e, sig: e.sig.toUpperCase() }), { status: 200, code: "ok" });
    assert.deepEqual(await post(server.port, e), { status: 401, code: "replayed" });
    assert.equal(received.length, 2, "each delivery ran its handlers once");
  } finally {
    await server.close();
  }
});

test("verifyHook reads the signature as the hook handlers do: 64 hex digits, any case, nothing else", () => {
  const d = delivery();
  assert.equal(verifyHook(SECRET, d.ts, d.body, d.sig), true);
  assert.equal(verifyHook(SECRET, d.ts, d.body, d.sig.toUpperCase()), true);
  assert.equal(verifyHook(SECRET, d.ts, d.body, ` ${d.sig} `), true);
  for (const sig of [`${d.sig}\x85`, `\x85${d.sig}`, `${d.sig}\u2028`, `+${d.sig.slice(1)}`, `-${d.sig.slice(1)}`, d.sig.slice(1), `${d.sig}0`, `${d.sig.slice(0, 62)}\u0661\u0662`]) {
    assert.equal(verifyHook(SECRET, d.ts, d.body, sig), false, JSON.stringify(sig));
  }
});

/**
 * `queueMicrotask` capturing what it throws: a failed handler is reported as an uncaught error
 * (never silenced), which node:test would count as this file failing.
 */
function captureUncaught() {
  const original = globalThis.queueMicrotask;
  const thrown = [];
  globalThis.queueMicrotask = (f) =>
    original(() => {
      try {
        f();
      } catch (error) {
        thrown.push(error);
      }
    });
  return { thrown, restore: () => (globalThis.queueMicrotask = original) };
}

test("hooks: a delivery whose handler failed (500) is accepted when Crisp retries it, then refused as a replay", async () => {
  const crisp = client();
  let calls = 0;
  crisp.hooks.on("message:send", () => {
    calls += 1;
    if (calls === 1) throw new Error("database down");
  });
  const server = await serve(crisp);
  const uncaught = captureUncaught();
  try {
    const d = delivery();
    assert.deepEqual(await post(server.port, d), { status: 500, code: "handler_failed" });
    assert.deepEqual(await post(server.port, d), { status: 200, code: "ok" }, "Crisp's retry is accepted");
    assert.deepEqual(await post(server.port, d), { status: 401, code: "replayed" }, "once handled, a replay");
    assert.equal(calls, 2);
    assert.deepEqual(uncaught.thrown.map((e) => e.message), ["database down"], "the failure was surfaced");
  } finally {
    uncaught.restore();
    await server.close();
  }
});

/** `promise`, or a failure naming `what` after 5 s. */
function within(promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`not within 5 s: ${what}`)), 5000)))]).finally(() => clearTimeout(timer));
}

test("hooks: two copies of one delivery in flight at once run the handlers once; a failed one is released", async () => {
  const crisp = client();
  let calls = 0;
  let entered;
  let release;
  crisp.hooks.on("message:send", async () => {
    calls += 1;
    entered();
    if (!(await new Promise((r) => (release = r)))) throw new Error("failed on purpose");
  });
  const server = await serve(crisp);
  const uncaught = captureUncaught();
  try {
    for (const outcome of [false, true]) {
      const d = delivery();
      const inside = new Promise((r) => (entered = r));
      const first = post(server.port, d);
      await inside;
      // The same delivery again, while the first one's handler runs: not run twice (were it run,
      // its handler would wait on a gate nobody opens: `within` fails then, rather than hang).
      assert.deepEqual(await within(post(server.port, d), "the second copy was answered at once"), { status: 409, code: "in_flight" });
      assert.deepEqual(await crisp.hooks.receive(new TextEncoder().encode(d.body), d.ts, d.sig.toUpperCase()), { status: 409, code: "in_flight", event: null });
      release(outcome);
      assert.deepEqual(await first, outcome ? { status: 200, code: "ok" } : { status: 500, code: "handler_failed" });
      if (!outcome) {
        // Released: Crisp's retry runs the handlers again.
        const retry = post(server.port, d);
        await new Promise((r) => (entered = r));
        release(true);
        assert.deepEqual(await retry, { status: 200, code: "ok" });
      }
      assert.deepEqual(await post(server.port, d), { status: 401, code: "replayed" });
    }
    assert.equal(calls, 3, "first (failed), its retry, second");
    assert.equal(uncaught.thrown.length, 1);
  } finally {
    uncaught.restore();
    await server.close();
  }
});

/** A request whose `Content-Length` says `declared` bytes but sends only `sent`, then waits: the answer, or "no answer" after `ms`. */
function postDeclared(port, declared, sent, d, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      path: "/hooks",
      method: "POST",
      headers: { "content-length": String(declared), "x-crisp-request-timestamp": d.ts, "x-crisp-signature": d.sig },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: "no answer" });
    }, ms);
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, code: JSON.parse(Buffer.concat(chunks).toString()).code, connection: res.headers.connection });
      });
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.write(Buffer.alloc(sent, 0x20));
  });
}

/** Wraps a node request, counting the bytes the handler pulls from it. */
function counting(counts) {
  return (req) => ({
    headers: req.headers,
    method: req.method,
    async *[Symbol.asyncIterator]() {
      for await (const chunk of req) {
        counts.read += chunk.length;
        yield chunk;
      }
    },
  });
}

test("hooks.node: a body over maxBodyBytes is refused with 413, on its Content-Length before reading, or once the bytes read pass it", async () => {
  const counts = { read: 0 };
  const crisp = client({ maxBodyBytes: 64 * 1024 });
  const server = await serve(crisp, counting(counts));
  try {
    // Declared too large: answered at once, with nothing read (only 1 KB of 100 MB is ever sent).
    const declared = await postDeclared(server.port, 100 * 1024 * 1024, 1024, delivery());
    assert.deepEqual(declared, { status: 413, code: "too_large", connection: "close" });
    assert.equal(counts.read, 0, "nothing read");
    // Streamed without a Content-Length (chunked), 64 MB offered: refused once 64 KB are passed,
    // and the rest is not read (the handler pulled at most one chunk past the limit).
    counts.read = 0;
    const d = delivery();
    const streamed = await new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: server.port, path: "/hooks", method: "POST", headers: { "x-crisp-request-timestamp": d.ts, "x-crisp-signature": d.sig } });
      let written = 0;
      let answered = null;
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        while (answered === null && written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (answered === null) req.end();
      };
      req.on("response", (res) => {
        const parts = [];
        res.on("data", (c) => parts.push(c));
        res.on("end", () => {
          answered = { status: res.statusCode, code: JSON.parse(Buffer.concat(parts).toString()).code, written };
          req.destroy();
          resolve(answered);
        });
      });
      req.on("error", (e) => (answered ? resolve(answered) : reject(e)));
      pump();
    });
    assert.deepEqual([streamed.status, streamed.code], [413, "too_large"]);
    assert.ok(streamed.written < 64 * 1024 * 1024, `the sender was stopped (${streamed.written} bytes written)`);
    assert.ok(counts.read > 64 * 1024 && counts.read <= 64 * 1024 + 64 * 1024, `read ${counts.read} bytes: the limit and at most one chunk more`);
    // At the limit exactly: read, checked, dispatched.
    const body = JSON.stringify({ website_id: WEBSITE, event: "message:send", data: { content: "" }, timestamp: 1 });
    const padded = body.slice(0, -1) + " ".repeat(64 * 1024 - body.length) + "}";
    const ts = String(Date.now());
    assert.deepEqual(await post(server.port, { body: padded, ts, sig: sign(padded, ts) }), { status: 200, code: "ok" });
  } finally {
    await server.close();
  }
});

test("hooks.handle: a streamed body is cancelled once past maxBodyBytes; a declared one is refused unread; the default is 1 MiB", async () => {
  const crisp = client({ maxBodyBytes: 32 * 1024 });
  const d = delivery();
  let pulled = 0;
  let cancelled = false;
  const endless = new ReadableStream({
    pull(controller) {
      pulled += 1;
      if (pulled > 10_000) return controller.close(); // bounded, whatever happens
      controller.enqueue(new Uint8Array(8 * 1024).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  const request = new Request("http://127.0.0.1/hooks", { method: "POST", body: endless, duplex: "half", headers: { "x-crisp-request-timestamp": d.ts, "x-crisp-signature": d.sig } });
  const response = await crisp.hooks.handle(request);
  assert.deepEqual([response.status, (await response.json()).code], [413, "too_large"]);
  assert.ok(pulled <= 8, `pulled ${pulled} chunks of 8 KB for a 32 KB limit`);
  assert.ok(cancelled, "the body stream was cancelled");
  // Declared: refused on the header, the body never touched.
  let touched = false;
  const declared = new Request("http://127.0.0.1/hooks", {
    method: "POST",
    duplex: "half",
    body: new ReadableStream({
      pull(c) {
        touched = true;
        c.enqueue(new Uint8Array(10));
        c.close();
      },
    }, { highWaterMark: 0 }),
    headers: { "content-length": String(1 << 30), "x-crisp-request-timestamp": d.ts, "x-crisp-signature": d.sig },
  });
  const r = await crisp.hooks.handle(declared);
  assert.deepEqual([r.status, (await r.json()).code], [413, "too_large"]);
  assert.equal(touched, false, "the body was not read");
  // The default: 1 MiB. One byte over is refused; receive() applies it too.
  const fallback = client();
  const over = new Uint8Array((1 << 20) + 1);
  const res = await fallback.hooks.handle(new Request("http://127.0.0.1/hooks", { method: "POST", body: over, headers: { "x-crisp-request-timestamp": d.ts, "x-crisp-signature": d.sig } }));
  assert.equal(res.status, 413);
  assert.deepEqual(await fallback.hooks.receive(over, d.ts, d.sig), { status: 413, code: "too_large", event: null });
  assert.equal(Crisp.eventCatalog().hookMaxBodyBytes, 1 << 20);
});

test("hooks: maxBodyBytes must be a whole number of bytes, at least 1; the Node handler answers before it throws", async () => {
  const d = delivery();
  for (const bad of [0, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, "1048576", true]) {
    const crisp = client({ maxBodyBytes: bad });
    await assert.rejects(
      crisp.hooks.receive(new TextEncoder().encode(d.body), d.ts, d.sig),
      (e) => e instanceof CrispError && e.code === "invalid_config" && e.param === "hooks.maxBodyBytes" && /whole number of bytes/.test(e.message),
      String(bad),
    );
  }
  // Through node:http: the delivery is answered (500), never left hanging, and the error thrown.
  const crisp = client({ maxBodyBytes: 0.5 });
  const thrown = [];
  const server = http.createServer((req, res) => crisp.hooks.node(req, res).catch((e) => thrown.push(e)));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    assert.deepEqual(await post(server.address().port, d), { status: 500, code: "invalid_config" });
    assert.equal(thrown[0]?.param, "hooks.maxBodyBytes");
  } finally {
    await new Promise((r) => server.close(r));
  }
  // null is the same as leaving it out.
  assert.equal((await client({ maxBodyBytes: null }).hooks.receive(new TextEncoder().encode(d.body), d.ts, d.sig)).status, 200);
});
