// Runs tests/browser/suite.js in headless Chromium (Debian's, driven by playwright-core): a page on
// one 127.0.0.1 origin loads the crisp-kit web build and calls the sandbox on another origin.
// Prints one line per test and a closing "N passed, N failed" line; exits non-zero on failure.
import { readFile } from "node:fs/promises";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";
import { root, startSandbox } from "../js/support.mjs";

const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".html": "text/html" };
// "/elsewhere/" serves the .wasm files again, from another folder: where init's URL points, the real-time .wasm is looked for.
const MOUNTS = { "/dist/": join(root, "bindings/js/dist"), "/elsewhere/": join(root, "bindings/js/dist"), "/vectors/": join(root, "tests/vectors"), "/suite/": join(root, "tests/browser"), "/js/": join(root, "tests/js") };
const IMPORT_MAP = JSON.stringify({
  imports: { "node:test": "/suite/node-test.js", "node:assert/strict": "/suite/assert.js", "/js/support.mjs": "/suite/support.js" },
});

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/") {
    res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>crisp-kit browser suite</title><script type="importmap">${IMPORT_MAP}</script>`);
    return;
  }
  const mount = Object.keys(MOUNTS).find((m) => path.startsWith(m));
  const file = mount && normalize(join(MOUNTS[mount], path.slice(mount.length)));
  if (!file || !file.startsWith(MOUNTS[mount])) return res.writeHead(404).end();
  try {
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const sandbox = await startSandbox(["--seed", "5"]);
// The shared suites' own sandbox, with the flags tests/js/sandbox.test.mjs asks for.
const SHARED_ARGS = ["--seed", "7"];
const shared = await startSandbox(SHARED_ARGS);
const profile = mkdtempSync(join(tmpdir(), "crisp-kit-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = 0;
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${origin}/`);
  const info = { url: sandbox.url, control: sandbox.url.replace(/\/v1\/$/, "/_sandbox/"), identifier: sandbox.identifier, key: sandbox.key, website_id: sandbox.website_id };
  const { results: own, instantiateMs } = await page.evaluate(async (s) => (await import("/suite/suite.js")).run(s), info);
  const sharedInfo = {
    url: shared.url, identifier: shared.identifier, key: shared.key, website_id: shared.website_id,
    control: shared.url.replace(/\/v1\/$/, "/_sandbox/"), args: SHARED_ARGS,
  };
  const fromNode = await page.evaluate(async (s) => {
    globalThis.sandbox = s;
    const runner = await import("/suite/node-test.js");
    await import("/js/sandbox.test.mjs");
    await import("/js/vectors.test.mjs");
    return runner.run();
  }, sharedInfo);
  const results = [...own, ...fromNode.map((r) => ({ ...r, name: `tests/js: ${r.name}` }))];
  for (const r of results) {
    console.log(`${r.ok ? "ok" : "not ok"} - ${r.name}${r.ok ? "" : `\n${r.error.replace(/^/gm, "    ")}`}`);
    if (!r.ok) failed++;
  }
  if (consoleErrors.length) console.log(`page errors:\n${consoleErrors.join("\n")}`);
  console.error(`(wasm instantiated in ${instantiateMs.toFixed(1)} ms, Chromium ${browser.browser()?.version() ?? ""})`);
  console.log(`browser: ${results.length - failed} passed, ${failed} failed`);
} finally {
  await browser.close();
  await sandbox.stop();
  await shared.stop();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
