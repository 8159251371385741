// Every shell command shown in README.md and docs/*.md (their ```sh blocks), run as a reader runs
// it, from the checkout, against the real sandbox on 127.0.0.1: so the docs cannot drift from what
// works. Each command has a decision below: run it (and what its output must show), or skip it with
// the reason. A command in the docs without a decision, or a decision for a command no longer in
// the docs, fails the test. The CLI is a Node-only surface: this file runs with the Node backend.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { backendName, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";

/** The docs whose commands are checked. */
const DOCS = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

const skip = (why) => ({ skip: why });
/** Run it; `check(result, files)` asserts on what it printed (files: what it redirected into). */
const run = (check) => ({ check });

const SYNOPSIS = "a usage synopsis with placeholders (FILE, NAME, a|b), not a command to run";
const GATEWAY = "talks to a running gateway (`crisp-kit serve`) with a key it issued; tests/js/serve.test.mjs starts one and drives these routes over HTTP";
const PUBLISHED = "the published form: crisp-kit is not on the npm registry yet, and tests never install from the network; the checkout form beside it is run";

const DECISIONS = {
  "npm start": skip("starts the sandbox and the demo dashboard and serves until stopped; the demo's parts run in the extension suite"),
  "npm test": skip("is the suite this test is part of"),
  "D=~/.cache/crisp-kit/conformance": skip("sets a variable for the conformance command below it"),
  "CRISP_KIT_CONFORMANCE_KEY=ckg_… CRISP_KIT_CONFORMANCE_ORIGIN=http://127.0.0.1:8790 CRISP_KIT_CONFORMANCE_DIR=$D $D/node_modules/node/bin/node --import ./tests/js/conformance-auth.mjs $D/node_modules/@modelcontextprotocol/conformance/dist/index.js server --url http://127.0.0.1:8790/mcp --scenario dns-rebinding-protection":
    skip("runs the conformance suite against a gateway of the reader's with its key; tests/js/conformance.test.mjs runs the same suite and preload against a gateway it starts, with a key it issued"),
  "export CRISP_IDENTIFIER=… CRISP_KEY=… CRISP_TIER=plugin CRISP_WEBSITE_ID=…":
    skip("sets the reader's own credentials; every command here runs with the same variables set to the sandbox's"),
  "npx crisp-kit --version": run((r) => assert.match(r.stdout, /^crisp-kit \d+\.\d+\.\d+\n$/)),
  'npx crisp-kit endpoints --search "conversation state"': run((r) => {
    assert.match(r.stdout, /^get_conversation_state\s/m);
    assert.match(r.stdout, /^change_conversation_state\s/m);
  }),
  "npx crisp-kit call get_conversation --param sessionID=session_…": run((r, ctx) => assert.equal(JSON.parse(r.stdout).session_id, ctx.sessionID)),
  "npx crisp-kit call list_conversations --param filter_unread=true --all-pages > unread.jsonl": run((r, ctx) => {
    const lines = ctx.file("unread.jsonl").split("\n").filter(Boolean);
    assert.ok(lines.length > 0, "no unread conversation in the sandbox's seed");
    assert.ok(lines.every((l) => typeof JSON.parse(l).session_id === "string"));
    assert.match(r.stderr, /pages, \d+ items, done/);
  }),
  "npx crisp-kit call get_messages_in_conversation --param sessionID=session_… --all-pages > history.jsonl": run((r, ctx) => {
    const stamps = ctx.file("history.jsonl").split("\n").filter(Boolean).map((l) => JSON.parse(l).timestamp);
    assert.ok(stamps.length > 0);
    assert.deepEqual(stamps, [...stamps].sort((a, b) => b - a), "newest first");
    assert.match(r.stderr, /\d+ messages, newest first, done/);
  }),
  "npx crisp-kit call change_conversation_state --param sessionID=session_… --body '{\"state\":\"resolved\"}' --dry-run": run((r, ctx) => {
    const preview = JSON.parse(r.stdout);
    assert.equal(preview.method, "PATCH");
    assert.equal(preview.headers.Authorization, "Basic [redacted]");
    assert.ok(preview.url.endsWith(`/conversation/${ctx.sessionID}/state`));
  }),
  "npm install crisp-kit socket.io-client": skip(
    "installs from the network (crisp-kit is not on the npm registry yet); tests/package installs the packed crisp-kit, then socket.io-client, from a local registry and receives a simulated message:send",
  ),
  "npx crisp-kit events --events message:send,message:received > events.jsonl":
    skip("streams until interrupted; tests/js/events.test.mjs runs `crisp-kit events` against the sandbox's socket and stops it"),
  "npx crisp-kit mcp": run((r) => assert.match(r.stderr, /ready: \d+ tools/)),
  "npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit mcp": skip(PUBLISHED),
  "claude mcp add crisp -e CRISP_IDENTIFIER=… -e CRISP_KEY=… -e CRISP_TIER=plugin -e CRISP_WEBSITE_ID=… -- npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit mcp":
    skip(`configures Claude Code, which is not installed here; and ${PUBLISHED}`),
  // docs/GATEWAY.md (crisp-kit serve). The key file goes to the test's temporary directory.
  "npx crisp-kit serve keys add --keys ./gateway-keys.json --name alice --scope read": run((r, ctx) => {
    assert.match(r.stdout, /^ckg_\S+\n$/);
    assert.ok(JSON.parse(ctx.file("gateway-keys.json")).keys.some((k) => k.name === "alice" && k.scope === "read"));
    assert.ok(!ctx.file("gateway-keys.json").includes(r.stdout.trim()), "the key itself is stored");
  }),
  "npx crisp-kit serve keys add --keys ./gateway-keys.json --name bot --scope write --accounts eu": run((r, ctx) =>
    assert.ok(JSON.parse(ctx.file("gateway-keys.json")).keys.some((k) => k.name === "bot" && k.scope === "write"))),
  "npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit serve --keys ./gateway-keys.json --allow-writes": skip(PUBLISHED),
  "crisp-kit serve keys add --keys FILE --name NAME --scope read|write [--accounts a,b] [--concurrency N]": skip(SYNOPSIS),
  "crisp-kit serve keys list --keys FILE [--json]": skip(SYNOPSIS),
  "crisp-kit serve keys remove --keys FILE --name NAME": skip(SYNOPSIS),
  "G=http://127.0.0.1:8790": skip(GATEWAY),
  "K=ckg_…": skip(GATEWAY),
  "curl -s $G/_endpoints | jq '.endpoints[] | select(.id == \"get_conversation\")'": skip(GATEWAY),
  "curl -s $G/api/crisp/_endpoints | jq .count": skip(GATEWAY),
  "curl -s -X POST $G/api/crisp/get/conversation -H \"Authorization: Bearer $K\" -H 'content-type: application/json' -d '{\"sessionID\": \"session_…\"}'": skip(GATEWAY),
  "curl -s -X POST $G/api/crisp/list/conversations -H \"Authorization: Bearer $K\" -d '{\"account\": \"eu\", \"query\": \"{\\\"per_page\\\": 20, \\\"filter_unread\\\": true}\"}'": skip(GATEWAY),
  "curl -s -X POST $G/api/crisp/change/conversation/state -H \"Authorization: Bearer $K\" -d '{\"sessionID\": \"session_…\", \"body\": {\"state\": \"resolved\"}}'": skip(GATEWAY),
  'claude mcp add --transport http crisp http://127.0.0.1:8790/mcp --header "Authorization: Bearer ckg_…"': skip("configures Claude Code, which is not installed here"),
  // docs/GATEWAY.md, OAuth.
  "npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit serve --keys ./gateway-keys.json --host 127.0.0.1 --port 8790 --public-url https://crisp-gateway.example.com/":
    skip(`${PUBLISHED}; and it serves until stopped, behind a TLS proxy: tests/js/serve-oauth.test.mjs runs the gateway with --public-url`),
  "crisp-kit serve grants list --keys ./gateway-keys.json [--json]": skip(`${SYNOPSIS}; tests/js/serve-oauth.test.mjs runs grants list against a gateway's grants`),
  "crisp-kit serve grants revoke --keys ./gateway-keys.json --id ID": skip(`${SYNOPSIS}; tests/js/serve-oauth.test.mjs revokes a grant by id under a running gateway`),
  "crisp-kit serve grants revoke --keys ./gateway-keys.json --key alice": skip("needs a grant made with the key alice, which takes a consent in a browser; tests/js/serve-oauth.test.mjs revokes grants under a running gateway"),
  "crisp-kit serve grants revoke --keys ./gateway-keys.json --client CLIENT_ID | --all": skip(SYNOPSIS),
  "crisp-kit serve --keys keys.json --rate 9/s --redis redis://127.0.0.1:6379": skip("starts the gateway until stopped, with a Redis server; tests/js/serve.test.mjs runs the gateway with Redis"),
};

/** The commands of a Markdown text's sh blocks: continuation lines joined, comments dropped. */
export function commandsIn(markdown) {
  const commands = [];
  for (const [, body] of markdown.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)) {
    for (const line of body.replace(/\\\n\s*/g, "").split("\n")) {
      const command = line.replace(/(^|\s+)#.*$/, "").trim();
      if (command) commands.push(command);
    }
  }
  return commands;
}

let sandbox;
let tmp;
let sessionID;

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "5"]);
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-doc-commands-"));
  const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
  });
  sessionID = (await res.json()).data[0].session_id;
});
after(async () => {
  await sandbox?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs one doc command in bash from the checkout's root, stdin closed, output files under tmp. */
function shell(command) {
  // Files the command writes go to the test's temporary directory, not into the checkout.
  const line = command
    .replaceAll("session_…", sessionID)
    .replaceAll("./gateway-keys.json", `'${join(tmp, "gateway-keys.json")}'`)
    .replace(/>\s*(\S+)$/, (_, file) => `> '${join(tmp, file)}'`);
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", line], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CRISP_BASE_URL: sandbox.url, CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key,
        CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sandbox.website_id,
        // npx must run the checkout's command, never fetch a package of that name.
        npm_config_yes: "false", npm_config_offline: "true", npm_config_update_notifier: "false",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGTERM"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the commands in the docs", { skip: !nodeBackend && "the CLI is a Node-only surface" }, () => {
  const found = new Map(); // command -> the docs that show it
  for (const doc of DOCS) for (const c of commandsIn(readFileSync(join(root, doc), "utf8"))) found.set(c, [...(found.get(c) ?? []), doc]);

  test("every command shown has a decision, and every decision a command", () => {
    const undecided = [...found.keys()].filter((c) => !(c in DECISIONS));
    assert.deepEqual(undecided, [], `add these to DECISIONS in tests/js/doc-commands.test.mjs: run them, or say why not`);
    const gone = Object.keys(DECISIONS).filter((c) => !found.has(c));
    assert.deepEqual(gone, [], "these decisions name commands no longer in the docs");
  });

  for (const [command, decision] of Object.entries(DECISIONS)) {
    if (!found.has(command)) continue;
    test(`${found.get(command).join(", ")}: ${command}`, { skip: decision.skip }, async () => {
      const result = await shell(command);
      assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr}`);
      assert.ok(!result.stdout.includes(sandbox.key) && !result.stderr.includes(sandbox.key), "the key was printed");
      decision.check(result, { sessionID, file: (name) => readFileSync(join(tmp, name), "utf8") });
    });
  }
});
