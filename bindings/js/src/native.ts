// Loads the napi addon built from bindings/node (native/crisp-kit.node beside dist/).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Binding } from "./backend.js";

declare const __dirname: string | undefined;

export function loadNative(): Binding {
  // One file serves both the ESM and the CommonJS build.
  const here = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
  const path = process.env.CRISP_KIT_NATIVE ?? join(here, "..", "native", "crisp-kit.node");
  return createRequire(join(here, "index.js"))(path) as Binding;
}
