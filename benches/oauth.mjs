// `node benches/oauth.mjs [--quick]`: what the bearer check of `crisp-kit serve` costs per call, in
// CPU µs of this process, for a static gateway key (KeyRing.check: one SHA-256 and a
// constant-time compare with every stored hash) beside an OAuth access token (OAuthServer.authenticate:
// one SHA-256, the token and grant lookups in the state, the key behind the grant still present,
// the expiry and audience checks). The gateway's own TypeScript (src/serve/keys.ts and
// src/serve/oauth/), bundled by esbuild for this run; the state in memory and in its file (which
// is only stat()ed, at most once a second). Prints a table and writes the "oauth" section of
// docs/BENCHMARKS.md. Bounded: a fixed count of calls per round, rounds interleaved in a
// rotating order.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

import { root } from "../tests/js/support.mjs";
import { median, writeSection } from "./support.mjs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 9;
const CALLS = QUICK ? 20_000 : 100_000;
const KEYS = [1, 20];

const tmp = mkdtempSync(join(tmpdir(), "crisp-kit-bench-oauth-"));
// Inside the workspace (target/), so that the SDK resolves from it, as the gateway's does from its install.
const bundle = join(root, "target", "bench-oauth", "oauth-bench.mjs");
await build({
  stdin: {
    contents: `export * from "./serve/keys.ts"; export * from "./serve/oauth/index.ts"; export * from "./serve/oauth/store.ts";`,
    resolveDir: join(root, "bindings", "js", "src"),
    loader: "ts",
  },
  bundle: true, platform: "node", format: "esm", outfile: bundle, logLevel: "warning",
  external: ["@modelcontextprotocol/sdk", "@modelcontextprotocol/sdk/*"],
});
const mod = await import(pathToFileURL(bundle).href);

function measure(fn) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / CALLS;
}

async function measureAsync(fn) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / CALLS;
}

const rows = [];
for (const keyCount of KEYS) {
  const keysFile = join(tmp, `keys-${keyCount}.json`);
  let last = "";
  for (let i = 0; i < keyCount; i++) last = mod.addKey(keysFile, `k${i}`, "read", null, null);
  const ring = new mod.KeyRing(keysFile, mod.readKeys(keysFile), () => {});
  const record = ring.check(`Bearer ${last}`);
  if (!record) throw new Error("the static key does not check");

  const stores = { memory: new mod.FileStore(null), file: new mod.FileStore(join(tmp, `grants-${keyCount}.json`)) };
  const cases = { "static key": () => ring.check(`Bearer ${last}`) };
  for (const [name, store] of Object.entries(stores)) {
    const oauth = await mod.OAuthServer.create({ store, keys: ring, settings: mod.DEFAULT_OAUTH, allowWrites: false, catalog: [], log: () => {} });
    oauth.bind(new URL("http://127.0.0.1:8790/"));
    const access = `cka_${"x".repeat(43)}-${name}`;
    await store.put("grants", "g1", { id: "g1", clientId: "c", clientName: "bench", keyName: record.name, keyHash: record.hash, scope: "read", accounts: null, resource: oauth.resource, created: "", lastRefresh: null }, 0);
    await store.put("access", mod.sha256(access), { grantId: "g1", expires: Date.now() + 3600_000 }, 3600_000);
    const header = `Bearer ${access}`;
    const check = await oauth.authenticate(header);
    if (!check?.caller) throw new Error(`the OAuth token does not check (${JSON.stringify(check)})`);
    cases[`OAuth token (${name} state)`] = () => oauth.authenticate(header);
  }
  const samples = Object.fromEntries(Object.keys(cases).map((n) => [n, []]));
  const names = Object.keys(cases);
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(round + j) % names.length];
      const fn = cases[name];
      samples[name].push(name === "static key" ? measure(fn) : await measureAsync(fn));
    }
  }
  const base = median(samples["static key"]);
  for (const name of names) rows.push({ keys: keyCount, check: name, us: median(samples[name]), ratio: median(samples[name]) / base });
}
rmSync(tmp, { recursive: true, force: true });

const table = [
  "| keys in the file | check | CPU µs per call (median of rounds) | × the static key |",
  "|---:|---|---:|---:|",
  ...rows.map((r) => `| ${r.keys} | ${r.check} | ${r.us.toFixed(2)} | ${r.ratio.toFixed(2)} |`),
].join("\n");
console.log(table);
const md = `<!-- oauth:start -->
## The bearer check: static gateway key vs OAuth access token

\`node benches/oauth.mjs\` (${QUICK ? "quick run" : `${ROUNDS} rounds of ${CALLS.toLocaleString("en")} calls`}, rotating order; Node ${process.version}, load ${loadavg()[0].toFixed(1)} at the end on this 2-core machine).
CPU time of this process per check, the gateway's own code (keys.ts, oauth/), in process: what
each /mcp call pays before any work. A static key is one SHA-256 plus one constant-time compare
per stored key; an OAuth token is one SHA-256, two lookups (token, grant), the key behind the
grant still in the keys file (checked against every key), expiry and audience. With \`--redis\`
the two lookups are two Redis round trips instead (not measured here).

${table}
<!-- oauth:end -->
`;
if (!QUICK) writeSection("oauth", md);
