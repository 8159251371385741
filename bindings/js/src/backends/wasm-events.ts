// The browser's events chunk (dist/web-events.js): the events module, socket.io-client (a chunk of
// its own, loaded by `crisp.events()` only) and the real-time wasm module (crisp-kit-wasm-rtm),
// none of which a REST-only page downloads. web.js imports it on `crisp.events()`, the first web
// hook delivery or `Crisp.loadEvents()`.
import initRtm, * as rtmWasm from "../../wasm/crisp_kit_rtm.js";
import type { RtmBinding } from "../client/backend.js";

export * from "../events/index.js";

/** Instantiates the real-time wasm module: from `source`, else from the file beside this chunk. */
export async function loadRtm(source?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<RtmBinding> {
  await initRtm({ module_or_path: (source ?? new URL("crisp_kit_rtm_bg.wasm", import.meta.url)) as never });
  return rtmWasm satisfies RtmBinding;
}
