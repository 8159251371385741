// The real extension in headless Firefox (Debian's firefox-esr, driven by puppeteer-core over
// WebDriver BiDi) against the real sandbox: the unpacked extension/dist/firefox build is installed
// with BiDi's webExtension.install (a temporary add-on, as `web-ext run` installs it), app.crisp.chat
// is served by BiDi network interception with the stand-in dashboard (extension/demo), api.crisp.chat
// is refused (and counted), and the panel page is opened in a tab pinned to the dashboard tab (a
// sidebar cannot be opened headless). The handle is the one harness.mjs returns for Chromium, with
// Playwright-shaped pages (firefox-page.mjs), so the same scenarios run on both.
//
// What Firefox needs that Chromium does not, found by running it (Firefox ESR 153, puppeteer-core 24):
// - BiDi refuses to navigate a tab to a moz-extension:// page unless Firefox runs with
//   --remote-allow-system-access; puppeteer then sees no load event from it, so the harness waits
//   for the page's URL instead.
// - Uncaught errors in extension pages are not reported over BiDi: Firefox's stderr has them.
// - A background tab gets no frames: input to it never completes, so the panel has its own window.
// - The extension's internal UUID (its moz-extension:// host) is random per profile unless the
//   `extensions.webextensions.uuids` pref names it before the install.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";
import { dashboardHandler } from "../../extension/demo/serve.mjs";
import { root, startSandbox } from "../js/support.mjs";
import { playwrightShaped } from "./firefox-page.mjs";
import { besideDashboard, helpers } from "./harness.mjs";

export const EXTENSION = join(root, "extension/dist/firefox");
const ADDON_ID = JSON.parse(readFileSync(join(EXTENSION, "manifest.json"), "utf8")).browser_specific_settings.gecko.id;
const UUID = "c0ffee00-c215-4b1d-8f1e-000000000018";

/** Navigates to an extension page: no load event reaches puppeteer from one, so it waits for the URL. */
async function openExtensionPage(page, url) {
  page.raw.goto(url, { timeout: 0 }).catch(() => undefined);
  await page.waitForURL(url);
}

export async function launchFirefox({ colorScheme = "light", viewport = { width: 420, height: 900 }, sandboxArgs = [] } = {}) {
  const sandbox = await startSandbox(["--seed", "1", ...sandboxArgs]);
  let browser;
  try {
    browser = await puppeteer.launch({
      browser: "firefox",
      executablePath: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
      headless: true,
      defaultViewport: viewport,
      args: ["--remote-allow-system-access"],
      extraPrefsFirefox: {
        "extensions.webextensions.uuids": JSON.stringify({ [ADDON_ID]: UUID }),
        // permissions.request grants without the browser's prompt (which no one can click headless).
        "extensions.webextOptionalPermissionPrompts": false,
        // prefers-color-scheme for every page (0 dark, 1 light): the screenshots' dark mode.
        "layout.css.prefers-color-scheme.content-override": colorScheme === "dark" ? 0 : 1,
        // Nothing leaves the machine: every non-loopback connection goes to a closed port. The
        // interception below answers app.crisp.chat before any connection is made.
        "network.proxy.type": 1,
        "network.proxy.http": "127.0.0.1",
        "network.proxy.http_port": 9,
        "network.proxy.ssl": "127.0.0.1",
        "network.proxy.ssl_port": 9,
        "network.proxy.no_proxies_on": "",
      },
    });
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  const pageErrors = [];
  const apiCalls = [];
  try {
    // Errors in the extension's pages never reach BiDi's log events (nor puppeteer's "pageerror"),
    // but Firefox prints every uncaught one, from the first line on, as "JavaScript error: URL...".
    const own = `moz-extension://${UUID}/`;
    createInterface({ input: browser.process().stderr }).on("line", (line) => {
      if (line.startsWith(`JavaScript error: ${own}`)) pageErrors.push(`extension: ${line.slice("JavaScript error: ".length)}`);
    });
    await browser.installExtension(EXTENSION);
    const handle = dashboardHandler(sandbox);
    /** Serves app.crisp.chat, refuses (and counts) api.crisp.chat, lets the sandbox through. */
    const answer = (req) => {
      const url = new URL(req.url());
      if (url.origin === "https://api.crisp.chat") {
        apiCalls.push(req.url());
        return req.abort();
      }
      if (url.origin === "https://app.crisp.chat") {
        const found = handle(url.pathname);
        if (!found) return req.respond({ status: 404, contentType: "text/plain", body: "not found" });
        return req.respond({ status: 200, contentType: found.type, body: found.file ? readFileSync(found.file) : found.body });
      }
      if (url.hostname === "127.0.0.1" || url.protocol === "moz-extension:") return req.continue();
      return req.abort();
    };
    const intercept = async (page) => {
      await page.setRequestInterception(true);
      page.on("request", (req) => {
        if (req.isInterceptResolutionHandled()) return;
        // A page closing with a request in flight makes the answer fail: nobody is waiting for it.
        void answer(req).catch(() => undefined);
      });
    };

    const W = sandbox.website_id;
    const rawDashboard = (await browser.pages())[0] ?? (await browser.newPage());
    rawDashboard.on("pageerror", (e) => pageErrors.push(`dashboard: ${e.message}`));
    if (process.env.DEBUG_E2E) rawDashboard.on("console", (m) => console.error("dashboard console:", m.text()));
    await intercept(rawDashboard);
    await rawDashboard.goto(`https://app.crisp.chat/website/${W}/inbox/`);
    const dashboard = playwrightShaped(rawDashboard);
    await dashboard.waitForSelector("#list a[data-session]");

    // Its own window: a background tab gets no frames in Firefox, and input to it waits forever.
    const rawPanel = await browser.newPage({ type: "window" });
    // (No "pageerror" nor "console" events come from an extension page: see the stderr reader above.)
    await intercept(rawPanel);
    const panel = playwrightShaped(rawPanel);
    const base = `moz-extension://${UUID}/panel.html`;
    await openExtensionPage(panel, base);
    const tabId = await rawPanel.evaluate(async () => (await browser.tabs.query({ url: "https://app.crisp.chat/*" }))[0]?.id);
    if (tabId === undefined) throw new Error("the extension cannot see the dashboard tab (no host permission for app.crisp.chat?)");
    await rawPanel.evaluate((url) => location.replace(url), `${base}?tab=${tabId}`);
    await panel.waitForURL(`${base}?tab=${tabId}`);
    await panel.locator("main").waitFor();

    return {
      sandbox,
      browser,
      dashboard,
      panel,
      extensionId: UUID,
      apiCalls,
      pageErrors,
      /** A socket to Crisp's real-time relays ends at a closed port on this machine (the proxy prefs above). */
      relaysStayLocal: true,
      ...helpers({ sandbox, panel, dashboard }),
      /** Another panel page, not pinned to a tab: a tab beside the dashboard's, in its window. */
      async openPanel() {
        const page = playwrightShaped(await browser.newPage());
        await intercept(page.raw);
        await openExtensionPage(page, base);
        await besideDashboard(page);
        return page;
      },
      /** What the extension keeps in storage.local and storage.session, read from its own page. */
      storage: () => rawPanel.evaluate(async () => ({ local: JSON.stringify(await browser.storage.local.get(null)), session: JSON.stringify(await browser.storage.session.get(null)) })),
      async close() {
        await browser.close().catch(() => undefined);
        await sandbox.stop();
      },
    };
  } catch (error) {
    await browser.close().catch(() => undefined);
    await sandbox.stop();
    throw error;
  }
}
