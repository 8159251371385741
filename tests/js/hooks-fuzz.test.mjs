// A bounded fuzz of the web hook handlers (issue 25): random and adversarial bodies, headers,
// signatures (valid ones over odd bodies included), timestamps and sizes, through
// `crisp.hooks.node` behind a real node:http server on 127.0.0.1 and through `crisp.hooks.handle`
// with real web streams. Invariants: every delivery is answered (never a hang, never a crash), with
// a status that matches its code; the handlers run exactly once per 200 and never for a refused
// delivery, at most once per signature; a body over the limit is 413; a fresh, unique, well-signed
// delivery of a good payload is 200; heap growth stays bounded over the rounds.
// Seeded: the seed is printed; `HOOK_FUZZ_SEED=n` replays a run. Bounded in count and time.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import { test } from "node:test";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

import { loadKit } from "./support.mjs";

const { Crisp } = await loadKit();
const SECRET = "fuzz-secret";
const LIMIT = 16 * 1024;
const ROUNDS = 5;
const PER_ROUND = 150; // per handler; 2 x 5 x 150 = 1500 deliveries in all
const BATCH = 6; // deliveries in flight at once
const ANSWER_MS = 5000; // a delivery not answered by then is a hang

const seed = Number(process.env.HOOK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`hooks-fuzz seed=${seed} (replay: HOOK_FUZZ_SEED=${seed} node --test tests/js/hooks-fuzz.test.mjs)`);

/** mulberry32: a small seeded PRNG. */
function prng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(seed);
const int = (n) => Math.floor(rand() * n);
const pick = (list) => list[int(list.length)];
const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256)));

const CODES = {
  ok: 200, missing: 401, bad_signature: 401, bad_timestamp: 401, stale: 401, replayed: 401,
  in_flight: 409, too_large: 413, bad_payload: 400, handler_failed: 500, method: 405,
};
const EVENTS = ["message:send", "session:set_state", "message:received", "people:profile:created"];
const sign = (body, ts) => createHmac("sha256", SECRET).update(`[${ts};`).update(body).update("]").digest("hex");

let unique = 0;
/** A payload of a good shape, padded to `size` bytes when given. */
function goodBody(size) {
  const event = pick(EVENTS);
  const text = JSON.stringify({ website_id: "w", event, data: { website_id: "w", n: ++unique, content: "x" }, timestamp: Date.now() });
  if (size === undefined || size <= text.length) return Buffer.from(text);
  return Buffer.from(text.slice(0, -1) + " ".repeat(size - text.length) + "}");
}

const ODD_JSON = [
  "null", "[]", '"text"', "0", "{}", '{"event":1,"data":{}}', '{"event":"message:send","data":null}',
  '{"event":"message:send","data":"x"}', '{"event":"message:send"}', '{"__proto__":{"polluted":1},"event":"message:send","data":{"__proto__":{"polluted":2}}}',
  '{"event":"constructor","data":{}}', '{"event":"__proto__","data":{}}', '{"event":"toString","data":{}}', '{"event":"hasOwnProperty","data":{}}',
  `${"[".repeat(20_000)}${"]".repeat(20_000)}`, '{"event":"message:send","data":{}', "\ufeff{}",
];

/** One random delivery: its body, headers, and what it must get when that is known. */
function generate() {
  const d = { method: "POST", headers: {}, expect: null, good: false };
  const bodyKind = pick(["good", "good", "padded", "padded", "odd", "bytes", "bad-utf8", "huge", "exact", "empty"]);
  switch (bodyKind) {
    case "good": d.body = goodBody(); break;
    case "padded": d.body = goodBody(int(LIMIT)); break;
    case "odd": d.body = Buffer.from(pick(ODD_JSON)); break;
    case "bytes": d.body = bytes(int(1.25 * LIMIT)); break;
    case "bad-utf8": d.body = Buffer.concat([Buffer.from('{"event":"message:send","data":{"c":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}}')]); break;
    case "huge": d.body = Buffer.alloc(LIMIT + 1 + int(3 * LIMIT), 0x7b); break;
    case "exact": d.body = goodBody(LIMIT); break;
    default: d.body = Buffer.alloc(0);
  }
  const now = Date.now();
  const tsKind = pick(["now", "now", "now", "seconds", "stale", "future", "absent", "garbage"]);
  const ts = {
    now: String(now), seconds: String(Math.floor(now / 1000)), stale: String(now - 3_600_000), future: String(now + 3_600_000), absent: null,
    garbage: pick(["abc", "-1", "1e3", "99999999999999999999999", " 1 ", "0x10", "", "\xa0", "NaN"]),
  }[tsKind];
  const valid = ts === null ? sign(d.body, "") : sign(d.body, ts);
  const sigKind = pick(["valid", "valid", "valid", "upper", "spaced", "flipped", "nel", "plus", "random-hex", "empty", "absent", "long", "latin1", "twice"]);
  const flip = (s, i) => s.slice(0, i) + (s[i] === "0" ? "1" : "0") + s.slice(i + 1);
  const sig = {
    valid, upper: valid.toUpperCase(), spaced: ` ${valid}\t`, flipped: flip(valid, int(64)), nel: `${valid}\x85`,
    plus: `+${valid.slice(1)}`, "random-hex": Array.from({ length: 1 + int(70) }, () => "0123456789abcdef"[int(16)]).join(""),
    empty: "", absent: null, long: "a".repeat(1000 + int(4000)), latin1: Array.from({ length: 64 }, () => String.fromCharCode(0x80 + int(128))).join(""),
    twice: [valid, valid],
  }[sigKind];
  if (ts !== null) d.headers["x-crisp-request-timestamp"] = ts;
  if (sig !== null) d.headers["x-crisp-signature"] = sig;
  if (rand() < 0.05) d.method = pick(["GET", "PUT", "DELETE", "PATCH"]);
  // Node's client frames a body without Content-Length as chunked only for these methods (for GET
  // or DELETE the bytes would follow unframed: a malformed stream that Node itself answers 400).
  d.chunked = rand() < 0.3 && ["POST", "PUT", "PATCH"].includes(d.method);
  const signedOk = ["valid", "upper", "spaced"].includes(sigKind) && ["now", "seconds"].includes(tsKind);
  // A signature sent twice arrives as "sig, sig": not one signature, refused like a forged one.
  d.forged = !["valid", "upper", "spaced"].includes(sigKind);
  if (d.method !== "POST") d.expect = "method";
  else if (d.body.length > LIMIT) d.expect = "too_large";
  else if (sigKind === "absent" || sigKind === "empty" || !ts) d.expect = "missing";
  else if (d.forged) d.expect = "bad_signature";
  else if (signedOk && ["good", "padded", "exact"].includes(bodyKind)) {
    d.expect = "ok";
    d.good = true;
  }
  d.label = `${d.method} body=${bodyKind}(${d.body.length}) ts=${tsKind} sig=${sigKind}${d.chunked ? " chunked" : ""}`;
  return d;
}

/** Sends one delivery to the node:http server; answers `{status, code}` or `{reset}`, or fails after ANSWER_MS. */
function viaNode(port, d) {
  return new Promise((resolve, reject) => {
    const headers = { "content-type": "application/json", ...d.headers };
    if (!d.chunked) headers["content-length"] = String(d.body.length);
    const req = http.request({ host: "127.0.0.1", port, path: "/hook", method: d.method, headers, agent: false });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${ANSWER_MS} ms: ${d.label} (seed ${seed})`));
    }, ANSWER_MS);
    req.on("response", (res) => {
      const parts = [];
      res.on("data", (c) => parts.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(parts).toString();
        try {
          resolve({ status: res.statusCode, ...JSON.parse(text) });
        } catch {
          reject(new Error(`not a hook answer: ${res.statusCode} ${JSON.stringify(text.slice(0, 200))}: ${d.label} (seed ${seed})`));
        }
      });
      res.on("error", () => {});
    });
    // The server may close a connection whose body it will not read (413): a reset, then.
    req.on("error", (e) => {
      clearTimeout(timer);
      if (d.body.length > LIMIT && ["ECONNRESET", "EPIPE"].includes(e.code)) resolve({ reset: e.code });
      else reject(new Error(`${e.code ?? e.message}: ${d.label} (seed ${seed})`));
    });
    if (d.chunked && d.body.length > 1) {
      // In two pieces, as a slow sender would (neither empty: an empty write ends a chunked body).
      const cut = 1 + int(d.body.length - 1);
      req.write(d.body.subarray(0, cut));
      req.end(d.body.subarray(cut));
    } else req.end(d.body);
  });
}

/** Hands one delivery to `crisp.hooks.handle` as a Request over a web stream of a few chunks. */
async function viaFetch(crisp, d) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(d.headers)) for (const one of [v].flat()) headers.append(k, one);
  let body;
  if (d.method !== "GET") {
    if (d.chunked) {
      const pieces = [];
      for (let at = 0; at < d.body.length; ) {
        const n = 1 + int(8192);
        pieces.push(new Uint8Array(d.body.subarray(at, at + n)));
        at += n;
      }
      body = new ReadableStream({ pull: (c) => (pieces.length ? c.enqueue(pieces.shift()) : c.close()) });
    } else {
      body = d.body;
      headers.set("content-length", String(d.body.length));
    }
  }
  const request = new Request("http://127.0.0.1/hook", { method: d.method, headers, body, duplex: "half" });
  let timer;
  const hang = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_MS} ms: ${d.label} (seed ${seed})`)), ANSWER_MS)));
  try {
    const response = await Promise.race([crisp.hooks.handle(request), hang]);
    return { status: response.status, ...(await response.json()) };
  } finally {
    clearTimeout(timer);
  }
}

/** The event a body names, when it is JSON naming one. */
function eventOf(body) {
  try {
    return JSON.parse(body.toString()).event;
  } catch {
    return undefined;
  }
}

function heapAfterGc() {
  v8.setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc");
  gc();
  gc();
  // Bodies live in ArrayBuffers, outside the JS heap: both count.
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

for (const via of ["node", "handle"]) {
  test(`hooks fuzz through crisp.hooks.${via}: every delivery answered, handlers once per 200, bounded memory (seed ${seed})`, { timeout: 60_000 }, async (t) => {
    t.diagnostic(`seed ${seed}`);
    const crisp = new Crisp({ identifier: "i", key: "k", tier: "plugin", hooks: { secret: SECRET, maxBodyBytes: LIMIT } });
    let handled = 0;
    for (const name of EVENTS) {
      crisp.hooks.on(name, async (data) => {
        handled += 1;
        if (typeof data !== "object" || data === null) throw new Error("a handler got a non-object");
        // Some handlers finish later (not from the PRNG: the order of arrival is not seeded).
        if (data.n % 3 === 0) await new Promise((r) => setImmediate(r));
      });
    }
    const server = via === "node" ? http.createServer((req, res) => void crisp.hooks.node(req, res)) : null;
    if (server) await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const send = via === "node" ? (d) => viaNode(server.address().port, d) : (d) => viaFetch(crisp, d);
    const okBySig = new Map();
    let oks = 0;
    let resets = 0;
    let bodyBytes = 0;
    const heap = [];
    const started = Date.now();
    try {
      const sent = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < PER_ROUND; i += BATCH) {
          const batch = Array.from({ length: BATCH }, () => {
            // Now and then the same delivery again (a replay, or two copies in flight at once).
            if (sent.length > 0 && rand() < 0.12) return { ...pick(sent), expect: null, good: false, replay: true };
            return generate();
          });
          const answers = await Promise.all(batch.map(send));
          for (const d of batch) bodyBytes += d.body.length;
          batch.forEach((d, j) => {
            const a = answers[j];
            const why = `${d.label}${d.replay ? " (again)" : ""} -> ${JSON.stringify(a)} (seed ${seed})`;
            if (a.reset) {
              resets += 1;
              return;
            }
            assert.equal(CODES[a.code], a.status, `status matches code: ${why}`);
            assert.equal(a.ok, a.status === 200, why);
            if (d.expect) assert.equal(a.code, d.expect, why);
            if (d.body.length > LIMIT && d.method === "POST") assert.equal(a.code, "too_large", why);
            if (d.forged) assert.notEqual(a.status, 200, `a forged signature was accepted: ${why}`);
            if (a.status === 200) {
              if (EVENTS.includes(eventOf(d.body))) oks += 1;
              const key = [d.headers["x-crisp-request-timestamp"], d.body.toString("latin1")].join("\n");
              okBySig.set(key, (okBySig.get(key) ?? 0) + 1);
              assert.equal(okBySig.get(key), 1, `handled twice: ${why}`);
            }
          });
          for (const d of batch) if (!d.replay && sent.length < 64) sent.push(d);
        }
        heap.push(heapAfterGc());
      }
      assert.equal(handled, oks, "the handlers ran once per 200 of their events, never for a refused delivery");
      assert.ok(oks > 10, `enough deliveries accepted to mean something (${oks})`);
      assert.equal({}.polluted, undefined, "no prototype pollution");
      // From the end of the second round (code warmed up, the replay pool full) to the last.
      const growth = heap.at(-1) - heap[1];
      t.diagnostic(`${ROUNDS * PER_ROUND} deliveries (${(bodyBytes / 2 ** 20).toFixed(1)} MB of bodies) in ${Date.now() - started} ms; ${oks} accepted, ${resets} closed unread; heap + array buffers after each round (MB): ${heap.map((h) => (h / 2 ** 20).toFixed(1)).join(", ")}`);
      // The last three rounds hand the handlers about 3 MB of bodies: keeping them (or the
      // connections) shows well past this; the seen signatures are a few KB.
      assert.ok(growth < 1.5 * 2 ** 20, `heap grew ${(growth / 2 ** 20).toFixed(1)} MB between the second and the last round (seed ${seed})`);
    } finally {
      if (server) {
        server.closeAllConnections?.();
        await new Promise((r) => server.close(r));
      }
    }
  });
}
