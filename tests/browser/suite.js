// The browser-only part of the browser suite: what only a page can show (CORS, a worker, the DOM).
// The shared JS suites (tests/js/sandbox.test.mjs and vectors.test.mjs) run in the same page as
// well, unchanged; see run.mjs. Runs inside headless Chromium on one local origin, against the
// crisp-kit web build and the sandbox on another origin (so CORS is real).
import { Crisp, init } from "/dist/web.js";

const results = [];
function check(cond, message) {
  if (!cond) throw new Error(message);
}
function same(a, b, message) {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x !== y) throw new Error(`${message}\n  got  ${x}\n  want ${y}`);
}
/** A module worker's first answer to `message` (the worker is terminated if it fails; the caller terminates it otherwise). */
async function inWorker(url, message) {
  const worker = new Worker(url, { type: "module" });
  try {
    const answer = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
      worker.postMessage(message);
    });
    return { worker, answer };
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

async function test(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, error: String(e?.stack ?? e) });
  }
}

export async function run(sandbox) {
  const t0 = performance.now();
  await init();
  const instantiateMs = performance.now() - t0;
  const control = sandbox.control;
  const log = async () => (await (await fetch(`${control}requests`)).json()).data;
  const clear = () => fetch(`${control}requests`, { method: "DELETE" });
  const fault = (spec) => fetch(`${control}faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  const options = { identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url };

  const crisp = new Crisp({ ...options, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  let sessionID;
  await test("cross-origin reads against the sandbox (CORS)", async () => {
    const list = await crisp.call("list_conversations", { query: { per_page: 20 } });
    check(list.length === 20, "a page of 20");
    sessionID = list[0].session_id;
    same((await crisp.call("get_conversation", { sessionID })).session_id, sessionID, "get_conversation");
    check((await crisp.call("check_conversation_exists", { sessionID })) === true, "HEAD true");
    check((await crisp.call("check_conversation_exists", { sessionID: "session_missing" })) === false, "HEAD false");
  });

  await test("429 with Retry-After is waited out; reading Retry-After needs CORS exposure", async () => {
    await clear();
    await fault({ kind: "status", status: 429, retry_after: 1, endpoint: "get_conversation", count: 1 });
    same((await crisp.call("get_conversation", { sessionID })).session_id, sessionID, "retried");
    check((await log()).length === 2, "two requests");
  });

  await test("a module worker, initialised from the .wasm's bytes", async () => {
    const { worker, answer } = await inWorker("/suite/worker.js", options);
    try {
      check(answer.ok, answer.error);
      check(answer.isWorker, "ran in a worker");
      check(answer.items === 20, `a page of 20 in the worker, got ${answer.items}`);
      same(answer.refused, { code: "missing_param", param: "sessionID" }, "refusal in the worker");
      same(answer.rest.filter((p) => !p.endsWith("/web.js")), ["/dist/crisp_kit_wasm_bg.wasm"], "REST in the worker fetched no real-time code");
      same(answer.notLoaded, "not_loaded", "Crisp.eventCatalog() before the core is loaded");
      same(answer.deferred, { code: "invalid_param", param: "name" }, "a bad hooks.on name, checked at the first delivery");
      same(answer.hook, "ok", "a signed delivery through the lazily loaded core");
      same(answer.events, 81, "Crisp.eventCatalog() after Crisp.loadEvents()");
      check(answer.after.includes("/dist/crisp_kit_rtm_bg.wasm") && answer.after.includes("/dist/web-events.js"), `loaded on demand: ${answer.after}`);
    } finally {
      worker.terminate();
    }
  });

  await test("init given the REST .wasm's URL (as an extension does): the real-time .wasm is fetched beside it", async () => {
    const { worker, answer } = await inWorker("/suite/worker-url.js", null);
    try {
      check(answer.ok, answer.error);
      same(answer.fetched, ["/elsewhere/crisp_kit_rtm_bg.wasm", "/elsewhere/crisp_kit_wasm_bg.wasm"], "both .wasm from init's folder");
      same(answer.events, 81, "the catalog from the real-time core");
    } finally {
      worker.terminate();
    }
  });

  await test("the key never reaches the page's DOM or a preview", async () => {
    const preview = JSON.stringify(crisp.buildRequest("get_conversation", { sessionID }));
    check(!preview.includes(btoa(`${sandbox.identifier}:${sandbox.key}`)), "preview redacted");
    check(!document.documentElement.outerHTML.includes(sandbox.key), "DOM clean");
  });

  const fetched = () => performance.getEntriesByType("resource").map((r) => new URL(r.name).pathname).filter((p) => p.startsWith("/dist/"));
  const unique = (list) => [...new Set(list)].sort();
  await test("REST-only use downloads no events code: web.js and the REST .wasm only, no events chunk, no real-time .wasm", async () => {
    same(unique(fetched()), ["/dist/crisp_kit_wasm_bg.wasm", "/dist/web.js"], "what the page fetched from dist/ before crisp.events()");
    let refused = null;
    try {
      Crisp.eventCatalog();
    } catch (e) {
      refused = e.code;
    }
    same(refused, "not_loaded", "the real-time core is not in the page yet");
  });

  const post = (path, body) =>
    fetch(`${control}${path}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json());
  const waitFor = (register, what, ms = 5000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
      const off = register((v) => {
        clearTimeout(timer);
        off();
        resolve(v);
      });
    });

  await test("events over a real socket in the browser: message:send, then a dropped socket, a reconnect and the gap", async () => {
    const sub = await crisp.events({ events: ["message:send"], reconnect: { baseDelayMs: 100, maxDelayMs: 300, randomization: 0.5 } });
    try {
      await sub.ready;
      const chunks = performance.getEntriesByType("resource").filter((r) => r.name.includes("/dist/web-chunk-"));
      check(chunks.length >= 2, `socket.io-client and the shared code came as chunks, got ${chunks.length}`);
      const loaded = fetched();
      same(["/dist/web-events.js", "/dist/crisp_kit_rtm_bg.wasm"].map((f) => loaded.filter((p) => p === f).length), [1, 1], "the events chunk and the real-time .wasm, once each");
      same(Crisp.eventCatalog().defaultEvents.length, 81, "the catalog, now that the core is here");
      let got = waitFor((f) => sub.on("message:send", f), "message:send");
      await post("simulate/visitor-message", { session_id: sessionID, content: "hello from a visitor" });
      const data = await got;
      same([data.content, data.session_id, data.from], ["hello from a visitor", sessionID, "user"], "payload");
      const statuses = [];
      sub.onStatus((st) => statuses.push(st.type));
      const gap = waitFor((f) => sub.onStatus((st) => st.type === "gap" && f(st)), "gap");
      const t = Date.now();
      const dropped = await post("sockets/drop");
      check(dropped.data.dropped >= 1, "a socket was dropped");
      const g = await gap;
      check(g.from >= t - 5 && g.to >= g.from, `gap ${JSON.stringify(g)}`);
      same(statuses.slice(0, 3), ["reconnecting", "connected", "gap"], "status sequence");
      got = waitFor((f) => sub.on("message:send", f), "message:send after the reconnect");
      await post("simulate/visitor-message", { session_id: sessionID, content: "still there?" });
      same((await got).content, "still there?", "re-subscribed");
    } finally {
      sub.close();
    }
  });

  await test("hooks.handle with a fetch Request in the browser: valid, then replayed, tampered and stale", async () => {
    const secret = "browser-secret";
    const hooked = new Crisp({ ...options, hooks: { secret } });
    const got = [];
    hooked.hooks.on("message:send", (d) => got.push(d.content));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const sign = async (ts, body) =>
      [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`[${ts};${body}]`)))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const request = (ts, body, sig) =>
      new Request("https://bot.example/hooks", { method: "POST", body, headers: { "x-crisp-request-timestamp": String(ts), "x-crisp-signature": sig } });
    const now = Date.now();
    const body = JSON.stringify({ website_id: "w", event: "message:send", data: { website_id: "w", content: "hooked" }, timestamp: now });
    const sig = await sign(now, body);
    const codes = [];
    for (const r of [request(now, body, sig), request(now, body, sig), request(now, body.replace("hooked", "hacked"), sig)]) {
      const a = await hooked.hooks.handle(r);
      codes.push([a.status, (await a.json()).code]);
    }
    const old = now - 3_600_000;
    const a = await hooked.hooks.handle(request(old, body, await sign(old, body)));
    codes.push([a.status, (await a.json()).code]);
    same(codes, [[200, "ok"], [401, "replayed"], [401, "bad_signature"], [401, "stale"]], "answers");
    same(got, ["hooked"], "dispatched once");
  });

  return { results, instantiateMs };
}
