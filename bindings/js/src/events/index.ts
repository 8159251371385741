// Real-time events: Crisp's RTM socket (socket.ts, `crisp.events()`) and web hooks (hooks.ts,
// `crisp.hooks`), which share one dispatch (dispatch.ts). The client imports this module on first
// use; in the browser build it is its own file, web-events.js.
export { type CrispEvent, type EventsHost, type EventsOptions, type EventStatus, EventSubscription, loadIo, type ReconnectOptions } from "./socket.js";
export { handleNode, handleRequest, type HookResult, type HookState, type HooksOptions, type NodeRequest, type NodeResponse, receiveHook } from "./hooks.js";
