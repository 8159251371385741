//! The browser binding of crisp-core: the REST part of the binding contract
//! (bindings/js/src/client/backend.ts, `Binding`) as wasm-bindgen functions, each one call to the
//! function of the same name in [`crisp_core::boundary::contract`], which the napi addon calls
//! too, so both answer with byte-identical JSON. The transport (fetch) lives in the shared
//! TypeScript façade. wasm-bindgen writes this module's declarations, which
//! bindings/js/src/backends/native.ts checks against the contract at compile time.
#![deny(missing_docs)]
// wasm-bindgen hands arguments over owned, and every return value goes back to JS.
#![allow(clippy::needless_pass_by_value, clippy::must_use_candidate)]

use crisp_core::boundary::contract;
use wasm_bindgen::prelude::*;

/// talc, not std's dlmalloc: the same service in a sixth of the code (single-threaded wasm only).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A configured client: validated accounts and policies, kept in crisp-core's client registry by
/// number, as in the napi binding. It owns its slot there: the slot is emptied when JS frees it.
#[wasm_bindgen(js_name = BindingClient)]
pub struct BindingClient {
    id: u32,
}

impl Drop for BindingClient {
    fn drop(&mut self) {
        contract::drop_client(self.id);
    }
}

/// Creates a client, or returns the `{"ok":false,"error":...}` JSON of an invalid configuration.
#[wasm_bindgen(js_name = createClient)]
pub fn create_client(config_json: &str) -> JsValue {
    match contract::create_client(config_json) {
        Ok(id) => BindingClient { id }.into(),
        Err(error) => error.into(),
    }
}

/// The request as lines for the transport (method, URL, header set number, body), or the
/// refusal's JSON. `client` is the number `BindingClient.id` gives, `endpoint` the one
/// `endpointIndex` gives.
#[wasm_bindgen]
pub fn prepare(client: u32, endpoint: u32, params_json: &str, account: Option<String>) -> String {
    contract::prepare(client, endpoint, params_json, account.as_deref())
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
        contract::build(self.id, endpoint, params_json, account.as_deref(), redact)
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
        contract::decode(self.id, endpoint, status, retry_after, bloom_status, now_unix_ms, body)
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
        contract::retry(self.id, method, attempt, outcome, status, retry_after_ms, seed)
    }

    /// What every request of this client shares, as JSON: the timeout and the header sets that
    /// `prepare` numbers (they hold the keys; read once).
    pub fn transport(&self) -> String {
        contract::transport(self.id)
    }

    /// The configured accounts as JSON, never their keys.
    #[wasm_bindgen(js_name = listAccounts)]
    pub fn list_accounts(&self) -> String {
        contract::list_accounts(self.id)
    }
}

/// The number `prepare` and `plainDataStart` take for an endpoint id, or -1 when the catalog has
/// none (then `build` gives the refusal).
#[wasm_bindgen(js_name = endpointIndex)]
pub fn endpoint_index(id: &str) -> i32 {
    contract::endpoint_index(id)
}

/// Where `data` starts in a plain success answer (the caller parses `body[start..len-1]` with
/// JSON.parse), or -1 when the full decode must answer. `endpoint` is the number `endpointIndex`
/// gives.
#[wasm_bindgen(js_name = plainDataStart)]
pub fn plain_data_start(endpoint: u32, status: u16, body: &[u8]) -> i32 {
    contract::plain_data_start(endpoint, status, body)
}

/// The error JSON for a request that got no answer (`network`, `timeout`, `aborted`).
#[wasm_bindgen(js_name = transportError)]
pub fn transport_error(endpoint: &str, kind: &str, message: &str, timeout_ms: f64) -> String {
    contract::transport_error(endpoint, kind, message, timeout_ms)
}

/// Starts a page-number walk (0 means "not set" for each number).
#[wasm_bindgen(js_name = pageWalkStart)]
pub fn page_walk_start(start: u32, per_page: u32, max_pages: u32) -> String {
    contract::page_walk_start(start, per_page, max_pages)
}

/// Records a page's item count (null: not a list); returns `{walk, step}` JSON.
#[wasm_bindgen(js_name = pageWalkNext)]
pub fn page_walk_next(walk_json: &str, items: Option<u32>) -> String {
    contract::page_walk_next(walk_json, items)
}

/// Starts a message-history walk.
#[wasm_bindgen(js_name = messageWalkStart)]
pub fn message_walk_start(timestamp_before: Option<f64>, max_pages: u32) -> String {
    contract::message_walk_start(timestamp_before, max_pages)
}

/// Records a message page (status, oldest timestamp); returns `{walk, step}` JSON.
#[wasm_bindgen(js_name = messageWalkNext)]
pub fn message_walk_next(walk_json: &str, status: u16, oldest: Option<f64>) -> String {
    contract::message_walk_next(walk_json, status, oldest)
}

/// Every endpoint of the catalog, as JSON.
#[wasm_bindgen]
pub fn catalog() -> String {
    contract::catalog()
}

/// Whether a Crisp web hook signature is valid for the raw body (constant-time). (The real-time
/// functions, `checkHook` among them, are crisp-kit-wasm-rtm's: a REST-only page never downloads
/// them. This one was here before them and stays: `verifyHook` is a synchronous export of
/// crisp-kit/web.)
#[wasm_bindgen(js_name = verifyHook)]
pub fn verify_hook(secret: &str, timestamp: &str, raw_body: &[u8], signature: &str) -> bool {
    contract::verify_hook(secret, timestamp, raw_body, signature)
}
