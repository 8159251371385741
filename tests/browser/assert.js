// The part of `node:assert/strict` the shared JS suites use, for a browser page; the page's
// import map points `node:assert/strict` here.
class AssertionError extends Error {}

const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

function fail(message, detail) {
  throw new AssertionError(message ? `${message}${detail ? `\n${detail}` : ""}` : detail);
}

/** Strict deep equality of plain data (what the suites compare: JSON-like values). */
function same(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

function ok(value, message) {
  if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
}

const assert = Object.assign(ok, {
  ok,
  AssertionError,
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) fail(message, `got  ${show(actual)}\nwant ${show(expected)}`);
  },
  notEqual(actual, expected, message) {
    if (Object.is(actual, expected)) fail(message, `got ${show(actual)}, which it must not be`);
  },
  deepEqual(actual, expected, message) {
    if (!same(actual, expected)) fail(message, `got  ${show(actual)}\nwant ${show(expected)}`);
  },
  match(text, pattern, message) {
    if (!pattern.test(text)) fail(message, `${show(text)} does not match ${pattern}`);
  },
  async rejects(promise, check, message) {
    try {
      await (typeof promise === "function" ? promise() : promise);
    } catch (e) {
      if (typeof check === "function" && check(e) !== true) fail(message, `wrong error: ${e?.code ?? ""} ${e?.message ?? e}`);
      return;
    }
    fail(typeof check === "string" ? check : message, "did not reject");
  },
});

export default assert;
export const { equal, notEqual, deepEqual, match, rejects } = assert;
export { ok, AssertionError };
