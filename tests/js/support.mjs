// Shared by the JS suites: which crisp-kit backend to test, the vectors, and a real sandbox.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { sandboxHandle } from "./sandbox-handle.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The package under test. CRISP_KIT_BACKEND picks the backend (default: node, the napi addon). */
export async function loadKit() {
  const backend = process.env.CRISP_KIT_BACKEND ?? "node";
  if (backend === "node") return import(join(root, "bindings", "js", "dist", "index.js"));
  if (backend === "wasm") {
    // The browser build, run in Node: same Crisp class, wasm core, global fetch.
    const kit = await import(join(root, "bindings", "js", "dist", "web.js"));
    await kit.init(readFileSync(join(root, "bindings", "js", "dist", "crisp_kit_wasm_bg.wasm")));
    return kit;
  }
  throw new Error(`unknown CRISP_KIT_BACKEND ${backend}`);
}

export function vectors(name) {
  return JSON.parse(readFileSync(join(root, "tests", "vectors", name), "utf8"));
}

// Sandboxes still running when this process ends (a failed test, a crash) are stopped by pid.
const running = new Set();
process.once("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});

/**
 * Starts the real sandbox binary on 127.0.0.1 (a free port) and returns its connection details
 * and a `stop()` that ends it by pid. Extra CLI flags may be passed.
 */
export async function startSandbox(args = []) {
  const bin = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "crisp-sandbox");
  const child = spawn(bin, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code} before it was ready`)));
    lines.once("line", resolve);
  });
  return sandboxHandle(JSON.parse(first), () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      process.kill(child.pid, "SIGTERM");
    }));
}
