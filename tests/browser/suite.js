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
