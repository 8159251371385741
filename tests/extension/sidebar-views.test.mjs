// End-to-end, the real extension build in headless Chromium against the real sandbox: the panel's
// views as an operator reads them. The API form follows the dashboard, the
// knowledge base lists, searches text and renders Markdown safely, messages show their files and
// note authors without ever turning what a visitor sent into HTML, confirmations lead with words,
// the write status never covers the panel, and custom data reads the same everywhere.
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test as nodeTest } from "node:test";
import { launch } from "./harness.mjs";

let h;
let conversations;
let people;

/** A write straight to the sandbox (setting the scene, not what is under test). */
async function write(method, path, body) {
  const auth = Buffer.from(`${h.sandbox.identifier}:${h.sandbox.key}`).toString("base64");
  const res = await fetch(`${h.sandbox.url}${path}`, {
    method,
    headers: { Authorization: `Basic ${auth}`, "X-Crisp-Tier": "plugin", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

before(async () => {
  // 800 px high: the height at which the newcomer found messages and custom data off-screen.
  h = await launch({ viewport: { width: 420, height: 800 } });
  conversations = await h.api(`website/${h.websiteId}/conversations/1`);
  people = await h.api(`website/${h.websiteId}/people/profiles/1`);
  await h.addAccount();
  await h.panel.getByRole("button", { name: "Save" }).click();
  await h.panel.getByText("in use here").waitFor();
});
after(async () => {
  await h?.close();
});

/** A test that, when it fails, leaves a screenshot of the panel (path in the error). */
function test(name, fn) {
  nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (error) {
      const file = join(tmpdir(), `crisp-kit-e2e-fixes-${name.slice(0, 24).replace(/\W+/g, "-")}-panel.png`);
      await h?.panel.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      error.message += `\n(screenshot: ${file})`;
      throw error;
    }
  });
}

/** Polls `check` for up to 5 s (the panel follows the dashboard asynchronously). */
async function until(check, message) {
  for (const started = Date.now(); Date.now() - started < 5000; ) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(message);
}

const main = () => h.panel.locator("main");
const section = (title) => main().locator("section.card").filter({ has: h.panel.getByRole("heading", { name: title, exact: true }) });

async function showConversation(session) {
  await h.openConversation(session.session_id);
  await h.panel.getByRole("tab", { name: "Conversation" }).click();
  await h.panel.locator(`[data-session="${session.session_id}"] .contact-name`).waitFor();
}

test("the API form's sessionID follows the dashboard; a typed one is pinned, and says so", async () => {
  const [a, b, c] = conversations;
  await showConversation(a);
  await h.panel.getByRole("tab", { name: "API" }).click();
  await h.panel.getByLabel(/^Search \d+ endpoints/).fill("change conversation state");
  await h.panel.locator('[data-endpoint="change_conversation_state"]').click();
  const session = h.panel.getByLabel("sessionID", { exact: true });
  assert.equal(await session.inputValue(), a.session_id);

  // Another conversation opens in the dashboard: the write form now targets it, not the first.
  await h.openConversation(b.session_id);
  await h.panel.locator(`main[data-context$="${b.session_id}"]`).waitFor();
  await until(async () => (await session.inputValue()) === b.session_id, "the form kept the first conversation's sessionID");
  assert.match(await h.panel.getByLabel("Request preview").textContent(), new RegExp(`/conversation/${b.session_id}/state`));
  assert.equal(await h.panel.locator("[data-pinned]").count(), 0);

  // A sessionID typed by hand stays when the dashboard moves on, and the form says it is pinned.
  await session.fill(a.session_id);
  await h.openConversation(c.session_id);
  await h.panel.locator(`main[data-context$="${c.session_id}"]`).waitFor();
  const pinned = h.panel.locator('[data-pinned="sessionID"]');
  await pinned.waitFor();
  assert.equal(await session.inputValue(), a.session_id);
  assert.match(await pinned.innerText(), new RegExp(`pinned to ${a.session_id}.*${c.session_id}`, "s"));
  await pinned.getByRole("button", { name: "Use the open one" }).click();
  assert.equal(await session.inputValue(), c.session_id);
  await h.panel.getByRole("button", { name: "← All endpoints" }).click();
});

test("a refusal shows Crisp's own explanation, not only its reason", async () => {
  await h.panel.getByRole("tab", { name: "API" }).click();
  await h.panel.getByLabel(/^Search \d+ endpoints/).fill("get a conversation");
  await h.panel.locator('[data-endpoint="get_conversation"]').click();
  const missing = "session_00000000-0000-4000-8000-000000000000";
  await h.panel.getByLabel("sessionID", { exact: true }).fill(missing);
  await h.panel.getByRole("button", { name: "Send", exact: true }).click();
  const alert = main().getByRole("alert").filter({ hasText: "Crisp answered 404" });
  await alert.waitFor();
  assert.match(await alert.innerText(), new RegExp(`not_found\`: conversation \`${missing}\` not found`));
  assert.ok(!(await alert.innerText()).includes(h.sandbox.key));
  await h.panel.getByRole("button", { name: "← All endpoints" }).click();
});

test("the API tab says which endpoint of the catalog it leaves out, and why", async () => {
  await h.panel.getByRole("tab", { name: "API" }).click();
  const label = await h.panel.getByText(/^Search \d+ endpoints/).innerText();
  const shown = Number(/(\d+)/.exec(label)[1]);
  const note = await h.panel.locator("[data-count-note]").innerText();
  const total = Number(/All (\d+) endpoints/.exec(note)[1]);
  assert.equal(total, 265, "the README's and the CLI's count");
  assert.equal(shown, total - 1);
  assert.match(note, /list_accounts/);
});

test("knowledge: the locale's articles at once, search in titles and text, Markdown rendered safely", async () => {
  // A hostile article: raw HTML, a script, an event handler and a javascript: link in the Markdown.
  const { article_id: id } = await write("POST", `website/${h.websiteId}/helpdesk/locale/en/article`, { title: "Zebra crossing policy" });
  await write("PATCH", `website/${h.websiteId}/helpdesk/locale/en/article/${id}`, {
    content: '# Safe heading\n\nKeep your **passphrase** secret.\n\n<img src="x" onerror="window.__pwned = 1">\n\n<script>window.__pwned = 2</script>\n\n[click me](javascript:window.__pwned=3) and [docs](https://example.com/docs)\n\n<a href="https://example.com" onclick="window.__pwned=4">raw link</a>',
    status: "published",
  });
  await h.clearLog();
  await h.panel.getByRole("tab", { name: "Knowledge" }).click();
  const list = h.panel.getByRole("list", { name: "Articles" });
  await list.getByRole("button").first().waitFor();
  assert.ok((await list.getByRole("button").count()) > 5, "the articles are listed before any search");
  assert.ok((await h.log("list_helpdesk_locale_articles")).length >= 1);

  // "passphrase" is only in the text of the hostile article, never in a title.
  await h.panel.getByLabel("Search titles and text").fill("passphrase");
  await list.getByRole("button").first().waitFor();
  assert.equal(await list.getByRole("button").count(), 1);
  assert.match(await list.innerText(), /Zebra crossing policy/);
  await list.getByRole("button").first().click();
  const body = h.panel.locator('.article-body[data-rendered="markdown"]');
  await body.waitFor();
  assert.equal(await body.getByRole("heading", { name: "Safe heading" }).count(), 1, "the Markdown heading is rendered");
  assert.equal(await body.locator("strong").innerText(), "passphrase");
  assert.equal(await body.locator("img, script, [onerror], [onclick], [style]").count(), 0);
  const hrefs = await body.locator("a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  assert.ok(hrefs.every((href) => href === null || /^https:/.test(href)), `unsafe link kept: ${hrefs}`);
  assert.ok(hrefs.includes("https://example.com/docs"));
  await body.getByText("click me").click();
  assert.equal(await h.panel.evaluate(() => window.__pwned), undefined, "article HTML ran");
  assert.deepEqual((await h.log()).filter((r) => r.method !== "GET"), [], "searching or previewing sent a write");
});

test("messages: files, audio and animations by name and safe link, notes by author, visitor text never HTML", async () => {
  const c = conversations.find((x) => x.state !== "resolved") ?? conversations[0];
  const path = `website/${h.websiteId}/conversation/${c.session_id}/message`;
  const send = (type, content, from = "user", user) => write("POST", path, { type, from, origin: "chat", content, ...(user ? { user } : {}) });
  await send("file", { name: "invoice-2291.pdf", url: "https://files.example.com/u/invoice-2291.pdf", type: "application/pdf" });
  await send("audio", { url: "https://files.example.com/u/voice.webm", type: "audio/webm", duration: 75 });
  await send("animation", { url: "https://media.example.com/party-parrot.gif", type: "image/gif" });
  await send("file", { name: '<img src=x onerror="window.__pwned=5">evil.html', url: "javascript:window.__pwned=6", type: "text/html" });
  await send("text", '<img src=x onerror="window.__pwned=7"><b>not bold</b>');
  await send("note", "Refund approved by finance.", "operator", { nickname: "Ada Lovelace", user_id: "op-ada" });
  await showConversation(c);
  const messages = section("Last messages");
  await messages.getByText("invoice-2291.pdf").waitFor();
  assert.equal(await messages.getByRole("link", { name: "invoice-2291.pdf" }).getAttribute("href"), "https://files.example.com/u/invoice-2291.pdf");
  assert.match(await messages.locator('[data-kind="audio"]').innerText(), /voice\.webm.*1:15/s);
  assert.equal(await messages.getByRole("link", { name: "party-parrot.gif" }).getAttribute("href"), "https://media.example.com/party-parrot.gif");
  // The hostile file: its name is text, its javascript: URL is no link.
  await messages.getByText('<img src=x onerror="window.__pwned=5">evil.html').waitFor();
  assert.equal(await messages.locator('a[href^="javascript"]').count(), 0);
  await messages.getByText('<img src=x onerror="window.__pwned=7"><b>not bold</b>').waitFor();
  assert.equal(await messages.locator("img, b").count(), 0);
  await messages.getByText("Private note by Ada Lovelace").waitFor();
  assert.equal(await h.panel.evaluate(() => window.__pwned), undefined, "a message's HTML ran");
});

test("what operators read comes first: messages and custom data above the actions, in view at 800 px", async () => {
  const c = conversations.find((x) => x.meta?.data && Object.keys(x.meta.data).length) ?? conversations[0];
  await showConversation(c);
  await section("Last messages").waitFor();
  const top = async (title) => (await section(title).boundingBox()).y;
  assert.ok((await top("Last messages")) < (await top("Actions")));
  assert.ok((await top("Custom data")) < (await top("Actions")));
  assert.ok((await top("Last messages")) < 800, "the messages start off-screen");
});

test("custom data reads the same in the conversation and the contact view: a table, not a JSON tree", async () => {
  const c = conversations.find((x) => x.meta?.data && Object.keys(x.meta.data).length);
  assert.ok(c, "the seed has a conversation with custom data");
  await showConversation(c);
  const [key] = Object.keys(c.meta.data);
  await section("Custom data").locator("dl dt").filter({ hasText: key }).waitFor();
  assert.equal(await section("Custom data").locator(".json-node").count(), 0);

  const person = people[0];
  await write("PUT", `website/${h.websiteId}/people/data/${person.people_id}`, { data: { plan: "Business", seats: 12, flags: { beta: true } } });
  await h.openContact(person.people_id);
  await main().locator(`[data-people="${person.people_id}"] .contact-name`).waitFor();
  const data = section("Custom data");
  await data.locator("dl dt").filter({ hasText: "seats" }).waitFor();
  assert.equal(await data.locator(".json-node").count(), 0, "the contact view still shows a JSON tree");
  assert.match(await data.locator("dl").innerText(), /flags\s+\{"beta":true\}/);
});

test("a confirmation leads with what will happen in words; the request is folded below; the status covers nothing", async () => {
  const c = conversations.find((x) => x.state !== "resolved" && !x.is_blocked && x.meta?.nickname);
  await showConversation(c);
  await main().getByRole("button", { name: "Resolve", exact: true }).click();
  const dialog = h.panel.getByRole("dialog");
  await dialog.waitFor();
  assert.equal(await dialog.getByRole("heading").first().innerText(), `Resolve the conversation with ${c.meta.nickname}?`);
  assert.equal(await dialog.getByLabel("Request preview").isVisible(), false, "the raw request leads the dialog");
  await dialog.getByText("The exact request (key redacted)").click();
  assert.equal(await dialog.getByLabel("Request preview").isVisible(), true);
  await dialog.getByRole("button", { name: "Confirm" }).click();
  const status = h.panel.getByRole("status").filter({ hasText: /^Done: Resolve/ });
  await status.waitFor();
  await h.panel.evaluate(() => window.scrollTo(0, 0));
  const box = await status.boundingBox();
  const cards = await main().locator("section.card").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
  for (const r of cards) {
    const overlaps = r.top < box.y + box.height && box.y < r.bottom && r.left < box.x + box.width && box.x < r.right;
    assert.ok(!overlaps, `the status (${JSON.stringify(box)}) covers a card at ${JSON.stringify(r)}`);
  }
  await h.panel.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const scrolled = await status.boundingBox();
  assert.ok(scrolled && scrolled.y >= 0 && scrolled.y < 200, "the status scrolled out of view");
});

test("nothing went to api.crisp.chat and no page error happened", () => {
  assert.deepEqual(h.apiCalls, []);
  assert.deepEqual(h.pageErrors, []);
});
