// crisp-kit for Node: the Crisp class over the napi addon, with the global fetch as transport.
import { useBinding } from "./crisp.js";
import { loadNative } from "./native.js";

useBinding(loadNative());

export * from "./public.js";
