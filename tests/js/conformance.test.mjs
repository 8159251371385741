// The MCP project's own conformance suite (@modelcontextprotocol/conformance) against the real
// gateway's /mcp, in front of the real sandbox: every server scenario `conformance list` names,
// each in its own process under a time limit. tests/js/conformance-baseline.json lists each
// expected failure and why; a failure not listed fails this test, and so does a listed one that
// passes (the baseline stays true).
//
// The suite needs Node 22 (it imports fs.globSync) while the project runs on Node 20: scripts/
// setup.sh (step 8) installs both, from the npm registry, into
// ${CRISP_KIT_TOOLS:-~/.cache/crisp-kit}/conformance. The suite has no option for an auth header:
// conformance-auth.mjs, preloaded into its process, adds the gateway key (see there).
// Node-only surface (the gateway runs on the napi addon): runs once, with the Node backend.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliPath, sandboxEnv, startGateway } from "./gateway.mjs";
import { backendName, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
const SUITE_DIR = join(process.env.CRISP_KIT_TOOLS ?? join(homedir(), ".cache", "crisp-kit"), "conformance");
const NODE22 = join(SUITE_DIR, "node_modules", "node", "bin", "node");
const SUITE_PKG = join(SUITE_DIR, "node_modules", "@modelcontextprotocol", "conformance");
const PRELOAD = join(root, "tests", "js", "conformance-auth.mjs");
const baseline = JSON.parse(readFileSync(join(root, "tests", "js", "conformance-baseline.json"), "utf8"));
/** One scenario's limit (the whole run gets twice that): a hung one must not hold the test. */
const SCENARIO_TIMEOUT_MS = 30_000;

const missing =
  existsSync(NODE22) && existsSync(join(SUITE_PKG, "package.json"))
    ? null
    : `the MCP conformance suite is not installed in ${SUITE_DIR} (Node 22 and ${baseline.suite}): run \`bash scripts/setup.sh\` (step 8)`;
const skip = !nodeBackend ? "the gateway is Node-only (napi addon); run with CRISP_KIT_BACKEND=native" : missing && !process.env.CI ? missing : false;

let sandbox;
let tmp;
let gw;
const keys = {};
const running = new Set();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function cli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH } }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

/** Runs the suite's CLI with Node 22 (and the auth preload when `auth` is given), killed past `timeoutMs`. */
function suite(args, auth = null, timeoutMs = SCENARIO_TIMEOUT_MS) {
  const bin = join(SUITE_PKG, JSON.parse(readFileSync(join(SUITE_PKG, "package.json"), "utf8")).bin.conformance);
  const env = { PATH: process.env.PATH, NO_COLOR: "1" };
  if (auth) Object.assign(env, { CRISP_KIT_CONFORMANCE_KEY: auth.key, CRISP_KIT_CONFORMANCE_ORIGIN: auth.origin, CRISP_KIT_CONFORMANCE_DIR: SUITE_DIR });
  return new Promise((resolve, reject) => {
    const child = spawn(NODE22, [...(auth ? ["--import", PRELOAD] : []), bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(child.pid, "SIGKILL");
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout, stderr, timedOut, timeoutMs });
    });
  });
}

/** The server scenarios of `conformance list`. */
async function serverScenarios() {
  const r = await suite(["list"]);
  assert.equal(r.code, 0, r.stderr);
  const section = r.stdout.split(/^Client scenarios/m)[0].split(/^Server scenarios.*$/m)[1] ?? "";
  return [...section.matchAll(/^\s+-\s+(\S+)\s+\[/gm)].map((m) => m[1]);
}

/** The checks of `scenario` saved under `out` by the suite's `-o`, or null when it saved none. */
function checksOf(out, scenario) {
  const dir = readdirSync(out).filter((d) => d.startsWith(`server-${scenario}-`) && existsSync(join(out, d, "checks.json"))).sort().at(-1);
  return dir ? JSON.parse(readFileSync(join(out, dir, "checks.json"), "utf8")) : null;
}

/** One scenario's outcome: failed on a FAILURE check, or on no result at all. */
function outcome(scenario, checks, run) {
  if (!checks) {
    const why = run.timedOut ? `timed out after ${run.timeoutMs} ms` : `exit ${run.code}, no checks.json`;
    return { scenario, failed: true, checks: [], failures: [`${why}: ${run.stderr.slice(-500)}`], warnings: [] };
  }
  const failures = checks.filter((c) => c.status === "FAILURE").map((c) => `${c.id}: ${c.errorMessage ?? "failed"}`);
  const warnings = checks.filter((c) => c.status === "WARNING").map((c) => `${c.id}: ${c.errorMessage ?? c.description}`);
  return { scenario, failed: failures.length > 0, checks, failures, warnings };
}

/**
 * Runs `scenarios` against `url`: all in one process of the suite (`--suite all`, the scenarios
 * one after the other: Node 22 and the suite take about 1.5 s of CPU to start, 33 starts would
 * be most of the run), bounded as a whole; any scenario that left no result then (a hang, a
 * crash) runs again alone, under its own limit, and counts as failed if it leaves none again.
 */
async function runAll(url, scenarios, auth) {
  const out = mkdtempSync(join(tmp, "run-"));
  const whole = await suite(["server", "--url", url, "--suite", "all", "-o", out], auth, SCENARIO_TIMEOUT_MS * 2);
  const results = [];
  for (const scenario of scenarios) {
    let checks = checksOf(out, scenario);
    let run = whole;
    if (!checks) {
      run = await suite(["server", "--url", url, "--scenario", scenario, "-o", out], auth);
      checks = checksOf(out, scenario);
    }
    results.push(outcome(scenario, checks, run));
  }
  return results;
}

/** One scenario alone. */
async function runOne(url, scenario, auth) {
  const out = mkdtempSync(join(tmp, `${scenario}-`));
  const run = await suite(["server", "--url", url, "--scenario", scenario, "-o", out], auth);
  return outcome(scenario, checksOf(out, scenario), run);
}

before(async () => {
  if (skip || missing) return;
  sandbox = await startSandbox(["--seed", "19"]);
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-conformance-"));
  const keysFile = join(tmp, "keys.json");
  for (const [name, scope] of [["reader", "read"], ["writer", "write"]]) {
    const r = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", name, "--scope", scope]);
    assert.equal(r.code, 0, r.stderr);
    keys[name] = r.stdout.trim();
  }
  // What a team runs by default: loopback, a read key, the default (task) layout.
  gw = await startGateway(["--keys", keysFile], sandboxEnv(sandbox));
});
after(async () => {
  await gw?.stop();
  await sandbox?.stop();
  if (gw) for (const k of Object.values(keys)) assert.ok(!gw.stderr().includes(k), "the gateway's stderr holds a key");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("the MCP conformance suite against crisp-kit serve's /mcp", { skip }, () => {
  test("the suite is installed (in CI it must be)", () => {
    assert.equal(missing, null, missing ?? "");
    const version = JSON.parse(readFileSync(join(SUITE_PKG, "package.json"), "utf8")).version;
    assert.equal(`@modelcontextprotocol/conformance@${version}`, baseline.suite, "the baseline is for another version of the suite: rerun and update it");
  });

  test("every server scenario: passes, or fails as the baseline says", async (t) => {
    if (missing) return;
    const scenarios = await serverScenarios();
    assert.ok(scenarios.length >= 20, `conformance list gave ${scenarios.length} server scenarios: ${scenarios.join(", ")}`);
    for (const name of baseline.must_pass) {
      assert.ok(scenarios.includes(name), `${name} is no longer a scenario of the suite`);
      assert.ok(!(name in baseline.expected_failures), `${name} must pass: it cannot be in the baseline`);
    }
    for (const name of Object.keys(baseline.expected_failures)) assert.ok(scenarios.includes(name), `the baseline names ${name}, which the suite no longer has`);

    // The gateway keeps the MCP log level per key (stateless /mcp: no session), and once a key's
    // client set one its tools/call answers are SSE streams carrying the lines. Set it first, as
    // VS Code does, so that every scenario sees the same gateway whatever the suite's order
    // (logging-set-level and tools-call-with-logging set it again; server-sse-polling reads the
    // SSE answer to its tool call).
    const setLevel = await fetch(`${gw.url}mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.reader}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "logging/setLevel", params: { level: "debug" } }),
    });
    assert.deepEqual((await setLevel.json()).result, {});
    const results = await runAll(`${gw.url}mcp`, scenarios, { key: keys.reader, origin: new URL(gw.url).origin });
    const passed = results.filter((r) => !r.failed).map((r) => r.scenario);
    t.diagnostic(`${passed.length}/${results.length} scenarios pass: ${passed.join(", ")}`);
    for (const r of results) if (r.warnings.length) t.diagnostic(`${r.scenario} warns: ${r.warnings.join("; ")}`);
    for (const r of results) {
      await t.test(r.scenario, () => {
        const expected = baseline.expected_failures[r.scenario];
        if (expected) assert.ok(r.failed, `${r.scenario} now passes: remove it from tests/js/conformance-baseline.json (it said: ${expected})`);
        else assert.ok(!r.failed, `${r.scenario} fails and is not in the baseline:\n  ${r.failures.join("\n  ")}`);
      });
    }
  });

  test("tools-list with every tool (--tools full --allow-writes, a write key): every tool is well formed", async () => {
    if (missing) return;
    const full = await startGateway(["--keys", join(tmp, "keys.json"), "--tools", "full", "--allow-writes"], sandboxEnv(sandbox));
    try {
      const r = await runOne(`${full.url}mcp`, "tools-list", { key: keys.writer, origin: new URL(full.url).origin });
      assert.ok(!r.failed, r.failures.join("\n"));
      const listed = r.checks.find((c) => c.id === "tools-list")?.details?.toolCount;
      // Every endpoint but the destructive ones, which a key is offered only when its --allow names them (docs/GATEWAY.md).
      assert.ok(listed >= 225, `tools-list saw ${listed} tools`);
    } finally {
      await full.stop();
    }
  });
});
