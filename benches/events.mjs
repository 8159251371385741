// Real-time events, measured: the latency from `POST /_sandbox/simulate/visitor-message` (the
// moment the visitor's message is sent) to the `message:send` handler, for crisp-kit's
// `crisp.events()` and for crisp-api 11.3.0's `on()`, both subscribed to the same sandbox in the
// same run; and the size of what a browser downloads for events. Writes its section of
// docs/BENCHMARKS.md between the "events" markers. Bounded: ROUNDS messages, each waited at most
// 5 s. `node benches/events.mjs [--quick]` (quick: fewer rounds, no file written).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

import { root, startSandbox } from "../tests/js/support.mjs";
import { quantile, writeSection } from "./support.mjs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 30 : 300;
const WARMUP = 10;

const kit = await import(join(root, "bindings", "js", "dist", "index.js"));
const { Crisp: OfficialCrisp } = createRequire(join(root, "package.json"))("crisp-api");

const sb = await startSandbox(["--seed", "11"]);
const control = sb.url.replace(/\/v1\/$/, "/_sandbox/");
const post = (path, body) => fetch(`${control}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());

const crisp = new kit.Crisp({ identifier: sb.identifier, key: sb.key, tier: "plugin", websiteId: sb.website_id, baseUrl: sb.url });
const session = (await crisp.call("list_conversations", { pageNumber: 1 }))[0].session_id;

// Each client records when it saw each message (by its content).
const seen = { kit: new Map(), official: new Map() };
const sub = await crisp.events({ events: ["message:send"] });
sub.on("message:send", (d) => seen.kit.set(d.content, performance.now()));
await sub.ready;

const official = new OfficialCrisp();
official.setRestHost(sb.url.replace(/\/v1\/$/, ""));
official.authenticateTier("plugin", sb.identifier, sb.key);
official.on("message:send", (d) => seen.official.set(d.content, performance.now()));
for (let i = 0; i < 200; i++) {
  const s = await fetch(`${control}sockets`).then((r) => r.json());
  if (s.data.authenticated >= 2) break;
  await new Promise((r) => setTimeout(r, 25));
}

const lat = { kit: [], official: [] };
for (let i = 0; i < WARMUP + ROUNDS; i++) {
  const content = `bench ${i}`;
  const t0 = performance.now();
  await post("simulate/visitor-message", { session_id: session, content });
  const deadline = Date.now() + 5000;
  while ((!seen.kit.has(content) || !seen.official.has(content)) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  if (i < WARMUP) continue;
  for (const who of ["kit", "official"]) {
    const t = seen[who].get(content);
    if (t === undefined) throw new Error(`${who} did not receive message ${i} within 5 s`);
    lat[who].push(t - t0);
  }
}
sub.close();
official._socket?.disconnect();
await sb.stop();

const row = (name, xs) => ({ name, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), max: Math.max(...xs) });
const rows = [row("crisp-kit `crisp.events()` (napi core, socket.io-client 4.8)", lat.kit), row("crisp-api 11.3.0 `on()` (socket.io-client 4.8)", lat.official)];

// What a browser downloads for events: the events module and the socket.io-client chunk (the
// helper chunk they share), as published and minified by an app's bundler, and the real-time
// wasm module (crisp_kit_rtm_bg.wasm) that the events module loads.
const dist = join(root, "bindings", "js", "dist");
const files = readdirSync(dist).filter((f) => f === "web-events.js" || f.startsWith("web-chunk-"));
const gz = (b) => gzipSync(b, { level: 9 }).length;
let raw = 0;
let gzAsIs = 0;
let gzMin = 0;
for (const f of files) {
  const text = readFileSync(join(dist, f));
  raw += text.length;
  gzAsIs += gz(text);
  const min = await build({ stdin: { contents: text.toString(), loader: "js" }, minify: true, write: false, format: "esm", logLevel: "silent" });
  gzMin += gz(min.outputFiles[0].contents);
}
const rtmWasm = readFileSync(join(dist, "crisp_kit_rtm_bg.wasm"));
const kb = (n) => (n / 1024).toFixed(1);
const ms = (n) => n.toFixed(2);
const f0 = (n) => n.toLocaleString("en-US");

let md = `<!-- events:start (written by \`node benches/events.mjs\`; do not edit by hand) -->\n## Real-time events\n\n`;
md += `\`node benches/events.mjs\`, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), the sandbox (release build) on 127.0.0.1. `;
md += `Both clients are subscribed to \`message:send\` on the same sandbox at once; each of ${ROUNDS} rounds (after ${WARMUP} warm-up) times one \`POST /_sandbox/simulate/visitor-message\` `;
md += `from just before the request to each client's handler (the sandbox stores the message, answers, and emits on the socket; the POST's own round trip is inside the time).\n\n`;
md += `| simulate call -> handler | p50 ms | p95 ms | max ms | p50 vs crisp-api |\n|---|---:|---:|---:|---:|\n`;
for (const r of rows) md += `| ${r.name} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.max)} | ${(r.p50 / rows[1].p50).toFixed(2)}x |\n`;
md += `\nBoth receive through socket.io-client over a websocket; crisp-core is not on this path (it decides the authentication message and the reconnect delays). Timings on this shared 2-core machine vary from run to run.\n\n`;
md += `| what \`crisp.events()\` downloads in a browser | raw KB | gzip KB |\n|---|---:|---:|\n`;
md += `| JS: web-events.js and its chunks (${files.length} files, socket.io-client bundled), as published | ${kb(raw)} | ${kb(gzAsIs)} |\n`;
md += `| JS minified (as an app bundles it) | - | ${kb(gzMin)} |\n`;
md += `| crisp_kit_rtm_bg.wasm (crisp_core::rtm: catalog, subscription, authentication, reconnect delays, hook checks) | ${kb(rtmWasm.length)} | ${kb(gz(rtmWasm))} |\n`;
md += `| **the events chunk in an app: minified JS + real-time wasm** | - | ${kb(gzMin + gz(rtmWasm))} |\n`;
md += `\nA REST-only page downloads none of it: tests/browser checks that a page that only called REST fetched web.js and crisp_kit_wasm_bg.wasm and nothing else, and that \`crisp.events()\` then fetches web-events.js and crisp_kit_rtm_bg.wasm once each. `;
md += `The real-time wasm is a module of its own so that the REST one stays as it was before real time (${f0(gz(readFileSync(join(dist, "crisp_kit_wasm_bg.wasm"))))} bytes gzipped); `;
md += `for the socket's \`authentication\` message it reads no configuration: it is given the account's tier and token from the REST client's own header set (\`transport()\`), as the core resolved them.\n`;
md += `<!-- events:end -->\n`;

process.stdout.write(md);
if (!QUICK) writeSection("events", md);
process.exit(0);
