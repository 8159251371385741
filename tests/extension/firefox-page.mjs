// A Playwright-shaped page over a puppeteer page, for the calls the shared scenarios make
// (scenarios.mjs, harness.mjs's helpers, screenshots.mjs): getByRole, getByLabel, getByText and
// locator() chains that wait like Playwright's (strict: an action on a locator that matches more
// than one element fails), and click, fill, check, selectOption, waitFor, innerText, inputValue...
// Elements are found in the page by locate-in-page.js; clicks and keys are real input events sent
// by puppeteer over WebDriver BiDi. Playwright itself cannot drive Firefox ESR (its BiDi client
// sends commands ESR 153 does not know), which is why this exists.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const TIMEOUT = 30_000;
const POLL_MS = 50;

let bundle;
async function locateSource() {
  bundle ??= esbuild
    .build({ entryPoints: [join(here, "locate-in-page.js")], bundle: true, format: "iife", minify: true, write: false, logLevel: "warning" })
    .then((r) => r.outputFiles[0].text);
  return bundle;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A text or RegExp, as locate-in-page.js takes it. */
function text(t) {
  return t instanceof RegExp ? { re: t.source, flags: t.flags.replace("g", "") } : { s: String(t) };
}

function describe(steps) {
  return steps
    .map((s) => {
      const show = (m) => (m.re !== undefined ? `/${m.re}/${m.flags}` : JSON.stringify(m.s));
      if (s.css !== undefined) return `locator(${JSON.stringify(s.css)})`;
      if (s.role !== undefined) return `getByRole(${JSON.stringify(s.role)}${s.name ? `, { name: ${show(s.name)}${s.exact ? ", exact: true" : ""} }` : ""})`;
      if (s.label !== undefined) return `getByLabel(${show(s.label)})`;
      if (s.text !== undefined) return `getByText(${show(s.text)})`;
      return `nth(${s.nth})`;
    })
    .join(".");
}

/** Runs `page[kind](fn, ...args)` with locate-in-page.js loaded (again after a navigation). */
async function inPage(page, kind, fn, ...args) {
  for (let attempt = 0; ; attempt++) {
    try {
      if (!(await page.evaluate(() => Boolean(globalThis.__crispLocate)))) await page.evaluate(await locateSource());
      return await page[kind](fn, ...args);
    } catch (error) {
      // A navigation in flight destroys the context: try again in the next document.
      if (attempt < 20 && /context|destroyed|detached|navigat|__crispLocate/i.test(String(error?.message))) {
        await sleep(POLL_MS);
        continue;
      }
      throw error;
    }
  }
}

class Locator {
  constructor(page, steps) {
    this.page = page;
    this.steps = steps;
  }
  toString() {
    return describe(this.steps);
  }
  locator(css) {
    return new Locator(this.page, [...this.steps, { css }]);
  }
  getByRole(role, { name, exact } = {}) {
    return new Locator(this.page, [...this.steps, { role, ...(name === undefined ? {} : { name: text(name) }), exact: Boolean(exact) }]);
  }
  getByLabel(label, { exact } = {}) {
    return new Locator(this.page, [...this.steps, { label: text(label), exact: Boolean(exact) }]);
  }
  getByText(t, { exact } = {}) {
    return new Locator(this.page, [...this.steps, { text: text(t), exact: Boolean(exact) }]);
  }
  nth(n) {
    return new Locator(this.page, [...this.steps, { nth: n }]);
  }
  first() {
    return this.nth(0);
  }

  async probe() {
    return inPage(this.page, "evaluate", (steps) => globalThis.__crispLocate.probe(steps), this.steps);
  }

  /** Waits until `ok(probe)`; throws Playwright's strict-mode error when more than one matches. */
  async until(what, ok, { timeout = TIMEOUT, strict = true } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const p = await this.probe();
      if (strict && p.count > 1) throw new Error(`strict mode violation: ${this} resolved to ${p.count} elements`);
      if (ok(p)) return p;
      if (Date.now() > deadline) throw new Error(`${this}: timeout ${timeout}ms waiting for ${what} (found ${p.count}, visible ${p.visible})`);
      await sleep(POLL_MS);
    }
  }

  /** The one element, once attached (and visible and enabled for actions). */
  async element({ action = false, timeout } = {}) {
    await this.until(action ? "a visible, enabled element" : "an element", (p) => p.count === 1 && (!action || (p.visible === 1 && p.enabled)), { timeout });
    const handle = await inPage(this.page, "evaluateHandle", (steps) => globalThis.__crispLocate.all(steps)[0], this.steps);
    if (!handle.asElement()) throw new Error(`${this}: the element went away`);
    return handle;
  }

  async waitFor({ state = "visible", timeout } = {}) {
    const ok = {
      attached: (p) => p.count >= 1,
      detached: (p) => p.count === 0,
      visible: (p) => p.visible >= 1,
      hidden: (p) => p.visible === 0,
    }[state];
    if (!ok) throw new Error(`waitFor: unknown state ${state}`);
    await this.until(`state ${state}`, ok, { timeout, strict: state === "visible" || state === "attached" });
  }

  async click(options) {
    const e = await this.element({ action: true, ...options });
    await e.click();
  }
  async dblclick(options) {
    const e = await this.element({ action: true, ...options });
    await e.click({ count: 2 });
  }
  async focus() {
    await (await this.element()).focus();
  }
  async blur() {
    await (await this.element()).evaluate((e) => e.blur());
  }
  /** Sets the value as typing would end, with the input and change events a framework listens to. */
  async fill(value) {
    const e = await this.element({ action: true });
    await e.evaluate((el, v) => {
      el.focus();
      const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, "value").set.call(el, v);
      el.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: v }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }, String(value));
  }
  async selectOption(value) {
    const e = await this.element({ action: true });
    const ok = await e.evaluate((el, v) => {
      if (![...el.options].some((o) => o.value === v)) return false;
      el.value = v;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    }, String(value));
    if (!ok) throw new Error(`${this}: no option with value ${JSON.stringify(value)}`);
  }
  async setChecked(want) {
    const e = await this.element({ action: true });
    if ((await e.evaluate((el) => el.checked)) !== want) await e.click();
    if ((await e.evaluate((el) => el.checked)) !== want) throw new Error(`${this}: clicking did not ${want ? "check" : "uncheck"} it`);
  }
  check() {
    return this.setChecked(true);
  }
  uncheck() {
    return this.setChecked(false);
  }
  async innerText() {
    return (await this.element()).evaluate((e) => e.innerText);
  }
  async textContent() {
    return (await this.element()).evaluate((e) => e.textContent);
  }
  async inputValue() {
    return (await this.element()).evaluate((e) => e.value);
  }
  async getAttribute(name) {
    return (await this.element()).evaluate((e, n) => e.getAttribute(n), name);
  }
  async isDisabled() {
    return (await this.element()).evaluate((e) => Boolean(e.disabled));
  }
  async isVisible() {
    return (await this.probe()).visible > 0;
  }
  async count() {
    return (await this.probe()).count;
  }
}

/** The page calls the scenarios use, over a puppeteer page. `raw` is the puppeteer page. */
export function playwrightShaped(page) {
  const root = new Locator(page, []);
  return {
    raw: page,
    locator: (css) => root.locator(css),
    getByRole: (...a) => root.getByRole(...a),
    getByLabel: (...a) => root.getByLabel(...a),
    getByText: (...a) => root.getByText(...a),
    keyboard: page.keyboard,
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    waitForFunction: (fn, arg, options) => page.waitForFunction(fn, options ?? {}, arg),
    screenshot: (options) => page.screenshot(options),
    waitForTimeout: sleep,
    bringToFront: () => page.bringToFront(),
    close: () => page.close(),
    click: (css) => root.locator(css).click(),
    waitForSelector: (css, options) => root.locator(css).first().waitFor(options),
    url: () => page.evaluate(() => location.href),
    async waitForURL(url, { timeout = TIMEOUT } = {}) {
      const deadline = Date.now() + timeout;
      let now;
      while ((now = await page.evaluate(() => location.href).catch(() => null)) !== url) {
        if (Date.now() > deadline) throw new Error(`waitForURL: timeout ${timeout}ms waiting for ${url} (at ${now})`);
        await sleep(POLL_MS);
      }
    },
  };
}
