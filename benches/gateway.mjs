// `npm run bench` (part): what `crisp-kit serve` costs per call, against calling crisp-kit directly,
// in one run against one local sandbox (release build, 127.0.0.1). Prints a table and writes it
// into docs/BENCHMARKS.md between the "gateway" markers. Every loop is bounded in count.
//
//   crisp-kit direct   crisp.call("get_conversation", ...) in this process: the baseline
//   gateway REST       POST /api/crisp/get/conversation to `crisp-kit serve` (a bearer key), which
//                      makes the same crisp.call; fetch with keep-alive
//   gateway MCP        tools/call crisp_call_endpoint through the MCP SDK's streamable HTTP client
//                      (stateless: one JSON-RPC POST per call)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

import { root, startSandbox } from "../tests/js/support.mjs";
import { interleaved, median, quantile, writeSection } from "./support.mjs";

const { Crisp } = await import(join(root, "bindings", "js", "dist", "index.js"));
const QUICK = process.argv.includes("--quick");
const LEVELS = [16, 64];
// Per level: [rounds, requests per client and round], interleaved in a rotating order.
const PLAN = QUICK ? { 16: [1, 300], 64: [1, 300] } : { 16: [8, 500], 64: [5, 800] };
const BASE = "crisp-kit direct";

const loadAtStart = loadavg()[0];
const sandbox = await startSandbox(["--request-log", "0"]);
const first = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
  headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
});
const sessionID = (await first.json()).data[0].session_id;

// The gateway: no keys file (one run key), and queues wide enough that no call waits for a turn:
// what is measured is the gateway's own work, not its limits.
const child = spawn(process.execPath, [join(root, "bindings/js/dist/cli.js"), "serve", "--port", "0", "--concurrency", "128", "--key-concurrency", "128"], {
  env: { PATH: process.env.PATH, CRISP_BASE_URL: sandbox.url, CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key, CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sandbox.website_id },
  stdio: ["ignore", "pipe", "inherit"],
});
const gw = JSON.parse(await new Promise((resolve) => createInterface({ input: child.stdout }).once("line", resolve)));
const auth = { authorization: `Bearer ${gw.key}`, "content-type": "application/json" };
const restUrl = `${gw.url}api/crisp/get/conversation`;
const restBody = JSON.stringify({ sessionID });

const crisp = new Crisp({ ...sandbox.options, retry: { retries: 0 } });
const mcp = new Client({ name: "bench", version: "0.0.0" });
await mcp.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}mcp`), { requestInit: { headers: auth } }));

const clients = {
  [BASE]: () => crisp.call("get_conversation", { sessionID }),
  "gateway REST": async () => {
    const res = await fetch(restUrl, { method: "POST", headers: auth, body: restBody });
    const body = await res.json();
    if (!body.ok) throw new Error(JSON.stringify(body));
    return body.data;
  },
  "gateway MCP": async () => {
    const r = await mcp.callTool({ name: "crisp_call_endpoint", arguments: { id: "get_conversation", params: { sessionID } } });
    if (r.isError) throw new Error(r.content[0].text);
    return r;
  },
};

/** The gateway process' CPU time so far, in µs (Linux /proc; clock ticks of 10 ms). */
function gatewayCpuUs() {
  const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

for (const fn of Object.values(clients)) for (let i = 0; i < 300; i++) await fn();
const names = Object.keys(clients);
const results = {};
for (const c of LEVELS) {
  const rounds = await interleaved(clients, c, ...PLAN[c], gatewayCpuUs);
  for (const name of names) {
    const pooled = (n) => rounds.flatMap((r) => [...r[n].latencies]);
    const mine = pooled(name);
    const base = pooled(BASE);
    const pct = quantile;
    results[`${name}@${c}`] = {
      rps: median(rounds.map((r) => r[name].rps)),
      vsBase: median(rounds.map((r) => r[name].rps / r[BASE].rps)),
      p50: pct(mine, 0.5),
      p99: pct(mine, 0.99),
      p50Over: pct(mine, 0.5) - pct(base, 0.5),
      p99Over: pct(mine, 0.99) - pct(base, 0.99),
      gatewayCpuUs: median(rounds.map((r) => r[name].probeUs)),
      callerCpuUs: median(rounds.map((r) => r[name].cpuUs)),
    };
  }
}
await mcp.close();
await new Promise((resolve) => {
  child.once("exit", resolve);
  process.kill(child.pid, "SIGTERM");
});
await sandbox.stop();

const f = (n, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
let md = `<!-- gateway:start (written by \`npm run bench\`, benches/gateway.mjs; do not edit by hand) -->\n## crisp-kit serve (the gateway)\n\n`;
md += `benches/gateway.mjs, Node ${process.version}: the same \`get_conversation\` call made by crisp-kit in the benchmark's own process (the baseline), `;
md += `through \`crisp-kit serve\` as a seed-shaped REST POST (fetch, keep-alive, a bearer key), and as an MCP \`tools/call\` through the SDK's streamable HTTP client; `;
md += `all against one sandbox (release build) on 127.0.0.1, in interleaved rounds (${LEVELS.map((c) => `${PLAN[c][0]} of ${PLAN[c][1]} requests per client at concurrency ${c}`).join(", ")}). `;
md += `The gateway ran with queues wide enough that no call waited for a turn (\`--concurrency 128 --key-concurrency 128\`, no \`--rate\`): this is its own cost, not its limits. `;
md += `p50 and p99 are over every request of the rounds; "above direct" is the difference from the baseline's percentile; the gateway's CPU is its process' user+system time per call `;
md += `(/proc, 10 ms ticks), the caller's is the benchmark process'. Three processes (benchmark, gateway, sandbox) share the machine's 2 cores; `;
md += `the load average was ${f(loadAtStart, 1)} when the run began. The gateway's CPU per call is its steadiest figure: each call through it is served once (node:http, JSON in and out) `;
md += `and made once more by crisp-kit, so it costs about what a crisp-kit call costs its caller, plus the server's share; on a busy machine the wall-clock figures mostly measure how soon a third process gets a core.\n\n`;
md += `| path | concurrency | requests/s | vs direct | p50 ms | p99 ms | p50 above direct | p99 above direct | gateway CPU µs/call | caller CPU µs/call |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n`;
for (const c of LEVELS) {
  for (const name of names) {
    const r = results[`${name}@${c}`];
    const isBase = name === BASE;
    md += `| ${name} | ${c} | ${f(r.rps)} | ${f(r.vsBase, 2)}x | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${isBase ? "—" : f(r.p50Over, 2)} | ${isBase ? "—" : f(r.p99Over, 2)} | ${isBase ? "—" : f(r.gatewayCpuUs, 0)} | ${f(r.callerCpuUs, 0)} |\n`;
  }
}
md += `<!-- gateway:end -->\n`;
process.stdout.write(md);
if (!QUICK) writeSection("gateway", md);
