// One binding contract for both backends: bindings/js/src/client/backend.ts declares it once, and the
// raw napi addon and the raw wasm module (not the façade over them) must export exactly those
// functions, and their clients exactly those methods, the same on both sides. The wasm side is also
// typed against the contract at build time (native.ts); the addon has no declarations to check, so
// this test is where a function added to one crate and not the other fails.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { root } from "./support.mjs";

const js = join(root, "bindings", "js");

/** The member names of one interface of backend.ts. */
function declared(name) {
  const source = readFileSync(join(js, "src", "client", "backend.ts"), "utf8");
  const body = source.slice(source.indexOf(`export interface ${name} {`)).split("\n}\n")[0];
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((m) => m[1]).sort();
}

async function backends() {
  const native = createRequire(import.meta.url)(join(js, "native", "crisp-kit.node"));
  const wasm = await import(pathToFileURL(join(js, "wasm", "crisp_kit_wasm.js")).href);
  wasm.initSync({ module: readFileSync(join(js, "dist", "crisp_kit_wasm_bg.wasm")) });
  return { native, wasm };
}

/** The real-time module of the wasm build (crisp-kit-wasm-rtm), as web-events.js and Node's wasm fallback load it. */
async function rtmWasm() {
  const rtm = await import(pathToFileURL(join(js, "wasm", "crisp_kit_rtm.js")).href);
  rtm.initSync({ module: readFileSync(join(js, "dist", "crisp_kit_rtm_bg.wasm")) });
  return rtm;
}

const functions = (module) =>
  Object.keys(module)
    .filter((k) => typeof module[k] === "function" && !["BindingClient", "default", "initSync"].includes(k))
    .sort();

test("each module exports its contract's functions, and only those: the addon both, the wasm build one each", async () => {
  const rest = declared("Binding");
  const rtm = declared("RtmBinding");
  assert.ok(rest.includes("prepare") && rest.includes("createClient") && rest.includes("verifyHook"), `parsed ${rest}`);
  assert.ok(rtm.includes("rtmAuthentication") && rtm.includes("checkHook"), `parsed ${rtm}`);
  const { native, wasm } = await backends();
  assert.deepEqual(functions(native), [...rest, ...rtm].sort(), "napi addon exports");
  // The REST module (what every page downloads) has no real-time function; the second module has only those.
  assert.deepEqual(functions(wasm), rest, "crisp-kit-wasm exports");
  assert.deepEqual(functions(await rtmWasm()), rtm, "crisp-kit-wasm-rtm exports");
});

const SIGNED = createHmac("sha256", "s").update("[1800000000000;{}]").digest("hex");

test("the addon and the real-time wasm module answer alike, and the token stays in the authentication message", async () => {
  const { native } = await backends();
  const rtm = await rtmWasm();
  const config = JSON.stringify({ identifier: "id-1", key: "s3cret-key", tier: "plugin", accounts: { eu: { identifier: "id-2", key: "k2", tier: "website" } } });
  const calls = [
    ["rtmCatalog"],
    ["rtmSubscription", "message:send\nsession:set_state"],
    ["rtmSubscription", "message:send\nnope"],
    ["rtmReconnectDelay", 100, 400, 0.5, 3, 7],
    ["rtmReconnectDelay", 100.5, 400, 0.5, 1, 0],
    ["rtmReconnectDelay", 100, -1, 0.5, 1, 0],
    ["rtmAuthentication", config, null, "message:send", ""],
    ["rtmAuthentication", config, "eu", "", "w1"],
    ["rtmAuthentication", config, "us", "", ""],
    ["checkHook", "s", "1800000000000", new Uint8Array([123, 125]), "00", 1.8e12, 0],
    ["checkHook", "s", "1800000000000", new Uint8Array([123, 125]), "00", 1.8e12, 0.5],
    // Signed (HMAC-SHA256 of `[1800000000000;{}]` with "s"), in capitals: `mac` comes back in lowercase.
    ["checkHook", "s", "1800000000000", new Uint8Array([123, 125]), SIGNED.toUpperCase(), 1.8e12, 0],
    ["checkHook", "s", "1800000000000", new Uint8Array([123, 125]), `${SIGNED}\x85`, 1.8e12, 0],
    ["rtmHookOptions", 0, undefined],
    ["rtmHookOptions", 1000, 4096],
    ["rtmHookOptions", 0, 0.5],
    ["rtmEndpoint", "wss://app.relay.crisp.chat/", true],
    ["rtmEndpoint", "ws://app.relay.crisp.chat/", true],
    ["rtmEndpoint", "http://example.com/", false],
    ["rtmEndpoint", "http://127.0.0.1:9/socket.io/", false],
  ];
  for (const [f, ...args] of calls) assert.equal(rtm[f](...args), native[f](...args), `${f}(${args.join(", ")})`);
  assert.equal(JSON.parse(native.checkHook("s", "1800000000000", new Uint8Array([123, 125]), SIGNED.toUpperCase(), 1.8e12, 0)).mac, SIGNED);
  assert.match(rtm.rtmAuthentication(config, null, "", ""), /"password":"s3cret-key"/);
  const refused = rtm.rtmAuthentication(config, "us", "", "");
  assert.match(refused, /unknown_account/);
  assert.doesNotMatch(refused, /s3cret|k2/, "a refusal never carries a key");
});

test("both backends' clients have the contract's members, and prepare takes the client's number", async () => {
  const want = declared("BindingClient");
  const config = JSON.stringify({ identifier: "i", key: "k", tier: "plugin", websiteId: "8c842203-7ed8-4e29-a608-7cf78a7d2fcc" });
  const answers = [];
  for (const [name, module] of Object.entries(await backends())) {
    const client = module.createClient(config);
    assert.equal(typeof client, "object", `${name} createClient`);
    const members = Object.getOwnPropertyNames(Object.getPrototypeOf(client)).filter((k) => k !== "constructor" && !k.startsWith("__") && k !== "free");
    assert.deepEqual(members.sort(), want, `${name} client members`);
    assert.equal(typeof client.id, "number");
    answers.push(module.prepare(client.id, module.endpointIndex("get_conversation"), '{"sessionID":"session_1"}', null));
  }
  assert.equal(answers[0], answers[1], "the same request from both");
  assert.match(answers[0], /^GET\nhttps:\/\/api\.crisp\.chat\/v1\/website\/8c842203-7ed8-4e29-a608-7cf78a7d2fcc\/conversation\/session_1\n/);
});
