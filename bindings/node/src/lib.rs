//! The Node binding of crisp-core: the binding contract (bindings/js/src/client/backend.ts) as napi
//! functions, each one call to the function of the same name in [`crisp_core::boundary::contract`],
//! which the wasm modules call too. Every answer is JSON text that the TypeScript façade parses
//! once; the transport (fetch) lives in JS. `napi build` (bindings/js/build.mjs) writes this
//! module's declarations, native/crisp-kit.d.ts, from these signatures and doc comments, and
//! bindings/js/src/backends/native.ts checks them against the contract at compile time.
#![deny(missing_docs)]
// napi hands arguments over owned, and every return value goes back to JS.
#![allow(clippy::needless_pass_by_value, clippy::must_use_candidate)]

use crisp_core::boundary::contract;
use napi::bindgen_prelude::Either;
use napi_derive::napi;

/// A configured client: validated accounts and policies, kept in crisp-core's client registry by
/// number. It owns its slot there: the slot is emptied when JS collects it.
#[napi]
pub struct BindingClient {
    id: u32,
}

impl Drop for BindingClient {
    fn drop(&mut self) {
        contract::drop_client(self.id);
    }
}

/// Creates a client, or returns the `{"ok":false,"error":...}` JSON of an invalid configuration.
#[napi]
pub fn create_client(config_json: String) -> Either<BindingClient, String> {
    match contract::create_client(&config_json) {
        Ok(id) => Either::A(BindingClient { id }),
        Err(error) => Either::B(error),
    }
}

/// The number `prepare` and `plainDataStart` take for an endpoint id, or -1 when the catalog has
/// none (then `build` gives the refusal).
#[napi]
pub fn endpoint_index(id: String) -> i32 {
    contract::endpoint_index(&id)
}

/// The request as lines for the transport (method, URL, header set number, body), or the
/// refusal's JSON. `client` is the number `BindingClient.id` gives, `endpoint` the one
/// `endpointIndex` gives.
#[napi]
pub fn prepare(client: u32, endpoint: u32, params_json: String, account: Option<String>) -> String {
    contract::prepare(client, endpoint, &params_json, account.as_deref())
}

#[napi]
impl BindingClient {
    /// The number `prepare` takes for this client.
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The request for an endpoint as JSON (`redact` hides the key), or the refusal.
    #[napi]
    pub fn build(
        &self,
        endpoint: String,
        params_json: String,
        account: Option<String>,
        redact: bool,
    ) -> String {
        contract::build(self.id, &endpoint, &params_json, account.as_deref(), redact)
    }

    /// An answer decoded: data or error, as JSON. The body is borrowed for the call, not copied.
    #[napi]
    pub fn decode(
        &self,
        endpoint: String,
        status: u16,
        retry_after: Option<String>,
        bloom_status: Option<String>,
        now_unix_ms: f64,
        body: &[u8],
    ) -> String {
        contract::decode(self.id, &endpoint, status, retry_after, bloom_status, now_unix_ms, body)
    }

    /// Whether to retry a failed attempt, and after how long, as JSON.
    #[napi]
    pub fn retry(
        &self,
        method: String,
        attempt: u32,
        outcome: String,
        status: u16,
        retry_after_ms: Option<f64>,
        seed: f64,
    ) -> String {
        contract::retry(self.id, &method, attempt, &outcome, status, retry_after_ms, seed)
    }

    /// What every request of this client shares, as JSON: the timeout and the header sets that
    /// `prepare` numbers (they hold the keys; read once).
    #[napi]
    pub fn transport(&self) -> String {
        contract::transport(self.id)
    }

    /// The configured accounts as JSON, never their keys.
    #[napi]
    pub fn list_accounts(&self) -> String {
        contract::list_accounts(self.id)
    }
}

/// Where the `data` of a plain success answer starts in the body (it ends before the last byte),
/// or -1: then only `decode` can say. `endpoint` is the number `endpointIndex` gives.
#[napi]
pub fn plain_data_start(endpoint: u32, status: u16, body: &[u8]) -> i32 {
    contract::plain_data_start(endpoint, status, body)
}

/// The error JSON for a request that got no answer (`network`, `timeout`, `aborted`).
#[napi]
pub fn transport_error(endpoint: String, kind: String, message: String, timeout_ms: f64) -> String {
    contract::transport_error(&endpoint, &kind, &message, timeout_ms)
}

/// Starts a page-number walk (0 means "not set" for each number).
#[napi]
pub fn page_walk_start(start: u32, per_page: u32, max_pages: u32) -> String {
    contract::page_walk_start(start, per_page, max_pages)
}

/// Records a page's item count (null: not a list); returns `{walk, step}` JSON.
#[napi]
pub fn page_walk_next(walk_json: String, items: Option<u32>) -> String {
    contract::page_walk_next(&walk_json, items)
}

/// Starts a message-history walk.
#[napi]
pub fn message_walk_start(timestamp_before: Option<f64>, max_pages: u32) -> String {
    contract::message_walk_start(timestamp_before, max_pages)
}

/// Records a message page (status, oldest timestamp); returns `{walk, step}` JSON.
#[napi]
pub fn message_walk_next(walk_json: String, status: u16, oldest: Option<f64>) -> String {
    contract::message_walk_next(&walk_json, status, oldest)
}

/// Every endpoint of the catalog, as JSON.
#[napi]
pub fn catalog() -> String {
    contract::catalog()
}

/// Whether a Crisp web hook signature is valid for the raw body (constant-time).
#[napi]
pub fn verify_hook(secret: String, timestamp: String, raw_body: &[u8], signature: String) -> bool {
    contract::verify_hook(&secret, &timestamp, raw_body, &signature)
}

// ---- Real-time events (`RtmBinding`): the same functions as crisp-kit-wasm-rtm, the wasm module
// of its own that the browser loads with the events chunk. ----

/// The event catalog as JSON: default and opt-in event names, hook window, rebind interval,
/// reconnect policy.
#[napi]
pub fn rtm_catalog() -> String {
    contract::rtm_catalog()
}

/// The checked subscription (`{"ok":true,"events":[...]}`) of names given one per line (empty: the default list).
#[napi]
pub fn rtm_subscription(events: String) -> String {
    contract::rtm_subscription(&events)
}

/// The wait before reconnect attempt `attempt` under a policy, as JSON, or the policy's refusal.
#[napi]
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
#[napi]
pub fn check_hook(
    secret: String,
    timestamp: String,
    raw_body: &[u8],
    signature: String,
    now_ms: f64,
    window_ms: f64,
) -> String {
    contract::check_hook(&secret, &timestamp, raw_body, &signature, now_ms, window_ms)
}

/// The options of `crisp.hooks` with their defaults (`{"ok":true,"windowMs","maxBodyBytes"}`),
/// or the refusal naming `hooks.windowMs` or `hooks.maxBodyBytes`.
#[napi]
pub fn rtm_hook_options(window_ms: f64, max_body_bytes: Option<f64>) -> String {
    contract::rtm_hook_options(window_ms, max_body_bytes)
}

/// Where the RTM socket connects (`{"ok":true,"origin","path"}`): the `endpoint` option, or the
/// discovered `socket.app`; clear text only on a loopback host.
#[napi]
pub fn rtm_endpoint(url: String, discovered: bool) -> String {
    contract::rtm_endpoint(&url, discovered)
}

/// The RTM `authentication` message (`{"ok":true,"message"}`; it holds the key: send it, never
/// log it) for the account a REST client resolved: `tier` and `authorization` are the
/// `X-Crisp-Tier` and `Authorization` of that client's header set for it (`transport`), empty for
/// an account the client does not have (the refusal names `account`).
#[napi]
pub fn rtm_authentication(
    account: Option<String>,
    tier: String,
    authorization: String,
    events: String,
    rooms: String,
) -> String {
    contract::rtm_authentication(account.as_deref(), &tier, &authorization, &events, &rooms)
}
