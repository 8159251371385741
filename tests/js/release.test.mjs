// The release workflow's supply-chain rules (issue 25, item 15), read from the files themselves:
// only the publishing job can mint an npm provenance token and it runs no project code; every
// action is pinned by a full commit SHA with its tag beside it; pip installs only hashed wheels;
// cargo install is --locked on GitHub's runners. (No YAML parser in the dependencies: the checks
// read the lines, and each job's block is the text between its header and the next one.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { root } from "./support.mjs";

const workflow = readFileSync(join(root, ".github", "workflows", "release.yml"), "utf8");
const setup = readFileSync(join(root, "scripts", "setup.sh"), "utf8");
const requirements = readFileSync(join(root, "scripts", "requirements-cross.txt"), "utf8");

/** Each job's text, by name (the two-space-indented keys under `jobs:`). */
function jobs() {
  const body = workflow.slice(workflow.indexOf("\njobs:\n") + 7);
  const out = {};
  const headers = [...body.matchAll(/^ {2}([\w-]+):\s*$/gm)];
  headers.forEach((m, i) => (out[m[1]] = body.slice(m.index, headers[i + 1]?.index ?? body.length)));
  return out;
}

test("release: only `publish` holds id-token: write; it needs `test`, which runs the suite; it runs no project code", () => {
  const j = jobs();
  assert.deepEqual(Object.keys(j).sort(), ["addon", "publish", "test"]);
  assert.match(workflow, /^permissions:\n {2}contents: read\n/m, "the default for every job: read only");
  for (const [name, text] of Object.entries(j)) {
    assert.equal(/id-token:\s*write/.test(text), name === "publish", `${name}: id-token`);
  }
  assert.match(j.publish, /^ {4}needs: test$/m);
  assert.match(j.test, /^ {4}needs: addon$/m);
  assert.match(j.test, /run: npm test/);
  // publish takes the tested tarballs as they are: no checkout, no install, no build, no tests.
  for (const forbidden of [/actions\/checkout/, /npm (test|ci|install|run)/, /node bindings/, /cargo /, /pip /]) {
    assert.doesNotMatch(j.publish, forbidden, `publish runs ${forbidden}`);
  }
  assert.match(j.publish, /name: tarballs/);
  assert.match(j.test, /name: tarballs/);
});

test("release: every action is pinned by a full commit SHA, its tag in a comment", () => {
  const uses = [...workflow.matchAll(/^\s*-?\s*uses:\s*(.+)$/gm)].map((m) => m[1].trim());
  assert.ok(uses.length >= 6, `found ${uses.length}`);
  for (const u of uses) assert.match(u, /^[\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, u);
  // One SHA per action: the same tag everywhere it is used.
  const byAction = new Map();
  for (const u of uses) {
    const [action, rest] = u.split("@");
    assert.equal(byAction.get(action) ?? rest, rest, `${action} pinned twice differently`);
    byAction.set(action, rest);
  }
});

test("release: pip installs only hashed wheels; cargo install is --locked on GitHub's runners", () => {
  const pips = [...`${workflow}\n${setup}`.matchAll(/^(?!\s*#).*\bpip"? install.*$/gm)].map((m) => m[0]);
  assert.ok(pips.length >= 2, pips.join("\n"));
  for (const line of pips) assert.match(line, /--require-hashes -r scripts\/requirements-cross\.txt/, line);
  const entries = requirements.split(/\n(?=[a-z])/).filter((e) => /^[a-z]/.test(e));
  assert.deepEqual(entries.map((e) => e.split(" ")[0]), ["ziglang==0.17.1", "cargo-zigbuild==0.24.1"]);
  for (const e of entries) assert.ok((e.match(/--hash=sha256:[0-9a-f]{64}/g) ?? []).length >= 2, `${e}: a hash per Linux platform`);
  const installs = [...setup.matchAll(/^(?!\s*#).*cargo install.*$/gm)].map((m) => m[0]);
  assert.ok(installs.length >= 1);
  for (const line of installs) assert.match(line, /"\$\{locked\[@\]\}"/, line);
  assert.match(setup, /\[ "\$\{GITHUB_ACTIONS:-\}" = true \] && locked=\(--locked\)/);
});
