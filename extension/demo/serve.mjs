// `npm start`: the sandbox with demo data, and on 127.0.0.1 a stand-in Crisp dashboard with the
// sidebar docked beside it. Run by scripts/start.sh after the builds; Ctrl-C stops everything.
//   node extension/demo/serve.mjs [--port 8780] [--sandbox-port 8787]
import { spawn } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import http from "node:http";
import { createInterface } from "node:readline";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");

const TYPES = { ".js": "text/javascript", ".css": "text/css", ".html": "text/html; charset=utf-8", ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png" };

/** Starts the sandbox binary and resolves with its connection object (its first stdout line). */
export function startSandbox(port, seed = 1) {
  const bin = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release/crisp-sandbox");
  const child = spawn(bin, ["--port", String(port), "--seed", String(seed)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the sandbox exited (${code}); is port ${port} taken? set CRISP_SANDBOX_PORT`)));
    createInterface({ input: child.stdout }).once("line", (line) => resolve({ ...JSON.parse(line), child }));
  });
}

/**
 * A request handler for the stand-in dashboard: `/website/...` is the single-page dashboard,
 * `/demo/*` its files and config, `/kit/*` the crisp-kit web build, `/panel/*` the built sidebar.
 */
export function dashboardHandler(sandbox) {
  const mounts = { "/kit/": join(root, "bindings/js/dist"), "/demo/": here, "/panel/": join(root, "extension/dist/chrome") };
  const config = JSON.stringify({ url: sandbox.url, identifier: sandbox.identifier, key: sandbox.key, website_id: sandbox.website_id });
  const account = JSON.stringify({ id: "demo-sandbox", label: "Sandbox (demo)", identifier: sandbox.identifier, key: sandbox.key, tier: "plugin", websiteId: sandbox.website_id, baseUrl: sandbox.url, remember: false });
  return (path) => {
    if (path === "/demo/config.json") return { type: TYPES[".json"], body: config };
    if (path === "/panel/demo-account.json") return { type: TYPES[".json"], body: account };
    const mount = Object.keys(mounts).find((m) => path.startsWith(m));
    if (mount) {
      const file = normalize(join(mounts[mount], decodeURIComponent(path.slice(mount.length))));
      if (!file.startsWith(mounts[mount]) || !existsSync(file) || !statSync(file).isFile()) return null;
      return { type: TYPES[extname(file)] ?? "application/octet-stream", file };
    }
    return { type: TYPES[".html"], file: join(here, "dashboard.html") };
  };
}

/** An HTTP server (not yet listening) for the stand-in dashboard, the kit and the panel. */
export function dashboardServer(sandbox) {
  const handle = dashboardHandler(sandbox);
  return http.createServer((req, res) => {
    const found = handle(new URL(req.url, "http://x").pathname);
    if (!found) return res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": found.type, "cache-control": "no-store" });
    if (found.file) createReadStream(found.file).pipe(res);
    else res.end(found.body);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const { values } = parseArgs({ options: { port: { type: "string", default: process.env.CRISP_DEMO_PORT ?? "8780" }, "sandbox-port": { type: "string", default: process.env.CRISP_SANDBOX_PORT ?? "8787" } } });
  const sandbox = await startSandbox(Number(values["sandbox-port"]));
  const stop = () => {
    sandbox.child.kill("SIGTERM");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  sandbox.child.removeAllListeners("exit");
  sandbox.child.on("exit", (code) => {
    console.error(`[start] the sandbox stopped (${code})`);
    process.exit(1);
  });
  const server = dashboardServer(sandbox);
  server.on("error", (error) => {
    console.error(`[start] cannot serve the demo on 127.0.0.1:${values.port}: ${error.message} (set CRISP_DEMO_PORT)`);
    stop();
  });
  server.listen(Number(values.port), "127.0.0.1", () => {
    const demo = `http://127.0.0.1:${server.address().port}/website/${sandbox.website_id}/inbox/`;
    console.log(`
crisp-kit demo, no Crisp account needed

  Open  ${demo}
        a stand-in Crisp dashboard (its links are real app.crisp.chat URL shapes) with the
        crisp-kit sidebar docked on the right. Pick conversations and contacts; the sidebar follows.

  API   ${sandbox.url}  (the local Crisp-compatible sandbox, demo data, seed 1)
        control: ${sandbox.control}  (faults, request log, reset: crates/crisp-sandbox/README.md)

The real extension (beside app.crisp.chat):
  Chrome/Chromium: chrome://extensions > Developer mode > Load unpacked > ${join(root, "extension/dist/chrome")}
                   then click the toolbar button on an app.crisp.chat tab.
  Firefox:         about:debugging > This Firefox > Load Temporary Add-on > ${join(root, "extension/dist/firefox/manifest.json")}
  In its Settings, add your Crisp token, or this sandbox's (a local demo credential, valid only here):
    identifier ${sandbox.identifier}   key ${sandbox.key}
    tier plugin   website ${sandbox.website_id}   API base URL ${sandbox.url}

The package from Node or a shell:
  CRISP_BASE_URL=${sandbox.url} CRISP_IDENTIFIER=${sandbox.identifier} CRISP_KEY=<the key above> CRISP_TIER=plugin \\
  CRISP_WEBSITE_ID=${sandbox.website_id} node bindings/js/dist/cli.js call list_conversations

Ctrl-C stops the demo and the sandbox.`);
  });
}
