// One binding contract for both backends: bindings/js/src/client/backend.ts declares it once, and
// both are checked against it twice:
// - at compile time, by `tsc` over backends/native.ts, which holds the declarations the generators
//   wrote from the Rust signatures (napi-rs: native/crisp-kit.d.ts; wasm-bindgen: wasm/*.d.ts) to
//   the contract (`Implements`); the last test here shows that check refusing a broken addon;
// - at run time, here: every function of the raw napi addon and of the raw wasm modules (not the
//   façade over them) is called with the same inputs, bad ones and a missing client included, and
//   must answer the same, byte for byte. The table of calls must name every function each module
//   exports, so a function added to a crate is called here or this test fails.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { root } from "./support.mjs";

const js = join(root, "bindings", "js");

async function load() {
  const native = createRequire(import.meta.url)(join(js, "native", "crisp-kit.node"));
  const wasm = await import(pathToFileURL(join(js, "wasm", "crisp_kit_wasm.js")).href);
  wasm.initSync({ module: readFileSync(join(js, "dist", "crisp_kit_wasm_bg.wasm")) });
  // The real-time module of the wasm build (crisp-kit-wasm-rtm), as web-events.js and Node's wasm fallback load it.
  const rtm = await import(pathToFileURL(join(js, "wasm", "crisp_kit_rtm.js")).href);
  rtm.initSync({ module: readFileSync(join(js, "dist", "crisp_kit_rtm_bg.wasm")) });
  return { native, wasm, rtm };
}

/** A module's exported functions, without the client class and wasm-bindgen's init functions. */
const functions = (module) =>
  Object.keys(module)
    .filter((k) => typeof module[k] === "function" && !["BindingClient", "default", "initSync"].includes(k))
    .sort();

/** backend.ts's DISCOVERY: the `endpoint` number of an account's real-time discovery request. */
const DISCOVERY = 0xffffffff;
const WEBSITE = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc";
const CONFIG = JSON.stringify({
  identifier: "id-1",
  key: "s3cret-key",
  tier: "plugin",
  websiteId: WEBSITE,
  accounts: { eu: { identifier: "id-2", key: "k2", tier: "website", websiteId: WEBSITE } },
});
const bytes = (text) => new TextEncoder().encode(text);
/** The `Authorization` of CONFIG's accounts, as a client's `transport()` header sets hold them. */
const AUTH = {
  default: `Basic ${Buffer.from("id-1:s3cret-key").toString("base64")}`,
  eu: `Basic ${Buffer.from("id-2:k2").toString("base64")}`,
};
const SIGNED = createHmac("sha256", "s").update("[1800000000000;{}]").digest("hex");
const HOOK = ["s", "1800000000000", bytes("{}")];
const PLAIN = bytes('{"error":false,"reason":"resolved","data":{"a":1}}');
/** JS numbers the bindings read as whole numbers, or do not. */
const ODD_NUMBERS = [0, 1.5, -1, Number.NaN, Infinity, 2 ** 53, 1e300];

// The module-level functions of `Binding`: [name, ...arguments]. `endpointIndex` results are
// looked up per backend (`ix`), the same on both (the catalog is the same table).
const rest = (ix) => [
  ["createClient", "{"],
  ["createClient", "[]"],
  ["createClient", JSON.stringify({ identifier: "i", key: "k", tier: "gold" })],
  ["createClient", JSON.stringify({ identifier: "i", key: "k", colour: 1 })],
  ["createClient", JSON.stringify({ identifier: "i", key: " " })],
  ["createClient", JSON.stringify({ identifier: "i", key: "k", baseUrl: "http://example.com/" })],
  ["endpointIndex", "get_conversation"],
  ["endpointIndex", "no_such_endpoint"],
  ["endpointIndex", ""],
  ["plainDataStart", ix("get_conversation"), 200, PLAIN],
  ["plainDataStart", ix("get_conversation"), 404, PLAIN],
  ["plainDataStart", ix("get_conversation"), 200, bytes("not json")],
  ["plainDataStart", 0xfffffffe, 200, PLAIN],
  ["plainDataStart", DISCOVERY, 200, PLAIN],
  ...["network", "timeout", "aborted", "other"].map((kind) => ["transportError", "get_conversation", kind, "socket hang up", 1500]),
  ...ODD_NUMBERS.map((ms) => ["transportError", "no_such_endpoint", "timeout", "", ms]),
  ["pageWalkStart", 0, 0, 0],
  ["pageWalkStart", 3, 20, 9],
  ["pageWalkNext", '{"page":2,"perPage":20,"maxPages":5,"fetched":1}', 20],
  ["pageWalkNext", '{"page":2,"perPage":20,"maxPages":5,"fetched":1}', null],
  ["pageWalkNext", '{"page":2,"perPage":20,"maxPages":5,"fetched":1}'],
  ["pageWalkNext", "{", 3],
  ["pageWalkNext", '{"page":-1}', 3],
  ...ODD_NUMBERS.map((t) => ["messageWalkStart", t, 3]),
  ["messageWalkStart", null, 0],
  ["messageWalkNext", '{"timestampBefore":null,"fetched":0,"maxPages":3}', 206, 10],
  ["messageWalkNext", '{"timestampBefore":null,"fetched":0,"maxPages":3}', 200, null],
  ["messageWalkNext", '{"timestampBefore":null,"fetched":0,"maxPages":3}', 206, 1.5],
  ["messageWalkNext", "[]", 206, 10],
  ["catalog"],
  ["verifyHook", ...HOOK, SIGNED],
  ["verifyHook", ...HOOK, SIGNED.toUpperCase()],
  ["verifyHook", ...HOOK, "00"],
  ["verifyHook", "", "", bytes(""), ""],
];

// The methods of `BindingClient`, on a client of CONFIG.
const methods = [
  ["build", "get_conversation", '{"sessionID":"session_1"}', null, false],
  ["build", "get_conversation", '{"sessionID":"session_1"}', "eu", true],
  ["build", "get_conversation", '{"sessionID":"session_1"}', "us", false],
  ["build", "get_conversation", "{}", null, false],
  ["build", "get_conversation", "{", null, false],
  ["build", "get_conversation", '{"sessionID":"a/../b"}', null, false],
  ["build", "get_conversation", '{"sessionID":"s","nope":1}', undefined, false],
  ["build", "no_such_endpoint", "{}", null, false],
  ["build", "send_message_in_conversation", '{"sessionID":"s","body":{"type":"text","from":"operator","origin":"chat","content":"hi"}}', null, true],
  ["decode", "get_conversation", 200, null, null, 1.8e12, PLAIN],
  ["decode", "list_conversations", 200, null, "HIT", 1.8e12, bytes('{"error":false,"reason":"resolved","data":[{"a":"\\u00e9"}]}')],
  ["decode", "get_conversation", 429, "2", null, 1.8e12, bytes("")],
  ["decode", "get_conversation", 429, "Wed, 21 Oct 2026 07:28:00 GMT", null, 1.8e12, bytes("")],
  ...ODD_NUMBERS.map((now) => ["decode", "get_conversation", 503, "Wed, 21 Oct 2026 07:28:00 GMT", null, now, bytes("")]),
  ["decode", "get_conversation", 400, null, null, 0, bytes('{"error":true,"reason":"invalid_data","data":{}}')],
  ["decode", "get_conversation", 200, null, null, 0, bytes("<html>")],
  ["decode", "no_such_endpoint", 200, null, null, 0, PLAIN],
  ["retry", "GET", 1, "timeout", 0, null, 7],
  ["retry", "POST", 1, "timeout", 0, null, 7],
  ["retry", "GET", 1, "status", 503, 5, 7],
  ["retry", "GET", 9, "status", 503, null, 7],
  ["retry", "BREW", 1, "network", 0, undefined, 7],
  ...ODD_NUMBERS.map((n) => ["retry", "GET", 1, "status", 429, n, n]),
  ["transport"],
  ["listAccounts"],
];

// The functions of `RtmBinding`.
const realTime = [
  ["rtmCatalog"],
  ["rtmSubscription", ""],
  ["rtmSubscription", "message:send\nsession:set_state"],
  ["rtmSubscription", "message:send\nnope"],
  ["rtmReconnectDelay", 100, 400, 0.5, 3, 7],
  ["rtmReconnectDelay", 100.5, 400, 0.5, 1, 0],
  ["rtmReconnectDelay", 100, -1, 0.5, 1, 0],
  ["rtmReconnectDelay", 100, 400, 2, 1, 0],
  ...ODD_NUMBERS.map((seed) => ["rtmReconnectDelay", 100, 400, 0.5, 2, seed]),
  // The tier and token of a REST client's header set for the account (as the façade passes them), or none.
  ["rtmAuthentication", null, "plugin", AUTH.default, "message:send", ""],
  ["rtmAuthentication", "eu", "website", AUTH.eu, "", "w1\nw2"],
  ["rtmAuthentication", "us", "", "", "", ""],
  ["rtmAuthentication", undefined, "plugin", AUTH.default, "nope", ""],
  ["rtmAuthentication", null, "gold", AUTH.default, "", ""],
  ["rtmAuthentication", null, "plugin", "Basic !!", "", ""],
  ["rtmAuthentication", null, "plugin", `Bearer ${AUTH.default.slice(6)}`, "", ""],
  ["checkHook", ...HOOK, "00", 1.8e12, 0],
  ["checkHook", ...HOOK, SIGNED, 1.8e12, 0.5],
  // Signed (HMAC-SHA256 of `[1800000000000;{}]` with "s"), in capitals: `mac` comes back in lowercase.
  ["checkHook", ...HOOK, SIGNED.toUpperCase(), 1.8e12, 0],
  ["checkHook", ...HOOK, SIGNED, 1.9e12, 0],
  ["checkHook", ...HOOK, `${SIGNED}\x85`, 1.8e12, 0],
  ["checkHook", ...HOOK, SIGNED, Number.NaN, 0],
  ["rtmHookOptions", 0],
  ["rtmHookOptions", 0, null],
  ["rtmHookOptions", 1000, 4096],
  ["rtmHookOptions", 0, 0.5],
  ["rtmHookOptions", -1, undefined],
  ["rtmEndpoint", "wss://app.relay.crisp.chat/", true],
  ["rtmEndpoint", "ws://app.relay.crisp.chat/", true],
  ["rtmEndpoint", "http://example.com/", false],
  ["rtmEndpoint", "http://127.0.0.1:9/socket.io/", false],
  ["rtmEndpoint", "not a url", false],
];

const show = (args) => args.map((a) => (a instanceof Uint8Array ? `<${a.length} bytes>` : JSON.stringify(a))).join(", ");

/** Calls `f(...args)` on both sides and asserts the same answer (or the same thrown message). */
function same(label, a, b) {
  const run = (f) => {
    try {
      return { value: f() };
    } catch (error) {
      return { threw: String(error?.message ?? error) };
    }
  };
  const [x, y] = [run(a), run(b)];
  assert.deepEqual(y, x, label);
  return x.value;
}

test("the table calls every function of each module: the addon both contracts, the wasm build one each", async () => {
  const { native, wasm, rtm } = await load();
  const restNames = [...new Set(rest(() => 0).map(([f]) => f)), "prepare"].sort();
  const rtmNames = [...new Set(realTime.map(([f]) => f))].sort();
  assert.deepEqual(functions(wasm), restNames, "crisp-kit-wasm exports, and the calls of this file");
  assert.deepEqual(functions(rtm), rtmNames, "crisp-kit-wasm-rtm exports, and the calls of this file");
  assert.deepEqual(functions(native), [...restNames, ...rtmNames].sort(), "napi addon exports");
  const client = native.createClient(CONFIG);
  const members = (c) => Object.getOwnPropertyNames(Object.getPrototypeOf(c)).filter((k) => !["constructor", "free", "id"].includes(k) && !k.startsWith("__"));
  assert.deepEqual(members(client).sort(), [...new Set(methods.map(([m]) => m))].sort(), "napi client methods");
  assert.deepEqual(members(wasm.createClient(CONFIG)).sort(), members(client).sort(), "wasm client methods");
});

test("every function answers the same on both backends, bad input included", async () => {
  const { native, wasm, rtm } = await load();
  const calls = rest((id) => native.endpointIndex(id));
  assert.equal(calls.filter(([f]) => f === "endpointIndex").length, 3);
  for (const [f, ...args] of calls) {
    const answer = same(`${f}(${show(args)})`, () => wasm[f](...args), () => native[f](...args));
    if (f === "createClient") assert.equal(typeof answer, "string", `${f}(${show(args)}) refuses`);
  }
  for (const [f, ...args] of realTime) same(`${f}(${show(args)})`, () => rtm[f](...args), () => native[f](...args));
  const clients = [wasm.createClient(CONFIG), native.createClient(CONFIG)];
  assert.equal(typeof clients[1], "object");
  for (const [m, ...args] of methods) same(`client.${m}(${show(args)})`, () => clients[0][m](...args), () => clients[1][m](...args));
  // Not only equal, but right: a few answers read.
  const ix = native.endpointIndex("get_conversation");
  assert.ok(ix >= 0);
  assert.equal(native.endpointIndex("no_such_endpoint"), -1);
  assert.match(native.createClient("{"), /"code":"invalid_config"/);
  assert.equal(JSON.parse(native.checkHook(...HOOK, SIGNED.toUpperCase(), 1.8e12, 0)).mac, SIGNED);
  assert.equal(native.verifyHook(...HOOK, SIGNED), true);
  assert.equal(JSON.parse(clients[1].build("get_conversation", "{}", null, false)).error.param, "sessionID");
  assert.equal(JSON.parse(clients[1].build("get_conversation", '{"sessionID":"s"}', "us", false)).error.code, "unknown_account");
  const refused = rtm.rtmAuthentication("us", "", "", "", "");
  assert.match(refused, /unknown_account/);
  for (const [tier, token] of [["gold", AUTH.default], ["plugin", "Basic !!"]]) {
    const bad = rtm.rtmAuthentication(null, tier, token, "", "");
    assert.match(bad, /"param":"authorization"/);
    assert.doesNotMatch(bad, /s3cret|aWQtMTpzM2NyZXQta2V5/, "a refusal never carries a key");
  }
  // The façade's inputs come from the client: its header sets hold exactly these values.
  const sets = JSON.parse(clients[1].transport()).headers;
  assert.deepEqual([sets[0]["X-Crisp-Tier"], sets[0].Authorization, sets[2]["X-Crisp-Tier"], sets[2].Authorization], ["plugin", AUTH.default, "website", AUTH.eu]);
  const message = JSON.parse(rtm.rtmAuthentication(null, "plugin", AUTH.default, "", "")).message;
  assert.deepEqual([message.tier, message.username, message.password], ["plugin", "id-1", "s3cret-key"]);
});

test("prepare takes a client's number: the same request from both, and the same refusal for a number with no client", async () => {
  const { native, wasm } = await load();
  const params = '{"sessionID":"session_1"}';
  const answers = [];
  const missing = [];
  for (const module of [wasm, native]) {
    const client = module.createClient(CONFIG);
    const get = module.endpointIndex("get_conversation");
    const put = module.endpointIndex("send_message_in_conversation");
    const calls = [
      [client.id, get, params, null],
      [client.id, get, params, "eu"],
      [client.id, get, params],
      [client.id, get, params, "us"],
      [client.id, get, "{", null],
      [client.id, get, "{}", null],
      [client.id, put, '{"sessionID":"s","body":{"type":"text","from":"operator","origin":"chat","content":"a\\nb"}}', null],
      [client.id, 0xfffffffe, "{}", null],
      // The account's real-time discovery request (crisp_core::boundary::DISCOVERY), and an unknown account's.
      [client.id, DISCOVERY, "{}", "eu"],
      [client.id, DISCOVERY, "{}", "us"],
      // A number no client has: never made, on both; on wasm also a client's number after `free()`.
      [1_000_000, get, params, null],
      [1_000_000, DISCOVERY, "{}", null],
    ];
    answers.push(calls.map((args) => module.prepare(...args)));
    if (module === wasm) {
      const { id } = client;
      client.free();
      missing.push(module.prepare(id, get, params, null));
    }
    missing.push(module.prepare(1_000_000, get, params, null));
  }
  assert.deepEqual(answers[1], answers[0], "the same answers from both");
  assert.match(answers[0][0], new RegExp(`^GET\nhttps://api\\.crisp\\.chat/v1/website/${WEBSITE}/conversation/session_1\n0\n$`));
  assert.match(answers[0][1], /\n2\n$/, "the eu account's header set");
  assert.equal(answers[0][2], answers[0][0], "an absent account is the default");
  assert.match(answers[0][6], /^PATCH\n|^POST\n/);
  assert.match(answers[0][8], /^GET\nhttps:\/\/api\.crisp\.chat\/v1\/website\/connect\/endpoints\n2\n$/, "eu's discovery, with eu's header set");
  assert.match(answers[0][9], /"code":"unknown_account"/);
  assert.match(answers[0][11], /"code":"invalid_param".*"param":"client"/);
  const refusal = JSON.parse(missing[0]).error;
  assert.deepEqual(
    [refusal.code, refusal.param, refusal.endpoint, refusal.retryable],
    ["invalid_param", "client", "get_conversation", false],
    missing[0],
  );
  assert.ok(missing.every((m) => m === missing[0]), "a freed client and an unknown number, on both: one refusal");
});

test("the compile-time check refuses an addon whose generated declarations drift from the contract", () => {
  // The declarations `napi build` wrote, with `prepare` losing its last parameter: what the
  // addon's would say had its Rust function lost it. tsc over a copy of the check in native.ts.
  const generated = readFileSync(join(js, "native", "crisp-kit.d.ts"), "utf8");
  const signature = /export declare function prepare\(client: number, endpoint: number, paramsJson: string, account\?: [^)]*\): string/;
  assert.match(generated, signature, "the generated declaration of prepare");
  const dir = mkdtempSync(join(tmpdir(), "crisp-contract-"));
  try {
    const compilerOptions = { noEmit: true, strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", types: [] };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["check.ts"] }));
    const backend = pathToFileURL(join(js, "src", "client", "backend.js")).pathname;
    const check = (declarations) => {
      writeFileSync(join(dir, "napi.d.ts"), declarations);
      writeFileSync(
        join(dir, "check.ts"),
        `import type * as napi from "./napi.js";\nimport type { Binding, Check, Implements, RtmBinding } from ${JSON.stringify(backend)};\n` +
          `type NapiModule = Omit<typeof napi, "BindingClient">;\nexport type Addon = Check<NapiModule, Implements<Binding & RtmBinding, NapiModule>>;\n`,
      );
      const tsc = join(root, "node_modules", ".bin", "tsc");
      try {
        execFileSync(tsc, ["-p", dir], { stdio: "pipe" });
        return "";
      } catch (error) {
        return String(error.stdout);
      }
    };
    assert.equal(check(generated), "", "the generated declarations pass");
    const broken = check(generated.replace(signature, "export declare function prepare(client: number, endpoint: number, paramsJson: string): string"));
    assert.match(broken, /error TS2344[\s\S]*property 'prepare'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
