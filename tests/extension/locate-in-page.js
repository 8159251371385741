// Runs inside the page (bundled by firefox-page.mjs): finds elements the way Playwright's locators
// do, so the scenarios written for Playwright run unchanged over puppeteer in Firefox. A locator is
// a list of steps, each applied within the elements the previous one found:
//   { css }                          querySelectorAll
//   { role, name?, exact? }          ARIA role (explicit or implicit) and accessible name
//   { label, exact? }                form controls by <label>, aria-labelledby or aria-label
//   { text, exact? }                 the innermost elements whose text matches
//   { nth }                          one of the matches
// Texts are { s: "..." } (whitespace-normalized; substring and case-insensitive unless exact) or
// { re: source, flags } (a regular expression, tested against the normalized text).
// Roles, names and hidden-ness come from dom-accessibility-api, which implements the W3C specs.
import { computeAccessibleName, getRole, isInaccessible } from "dom-accessibility-api";

const normalize = (text) => text.replace(/\s+/g, " ").trim();

function matcher(m, exact) {
  if (m.re !== undefined) {
    const re = new RegExp(m.re, m.flags);
    return (text) => {
      re.lastIndex = 0;
      return re.test(normalize(text));
    };
  }
  const want = normalize(m.s);
  if (exact) return (text) => normalize(text) === want;
  const lower = want.toLowerCase();
  return (text) => normalize(text).toLowerCase().includes(lower);
}

const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD"]);

/** The scope and every element below it, in document order. */
function subtree(scope) {
  return [scope, ...scope.querySelectorAll("*")].filter((e) => e.nodeType === 1 && !SKIP.has(e.tagName));
}

function elementText(e) {
  if (e instanceof HTMLInputElement && ["button", "submit", "reset"].includes(e.type)) return e.value;
  return e.textContent ?? "";
}

function labelsOf(e) {
  const texts = [];
  for (const label of e.labels ?? []) texts.push(label.textContent ?? "");
  for (const id of (e.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean)) {
    const by = e.ownerDocument.getElementById(id);
    if (by) texts.push(by.textContent ?? "");
  }
  const aria = e.getAttribute("aria-label");
  if (aria) texts.push(aria);
  return texts;
}

function step(scopes, s) {
  if (s.nth !== undefined) return scopes.slice(s.nth, s.nth + 1);
  const found = new Set();
  for (const scope of scopes) {
    let hits;
    if (s.css !== undefined) hits = [...scope.querySelectorAll(s.css)];
    else if (s.role !== undefined) {
      const name = s.name === undefined ? null : matcher(s.name, s.exact);
      hits = subtree(scope).filter((e) => getRole(e) === s.role && !isInaccessible(e) && (!name || name(computeAccessibleName(e))));
    } else if (s.label !== undefined) {
      const match = matcher(s.label, s.exact);
      hits = subtree(scope).filter((e) => labelsOf(e).some(match));
    } else if (s.text !== undefined) {
      const match = matcher(s.text, s.exact);
      // The innermost match: an element whose text matches only because a child's does is skipped.
      hits = subtree(scope).filter((e) => match(elementText(e)) && ![...e.children].some((c) => !SKIP.has(c.tagName) && match(elementText(c))));
    } else throw new Error(`unknown locator step ${JSON.stringify(s)}`);
    for (const e of hits) found.add(e);
  }
  // Document order, as Playwright returns them.
  return [...found].sort((a, b) => (a === b ? 0 : a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
}

/** Playwright's rule: a non-empty box and not visibility:hidden. */
function visible(e) {
  const box = e.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== "hidden";
}

globalThis.__crispLocate = {
  all(steps) {
    return steps.reduce(step, [document.documentElement]);
  },
  /** What a waiting locator needs to know in one round trip. */
  probe(steps) {
    const all = this.all(steps);
    return { count: all.length, visible: all.filter(visible).length, enabled: all.length === 1 && !all[0].disabled && !all[0].closest("fieldset:disabled") };
  },
  visible,
};
