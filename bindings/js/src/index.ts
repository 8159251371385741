// crisp-kit for Node: the Crisp class over this platform's napi addon, or the wasm core where no
// addon loads (see native.ts), with the global fetch as transport.
import { useBinding } from "./crisp.js";
import { loadBackend } from "./native.js";

const { binding, name } = loadBackend();
useBinding(binding, name);

export * from "./public.js";
