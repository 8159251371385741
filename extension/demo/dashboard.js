// A stand-in for the Crisp dashboard (app.crisp.chat), for the `npm start` demo and the extension's
// end-to-end tests. It is a single-page app like the real one: links carry the real dashboard URLs
// (https://app.crisp.chat/website/{website_id}/inbox/{session_id}/ ...) and navigation is pushState.
// In the demo (served on 127.0.0.1) it docks the sidebar in an iframe and tells it the dashboard URL;
// on app.crisp.chat itself (tests route it) the real extension reads the tab's URL.
import { Crisp, init } from "/kit/web.js";

const config = await (await fetch("/demo/config.json")).json();
await init("/kit/crisp_kit_wasm_bg.wasm");
const crisp = new Crisp({ identifier: config.identifier, key: config.key, tier: "plugin", websiteId: config.website_id, baseUrl: config.url });
const W = config.website_id;
const REAL = "https://app.crisp.chat";
const onRealOrigin = location.origin === REAL;
const panel = document.getElementById("panel");
const list = document.getElementById("list");
const view = document.getElementById("view");

/** The dashboard URL this page is showing (the real origin's URL shape, whatever origin serves it). */
const dashboardUrl = () => REAL + location.pathname;

if (!onRealOrigin) {
  panel.hidden = false;
  panel.src = "/panel/panel.html";
  window.addEventListener("message", (event) => {
    if (event.origin !== location.origin || event.source !== panel.contentWindow) return;
    if (event.data?.type === "crisp-kit:ready") tellPanel();
    if (event.data?.type === "crisp-kit:open" && typeof event.data.url === "string" && event.data.url.startsWith(`${REAL}/`)) go(new URL(event.data.url).pathname);
  });
}
function tellPanel() {
  panel.contentWindow?.postMessage({ type: "crisp-kit:dashboard-url", url: dashboardUrl() }, location.origin);
}

function go(path) {
  if (path !== location.pathname) history.pushState(null, "", path);
  void route();
}
window.addEventListener("popstate", () => void route());
document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const href = a.getAttribute("href");
  if (href.startsWith(`${REAL}/`)) {
    event.preventDefault();
    go(new URL(href).pathname);
  } else if (a.dataset.route) {
    event.preventDefault();
    go(`/website/${W}/${a.dataset.route === "contacts" ? "contacts" : a.dataset.route === "settings" ? "settings" : "inbox"}/`);
  }
});

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
let conversations = [];
let people = [];

async function route() {
  const path = location.pathname;
  const conversation = /^\/website\/[^/]+\/inbox\/(session_[^/]+)\/?$/.exec(path);
  const contact = /^\/website\/[^/]+\/contacts\/profile\/([^/]+)\/?$/.exec(path);
  const section = conversation || /\/inbox\/?$/.test(path) ? "inbox" : contact || /\/contacts\/?$/.test(path) ? "contacts" : "settings";
  for (const a of document.querySelectorAll(".tabs a")) a.classList.toggle("active", a.dataset.route === section);
  tellPanel();
  if (section === "inbox") {
    if (!conversations.length) conversations = await crisp.call("list_conversations", { pageNumber: 1 });
    list.innerHTML = conversations
      .map((c) => {
        const href = `${REAL}/website/${W}/inbox/${c.session_id}/`;
        return `<li><a href="${esc(href)}" class="${conversation?.[1] === c.session_id ? "active" : ""}" data-session="${esc(c.session_id)}">${esc(c.meta?.nickname ?? "Visitor")}<span class="state">${esc(c.state)}</span><small>${esc(c.last_message ?? c.topic ?? "")}</small></a></li>`;
      })
      .join("");
  } else if (section === "contacts") {
    if (!people.length) people = await crisp.call("list_people_profiles", { pageNumber: 1 });
    list.innerHTML = people
      .map((p) => `<li><a href="${esc(`${REAL}/website/${W}/contacts/profile/${p.people_id}/`)}" class="${contact?.[1] === p.people_id ? "active" : ""}" data-people="${esc(p.people_id)}">${esc(p.person?.nickname ?? p.email)}<small>${esc(p.email)}</small></a></li>`)
      .join("");
  } else list.innerHTML = `<li class="muted" style="padding:12px">Website settings (not a conversation).</li>`;

  if (conversation) {
    const sessionID = conversation[1];
    view.innerHTML = `<p class="muted">Loading…</p>`;
    const [c, messages] = await Promise.all([crisp.call("get_conversation", { sessionID }), crisp.call("get_messages_in_conversation", { sessionID })]);
    if (location.pathname !== path) return;
    view.innerHTML = `<h1>${esc(c.meta?.nickname)}</h1><p class="muted">${esc(c.meta?.subject ?? c.topic ?? "")} · ${esc(c.state)}</p>${messages
      .map((m) => `<div class="msg ${esc(m.from)} ${esc(m.type)}">${m.type === "note" ? "<strong>Note:</strong> " : ""}${esc(typeof m.content === "string" ? m.content : `[${m.type}]`)}</div>`)
      .join("")}${simulator()}`;
  } else if (contact) {
    const p = people.find((x) => x.people_id === contact[1]);
    view.innerHTML = `<h1>${esc(p?.person?.nickname ?? "Contact")}</h1><p class="muted">${esc(p?.email ?? contact[1])}</p>`;
  } else {
    view.innerHTML = `<h1>${section === "settings" ? "Settings" : "Pick a conversation"}</h1><p class="muted">The sidebar follows what this page shows.</p>`;
  }
}

// The sandbox's control API plays the visitor: what it stores reaches the sidebar over its
// real-time socket (message:send, message:compose:send), as Crisp's relay would send it.
const CONTROL = config.url.replace(/\/v1\/?$/, "/_sandbox/");
function simulator() {
  return `<form class="simulate" aria-label="Play the visitor">
    <p class="muted">Play the visitor: the sidebar shows it as it happens, without a reload.</p>
    <label>Message <input name="content" value="Hello, is my order on its way?" /></label>
    <div class="row"><button type="submit">Simulate a visitor message</button> <button type="button" data-simulate="typing">Simulate typing</button></div>
    <p class="muted" data-simulate-status role="status"></p>
  </form>`;
}
async function simulate(what, body) {
  const res = await fetch(`${CONTROL}simulate/${what}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => null);
  if (!res.ok) throw new Error([answer?.reason, answer?.data?.message].filter(Boolean).join(": ") || `HTTP ${res.status}`);
}
const openSession = () => /\/inbox\/(session_[^/]+)\/?$/.exec(location.pathname)?.[1] ?? null;
const simulatorStatus = (text) => {
  const status = view.querySelector("[data-simulate-status]");
  if (status) status.textContent = text;
};
view.addEventListener("submit", (event) => {
  const form = event.target.closest("form.simulate");
  const session_id = openSession();
  if (!form || !session_id) return;
  event.preventDefault();
  const content = form.elements.content.value.trim() || "Hello?";
  simulate("visitor-message", { session_id, content }).then(
    () => route(),
    (error) => simulatorStatus(`The sandbox refused: ${error.message}`),
  );
});
view.addEventListener("click", (event) => {
  const button = event.target.closest("[data-simulate=typing]");
  const session_id = openSession();
  if (!button || !session_id) return;
  const excerpt = button.form.elements.content.value.trim();
  simulate("visitor-composing", { session_id, type: "start", excerpt }).then(
    () => simulatorStatus("The visitor is typing (the sidebar shows it for 10 s, or until they send)."),
    (error) => simulatorStatus(`The sandbox refused: ${error.message}`),
  );
});

if (!/^\/website\//.test(location.pathname)) history.replaceState(null, "", `/website/${W}/inbox/`);
await route();
