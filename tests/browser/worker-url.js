// A module worker given the REST .wasm by URL, from another folder (as an extension passes
// `chrome.runtime.getURL(...)`): the real-time .wasm is then fetched beside it, not beside the
// events chunk. Driven by the "beside the REST .wasm" test in suite.js.
import { Crisp, init } from "/dist/web.js";

self.onmessage = async () => {
  try {
    await init(new URL("/elsewhere/crisp_kit_wasm_bg.wasm", location.href));
    await Crisp.loadEvents();
    const fetched = [...new Set(performance.getEntriesByType("resource").map((r) => new URL(r.name).pathname))].filter((p) => p.endsWith(".wasm")).sort();
    self.postMessage({ ok: true, fetched, events: Crisp.eventCatalog().defaultEvents.length });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e?.stack ?? e) });
  }
};
