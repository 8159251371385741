// The transport hook (`new Crisp({ transport })`): every attempt of every request passes through
// it, it can hold an attempt back or refuse it (nothing sent), and it hears crisp-core's decision
// with the Retry-After the core read. The gateway's per-token queue is built on it. Against the
// real sandbox on 127.0.0.1; the sandbox's request log says what was sent.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { loadKit, startSandbox } from "./support.mjs";

const { Crisp } = await loadKit();
let sandbox;
let sessionID;

before(async () => {
  sandbox = await startSandbox(["--seed", "7"]);
  const plain = new Crisp(sandbox.options);
  sessionID = (await plain.call("list_conversations", { query: { per_page: 20 } }))[0].session_id;
});
after(() => sandbox?.stop());
beforeEach(async () => {
  await sandbox.control("faults", { method: "DELETE" });
  await sandbox.clearRequests();
});

const fault = (spec) =>
  sandbox.control("faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });

/** A client whose hook records each attempt and outcome. */
function recorded(extra = {}) {
  const attempts = [];
  const outcomes = [];
  const crisp = new Crisp({
    ...sandbox.options,
    ...(extra.timeoutMs ? { timeoutMs: extra.timeoutMs } : {}),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    transport: {
      async attempt(info, send) {
        attempts.push({ ...info });
        return extra.attempt ? extra.attempt(info, send) : send();
      },
      outcome: (o) => outcomes.push({ ...o }),
    },
  });
  return { crisp, attempts, outcomes };
}

describe("transport hook", () => {
  test("one attempt, done: the endpoint, the default account, the method", async () => {
    const { crisp, attempts, outcomes } = recorded();
    await crisp.call("get_conversation", { sessionID });
    const [{ signal, ...info }] = attempts;
    assert.deepEqual([info, attempts.length], [{ endpoint: "get_conversation", account: "default", attempt: 1, method: "GET" }, 1]);
    assert.ok(signal instanceof AbortSignal && !signal.aborted);
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].signal, signal, "the outcome carries its attempt's signal");
    assert.equal(outcomes[0].decision, "done");
    assert.equal(outcomes[0].status, 200);
  });

  test("a read refused with 429 and Retry-After: retry with the core's Retry-After, then done", async () => {
    await fault({ kind: "status", status: 429, retry_after: 1, endpoint: "get_conversation", count: 1 });
    const { crisp, attempts, outcomes } = recorded();
    await crisp.call("get_conversation", { sessionID }, {});
    assert.deepEqual(attempts.map((a) => a.attempt), [1, 2]);
    assert.deepEqual(outcomes.map((o) => [o.attempt, o.status, o.decision]), [[1, 429, "retry"], [2, 200, "done"]]);
    assert.equal(outcomes[0].retryAfterMs, 1000);
    assert.ok(outcomes[0].delayMs >= 1000, "the retry waits for Retry-After");
  });

  test("a write answered 503 is tried once: stop", async () => {
    await fault({ kind: "status", status: 503, endpoint: "send_message_in_conversation", count: 1 });
    const { crisp, attempts, outcomes } = recorded();
    const body = { type: "note", from: "operator", origin: "chat", content: "x" };
    await assert.rejects(crisp.call("send_message_in_conversation", { sessionID, body }), (e) => e.code === "server_error");
    assert.deepEqual(attempts.map((a) => [a.attempt, a.method]), [[1, "POST"]]);
    assert.deepEqual(outcomes.map((o) => [o.status, o.decision]), [[503, "stop"]]);
  });

  test("a hook that refuses an attempt rejects the call with its error, and nothing is sent", async () => {
    const refusal = new Error("queue full");
    const { crisp, outcomes } = recorded({ attempt: () => Promise.reject(refusal) });
    await assert.rejects(crisp.call("get_conversation", { sessionID }), (e) => e === refusal);
    assert.deepEqual(await sandbox.requests(), []);
    assert.deepEqual(outcomes.map((o) => [o.status, o.decision]), [[null, "stop"]]);
  });

  test("a hook that holds an attempt back: it leaves when the hook sends it", async () => {
    let release;
    const held = new Promise((r) => (release = r));
    const { crisp } = recorded({ attempt: async (_info, send) => (await held, send()) });
    const call = crisp.call("get_conversation", { sessionID });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await sandbox.requests()).length, 0, "held: not sent yet");
    release();
    await call;
    assert.equal((await sandbox.requests()).length, 1);
  });

  test("a network failure after send is the call's network error, not the hook's", async () => {
    await fault({ kind: "reset", endpoint: "get_conversation", count: 5 });
    const { crisp, outcomes } = recorded();
    await assert.rejects(crisp.call("get_conversation", { sessionID }), (e) => e.code === "network");
    assert.ok(outcomes.every((o) => o.status === null));
    assert.equal(outcomes.at(-1).decision, "stop");
  });

  test("the attempt's signal: a timeout while the hook holds the attempt is the attempt's timeout (a read is retried)", async () => {
    const { crisp, attempts, outcomes } = recorded({
      timeoutMs: 200,
      // The first attempt is held until its signal says it is over; the next is sent.
      attempt: (info, send) =>
        info.attempt > 1 ? send() : new Promise((_, reject) => info.signal.addEventListener("abort", () => reject(info.signal.reason), { once: true })),
    });
    await crisp.call("get_conversation", { sessionID });
    assert.deepEqual(outcomes.map((o) => [o.attempt, o.status, o.decision]), [[1, null, "retry"], [2, 200, "done"]]);
    assert.ok(outcomes.every((o, i) => o.signal === attempts[i].signal), "each outcome carries its own attempt's signal");
    assert.notEqual(attempts[0].signal, attempts[1].signal);
    assert.equal((await sandbox.requests()).length, 1, "the held attempt was never sent");
  });

  test("the caller's cancellation aborts the attempt's signal while the hook holds it: aborted, nothing sent", async () => {
    const controller = new AbortController();
    const { crisp, outcomes } = recorded({
      attempt: (info) => {
        queueMicrotask(() => controller.abort());
        return new Promise((_, reject) => info.signal.addEventListener("abort", () => reject(info.signal.reason), { once: true }));
      },
    });
    await assert.rejects(crisp.call("get_conversation", { sessionID }, { signal: controller.signal }), (e) => e.code === "aborted");
    assert.deepEqual(outcomes.map((o) => [o.status, o.decision]), [[null, "stop"]]);
    assert.deepEqual(await sandbox.requests(), []);
  });

  test("the account a call names is the attempt's account", async () => {
    const { crisp, attempts } = recorded();
    await crisp.call("get_conversation", { sessionID }, { account: "default" });
    assert.equal(attempts[0].account, "default");
  });
});
