//! The real-time binding of crisp-core for browsers and Node's wasm fallback: the functions of
//! `RtmBinding` (bindings/js/src/client/backend.ts), each one call to the function of the same
//! name in [`crisp_core::boundary::contract`], as the napi addon's are. A module of its own, apart from crisp-kit-wasm (REST), so that a page that only calls
//! REST never downloads it: the events chunk (web-events.js) loads it on `crisp.events()` or the
//! first web hook.
#![deny(missing_docs)]
// wasm-bindgen hands arguments over owned, and every return value goes back to JS.
#![allow(clippy::needless_pass_by_value, clippy::must_use_candidate)]

use crisp_core::boundary::contract;
use wasm_bindgen::prelude::*;

/// talc, not std's dlmalloc, as in crisp-kit-wasm.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The event catalog as JSON: default and opt-in event names, hook window, rebind interval,
/// reconnect policy.
#[wasm_bindgen(js_name = rtmCatalog)]
pub fn rtm_catalog() -> String {
    contract::rtm_catalog()
}

/// The checked subscription (`{"ok":true,"events":[...]}`) of names given one per line (empty:
/// the default list).
#[wasm_bindgen(js_name = rtmSubscription)]
pub fn rtm_subscription(events: &str) -> String {
    contract::rtm_subscription(events)
}

/// The wait before reconnect attempt `attempt` under a policy, as JSON, or the refusal naming
/// the parameter.
#[wasm_bindgen(js_name = rtmReconnectDelay)]
pub fn rtm_reconnect_delay(
    base_delay_ms: f64,
    max_delay_ms: f64,
    randomization: f64,
    attempt: u32,
    seed: f64,
) -> String {
    contract::rtm_reconnect_delay(base_delay_ms, max_delay_ms, randomization, attempt, seed)
}

/// A received web hook checked: signature over the raw body (constant-time), then freshness.
#[wasm_bindgen(js_name = checkHook)]
pub fn check_hook(
    secret: &str,
    timestamp: &str,
    raw_body: &[u8],
    signature: &str,
    now_ms: f64,
    window_ms: f64,
) -> String {
    contract::check_hook(secret, timestamp, raw_body, signature, now_ms, window_ms)
}

/// The options of `crisp.hooks` with their defaults (`{"ok":true,"windowMs","maxBodyBytes"}`),
/// or the refusal naming `hooks.windowMs` or `hooks.maxBodyBytes`.
#[wasm_bindgen(js_name = rtmHookOptions)]
pub fn rtm_hook_options(window_ms: f64, max_body_bytes: Option<f64>) -> String {
    contract::rtm_hook_options(window_ms, max_body_bytes)
}

/// Where the RTM socket connects (`{"ok":true,"origin","path"}`): the `endpoint` option, or the
/// discovered `socket.app`; clear text only on a loopback host.
#[wasm_bindgen(js_name = rtmEndpoint)]
pub fn rtm_endpoint(url: &str, discovered: bool) -> String {
    contract::rtm_endpoint(url, discovered)
}

/// The RTM `authentication` message (`{"ok":true,"message"}`; it holds the key: send it, never
/// log it) for the account a REST client resolved: `tier` and `authorization` are the
/// `X-Crisp-Tier` and `Authorization` of that client's header set for it (`transport`), empty for
/// an account the client does not have (the refusal names `account`).
#[wasm_bindgen(js_name = rtmAuthentication)]
pub fn rtm_authentication(
    account: Option<String>,
    tier: &str,
    authorization: &str,
    events: &str,
    rooms: &str,
) -> String {
    contract::rtm_authentication(account.as_deref(), tier, authorization, events, rooms)
}
