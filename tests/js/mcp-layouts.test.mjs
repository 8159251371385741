// The MCP layouts measured: every tool of every layout is annotated (a title and the four hints set
// explicitly); what `tools/list` costs per layout and toolset; and how many tool calls five scripted
// support tasks take with the task layout against the compact layout (tests/js/mcp-agent.mjs, each
// answer checked against the sandbox). docs/MCP.md states these numbers: this test keeps it true.
// Node-only surface (the napi addon): skipped under the wasm backend.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { measureLayouts, runScripts, tables } from "./mcp-agent.mjs";
import { backendName, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
let sandbox;
let layouts;
let scripts;

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "17"]);
});
after(async () => {
  await sandbox?.stop();
});

describe("MCP layouts", { skip: !nodeBackend && "Node-only surface" }, () => {
  test("every tool of every layout has a title and all four hints, set explicitly", async () => {
    layouts = await measureLayouts(sandbox);
    for (const layout of layouts) {
      for (const t of layout.tools) {
        const where = `${layout.name}: ${t.name}`;
        assert.ok(typeof t.title === "string" && t.title.length > 3, `${where} has a title`);
        assert.equal(t.annotations?.title, t.title, where);
        for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"]) {
          assert.equal(typeof t.annotations?.[hint], "boolean", `${where}: ${hint}`);
        }
        // A write is never marked read-only, and a read never destructive.
        if (t.annotations.readOnlyHint) assert.equal(t.annotations.destructiveHint, false, where);
      }
      const writes = layout.tools.filter((t) => !t.annotations.readOnlyHint);
      if (!layout.args.includes("--allow-writes")) assert.deepEqual(writes.map((t) => t.name), [], `${layout.name} offers no write`);
    }
  });

  test("the default layout's tool list is at most 24 KB; each toolset is smaller", () => {
    const byName = Object.fromEntries(layouts.map((l) => [l.name, l]));
    const def = byName["tasks (default), read-only"];
    const all = byName["tasks, --allow-writes"];
    assert.ok(all.bytes <= 24 * 1024, `the task layout with writes: ${all.bytes} bytes`);
    assert.ok(def.bytes < all.bytes);
    for (const l of layouts.filter((x) => x.name.includes("--toolsets"))) assert.ok(l.bytes < all.bytes, l.name);
    assert.ok(byName["full, --allow-writes"].bytes > 10 * all.bytes);
  });

  test("five support tasks: at most 2 calls each with the task layout, answers checked", async (t) => {
    scripts = await runScripts(sandbox);
    for (const r of scripts) {
      t.diagnostic(`${r.name}: tasks ${r.tasks}, compact ${r.compact}`);
      assert.ok(r.tasks <= 2, `${r.name}: ${r.tasks} calls`);
      assert.ok(r.compact > r.tasks, r.name);
    }
  });

  test("docs/MCP.md states these measurements", () => {
    const doc = readFileSync(join(root, "docs/MCP.md"), "utf8");
    const m = /<!-- mcp-measured:start -->\n([\s\S]*?)<!-- mcp-measured:end -->/.exec(doc);
    assert.ok(m, "docs/MCP.md has no mcp-measured section");
    const expected = tables(layouts, scripts);
    assert.equal(m[1], expected, `docs/MCP.md's measured tables should read:\n${expected}`);
  });
});
