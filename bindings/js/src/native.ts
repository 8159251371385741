// Loads the napi addon built from bindings/node (native/crisp-kit.node beside dist/).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Binding, BindingClient } from "./backend.js";

declare const __dirname: string | undefined;

/** The addon as it is: `prepare` is a plain function of the client's number (see lib.rs). */
interface Addon extends Omit<Binding, "createClient"> {
  createClient(configJson: string): (Omit<BindingClient, "prepare"> & { readonly id: number }) | string;
  prepare(client: number, endpoint: number, paramsJson: string, account: string | null | undefined): string;
}

export function loadNative(): Binding {
  // One file serves both the ESM and the CommonJS build.
  const here = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
  const path = process.env.CRISP_KIT_NATIVE ?? join(here, "..", "native", "crisp-kit.node");
  const addon = createRequire(join(here, "index.js"))(path) as Addon;
  const { prepare } = addon;
  return {
    ...addon,
    createClient(configJson) {
      const native = addon.createClient(configJson);
      if (typeof native === "string") return native;
      const { id } = native;
      // The instance gains `prepare` as the plain function of its number; holding the instance
      // keeps its client alive.
      return Object.assign(native, {
        prepare: (endpoint: number, paramsJson: string, account: string | null | undefined) => prepare(id, endpoint, paramsJson, account),
      });
    },
  };
}
