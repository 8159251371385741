// `npm run bench`: crisp-kit in Node against its alternatives, side by side in one run, against one
// local server (the sandbox, release build, 127.0.0.1). Prints tables and writes them into
// docs/BENCHMARKS.md between the "node" markers. Every loop is bounded in count and time.
//
//   node:http       http.request with a keep-alive agent, then JSON.parse: the floor
//   raw fetch, no timeout   the global fetch with the same URL and headers, then res.json(): shown
//                   for reference only, as no client can ship without a timeout
//   raw fetch       the same with a per-request timeout, as the official client sends it
//                   (`signal: AbortSignal.timeout(30000)`): the baseline every ratio is against
//   crisp-kit       crisp.call("get_conversation", ...) with the default transport
//   crisp-api       the official client 11.3.0, website.getConversation(...)
import { execFileSync } from "node:child_process";
import http from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { root, startSandbox } from "../tests/js/support.mjs";
import { interleaved, median, quantile, writeSection } from "./support.mjs";

const require = createRequire(import.meta.url);
const { Crisp } = await import(join(root, "bindings", "js", "dist", "index.js"));
const Official = require("crisp-api").Crisp;

const QUICK = process.argv.includes("--quick");
const LEVELS = [1, 16, 64];
// Interleaved rounds, in a rotating order, so that drift and the other load on this shared machine
// hit every client alike; each figure is the median over rounds, each ratio the median of the
// ratios measured within one round.
// Many short rounds beat a few long ones here: the other load comes and goes within seconds. Per
// level, [rounds, requests per client and round]: 15,000 requests per client and level in all, in
// rounds of about 60-300 ms (one round of 1,000 at concurrency 1 took 0.3 s, and the ratio at 1
// swung by +-0.05 from run to run).
const PLAN = QUICK ? { 1: [1, 400], 16: [1, 400], 64: [1, 400] } : { 1: [75, 200], 16: [30, 500], 64: [15, 1000] };
const ROUNDS = QUICK ? 1 : 15; // for the stubbed runs
const BASE = "raw fetch";

const sandbox = await startSandbox(["--request-log", "0"]);
const first = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, { headers: authHeaders() });
const sessionID = (await first.json()).data[0].session_id;
const url = `${sandbox.url}website/${sandbox.website_id}/conversation/${sessionID}`;

function authHeaders() {
  const token = Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64");
  return { Authorization: `Basic ${token}`, "X-Crisp-Tier": "plugin" };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const target = new URL(url);
const headers = authHeaders();
const crisp = new Crisp({ ...sandbox.options, retry: { retries: 0 } });
const official = new Official();
official.authenticateTier("plugin", sandbox.identifier, sandbox.key);
official.setRestHost(sandbox.url.replace(/\/v1\/$/, ""));

const clients = {
  "node:http (floor)": () =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, agent, headers }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString()).data));
      });
      req.on("error", reject);
      req.end();
    }),
  "raw fetch, no timeout": async () => (await (await fetch(url, { headers })).json()).data,
  [BASE]: async () => (await (await fetch(url, { headers, signal: AbortSignal.timeout(30000) })).json()).data,
  "crisp-kit": () => crisp.call("get_conversation", { sessionID }),
  "crisp-api 11.3.0": () => official.website.getConversation(sandbox.website_id, sessionID),
};

// The closed loop a new user writes first: each client alone, CLOSED_MS at concurrency 16, one after
// the other. `closedLoop` runs one client; `--closed-cold` (a child process of this script) runs raw
// fetch, crisp-kit and crisp-api in that order in a fresh process, with no warm-up, and prints
// their rates.
const CLOSED_MS = QUICK ? 500 : 3000;
const CLOSED_NAMES = [BASE, "crisp-kit", "crisp-api 11.3.0"];
async function closedLoop(fn, ms, concurrency) {
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      await fn();
      n++;
    }
  }));
  return n / ((performance.now() - t0) / 1000);
}
if (process.argv.includes("--closed-cold")) {
  const rates = {};
  for (const name of CLOSED_NAMES) rates[name] = await closedLoop(clients[name], CLOSED_MS, 16);
  await sandbox.stop();
  agent.destroy();
  process.stdout.write(`${JSON.stringify(rates)}\n`);
  process.exit(0);
}

// Warm every client (connections, JIT), then measure in interleaved rounds.
for (const fn of Object.values(clients)) for (let i = 0; i < 200; i++) await fn();
const results = {};
const names = Object.keys(clients);
for (const c of LEVELS) {
  const rounds = await interleaved(clients, c, ...PLAN[c]);
  for (const name of names) {
    const of = (pick) => median(rounds.map(pick));
    // Latency percentiles over every request of every round: a round of 200 has no p99 of its own.
    const pooled = rounds.flatMap((r) => [...r[name].latencies]);
    results[`${name}@${c}`] = {
      rps: of((r) => r[name].rps),
      p50: quantile(pooled, 0.5),
      p99: quantile(pooled, 0.99),
      cpuUs: of((r) => r[name].cpuUs),
      vsBase: of((r) => r[name].rps / r[BASE].rps),
      // How much the ratio moves from round to round: its 10th and 90th percentiles.
      vsBaseSpread: [0.1, 0.9].map((q) => quantile(rounds.map((r) => r[name].rps / r[BASE].rps), q)),
      cpuOverBase: of((r) => r[name].cpuUs - r[BASE].cpuUs),
      cpuOverBare: of((r) => r[name].cpuUs - r["raw fetch, no timeout"].cpuUs),
    };
  }
}

// The same closed loop, steady: in this process, every client long warmed up by the rounds above,
// in CLOSED_REPS repetitions in a rotating order; and the cold form, in fresh processes.
const CLOSED_REPS = QUICK ? 1 : 3;
const closedWarm = [];
for (let rep = 0; rep < CLOSED_REPS; rep++) {
  const rates = {};
  for (const name of CLOSED_NAMES.map((_, i) => CLOSED_NAMES[(i + rep) % CLOSED_NAMES.length])) rates[name] = await closedLoop(clients[name], CLOSED_MS, 16);
  closedWarm.push(rates);
}
const closedCold = [];
for (let rep = 0; rep < CLOSED_REPS; rep++) {
  const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--closed-cold", ...(QUICK ? ["--quick"] : [])], { stdio: ["ignore", "pipe", "ignore"] });
  closedCold.push(JSON.parse(out.toString().trim().split("\n").pop()));
}

// The client's own work per call, without sockets: the global fetch is swapped for one that answers
// at once with the sandbox's own answer (same status, headers and body bytes), so what is left is
// each client's work around fetch (building, timeouts, reading, decoding) plus the Response
// object fetch would make. Far steadier than the loopback runs above, whose socket work is ~95%
// of each call and swings with the machine's other load.
const sample = await fetch(url, { headers });
const sampleStatus = sample.status;
const sampleHeaders = [...sample.headers];
const sampleBody = new Uint8Array(await sample.arrayBuffer());
const realFetch = globalThis.fetch;
const stubFetch = async (input, init) => {
  if (init?.signal?.aborted) throw init.signal.reason;
  return new Response(sampleBody, { status: sampleStatus, headers: sampleHeaders });
};
const STUB_LEVELS = [1, 16];
const STUB_CALLS = QUICK ? 500 : 4000;
const stubNames = names.filter((n) => n !== "node:http (floor)");
const stubbed = {};
globalThis.fetch = stubFetch;
try {
  for (const fn of stubNames.map((n) => clients[n])) for (let i = 0; i < 500; i++) await fn();
  for (const c of STUB_LEVELS) {
    const rounds = await interleaved(Object.fromEntries(stubNames.map((n) => [n, clients[n]])), c, ROUNDS, STUB_CALLS);
    for (const name of stubNames) {
      stubbed[`${name}@${c}`] = {
        cpuUs: median(rounds.map((r) => r[name].cpuUs)),
        over: median(rounds.map((r) => r[name].cpuUs - r[BASE].cpuUs)),
      };
    }
  }
} finally {
  globalThis.fetch = realFetch;
}

// The bulk job: export every conversation (list pages, then each conversation's messages) under
// a sandbox rate limit, as a user with a nightly export would.
async function bulk(kind, rate) {
  const limited = await startSandbox(["--rate-limit", `${rate}/s`, "--request-log", "0"]);
  const t0 = performance.now();
  let ok = 0;
  let failed = 0;
  let firstError = "";
  const record = (p) => p.then(() => ok++, (err) => { failed++; firstError ||= err.message ?? String(err); });
  try {
    if (kind === "crisp-kit") {
      const c = new Crisp({ ...limited.options, retry: { retries: 10, maxRetryAfterMs: 5000 } });
      const sessions = [];
      for await (const conv of c.paginate("list_conversations", { query: { per_page: 50 } })) sessions.push(conv.session_id);
      ok += Math.ceil(sessions.length / 50) + 1;
      let i = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (i < sessions.length) await record(c.call("get_messages_in_conversation", { sessionID: sessions[i++] }));
      }));
    } else {
      const c = new Official();
      c.authenticateTier("plugin", limited.identifier, limited.key);
      c.setRestHost(limited.url.replace(/\/v1\/$/, ""));
      const sessions = [];
      for (let page = 1; page < 100; page++) {
        const list = await c.website.listConversations(limited.website_id, page, { per_page: 50 }).catch((err) => { failed++; firstError ||= err.message; return null; });
        if (list === null) continue;
        ok++;
        if (list.length === 0) break;
        sessions.push(...list.map((s) => s.session_id));
      }
      let i = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (i < sessions.length) await record(c.website.getMessagesInConversation(limited.website_id, sessions[i++]));
      }));
    }
  } finally {
    await limited.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  // The bucket starts full (a burst of `rate`), then refills at `rate` per second.
  return { ok, failed, seconds, share: ok / (rate + rate * seconds), firstError };
}
const RATE = 50;
const bulkResults = { "crisp-kit": await bulk("crisp-kit", RATE), "crisp-api 11.3.0": await bulk("official", RATE) };
await sandbox.stop();

// Tables.
const f = (n, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
let md = `<!-- node:start (written by \`npm run bench\`; do not edit by hand) -->\n## crisp-kit in Node\n\n`;
md += `\`npm run bench\` (benches/node.mjs), Node ${process.version}, against the sandbox (release build) on 127.0.0.1, `;
md += `GET \`get_conversation\`, in interleaved rounds (${LEVELS.map((c, i) => `${f(PLAN[c][0])} of ${f(PLAN[c][1])}${i === 0 ? " requests per client at concurrency " : " at "}${c}`).join(", ")}); every figure is the median over the rounds (p50 and p99 over all their requests), `;
md += `and each ratio or difference the median of those measured within one round. Client and server share the machine's 2 cores (and other work), so compare ratios within a row group.\n\n`;
md += `The baseline, **raw fetch**, does what any client must do for one call: the global \`fetch\` with the same URL and headers, a per-request timeout `;
md += `(\`AbortSignal.timeout(30000)\`, as crisp-api sends it), and \`res.json()\`. The same without the timeout is shown for reference: it is what the timeout alone costs.\n\n`;
md += `| client | concurrency | requests/s | vs raw fetch | spread of vs raw fetch (p10–p90 of rounds) | p50 ms | p99 ms | client CPU µs/call | CPU µs/call above raw fetch |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n`;
for (const c of LEVELS) {
  for (const name of names) {
    const r = results[`${name}@${c}`];
    md += `| ${name} | ${c} | ${f(r.rps)} | ${f(r.vsBase, 2)}x | ${name === BASE ? "—" : `${f(r.vsBaseSpread[0], 2)}–${f(r.vsBaseSpread[1], 2)}x`} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.cpuUs, 1)} | ${name === BASE ? "—" : f(r.cpuOverBase, 1)} |\n`;
  }
}
const over = LEVELS.map((c) => results[`crisp-kit@${c}`].cpuOverBase);
const overBare = LEVELS.map((c) => results[`crisp-kit@${c}`].cpuOverBare);
md += `\nClient CPU per call above raw fetch: ${over.map((x, i) => `${f(x, 1)} µs at ${LEVELS[i]}`).join(", ")} `;
md += `(above raw fetch with no timeout at all: ${overBare.map((x, i) => `${f(x, 1)} µs at ${LEVELS[i]}`).join(", ")}).\n\n`;
md += `The client's own work per call, without sockets: the same calls with the global \`fetch\` swapped for one that answers at once with the sandbox's own answer `;
md += `(same status, headers and ${f(sampleBody.length)} body bytes), so each figure is the client's work around fetch plus the Response object fetch makes. `;
md += `${f(STUB_CALLS)} calls per client per level in each of ${ROUNDS} interleaved rounds, medians as above. Far steadier than the loopback rows, where sockets are most of each call's CPU.\n\n`;
md += `| client, transport stubbed | ${STUB_LEVELS.map((c) => `CPU µs/call at ${c}`).join(" | ")} | ${STUB_LEVELS.map((c) => `above raw fetch at ${c}`).join(" | ")} |\n`;
md += `|---|${STUB_LEVELS.map(() => "---:|").join("")}${STUB_LEVELS.map(() => "---:|").join("")}\n`;
for (const name of stubNames) {
  md += `| ${name} | ${STUB_LEVELS.map((c) => f(stubbed[`${name}@${c}`].cpuUs, 1)).join(" | ")} | ${STUB_LEVELS.map((c) => (name === BASE ? "—" : f(stubbed[`${name}@${c}`].over, 1))).join(" | ")} |\n`;
}
md += `\n`;
md += `Throughput as a new user first measures it: a plain closed loop, each client alone for ${CLOSED_MS / 1000} s at concurrency 16, one after the other. `;
md += `**Cold**: a fresh process each time, no warm-up, raw fetch first (each repetition a new process). **Warm**: in this process after the rounds above, in a rotating order. `;
md += `Each cell is requests/s and the ratio to raw fetch in the same repetition.\n\n`;
md += `| closed loop, concurrency 16 | ${CLOSED_NAMES.map((n) => n).join(" | ")} |\n|---|${CLOSED_NAMES.map(() => "---:|").join("")}\n`;
for (const [label, reps] of [["cold", closedCold], ["warm", closedWarm]]) {
  reps.forEach((r, i) => {
    md += `| ${label}, repetition ${i + 1} | ${CLOSED_NAMES.map((n) => `${f(r[n])} (${f(r[n] / r[BASE], 2)}x)`).join(" | ")} |\n`;
  });
}
md += `\nWhy the two methods differ: a client's first few thousand calls cost two to four times its steady CPU per call (V8 compiling its code and undici's, `;
md += `the connection pool filling), and a ${CLOSED_MS / 1000}-second slot at this rate holds ten thousand calls or so, so a cold closed loop measures warm-up and whichever ran before it as much as the client; `;
md += `the machine's other load also moves from one slot to the next. Interleaved rounds (the table above, whose spread column is the 10th to 90th percentile of the per-round ratios) give every client the same warm-up and the same drift.\n\n`;
md += `Cold start (a new process: load, construct, first call), beside raw fetch's own, on both backends, and installed size: the next section.\n`;
md += `\nBulk export under \`--rate-limit ${RATE}/s\` (list every conversation, then each one's messages; 8 workers). The share counts successful calls against what the token bucket allows in that time (its burst of ${RATE} plus ${RATE}/s):\n\n`;
md += `| client | calls ok | calls failed | seconds | share of the allowed rate |\n|---|---:|---:|---:|---:|\n`;
for (const [k, v] of Object.entries(bulkResults)) md += `| ${k} | ${f(v.ok)} | ${f(v.failed)} | ${f(v.seconds, 1)} | ${f(v.share * 100, 0)}% |\n`;
if (bulkResults["crisp-api 11.3.0"].failed) md += `\nThe official client does not retry 429: its failures read \`${bulkResults["crisp-api 11.3.0"].firstError}\`.\n`;
md += `<!-- node:end -->\n`;

process.stdout.write(md);
if (!QUICK) writeSection("node", md);
agent.destroy();
