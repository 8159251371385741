//! The browser binding of crisp-core: the same handful of functions as the napi binding, over
//! [`crisp_core::boundary`], so both answer with byte-identical JSON. The transport (fetch) lives
//! in the shared TypeScript façade.
#![deny(missing_docs)]
// wasm-bindgen hands arguments over owned, and every return value goes back to JS.
#![allow(clippy::needless_pass_by_value, clippy::must_use_candidate)]

use crisp_core::boundary::{self, clients, whole_number};
use wasm_bindgen::prelude::*;

/// talc, not std's dlmalloc: the same service in a sixth of the code (single-threaded wasm only).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A configured client: validated accounts and policies, kept in [`clients`] by number, as in
/// the napi binding. It owns its slot there: the slot is emptied when JS frees it.
#[wasm_bindgen(js_name = BindingClient)]
pub struct BindingClient {
    id: u32,
}

impl BindingClient {
    fn with(&self, f: impl FnOnce(&crisp_core::Client) -> String) -> String {
        // Present for as long as `self` lives: only `drop` below empties the slot. (No panic path:
        // its code would cost the browser build bytes for a case that cannot happen.)
        clients::with(self.id, f).unwrap_or_default()
    }
}

impl Drop for BindingClient {
    fn drop(&mut self) {
        clients::remove(self.id);
    }
}

/// Creates a client, or returns the `{"ok":false,"error":...}` JSON of an invalid configuration.
#[wasm_bindgen(js_name = createClient)]
pub fn create_client(config_json: &str) -> JsValue {
    match boundary::create(config_json) {
        Ok(inner) => BindingClient { id: clients::insert(inner) }.into(),
        Err(error) => error.into(),
    }
}

/// The request as lines for the transport (method, URL, header set number, body), or the
/// refusal's JSON. `client` is the number `BindingClient.id` gives, `endpoint` the one
/// `endpointIndex` gives: the same plain function as the napi binding's.
#[wasm_bindgen]
pub fn prepare(client: u32, endpoint: u32, params_json: &str, account: Option<String>) -> String {
    clients::prepare(client, endpoint, params_json, account.as_deref())
}

#[wasm_bindgen(js_class = BindingClient)]
impl BindingClient {
    /// The number `prepare` takes for this client.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The request for an endpoint as JSON (`redact` hides the key), or the refusal.
    pub fn build(
        &self,
        endpoint: &str,
        params_json: &str,
        account: Option<String>,
        redact: bool,
    ) -> String {
        self.with(|inner| boundary::build(inner, endpoint, params_json, account.as_deref(), redact))
    }

    /// An answer decoded: data or error, as JSON.
    pub fn decode(
        &self,
        endpoint: &str,
        status: u16,
        retry_after: Option<String>,
        bloom_status: Option<String>,
        now_unix_ms: f64,
        body: &[u8],
    ) -> String {
        self.with(|inner| {
            boundary::decode(
                inner,
                endpoint,
                status,
                retry_after,
                bloom_status,
                whole_number(now_unix_ms),
                body,
            )
        })
    }

    /// Whether to retry a failed attempt, and after how long, as JSON.
    pub fn retry(
        &self,
        method: &str,
        attempt: u32,
        outcome: &str,
        status: u16,
        retry_after_ms: Option<f64>,
        seed: f64,
    ) -> String {
        let retry_after_ms = retry_after_ms.and_then(whole_number);
        let seed = whole_number(seed).unwrap_or(0);
        self.with(|inner| {
            boundary::retry(inner, method, attempt, outcome, status, retry_after_ms, seed)
        })
    }

    /// What every request of this client shares, as JSON: the timeout and the header sets that
    /// `prepare` numbers (they hold the keys; read once).
    pub fn transport(&self) -> String {
        self.with(boundary::transport)
    }

    /// The configured accounts as JSON, never their keys.
    #[wasm_bindgen(js_name = listAccounts)]
    pub fn list_accounts(&self) -> String {
        self.with(boundary::list_accounts)
    }
}

/// The number `prepare` and `plainDataStart` take for an endpoint id, or -1 when the catalog has
/// none (then `build` gives the refusal).
#[wasm_bindgen(js_name = endpointIndex)]
pub fn endpoint_index(id: &str) -> i32 {
    boundary::endpoint_index(id).and_then(|i| i32::try_from(i).ok()).unwrap_or(-1)
}

/// Where `data` starts in a plain success answer (the caller parses `body[start..len-1]` with
/// JSON.parse), or -1 when the full decode must answer. `endpoint` is the number `endpointIndex`
/// gives.
#[wasm_bindgen(js_name = plainDataStart)]
pub fn plain_data_start(endpoint: u32, status: u16, body: &[u8]) -> i32 {
    boundary::plain_data_start(endpoint, status, body)
        .and_then(|start| i32::try_from(start).ok())
        .unwrap_or(-1)
}

/// The error JSON for a request that got no answer (`network`, `timeout`, `aborted`).
#[wasm_bindgen(js_name = transportError)]
pub fn transport_error(endpoint: &str, kind: &str, message: &str, timeout_ms: f64) -> String {
    boundary::transport_error(endpoint, kind, message, whole_number(timeout_ms).unwrap_or(0))
}

/// Starts a page-number walk (0 means "not set" for each number).
#[wasm_bindgen(js_name = pageWalkStart)]
pub fn page_walk_start(start: u32, per_page: u32, max_pages: u32) -> String {
    boundary::page_walk_start(start, per_page, max_pages)
}

/// Records a page's item count (null: not a list); returns `{walk, step}` JSON.
#[wasm_bindgen(js_name = pageWalkNext)]
pub fn page_walk_next(walk_json: &str, items: Option<u32>) -> String {
    boundary::page_walk_next(walk_json, items.map(|n| n as usize))
}

/// Starts a message-history walk.
#[wasm_bindgen(js_name = messageWalkStart)]
pub fn message_walk_start(timestamp_before: Option<f64>, max_pages: u32) -> String {
    boundary::message_walk_start(timestamp_before.and_then(whole_number), max_pages)
}

/// Records a message page (status, oldest timestamp); returns `{walk, step}` JSON.
#[wasm_bindgen(js_name = messageWalkNext)]
pub fn message_walk_next(walk_json: &str, status: u16, oldest: Option<f64>) -> String {
    boundary::message_walk_next(walk_json, status, oldest.and_then(whole_number))
}

/// Every endpoint of the catalog, as JSON.
#[wasm_bindgen]
pub fn catalog() -> String {
    boundary::catalog()
}

/// Whether a Crisp web hook signature is valid for the raw body (constant-time). (The real-time
/// functions, `checkHook` among them, are crisp-kit-wasm-rtm's: a REST-only page never downloads
/// them. This one was here before them and stays: `verifyHook` is a synchronous export of
/// crisp-kit/web.)
#[wasm_bindgen(js_name = verifyHook)]
pub fn verify_hook(secret: &str, timestamp: &str, raw_body: &[u8], signature: &str) -> bool {
    crisp_core::verify_hook(secret.as_bytes(), timestamp, raw_body, signature)
}
