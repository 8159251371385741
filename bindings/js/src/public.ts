// The public surface, the same from every entry (Node: index.ts; browsers: web.ts).
export {
  Crisp,
  verifyHook,
  type AccountInfo,
  type AccountOptions,
  type CallOptions,
  type CallParams,
  type CrispHooks,
  type EventCatalog,
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
export type {
  CrispEvent,
  CrispEventMap,
  CrispEventName,
  EventStatus,
  EventsOptions,
  EventSubscription,
  HookResult,
  HooksOptions,
  ReconnectOptions,
} from "./events.js";
