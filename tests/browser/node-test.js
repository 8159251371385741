// The part of `node:test` the shared JS suites use (describe, test, before, after, beforeEach),
// for running tests/js/*.test.mjs unchanged in a browser page; the page's import map points
// `node:test` here. Tests run in the order they were declared, one at a time, after `run()`.
const tests = [];
const hooks = { before: [], after: [], beforeEach: [] };
let prefix = "";

export function describe(name, fn) {
  const outer = prefix;
  prefix = `${outer}${name} > `;
  try {
    fn();
  } finally {
    prefix = outer;
  }
}

export function test(name, fn) {
  tests.push({ name: prefix + name, fn });
}

export const it = test;
export const before = (fn) => hooks.before.push(fn);
export const after = (fn) => hooks.after.push(fn);
export const beforeEach = (fn) => hooks.beforeEach.push(fn);

/** Runs what the imported suites declared; returns `{name, ok, error}` per test. */
export async function run() {
  const results = [];
  const outcome = async (name, fn) => {
    try {
      await fn();
      results.push({ name, ok: true });
      return true;
    } catch (e) {
      results.push({ name, ok: false, error: String(e?.stack ?? e) });
      return false;
    }
  };
  let ready = true;
  for (const fn of hooks.before) ready = ready && (await outcome("before", fn));
  if (ready) {
    for (const t of tests) {
      await outcome(t.name, async () => {
        for (const fn of hooks.beforeEach) await fn();
        await t.fn();
      });
    }
  }
  for (const fn of hooks.after) await outcome("after", fn);
  return results.filter((r) => !r.ok || (r.name !== "before" && r.name !== "after"));
}
