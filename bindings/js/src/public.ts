// The public surface, the same from every entry (Node: index.ts; browsers: web.ts).
export {
  Crisp,
  verifyHook,
  type AccountInfo,
  type AttemptInfo,
  type AttemptOutcome,
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
  type TransportHook,
  type WalkOptions,
} from "./client/crisp.js";
export type * from "./generated/catalog.generated.js";
export type * from "./generated/endpoints.generated.js";
export type * from "./generated/types.generated.js";
export { CRISP_EVENT_NAMES, DEFAULT_EVENT_NAMES } from "./generated/types.generated.js";
export { CrispError, type ErrorInfo } from "./client/errors.js";
export type {
  CrispEvent,
  EventStatus,
  EventsOptions,
  EventSubscription,
  HookResult,
  HooksOptions,
  ReconnectOptions,
} from "./events/index.js";
