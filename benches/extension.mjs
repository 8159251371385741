// `npm run bench` (extension part): how fast the sidebar follows the dashboard, and how big the
// extension is. Prints tables and writes them into docs/BENCHMARKS.md between the "extension"
// markers. Bounded: a fixed number of switches, each with a timeout.
//
// Follow time: from the dashboard's pushState (a click on an inbox link, timestamped in the
// dashboard page) to the conversation's contact card rendered in the panel (timestamped by a
// MutationObserver in the panel page), both on the browser's high-resolution clock. Beside it, in
// the same run and page: the three reads the panel needs before it can render (get_conversation,
// its messages, its block status) done with raw fetch, which is the floor for any client.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "../tests/js/support.mjs";
import { quantile, writeSection } from "./support.mjs";
import { launch } from "../tests/extension/harness.mjs";

const QUICK = process.argv.includes("--quick");
const SWITCHES = QUICK ? 20 : 100;
const LIVE_MESSAGES = QUICK ? 10 : 30;
const POLLED_MESSAGES = QUICK ? 3 : 6;

const h = await launch();
const rows = [];
let follow;
let floor;
let live;
try {
  await h.addAccount();
  await h.panel.getByRole("button", { name: "Save" }).click();
  await h.panel.getByText("in use here").waitFor();
  await h.panel.getByRole("tab", { name: "Conversation" }).click();
  const conversations = (await h.api(`website/${h.websiteId}/conversations/1`)).slice(0, 10);
  await h.panel.evaluate(() => {
    window.__rendered = {};
    new MutationObserver(() => {
      const card = document.querySelector("[data-session] .contact-name");
      const id = card?.closest("[data-session]")?.getAttribute("data-session");
      if (id && !(id in window.__rendered)) window.__rendered[id] = performance.timeOrigin + performance.now();
    }).observe(document.body, { subtree: true, childList: true });
  });
  const samples = [];
  const floors = [];
  for (let i = 0; i < SWITCHES; i++) {
    const c = conversations[i % conversations.length];
    await h.panel.evaluate((id) => delete window.__rendered[id], c.session_id);
    const t0 = await h.dashboard.evaluate((id) => {
      const link = document.querySelector(`#list a[data-session="${id}"]`);
      const t = performance.timeOrigin + performance.now();
      link.click();
      return t;
    }, c.session_id);
    const handle = await h.panel.waitForFunction((id) => window.__rendered[id], c.session_id, { timeout: 10_000 });
    samples.push((await handle.jsonValue()) - t0);
    // The floor: the same three reads with raw fetch from the same page.
    floors.push(
      await h.panel.evaluate(
        async ({ base, auth, site, id }) => {
          const headers = { Authorization: auth, "X-Crisp-Tier": "plugin" };
          const t = performance.now();
          await Promise.all(["", "/messages", "/block"].map((p) => fetch(`${base}website/${site}/conversation/${id}${p}`, { headers }).then((r) => r.json())));
          return performance.now() - t;
        },
        { base: h.sandbox.url, auth: `Basic ${Buffer.from(`${h.sandbox.identifier}:${h.sandbox.key}`).toString("base64")}`, site: h.websiteId, id: c.session_id },
      ),
    );
  }
  follow = { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), max: Math.max(...samples) };
  floor = { p50: quantile(floors, 0.5), p95: quantile(floors, 0.95), max: Math.max(...floors) };

  // A visitor's message, from the sandbox's simulate call to its text in the panel's DOM (both
  // on this machine's wall clock): over the real-time socket, then, in the same run, polled (the
  // socket's discovery answers 503, so the panel has none) at its shortest interval, 5 s, each
  // message sent at a random point of the interval.
  const c = conversations[0];
  await h.openConversation(c.session_id);
  await h.panel.locator('[data-rtm="live"]').waitFor({ timeout: 15_000 });
  await h.panel.evaluate(() => {
    window.__seen = {};
    new MutationObserver(() => {
      const want = window.__want;
      if (want && !(want in window.__seen) && document.querySelector(".messages")?.textContent.includes(want)) window.__seen[want] = Date.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const arrival = async (label, timeout) => {
    const text = `${label} ${Math.random().toString(36).slice(2)}`;
    await h.panel.evaluate((t) => (window.__want = t), text);
    const t0 = Date.now();
    await h.simulate("visitor-message", { session_id: c.session_id, content: text });
    const seen = await h.panel.waitForFunction((t) => window.__seen[t], text, { timeout });
    return (await seen.jsonValue()) - t0;
  };
  const liveSamples = [];
  for (let i = 0; i < LIVE_MESSAGES; i++) liveSamples.push(await arrival("live", 5_000));
  await h.fault({ kind: "status", status: 503, endpoint: "plugin_get_connect_endpoints" });
  await h.panel.getByRole("tab", { name: "Settings" }).click();
  await h.panel.getByLabel(/^Refresh every/).fill("5");
  await h.panel.getByLabel(/^Refresh every/).blur();
  await h.panel.getByRole("tab", { name: "Conversation" }).click();
  await h.panel.locator('[data-rtm="polling"]').waitFor({ timeout: 30_000 });
  const polledSamples = [];
  for (let i = 0; i < POLLED_MESSAGES; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 5_000));
    polledSamples.push(await arrival("polled", 15_000));
  }
  await h.clearFaults();
  const stats = (xs) => ({ n: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), max: Math.max(...xs) });
  live = { socket: stats(liveSamples), polled: stats(polledSamples) };
} finally {
  await h.close();
}

// Packed size: each build zipped (zip -9), as a store would receive it, and what is inside.
const sizes = {};
for (const browser of ["chrome", "firefox"]) {
  const dir = join(root, "extension/dist", browser);
  const zip = join(tmpdir(), `crisp-kit-${browser}-${process.pid}.zip`);
  rmSync(zip, { force: true });
  execFileSync("zip", ["-q", "-r", "-9", zip, "."], { cwd: dir });
  sizes[browser] = statSync(zip).size;
  rmSync(zip, { force: true });
}
const files = readdirSync(join(root, "extension/dist/chrome"), { recursive: true })
  .map(String)
  .filter((f) => statSync(join(root, "extension/dist/chrome", f)).isFile())
  .map((f) => {
    const bytes = readFileSync(join(root, "extension/dist/chrome", f));
    return { f, raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
  })
  .sort((a, b) => b.raw - a.raw);

const ms = (x) => x.toFixed(0);
const n = (x) => x.toLocaleString("en-US");
let md = "<!-- extension:start (written by `npm run bench`; do not edit by hand) -->\n## The sidebar extension\n\n";
md += `\`npm run bench\` (benches/extension.mjs): the real extension build in headless Chromium ${QUICK ? "(quick run) " : ""}beside the stand-in dashboard, against the sandbox on 127.0.0.1; ${SWITCHES} conversation switches over 10 conversations, none cached by the panel.\n\n`;
md += "| from a dashboard URL change to the conversation rendered | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|\n";
md += `| sidebar (pushState → tabs.onUpdated → 3 reads through crisp-kit wasm → contact card in the DOM) | ${ms(follow.p50)} | ${ms(follow.p95)} | ${ms(follow.max)} |\n`;
md += `| floor: the same 3 reads with raw fetch from the panel page | ${ms(floor.p50)} | ${ms(floor.p95)} | ${ms(floor.max)} |\n\n`;
md += `Target: p95 under 300 ms: ${follow.p95 < 300 ? "met" : "**not met**"}. The difference to the floor is the tab event, Preact's render and crisp-kit's per-call work.\n\n`;
md += "| a visitor message, from the simulate call to its text in the panel | messages | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|\n";
md += `| over the real-time socket (message:send → the panel's patch, no request) | ${live.socket.n} | ${ms(live.socket.p50)} | ${ms(live.socket.p95)} | ${ms(live.socket.max)} |\n`;
md += `| polled every 5 s (no socket; the shortest interval the panel allows, 15 s by default) | ${live.polled.n} | ${ms(live.polled.p50)} | ${ms(live.polled.p95)} | ${ms(live.polled.max)} |\n\n`;
md += `The socket is ${(live.polled.p50 / live.socket.p50).toFixed(0)}x faster at the median; the panel polls only while it is down.\n\n`;
md += "| packed size (zip -9 of the unpacked build) | bytes |\n|---|---:|\n";
md += `| Chrome/Chromium (extension/dist/chrome) | ${n(sizes.chrome)} |\n| Firefox (extension/dist/firefox) | ${n(sizes.firefox)} |\n\n`;
md += "| what is inside (Chrome build) | raw bytes | gzip -9 |\n|---|---:|---:|\n";
for (const { f, raw, gz } of files) md += `| ${f} | ${n(raw)} | ${n(gz)} |\n`;
md += "\n<!-- extension:end -->\n";

console.log(md);
writeSection("extension", md);
