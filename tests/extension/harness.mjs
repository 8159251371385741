// The real extension in headless Chromium (Debian's, via playwright-core) against the real sandbox:
// the unpacked extension/dist/chrome build is loaded into a persistent context, app.crisp.chat is
// served by context.route with the stand-in dashboard (extension/demo), api.crisp.chat is refused
// (and counted), and the panel page is opened in a tab pinned to the dashboard tab (a side panel
// cannot be opened headless). Shared by the end-to-end tests, the screenshots and the benchmark.
// `launch({ browser: "firefox" })` runs the Firefox build in Firefox instead (harness-firefox.mjs),
// with the same handle: the same page and locator calls, the same helpers.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { dashboardHandler } from "../../extension/demo/serve.mjs";
import { root, startSandbox } from "../js/support.mjs";

export const EXTENSION = join(root, "extension/dist/chrome");
// Crisp's real-time relays (*.relay.crisp.chat) resolve to a closed port here, never the network:
// the CSP scenario opens a socket to one, which the CSP must let through (a mocked WebSocket, as
// Playwright's routeWebSocket makes, would bypass the CSP and prove nothing).
const FLAGS = ["--host-resolver-rules=MAP *.relay.crisp.chat 127.0.0.1:9", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Basic auth for direct sandbox calls from the test runner. */
function auth(s) {
  return { Authorization: `Basic ${Buffer.from(`${s.identifier}:${s.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" };
}

export async function launch({ browser = "chromium", colorScheme = "light", viewport = { width: 420, height: 900 }, sandboxArgs = [] } = {}) {
  if (browser === "firefox") return (await import("./harness-firefox.mjs")).launchFirefox({ colorScheme, viewport, sandboxArgs });
  if (browser !== "chromium") throw new Error(`launch: unknown browser ${JSON.stringify(browser)} (chromium or firefox)`);
  const sandbox = await startSandbox(["--seed", "1", ...sandboxArgs]);
  const profile = mkdtempSync(join(tmpdir(), "crisp-kit-extension-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      headless: true,
      colorScheme,
      viewport,
      args: [...FLAGS, `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`],
    });
  } catch (error) {
    await sandbox.stop();
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  // The stand-in dashboard page loads its inbox from the sandbox on loopback; Chromium's Local
  // Network Access asks the user first for a public origin, so the test grants it (the real
  // dashboard talks to Crisp, not to a sandbox). The panel gets no such grant.
  await context.grantPermissions(["local-network-access"], { origin: "https://app.crisp.chat" });
  const apiCalls = [];
  await context.route("https://api.crisp.chat/**", (route) => {
    apiCalls.push(route.request().url());
    return route.abort();
  });
  await context.route("https://avatars.sandbox.crisp.local/**", (route) => route.abort());

  const handle = dashboardHandler(sandbox);
  await context.route("https://app.crisp.chat/**", (route) => {
    const found = handle(new URL(route.request().url()).pathname);
    if (!found) return route.fulfill({ status: 404, body: "not found" });
    return route.fulfill({ status: 200, contentType: found.type, body: found.file ? readFileSync(found.file) : found.body });
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  const extensionId = new URL(worker.url()).host;
  const W = sandbox.website_id;

  const dashboard = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  dashboard.on("pageerror", (e) => pageErrors.push(`dashboard: ${e.message}`));
  if (process.env.DEBUG_E2E) dashboard.on("console", (m) => console.error("dashboard console:", m.text()));
  await dashboard.goto(`https://app.crisp.chat/website/${W}/inbox/`);
  await dashboard.waitForSelector("#list a[data-session]");
  const tabId = await worker.evaluate(async () => (await chrome.tabs.query({ url: "https://app.crisp.chat/*" }))[0]?.id);
  const panel = await context.newPage();
  panel.on("pageerror", (e) => pageErrors.push(`panel: ${e.message}`));
  await panel.goto(`chrome-extension://${extensionId}/panel.html?tab=${tabId}`);

  return {
    sandbox,
    context,
    worker,
    dashboard,
    panel,
    extensionId,
    apiCalls,
    pageErrors,
    /** A socket to Crisp's real-time relays ends at a closed port on this machine (--host-resolver-rules). */
    relaysStayLocal: true,
    ...helpers({ sandbox, panel, dashboard }),
    /** Another panel page, not pinned to a tab: a tab beside the dashboard's, in its window. */
    async openPanel() {
      const page = await context.newPage();
      page.on("pageerror", (e) => pageErrors.push(`second panel: ${e.message}`));
      await page.goto(`chrome-extension://${extensionId}/panel.html`);
      await besideDashboard(page);
      return page;
    },
    /** What the extension keeps in storage.local and storage.session, each as one JSON string. */
    storage: () => worker.evaluate(async () => ({ local: JSON.stringify(await chrome.storage.local.get(null)), session: JSON.stringify(await chrome.storage.session.get(null)) })),
    async close() {
      await context.close().catch(() => undefined);
      await sandbox.stop();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Moves an extension page's tab into the dashboard tab's window (where a sidebar would be). */
export async function besideDashboard(page) {
  await page.evaluate(async () => {
    const [dashboard] = await chrome.tabs.query({ url: "https://app.crisp.chat/*" });
    const own = await chrome.tabs.getCurrent();
    if (dashboard && own && own.windowId !== dashboard.windowId) await chrome.tabs.move(own.id, { windowId: dashboard.windowId, index: -1 });
  });
}

/**
 * What both drivers' handles share: the sandbox's API and control endpoints, and the user's steps
 * in the panel and the dashboard (written once against the page and locator calls both offer).
 */
export function helpers({ sandbox, panel, dashboard }) {
  const control = sandbox.url.replace(/\/v1\/$/, "/_sandbox/");
  const W = sandbox.website_id;
  return {
    websiteId: W,
    async api(path) {
      const res = await fetch(`${sandbox.url}${path}`, { headers: auth(sandbox) });
      return (await res.json()).data;
    },
    /** The sandbox's request log (optionally for one endpoint id). */
    async log(endpoint) {
      const res = await fetch(`${control}requests${endpoint ? `?endpoint=${endpoint}` : ""}`);
      const body = await res.json();
      return body.data ?? body;
    },
    async clearLog() {
      await fetch(`${control}requests`, { method: "DELETE" });
    },
    async fault(rule) {
      const res = await fetch(`${control}faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
      if (!res.ok) throw new Error(`fault ${res.status}: ${await res.text()}`);
    },
    async clearFaults() {
      await fetch(`${control}faults`, { method: "DELETE" });
    },
    /** `POST /_sandbox/simulate/{what}` (visitor-message, visitor-composing, new-session). */
    async simulate(what, body) {
      const res = await fetch(`${control}simulate/${what}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`simulate ${what} ${res.status}: ${await res.text()}`);
      return (await res.json()).data;
    },
    /** The sandbox's Socket.IO connections: `{ connected, authenticated, ... }`. */
    async sockets() {
      return (await (await fetch(`${control}sockets`)).json()).data;
    },
    /** Drops every Socket.IO connection of the sandbox (`POST /_sandbox/sockets/drop`); answers how many. */
    async dropSockets() {
      const res = await fetch(`${control}sockets/drop`, { method: "POST" });
      return (await res.json()).data.dropped;
    },
    /** Adds the sandbox as an account through the Settings form, as a user would. */
    async addAccount({ label = "Sandbox", remember = false } = {}) {
      await panel.getByRole("tab", { name: "Settings" }).click();
      await panel.getByRole("button", { name: "Add account" }).click();
      await panel.getByLabel("Label").fill(label);
      await panel.getByLabel("Identifier").fill(sandbox.identifier);
      await panel.getByLabel(/^Key/).fill(sandbox.key);
      if (remember) await panel.getByLabel(/Remember the key/).check();
      await panel.getByLabel(/^Website id/).fill(W);
      await panel.getByLabel("API base URL").fill(sandbox.url);
    },
    /** Clicks a link in the dashboard (pushState navigation, like the real dashboard). */
    async openConversation(sessionId) {
      await dashboard.click(`.tabs a[data-route="inbox"]`);
      await dashboard.click(`#list a[data-session="${sessionId}"]`);
    },
    async openContact(peopleId) {
      await dashboard.click(`.tabs a[data-route="contacts"]`);
      await dashboard.click(`#list a[data-people="${peopleId}"]`);
    },
  };
}
