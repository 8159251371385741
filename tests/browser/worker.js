// A module worker using crisp-kit: initialised from the .wasm's bytes (not a URL), then one read
// and one refusal against the sandbox. Driven by the "module worker" test in suite.js.
import { Crisp, CrispError, init } from "/dist/web.js";

self.onmessage = async ({ data: options }) => {
  try {
    const bytes = await (await fetch("/dist/crisp_kit_wasm_bg.wasm")).arrayBuffer();
    await init(bytes);
    const crisp = new Crisp(options);
    const page = await crisp.call("list_conversations", { pageNumber: 1 });
    let refused = null;
    try {
      await crisp.call("get_conversation", {});
    } catch (e) {
      refused = e instanceof CrispError ? { code: e.code, param: e.param } : String(e);
    }
    // The real-time core is loaded on demand: not by REST, then by the first hook delivery.
    const fetched = () => [...new Set(performance.getEntriesByType("resource").map((r) => new URL(r.name).pathname))].filter((p) => p.startsWith("/dist/")).sort();
    const rest = fetched();
    let notLoaded = null;
    try {
      Crisp.eventCatalog();
    } catch (e) {
      notLoaded = e.code;
    }
    const hooked = new Crisp({ ...options, hooks: { secret: "s" } });
    hooked.hooks.on("message:sent", () => {}); // no core yet: checked before the first dispatch
    let deferred = null;
    try {
      await hooked.hooks.receive(new Uint8Array([123, 125]), "1", "00");
    } catch (e) {
      deferred = e instanceof CrispError ? { code: e.code, param: e.param } : String(e);
    }
    const good = new Crisp({ ...options, hooks: { secret: "s" } });
    good.hooks.on("message:send", () => {});
    const ts = String(Date.now());
    const body = JSON.stringify({ website_id: "w", event: "message:send", data: {}, timestamp: Number(ts) });
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("s"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`[${ts};${body}]`));
    const sig = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
    const hook = (await good.hooks.receive(new TextEncoder().encode(body), ts, sig)).code;
    await Crisp.loadEvents();
    const events = Crisp.eventCatalog().defaultEvents.length;
    self.postMessage({ ok: true, items: page.length, refused, isWorker: typeof WorkerGlobalScope !== "undefined", rest, notLoaded, deferred, hook, events, after: fetched() });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e?.stack ?? e) });
  }
};
