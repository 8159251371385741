// The task layout (the default of `crisp-kit mcp` and of the gateway's /mcp): each task tool answers
// a realistic support question about the sandbox's demo data in one call, checked against what the
// sandbox itself holds (read with plain fetch, not with crisp-kit); search and fetch round-trip;
// dry_run sends nothing (the sandbox's request log); a read key never sees a write tool; every
// structured result is validated by the MCP SDK's own client against the tool's outputSchema.
// Node-only surfaces (the napi addon): skipped under the wasm backend.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { cliPath, httpClient, sandboxEnv, startGateway, stdioClient } from "./gateway.mjs";
import { backendName, startSandbox } from "./support.mjs";
import { execFile } from "node:child_process";

const nodeBackend = backendName === "native";
const WRITE_TOOLS = ["crisp_reply", "crisp_set_conversation", "crisp_update_person"];
let sandbox;
let gw;
let tmp;
const keys = {};
const clients = new Set();
let ro; // crisp-kit mcp (read-only, default layout)
let rw; // crisp-kit mcp --allow-writes

/** The sandbox's own answer (the oracle): GET /v1/website/<id>/<path>. */
async function crisp(path) {
  const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/${path}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
  });
  return (await res.json()).data;
}

async function open(client) {
  clients.add(client);
  // listTools first: the SDK's client then validates every structuredContent against its outputSchema.
  const tools = (await client.listTools()).tools;
  return { client, tools, call: (name, args) => call(client, name, args) };
}

/** Calls a tool; a structured result is also the JSON text, and carries no key. */
async function call(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  const text = result.content.map((c) => c.text).join("\n");
  for (const secret of [sandbox.key, Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64"), ...Object.values(keys)]) {
    assert.ok(!text.includes(secret) && !JSON.stringify(result.structuredContent ?? {}).includes(secret), `${name} output contains a key`);
  }
  if (!result.isError) assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, `${name}: the text is the structured JSON`);
  return { isError: result.isError === true, text, data: result.structuredContent };
}

function cli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, ...sandboxEnv(sandbox) } }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "17"]);
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-tasks-"));
  const keysFile = join(tmp, "keys.json");
  for (const [name, scope] of [["reader", "read"], ["writer", "write"]]) {
    const r = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", name, "--scope", scope]);
    assert.equal(r.code, 0, r.stderr);
    keys[name] = r.stdout.trim();
  }
  gw = await startGateway(["--keys", keysFile, "--allow-writes", "--audit", join(tmp, "audit.jsonl")], sandboxEnv(sandbox));
  ro = await open(await stdioClient([], sandboxEnv(sandbox)));
  rw = await open(await stdioClient(["--allow-writes"], sandboxEnv(sandbox)));
});
after(async () => {
  for (const c of clients) await c.close();
  await gw?.stop();
  await sandbox?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await sandbox?.clearRequests();
});

describe("MCP task tools", { skip: !nodeBackend && "Node-only surface" }, () => {
  test("the default layout: task tools, search/fetch and the catalog tools; writes only with --allow-writes", () => {
    const names = ro.tools.map((t) => t.name);
    assert.deepEqual(names, [
      "search", "fetch", "crisp_inbox", "crisp_conversation_context", "crisp_find_people", "crisp_person",
      "crisp_search_help_center", "crisp_help_article", "crisp_search_endpoints", "crisp_describe_endpoint", "crisp_call_endpoint",
    ]);
    const writes = rw.tools.map((t) => t.name).filter((n) => !names.includes(n));
    assert.deepEqual(writes.sort(), [...WRITE_TOOLS].sort());
    for (const t of rw.tools) {
      if (t.name.startsWith("crisp_") && /endpoint/.test(t.name)) continue;
      assert.ok(t.outputSchema?.type === "object", `${t.name} has an outputSchema`);
    }
    for (const name of WRITE_TOOLS) {
      const t = rw.tools.find((x) => x.name === name);
      assert.equal(t.annotations.readOnlyHint, false);
      assert.equal(t.inputSchema.properties.dry_run.type, "boolean");
    }
  });

  test("crisp_inbox: the conversations waiting for a reply, longest-waiting first, in one call", async () => {
    const truth = (await crisp("conversations/1?per_page=50&filter_not_resolved=1&order_date_waiting=1")).slice(0, 10);
    const ops = await crisp("operators/list");
    const names = new Map(ops.map((o) => [o.details.user_id, `${o.details.first_name} ${o.details.last_name}`]));
    const got = await ro.call("crisp_inbox", { limit: 10 });
    assert.equal(got.isError, false, got.text);
    assert.equal(got.data.filter, "waiting");
    assert.deepEqual(got.data.conversations.map((c) => c.id), truth.map((c) => c.session_id));
    for (const [i, c] of got.data.conversations.entries()) {
      const t = truth[i];
      assert.notEqual(c.state, "resolved");
      assert.equal(c.contact, t.meta.nickname);
      assert.equal(c.subject, t.topic);
      assert.equal(c.waiting_since, new Date(t.waiting_since).toISOString());
      assert.match(c.age, /^\d+(d|h|m)/);
      assert.equal(c.url, `https://app.crisp.chat/website/${sandbox.website_id}/inbox/${t.session_id}/`);
      if (t.assigned?.user_id) assert.equal(c.assigned, names.get(t.assigned.user_id));
      // No nulls or empty fields.
      for (const v of Object.values(c)) assert.ok(v !== null && v !== "" && !(Array.isArray(v) && v.length === 0));
    }
    // The cursor continues where the list stopped.
    const next = await ro.call("crisp_inbox", { limit: 10, cursor: got.data.cursor });
    const truth2 = (await crisp("conversations/1?per_page=50&filter_not_resolved=1&order_date_waiting=1")).slice(10, 20);
    assert.deepEqual(next.data.conversations.map((c) => c.id), truth2.map((c) => c.session_id));
    // Assigned to an operator, by first name.
    const tobias = ops.find((o) => o.details.first_name === "Tobias").details.user_id;
    const mine = await ro.call("crisp_inbox", { filter: "assigned", assigned_to: "tobias", limit: 50 });
    const truthMine = await crisp(`conversations/1?per_page=50&filter_assigned=${tobias}`);
    assert.deepEqual(mine.data.conversations.map((c) => c.id), truthMine.map((c) => c.session_id));
    assert.ok(mine.data.conversations.every((c) => c.assigned === "Tobias Lindqvist"));
    // VIP conversations waiting: a segment.
    const vip = await ro.call("crisp_inbox", { segment: "vip", limit: 50 });
    const truthVip = await crisp(`conversations/1?per_page=50&filter_not_resolved=1&order_date_waiting=1&search_type=segment&search_query=${encodeURIComponent('["vip"]')}`);
    assert.ok(truthVip.length > 0);
    assert.deepEqual(vip.data.conversations.map((c) => c.id), truthVip.map((c) => c.session_id));
    assert.ok(vip.data.conversations.every((c) => c.segments.includes("vip") && c.state !== "resolved"));
  });

  test("crisp_conversation_context: messages in order, notes, contact, data and earlier conversations in one call", async () => {
    // A conversation of a known person that holds a private note.
    const all = await crisp("conversations/1?per_page=50");
    let pick = null;
    for (const c of all) {
      if (!c.people_id) continue;
      const msgs = await crisp(`conversation/${c.session_id}/messages`);
      if (msgs.some((m) => m.type === "note")) {
        pick = { c, msgs };
        break;
      }
    }
    assert.ok(pick, "the demo data has a noted conversation of a known person");
    await sandbox.clearRequests();
    const got = await ro.call("crisp_conversation_context", { conversation_id: `conversation:${pick.c.session_id}`, messages: 4 });
    assert.equal(got.isError, false, got.text);
    const talk = pick.msgs.filter((m) => m.type !== "note");
    const lastFour = talk.slice(-4);
    assert.deepEqual(got.data.messages.map((m) => m.at), lastFour.map((m) => new Date(m.timestamp).toISOString()));
    assert.equal(got.data.messages.at(-1).fingerprint, lastFour.at(-1).fingerprint);
    assert.ok(got.data.notes.some((n) => pick.msgs.some((m) => m.type === "note" && m.content === n.text)), "the note is there");
    const profile = await crisp(`people/profile/${pick.c.people_id}`);
    const data = (await crisp(`people/data/${pick.c.people_id}`)).data;
    assert.equal(got.data.contact.email, profile.email);
    assert.equal(got.data.contact.person_id, pick.c.people_id);
    assert.equal(got.data.contact.data.plan, data.plan);
    assert.equal(got.data.state, pick.c.state);
    const earlier = (await crisp(`people/conversations/${pick.c.people_id}/list/1`)).filter((s) => s !== pick.c.session_id);
    assert.deepEqual(got.data.earlier_conversations.map((c) => c.id), earlier.slice(0, 5));
    // Reads only.
    assert.ok((await sandbox.requests()).every((r) => r.method === "GET"));
  });

  test("crisp_find_people and crisp_person: a customer's history", async () => {
    const found = await ro.call("crisp_find_people", { query: "acmelogistics.com", limit: 50 });
    assert.equal(found.isError, false, found.text);
    const truth = await crisp("people/profiles/1?per_page=50&search_text=acmelogistics.com");
    assert.deepEqual(found.data.people.map((p) => p.id), truth.map((p) => p.people_id));
    assert.ok(found.data.people.every((p) => p.company === "Acme Logistics" && p.email.endsWith("@acmelogistics.com")));
    const vip = await ro.call("crisp_find_people", { segment: "vip", limit: 50 });
    assert.ok(vip.data.people.length > 0 && vip.data.people.every((p) => p.segments.includes("vip")));
    // One person by email: profile, data and their conversations.
    const someone = truth[0];
    const person = await ro.call("crisp_person", { email: someone.email });
    assert.equal(person.isError, false, person.text);
    assert.equal(person.data.id, someone.people_id);
    assert.equal(person.data.name, someone.person.nickname);
    const data = (await crisp(`people/data/${someone.people_id}`)).data;
    assert.deepEqual(person.data.data, data);
    const convs = await crisp(`people/conversations/${someone.people_id}/list/1`);
    assert.deepEqual(person.data.conversations.map((c) => c.id), convs.slice(0, 5));
    const byId = await ro.call("crisp_person", { person_id: `person:${someone.people_id}`, conversations: 0 });
    assert.equal(byId.data.email, someone.email);
    assert.equal(byId.data.conversations, undefined);
  });

  test("crisp_search_help_center and crisp_help_article: answer a question from the knowledge base", async () => {
    const hits = await ro.call("crisp_search_help_center", { query: "How do I get a refund? I was charged twice" });
    assert.equal(hits.isError, false, hits.text);
    assert.equal(hits.data.locale, "en");
    assert.equal(hits.data.articles[0].title, "Requesting a refund");
    assert.match(hits.data.articles[0].url, /^https:\/\/help\.northwind\.studio\/en\/article\/requesting-a-refund-/);
    const article = await ro.call("crisp_help_article", { article_id: hits.data.articles[0].id });
    assert.equal(article.isError, false, article.text);
    const [, locale, id] = hits.data.articles[0].id.split(":");
    const truth = await crisp(`helpdesk/locale/${locale}/article/${id}`);
    assert.equal(article.data.text, truth.content);
    assert.match(article.data.text, /^# Requesting a refund/);
    // Another locale; two-factor articles in French are there too.
    const fr = await ro.call("crisp_search_help_center", { query: "two-factor", locale: "fr" });
    assert.ok(fr.data.articles.every((a) => a.id.startsWith("article:fr:")));
    const bad = await ro.call("crisp_help_article", { article_id: "article:en:../../etc" });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /crisp_help_article: `article_id` must be an article id/);
  });

  test("search then fetch, in ChatGPT's shapes, for conversations, people and articles", async () => {
    const found = await ro.call("search", { query: "dark mode" });
    assert.equal(found.isError, false, found.text);
    assert.deepEqual(Object.keys(found.data), ["results"]);
    const conv = found.data.results.find((r) => r.id.startsWith("conversation:"));
    assert.ok(conv, found.text);
    for (const r of found.data.results) assert.deepEqual(Object.keys(r).sort(), ["id", "title", "url"]);
    const doc = await ro.call("fetch", { id: conv.id });
    assert.equal(doc.isError, false, doc.text);
    assert.deepEqual(Object.keys(doc.data).sort(), ["id", "metadata", "text", "title", "url"]);
    assert.equal(doc.data.id, conv.id);
    assert.equal(doc.data.url, conv.url);
    assert.match(doc.data.text, /dark mode/);
    assert.match(doc.data.url, new RegExp(`^https://app\\.crisp\\.chat/website/${sandbox.website_id}/inbox/session_`));
    const refund = await ro.call("search", { query: "refund" });
    const art = refund.data.results.find((r) => r.id.startsWith("article:en:"));
    assert.ok(art, refund.text);
    const artDoc = await ro.call("fetch", { id: art.id });
    assert.match(artDoc.data.text, /refund/i);
    assert.match(artDoc.data.url, /^https:\/\/help\.northwind\.studio\//);
    const people = await ro.call("search", { query: "acmelogistics" });
    const person = people.data.results.find((r) => r.id.startsWith("person:"));
    const personDoc = await ro.call("fetch", { id: person.id });
    assert.match(personDoc.data.text, /Company: Acme Logistics/);
    assert.match(personDoc.data.url, /\/contacts\/profile\//);
    for (const bad of ["conversation:../x", "person:nope", "ticket:1", "article:en:"]) {
      const r = await ro.call("fetch", { id: bad });
      assert.equal(r.isError, true, bad);
      assert.match(r.text, /`id`/);
    }
  });

  test("dry_run sends nothing and shows the exact requests, key redacted; a real write is sent once", async () => {
    const [target] = await crisp("conversations/1?per_page=20&filter_not_resolved=1");
    const ops = await crisp("operators/list");
    const marcus = ops.find((o) => o.details.first_name === "Marcus").details.user_id;
    await sandbox.clearRequests();
    const plan = await rw.call("crisp_reply", { conversation_id: target.session_id, text: "Your refund is on its way.", dry_run: true });
    assert.equal(plan.isError, false, plan.text);
    assert.equal(plan.data.sent, false);
    const [req] = plan.data.requests;
    assert.equal(req.method, "POST");
    assert.equal(req.url, `${sandbox.url}website/${sandbox.website_id}/conversation/${target.session_id}/message`);
    assert.equal(req.headers.Authorization, "Basic [redacted]");
    assert.deepEqual(req.body, { type: "text", from: "operator", origin: "chat", content: "Your refund is on its way." });
    const set = await rw.call("crisp_set_conversation", { conversation_id: target.session_id, state: "resolved", assign_to: marcus, segments: ["billing"], blocked: false, dry_run: true });
    assert.deepEqual(set.data.requests.map((r) => `${r.method} ${r.endpoint}`), [
      "PATCH change_conversation_state", "PATCH assign_conversation_routing", "PATCH update_conversation_metas", "PATCH block_incoming_messages_for_conversation",
    ]);
    const upd = await rw.call("crisp_update_person", { person_id: target.people_id ?? "00000000-0000-4000-8000-000000000000", data: { plan: "pro" }, name: "X Y", dry_run: true });
    assert.equal(upd.data.requests.length, 2);
    assert.deepEqual(await sandbox.requests(), [], "dry_run sent something");

    // The real thing: one request each, and the sandbox changed.
    const sent = await rw.call("crisp_reply", { conversation_id: target.session_id, text: "Checking with billing.", kind: "note" });
    assert.equal(sent.isError, false, sent.text);
    assert.equal(typeof sent.data.fingerprint, "number");
    const done = await rw.call("crisp_set_conversation", { conversation_id: target.session_id, state: "resolved", add_segments: ["billing"], assign_to: "Marcus" });
    assert.equal(done.isError, false, done.text);
    assert.deepEqual(done.data.applied, ["state: resolved", "assigned to Marcus Reed", `segments: ${[...new Set([...target.meta.segments, "billing"])].join(", ")}`]);
    const log = await sandbox.requests();
    assert.deepEqual(log.filter((r) => r.method !== "GET").map((r) => r.endpoint), [
      "send_message_in_conversation", "change_conversation_state", "assign_conversation_routing", "update_conversation_metas",
    ]);
    const after = await crisp(`conversation/${target.session_id}`);
    assert.equal(after.state, "resolved");
    assert.equal(after.assigned.user_id, marcus);
    assert.ok(after.meta.segments.includes("billing"));
    const notes = (await crisp(`conversation/${target.session_id}/messages`)).filter((m) => m.type === "note");
    assert.equal(notes.at(-1).content, "Checking with billing.");
  });

  test("bad input: a clear tool error naming the parameter, nothing sent", async () => {
    const cases = [
      ["crisp_inbox", { filter: "everything" }, /crisp_inbox: `filter` must be one of waiting, unread/],
      ["crisp_inbox", { limt: 5 }, /unknown parameter `limt`/],
      ["crisp_inbox", { filter: "assigned" }, /needs `assigned_to`/],
      ["crisp_inbox", { query: "refund", segment: "vip" }, /give `query` or `segment`, not both/],
      ["crisp_inbox", { assigned_to: "Nobody Here" }, /`assigned_to`: no operator matches "Nobody Here"; the operators are: Claire Fontaine/],
      ["crisp_conversation_context", { conversation_id: "session_x/../../people" }, /`conversation_id` must be a conversation id/],
      ["crisp_conversation_context", {}, /missing required parameter `conversation_id`/],
      ["crisp_person", {}, /give `person_id`, or `email`/],
      ["crisp_search_help_center", { query: "x", locale: "english!" }, /`locale` must be a language code/],
      ["crisp_reply", { conversation_id: "session_abc", text: "" }, /missing required parameter `text`/],
      ["crisp_reply", { conversation_id: "session_abc", text: "hi", kind: "email" }, /`kind` must be one of message, note/],
      ["crisp_set_conversation", { conversation_id: "session_abc" }, /nothing to change/],
      ["crisp_set_conversation", { conversation_id: "session_abc", state: "closed" }, /`state` must be one of pending, unresolved, resolved/],
      ["crisp_update_person", { person_id: "00000000-0000-4000-8000-000000000000", email: "not-an-email" }, /`email` must be an email address/],
    ];
    await sandbox.clearRequests();
    for (const [name, args, pattern] of cases) {
      const r = await rw.call(name, args);
      assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}`);
      assert.match(r.text, pattern);
    }
    assert.ok((await sandbox.requests()).every((r) => r.method === "GET" && r.endpoint === "list_website_operators"));
    // A Crisp refusal is a tool error with Crisp's status, and the server goes on.
    const missing = await ro.call("crisp_conversation_context", { conversation_id: "session_00000000-0000-4000-8000-000000000000" });
    assert.equal(missing.isError, true);
    assert.match(missing.text, /HTTP status: 404/);
  });

  test("read-only: write tools are neither listed nor callable", async () => {
    const r = await ro.call("crisp_reply", { conversation_id: "session_abc", text: "hi" });
    assert.equal(r.isError, true);
    assert.match(r.text, /crisp_reply writes and this MCP server is read-only: nothing was sent.*--allow-writes/);
    assert.deepEqual(await sandbox.requests(), []);
  });

  test("results stay under --max-result-bytes, with a cursor to continue", async () => {
    const small = await open(await stdioClient(["--max-result-bytes", "3000"], sandboxEnv(sandbox)));
    const page = await small.call("crisp_inbox", { limit: 50, filter: "all" });
    assert.equal(page.isError, false, page.text);
    assert.ok(Buffer.byteLength(page.text) <= 3000, `${Buffer.byteLength(page.text)} bytes`);
    assert.ok(page.data.count < 50 && page.data.cursor);
    const next = await small.call("crisp_inbox", { limit: 50, filter: "all", cursor: page.data.cursor });
    const truth = await crisp("conversations/1?per_page=50");
    assert.deepEqual([...page.data.conversations, ...next.data.conversations].map((c) => c.id), truth.slice(0, page.data.count + next.data.count).map((c) => c.session_id));
    // A conversation with a long history (the demo's follow-up rounds).
    let long = null;
    for (const c of truth) {
      if ((await crisp(`conversation/${c.session_id}/messages`)).length >= 20) {
        long = c;
        break;
      }
    }
    assert.ok(long, "a long conversation in the demo data");
    const ctx = await small.call("crisp_conversation_context", { conversation_id: long.session_id, messages: 100 });
    assert.equal(ctx.isError, false, ctx.text);
    assert.ok(Buffer.byteLength(ctx.text) <= 3000);
    assert.match(ctx.data.truncated, /left out to stay under 3000 bytes/);
  });

  test("flags: --toolsets names the known ones; compact and full declare only tools", async () => {
    const bad = await cli(["mcp", "--toolsets", "inbox,tickets"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--toolsets: unknown toolset `tickets`; the toolsets are inbox, people, helpdesk, api/);
    const mixed = await cli(["mcp", "--tools=full", "--toolsets", "inbox"]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--toolsets applies to --tools=tasks/);
    const serve = await cli(["serve", "--toolsets", "nope"]);
    assert.equal(serve.code, 2);
    assert.match(serve.stderr, /unknown toolset `nope`/);
    const help = await cli(["mcp", "--help"]);
    assert.match(help.stdout, /--tools=tasks {8}task tools \(default\)/);
    const compact = await open(await stdioClient(["--tools=compact"], sandboxEnv(sandbox)));
    assert.deepEqual(compact.client.getServerCapabilities(), { tools: {}, logging: {} });
    const people = await open(await stdioClient(["--toolsets", "people"], sandboxEnv(sandbox)));
    assert.deepEqual(people.tools.map((t) => t.name), ["search", "fetch", "crisp_find_people", "crisp_person"]);
    const { resourceTemplates } = await people.client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["crisp://person/{id}"]);
    assert.equal(people.client.getServerCapabilities().prompts, undefined);
    const off = await people.call("crisp_inbox", {});
    assert.equal(off.isError, true);
    assert.match(off.text, /crisp_inbox is not offered here: its toolset \(inbox\) is not among this server's toolsets \(people\)/);
  });

  test("several accounts: task tools take `account`, and use it", async () => {
    const config = join(tmp, "accounts.json");
    const main = { identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url };
    writeFileSync(config, JSON.stringify({ accounts: { main, stale: { ...main, key: "wrong-key-0123456789abcdef0123456789abcdef" } }, defaultAccount: "main" }));
    const multi = await open(await stdioClient([], { CRISP_KIT_CONFIG: config }));
    for (const t of multi.tools.filter((x) => !/endpoint/.test(x.name))) assert.deepEqual(t.inputSchema.properties.account.enum, ["main", "stale"], t.name);
    assert.equal((await multi.call("crisp_inbox", { limit: 1 })).isError, false);
    const refused = await multi.call("crisp_inbox", { limit: 1, account: "stale" });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /HTTP status: 401/);
    assert.ok(!refused.text.includes("wrong-key-0123456789abcdef0123456789abcdef"));
    const unknown = await multi.call("crisp_inbox", { account: "nope" });
    assert.match(unknown.text, /unknown account `nope`/);
  });

  test("resources and prompts over stdio", async () => {
    const caps = ro.client.getServerCapabilities();
    assert.ok(caps.resources && caps.prompts && caps.tools);
    const { resourceTemplates } = await ro.client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["crisp://conversation/{id}", "crisp://person/{id}"]);
    const [c] = await crisp("conversations/1?per_page=20");
    const read = await ro.client.readResource({ uri: `crisp://conversation/${c.session_id}` });
    assert.equal(read.contents[0].mimeType, "application/json");
    const body = JSON.parse(read.contents[0].text);
    assert.equal(body.id, c.session_id);
    assert.ok(body.messages.length > 0);
    await assert.rejects(ro.client.readResource({ uri: "crisp://ticket/1" }), /unknown resource "crisp:\/\/ticket\/1"/);
    const { prompts } = await ro.client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name), ["triage-inbox", "draft-reply-from-help-center"]);
    const draft = await ro.client.getPrompt({ name: "draft-reply-from-help-center", arguments: { conversation_id: c.session_id } });
    assert.match(draft.messages[0].content.text, new RegExp(`${c.session_id}.*crisp_conversation_context.*crisp_search_help_center.*crisp_help_article.*Do not send it`, "s"));
    await assert.rejects(ro.client.getPrompt({ name: "draft-reply-from-help-center", arguments: { conversation_id: "nope" } }), /`conversation_id` is required/);
    const triage = await ro.client.getPrompt({ name: "triage-inbox", arguments: { assigned_to: "Ines" } });
    assert.match(triage.messages[0].content.text, /crisp_inbox.*assigned_to "Ines"/);
  });
});

describe("MCP task tools on the gateway", { skip: !nodeBackend && "Node-only surface" }, () => {
  test("/mcp: a read key is never offered a write tool; a write key is; both answer task tools", async () => {
    const reader = await open(await httpClient(gw.url, keys.reader));
    assert.ok(reader.tools.length >= 11);
    assert.deepEqual(reader.tools.filter((t) => WRITE_TOOLS.includes(t.name) || t.annotations.readOnlyHint === false).map((t) => t.name), []);
    const writer = await open(await httpClient(gw.url, keys.writer));
    assert.deepEqual(writer.tools.map((t) => t.name).filter((n) => WRITE_TOOLS.includes(n)).sort(), [...WRITE_TOOLS].sort());
    const inbox = await reader.call("crisp_inbox", { limit: 3 });
    assert.equal(inbox.isError, false, inbox.text);
    assert.equal(inbox.data.conversations.length, 3);
    const refused = await reader.call("crisp_reply", { conversation_id: inbox.data.conversations[0].id, text: "hi" });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /read scope/);
    const plan = await writer.call("crisp_reply", { conversation_id: inbox.data.conversations[0].id, text: "hi", dry_run: true });
    assert.equal(plan.data.sent, false);
    assert.ok((await sandbox.requests()).every((r) => r.method === "GET"));
    assert.equal(readFileSync(join(tmp, "audit.jsonl"), "utf8"), "", "a dry run is not audited: nothing was sent");
    // A real write through the gateway: sent once, audited as the gateway audits every write.
    const note = await writer.call("crisp_reply", { conversation_id: inbox.data.conversations[0].id, text: "Looking into it.", kind: "note" });
    assert.equal(note.isError, false, note.text);
    assert.equal((await sandbox.requests()).filter((r) => r.method !== "GET").length, 1);
    const [line, ...rest] = readFileSync(join(tmp, "audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(rest, []);
    assert.deepEqual({ ...line, time: undefined }, {
      time: undefined, key: "writer", account: "default", endpoint: "send_message_in_conversation", method: "POST",
      path: `/v1/website/${sandbox.website_id}/conversation/${inbox.data.conversations[0].id}/message`, status: 200, surface: "mcp",
    });
    // Resources go through the key's checks too.
    const read = await reader.client.readResource({ uri: `crisp://conversation/${inbox.data.conversations[0].id}` });
    assert.equal(JSON.parse(read.contents[0].text).id, inbox.data.conversations[0].id);
  });

  test("/mcp/readonly and /mcp/x/<toolset>: GitHub-style paths", async () => {
    const readonly = await open(await httpClient(gw.url, keys.writer, "mcp/readonly"));
    assert.deepEqual(readonly.tools.filter((t) => t.annotations.readOnlyHint !== true).map((t) => t.name), []);
    assert.ok(readonly.tools.some((t) => t.name === "crisp_inbox"));
    const refused = await readonly.call("crisp_set_conversation", { conversation_id: "session_abc", state: "resolved" });
    assert.match(refused.text, /read-only MCP path/);
    const helpdesk = await open(await httpClient(gw.url, keys.writer, "mcp/x/helpdesk"));
    assert.deepEqual(helpdesk.tools.map((t) => t.name), ["search", "fetch", "crisp_search_help_center", "crisp_help_article"]);
    assert.equal(helpdesk.client.getServerCapabilities().resources, undefined);
    const hit = await helpdesk.call("search", { query: "refund" });
    assert.ok(hit.data.results.length > 0 && hit.data.results.every((r) => r.id.startsWith("article:")));
    const two = await open(await httpClient(gw.url, keys.reader, "mcp/x/inbox,people/readonly"));
    assert.deepEqual(two.tools.map((t) => t.name), ["search", "fetch", "crisp_inbox", "crisp_conversation_context", "crisp_find_people", "crisp_person"]);
    const unknown = await fetch(`${gw.url}mcp/x/tickets`, { method: "POST", headers: { authorization: `Bearer ${keys.reader}`, "content-type": "application/json" }, body: "{}" });
    assert.equal(unknown.status, 404);
    assert.match((await unknown.json()).error.message, /unknown toolset `tickets`; the toolsets are inbox, people, helpdesk, api/);
    const stray = await fetch(`${gw.url}mcp/elsewhere`, { method: "POST", headers: { authorization: `Bearer ${keys.reader}` }, body: "{}" });
    assert.equal(stray.status, 404);
    assert.match((await stray.json()).error.message, /\/mcp\/readonly/);
  });
});
