// The browser suite: runs inside headless Chromium on one local origin, against the crisp-kit web
// build and the sandbox on another origin (so CORS is real). Driven by tests/browser/run.mjs.
import { Crisp, CrispError, init } from "/dist/web.js";

const results = [];
function check(cond, message) {
  if (!cond) throw new Error(message);
}
function same(a, b, message) {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x !== y) throw new Error(`${message}\n  got  ${x}\n  want ${y}`);
}
async function rejects(promise, test, message) {
  try {
    await promise;
  } catch (e) {
    check(test(e), `${message}: wrong error ${e?.code} ${e?.message}`);
    return;
  }
  throw new Error(`${message}: did not throw`);
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
  const requests = await (await fetch("/vectors/requests.json")).json();
  const responses = await (await fetch("/vectors/responses.json")).json();
  const control = sandbox.control;
  const log = async () => (await (await fetch(`${control}requests`)).json()).data;
  const clear = () => fetch(`${control}requests`, { method: "DELETE" });
  const fault = (spec) => fetch(`${control}faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  const options = { identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url };

  await test("request vectors: what reaches fetch is exactly the expected request", async () => {
    for (const c of requests.cases) {
      const seen = [];
      const fetchStub = async (url, init) => {
        seen.push({ url, init });
        return new Response('{"error":false,"reason":"resolved","data":{}}', { status: 200 });
      };
      const config = c.config ? { ...c.config, accounts: requests.config.accounts } : requests.config;
      const crisp = new Crisp({ ...config, fetch: fetchStub, retry: { retries: 0 } });
      const call = crisp.call(c.endpoint, c.params, c.options);
      if (c.error?.code === "client_local") {
        same((await call).map((a) => a.id).sort(), ["default", "eu"], c.name);
      } else if (c.request) {
        await call;
        check(seen.length === 1, `${c.name}: one request`);
        const { url, init } = seen[0];
        same({ method: init.method, url, headers: init.headers, body: init.body ?? null }, c.request, c.name);
      } else {
        await rejects(call, (e) => e instanceof CrispError && e.code === c.error.code && (!c.error.param || e.param === c.error.param), c.name);
        check(seen.length === 0, `${c.name}: a refused call sends nothing`);
      }
    }
  });

  await test("response vectors: data, or one CrispError with the same fields", async () => {
    const paramsFor = Object.fromEntries(requests.cases.filter((c) => c.name.endsWith(": every parameter")).map((c) => [c.endpoint, c.params]));
    for (const c of responses.cases) {
      const stub = async () => new Response(c.status === 204 ? null : c.body, { status: c.status, headers: c.headers });
      const crisp = new Crisp({ ...requests.config, fetch: stub, retry: { retries: 0 } });
      const call = crisp.call(c.endpoint, paramsFor[c.endpoint]);
      if (c.error) {
        await rejects(call, (e) => Object.entries(c.error).every(([k, v]) => (k === "messageContains" ? e.message.includes(v) : JSON.stringify(e[k]) === JSON.stringify(v))), c.name);
      } else {
        same(await call, c.data, c.name);
      }
    }
  });

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

  await test("paging to the end and the message cursor", async () => {
    await clear();
    const ids = [];
    for await (const c of crisp.paginate("list_conversations", { query: { per_page: 50 } })) ids.push(c.session_id);
    check(ids.length > 50 && new Set(ids).size === ids.length, `walked ${ids.length} distinct conversations`);
    const messages = [];
    for await (const m of crisp.messages(sessionID)) messages.push(m.fingerprint);
    check(messages.length > 0 && new Set(messages).size === messages.length, "distinct messages");
  });

  await test("429 with Retry-After is waited out; reading Retry-After needs CORS exposure", async () => {
    await clear();
    await fault({ kind: "status", status: 429, retry_after: 1, endpoint: "get_conversation", count: 1 });
    same((await crisp.call("get_conversation", { sessionID })).session_id, sessionID, "retried");
    check((await log()).length === 2, "two requests");
  });

  await test("a failed write is sent once; read-only sends nothing", async () => {
    await clear();
    await fault({ kind: "status", status: 503, endpoint: "send_message_in_conversation", count: 1 });
    await rejects(crisp.call("send_message_in_conversation", { sessionID, body: { type: "note", content: "x", from: "operator", origin: "chat" } }), (e) => e.code === "server_error", "503");
    const ro = new Crisp({ ...options, readOnly: true });
    await rejects(ro.call("change_conversation_state", { sessionID, body: { state: "resolved" } }), (e) => e.code === "read_only", "read-only");
    same((await log()).filter((r) => r.method !== "GET").length, 1, "exactly one write reached the server");
  });

  await test("timeouts and cancellation", async () => {
    await fault({ kind: "latency", latency_ms: 1500, endpoint: "get_conversation" });
    const quick = new Crisp({ ...options, timeoutMs: 100, retry: { retries: 0 } });
    await rejects(quick.call("get_conversation", { sessionID }), (e) => e.code === "timeout", "timeout");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await rejects(crisp.call("get_conversation", { sessionID }, { signal: controller.signal }), (e) => e.code === "aborted", "aborted");
    await fetch(`${control}faults`, { method: "DELETE" });
  });

  await test("a module worker, initialised from the .wasm's bytes", async () => {
    const worker = new Worker("/suite/worker.js", { type: "module" });
    try {
      const answer = await new Promise((resolve, reject) => {
        worker.onmessage = ({ data }) => resolve(data);
        worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
        worker.postMessage(options);
      });
      check(answer.ok, answer.error);
      check(answer.isWorker, "ran in a worker");
      check(answer.items === 20, `a page of 20 in the worker, got ${answer.items}`);
      same(answer.refused, { code: "missing_param", param: "sessionID" }, "refusal in the worker");
    } finally {
      worker.terminate();
    }
  });

  await test("the key never reaches the page's DOM or a preview", async () => {
    const preview = JSON.stringify(crisp.buildRequest("get_conversation", { sessionID }));
    check(!preview.includes(btoa(`${sandbox.identifier}:${sandbox.key}`)), "preview redacted");
    check(!document.documentElement.outerHTML.includes(sandbox.key), "DOM clean");
  });

  return { results, instantiateMs };
}
