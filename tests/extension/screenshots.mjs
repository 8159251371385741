// Writes the README's screenshots of the sidebar to docs/screenshots/, in light and dark:
// the conversation view, an action confirmation, the knowledge base, the explorer, the settings,
// and the `npm start` demo (dashboard + docked sidebar), in Chromium; the conversation view of the
// Firefox build in Firefox. Run by `npm run screenshots` (`-- --browser firefox` or `chromium`
// for one browser's set). Everything shown comes from the sandbox's demo data; the key is never
// on screen.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { dashboardServer } from "../../extension/demo/serve.mjs";
import { root } from "../js/support.mjs";
import { launch } from "./harness.mjs";

const out = join(root, "docs/screenshots");
const { values: args } = parseArgs({ options: { browser: { type: "string", default: "all" } } });
const chromiumToo = args.browser === "all" || args.browser === "chromium";
const firefoxToo = args.browser === "all" || args.browser === "firefox";
mkdirSync(out, { recursive: true });

async function assertNoKey(page, key) {
  const html = await page.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll("input, textarea")].map((e) => e.value).join(""));
  if (html.includes(key)) throw new Error("the key is on screen; refusing to write a screenshot");
}

/** Adds the sandbox's account under `label` and saves it. */
async function addAccount(h, label) {
  await h.addAccount({ label });
  await h.panel.getByRole("button", { name: "Save" }).click();
  await h.panel.getByText("in use here").waitFor();
}

/** Opens the conversation with the most to show, once it is rendered and live. */
async function conversationView(h) {
  const conversations = await h.api(`website/${h.websiteId}/conversations/1`);
  const c = conversations.find((x) => x.meta?.segments?.length && x.meta?.data && Object.keys(x.meta.data).length) ?? conversations[0];
  await h.openConversation(c.session_id);
  await h.panel.getByRole("tab", { name: "Conversation" }).click();
  await h.panel.locator(`[data-session="${c.session_id}"] .contact-name`).waitFor();
  await h.panel.getByText("Recent events").waitFor();
  await h.panel.locator('[data-rtm="live"]').waitFor({ timeout: 15_000 });
  await h.panel.waitForTimeout(300);
}

// The Firefox build in Firefox ESR, at a sidebar's width.
for (const scheme of firefoxToo ? ["light", "dark"] : []) {
  const h = await launch({ browser: "firefox", colorScheme: scheme, viewport: { width: 400, height: 860 } });
  try {
    await addAccount(h, "Northwind support");
    await conversationView(h);
    await assertNoKey(h.panel, h.sandbox.key);
    await h.panel.screenshot({ path: join(out, `firefox-${scheme}.png`) });
    console.log(`docs/screenshots/firefox-${scheme}.png`);
  } finally {
    await h.close();
  }
}

for (const scheme of chromiumToo ? ["light", "dark"] : []) {
  const h = await launch({ colorScheme: scheme, viewport: { width: 400, height: 860 } });
  try {
    const shot = async (name) => {
      await assertNoKey(h.panel, h.sandbox.key);
      await h.panel.screenshot({ path: join(out, `${name}-${scheme}.png`) });
      console.log(`docs/screenshots/${name}-${scheme}.png`);
    };
    await addAccount(h, "Northwind support");
    await shot("settings");

    await conversationView(h);
    await shot("conversation");

    await h.panel.getByRole("button", { name: /^(Resolve|Unresolve)$/ }).click();
    await h.panel.getByRole("dialog").waitFor();
    await shot("confirm");
    await h.panel.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    await h.panel.getByRole("tab", { name: "Knowledge" }).click();
    await h.panel.getByLabel("Search titles and text").fill("data");
    await h.panel.getByRole("list", { name: "Articles" }).getByRole("button").first().click();
    await h.panel.getByRole("article", { name: "Article preview" }).waitFor();
    await h.panel.locator('.article-body[data-rendered="markdown"]').waitFor();
    await shot("knowledge");

    await h.panel.getByRole("tab", { name: "API" }).click();
    await h.panel.getByLabel(/^Search \d+ endpoints/).fill("get conversation state");
    await h.panel.locator('[data-endpoint="get_conversation_state"]').click();
    await h.panel.getByRole("button", { name: "Send", exact: true }).click();
    await h.panel.getByLabel("Response").waitFor();
    await shot("explorer");
  } finally {
    await h.close();
  }
}

// The demo as `npm start` shows it: the stand-in dashboard with the sidebar docked (demo host).
if (chromiumToo) {
  const { startSandbox } = await import("../js/support.mjs");
  const sandbox = await startSandbox(["--seed", "1"]);
  const server = dashboardServer(sandbox);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  try {
    for (const scheme of ["light", "dark"]) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
      await page.route("https://avatars.sandbox.crisp.local/**", (r) => r.abort());
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      await page.locator("#list a[data-session]").nth(1).click();
      await page.frameLocator("#panel").locator(".contact-name").waitFor();
      await page.frameLocator("#panel").getByText("Recent events").waitFor();
      // The demo's point: a visitor message simulated beside the sidebar arrives in it live.
      await page.frameLocator("#panel").locator('[data-rtm="live"]').waitFor({ timeout: 15_000 });
      const text = "Hello, is my order on its way?";
      await page.getByLabel("Message").fill(text);
      await page.getByRole("button", { name: "Simulate a visitor message" }).click();
      await page.frameLocator("#panel").locator(".messages").getByText(text).last().waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(out, `demo-${scheme}.png`) });
      console.log(`docs/screenshots/demo-${scheme}.png`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
    await sandbox.stop();
  }
}
