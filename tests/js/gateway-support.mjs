// Shared by the gateway suites that came after serve.test.mjs (serve-security, serve-fuzz): the real
// gateway process (bindings/js/dist/cli.js) started on 127.0.0.1 and stopped by pid, the CLI, and
// a fetch wrapper. (serve.test.mjs holds its own copies from before; it may move to these.)
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { root } from "./support.mjs";

export const cliPath = join(root, "bindings/js/dist/cli.js");
const running = new Set();
process.once("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});

/** Runs `crisp-kit ARGS` with only PATH and `env`; resolves with its exit code and output. */
export function cli(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

export function sandboxEnv(sandbox) {
  return {
    CRISP_BASE_URL: sandbox.url, CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key,
    CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sandbox.website_id,
  };
}

/** Starts `crisp-kit serve --port 0 ARGS`; resolves with its first stdout line's fields, pid, stderr(), stop(). */
export async function startGateway(args, env) {
  const child = spawn(process.execPath, [cliPath, "serve", "--port", "0", ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const first = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).once("line", resolve);
  });
  return {
    ...JSON.parse(first),
    pid: child.pid,
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(child.pid, "SIGTERM");
      }),
  };
}

/** POSTs JSON (or a string as it is) to the gateway; never throws on a status. */
export async function post(base, route, body, key, init = {}) {
  const res = await fetch(`${base}${route.replace(/^\//, "")}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the test looks at text
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** An MCP SDK client connected to the gateway's /mcp with a key. */
export async function mcpClient(base, key, path = "mcp") {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}${path}`), {
    requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} },
  });
  const client = new Client({ name: "crisp-kit-gateway-test", version: "0.0.0" });
  await client.connect(transport);
  return client;
}

export function toolText(result) {
  return result.content.map((c) => c.text).join("\n");
}

/** The gateway's resident set size in bytes, from /proc (Linux), or null elsewhere. */
export async function rssOf(pid) {
  try {
    const { readFileSync } = await import("node:fs");
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
