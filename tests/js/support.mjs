// Shared by the JS suites: which crisp-kit backend to test, the vectors, and a real sandbox.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { sandboxHandle } from "./sandbox-handle.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The backend under test: CRISP_KIT_BACKEND (native or wasm; `node` is native's older name), or,
 * when the installed package picks by itself (tests/package/), CRISP_KIT_EXPECT_BACKEND.
 */
export const backendName =
  process.env.CRISP_KIT_EXPECT_BACKEND ?? ((process.env.CRISP_KIT_BACKEND ?? "native") === "wasm" ? "wasm" : "native");

/**
 * The package under test, through its real loader: the build in bindings/js/dist, or, with
 * CRISP_KIT_ENTRY, a module of an installed project that re-exports `crisp-kit`. Fails when the
 * loader picked another backend than the one expected.
 */
export async function loadKit() {
  const kit = await import(process.env.CRISP_KIT_ENTRY ?? join(root, "bindings", "js", "dist", "index.js"));
  if (kit.Crisp.backend !== backendName) {
    throw new Error(`expected the ${backendName} backend, the loader gave ${kit.Crisp.backend}`);
  }
  return kit;
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
