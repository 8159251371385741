// crisp-kit for browsers, workers and extensions: the same Crisp class, over the wasm build of
// crisp-core, with the global fetch as transport. Call `init()` once before using it.
import initWasm, * as wasm from "../wasm/crisp_kit_wasm.js";
import type { Binding, RtmBinding } from "./client/backend.js";
import { useBinding } from "./client/crisp.js";

/** Where the `.wasm` comes from: a URL (an extension passes `chrome.runtime.getURL(...)`), a
 * fetch `Response`, its bytes, or a compiled `WebAssembly.Module`. Default: beside this file. */
export type WasmSource = string | URL | Response | BufferSource | WebAssembly.Module;

/** Options of `init`. */
export interface InitOptions {
  /**
   * Where the real-time module (`crisp_kit_rtm_bg.wasm`, loaded on `crisp.events()` or the first
   * web hook, never by a REST-only page) comes from. Default: beside the REST `.wasm` when `init`
   * was given its URL, else beside the events chunk (web-events.js).
   */
  events?: WasmSource;
}

let ready: Promise<void> | undefined;
let rtm: RtmBinding | undefined;
let rtmLoading: Promise<RtmBinding> | undefined;

/** The URL beside a URL source, if it is one. */
function beside(source: WasmSource | undefined): URL | undefined {
  if (typeof source !== "string" && !(source instanceof URL)) return undefined;
  try {
    return new URL("crisp_kit_rtm_bg.wasm", new URL(String(source), globalThis.location?.href));
  } catch {
    return undefined;
  }
}

/** Loads the wasm module once; later calls return the same promise. */
export function init(source?: WasmSource, options: InitOptions = {}): Promise<void> {
  ready ??= (async () => {
    const input = source ?? new URL("crisp_kit_wasm_bg.wasm", import.meta.url);
    await initWasm({ module_or_path: input as never });
    const events = options.events ?? beside(source);
    useBinding(wasm satisfies Binding, "wasm", {
      now: () => rtm,
      load: () =>
        (rtmLoading ??= import("./backends/wasm-events.js")
          .then((chunk) => chunk.loadRtm(events))
          .then(
            (loaded) => (rtm = loaded),
            (error: unknown) => {
              rtmLoading = undefined; // a failed fetch is tried again on the next use
              throw error;
            },
          )),
    });
  })();
  return ready;
}

export * from "./public.js";
