// crisp-kit for Node: the Crisp class over this platform's napi addon, or the wasm core where no
// addon loads (see native.ts), with the global fetch as transport.
import { useBinding } from "./client/crisp.js";
import { loadBackend, rtmFor } from "./backends/native.js";

const { binding, name } = loadBackend();
const rtm = rtmFor(binding, name);
useBinding(binding, name, { now: rtm, load: async () => rtm() });

export * from "./public.js";
