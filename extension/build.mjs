// Builds the extension from one source into two unpacked folders:
//   extension/dist/chrome   MV3 with chrome.sidePanel (Chromium browsers)
//   extension/dist/firefox  MV3 with sidebar_action (Firefox)
// It bundles the panel (Preact + the crisp-kit web build) and the background script with esbuild and
// copies the wasm core. Needs bindings/js/dist (node bindings/js/build.mjs) first.
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const kitDist = join(root, "bindings/js/dist");
const version = JSON.parse(readFileSync(join(root, "bindings/js/package.json"), "utf8")).version;

if (!existsSync(join(kitDist, "web.js")) || !existsSync(join(kitDist, "crisp_kit_wasm_bg.wasm"))) {
  console.error("extension: bindings/js/dist is missing; run `node bindings/js/build.mjs` first");
  process.exit(1);
}

const API = "https://api.crisp.chat/*";
// The hosts avatars load from (src/avatar.ts decides which URL is loaded; the CSP refuses the rest).
const IMAGE_HOSTS = JSON.parse(readFileSync(join(here, "src/image-hosts.json"), "utf8"));
const DASHBOARD = "https://app.crisp.chat/*";
const common = {
  manifest_version: 3,
  name: "crisp-kit sidebar",
  version,
  description: "The open Crisp conversation's contact, history and quick actions beside the Crisp dashboard, with your own API token.",
  // The dashboard (to read its URL) and the API; other API origins (a local sandbox) only on request.
  host_permissions: [DASHBOARD, API],
  optional_host_permissions: ["https://*/*", "http://127.0.0.1/*", "http://localhost/*"],
  // connect-src: the API over https (api.crisp.chat, or another https base URL the user sets),
  // Crisp's real-time relays (`socket.app` of GET /v1/{tier}/connect/endpoints is a
  // *.relay.crisp.chat host; the socket is a WebSocket, which host permissions do not gate), and a
  // local sandbox over http and ws on 127.0.0.1 or localhost. Nothing in clear text beyond this machine.
  // `https:` does not cover `wss:` (CSP3; the e2e fails without the relay entry), so another https
  // API origin's own socket is refused and the panel polls there, saying so.
  // img-src: the panel's own files, `data:`, and Crisp's image hosts only: an avatar URL from any
  // other host would tell it the operator's IP address and when they looked (src/avatar.ts).
  content_security_policy: {
    extension_pages: `script-src 'self' 'wasm-unsafe-eval'; object-src 'self'; connect-src 'self' https: wss://*.relay.crisp.chat http://127.0.0.1:* ws://127.0.0.1:* http://localhost:* ws://localhost:*; img-src 'self' data: ${IMAGE_HOSTS.join(" ")};`,
  },
  icons: { 16: "icons/16.png", 32: "icons/32.png", 48: "icons/48.png", 128: "icons/128.png" },
  action: { default_title: "crisp-kit sidebar", default_icon: { 16: "icons/16.png", 32: "icons/32.png" } },
};
const manifests = {
  chrome: {
    ...common,
    minimum_chrome_version: "116",
    permissions: ["sidePanel", "storage"],
    background: { service_worker: "background.js" },
    side_panel: { default_path: "panel.html" },
  },
  firefox: {
    ...common,
    permissions: ["storage"],
    background: { scripts: ["background.js"] },
    sidebar_action: { default_panel: "panel.html", default_title: "crisp-kit", default_icon: { 16: "icons/16.png", 32: "icons/32.png" }, open_at_install: false },
    browser_specific_settings: {
      gecko: { id: "crisp-kit-sidebar@crisp-kit.dev", strict_min_version: "140.0", data_collection_permissions: { required: ["none"] } },
      gecko_android: { strict_min_version: "142.0" },
    },
  },
};

const out = join(here, "dist");
rmSync(out, { recursive: true, force: true });
const staging = join(out, ".bundle");

// The explorer's body form reads the catalog's schema tables (`crisp-kit/catalog`) through a lazy
// chunk. The tables also hold every answer shape, which the panel never needs: this plugin hands
// esbuild the request bodies and only the types they reach, read from the package's own export.
const bodySchemasOnly = {
  name: "body-schemas-only",
  setup(b) {
    b.onResolve({ filter: /^crisp-kit\/catalog$/ }, () => ({ path: "crisp-kit/catalog", namespace: "body-schemas" }));
    b.onLoad({ filter: /.*/, namespace: "body-schemas" }, async () => {
      const { ENDPOINT_SCHEMAS, SCHEMA_TYPES } = await import("crisp-kit/catalog");
      const bodies = Object.fromEntries(Object.entries(ENDPOINT_SCHEMAS).filter(([, s]) => s.body).map(([id, s]) => [id, { body: s.body, data: null }]));
      const types = {};
      const reach = (node) => {
        if (Array.isArray(node)) return node.forEach(reach);
        if (!node || typeof node !== "object") return;
        for (const [key, value] of Object.entries(node)) {
          const name = key === "$ref" && typeof value === "string" ? value.replace(/^#\/types\//, "") : null;
          if (name === null) reach(value);
          else if (!(name in types) && SCHEMA_TYPES[name]) {
            types[name] = SCHEMA_TYPES[name];
            reach(SCHEMA_TYPES[name]);
          }
        }
      };
      reach(bodies);
      return { loader: "js", contents: `export const ENDPOINT_SCHEMAS = ${JSON.stringify(bodies)};\nexport const SCHEMA_TYPES = ${JSON.stringify(types)};\n` };
    });
  },
};

await esbuild.build({
  entryPoints: { panel: join(here, "src/panel.tsx") },
  outdir: staging,
  bundle: true,
  plugins: [bodySchemasOnly],
  format: "esm",
  minify: true,
  sourcemap: false,
  target: ["chrome116", "firefox128"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  logLevel: "warning",
  // Lazily loaded parts become chunks beside panel.js: the Markdown renderer, crisp-kit's events
  // module (socket.io-client in it), imported on first use, and the explorer's body schemas.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
});
// The panel's CSP (script-src 'self') refuses the Function constructor and eval, and Firefox's
// linter flags them (DANGEROUS_EVAL): none may be in the output. crisp-kit's build already writes
// `globalThis` where engine.io-client had `Function("return this")()`.
for (const file of ["panel.js", ...readdirSync(join(staging, "chunks")).map((f) => `chunks/${f}`)]) {
  const text = readFileSync(join(staging, file), "utf8");
  if (/\bFunction\(|\beval\(/.test(text)) {
    console.error(`extension: ${file} calls the Function constructor or eval, which the panel's CSP refuses`);
    process.exit(1);
  }
}
// The background is a plain script: Firefox's background.scripts are not modules.
await esbuild.build({ entryPoints: [join(here, "src/background.ts")], outfile: join(staging, "background.js"), bundle: true, format: "iife", minify: true, target: ["chrome116", "firefox128"], logLevel: "warning" });

const icons = Object.fromEntries([16, 32, 48, 128].map((size) => [size, icon(size)]));
for (const [browser, manifest] of Object.entries(manifests)) {
  const dir = join(out, browser);
  mkdirSync(join(dir, "icons"), { recursive: true });
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of ["panel.js", "background.js"]) copyFileSync(join(staging, file), join(dir, file));
  cpSync(join(staging, "chunks"), join(dir, "chunks"), { recursive: true });
  for (const file of ["panel.html", "panel.css"]) copyFileSync(join(here, "static", file), join(dir, file));
  copyFileSync(join(kitDist, "crisp_kit_wasm_bg.wasm"), join(dir, "crisp_kit_wasm_bg.wasm"));
  // The real-time core: crisp-kit/web fetches it beside the REST .wasm on `crisp.events()` only.
  copyFileSync(join(kitDist, "crisp_kit_rtm_bg.wasm"), join(dir, "crisp_kit_rtm_bg.wasm"));
  for (const [size, png] of Object.entries(icons)) writeFileSync(join(dir, "icons", `${size}.png`), png);
}
rmSync(staging, { recursive: true, force: true });
const sizes = ["panel.js", ...readdirSync(join(out, "chrome", "chunks")).map((f) => `chunks/${f}`)].map((f) => {
  const bytes = readFileSync(join(out, "chrome", f));
  return `${f} ${(bytes.length / 1024).toFixed(1)} KB (${(gzipSync(bytes).length / 1024).toFixed(1)} KB gzipped)`;
});
console.error(`extension: ${sizes.join(", ")}`);
console.error(`extension: built ${Object.keys(manifests).map((b) => `extension/dist/${b}`).join(" and ")}`);

/** The toolbar icon: a speech bubble, drawn as an anti-aliased RGBA PNG (no image tool needed). */
function icon(size) {
  const px = Buffer.alloc(size * size * 4);
  const c = size / 2;
  const r = size * 0.42;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const fx = x + (sx + 0.5) / 4;
          const fy = y + (sy + 0.5) / 4;
          const inCircle = (fx - c) ** 2 + (fy - c * 0.92) ** 2 <= r * r;
          const inTail = fy > c && fy < size * 0.97 && fx > size * 0.22 && fx < size * 0.5 - (fy - c) * 0.55;
          if (inCircle || inTail) cover++;
        }
      }
      const i = (y * size + x) * 4;
      px[i] = 0x19;
      px[i + 1] = 0x72;
      px[i + 2] = 0xf5;
      px[i + 3] = Math.round((cover / 16) * 255);
    }
  }
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) px.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

function crc32(buf) {
  let crc = ~0;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
