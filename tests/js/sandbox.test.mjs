// crisp-kit against the real sandbox over HTTP on 127.0.0.1: every group of endpoints, paging to
// the end, the message cursor, the failure modes, read-only mode, and the sandbox's request log as
// proof of what was (and was not) sent.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { loadKit, startSandbox } from "./support.mjs";

const { Crisp, CrispError } = await loadKit();
let sandbox;
let crisp;
let sessionID;
let peopleID;

before(async () => {
  sandbox = await startSandbox(["--seed", "7"]);
  crisp = new Crisp({ ...sandbox.options, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  const first = await crisp.call("list_conversations", { query: { per_page: 20 } });
  sessionID = first[0].session_id;
  const people = await crisp.call("list_people_profiles", {});
  peopleID = people[0].people_id;
});
after(() => sandbox?.stop());
beforeEach(async () => {
  await sandbox.control("faults", { method: "DELETE" }).catch(() => {});
  await sandbox.clearRequests();
});

const writes = (log) => log.filter((r) => !["GET", "HEAD"].includes(r.method));
const fault = (spec) =>
  sandbox.control("faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });

describe("every group of endpoints", () => {
  test("a read from each group answers data", async () => {
    const calls = [
      ["website.base", "get_website", {}],
      ["website.conversation", "get_conversation", () => ({ sessionID })],
      ["website.people", "get_people_profile", () => ({ peopleID })],
      ["website.helpdesk", "list_helpdesk_locales", {}],
      ["website.campaign", "list_campaigns", {}],
      ["website.operator", "list_website_operators", {}],
      ["website.inbox", "list_inboxes", {}],
      ["website.visitors", "list_visitors", {}],
      ["website.settings", "get_website_settings", {}],
      ["website.availability", "get_website_availability_status", {}],
      ["website.verify", "get_verify_settings", {}],
      ["website.teams", "list_teams", {}],
      ["website.analytics", "generate_analytics", () => ({ body: { metric: "conversations" } })],
      ["plan.subscription", "plans_list_all_active_subscriptions", {}],
      ["plugin.subscription", "list_subscriptions_for_website", {}],
      ["plugin.connect", "get_connect_account", {}],
      ["bucket.url", "generate_bucket_url", () => ({ body: { namespace: "avatar", identifier: "x", file: { name: "a.png", type: "image/png" } } })],
      ["media.animation", "list_animation_medias", () => ({ pageNumber: 1, query: { list_id: "top" } })],
      ["website.batch", "batch_read_conversations", () => ({ body: { sessions: [sessionID] } })],
      ["website.connect", "website_get_connect_endpoints", {}],
    ];
    const catalog = Crisp.endpoints();
    const covered = new Set();
    for (const [group, id, params] of calls) {
      const e = catalog.find((x) => x.id === id);
      assert.ok(e, `${id} is in the catalog`);
      assert.equal(e.group, group, id);
      const data = await crisp.call(id, typeof params === "function" ? params() : params);
      assert.notEqual(data, undefined, id);
      covered.add(group);
    }
    const groups = new Set(catalog.map((e) => e.group).filter((g) => g !== "proxy"));
    assert.deepEqual([...groups].filter((g) => !covered.has(g)), []);
    assert.deepEqual(await crisp.call("list_accounts"), crisp.listAccounts());
  });

  test("HEAD checks answer true and false", async () => {
    assert.equal(await crisp.call("check_conversation_exists", { sessionID }), true);
    assert.equal(await crisp.call("check_conversation_exists", { sessionID: "session_00000000-0000-4000-8000-000000000000" }), false);
  });

  test("a write is sent once and reads back", async () => {
    await crisp.call("change_conversation_state", { sessionID, body: { state: "resolved" } });
    const state = await crisp.call("get_conversation_state", { sessionID });
    assert.equal(state.state, "resolved");
    const note = { type: "note", from: "operator", origin: "chat", content: `crisp-kit test ${Date.now()}` };
    await crisp.call("send_message_in_conversation", { sessionID, body: note });
    const messages = [];
    for await (const m of crisp.messages(sessionID)) messages.push(m);
    assert.ok(messages.some((m) => m.content === note.content), "the sent note is listed");
    assert.equal(writes(await sandbox.requests()).length, 2);
  });
});

describe("paging", () => {
  test("page-number lists are walked to the end, each page once", async () => {
    const ids = [];
    for await (const c of crisp.paginate("list_conversations", { query: { per_page: 20 } })) ids.push(c.session_id);
    assert.ok(ids.length > 40, `walked ${ids.length} conversations`);
    assert.equal(new Set(ids).size, ids.length, "no conversation twice");
    const pages = (await sandbox.requests()).map((r) => Number(r.path.split("/").pop()));
    assert.deepEqual(pages, pages.map((_, i) => i + 1), "pages 1, 2, 3... each once");
  });

  test("the message cursor follows 206 and stops at 200", async () => {
    const all = [];
    for await (const m of crisp.messages(sessionID)) all.push(m);
    const log = await sandbox.requests();
    assert.ok(log.length >= 1);
    const fingerprints = all.map((m) => m.fingerprint);
    assert.equal(new Set(fingerprints).size, fingerprints.length, "no message twice");
    for (let i = 1; i < log.length; i++) assert.match(log[i].query ?? "", /timestamp_before=\d+/);
  });
});

describe("message order", () => {
  test("messages() yields newest first, across page boundaries, back to the first message", async () => {
    // 25 notes more than fill one page (20), so the walk crosses at least one page boundary
    // inside the notes; a 2 ms pause keeps every note on its own millisecond.
    const sent = [];
    for (let i = 0; i < 25; i++) {
      const content = `order check ${i}`;
      await crisp.call("send_message_in_conversation", { sessionID, body: { type: "note", from: "operator", origin: "chat", content } });
      sent.push(content);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await sandbox.clearRequests();
    const all = [];
    for await (const m of crisp.messages(sessionID)) all.push(m);
    assert.ok((await sandbox.requests()).length >= 2, "more than one page was read");
    const stamps = all.map((m) => m.timestamp);
    for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i] <= stamps[i - 1], `message ${i} (${stamps[i]}) is not older than ${stamps[i - 1]}`);
    const notes = all.map((m) => m.content).filter((c) => sent.includes(c));
    assert.deepEqual(notes, sent.slice().reverse(), "the notes, newest first");
  });
});

describe("failures", () => {
  test("429 with Retry-After is waited out, then the read succeeds", async () => {
    await fault({ kind: "status", status: 429, retry_after: 1, endpoint: "get_conversation", count: 1 });
    const data = await crisp.call("get_conversation", { sessionID });
    assert.equal(data.session_id, sessionID);
    assert.equal((await sandbox.requests()).length, 2);
  });

  test("429 without Retry-After backs off and retries", async () => {
    await fault({ kind: "status", status: 429, endpoint: "get_conversation", count: 2 });
    await crisp.call("get_conversation", { sessionID });
    assert.equal((await sandbox.requests()).length, 3);
  });

  test("a 5xx burst longer than the retries surfaces as server_error", async () => {
    await fault({ kind: "status", status: 503, endpoint: "get_conversation", count: 5 });
    await assert.rejects(crisp.call("get_conversation", { sessionID }), (e) => e instanceof CrispError && e.code === "server_error" && e.status === 503);
    assert.equal((await sandbox.requests()).length, 3, "1 attempt + 2 retries");
  });

  test("a failed write is never sent twice", async () => {
    await fault({ kind: "status", status: 503, endpoint: "send_message_in_conversation", count: 1 });
    const body = { type: "text", from: "operator", origin: "chat", content: "once" };
    await assert.rejects(crisp.call("send_message_in_conversation", { sessionID, body }), (e) => e.code === "server_error");
    await fault({ kind: "reset", endpoint: "send_message_in_conversation", count: 1 });
    await assert.rejects(crisp.call("send_message_in_conversation", { sessionID, body }), (e) => e.code === "network" || e.code === "invalid_response");
    assert.equal(writes(await sandbox.requests()).length, 2, "one request per call");
  });

  test("a reset connection on a read is retried", async () => {
    await fault({ kind: "reset", endpoint: "get_conversation", count: 1 });
    assert.equal((await crisp.call("get_conversation", { sessionID })).session_id, sessionID);
    assert.equal((await sandbox.requests()).length, 2);
  });

  test("an HTML 502 from a proxy is an invalid_response with a snippet", async () => {
    await fault({ kind: "html", endpoint: "get_conversation" });
    const once = new Crisp({ ...sandbox.options, retry: { retries: 0 } });
    await assert.rejects(once.call("get_conversation", { sessionID }), (e) => e.code === "invalid_response" && e.status === 502 && /502/.test(e.message));
  });

  test("a truncated body is an error, not a crash", async () => {
    await fault({ kind: "truncate", endpoint: "get_conversation" });
    const once = new Crisp({ ...sandbox.options, retry: { retries: 0 } });
    await assert.rejects(once.call("get_conversation", { sessionID }), (e) => ["invalid_response", "network"].includes(e.code));
  });

  test("timeouts: each attempt is bounded, writes are not retried", async () => {
    await fault({ kind: "latency", latency_ms: 2000, endpoint: "get_conversation" });
    const quick = new Crisp({ ...sandbox.options, timeoutMs: 150, retry: { retries: 1, baseDelayMs: 1 } });
    await assert.rejects(quick.call("get_conversation", { sessionID }), (e) => e.code === "timeout" && e.retryable);
    assert.equal((await sandbox.requests()).length, 2);
  });

  test("cancellation stops the call and its retries", async () => {
    await fault({ kind: "latency", latency_ms: 2000, endpoint: "get_conversation" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(crisp.call("get_conversation", { sessionID }, { signal: controller.signal }), (e) => e.code === "aborted");
    assert.equal((await sandbox.requests()).length, 1);
  });

  test("a wrong key is unauthorized with Crisp's reason", async () => {
    const wrong = new Crisp({ ...sandbox.options, key: "not-the-key" });
    await assert.rejects(wrong.call("get_conversation", { sessionID }), (e) => e.code === "unauthorized" && e.reason === "invalid_session" && !e.message.includes("not-the-key"));
  });

  test("read-only mode sends nothing for writes", async () => {
    const ro = new Crisp({ ...sandbox.options, readOnly: true });
    await assert.rejects(ro.call("change_conversation_state", { sessionID, body: { state: "resolved" } }), (e) => e.code === "read_only");
    await assert.rejects(ro.call("remove_conversation", { sessionID }), (e) => e.code === "read_only");
    assert.ok(await ro.call("get_conversation", { sessionID }));
    assert.equal(writes(await sandbox.requests()).length, 0);
  });

  test("the key reaches the server but never the request log or an error", async () => {
    await crisp.call("get_conversation", { sessionID });
    const [logged] = await sandbox.requests();
    assert.ok(!JSON.stringify(logged).includes(sandbox.key));
    assert.ok(!JSON.stringify(crisp.buildRequest("get_conversation", { sessionID })).includes(btoa(`${sandbox.identifier}:${sandbox.key}`)));
  });
});
