// A scripted agent for the MCP layouts, shared by tests/js/mcp-layouts.test.mjs (which asserts on
// it) and benches/mcp-tools.mjs (which writes docs/BENCHMARKS.md): what `tools/list` costs per
// layout, and how many tool calls five support tasks take with the task layout and with the
// compact layout. Each script is deterministic; its answer is checked against the sandbox itself
// (plain fetch, not crisp-kit), so a script that "saves" calls by answering wrong fails.
import assert from "node:assert/strict";
import { sandboxEnv, stdioClient } from "./gateway.mjs";

/** The layouts measured: flags of `crisp-kit mcp`. */
export const LAYOUTS = [
  ["tasks (default), read-only", []],
  ["tasks, --allow-writes", ["--allow-writes"]],
  ["tasks, --toolsets inbox", ["--toolsets", "inbox", "--allow-writes"]],
  ["tasks, --toolsets people", ["--toolsets", "people", "--allow-writes"]],
  ["tasks, --toolsets helpdesk", ["--toolsets", "helpdesk"]],
  ["tasks, --toolsets api", ["--toolsets", "api", "--allow-writes"]],
  ["compact, --allow-writes", ["--tools=compact", "--allow-writes"]],
  ["full, read-only", ["--tools=full"]],
  ["full, --allow-writes", ["--tools=full", "--allow-writes"]],
];

/** tools/list of each layout: the tools, and the bytes of their JSON (what a client puts in context). */
export async function measureLayouts(sandbox) {
  const rows = [];
  for (const [name, args] of LAYOUTS) {
    const client = await stdioClient(args, sandboxEnv(sandbox));
    try {
      const { tools } = await client.listTools();
      const bytes = Buffer.byteLength(JSON.stringify(tools));
      rows.push({ name, args, tools, count: tools.length, bytes, tokens: Math.round(bytes / 4) });
    } finally {
      await client.close();
    }
  }
  return rows;
}

/** The sandbox's own answer (the oracle). */
function oracle(sandbox) {
  return async (path) => {
    const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/${path}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
    });
    return (await res.json()).data;
  };
}

/** An agent: calls tools, counts them, fails loudly on a tool error. */
function agent(client) {
  const agentState = {
    calls: 0,
    async call(name, args = {}) {
      agentState.calls++;
      const r = await client.callTool({ name, arguments: args });
      const text = r.content.map((c) => c.text).join("\n");
      if (r.isError) throw new Error(`${name}: ${text}`);
      return r.structuredContent ?? JSON.parse(r.content[0].text);
    },
  };
  return agentState;
}

/**
 * The compact layout as an agent uses it: it does not know endpoint ids or their params, so it
 * searches the catalog once and describes an endpoint once before its first call.
 */
function compactAgent(a) {
  const known = new Set();
  return {
    async call(id, params, words) {
      if (!known.has(id)) {
        const found = await a.call("crisp_search_endpoints", { query: words, limit: 10 });
        assert.ok(found.endpoints.some((e) => e.id === id), `searching "${words}" finds ${id}`);
        await a.call("crisp_describe_endpoint", { id });
        known.add(id);
      }
      return a.call("crisp_call_endpoint", { id, params });
    },
  };
}

const QUESTION = "How do I get a refund? I was charged twice";
const TOPIC = "dark mode";

/** The five support tasks: a script per layout, and the check of the answer. */
export const SCRIPTS = [
  {
    name: "Triage the inbox (10 waiting conversations, with contact, last message, assignee)",
    async tasks(a) {
      const r = await a.call("crisp_inbox", { limit: 10 });
      return r.conversations.map((c) => [c.id, c.contact, c.assigned ?? null]);
    },
    async compact(a) {
      const c = compactAgent(a);
      const list = await c.call("list_conversations", { query: { per_page: 20, filter_not_resolved: true, order_date_waiting: true } }, "list conversations");
      const ops = await c.call("list_website_operators", {}, "website operators list");
      const names = new Map(ops.map((o) => [o.details.user_id, `${o.details.first_name} ${o.details.last_name}`]));
      return list.slice(0, 10).map((x) => [x.session_id, x.meta.nickname, names.get(x.assigned?.user_id) ?? null]);
    },
    async check(answer, crisp) {
      const truth = (await crisp("conversations/1?per_page=20&filter_not_resolved=1&order_date_waiting=1")).slice(0, 10);
      assert.deepEqual(answer.map((x) => x[0]), truth.map((x) => x.session_id));
      assert.deepEqual(answer.map((x) => x[1]), truth.map((x) => x.meta.nickname));
    },
  },
  {
    name: "Answer a question from the help center",
    async tasks(a) {
      const hits = await a.call("crisp_search_help_center", { query: QUESTION });
      const art = await a.call("crisp_help_article", { article_id: hits.articles[0].id });
      return { title: art.title, text: art.text, url: art.url };
    },
    async compact(a) {
      const c = compactAgent(a);
      // The agent has to guess Crisp's title search: it tries the key word.
      const list = await c.call("list_helpdesk_locale_articles", { locale: "en", query: { search_title: "refund" } }, "helpdesk locale articles");
      const art = await c.call("resolve_helpdesk_locale_article", { locale: "en", articleId: list[0].article_id }, "resolve helpdesk locale article");
      return { title: art.title, text: art.content, url: art.url };
    },
    async check(answer) {
      assert.equal(answer.title, "Requesting a refund");
      assert.match(answer.text, /^# Requesting a refund/);
      assert.match(answer.url, /^https:\/\/help\.northwind\.studio\/en\/article\/requesting-a-refund-/);
    },
  },
  {
    name: "Find a customer's history (by email: profile, plan, conversations)",
    setup: async (crisp) => (await crisp("people/profiles/1?per_page=20&search_text=acmelogistics.com"))[0].email,
    async tasks(a, email) {
      const p = await a.call("crisp_person", { email });
      return { plan: p.data.plan, subjects: p.conversations.map((c) => c.subject ?? null) };
    },
    async compact(a, email) {
      const c = compactAgent(a);
      const [p] = await c.call("list_people_profiles", { query: { search_text: email } }, "people profiles");
      const data = await c.call("get_people_data", { peopleID: p.people_id }, "get people data");
      const ids = await c.call("list_people_conversations", { peopleID: p.people_id }, "people conversations");
      const subjects = [];
      for (const id of ids.slice(0, 5)) subjects.push((await c.call("get_conversation", { sessionID: id }, "get conversation")).topic ?? null);
      return { plan: data.data.plan, subjects };
    },
    async check(answer, crisp, email) {
      const [p] = await crisp(`people/profiles/1?per_page=20&search_text=${encodeURIComponent(email)}`);
      assert.equal(answer.plan, (await crisp(`people/data/${p.people_id}`)).data.plan);
      const ids = (await crisp(`people/conversations/${p.people_id}/list/1`)).slice(0, 5);
      const subjects = [];
      for (const id of ids) subjects.push((await crisp(`conversation/${id}`)).topic ?? null);
      assert.deepEqual(answer.subjects, subjects);
      assert.ok(subjects.length > 0, "the customer has conversations");
    },
  },
  {
    name: "Resolve and tag a conversation",
    setup: async (crisp) => (await crisp("conversations/1?per_page=20&filter_not_resolved=1&order_date_waiting=1"))[0].session_id,
    async tasks(a, id) {
      await a.call("crisp_set_conversation", { conversation_id: id, state: "resolved", add_segments: ["billing"] });
      return id;
    },
    async compact(a, id) {
      const c = compactAgent(a);
      await c.call("change_conversation_state", { sessionID: id, body: { state: "resolved" } }, "change conversation state");
      // Adding a segment keeps the others: read them first.
      const metas = await c.call("get_conversation_metas", { sessionID: id }, "conversation metas");
      await c.call("update_conversation_metas", { sessionID: id, body: { segments: [...new Set([...(metas.segments ?? []), "billing"])] } }, "update conversation metas");
      return id;
    },
    async check(id, crisp) {
      const c = await crisp(`conversation/${id}`);
      assert.equal(c.state, "resolved");
      assert.ok(c.meta.segments.includes("billing"));
    },
  },
  {
    name: `Find who wrote about a topic ("${TOPIC}")`,
    async tasks(a) {
      const r = await a.call("crisp_inbox", { filter: "all", query: TOPIC, limit: 50 });
      return [...new Set(r.conversations.map((c) => c.contact))].sort();
    },
    async compact(a) {
      const c = compactAgent(a);
      const list = await c.call("list_conversations", { query: { per_page: 50, search_type: "text", search_query: TOPIC } }, "list conversations");
      return [...new Set(list.map((x) => x.meta.nickname))].sort();
    },
    async check(answer, crisp) {
      const truth = await crisp(`conversations/1?per_page=50&search_type=text&search_query=${encodeURIComponent(TOPIC)}`);
      assert.ok(truth.length > 0);
      assert.deepEqual(answer, [...new Set(truth.map((x) => x.meta.nickname))].sort());
    },
  },
];

/**
 * Runs every script with both layouts (`crisp-kit mcp --allow-writes`), the sandbox reset before
 * each run so that writes start from the same data; every answer is checked. Rows of call counts.
 */
export async function runScripts(sandbox) {
  const crisp = oracle(sandbox);
  const rows = [];
  const clients = {
    tasks: await stdioClient(["--allow-writes"], sandboxEnv(sandbox)),
    compact: await stdioClient(["--tools=compact", "--allow-writes"], sandboxEnv(sandbox)),
  };
  try {
    for (const script of SCRIPTS) {
      const row = { name: script.name };
      for (const layout of ["tasks", "compact"]) {
        await sandbox.reset();
        const input = script.setup ? await script.setup(crisp) : undefined;
        const a = agent(clients[layout]);
        const answer = await script[layout](a, input);
        await script.check(answer, crisp, input);
        row[layout] = a.calls;
      }
      rows.push(row);
    }
  } finally {
    await clients.tasks.close();
    await clients.compact.close();
    await sandbox.reset();
  }
  return rows;
}

/** The markdown tables of docs/MCP.md's "Measured" section (and docs/BENCHMARKS.md's). */
export function tables(layouts, scripts) {
  const kb = (b) => (b / 1024).toFixed(1);
  const lines = [
    "| layout | tools | `tools/list` bytes | ≈ tokens (4 characters a token) |",
    "|---|---:|---:|---:|",
    ...layouts.map((r) => `| ${r.name} | ${r.count} | ${r.bytes} (${kb(r.bytes)} KB) | ${r.tokens} |`),
    "",
    "| support task | tool calls, task layout | tool calls, compact layout |",
    "|---|---:|---:|",
    ...scripts.map((r) => `| ${r.name} | ${r.tasks} | ${r.compact} |`),
  ];
  return `${lines.join("\n")}\n`;
}
