// Writes every publishable tarball into one folder and prints their paths, one per line:
// crisp-kit itself and each platform package that platforms.mjs built (`npm run build` first).
//
//   node bindings/js/pack.mjs [--out DIR]      (default: bindings/js/pack/)
//
// The main package is packed from a staged copy whose package.json gains the exact-version
// `optionalDependencies` on the platform packages (as napi-rs's `prepublish` adds them). They are
// not in the checked-in package.json on purpose: this folder is an npm workspace of the repo, and
// an `npm install` there would otherwise look those names up on the public registry.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PLATFORMS, nodeFile, packageDir } from "./platforms.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outAt = process.argv.indexOf("--out");
const out = resolve(outAt > 0 ? process.argv[outAt + 1] : join(here, "pack"));

function fail(message) {
  console.error(`[pack] ${message}`);
  process.exit(1);
}

/** The main package.json as published: the checked-in one plus the platform packages. */
export function publishedManifest() {
  const main = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
  delete main.scripts; // build scripts of the repo, meaningless in the tarball
  main.optionalDependencies = Object.fromEntries(PLATFORMS.map((p) => [`crisp-kit-${p.name}`, main.version]));
  return main;
}

// The browser build is two downloads: web.js + the REST .wasm, and the events chunk (web-events.js,
// its chunks) + the real-time .wasm, loaded on first use.
const browserFiles = ["dist/web.js", "dist/crisp_kit_wasm_bg.wasm", "dist/web-events.js", "dist/crisp_kit_rtm_bg.wasm"];
for (const file of ["dist/index.js", "dist/index.cjs", "dist/cjs/index.d.ts", "dist/catalog.js", "dist/catalog.cjs", ...browserFiles, "LICENSE", "README.md"]) {
  if (!existsSync(join(here, file))) fail(`bindings/js/${file} is missing: run \`npm run build\` first`);
}
// Browsers and bundlers install nothing beside crisp-kit: socket.io-client (an optional peer
// dependency in Node) is bundled into the events chunk, so no browser file imports a bare name.
for (const file of readdirSync(join(here, "dist")).filter((f) => f.startsWith("web") && f.endsWith(".js"))) {
  const bare = readFileSync(join(here, "dist", file), "utf8").match(/\b(?:import|from)\s*\(?\s*["']([^."'/][^"']*)["']/);
  if (bare) fail(`dist/${file} imports \`${bare[1]}\`: the browser build must be self-contained`);
}
const built = PLATFORMS.filter((p) => existsSync(join(packageDir(p), nodeFile(p))));
const absent = PLATFORMS.filter((p) => p.built && !built.includes(p));
if (absent.length) fail(`no addon for ${absent.map((p) => p.name).join(", ")}: run \`npm run build\` (node bindings/js/platforms.mjs) first`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), "crisp-kit-pack-"));
try {
  // Exactly what package.json's `files` names (bin/, dist/, README.md, LICENSE), so the two cannot drift.
  for (const entry of JSON.parse(readFileSync(join(here, "package.json"), "utf8")).files) cpSync(join(here, entry), join(stage, entry), { recursive: true });
  writeFileSync(join(stage, "package.json"), `${JSON.stringify(publishedManifest(), null, 2)}\n`);
  const pack = (dir) => {
    const [info] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", out, dir], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
    return join(out, info.filename);
  };
  const paths = [pack(stage), ...built.map((p) => pack(packageDir(p)))];
  process.stdout.write(`${paths.join("\n")}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
