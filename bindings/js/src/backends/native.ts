// Picks the backend of the Node entry, synchronously, so `import "crisp-kit"` stays synchronous:
//   CRISP_KIT_BACKEND=native|wasm forces one (`node` is an older name for native);
//   otherwise the prebuilt addon of this platform (the optional dependency
//   `crisp-kit-<platform>-<arch>[-<abi>]`, napi-rs's convention), then a development build
//   (native/crisp-kit.node beside dist/, written by build.mjs in a checkout), then the wasm core:
//   the same .wasm the browser loads, instantiated from its bytes.
// A platform with no prebuilt addon (Windows until a release builds it, FreeBSD, an old glibc)
// therefore still runs, on wasm, and `Crisp.backend` says which one is in use.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as wasm from "../../wasm/crisp_kit_wasm.js";
import * as rtmWasm from "../../wasm/crisp_kit_rtm.js";
import type * as napi from "../../native/crisp-kit.js";
import type { Binding, BindingClient, Check, Implements, RtmBinding } from "../client/backend.js";

declare const __dirname: string | undefined;

export type BackendName = "native" | "wasm";

// One file serves both the ESM and the CommonJS build.
const here = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(join(here, "index.js"));

/** The napi-rs way: musl when ldd says so, else when the process report shows no glibc. */
function isMusl(): boolean {
  try {
    return readFileSync("/usr/bin/ldd", "utf8").includes("musl");
  } catch {
    // No ldd file (some minimal images): ask the process report, which names glibc when linked.
  }
  const reporter = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined;
  if (reporter) reporter.excludeNetwork = true; // a report otherwise resolves every open socket
  const report = (reporter?.getReport?.() ?? null) as { header?: { glibcVersionRuntime?: string }; sharedObjects?: string[] } | null;
  if (!report) return false;
  if (report.header?.glibcVersionRuntime) return false;
  return (report.sharedObjects ?? []).some((f) => f.includes("libc.musl-") || f.includes("ld-musl-"));
}

/** The name of this platform's prebuilt addon package, or null when none is built for it. */
export function platformPackage(platform = process.platform, arch = process.arch): string | null {
  const abi = platform === "linux" ? (isMusl() ? "musl" : "gnu") : platform === "win32" ? "msvc" : null;
  const known: Record<string, string[]> = {
    linux: ["x64", "arm64"],
    darwin: ["x64", "arm64"],
    win32: ["x64"],
  };
  if (!known[platform]?.includes(arch)) return null;
  return `crisp-kit-${platform}-${arch}${abi ? `-${abi}` : ""}`;
}

// The contract, checked at compile time against what the generators wrote from the Rust
// signatures: napi-rs (native/crisp-kit.d.ts, by `napi build` in build.mjs) and wasm-bindgen
// (wasm/*.d.ts). A function one crate lacks, adds or shapes differently fails `tsc`. The modules'
// own extras are left out: the client class (checked on its own), wasm-bindgen's init functions and
// a wasm client's `free`.
type NapiModule = Omit<typeof napi, "BindingClient">;
type WasmModule = Omit<typeof wasm, "BindingClient" | "default" | "initSync">;
type RtmWasmModule = Omit<typeof rtmWasm, "default" | "initSync">;
type WasmClient = Omit<wasm.BindingClient, "free" | typeof Symbol.dispose>;
/** The addon: both contracts, exactly. */
type Addon = Check<NapiModule, Implements<Binding & RtmBinding, NapiModule>>;
type Checked = [
  Addon,
  Check<napi.BindingClient, Implements<BindingClient, napi.BindingClient>>,
  Check<WasmModule, Implements<Binding, WasmModule>>,
  Check<WasmClient, Implements<BindingClient, WasmClient>>,
  Check<RtmWasmModule, Implements<RtmBinding, RtmWasmModule>>,
];

/** The napi addon, or why none loaded (one line per place tried). */
function loadNative(): { binding: Binding & RtmBinding } | { tried: string[]; wanted: string | null } {
  const wanted = platformPackage();
  const candidates: [string, string][] = [];
  if (wanted) candidates.push([wanted, wanted]);
  const dev = join(here, "..", "native", "crisp-kit.node");
  if (existsSync(dev)) candidates.push(["the development build", dev]);
  const tried: string[] = [];
  for (const [label, specifier] of candidates) {
    try {
      return { binding: requireHere(specifier) as Addon };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const missing = e.code === "MODULE_NOT_FOUND" && label === wanted;
      tried.push(`${label}: ${missing ? "not installed" : (e.message ?? String(e)).split("\n")[0]}`);
    }
  }
  return { tried, wanted };
}

/** The wasm core, instantiated synchronously from the .wasm shipped beside this file. */
function loadWasm(): Binding {
  wasm.initSync({ module: readFileSync(join(here, "crisp_kit_wasm_bg.wasm")) });
  return wasmBinding;
}

// Typed against the contract, not cast (see `Checked` above for the exact check).
const wasmBinding: Binding = wasm;
const rtmWasmBinding: RtmBinding = rtmWasm;

/**
 * The real-time functions: the addon's own (it has both contracts), or, on the wasm core, the
 * second wasm module (crisp-kit-wasm-rtm, the one the browser's events chunk loads), instantiated
 * from its bytes on first use, synchronously: an app that never uses events never reads it.
 */
export function rtmFor(binding: Binding, name: BackendName): () => RtmBinding {
  let rtm: RtmBinding | undefined;
  return () => {
    if (!rtm) {
      if (name === "native") rtm = binding as unknown as RtmBinding;
      else {
        rtmWasm.initSync({ module: readFileSync(join(here, "crisp_kit_rtm_bg.wasm")) });
        rtm = rtmWasmBinding;
      }
    }
    return rtm;
  };
}

/** The backend this process uses, chosen as the top of this file says. */
export function loadBackend(): { binding: Binding; name: BackendName } {
  const forced = process.env.CRISP_KIT_BACKEND || undefined;
  if (forced !== undefined && !["native", "node", "wasm"].includes(forced)) {
    throw new Error(`crisp-kit: CRISP_KIT_BACKEND is "${forced}": use "native" or "wasm" (or leave it unset to pick the best)`);
  }
  if (forced === "wasm") return { binding: loadWasm(), name: "wasm" };
  const native = loadNative();
  if ("binding" in native) return { binding: native.binding, name: "native" };
  if (forced) {
    const where = `${process.platform}-${process.arch}`;
    const hint = native.wanted
      ? `npm install ${native.wanted}`
      : `no prebuilt addon exists for ${where}: leave CRISP_KIT_BACKEND unset (or set it to wasm) to use the wasm core`;
    const tried = native.tried.length ? ` (tried ${native.tried.join("; ")})` : "";
    throw new Error(`crisp-kit: CRISP_KIT_BACKEND=${forced}, but the native addon for ${where} is not loadable: ${hint}${tried}`);
  }
  // An addon that is there but does not load (a broken install, a libc older than it needs) is
  // worth a word: the wasm core works, but this is not what the user installed.
  const broken = native.tried.filter((line) => !line.endsWith(": not installed"));
  if (broken.length) process.emitWarning(`crisp-kit: using the wasm core; the native addon did not load (${broken.join("; ")})`);
  return { binding: loadWasm(), name: "wasm" };
}
