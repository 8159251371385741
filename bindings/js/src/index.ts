// crisp-kit for Node: the Crisp class over the napi addon, with the global fetch as transport.
import { useBinding } from "./crisp.js";
import { loadNative } from "./native.js";

useBinding(loadNative());

export {
  Crisp,
  verifyHook,
  type AccountInfo,
  type AccountOptions,
  type CallOptions,
  type CallParams,
  type CrispOptions,
  type EndpointInfo,
  type FetchLike,
  type PreparedRequest,
  type RetryOptions,
  type Tier,
  type WalkOptions,
} from "./crisp.js";
export type * from "./endpoints.generated.js";
export { CrispError, type ErrorInfo } from "./errors.js";
