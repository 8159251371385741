// The published package, tested as a user installs it: `npm run pack`'s tarballs are published to
// a private registry (verdaccio on 127.0.0.1, no uplinks) and fresh projects in temp folders run
// `npm install crisp-kit` against it, with cargo and rustc off PATH. A registry, not files,
// because what is under test is npm's own choice among the optionalDependencies (os, cpu, libc).
// Nothing may resolve a crisp-kit-* name anywhere else (someone else could own those names on
// the public registry): npm is pointed at the local registry, every other host goes to a proxy
// that does not exist, and the lock files are checked to name 127.0.0.1 only. (verdaccio is a
// devDependency at 6.8.0 with node-fetch overridden to 2.7.0 in the root package.json: later 6.x
// want Node 22, and 6.8.0 as published does not install without the override.)
//
// First, with crisp-kit alone on the registry (as on Windows until a release builds its addon,
// or any platform without one): the install succeeds and runs on wasm. Then with every platform
// package published: npm installs exactly this machine's (linux-x64-gnu) and it runs natively.
// On each: ESM import, CJS require, crisp-kit/compat, `npx crisp-kit`, the shared vectors and a
// round trip with the real sandbox.
import assert from "node:assert/strict";
import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { root, startSandbox } from "../js/support.mjs";

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "crisp-kit-install-"));
const servers = [];
let registry;
let sandbox;
let tarballs;

/** PATH without any folder that holds cargo or rustc: the user has Node, not Rust. */
const userPath = process.env.PATH.split(delimiter)
  .filter((dir) => dir && !existsSync(join(dir, "cargo")) && !existsSync(join(dir, "rustc")))
  .join(delimiter);

/** A user's environment: nothing of this repo's npm run, npm pointed at the local registry only. */
function userEnv(project, extra = {}) {
  return {
    PATH: userPath,
    HOME: join(tmp, "home"),
    npm_config_userconfig: join(tmp, "npmrc"),
    npm_config_cache: join(project, ".npm-cache"),
    npm_config_registry: registry,
    // Any host but the local registry goes to a port where nothing listens.
    npm_config_proxy: "http://127.0.0.1:9",
    npm_config_https_proxy: "http://127.0.0.1:9",
    npm_config_noproxy: "127.0.0.1",
    npm_config_fetch_retries: "0",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_loglevel: "error",
    ...extra,
  };
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Verdaccio on 127.0.0.1 with no uplink: it knows only what this test publishes. */
async function startRegistry() {
  const port = await freePort();
  const dir = join(tmp, "registry");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "config.yaml"),
    [
      `storage: ${join(dir, "storage")}`,
      "auth:",
      `  htpasswd: { file: ${join(dir, "htpasswd")} }`,
      "uplinks: {}",
      "packages:",
      "  '**': { access: $all, publish: $authenticated }",
      "web: { enable: false }",
      "middlewares: { audit: { enabled: false } }",
      "log: { type: stdout, format: json, level: http }",
      "",
    ].join("\n"),
  );
  const child = spawn(process.execPath, [join(root, "node_modules", "verdaccio", "bin", "verdaccio"), "-c", join(dir, "config.yaml"), "-l", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = [];
  child.stdout.on("data", (d) => log.push(d));
  child.stderr.on("data", (d) => log.push(d));
  servers.push(child);
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}-/ping`)).ok) break;
    } catch {}
    if (child.exitCode !== null || i > 150) throw new Error(`verdaccio did not start:\n${Buffer.concat(log)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // A user to publish as (verdaccio's htpasswd plugin registers it), as `npm adduser` would.
  const res = await fetch(`${url}-/user/org.couchdb.user:ci`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "ci", password: "local-registry-only" }),
  });
  const { token } = await res.json();
  assert.ok(token, "verdaccio gave a token");
  writeFileSync(join(tmp, "npmrc"), `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  return { url, log, child };
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    process.kill(child.pid, "SIGTERM");
  });
}

async function publish(tarball) {
  await run("npm", ["publish", tarball], { cwd: tmp, env: userEnv(tmp) });
}

/** A fresh project that runs `npm install crisp-kit` (plus flags); returns its folder. */
async function install(name, flags = []) {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true }));
  await run("npm", ["install", ...flags, "crisp-kit@0.1.0"], { cwd: dir, env: userEnv(dir) });
  // What the shared JS suites import instead of the repo's build (tests/js/support.mjs).
  writeFileSync(join(dir, "kit.mjs"), 'export * from "crisp-kit";\n');
  return dir;
}

/** Runs node in a project (its own node_modules), as the user would; returns stdout. */
async function node(dir, args, env = {}) {
  const { stdout } = await run(process.execPath, args, { cwd: dir, env: userEnv(dir, env) });
  return stdout.trim();
}

/** The lock file's packages whose name starts with crisp-kit, with where each came from. */
function lockedKit(dir) {
  const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
  return Object.entries(lock.packages)
    .filter(([path]) => path.startsWith("node_modules/crisp-kit"))
    .map(([path, p]) => ({ name: path.slice("node_modules/".length), resolved: p.resolved, optional: Boolean(p.optional) }));
}

/**
 * What a crisp-kit user may add: socket.io-client (an optional peer dependency, for
 * `crisp.events()`) and what it needs, at the versions this checkout's lock file installed (the
 * root's devDependency): each resolved as Node would, from the requiring package's folder up, so a
 * nested copy wins over a hoisted one. (crisp-kit itself has no dependency.)
 */
function dependencyClosure() {
  const found = new Map();
  const visit = (name, from) => {
    let dir = from;
    while (!existsSync(join(dir, "node_modules", name, "package.json"))) {
      if (dir === root) throw new Error(`${name}: not installed in this checkout (npm ci)`);
      dir = join(dir, "..");
    }
    const at = join(dir, "node_modules", name);
    const manifest = JSON.parse(readFileSync(join(at, "package.json"), "utf8"));
    const key = `${name}@${manifest.version}`;
    if (found.has(key)) return;
    found.set(key, name);
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, at);
  };
  const kit = JSON.parse(readFileSync(join(root, "bindings", "js", "package.json"), "utf8"));
  assert.deepEqual(kit.dependencies ?? {}, {}, "crisp-kit installs nothing else");
  assert.equal(kit.peerDependenciesMeta?.["socket.io-client"]?.optional, true, "socket.io-client: an optional peer");
  visit("socket.io-client", join(root, "bindings", "js"));
  return [...found.keys()];
}

before(async () => {
  const probe = spawnSync("sh", ["-c", "command -v cargo || command -v rustc"], { env: { PATH: userPath } });
  assert.notEqual(probe.status, 0, `cargo or rustc is still on the user's PATH: ${probe.stdout}`);
  const { stdout } = await run(process.execPath, [join(root, "bindings", "js", "pack.mjs"), "--out", join(tmp, "tarballs")]);
  tarballs = stdout.trim().split("\n");
  const { url } = await startRegistry();
  registry = url;
  // The registry serves socket.io-client and its dependencies too, as npm's cache holds them (npm
  // ci put them there; their registry tarballs, byte for byte): a user's `npm install
  // socket.io-client` resolves them like crisp-kit.
  const deps = join(tmp, "deps");
  mkdirSync(deps, { recursive: true });
  for (const spec of dependencyClosure()) {
    const { stdout: packed } = await run("npm", ["pack", spec, "--prefer-offline", "--json", "--pack-destination", deps], { cwd: tmp });
    await publish(join(deps, JSON.parse(packed)[0].filename));
  }
  sandbox = await startSandbox(["--seed", "23"]);
});

after(async () => {
  await sandbox?.stop();
  for (const child of servers) await stop(child);
  rmSync(tmp, { recursive: true, force: true });
});

test("npm run pack: crisp-kit and one package per built platform, each with what it needs", () => {
  // The Windows one only where its release runner's addon was put in place (release.yml).
  const names = tarballs.map((t) => t.split("/").pop()).filter((n) => n !== "crisp-kit-win32-x64-msvc-0.1.0.tgz");
  assert.deepEqual(names.sort(), [
    "crisp-kit-0.1.0.tgz",
    "crisp-kit-darwin-arm64-0.1.0.tgz",
    "crisp-kit-darwin-x64-0.1.0.tgz",
    "crisp-kit-linux-arm64-gnu-0.1.0.tgz",
    "crisp-kit-linux-arm64-musl-0.1.0.tgz",
    "crisp-kit-linux-x64-gnu-0.1.0.tgz",
    "crisp-kit-linux-x64-musl-0.1.0.tgz",
  ]);
  const list = (tgz) => spawnSync("tar", ["-tzf", tgz], { encoding: "utf8" }).stdout.trim().split("\n");
  const main = list(tarballs.find((t) => t.endsWith("/crisp-kit-0.1.0.tgz")));
  for (const file of ["package/README.md", "package/LICENSE", "package/dist/index.js", "package/dist/index.cjs", "package/dist/crisp_kit_wasm_bg.wasm", "package/dist/cjs/index.d.ts",
    "package/dist/web.js", "package/dist/web-events.js", "package/dist/crisp_kit_rtm_bg.wasm"]) {
    assert.ok(main.includes(file), `${file} is in crisp-kit`);
  }
  const chunks = main.filter((f) => /^package\/dist\/web-chunk-.*\.js$/.test(f));
  assert.ok(chunks.length >= 1, "the events chunk's own chunks (socket.io-client) are in crisp-kit");
  assert.ok(!main.some((f) => f.startsWith("package/native/")), "no development addon in crisp-kit");
  assert.deepEqual(list(tarballs.find((t) => t.includes("linux-x64-gnu"))).sort(), [
    "package/LICENSE",
    "package/README.md",
    "package/crisp-kit.linux-x64-gnu.node",
    "package/package.json",
  ]);
});

test("npm asks 127.0.0.1 only: an unknown name is a local 404, another registry is unreachable", async () => {
  await assert.rejects(run("npm", ["view", "crisp-kit-win32-x64-msvc", "version"], { cwd: tmp, env: userEnv(tmp) }), (e) => {
    assert.match(e.stderr, /E404/);
    assert.match(e.stderr, /127\.0\.0\.1/);
    return true;
  });
  const elsewhere = userEnv(tmp, { npm_config_registry: "https://registry.npmjs.org/" });
  await assert.rejects(run("npm", ["view", "crisp-kit", "version"], { cwd: tmp, env: elsewhere }), (e) => {
    assert.match(e.stderr, /ECONNREFUSED|proxy/);
    return true;
  });
});

/** Every check a user would make, on a project whose backend must be `backend`. */
function userChecks(project, backend) {
  test("ESM import and CJS require pick the same backend", async () => {
    const esm = await node(project(), ["--input-type=module", "-e", 'import { Crisp } from "crisp-kit"; console.log(Crisp.backend)']);
    const cjs = await node(project(), ["-e", 'console.log(require("crisp-kit").Crisp.backend)']);
    assert.equal(esm, backend);
    assert.equal(cjs, backend);
  });

  test("npx crisp-kit endpoints and call, against the sandbox", async () => {
    const env = userEnv(project());
    const { stdout } = await run("npx", ["--no-install", "crisp-kit", "endpoints", "--search", "conversation state"], { cwd: project(), env });
    assert.match(stdout, /change_conversation_state/);
    const called = await run("npx", ["--no-install", "crisp-kit", "call", "list_conversations", "--param", "pageNumber=1"], {
      cwd: project(),
      env: {
        ...env,
        CRISP_IDENTIFIER: sandbox.identifier,
        CRISP_KEY: sandbox.key,
        CRISP_TIER: "plugin",
        CRISP_WEBSITE_ID: sandbox.website_id,
        CRISP_BASE_URL: sandbox.url,
      },
    });
    assert.ok(JSON.parse(called.stdout).length > 0, "conversations listed");
  });

  test("a round trip with the sandbox: ESM Crisp and CJS crisp-kit/compat", async () => {
    await sandbox.clearRequests();
    const opts = JSON.stringify(sandbox.options);
    const sent = await node(project(), [
      "--input-type=module",
      "-e",
      `import { Crisp } from "crisp-kit";
       const crisp = new Crisp(${opts});
       const [first] = await crisp.call("list_conversations", { pageNumber: 1 });
       await crisp.call("send_message_in_conversation", { sessionID: first.session_id,
         body: { type: "note", from: "operator", origin: "chat", content: "installed ${backend}" } });
       console.log(first.session_id);`,
    ]);
    const seen = await node(project(), [
      "-e",
      `const Crisp = require("crisp-kit/compat");
       const client = new Crisp();
       client.authenticateTier("plugin", ${JSON.stringify(sandbox.identifier)}, ${JSON.stringify(sandbox.key)});
       client.setRestHost(${JSON.stringify(sandbox.url.replace(/\/v1\/$/, ""))});
       client.website.getMessagesInConversation(${JSON.stringify(sandbox.website_id)}, ${JSON.stringify(sent)})
         .then((messages) => console.log(JSON.stringify(messages.map((m) => m.content))));`,
    ]);
    assert.ok(JSON.parse(seen).includes(`installed ${backend}`), "the note sent through the ESM entry is read back through compat");
    const log = await sandbox.requests();
    assert.deepEqual(
      log.map((r) => r.method),
      ["GET", "POST", "GET"],
      "exactly the three requests, the write once",
    );
  });

  test("the shared vectors through the installed package", async () => {
    const env = userEnv(project(), { CRISP_KIT_ENTRY: join(project(), "kit.mjs"), CRISP_KIT_EXPECT_BACKEND: backend });
    const { stdout } = await run(process.execPath, ["--test", "--test-reporter=tap", join(root, "tests", "js", "vectors.test.mjs")], { cwd: project(), env });
    assert.match(stdout, /^# fail 0$/m);
    assert.match(stdout, /^# pass [1-9]/m);
  });
}

describe("crisp-kit alone on the registry: installs, runs on wasm", () => {
  let dir;
  const project = () => dir;
  before(async () => {
    await publish(tarballs.find((t) => t.endsWith("/crisp-kit-0.1.0.tgz")));
    dir = await install("app-wasm");
  });

  test("nothing but crisp-kit installed, from 127.0.0.1", () => {
    assert.deepEqual(lockedKit(dir), [{ name: "crisp-kit", resolved: `${registry}crisp-kit/-/crisp-kit-0.1.0.tgz`, optional: false }]);
    assert.deepEqual(readdirSync(join(dir, "node_modules")).filter((n) => n.startsWith("crisp-kit")), ["crisp-kit"]);
  });

  userChecks(project, "wasm");

  // socket.io-client is an optional peer dependency: not installed with crisp-kit. REST and web
  // hooks work without it (on the wasm core: the real-time .wasm module from the tarball);
  // crisp.events() says what to install, and works once it is installed.
  const eventsScript = () => `
    import { Crisp, CrispError } from "crisp-kit";
    import Compat from "crisp-kit/compat";
    import { createHmac } from "node:crypto";
    const crisp = new Crisp({ ...${JSON.stringify(sandbox.options)}, hooks: { secret: "s3cret" } });
    const [first] = await crisp.call("list_conversations", { pageNumber: 1 });
    const hooked = [];
    crisp.hooks.on("message:send", (data) => hooked.push(data.content));
    const ts = String(Date.now());
    const body = JSON.stringify({ website_id: "w", event: "message:send", data: { content: "hooked" }, timestamp: Number(ts) });
    const sig = createHmac("sha256", "s3cret").update("[" + ts + ";" + body + "]").digest("hex");
    const hook = await crisp.hooks.receive(new TextEncoder().encode(body), ts, sig);
    let events;
    try {
      const sub = await crisp.events({ events: ["message:send"] });
      await sub.ready;
      const got = new Promise((resolve) => sub.on("message:send", resolve));
      await fetch(${JSON.stringify(sandbox.url.replace(/\/v1\/$/, "/_sandbox/"))} + "simulate/visitor-message",
        { method: "POST", body: JSON.stringify({ session_id: first.session_id, content: "over the socket" }) });
      events = { content: (await got).content };
      sub.close();
    } catch (e) {
      events = { error: e instanceof CrispError, code: e.code, message: e.message };
    }
    // A crisp-api bot switched to crisp-kit/compat, listening over the socket (WebSockets mode).
    const bot = new Compat();
    bot.authenticateTier("plugin", ${JSON.stringify(sandbox.identifier)}, ${JSON.stringify(sandbox.key)});
    bot.setRestHost(${JSON.stringify(sandbox.url.replace(/\/v1\/$/, ""))});
    let compat;
    try {
      await bot.on("message:send", () => {});
      compat = "bound";
    } catch (e) {
      compat = e instanceof CrispError ? e.code : String(e);
    }
    bot.close();
    console.log(JSON.stringify({ backend: Crisp.backend, rest: typeof first.session_id, hook: hook.code, hooked, events, compat }));`;

  test("without socket.io-client: REST and web hooks work; crisp.events() is a CrispError saying `npm install socket.io-client`", async () => {
    assert.ok(!existsSync(join(dir, "node_modules", "socket.io-client")), "not installed with crisp-kit");
    const out = JSON.parse(await node(dir, ["--input-type=module", "-e", eventsScript()]));
    assert.deepEqual(out.events, {
      error: true,
      code: "missing_dependency",
      message: "crisp.events() needs socket.io-client, an optional peer dependency of crisp-kit: run `npm install socket.io-client` (REST and web hooks do not need it)",
    });
    assert.deepEqual([out.backend, out.rest, out.hook, out.hooked, out.compat], ["wasm", "string", "ok", ["hooked"], "missing_dependency"]);
    const cli = await run("npx", ["--no-install", "crisp-kit", "events"], {
      cwd: dir,
      env: { ...userEnv(dir), CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key, CRISP_TIER: "plugin", CRISP_BASE_URL: sandbox.url },
    }).then(() => null, (e) => e);
    assert.ok(cli, "crisp-kit events fails");
    assert.match(cli.stderr, /npm install socket\.io-client/);
    assert.doesNotMatch(cli.stderr, /ERR_MODULE_NOT_FOUND|at async/);
  });

  test("with socket.io-client installed: crisp.events() receives a simulated message:send", { timeout: 120_000 }, async () => {
    await run("npm", ["install", "socket.io-client"], { cwd: dir, env: userEnv(dir) });
    const out = JSON.parse(await node(dir, ["--input-type=module", "-e", eventsScript()]));
    assert.deepEqual(out.events, { content: "over the socket" });
    assert.deepEqual([out.backend, out.hook, out.compat], ["wasm", "ok", "bound"]);
  });

  test("CRISP_KIT_BACKEND=native names the package to install", async () => {
    await assert.rejects(node(dir, ["-e", 'require("crisp-kit")'], { CRISP_KIT_BACKEND: "native" }), (e) => {
      assert.match(e.stderr, /CRISP_KIT_BACKEND=native, but the native addon for linux-x64 is not loadable: npm install crisp-kit-linux-x64-gnu/);
      return true;
    });
  });
});

describe("with the platform packages published: npm picks this machine's, runs natively", () => {
  let dir;
  const project = () => dir;
  before(async () => {
    for (const t of tarballs.filter((t) => !t.endsWith("/crisp-kit-0.1.0.tgz"))) await publish(t);
    dir = await install("app-native");
  });

  test("every platform package resolved from 127.0.0.1; only linux-x64-gnu installed", () => {
    const locked = lockedKit(dir);
    for (const { name, resolved } of locked) {
      assert.equal(resolved, `${registry}${name}/-/${name}-0.1.0.tgz`, `${name} came from the local registry`);
    }
    const published = tarballs.map((t) => t.split("/").pop().replace(/-0\.1\.0\.tgz$/, "")).filter((n) => n !== "crisp-kit");
    assert.deepEqual(locked.filter((p) => p.optional).map((p) => p.name).sort(), published.sort(), "npm weighed every platform package");
    assert.deepEqual(readdirSync(join(dir, "node_modules")).filter((n) => n.startsWith("crisp-kit")).sort(), ["crisp-kit", "crisp-kit-linux-x64-gnu"]);
  });

  userChecks(project, "native");

  test("TypeScript reads the right declarations: node16 ESM and CJS, bundler, the browser condition", async () => {
    const files = {
      "esm.mts": 'import { Crisp } from "crisp-kit";\nimport Compat from "crisp-kit/compat";\nexport const b: "native" | "wasm" = Crisp.backend;\nexport const c = new Compat();\n',
      "cjs.cts": 'import kit = require("crisp-kit");\nexport const b: "native" | "wasm" = kit.Crisp.backend;\n',
      // The Node entry has no init(); the browser build has, and bundlers targeting browsers see it.
      "bundler.ts": '// @ts-expect-error init belongs to the browser build\nimport { Crisp, init } from "crisp-kit";\nexport const b = Crisp.backend;\n',
      "browser.ts": 'import { Crisp, init } from "crisp-kit";\nexport const ready: Promise<void> = init();\nexport const c = Crisp.endpoints();\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const base = { target: "es2022", strict: true, noEmit: true, skipLibCheck: false, lib: ["es2022", "dom"], types: [] };
    const configs = {
      "tsconfig.node16.json": { compilerOptions: { ...base, module: "node16", moduleResolution: "node16" }, files: ["esm.mts", "cjs.cts"] },
      "tsconfig.bundler.json": { compilerOptions: { ...base, module: "esnext", moduleResolution: "bundler" }, files: ["bundler.ts"] },
      "tsconfig.browser.json": { compilerOptions: { ...base, module: "esnext", moduleResolution: "bundler", customConditions: ["browser"] }, files: ["browser.ts"] },
    };
    for (const [name, config] of Object.entries(configs)) {
      writeFileSync(join(dir, name), JSON.stringify(config));
      await node(dir, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", name]).catch((e) => assert.fail(`${name}: ${e.stdout}`));
    }
  });

  test("CRISP_KIT_BACKEND=wasm still forces the wasm core", async () => {
    assert.equal(await node(dir, ["-e", 'console.log(require("crisp-kit").Crisp.backend)'], { CRISP_KIT_BACKEND: "wasm" }), "wasm");
  });

  test("an installed addon that does not load: the wasm core, with a warning that says why", async () => {
    // Last in this project: the addon is spoiled, as a truncated download would leave it.
    writeFileSync(join(dir, "node_modules", "crisp-kit-linux-x64-gnu", "crisp-kit.linux-x64-gnu.node"), "not an ELF file");
    const { stdout, stderr } = await run(process.execPath, ["-e", 'console.log(require("crisp-kit").Crisp.backend)'], { cwd: dir, env: userEnv(dir) });
    assert.equal(stdout.trim(), "wasm");
    assert.match(stderr, /crisp-kit: using the wasm core; the native addon did not load \(crisp-kit-linux-x64-gnu: /);
  });
});

// An arm64 Linux Node: Debian's arm64 nodejs (18), unpacked by scripts/setup.sh and run by Debian's
// qemu-user. npm installs for arm64 as it would on a Graviton or a Raspberry Pi (`--cpu=arm64`).
const arm64Root = join(process.env.CRISP_KIT_TOOLS ?? join(homedir(), ".cache", "crisp-kit"), "arm64-node");
const hasArm64 = existsSync(join(arm64Root, "usr", "bin", "node")) && spawnSync("sh", ["-c", "command -v qemu-aarch64"]).status === 0;

describe("an arm64 Linux project, run by an arm64 Node under qemu-user", { skip: !hasArm64 && "no qemu-aarch64 or arm64 Node (scripts/setup.sh installs them)" }, () => {
  let dir;
  const arm64 = (args, env = {}) =>
    run("qemu-aarch64", ["-L", arm64Root, join(arm64Root, "usr", "bin", "node"), ...args], { cwd: dir, env: userEnv(dir, env) }).then((r) => r.stdout.trim());
  before(async () => {
    dir = await install("app-arm64", ["--cpu=arm64"]);
  });

  test("npm installs linux-arm64-gnu; Node on arm64 loads it and answers from the sandbox", async () => {
    assert.deepEqual(readdirSync(join(dir, "node_modules")).filter((n) => n.startsWith("crisp-kit")).sort(), ["crisp-kit", "crisp-kit-linux-arm64-gnu"]);
    const out = await arm64([
      "--input-type=module",
      "-e",
      `import { Crisp } from "crisp-kit";
       const crisp = new Crisp(${JSON.stringify(sandbox.options)});
       const list = await crisp.call("list_conversations", { pageNumber: 1 });
       console.log(JSON.stringify({ arch: process.arch, backend: Crisp.backend, n: list.length }));`,
    ]);
    const { arch, backend, n } = JSON.parse(out);
    assert.deepEqual({ arch, backend }, { arch: "arm64", backend: "native" });
    assert.ok(n > 0);
  });

  test("the shared vectors through the arm64 addon", async () => {
    const env = { CRISP_KIT_ENTRY: join(dir, "kit.mjs"), CRISP_KIT_EXPECT_BACKEND: "native" };
    // The file run directly (its tests run in this process): `--test` would spawn node again, and
    // an arm64 child of the emulated Node cannot start without binfmt_misc, which this host lacks.
    const stdout = await arm64([join(root, "tests", "js", "vectors.test.mjs")], env);
    assert.match(stdout, /^# fail 0$/m);
    assert.match(stdout, /^# pass [1-9]/m);
  });
});
