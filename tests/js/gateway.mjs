// The real gateway process (bindings/js/dist/cli.js serve) for every suite that drives it over
// HTTP, started on 127.0.0.1 with a free port and stopped by its pid (by the suite, or here when
// the test process ends); and the MCP SDK's clients for it and for `crisp-kit mcp` over stdio.
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
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

/** The environment that points the gateway at a running sandbox (support.mjs `startSandbox`). */
export function sandboxEnv(sandbox) {
  return {
    CRISP_BASE_URL: sandbox.url, CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key,
    CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sandbox.website_id,
  };
}

/** Starts `crisp-kit serve ARGS` (on `--port 0` unless ARGS name a port); resolves with its first stdout line, its stderr so far, stop(). */
export async function startGateway(args, env) {
  const child = spawn(process.execPath, [cliPath, "serve", ...(args.includes("--port") ? [] : ["--port", "0"]), ...args], {
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
  const info = JSON.parse(first);
  return {
    ...info,
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

/** The SDK's client over streamable HTTP, on `path` (default mcp) of a gateway. */
export async function httpClient(base, key, path = "mcp") {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}${path}`), { requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} } });
  const client = new Client({ name: "crisp-kit-test", version: "0.0.0" });
  await client.connect(transport);
  return client;
}

/** The SDK's client over stdio, spawning `crisp-kit mcp ARGS`. */
export async function stdioClient(args, env) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, "mcp", ...args], env: { PATH: process.env.PATH, ...env }, stderr: "pipe" });
  transport.stderr.on("data", () => {});
  const client = new Client({ name: "crisp-kit-test", version: "0.0.0" });
  await client.connect(transport);
  return client;
}

/** The SDK's client over streamable HTTP (the name the security suites use). */
export const mcpClient = (base, key, path = "mcp") => httpClient(base, key, path);

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
