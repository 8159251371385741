// crisp-kit for browsers, workers and extensions: the same Crisp class, over the wasm build of
// crisp-core, with the global fetch as transport. Call `init()` once before using it.
import initWasm, * as wasm from "../wasm/crisp_kit_wasm.js";
import type { Binding } from "./backend.js";
import { useBinding } from "./crisp.js";

/** Where the `.wasm` comes from: a URL (an extension passes `chrome.runtime.getURL(...)`), a
 * fetch `Response`, its bytes, or a compiled `WebAssembly.Module`. Default: beside this file. */
export type WasmSource = string | URL | Response | BufferSource | WebAssembly.Module;

let ready: Promise<void> | undefined;

/** Loads the wasm module once; later calls return the same promise. */
export function init(source?: WasmSource): Promise<void> {
  ready ??= (async () => {
    const input = source ?? new URL("crisp_kit_wasm_bg.wasm", import.meta.url);
    await initWasm({ module_or_path: input as never });
    useBinding(wasm satisfies Binding, "wasm");
  })();
  return ready;
}

export * from "./public.js";
