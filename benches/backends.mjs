// `npm run bench`, part two: crisp-kit's two Node backends side by side in one run, the napi addon
// and the wasm core (what Node falls back to where no prebuilt addon exists, e.g. Windows until a
// release builds it), beside raw fetch and crisp-api. Prints tables and writes them into
// docs/BENCHMARKS.md between the "backends" markers. Every loop is bounded in count and time.
//
//   client CPU per call   the global fetch stubbed to answer at once with the sandbox's own answer,
//                         so what is measured is each client's own work around fetch
//   cold start            a new process: load the package, construct, one call to the sandbox
//   installed size        crisp-kit + the one platform package npm installs here, as `npm run pack`
//                         writes them, against crisp-api with every dependency it pulls in
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

import { root, startSandbox } from "../tests/js/support.mjs";
import { median, writeSection } from "./support.mjs";

const QUICK = process.argv.includes("--quick");
const require = createRequire(import.meta.url);
const Official = require("crisp-api").Crisp;
const entry = join(root, "bindings", "js", "dist", "index.js");

// Both backends in one process, each through the package's own loader: a second instance of the
// entry module (another URL) reads CRISP_KIT_BACKEND=wasm when it loads.
process.env.CRISP_KIT_BACKEND = "native";
const native = await import(pathToFileURL(entry).href);
process.env.CRISP_KIT_BACKEND = "wasm";
const wasm = await import(`${pathToFileURL(entry).href}?backend=wasm`);
delete process.env.CRISP_KIT_BACKEND;
if (native.Crisp.backend !== "native" || wasm.Crisp.backend !== "wasm") throw new Error("the loader did not give both backends");

const sandbox = await startSandbox(["--request-log", "0"]);
const auth = { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" };
const sessionID = (await (await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, { headers: auth })).json()).data[0].session_id;
const url = `${sandbox.url}website/${sandbox.website_id}/conversation/${sessionID}`;

// --- Client CPU per call, transport stubbed ---------------------------------------------------
const sample = await fetch(url, { headers: auth });
const answer = { status: sample.status, headers: [...sample.headers], body: new Uint8Array(await sample.arrayBuffer()) };
const stubFetch = async (_input, init) => {
  if (init?.signal?.aborted) throw init.signal.reason;
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
};
const official = new Official();
official.authenticateTier("plugin", sandbox.identifier, sandbox.key);
official.setRestHost(sandbox.url.replace(/\/v1\/$/, ""));
const options = { ...sandbox.options, retry: { retries: 0 } };
const kitNative = new native.Crisp(options);
const kitWasm = new wasm.Crisp(options);
const BASE = "raw fetch";
const clients = {
  [BASE]: async () => (await (await fetch(url, { headers: auth, signal: AbortSignal.timeout(30000) })).json()).data,
  "crisp-kit, native (napi)": () => kitNative.call("get_conversation", { sessionID }),
  "crisp-kit, wasm": () => kitWasm.call("get_conversation", { sessionID }),
  "crisp-api 11.3.0": () => official.website.getConversation(sandbox.website_id, sessionID),
};
const names = Object.keys(clients);

async function cpuPerCall(fn, concurrency, total) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await fn();
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / total;
}

const LEVELS = [1, 16];
const ROUNDS = QUICK ? 2 : 15;
const CALLS = QUICK ? 500 : 4000;
const stubbed = {};
const realFetch = globalThis.fetch;
globalThis.fetch = stubFetch;
try {
  for (const fn of Object.values(clients)) for (let i = 0; i < 1000; i++) await fn(); // JIT, caches
  for (const c of LEVELS) {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, in a rotating order, so that the machine's other load hits every client alike.
      const measured = {};
      for (const name of names.map((_, i) => names[(i + round) % names.length])) measured[name] = await cpuPerCall(clients[name], c, CALLS);
      rounds.push(measured);
    }
    for (const name of names) {
      stubbed[`${name}@${c}`] = {
        cpuUs: median(rounds.map((r) => r[name])),
        over: median(rounds.map((r) => r[name] - r[BASE])),
        ratio: median(rounds.map((r) => r[name] / r[BASE])),
      };
    }
  }
} finally {
  globalThis.fetch = realFetch;
}

// --- Cold start ------------------------------------------------------------------------------
// Interleaved: each round starts every variant once, in a rotating order, so that the machine's
// other load (it comes and goes within seconds here) hits them alike; medians over the rounds.
const e = "process.env";
const kitCold = `const {Crisp}=await import(${JSON.stringify(pathToFileURL(entry).href)});const c=new Crisp({identifier:${e}.ID_,key:${e}.KEY_,tier:"plugin",baseUrl:${e}.HOST_+"/v1/"});await c.call("get_conversation",{websiteID:${e}.WID,sessionID:${e}.SID});`;
const coldVariants = {
  "node (baseline: empty script)": ["0", {}],
  // The same first call with nothing but the global fetch: what any client's cold start includes
  // (Node loads undici on the first fetch), and the figure crisp-kit's goal is measured against.
  "raw fetch": [
    `const r=await fetch(${e}.HOST_+"/v1/website/"+${e}.WID+"/conversation/"+${e}.SID,{headers:{authorization:"Basic "+btoa(${e}.ID_+":"+${e}.KEY_),"x-crisp-tier":"plugin"}});await r.json();`,
    {},
  ],
  "crisp-kit, native (napi)": [kitCold, { CRISP_KIT_BACKEND: "native" }],
  "crisp-kit, wasm": [kitCold, { CRISP_KIT_BACKEND: "wasm" }],
  "crisp-api 11.3.0": [
    `const {createRequire}=await import("node:module");const C=createRequire(${JSON.stringify(join(root, "package.json"))})("crisp-api").Crisp;const c=new C();c.authenticateTier("plugin",${e}.ID_,${e}.KEY_);c.setRestHost(${e}.HOST_);await c.website.getConversation(${e}.WID,${e}.SID);`,
    {},
  ],
};
const COLD_ROUNDS = QUICK ? 3 : 15;
const coldTimes = Object.fromEntries(Object.keys(coldVariants).map((k) => [k, []]));
const coldNames = Object.keys(coldVariants);
for (let round = 0; round < COLD_ROUNDS; round++) {
  for (const name of coldNames.map((_, i) => coldNames[(i + round) % coldNames.length])) {
    const [code, env] = coldVariants[name];
    const t0 = performance.now();
    execFileSync(process.execPath, ["--input-type=module", "-e", code], {
      env: { ...process.env, ...env, ID_: sandbox.identifier, KEY_: sandbox.key, HOST_: sandbox.url.replace(/\/v1\/$/, ""), SID: sessionID, WID: sandbox.website_id },
      stdio: "ignore",
    });
    coldTimes[name].push(performance.now() - t0);
  }
}
const cold = Object.fromEntries(Object.entries(coldTimes).map(([k, v]) => [k, median(v)]));
await sandbox.stop();

// --- Installed size --------------------------------------------------------------------------
// crisp-kit: the files of its tarball and of the platform package npm installs on this machine
// (linux-x64-gnu), as `npm run pack` writes them; socket.io-client (an optional peer, for events)
// apart. crisp-api: its installed folder plus every
// package its dependencies pull in, transitively, once each. File bytes summed alike for both.
const packDir = mkdtempSync(join(tmpdir(), "crisp-kit-bench-pack-"));
const tarballs = execFileSync(process.execPath, [join(root, "bindings", "js", "pack.mjs"), "--out", packDir], { encoding: "utf8" }).trim().split("\n");
/** Name to the bytes of the files in a tarball (`tar -tvzf`), by part. */
function tarballFiles(tgz) {
  return execFileSync("tar", ["-tvzf", tgz], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map((cols) => ({ path: cols[cols.length - 1].replace(/^package\//, ""), size: Number(cols[2]) }));
}
const mainFiles = tarballFiles(tarballs.find((t) => t.endsWith("/crisp-kit-0.1.0.tgz")));
const platformFiles = tarballFiles(tarballs.find((t) => t.includes("crisp-kit-linux-x64-gnu")));
rmSync(packDir, { recursive: true, force: true });
const sum = (files, test = () => true) => files.filter((f) => test(f.path)).reduce((a, f) => a + f.size, 0);
function fileBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") total += fileBytes(path);
    } else total += statSync(path).size;
  }
  return total;
}
function installedTree(dir, seen = new Map()) {
  if (seen.has(dir)) return seen;
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  seen.set(dir, `${pkg.name}@${pkg.version}`);
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    for (let d = dir; ; d = dirname(d)) {
      const candidate = join(d, "node_modules", name);
      if (existsSync(join(candidate, "package.json"))) {
        installedTree(candidate, seen);
        break;
      }
      if (d === dirname(d)) throw new Error(`${pkg.name} needs ${name}, which is not installed`);
    }
  }
  return seen;
}
const officialTree = installedTree(join(root, "node_modules", "crisp-api"));
const officialBytes = [...officialTree.keys()].reduce((a, dir) => a + fileBytes(dir), 0);
// socket.io-client, the optional peer dependency that `crisp.events()` needs in Node (`npm install
// socket.io-client`; crisp-kit itself has no dependency), counted as crisp-api's dependencies are.
const kitManifest = JSON.parse(readFileSync(join(root, "bindings", "js", "package.json"), "utf8"));
if (Object.keys(kitManifest.dependencies ?? {}).length) throw new Error("crisp-kit has dependencies again: count them in the first row");
const peerTree = new Map();
for (let d = join(root, "bindings", "js"); ; d = dirname(d)) {
  const candidate = join(d, "node_modules", "socket.io-client");
  if (existsSync(join(candidate, "package.json"))) {
    installedTree(candidate, peerTree);
    break;
  }
  if (d === dirname(d)) throw new Error("socket.io-client is not installed (npm ci)");
}
const peerBytes = [...peerTree.keys()].reduce((a, dir) => a + fileBytes(dir), 0);
const kitBytes = sum(mainFiles) + sum(platformFiles);
const size = {
  "crisp-kit + crisp-kit-linux-x64-gnu (what `npm install crisp-kit` installs here)": kitBytes,
  "&nbsp;&nbsp;the addon (crisp-kit.linux-x64-gnu.node)": sum(platformFiles, (p) => p.endsWith(".node")),
  "&nbsp;&nbsp;the wasm cores (dist/*.wasm, REST and real-time: the fallback, and the browser's)": sum(mainFiles, (p) => p.endsWith(".wasm")),
  "&nbsp;&nbsp;JavaScript (dist/*.js, *.cjs)": sum(mainFiles, (p) => /\.c?js$/.test(p)),
  "&nbsp;&nbsp;type declarations (ESM and CJS)": sum(mainFiles, (p) => p.endsWith(".d.ts")),
  "&nbsp;&nbsp;README, LICENSE, package.json (both packages)": sum(mainFiles, (p) => !/\.(wasm|c?js|d\.ts)$/.test(p)) + sum(platformFiles, (p) => !p.endsWith(".node")),
  "crisp-kit, no addon (where none exists: runs on wasm)": sum(mainFiles),
  [`socket.io-client and its ${peerTree.size - 1} dependencies (the optional peer \`crisp.events()\` needs in Node)`]: peerBytes,
  "crisp-kit + crisp-kit-linux-x64-gnu + socket.io-client (a bot that uses `crisp.events()`)": kitBytes + peerBytes,
  [`crisp-api 11.3.0 with its ${officialTree.size - 1} dependencies`]: officialBytes,
};

// --- Tables ----------------------------------------------------------------------------------
const f = (n, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
let md = "<!-- backends:start (written by `npm run bench`, benches/backends.mjs; do not edit by hand) -->\n";
md += "## The two Node backends: napi addon and wasm core\n\n";
md += `\`npm run bench\` (benches/backends.mjs), Node ${process.version}, both backends loaded in one process through the package's own loader. `;
md += "The wasm core is what Node runs where no prebuilt addon exists (and with `CRISP_KIT_BACKEND=wasm`): the same .wasm the browser loads.\n\n";
md += `Client CPU per call with the global \`fetch\` stubbed to answer at once with the sandbox's own \`get_conversation\` answer (${f(answer.body.length)} bytes), `;
md += `so each figure is the client's own work around fetch; ${f(CALLS)} calls per client and level in each of ${ROUNDS} interleaved rounds, medians of the rounds `;
md += "(each difference and ratio the median of those within one round).\n\n";
md += `| client, transport stubbed | ${LEVELS.map((c) => `CPU µs/call at ${c}`).join(" | ")} | ${LEVELS.map((c) => `vs raw fetch at ${c}`).join(" | ")} | ${LEVELS.map((c) => `µs above raw fetch at ${c}`).join(" | ")} |\n`;
md += `|---|${LEVELS.map(() => "---:|").join("").repeat(3)}\n`;
for (const name of names) {
  const at = (c) => stubbed[`${name}@${c}`];
  md += `| ${name} | ${LEVELS.map((c) => f(at(c).cpuUs, 1)).join(" | ")} | ${LEVELS.map((c) => (name === BASE ? "1.00x" : `${f(at(c).ratio, 2)}x`)).join(" | ")} | ${LEVELS.map((c) => (name === BASE ? "—" : f(at(c).over, 1))).join(" | ")} |\n`;
}
md += `\n| cold start (new process: load, construct, first call to the sandbox; median of ${COLD_ROUNDS} interleaved rounds) | ms | ms above raw fetch | vs crisp-api |\n|---|---:|---:|---:|\n`;
for (const [k, v] of Object.entries(cold)) {
  const above = k.startsWith("node ") || k === "raw fetch" ? "—" : f(v - cold["raw fetch"], 1);
  md += `| ${k} | ${f(v, 1)} | ${above} | ${f(v / cold["crisp-api 11.3.0"], 2)}x |\n`;
}
md += `\nThe goal: a new process that loads crisp-kit and makes its first call within 15 ms of the same call with raw fetch, on both backends. \`import { Crisp } from "crisp-kit"\` loads the client alone (dist/index.js: the client, its errors, the backend loader, the events module; no CLI, MCP, gateway or schema tables).\n`;
md += "\nInstalled size: the bytes of the files on disk after `npm install`, summed alike for both (no directory blocks). ";
md += "crisp-kit counts its tarball and the one platform package npm picks on this machine, as `npm run pack` writes them (it has no dependencies; socket.io-client, the optional peer dependency `crisp.events()` needs in Node, is counted apart, with what it pulls in); ";
md += "crisp-api counts its folder and every package its `dependencies` pull in, once each.\n\n";
const officialKey = Object.keys(size).at(-1);
md += "| installed size | bytes | vs crisp-api |\n|---|---:|---:|\n";
for (const [k, v] of Object.entries(size)) md += `| ${k} | ${f(v)} | ${f(v / size[officialKey], 2)}x |\n`;
md += "<!-- backends:end -->\n";

process.stdout.write(md);
if (!QUICK) writeSection("backends", md, "browser");
