// One binding contract for both backends: bindings/js/src/backend.ts declares it once, and the
// raw napi addon and the raw wasm module (not the façade over them) must export exactly those
// functions, and their clients exactly those methods, the same on both sides. The wasm side is also
// typed against the contract at build time (native.ts); the addon has no declarations to check, so
// this test is where a function added to one crate and not the other fails.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { root } from "./support.mjs";

const js = join(root, "bindings", "js");

/** The member names of one interface of backend.ts. */
function declared(name) {
  const source = readFileSync(join(js, "src", "backend.ts"), "utf8");
  const body = source.slice(source.indexOf(`export interface ${name} {`)).split("\n}\n")[0];
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)[(:]/gm)].map((m) => m[1]).sort();
}

async function backends() {
  const native = createRequire(import.meta.url)(join(js, "native", "crisp-kit.node"));
  const wasm = await import(pathToFileURL(join(js, "wasm", "crisp_kit_wasm.js")).href);
  wasm.initSync({ module: readFileSync(join(js, "dist", "crisp_kit_wasm_bg.wasm")) });
  return { native, wasm };
}

const functions = (module) =>
  Object.keys(module)
    .filter((k) => typeof module[k] === "function" && !["BindingClient", "default", "initSync"].includes(k))
    .sort();

test("both backends export the contract's functions, and only those", async () => {
  const want = declared("Binding");
  assert.ok(want.includes("prepare") && want.includes("createClient"), `parsed ${want}`);
  for (const [name, module] of Object.entries(await backends())) {
    assert.deepEqual(functions(module), want, `${name} exports`);
  }
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
