// Builds the crisp-kit package for development: the napi addon for this machine (cargo, release)
// into native/ (found by the loader in a checkout, never published), the wasm core into dist/,
// the TypeScript façade into dist/ as ESM and CommonJS (esbuild), and the declarations (tsc), as
// ESM (dist/*.d.ts) and as CommonJS (dist/cjs/*.d.ts, for `require`). The prebuilt addons of
// every platform are platforms.mjs's job; pack.mjs writes the publishable tarballs.
// Run from anywhere: `node bindings/js/build.mjs`.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });

// The addon through napi-rs's own CLI (`napi build`: cargo, release), which also writes its
// declarations, native/crisp-kit.d.ts, from the #[napi] signatures: backends/native.ts types the
// addon with them and checks them against the binding contract (client/backend.ts) at compile
// time, as it does the wasm module's, which wasm-bindgen writes. Both are build outputs, never
// edited or committed, so they cannot go stale.
mkdirSync(join(here, "native"), { recursive: true });
run(join(root, "node_modules", ".bin", "napi"), [
  "build", "--manifest-path", join("bindings", "node", "Cargo.toml"), "--release",
  "--output-dir", join(here, "native"), "--dts", "crisp-kit.d.ts", "--", "--quiet",
]);
renameSync(join(here, "native", "index.node"), join(here, "native", "crisp-kit.node"));

// The wasm build: cargo (size profile), wasm-bindgen (web target), wasm-opt (binaryen). Two
// modules: crisp-kit-wasm (REST: what every page downloads; the budget is 60 KB gzipped with
// web.js) and crisp-kit-wasm-rtm (crisp_core::rtm, the real-time functions: loaded with the events
// chunk, never by a REST-only page).
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
run("bash", ["scripts/build-wasm.sh", "--small", "-p", "crisp-kit-wasm", "-p", "crisp-kit-wasm-rtm", "--profile", "wasm-release", "--quiet"]);
const wasmDir = join(here, "wasm");
mkdirSync(wasmDir, { recursive: true });
const modules = [["crisp_kit_wasm", "crisp_kit_wasm"], ["crisp_kit_wasm_rtm", "crisp_kit_rtm"]];
for (const [crate, name] of modules) {
  run("wasm-bindgen", [
    "--target", "web", "--out-dir", wasmDir, "--out-name", name,
    join(targetDir, "wasm32-unknown-unknown", "wasm-release", `${crate}.wasm`),
  ]);
}
rmSync(join(here, "dist"), { recursive: true, force: true }); // nothing stale is ever packed
mkdirSync(join(here, "dist"), { recursive: true });
// `-Oz`, then binaryen's flatten and re-reloop with two more `-Oz` rounds: the same semantics,
// restructured control flow that shrinks further (0.56 KB less gzipped, measured on this build;
// the budget is 60 KB). About 8 s. The target_features section is for tools (wasm-bindgen read
// it already): stripped, 112 bytes less gzipped. `--low-memory-unused` lets wasm-opt fold
// constant offsets into loads and stores (220 bytes less gzipped): true of this module, whose first
// 1 KB is the far end of the 1 MB stack (wasm-ld puts the stack first, the data and heap above it).
for (const [, name] of modules) {
  run(join(root, "node_modules", ".bin", "wasm-opt"), [
    "-Oz", "--flatten", "--rereloop", "-Oz", "-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
    "--enable-reference-types", "--enable-multivalue", "--strip-debug", "--strip-producers", "--strip-target-features",
    "--low-memory-unused",
    join(wasmDir, `${name}_bg.wasm`), "-o", join(here, "dist", `${name}_bg.wasm`),
  ]);
}

// socket.io-client (an optional peer dependency: `crisp.events()` only) is imported by the events
// module on first use, never bundled into the Node entries.
const common = { bundle: true, platform: "node", target: "node18", logLevel: "warning", external: ["socket.io-client"] };
// The compat and CLI entries (and serve/, as ../index.js) import the package entry itself, kept external so that every entry
// shares one loaded addon and one CrispError class.
const self = (file) => ({
  name: "self",
  setup: (b) => b.onResolve({ filter: /^\.\.?\/index\.js$/ }, () => ({ path: `./${file}`, external: true })),
});
const entries = [
  { src: "index.ts", esm: "index.js", cjs: "index.cjs" },
  { src: "compat.ts", esm: "compat.js", cjs: "compat.cjs" },
  // crisp-kit/catalog: the schema tables and error codes as data, with no client behind them.
  { src: "catalog.ts", esm: "catalog.js", cjs: "catalog.cjs" },
];
for (const { src, esm, cjs } of entries) {
  const entryPoints = [join(here, "src", src)];
  await build({ ...common, entryPoints, format: "esm", outfile: join(here, "dist", esm), plugins: src === "index.ts" ? [] : [self("index.js")] });
  await build({
    ...common, entryPoints, format: "cjs", outfile: join(here, "dist", cjs),
    plugins: src === "index.ts" ? [] : [self("index.cjs")], logOverride: { "empty-import-meta": "silent" },
    // `require("crisp-kit/compat")` is the class itself, as `require("crisp-api")` is.
    ...(src === "compat.ts" ? { footer: { js: "module.exports = Object.assign(module.exports.default, module.exports);" } } : {}),
  });
}
const sharedCatalog = {
  name: "shared-catalog",
  setup: (b) => b.onResolve({ filter: /\/generated\/schemas\.generated\.js$/ }, () => ({ path: "./catalog.js", external: true })),
};
await build({
  ...common,
  entryPoints: [join(here, "src", "cli", "index.ts")],
  format: "esm",
  outfile: join(here, "dist", "cli.js"),
  banner: { js: "#!/usr/bin/env node" },
  // The schema tables are crisp-kit/catalog's (dist/catalog.js), loaded from there rather than
  // bundled a second time into the CLI.
  plugins: [self("index.js"), sharedCatalog],
  // `crisp-kit mcp` imports the MCP SDK lazily: an optional peer dependency, never bundled.
  // `crisp-kit serve --redis` imports `redis` lazily, the same way; socket.io-client as above.
  external: ["@modelcontextprotocol/sdk", "@modelcontextprotocol/sdk/*", "redis", "socket.io-client"],
});
chmodSync(join(here, "dist", "cli.js"), 0o755);
// The browser entry: no Node built-ins, the glue bundled, the .wasm beside it. The events module
// is its own file, web-events.js, imported on `crisp.events()` or the first hook, with the glue of
// the real-time wasm module (crisp_kit_rtm_bg.wasm, beside it); socket.io-client is bundled as a
// chunk of it (browsers and bundlers need nothing installed), loaded by `crisp.events()` only. A
// REST-only page downloads web.js and the REST .wasm, nothing more (tests/browser checks).
for (const old of readdirSync(join(here, "dist"))) if (old.startsWith("web-chunk-") || old === "web-events.js") rmSync(join(here, "dist", old));
const eventsApart = {
  name: "events-apart",
  setup: (b) => b.onResolve({ filter: /^\.\.?\/(events\/index|backends\/wasm-events)\.js$/ }, () => ({ path: "./web-events.js", external: true })),
};
await build({
  bundle: true, logLevel: "warning", entryPoints: [join(here, "src", "web.ts")], format: "esm",
  platform: "browser", target: "es2022", outfile: join(here, "dist", "web.js"), plugins: [eventsApart],
});
// engine.io-client finds the global object with `Function("return this")()` when neither `self`
// nor `window` exists. Every browser, worker and extension page has `self`, so that branch never
// runs, but a Function constructor in the chunk is what a strict CSP (`script-src 'self'`, MV3) and
// Firefox's add-on linter (DANGEROUS_EVAL) refuse on sight: `globalThis` is the same object
// (es2022). Replaced at load, then the whole browser output is checked.
const GLOBAL_BY_FUNCTION = /\bFunction\(\s*(["'])return this\1\s*\)\(\)/g;
const noFunctionGlobal = {
  name: "no-function-global",
  setup: (b) =>
    b.onLoad({ filter: /[\\/]engine\.io-client[\\/].*\.m?js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const contents = text.replace(GLOBAL_BY_FUNCTION, "globalThis");
      return contents === text ? undefined : { loader: "js", contents };
    }),
};
await build({
  bundle: true, logLevel: "warning", entryPoints: { "web-events": join(here, "src", "backends", "wasm-events.ts") }, format: "esm",
  platform: "browser", target: "es2022", outdir: join(here, "dist"), splitting: true,
  chunkNames: "web-chunk-[name]-[hash]", plugins: [noFunctionGlobal],
});
for (const file of readdirSync(join(here, "dist")).filter((f) => /^web.*\.js$/.test(f))) {
  const text = readFileSync(join(here, "dist", file), "utf8");
  if (/\bFunction\(|\beval\(/.test(text)) throw new Error(`[build] dist/${file} calls Function() or eval(): a strict CSP refuses it`);
}

const tsc = join(root, "node_modules", ".bin", "tsc");
// Declarations for what the package's exports reach (tsconfig.build.json includes the four entries):
// the CLI, the MCP server and the gateway are commands, not imports, and ship no types.
run(tsc, ["-p", join(here, "tsconfig.build.json")]);
// The same declarations again for `require`: under dist/cjs, whose package.json says commonjs, so
// TypeScript (node16, bundler) reads them as CommonJS, as the .cjs files they describe are.
run(tsc, ["-p", join(here, "tsconfig.build.json"), "--outDir", join(here, "dist", "cjs")]);
writeFileSync(join(here, "dist", "cjs", "package.json"), '{ "type": "commonjs" }\n');
// The published package carries the project's licence (README.md is its own, kept in this folder).
copyFileSync(join(root, "LICENSE"), join(here, "LICENSE"));
console.error("[build] crisp-kit: native/crisp-kit.{node,d.ts}, dist/{index,compat,catalog}.{js,cjs,d.ts}, dist/cjs/*.d.ts, dist/cli.js, dist/web.js + crisp_kit_wasm_bg.wasm, dist/web-events.js + crisp_kit_rtm_bg.wasm");
