//! The binding contract's bodies: one function per member of `Binding`, `BindingClient` and
//! `RtmBinding` (bindings/js/src/client/backend.ts), taking the values exactly as both bindings
//! receive them from JS (numbers as `f64` where JS may pass any number, `u32`/`u16` where the
//! binding's own conversion already applies, optional strings) and returning what JS gets back.
//!
//! The napi addon (bindings/node) and the wasm modules (bindings/wasm, bindings/wasm-rtm) are
//! adapters: each exported function is one call to the function of the same name here, so that the
//! two backends cannot differ in a conversion, a default or a refusal (tests/js/contract.test.mjs
//! calls every function on both with the same inputs and compares the answers).
//!
//! A client method takes the client's number (`BindingClient.id`): a number with no client behind
//! it (freed, or never made) gets [`no_client`]'s refusal from every method, on both backends.

use super::{clients, whole_number};
use crate::CrispError;
use crate::catalog::Endpoint;
use crate::rtm::text;

/// The refusal for a client number with no client (freed, or never made): `invalid_param` naming
/// `client`, with the endpoint when the call names one. Cold, and worded short: the façade never
/// passes such a number, and every byte here is in the browser build.
#[cold]
#[inline(never)]
fn no_client(endpoint: Option<&'static Endpoint>) -> String {
    super::error(&CrispError::InvalidParam {
        endpoint: endpoint.map_or("", |e| e.id),
        param: "client".into(),
        message: "no such client".into(),
    })
}

/// Runs `f` on the client numbered `id`, or answers [`no_client`] (naming the endpoint
/// `endpoint` finds: looked up only then).
fn with(
    id: u32,
    endpoint: impl FnOnce() -> Option<&'static Endpoint>,
    f: impl FnOnce(&crate::Client) -> String,
) -> String {
    match clients::with(id, f) {
        Some(answer) => answer,
        None => no_client(endpoint()),
    }
}

/// `createClient`: the new client's number (kept in [`clients`] until the binding's
/// `BindingClient` drops it), or the error JSON of an invalid configuration.
///
/// # Errors
/// The `{"ok":false,"error":...}` text for an invalid configuration.
pub fn create_client(config_json: &str) -> Result<u32, String> {
    super::create(config_json).map(clients::insert)
}

/// The binding's `BindingClient` was collected (napi) or freed (wasm): its slot is emptied.
pub fn drop_client(id: u32) {
    clients::remove(id);
}

/// `endpointIndex`: the number for an endpoint id, or -1.
#[must_use]
pub fn endpoint_index(id: &str) -> i32 {
    super::endpoint_index(id).and_then(|i| i32::try_from(i).ok()).unwrap_or(-1)
}

/// `prepare`: [`super::prepare`] for the client numbered `client`.
#[must_use]
pub fn prepare(client: u32, endpoint: u32, params_json: &str, account: Option<&str>) -> String {
    // (`DISCOVERY` has no catalog position: its refusal names no endpoint. The façade never
    // passes a number with no client; naming it would cost the browser build 19 bytes.)
    with(
        client,
        || Endpoint::at(endpoint as usize),
        |c| super::prepare(c, endpoint, params_json, account),
    )
}

/// `BindingClient.build`.
#[must_use]
pub fn build(
    client: u32,
    endpoint: &str,
    params_json: &str,
    account: Option<&str>,
    redact: bool,
) -> String {
    with(
        client,
        || Endpoint::find(endpoint),
        |c| super::build(c, endpoint, params_json, account, redact),
    )
}

/// `BindingClient.decode`. `now_unix_ms` that is not a whole, safe, non-negative number is
/// treated as unknown (a `Retry-After` date is then not converted).
#[must_use]
pub fn decode(
    client: u32,
    endpoint: &str,
    status: u16,
    retry_after: Option<String>,
    bloom_status: Option<String>,
    now_unix_ms: f64,
    body: &[u8],
) -> String {
    with(
        client,
        || Endpoint::find(endpoint),
        |c| {
            let now = whole_number(now_unix_ms);
            super::decode(c, endpoint, status, retry_after, bloom_status, now, body)
        },
    )
}

/// `BindingClient.retry`. A `retry_after_ms` or `seed` that is not a whole, safe, non-negative
/// number counts as absent (seed 0).
#[must_use]
pub fn retry(
    client: u32,
    method: &str,
    attempt: u32,
    outcome: &str,
    status: u16,
    retry_after_ms: Option<f64>,
    seed: f64,
) -> String {
    with(
        client,
        || None,
        |c| {
            let retry_after_ms = retry_after_ms.and_then(whole_number);
            let seed = whole_number(seed).unwrap_or(0);
            super::retry(c, method, attempt, outcome, status, retry_after_ms, seed)
        },
    )
}

/// `BindingClient.transport`.
#[must_use]
pub fn transport(client: u32) -> String {
    with(client, || None, super::transport)
}

/// `BindingClient.listAccounts`.
#[must_use]
pub fn list_accounts(client: u32) -> String {
    with(client, || None, super::list_accounts)
}

/// `plainDataStart`: where `data` starts, or -1.
#[must_use]
pub fn plain_data_start(endpoint: u32, status: u16, body: &[u8]) -> i32 {
    super::plain_data_start(endpoint, status, body)
        .and_then(|start| i32::try_from(start).ok())
        .unwrap_or(-1)
}

/// `transportError`. A `timeout_ms` that is not a whole number reads as 0.
#[must_use]
pub fn transport_error(endpoint: &str, kind: &str, message: &str, timeout_ms: f64) -> String {
    super::transport_error(endpoint, kind, message, whole_number(timeout_ms).unwrap_or(0))
}

/// `pageWalkStart`.
#[must_use]
pub fn page_walk_start(start: u32, per_page: u32, max_pages: u32) -> String {
    super::page_walk_start(start, per_page, max_pages)
}

/// `pageWalkNext`.
#[must_use]
pub fn page_walk_next(walk_json: &str, items: Option<u32>) -> String {
    super::page_walk_next(walk_json, items.map(|n| n as usize))
}

/// `messageWalkStart`. A `timestamp_before` that is not a whole number counts as absent.
#[must_use]
pub fn message_walk_start(timestamp_before: Option<f64>, max_pages: u32) -> String {
    super::message_walk_start(timestamp_before.and_then(whole_number), max_pages)
}

/// `messageWalkNext`. An `oldest` that is not a whole number counts as absent.
#[must_use]
pub fn message_walk_next(walk_json: &str, status: u16, oldest: Option<f64>) -> String {
    super::message_walk_next(walk_json, status, oldest.and_then(whole_number))
}

/// `catalog`.
#[must_use]
pub fn catalog() -> String {
    super::catalog()
}

/// `verifyHook`: whether a web hook signature is valid for the raw body (constant-time).
#[must_use]
pub fn verify_hook(secret: &str, timestamp: &str, raw_body: &[u8], signature: &str) -> bool {
    crate::verify_hook(secret.as_bytes(), timestamp, raw_body, signature)
}

/// `rtmCatalog`.
#[must_use]
pub fn rtm_catalog() -> String {
    text::catalog()
}

/// `rtmSubscription`.
#[must_use]
pub fn rtm_subscription(events: &str) -> String {
    text::subscription_json(events)
}

/// `rtmReconnectDelay`. A `seed` that is not a whole number reads as 0.
#[must_use]
pub fn rtm_reconnect_delay(
    base_delay_ms: f64,
    max_delay_ms: f64,
    randomization: f64,
    attempt: u32,
    seed: f64,
) -> String {
    let seed = whole_number(seed).unwrap_or(0);
    text::reconnect_delay(base_delay_ms, max_delay_ms, randomization, attempt, seed)
}

/// `checkHook`.
#[must_use]
pub fn check_hook(
    secret: &str,
    timestamp: &str,
    raw_body: &[u8],
    signature: &str,
    now_ms: f64,
    window_ms: f64,
) -> String {
    text::check_hook_json(secret, timestamp, raw_body, signature, now_ms, window_ms)
}

/// `rtmHookOptions`.
#[must_use]
pub fn rtm_hook_options(window_ms: f64, max_body_bytes: Option<f64>) -> String {
    text::hook_options(window_ms, max_body_bytes)
}

/// `rtmEndpoint`.
#[must_use]
pub fn rtm_endpoint(url: &str, discovered: bool) -> String {
    text::socket_endpoint_json(url, discovered)
}

/// `rtmAuthentication`: from the REST client's header set for the account (see
/// [`text::authentication_from`]).
#[must_use]
pub fn rtm_authentication(
    account: Option<&str>,
    tier: &str,
    authorization: &str,
    events: &str,
    rooms: &str,
) -> String {
    text::authentication_from(account, tier, authorization, events, rooms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn refusal(text: &str) -> Value {
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["ok"], false, "{text}");
        v["error"].clone()
    }

    #[test]
    fn a_missing_client_is_the_same_refusal_from_every_method() {
        let id = create_client(r#"{"identifier":"i","key":"k","websiteId":"w"}"#).unwrap();
        let get = u32::try_from(endpoint_index("get_conversation")).unwrap();
        assert!(prepare(id, get, r#"{"sessionID":"s"}"#, None).starts_with("GET\n"));
        drop_client(id);
        for (answer, endpoint) in [
            (prepare(id, get, r#"{"sessionID":"s"}"#, None), "get_conversation"),
            (build(id, "get_conversation", "{}", None, false), "get_conversation"),
            (decode(id, "get_conversation", 200, None, None, 0.0, b"{}"), "get_conversation"),
            (retry(id, "GET", 1, "timeout", 0, None, 0.0), ""),
            (transport(id), ""),
            (list_accounts(id), ""),
            (prepare(u32::MAX, get, "{}", None), "get_conversation"),
            (prepare(id, super::super::DISCOVERY, "{}", None), ""),
        ] {
            let e = refusal(&answer);
            assert_eq!(e["code"], "invalid_param", "{answer}");
            assert_eq!(e["param"], "client");
            assert_eq!(e["retryable"], false);
            assert_eq!(e["endpoint"], endpoint);
        }
    }

    #[test]
    fn numbers_from_js_that_are_not_whole_read_as_absent() {
        assert_eq!(endpoint_index("no_such"), -1);
        let t =
            |ms| serde_json::from_str::<Value>(&transport_error("", "timeout", "", ms)).unwrap();
        assert_eq!(t(1.5)["message"], t(0.0)["message"]);
        assert_eq!(message_walk_start(Some(-1.0), 0), message_walk_start(None, 0));
        assert_eq!(
            rtm_reconnect_delay(10.0, 100.0, 0.5, 2, f64::NAN),
            rtm_reconnect_delay(10.0, 100.0, 0.5, 2, 0.0)
        );
    }
}
