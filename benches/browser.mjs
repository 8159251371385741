// `npm run bench` (after the Node bench): the browser build in headless Chromium, beside raw fetch
// and the official crisp-api 11.3.0 bundled for the browser. Prints tables and writes them into
// docs/BENCHMARKS.md between the "browser" markers (the Node section is left alone).
//
//   size          dist/crisp_kit_wasm_bg.wasm + dist/web.js, raw and gzipped, and what takes the
//                 bytes (wasm sections; twiggy on the wasm-bindgen output when twiggy is installed)
//   instantiate   `await init()` in fresh pages: cold (a new browser context each: empty HTTP and
//                 code caches) and warm (a new page in a context that loaded it before)
//   per call      crisp.call("get_conversation") against raw fetch + res.json() with the same URL
//                 and headers, to the sandbox on 127.0.0.1 (another origin: real CORS), same page,
//                 interleaved rounds; and the same with a stub fetch, to isolate crisp-kit's own cost
//
// `--quick` runs fewer samples and prints without writing the docs. Every loop is bounded.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { homedir, tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { root, startSandbox } from "../tests/js/support.mjs";
import { median, writeSection } from "./support.mjs";

const QUICK = process.argv.includes("--quick");
const COLD_PAGES = QUICK ? 5 : 15;
const WARM_PAGES = QUICK ? 5 : 15;
// Per call: short blocks of calls, each client in turn (the order rotating), so that the drift of
// this shared machine, which moves over seconds, hits every client alike within a block.
const ROUNDS = QUICK ? 10 : 300; // blocks per client
const PER_ROUND = 10; // calls per client per block
const STUB_CALLS = QUICK ? 2000 : 10000;

const dist = join(root, "bindings", "js", "dist");
const wasmFile = join(dist, "crisp_kit_wasm_bg.wasm");
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const work = mkdtempSync(join(tmpdir(), "crisp-kit-bench-"));

// --- Bundles: what an app ships. esbuild, minified, for the browser. -----------------------------
async function bundle(name, contents, plugins = [], banner = "") {
  const outfile = join(work, `${name}.js`);
  await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022",
    outfile, logLevel: "error", plugins, banner: { js: banner },
  });
  return outfile;
}
// The events module (web-events.js, with socket.io-client) is imported on `crisp.events()` only;
// a bundler that splits loads it then, so it is not part of what a REST-only app ships. (esbuild
// inlines dynamic imports unless told to split: kept external here.)
const eventsApart = { name: "events-apart", setup: (b) => b.onResolve({ filter: /web-events\.js$/ }, (a) => ({ path: a.path, external: true })) };
const kitBundle = await bundle("crisp-kit", `export { Crisp, init } from ${JSON.stringify(join(dist, "web.js"))};`, [eventsApart]);
// crisp-api requires Node's `url` (for `URL`) and `crypto` (only for `verifyHook`), and uses the
// global `Buffer` once (base64 of the token): the browser has `URL`; `crypto` has no browser
// equivalent with a synchronous HMAC, so it is stubbed (crisp-api's hook verification throws in
// this bundle); `Buffer.from(s).toString("base64")` is `btoa(s)`. With those the REST calls work.
const nodeShims = {
  name: "node-shims",
  setup(b) {
    b.onResolve({ filter: /^(url|crypto)$/ }, (a) => ({ path: a.path, namespace: "shim" }));
    b.onLoad({ filter: /.*/, namespace: "shim" }, (a) => ({
      contents: a.path === "url"
        ? "export const URL = globalThis.URL; export default { URL: globalThis.URL };"
        : "export default { createHmac() { throw new Error('crypto.createHmac: not in browsers'); } };",
      loader: "js",
    }));
  },
};
let officialBundle = null;
let officialWhy = "";
try {
  officialBundle = await bundle("crisp-api", `import { Crisp } from "crisp-api"; export { Crisp };`, [nodeShims],
    "var Buffer={from:(s)=>({toString:()=>btoa(s)})};");
} catch (e) {
  officialWhy = String(e.message ?? e).split("\n")[0];
}

// --- Sizes and what takes the bytes. ----------------------------------------------------------
const wasm = readFileSync(wasmFile);
const webJs = readFileSync(join(dist, "web.js"));
const kitJs = readFileSync(kitBundle);
const sizes = [
  ["crisp_kit_wasm_bg.wasm", wasm.length, gz(wasm)],
  ["web.js (glue + façade, as published)", webJs.length, gz(webJs)],
  ["web.js minified (as an app bundles it)", kitJs.length, gz(kitJs)],
  ["**crisp-kit in an app: wasm + minified JS**", wasm.length + kitJs.length, gz(wasm) + gz(kitJs)],
];
if (officialBundle) {
  const o = readFileSync(officialBundle);
  sizes.push(["crisp-api 11.3.0, esbuild for the browser, minified", o.length, gz(o)]);
}

/** The wasm's sections, and each data segment, with what each adds to the gzipped file. */
function sections(buf) {
  let p = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let b;
    do {
      b = buf[p++];
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return r;
  };
  const names = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count"];
  const out = [];
  const segments = [];
  while (p < buf.length) {
    const id = buf[p++];
    const size = leb();
    const start = p;
    out.push({ name: names[id] ?? `section ${id}`, start, size });
    if (id === 11) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const flag = leb();
        if (flag === 0) {
          while (buf[p++] !== 0x0b); // the offset expression
        } else if (flag === 2) {
          leb();
          while (buf[p++] !== 0x0b);
        }
        const len = leb();
        segments.push({ start: p, size: len });
        p += len;
      }
    }
    p = start + size;
  }
  // A range's share of the gzipped file: how much smaller it gets when the range is zeroed.
  const whole = gz(buf);
  const marginal = (ranges) => {
    const copy = Buffer.from(buf);
    for (const [a, b] of ranges) copy.fill(0, a, b);
    return whole - gz(copy);
  };
  const rows = [];
  for (const s of out.filter((x) => x.size > 1000)) rows.push([`${s.name} section`, s.size, marginal([[s.start, s.start + s.size]])]);
  const big = segments.filter((s) => s.size >= 1000).sort((a, b) => b.size - a.size);
  for (const s of big.slice(0, 6)) {
    const bytes = buf.subarray(s.start, s.start + s.size);
    const text = bytes.filter((c) => c >= 0x20 && c < 0x7f).length / bytes.length;
    const latin1 = bytes.toString("latin1");
    const at = Math.max(0, latin1.search(/[a-z_]{12}/)); // a sample of its text, not its padding
    const kind = text > 0.9 ? `text: "…${latin1.slice(at, at + 40).replace(/[^\x20-\x7e]/g, ".")}…"` : `binary (${Math.round(text * 100)}% printable)`;
    rows.push([`&nbsp;&nbsp;data segment of ${s.size} B, ${kind}`, s.size, marginal([[s.start, s.start + s.size]])]);
  }
  const small = segments.filter((s) => s.size < 1000);
  rows.push([`&nbsp;&nbsp;${small.length} data segments under 1 KB (catalog rows, small constants)`, small.reduce((a, s) => a + s.size, 0), marginal(small.map((s) => [s.start, s.start + s.size]))]);
  return { whole, rows };
}
const layout = sections(wasm);

/** twiggy's view of the wasm-bindgen output (before wasm-opt; function names kept), by crate. */
function twiggy() {
  const bin = [join(homedir(), ".cargo", "bin", "twiggy"), "twiggy"].find((b) => {
    try {
      execFileSync(b, ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
  const input = join(root, "bindings", "js", "wasm", "crisp_kit_wasm_bg.wasm");
  if (!bin || !existsSync(input)) return null;
  const csv = execFileSync(bin, ["top", "-n", "100000", "--format", "csv", input], { maxBuffer: 64 << 20 }).toString();
  const groups = new Map();
  let total = 0;
  for (const line of csv.trim().split("\n").slice(1)) {
    const m = line.match(/^(.*),(\d+),[\d.]+,/);
    if (!m) continue;
    const name = m[1].replace(/^"|"$/g, "");
    const bytes = Number(m[2]);
    if (/function names|^"?custom section|producers/.test(name)) continue; // stripped by wasm-opt
    total += bytes;
    let key;
    if (/^data segment/.test(name)) key = "static data (.rodata: catalog, tables, messages)";
    else {
      const crate = name.match(/(?:^|[<\s(&])(crisp_core|crisp_kit_wasm|serde_json|serde_core|serde|core|alloc|std|dlmalloc|sha2|hmac|digest|base64|httpdate|percent_encoding|form_urlencoded|zmij|ryu|itoa|wasm_bindgen)(?:\[[0-9a-f]+\])?::/);
      key = crate ? `${crate[1]} (code)` : "exports, shims and other code";
    }
    groups.set(key, (groups.get(key) ?? 0) + bytes);
  }
  return { total, rows: [...groups].sort((a, b) => b[1] - a[1]) };
}
const twig = twiggy();

// --- The browser. -----------------------------------------------------------------------------
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
const MOUNTS = { "/dist/": dist, "/bundles/": work };
const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/") return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>crisp-kit browser bench</title>");
  const mount = Object.keys(MOUNTS).find((m) => path.startsWith(m));
  const file = mount && normalize(join(MOUNTS[mount], path.slice(mount.length)));
  if (!file || !file.startsWith(MOUNTS[mount]) || !existsSync(file)) return res.writeHead(404).end();
  // Cacheable, as a static host serves it: warm pages may use the HTTP cache and V8's code cache.
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "public, max-age=3600" });
  res.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const sandbox = await startSandbox(["--request-log", "0"]);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

let inst;
let calls;
let version;
try {
  version = browser.version();
  // Instantiate: import the module, then time `init()` alone (fetch + compile + instantiate).
  // The floor: one fetch of a small file from the same server, after the import (same connection).
  const load = (page) => page.evaluate(async () => {
    const t0 = performance.now();
    const kit = await import("/dist/web.js");
    const t1 = performance.now();
    await (await fetch("/dist/web.d.ts", { cache: "no-store" })).text();
    const t2 = performance.now();
    await kit.init();
    const t3 = performance.now();
    return { importMs: t1 - t0, fetchMs: t2 - t1, initMs: t3 - t2 };
  });
  const cold = [];
  for (let i = 0; i < COLD_PAGES; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    cold.push(await load(page));
    await context.close();
  }
  const warm = [];
  const context = await browser.newContext();
  for (let i = 0; i <= WARM_PAGES; i++) {
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const r = await load(page);
    if (i > 0) warm.push(r); // the first page fills the caches
    await page.close();
  }
  // Compile alone, from bytes already in memory, in one page (median of 15).
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  const compileMs = await page.evaluate(async () => {
    const bytes = await (await fetch("/dist/crisp_kit_wasm_bg.wasm")).arrayBuffer();
    const times = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      await WebAssembly.compile(bytes);
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[7];
  });
  inst = {
    coldInit: median(cold.map((r) => r.initMs)),
    coldImport: median(cold.map((r) => r.importMs)),
    coldFetch: median(cold.map((r) => r.fetchMs)),
    warmFetch: median(warm.map((r) => r.fetchMs)),
    warmInit: median(warm.map((r) => r.initMs)),
    warmImport: median(warm.map((r) => r.importMs)),
    compileMs,
  };

  // Per call, in that page: every client against the sandbox, interleaved, sequential.
  const first = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
  });
  const sessionID = (await first.json()).data[0].session_id;
  calls = await page.evaluate(async ({ s, sessionID, rounds, perRound, stubCalls, official }) => {
    const { Crisp, init } = await import("/dist/web.js");
    await init();
    const url = `${s.url}website/${s.website_id}/conversation/${sessionID}`;
    const headers = { Authorization: `Basic ${btoa(`${s.identifier}:${s.key}`)}`, "X-Crisp-Tier": "plugin" };
    const crisp = new Crisp({ identifier: s.identifier, key: s.key, tier: "plugin", websiteId: s.website_id, baseUrl: s.url, retry: { retries: 0 } });
    const clients = {
      // What any client with a timeout must do: crisp-api sends AbortSignal.timeout too (the
      // Node section's baseline is the same); without it, for reference.
      "raw fetch": async () => (await (await fetch(url, { headers, signal: AbortSignal.timeout(30000) })).json()).data,
      "raw fetch, no timeout": async () => (await (await fetch(url, { headers })).json()).data,
      "crisp-kit": () => crisp.call("get_conversation", { sessionID }),
    };
    let officialError = null;
    if (official) {
      try {
        const { Crisp: Official } = await import("/bundles/crisp-api.js");
        const o = new Official();
        o.authenticateTier("plugin", s.identifier, s.key);
        o.setRestHost(s.url.replace(/\/v1\/$/, ""));
        await o.website.getConversation(s.website_id, sessionID);
        clients["crisp-api 11.3.0"] = () => o.website.getConversation(s.website_id, sessionID);
      } catch (e) {
        officialError = String(e?.message ?? e);
      }
    }
    for (const fn of Object.values(clients)) for (let i = 0; i < 100; i++) await fn(); // warm up
    const perCall = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
    const order = Object.entries(clients);
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of order.map((_, i) => order[(i + r) % order.length])) {
        const t0 = performance.now();
        for (let i = 0; i < perRound; i++) await fn();
        perCall[name].push(((performance.now() - t0) * 1000) / perRound);
      }
    }
    // crisp-kit's own cost: the same calls with a fetch that answers at once (no network).
    const body = await (await fetch(url, { headers })).text();
    const stubbed = new Crisp({ identifier: s.identifier, key: s.key, tier: "plugin", websiteId: s.website_id, baseUrl: s.url, retry: { retries: 0 }, fetch: async () => new Response(body, { status: 200 }) });
    const stub = {
      "floor: new Response(body).json()": async () => (await new Response(body, { status: 200 }).json()).data,
      "crisp-kit with a stub fetch": () => stubbed.call("get_conversation", { sessionID }),
    };
    const stubUs = {};
    for (const [name, fn] of Object.entries(stub)) {
      for (let i = 0; i < 500; i++) await fn();
      const t0 = performance.now();
      for (let i = 0; i < stubCalls; i++) await fn();
      stubUs[name] = ((performance.now() - t0) * 1000) / stubCalls;
    }
    return { perCall, stubUs, officialError, bodyBytes: body.length };
  }, { s: { url: sandbox.url, website_id: sandbox.website_id, identifier: sandbox.identifier, key: sandbox.key }, sessionID, rounds: ROUNDS, perRound: PER_ROUND, stubCalls: STUB_CALLS, official: Boolean(officialBundle) });
} finally {
  await browser.close();
  await sandbox.stop();
  server.close();
  rmSync(work, { recursive: true, force: true });
}

// --- Tables. ------------------------------------------------------------------------------------
const f = (n, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const kb = (n) => f(n / 1024, 1);
let md = `<!-- browser:start (written by \`npm run bench\`, benches/browser.mjs; do not edit by hand) -->\n## crisp-kit in the browser\n\n`;
md += `\`npm run bench\` (benches/browser.mjs), headless Chromium ${version} (Debian's, driven by playwright-core), the web build from \`node bindings/js/build.mjs\`, `;
md += `against the sandbox (release build) on 127.0.0.1. Sizes in KB of 1,024 bytes; gzip level 9.\n\n`;
md += `| what the browser downloads | raw KB | gzip KB |\n|---|---:|---:|\n`;
for (const [name, raw, z] of sizes) md += `| ${name} | ${kb(raw)} | ${kb(z)} |\n`;
if (!officialBundle) md += `| crisp-api 11.3.0 | — | — (cannot be bundled for the browser: ${officialWhy}) |\n`;
const inApp = gz(wasm) + gz(kitJs);
md += `\nThe budget is 60 KB gzipped for the wasm and its JS with the whole catalog of 265 endpoints: ${kb(inApp)} KB, ${inApp <= 60 * 1024 ? `met (${kb(60 * 1024 - inApp)} KB to spare)` : "not met"}. `;
md += `crisp-api's bundle needs three shims: Node's \`url\` (the global \`URL\`), \`crypto\` (stubbed: its \`verifyHook\` throws in a browser; crisp-kit's runs in the wasm) and \`Buffer\` (one base64, \`btoa\`); it includes socket.io-client for its RTM events.\n\n`;
md += `What takes the bytes of the shipped .wasm (each row's share of the gzipped file is how much smaller it gets with that range zeroed, so rows overlap a little and do not add up to the total of ${kb(layout.whole)} KB):\n\n`;
md += `| part of crisp_kit_wasm_bg.wasm | raw KB | share of gzip KB |\n|---|---:|---:|\n`;
for (const [name, raw, z] of layout.rows) md += `| ${name} | ${kb(raw)} | ${kb(z)} |\n`;
if (twig) {
  md += `\nThe same bytes by crate (\`twiggy top\` on the wasm-bindgen output before wasm-opt, ${kb(twig.total)} KB without names; wasm-opt takes it to ${kb(wasm.length)} KB):\n\n`;
  md += `| crate | raw KB |\n|---|---:|\n`;
  for (const [name, bytes] of twig.rows.slice(0, 14)) md += `| ${name} | ${kb(bytes)} |\n`;
}
md += `\n| instantiate (median) | fresh pages | \`import("web.js")\` ms | floor: fetch a 0.5 KB file ms | \`await init()\` ms |\n|---|---:|---:|---:|---:|\n`;
md += `| cold: a new browser context each (empty HTTP and code caches) | ${COLD_PAGES} | ${f(inst.coldImport, 1)} | ${f(inst.coldFetch, 1)} | ${f(inst.coldInit, 1)} |\n`;
md += `| warm: a new page in a context that loaded it before | ${WARM_PAGES} | ${f(inst.warmImport, 1)} | ${f(inst.warmFetch, 1)} | ${f(inst.warmInit, 1)} |\n`;
md += `\n\`init()\` fetches the .wasm beside web.js and compiles it while it streams (\`WebAssembly.instantiateStreaming\`). \`WebAssembly.compile\` of the bytes alone takes ${f(inst.compileMs, 1)} ms here (median of 15).\n\n`;
const rawRounds = calls.perCall["raw fetch"];
md += `Per call: GET \`get_conversation\` (${f(calls.bodyBytes)}-byte answer) from a page on one 127.0.0.1 origin to the sandbox on another (CORS, preflight cached), one at a time, in ${ROUNDS} blocks of ${PER_ROUND} calls per client, the clients taking turns block by block (about 30 ms each) in a rotating order; each time is the median of the blocks' means, each ratio the median of the ratios measured within one turn, so the machine's drift cancels. The baseline, **raw fetch**, is what any client with a timeout does: \`fetch\` with the same URL and headers, \`AbortSignal.timeout(30000)\` (as crisp-api sends it; the Node section uses the same baseline), and \`res.json()\`.\n\n`;
md += `| client | µs per call | vs raw fetch | overhead |\n|---|---:|---:|---:|\n`;
for (const [name, xs] of Object.entries(calls.perCall)) {
  const ratio = median(xs.map((x, i) => x / rawRounds[i]));
  md += `| ${name} | ${f(median(xs))} | ${f(ratio, 3)}x | ${name === "raw fetch" ? "—" : `${ratio >= 1 ? "+" : ""}${f((ratio - 1) * 100, 1)}%`} |\n`;
}
if (calls.officialError) md += `| crisp-api 11.3.0 | — | — | did not run: ${calls.officialError} |\n`;
const stubs = Object.entries(calls.stubUs);
md += `\ncrisp-kit's own work per call, without the network (a stub fetch answering the same body at once, ${f(STUB_CALLS)} calls):\n\n`;
md += `| with a stub fetch | µs per call |\n|---|---:|\n`;
for (const [name, us] of stubs) md += `| ${name} | ${f(us, 1)} |\n`;
const ownUs = stubs[1][1] - stubs[0][1];
md += `\nSo crisp-kit adds about ${f(ownUs, 1)} µs of work to a call (build in wasm, fetch options, timeout and abort wiring, decode in wasm, one JSON.parse): ${f((ownUs / median(rawRounds)) * 100, 1)}% of a raw fetch call to the local sandbox, and less against a real API a network away. The budget is 5% of raw fetch per call.\n`;
md += `<!-- browser:end -->\n`;

process.stdout.write(md);
if (!QUICK) writeSection("browser", md);
