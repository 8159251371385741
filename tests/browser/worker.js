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
    self.postMessage({ ok: true, items: page.length, refused, isWorker: typeof WorkerGlobalScope !== "undefined" });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e?.stack ?? e) });
  }
};
