// End-to-end, the real extension build in headless Chromium against the real sandbox (issue 25,
// item 12): a visitor's avatar URL is loaded only from Crisp's image hosts (or `data:`); any other
// is shown as initials and never requested (it would tell that host the operator's IP address and
// when they looked), and the manifest's CSP refuses such an image even if one were put in the page.
// The "other host" is a counting server on 127.0.0.1; Crisp's image host is answered by a route.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { root } from "../js/support.mjs";
import { launch } from "./harness.mjs";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const CRISP_AVATAR = "https://image.crisp.chat/avatar/visitor/3f1c8a52-2f0e-4e8b-9a0c-1b2d3e4f5a6b/240/";
const DATA_AVATAR = `data:image/png;base64,${PNG.toString("base64")}`;

let h;
let tracker;
const tracked = [];
const crispImages = [];
let conversations;

before(async () => {
  tracker = http.createServer((req, res) => {
    tracked.push(req.url);
    res.writeHead(200, { "content-type": "image/png" }).end(PNG);
  });
  await new Promise((r) => tracker.listen(0, "127.0.0.1", r));
  h = await launch();
  await h.context.route("https://image.crisp.chat/**", (route) => {
    crispImages.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "image/png", body: PNG });
  });
  conversations = await h.api(`website/${h.websiteId}/conversations/1`);
  await h.addAccount();
  await h.panel.getByRole("button", { name: "Save" }).click();
  await h.panel.getByText("in use here").waitFor();
});
after(async () => {
  await h?.close();
  await new Promise((r) => tracker?.close(r) ?? r());
});

/** Sets a conversation's avatar straight in the sandbox (the scene, not what is under test). */
async function setAvatar(session, avatar) {
  const auth = Buffer.from(`${h.sandbox.identifier}:${h.sandbox.key}`).toString("base64");
  const res = await fetch(`${h.sandbox.url}website/${h.websiteId}/conversation/${session}/meta`, {
    method: "PATCH",
    headers: { Authorization: `Basic ${auth}`, "X-Crisp-Tier": "plugin", "content-type": "application/json" },
    body: JSON.stringify({ avatar }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** Opens a conversation in the dashboard; answers its contact card's avatar box in the panel. */
async function avatarOf(session) {
  await h.openConversation(session);
  await h.panel.getByRole("tab", { name: "Conversation" }).click();
  const card = h.panel.locator(`[data-session="${session}"] section.contact`);
  await card.locator(".contact-name").waitFor();
  return card.locator(".avatar");
}

test("both builds' CSP limit img-src to the panel, data: and Crisp's image hosts", () => {
  for (const browser of ["chrome", "firefox"]) {
    const manifest = JSON.parse(readFileSync(join(root, "extension", "dist", browser, "manifest.json"), "utf8"));
    const csp = manifest.content_security_policy.extension_pages;
    const img = /(?:^|;)\s*img-src ([^;]*);/.exec(csp)?.[1];
    assert.equal(img, "'self' data: https://image.crisp.chat https://storage.crisp.chat", `${browser}: ${csp}`);
    assert.doesNotMatch(csp, /default-src[^;]*\*/, browser);
  }
});

test("an avatar on another host is shown as initials and never requested; Crisp's host and data: are loaded", async () => {
  const [tracking, crisp, inline] = conversations;
  const tracker_url = `http://127.0.0.1:${tracker.address().port}/pixel.png?who=operator`;
  await setAvatar(tracking.session_id, tracker_url);
  await setAvatar(crisp.session_id, CRISP_AVATAR);
  await setAvatar(inline.session_id, DATA_AVATAR);
  // The panel must not even try: an attempt shows as a CSP violation (the CSP is the second layer;
  // the image's error then turns it into initials, so the count of <img> alone would not tell).
  await h.panel.evaluate(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });

  const other = await avatarOf(tracking.session_id);
  assert.equal(await other.locator("img").count(), 0, "no <img> for another host");
  assert.match(await other.innerText(), /^[A-Z]{1,2}$/, "initials instead");

  const hosted = await avatarOf(crisp.session_id);
  await hosted.locator("img").waitFor();
  assert.equal(await hosted.locator("img").getAttribute("src"), CRISP_AVATAR);
  // Loaded through the CSP (a refused image never reaches the route), and drawn.
  await h.panel.waitForFunction((src) => [...document.querySelectorAll(".avatar img")].some((i) => i.src === src && i.complete && i.naturalWidth === 1), CRISP_AVATAR);
  assert.ok(crispImages.some((u) => u.startsWith(CRISP_AVATAR)), `Crisp's image host was asked: ${crispImages}`);

  const data = await avatarOf(inline.session_id);
  await data.locator("img").waitFor();
  assert.equal(await data.locator("img").getAttribute("src"), DATA_AVATAR);

  assert.deepEqual(tracked, [], "the other host never heard of the operator");
  assert.deepEqual(await h.panel.evaluate(() => window.__violations), [], "the panel never tried another host");
});

test("the CSP refuses an image from another host even if one reaches the page", async () => {
  const port = tracker.address().port;
  const violation = await h.panel.evaluate(
    (src) =>
      new Promise((resolve) => {
        document.addEventListener("securitypolicyviolation", (e) => resolve({ directive: e.effectiveDirective, blocked: e.blockedURI }), { once: true });
        const img = document.createElement("img");
        img.src = src;
        document.body.append(img);
        setTimeout(() => resolve(null), 3000);
      }),
    `http://127.0.0.1:${port}/injected.png`,
  );
  assert.equal(violation?.directive, "img-src", JSON.stringify(violation));
  assert.deepEqual(tracked, []);
  assert.deepEqual(h.pageErrors, []);
});
