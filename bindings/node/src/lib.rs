//! The Node binding of crisp-core: a handful of napi functions over [`crisp_core::boundary`].
//! Each is a few lines; every decision is the core's, and every answer is JSON text that the
//! TypeScript façade parses once. The transport (fetch) lives in JS.
#![deny(missing_docs)]
// napi hands arguments over owned, and every return value goes back to JS.
#![allow(clippy::needless_pass_by_value, clippy::must_use_candidate)]

use crisp_core::boundary::{self, clients, whole_number};
use napi::bindgen_prelude::Either;
use napi_derive::napi;

/// A configured client: validated accounts and policies, kept in [`clients`] by number. It owns
/// its slot there: the slot is emptied when JS collects it.
#[napi]
pub struct BindingClient {
    id: u32,
}

impl BindingClient {
    fn with<T>(&self, f: impl FnOnce(&crisp_core::Client) -> T) -> T {
        // Present for as long as `self` lives: only `drop` below empties the slot.
        clients::with(self.id, f).expect("a live BindingClient has its client")
    }
}

impl Drop for BindingClient {
    fn drop(&mut self) {
        clients::remove(self.id);
    }
}

/// Creates a client, or returns the `{"ok":false,"error":...}` JSON of an invalid configuration.
#[napi]
pub fn create_client(config_json: String) -> Either<BindingClient, String> {
    match boundary::create(&config_json) {
        Ok(inner) => Either::A(BindingClient { id: clients::insert(inner) }),
        Err(error) => Either::B(error),
    }
}

/// The number `prepare` and `plainDataStart` take for an endpoint id, or -1 when the catalog has
/// none (then `build` gives the refusal). Looked up once per id, so that a call on the common path
/// does not search the catalog.
#[napi]
pub fn endpoint_index(id: String) -> i32 {
    boundary::endpoint_index(&id).and_then(|i| i32::try_from(i).ok()).unwrap_or(-1)
}

/// The request as lines for the transport (method, URL, header set number, body), or the
/// refusal's JSON: what `call` sends, without a request object to parse per call. `client` is
/// the number `BindingClient.id` gives (the façade keeps that client alive while it is used),
/// `endpoint` the one `endpointIndex` gives.
#[napi]
pub fn prepare(client: u32, endpoint: u32, params_json: String, account: Option<String>) -> String {
    clients::prepare(client, endpoint, &params_json, account.as_deref())
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
        self.with(|inner| {
            boundary::build(inner, &endpoint, &params_json, account.as_deref(), redact)
        })
    }

    /// An answer decoded: data or error, as JSON. The body is borrowed for the call, not copied
    /// (a `&[u8]` argument takes no reference to the JS buffer).
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
        self.with(|inner| {
            boundary::decode(
                inner,
                &endpoint,
                status,
                retry_after,
                bloom_status,
                whole_number(now_unix_ms),
                body,
            )
        })
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
        let retry_after_ms = retry_after_ms.and_then(whole_number);
        let seed = whole_number(seed).unwrap_or(0);
        self.with(|inner| {
            boundary::retry(inner, &method, attempt, &outcome, status, retry_after_ms, seed)
        })
    }

    /// What every request of this client shares, as JSON: the timeout and the header sets that
    /// `prepare` numbers (they hold the keys; read once).
    #[napi]
    pub fn transport(&self) -> String {
        self.with(boundary::transport)
    }

    /// The configured accounts as JSON, never their keys.
    #[napi]
    pub fn list_accounts(&self) -> String {
        self.with(boundary::list_accounts)
    }
}

/// Where the `data` of a plain success answer starts in the body (it ends before the last byte),
/// or -1: then only `decode` can say. JS parses that span itself and calls `decode` when it is not
/// one JSON value, so the answer is read once, by V8, on the common path. `endpoint` is the number
/// `endpointIndex` gives.
#[napi]
pub fn plain_data_start(endpoint: u32, status: u16, body: &[u8]) -> i32 {
    boundary::plain_data_start(endpoint, status, body)
        .and_then(|start| i32::try_from(start).ok())
        .unwrap_or(-1)
}

/// The error JSON for a request that got no answer (`network`, `timeout`, `aborted`).
#[napi]
pub fn transport_error(endpoint: String, kind: String, message: String, timeout_ms: f64) -> String {
    boundary::transport_error(&endpoint, &kind, &message, whole_number(timeout_ms).unwrap_or(0))
}

/// Starts a page-number walk (0 means "not set" for each number).
#[napi]
pub fn page_walk_start(start: u32, per_page: u32, max_pages: u32) -> String {
    boundary::page_walk_start(start, per_page, max_pages)
}

/// Records a page's item count (null: not a list); returns `{walk, step}` JSON.
#[napi]
pub fn page_walk_next(walk_json: String, items: Option<u32>) -> String {
    boundary::page_walk_next(&walk_json, items.map(|n| n as usize))
}

/// Starts a message-history walk.
#[napi]
pub fn message_walk_start(timestamp_before: Option<f64>, max_pages: u32) -> String {
    boundary::message_walk_start(timestamp_before.and_then(whole_number), max_pages)
}

/// Records a message page (status, oldest timestamp); returns `{walk, step}` JSON.
#[napi]
pub fn message_walk_next(walk_json: String, status: u16, oldest: Option<f64>) -> String {
    boundary::message_walk_next(&walk_json, status, oldest.and_then(whole_number))
}

/// Every endpoint of the catalog, as JSON.
#[napi]
pub fn catalog() -> String {
    boundary::catalog()
}

/// Whether a Crisp web hook signature is valid for the raw body (constant-time).
#[napi]
pub fn verify_hook(secret: String, timestamp: String, raw_body: &[u8], signature: String) -> bool {
    crisp_core::verify_hook(secret.as_bytes(), &timestamp, raw_body, &signature)
}

// ---- Real-time events (crisp_core::rtm): the same functions as crisp-kit-wasm-rtm, the wasm
// module of its own that the browser loads with the events chunk. ----

/// The event catalog as JSON: default and opt-in event names, hook window, rebind interval,
/// reconnect policy.
#[napi]
pub fn rtm_catalog() -> String {
    crisp_core::rtm::text::catalog()
}

/// The checked subscription (`{"ok":true,"events":[...]}`) of names given one per line (empty: the default list).
#[napi]
pub fn rtm_subscription(events: String) -> String {
    crisp_core::rtm::text::subscription_json(&events)
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
    crisp_core::rtm::text::reconnect_delay(
        base_delay_ms,
        max_delay_ms,
        randomization,
        attempt,
        whole_number(seed).unwrap_or(0),
    )
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
    crisp_core::rtm::text::check_hook_json(
        &secret, &timestamp, raw_body, &signature, now_ms, window_ms,
    )
}

/// The options of `crisp.hooks` with their defaults (`{"ok":true,"windowMs","maxBodyBytes"}`),
/// or the refusal naming `hooks.windowMs` or `hooks.maxBodyBytes`.
#[napi]
pub fn rtm_hook_options(window_ms: f64, max_body_bytes: Option<f64>) -> String {
    crisp_core::rtm::text::hook_options(window_ms, max_body_bytes)
}

/// Where the RTM socket connects (`{"ok":true,"origin","path"}`): the `endpoint` option, or the
/// discovered `socket.app`; clear text only on a loopback host.
#[napi]
pub fn rtm_endpoint(url: String, discovered: bool) -> String {
    crisp_core::rtm::text::socket_endpoint_json(&url, discovered)
}

/// The RTM `authentication` message for an account of a client configuration (the JSON
/// `createClient` took), as JSON (it holds the key: send it, never log it), or the refusal. A
/// plain function, as in crisp-kit-wasm-rtm, whose module holds no client.
#[napi]
pub fn rtm_authentication(
    config_json: String,
    account: Option<String>,
    events: String,
    rooms: String,
) -> String {
    crisp_core::rtm::text::authentication_for(&config_json, account.as_deref(), &events, &rooms)
}
