//! The JSON-text boundary both bindings expose, so Node and the browser get byte-identical answers.
//!
//! Each function takes plain values and returns JSON text that JS reads with one `JSON.parse`
//! (faster in V8 than objects built field by field across the boundary). Failures are data,
//! `{"ok":false,"error":{...}}`, and JS throws them once, as `CrispError`.

use crate::catalog::{Endpoint, Method};
use crate::error::CrispError;
use crate::json::{Map, Obj, ToJson, Value};
use crate::paging::{MessageWalk, PageWalk};
use crate::request::{CallOptions, Request};
use crate::response::ResponseHeaders;
use crate::retry::Outcome;
use crate::{Client, retry};

pub mod contract;

pub(crate) fn error(e: &CrispError) -> String {
    let mut out = String::from(r#"{"ok":false,"error":"#);
    e.info().write_json(&mut out);
    out.push('}');
    out
}

/// Creates a client from the JSON options; on failure returns the error JSON instead.
///
/// # Errors
/// The `{"ok":false,"error":...}` text for an invalid configuration.
pub fn create(config_json: &str) -> Result<Client, String> {
    Client::from_json(config_json).map_err(|e| error(&e))
}

/// The params as JSON, or the refusal as error JSON.
fn params(endpoint: Option<&Endpoint>, params_json: &str) -> Result<Value, String> {
    crate::json::parse(params_json).map_err(|e| {
        error(&CrispError::InvalidParam {
            endpoint: endpoint.map_or("", |e| e.id),
            param: "params".into(),
            message: ["not JSON: ", &e.to_string()].concat(),
        })
    })
}

/// The request for JSON params, or the refusal as error JSON.
fn request_for(
    client: &Client,
    endpoint: &str,
    params_json: &str,
    account: Option<&str>,
) -> Result<Request, String> {
    let params = params(Endpoint::find(endpoint), params_json)?;
    client.build(endpoint, &params, CallOptions { account }).map_err(|e| error(&e))
}

/// `build`: the request for an endpoint, or the refusal. With `redact`, the key is hidden (a
/// preview, `crisp.buildRequest`). `curl` is the same request as a command line, always redacted.
#[must_use]
pub fn build(
    client: &Client,
    endpoint: &str,
    params_json: &str,
    account: Option<&str>,
    redact: bool,
) -> String {
    match request_for(client, endpoint, params_json, account) {
        Ok(request) => {
            let curl = request.to_curl();
            let request = if redact { request.redacted() } else { request };
            let mut out = String::with_capacity(request.url.len() + curl.len() + 256);
            out.push_str(r#"{"ok":true,"request":"#);
            request.write_json(&mut out);
            out.push_str(r#","curl":"#);
            curl.write_json(&mut out);
            out.push_str(r#","timeoutMs":"#);
            client.settings().timeout_ms.write_json(&mut out);
            out.push('}');
            out
        }
        Err(e) => e,
    }
}

/// `endpointIndex`: the number that [`prepare`] and [`plain_data_start`] take for an endpoint id,
/// or `None` when the catalog has no such endpoint ([`build`] then says so). The bindings look it
/// up once per id, so that a call on the common path does not search the catalog.
#[must_use]
pub fn endpoint_index(id: &str) -> Option<u32> {
    Endpoint::index(id).and_then(|i| u32::try_from(i).ok())
}

/// The `endpoint` number that makes [`prepare`] give an account's real-time discovery request,
/// `GET {tier}/connect/endpoints` (see [`crate::request::discovery`]): no catalog position.
pub const DISCOVERY: u32 = u32::MAX;

/// `prepare`: the request [`build`] makes, as lines for the transport to send on every call:
/// method, URL, the number of its header set in [`transport`], then the body (empty when there is
/// none), each after a `\n`. A refusal is the `{"ok":false,...}` JSON of [`build`], told apart by
/// its first character. No line can hold a `\n`: URLs are percent-encoded, base URLs refuse
/// control characters, and JSON escapes them.
/// `endpoint` is the number [`endpoint_index`] gives.
///
/// `endpoint` may also be [`DISCOVERY`]: the account's real-time discovery request
/// ([`crate::request::discovery`]), whose params are the catalog's plugin route's (none: `{}`).
///
/// It exists because every call pays for it: one string split is cheaper in JS than parsing the
/// request object `build` describes, and what is the same for every call of a client (headers,
/// timeout) is read once, from [`transport`].
#[must_use]
pub fn prepare(client: &Client, endpoint: u32, params_json: &str, account: Option<&str>) -> String {
    let discovery = endpoint == DISCOVERY;
    let index = if discovery {
        Endpoint::index(crate::request::discovery::ENDPOINT).unwrap_or(usize::MAX)
    } else {
        endpoint as usize
    };
    let Some(endpoint) = Endpoint::at(index) else {
        return error(&CrispError::UnknownEndpoint {
            endpoint: ["#", &crate::json::u64_text(u64::from(endpoint))].concat(),
        });
    };
    let planned = params(Some(endpoint), params_json).and_then(|params| {
        let options = CallOptions { account };
        crate::request::plan(client.settings(), endpoint, &params, options, discovery)
            .map_err(|e| error(&e))
    });
    match planned {
        Ok(request) => {
            // Pushed piece by piece, not through `write!`: this runs on every call, and in Node
            // it runs between fetches, with cold caches.
            let body = request.body.as_deref().unwrap_or_default();
            let set = request.account.header_set + u32::from(request.body.is_some());
            let mut out = String::with_capacity(request.url.len() + body.len() + 16);
            out.push_str(request.endpoint.method.as_str());
            out.push('\n');
            out.push_str(&request.url);
            out.push('\n');
            crate::json::push_u64(&mut out, u64::from(set));
            out.push('\n');
            out.push_str(body);
            out
        }
        Err(e) => e,
    }
}

/// `transport`: what every request of a client shares, read once by the transport:
/// `{"timeoutMs":..,"headers":[..]}`, the per-attempt timeout and the header sets that
/// [`prepare`] numbers: two per account (without and with a body), in the accounts' order, as
/// `Settings::new` numbers them. They hold the keys.
#[must_use]
pub fn transport(client: &Client) -> String {
    let settings = client.settings();
    let mut sets = String::from("[");
    for account in settings.accounts.values() {
        for has_body in [false, true] {
            if sets.len() > 1 {
                sets.push(',');
            }
            let mut headers = Obj::new(&mut sets);
            for (name, value) in
                crate::request::headers_of(&account.authorization, account.tier, has_body)
            {
                headers = headers.field(name, value);
            }
            headers.end();
        }
    }
    sets.push(']');
    let mut out = String::new();
    Obj::new(&mut out).field("timeoutMs", &settings.timeout_ms).raw("headers", &sets).end();
    out
}

/// `decode`: an answer's data, or the error. `data` is spliced in as the body's own JSON text.
/// `retry_after` and `bloom_status` are the raw header values, if present; `now_unix_ms` dates a
/// `Retry-After` given as an HTTP date.
#[must_use]
pub fn decode(
    client: &Client,
    endpoint: &str,
    status: u16,
    retry_after: Option<String>,
    bloom_status: Option<String>,
    now_unix_ms: Option<u64>,
    body: &[u8],
) -> String {
    let headers = ResponseHeaders { retry_after, bloom_status, now_unix_ms };
    match client.decode_raw(endpoint, status, &headers, body) {
        Ok(raw) => {
            let mut out = String::with_capacity(raw.data.len() + 128);
            Obj::new(&mut out)
                .raw("ok", "true")
                .field("status", &raw.status)
                .field("reason", &raw.reason)
                .field("bloomStatus", &raw.bloom_status)
                .field("page", &raw.page)
                .raw("data", raw.data)
                .end();
            out
        }
        Err(e) => error(&e),
    }
}

/// `plainDataStart`: where the `data` of a plain success answer starts in the body (it ends before
/// the last byte), or `None`: then only [`decode`] can say. `endpoint` is the number
/// [`endpoint_index`] gives. See
/// [`response::plain_data_span`](crate::response::plain_data_span) for the contract: the caller
/// parses the span with a strict JSON parser and calls [`decode`] when that fails.
#[must_use]
pub fn plain_data_start(endpoint: u32, status: u16, body: &[u8]) -> Option<usize> {
    let endpoint = Endpoint::at(endpoint as usize)?;
    crate::response::plain_data_span(endpoint, status, body).map(|span| span.start)
}

/// `retry`: whether to send a failed request again, and after how long.
/// `outcome` is `"status"` (with `status`), `"network"` or `"timeout"`.
#[must_use]
pub fn retry(
    client: &Client,
    method: &str,
    attempt: u32,
    outcome: &str,
    status: u16,
    retry_after_ms: Option<u64>,
    seed: u64,
) -> String {
    let outcome = match outcome {
        "network" => Outcome::Network,
        "timeout" => Outcome::Timeout,
        _ => Outcome::Status { status },
    };
    // An unknown method is treated as a write: never retried by mistake.
    let method = Method::parse(method).unwrap_or(Method::Post);
    retry::decide(&client.settings().retry, method, attempt, outcome, retry_after_ms, seed)
        .to_json()
}

/// `transportError`: the error for a request that got no answer, worded by the core so every
/// binding says the same. `kind` is `"network"`, `"timeout"` or `"aborted"`.
#[must_use]
pub fn transport_error(endpoint: &str, kind: &str, message: &str, timeout_ms: u64) -> String {
    let endpoint = Endpoint::find(endpoint).map_or("", |e| e.id);
    let e = match kind {
        "timeout" => CrispError::Timeout { endpoint, timeout_ms },
        "aborted" => CrispError::Aborted { endpoint },
        _ => CrispError::Network { endpoint, message: message.to_owned() },
    };
    e.info().to_json()
}

/// `{"walk": ..., "step": ...}`.
fn walked(walk: &impl ToJson, step: &impl ToJson) -> String {
    let mut out = String::new();
    Obj::new(&mut out).field("walk", walk).field("step", step).end();
    out
}

// The walks' state comes back from JS as the JSON this module wrote. It is read from a `Value`:
// missing or null optional fields are `None`, unknown fields are ignored, anything else is no walk.

/// An object's fields, if `json` is an object.
fn fields(json: &str) -> Option<Map> {
    match crate::json::parse(json) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A whole number field: `Ok(None)` when absent or null, `Err` when of another kind or too big.
fn whole<T: TryFrom<u64>>(map: &Map, key: &str) -> Result<Option<T>, ()> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().and_then(|n| T::try_from(n).ok()).map(Some).ok_or(()),
    }
}

fn read_page_walk(json: &str) -> Option<PageWalk> {
    let map = fields(json)?;
    Some(PageWalk {
        page: whole(&map, "page").ok()??,
        per_page: whole(&map, "perPage").ok()?,
        max_pages: whole(&map, "maxPages").ok()??,
        fetched: whole(&map, "fetched").ok()??,
    })
}

fn read_message_walk(json: &str) -> Option<MessageWalk> {
    let map = fields(json)?;
    Some(MessageWalk {
        timestamp_before: whole(&map, "timestampBefore").ok()?,
        fetched: whole(&map, "fetched").ok()??,
        max_pages: whole(&map, "maxPages").ok()??,
    })
}

/// `pageWalk`: starts a page-number walk (`start`, `per_page`, `max_pages`: 0 for none).
#[must_use]
pub fn page_walk_start(start: u32, per_page: u32, max_pages: u32) -> String {
    PageWalk::new(
        Some(start).filter(|&n| n > 0),
        Some(per_page),
        Some(max_pages).filter(|&n| n > 0),
    )
    .to_json()
}

/// `pageWalk`: records a page's item count (`None`: not a list) and says what comes next.
#[must_use]
pub fn page_walk_next(walk_json: &str, items: Option<usize>) -> String {
    let Some(mut walk) = read_page_walk(walk_json) else {
        return r#"{"step":{"action":"done"}}"#.to_owned();
    };
    let step = walk.advance_count(items);
    walked(&walk, &step)
}

/// `messageWalk`: starts a message-history walk.
#[must_use]
pub fn message_walk_start(timestamp_before: Option<u64>, max_pages: u32) -> String {
    MessageWalk::new(timestamp_before, Some(max_pages).filter(|&n| n > 0)).to_json()
}

/// `messageWalk`: records a page (status, oldest timestamp) and says which cursor comes next.
#[must_use]
pub fn message_walk_next(walk_json: &str, status: u16, oldest: Option<u64>) -> String {
    let Some(mut walk) = read_message_walk(walk_json) else {
        return r#"{"step":{"action":"done"}}"#.to_owned();
    };
    let step = walk.advance_oldest(status, oldest);
    walked(&walk, &step)
}

/// `catalog`: every endpoint, as discovery prints it.
#[must_use]
pub fn catalog() -> String {
    crate::catalog::describe_all().to_json()
}

/// `listAccounts`: the configured accounts, never their keys.
#[must_use]
pub fn list_accounts(client: &Client) -> String {
    client.list_accounts().to_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn client() -> Client {
        create(r#"{"identifier":"i","key":"secret-key","websiteId":"w"}"#).unwrap()
    }

    #[test]
    fn build_ok_and_refusal_are_json() {
        let c = client();
        let ok: Value = serde_json::from_str(&build(
            &c,
            "get_conversation",
            r#"{"sessionID":"s"}"#,
            None,
            false,
        ))
        .unwrap();
        assert_eq!(ok["request"]["url"], "https://api.crisp.chat/v1/website/w/conversation/s");
        assert_eq!(ok["request"]["headers"][0][0], "Authorization");
        let preview = build(&c, "get_conversation", r#"{"sessionID":"s"}"#, None, true);
        assert!(!preview.contains("c2VjcmV0") && preview.contains("[redacted]"), "{preview}");
        let err: Value =
            serde_json::from_str(&build(&c, "get_conversation", "{}", None, false)).unwrap();
        assert_eq!(err["ok"], false);
        assert_eq!(err["error"]["param"], "sessionID");
        let bad: Value =
            serde_json::from_str(&build(&c, "get_conversation", "{", None, false)).unwrap();
        assert_eq!(bad["error"]["param"], "params");
    }

    #[test]
    fn prepare_is_build_as_lines() {
        let c = client();
        let shared: Value = serde_json::from_str(&transport(&c)).unwrap();
        assert_eq!(shared["timeoutMs"], 30000);
        assert_eq!(shared["headers"].as_array().unwrap().len(), 2, "one account: two sets");
        for (endpoint, params) in [
            ("get_conversation", r#"{"sessionID":"s"}"#),
            ("send_message_in_conversation", r#"{"sessionID":"s","body":{"content":"a\nb"}}"#),
            ("list_conversations", r#"{"pageNumber":2,"query":{"per_page":20}}"#),
        ] {
            let built: Value =
                serde_json::from_str(&build(&c, endpoint, params, None, false)).unwrap();
            let r = &built["request"];
            let prepared = prepare(&c, ix(endpoint), params, None);
            let lines: Vec<&str> = prepared.splitn(4, '\n').collect();
            let set: usize = lines[2].parse().unwrap();
            let headers = &shared["headers"][set];
            let pairs: serde_json::Map<String, Value> = r["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].clone()))
                .collect();
            assert_eq!(lines[..2], [r["method"].as_str().unwrap(), r["url"].as_str().unwrap()]);
            assert_eq!(headers, &Value::Object(pairs), "{endpoint}");
            assert_eq!(lines[3], r["body"].as_str().unwrap_or(""), "{endpoint}");
        }
        let get = ix("get_conversation");
        assert_eq!(prepare(&c, get, "{}", None), build(&c, "get_conversation", "{}", None, false));
        assert_eq!(prepare(&c, get, "{", None), build(&c, "get_conversation", "{", None, false));
        assert!(prepare(&c, u32::MAX - 1, "{}", None).contains(r#""code":"unknown_endpoint""#));
    }

    #[test]
    fn prepare_discovery_is_the_accounts_tier_route() {
        use crate::Tier;
        use crate::request::discovery;
        let c = create(
            r#"{"identifier":"i","key":"k",
                "accounts":{"eu":{"identifier":"e","key":"f","tier":"plugin","baseUrl":"http://127.0.0.1:9/v1"},
                            "us":{"identifier":"u","key":"v","tier":"website"}}}"#,
        )
        .unwrap();
        for (account, url, tier) in [
            (None, "https://api.crisp.chat/v1/user/connect/endpoints", Tier::User),
            (Some("eu"), "http://127.0.0.1:9/v1/plugin/connect/endpoints", Tier::Plugin),
            (Some("us"), "https://api.crisp.chat/v1/website/connect/endpoints", Tier::Website),
        ] {
            let prepared = prepare(&c, DISCOVERY, "{}", account);
            let lines: Vec<&str> = prepared.split('\n').collect();
            // The account's read headers: the set the catalog's plugin route is sent with.
            let plugin = prepare(&c, ix(discovery::ENDPOINT), "{}", account);
            let set = plugin.split('\n').nth(2).unwrap();
            assert_eq!(lines, ["GET", url, set, ""], "{account:?}");
            let below = url.split_once("/v1/").unwrap().1;
            assert_eq!(discovery::tier_of(below), Some(tier));
        }
        // The plugin tier's is the catalog's route, a read.
        let row = Endpoint::find(discovery::ENDPOINT).unwrap();
        assert_eq!((row.path, row.method.as_str()), ("/plugin/connect/endpoints", "GET"));
        let refused: Value =
            serde_json::from_str(&prepare(&c, DISCOVERY, "{}", Some("nope"))).unwrap();
        assert_eq!(refused["error"]["code"], "unknown_account");
        assert_eq!(refused["error"]["endpoint"], discovery::ENDPOINT);
        for other in [
            "website/w/connect/endpoints",
            "plugin/connect/endpoints/",
            "connect/endpoints",
            "/user/connect/endpoints",
            "users/connect/endpoints",
            "user/connect/endpoint",
            "user",
            "",
        ] {
            assert_eq!(discovery::tier_of(other), None, "{other}");
        }
    }

    #[test]
    fn prepare_names_each_accounts_header_sets() {
        let c = create(
            r#"{"identifier":"i","key":"k","websiteId":"w",
                "accounts":{"eu":{"identifier":"e","key":"f","tier":"plugin","websiteId":"w"},
                            "us":{"identifier":"u","key":"v","websiteId":"w"}}}"#,
        )
        .unwrap();
        let shared: Value = serde_json::from_str(&transport(&c)).unwrap();
        assert_eq!(shared["headers"].as_array().unwrap().len(), 6, "three accounts: six sets");
        for account in [None, Some("eu"), Some("us")] {
            for (endpoint, params) in [
                ("get_conversation", r#"{"sessionID":"s"}"#),
                ("send_message_in_conversation", r#"{"sessionID":"s","body":{"content":"x"}}"#),
            ] {
                let built: Value =
                    serde_json::from_str(&build(&c, endpoint, params, account, false)).unwrap();
                let pairs: serde_json::Map<String, Value> = built["request"]["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].clone()))
                    .collect();
                let prepared = prepare(&c, ix(endpoint), params, account);
                let set: usize = prepared.split('\n').nth(2).unwrap().parse().unwrap();
                assert_eq!(shared["headers"][set], Value::Object(pairs), "{account:?} {endpoint}");
            }
        }
    }

    fn ix(endpoint: &str) -> u32 {
        endpoint_index(endpoint).unwrap()
    }

    #[test]
    fn endpoint_index_reads_back() {
        assert_eq!(endpoint_index("no_such_endpoint"), None);
        for e in crate::catalog::ENDPOINTS {
            let i = endpoint_index(e.id).unwrap();
            assert_eq!(Endpoint::at(i as usize).map(|e| e.id), Some(e.id));
        }
    }

    #[test]
    fn decode_splices_the_data_text() {
        let c = client();
        let out = decode(
            &c,
            "list_conversations",
            200,
            None,
            Some("HIT".into()),
            None,
            br#"{"error":false,"reason":"resolved","data":[{"a":"\u00e9"}]}"#,
        );
        assert_eq!(
            out,
            r#"{"ok":true,"status":200,"reason":"resolved","bloomStatus":"HIT","page":{"items":1,"oldestTimestamp":null},"data":[{"a":"\u00e9"}]}"#
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["data"][0]["a"], "é");
        let err: Value = serde_json::from_str(&decode(
            &c,
            "get_conversation",
            429,
            Some("2".into()),
            None,
            None,
            b"",
        ))
        .unwrap();
        assert_eq!(err["error"]["retryAfterMs"], 2000);
    }

    #[test]
    fn walks_round_trip_through_json() {
        let w = page_walk_start(0, 0, 0);
        let v: Value = serde_json::from_str(&page_walk_next(&w, Some(3))).unwrap();
        assert_eq!(v["step"], serde_json::json!({"action": "next", "next": 2}));
        let v: Value =
            serde_json::from_str(&page_walk_next(&v["walk"].to_string(), Some(0))).unwrap();
        assert_eq!(v["step"]["action"], "done");
        let m = message_walk_start(None, 0);
        let v: Value = serde_json::from_str(&message_walk_next(&m, 206, Some(10))).unwrap();
        assert_eq!(v["step"], serde_json::json!({"action": "next", "next": 10}));
    }

    #[test]
    fn walks_read_as_serde_would() {
        // Missing or null optional fields are `None`, unknown fields are ignored, a field of
        // another kind or out of range is no walk: what serde's derive did before.
        let pw = |page, per_page, max_pages, fetched| {
            Some(PageWalk { page, per_page, max_pages, fetched })
        };
        let mw = |timestamp_before, fetched, max_pages| {
            Some(MessageWalk { timestamp_before, fetched, max_pages })
        };
        let any = mw(None, 1, 5);
        for (json, page, message) in [
            (
                r#"{"page":2,"perPage":20,"maxPages":5,"fetched":1}"#,
                pw(2, Some(20), 5, 1),
                any.clone(),
            ),
            (
                r#"{"page":2,"perPage":null,"maxPages":5,"fetched":1,"extra":[1]}"#,
                pw(2, None, 5, 1),
                any.clone(),
            ),
            (r#"{"page":2,"maxPages":5,"fetched":1}"#, pw(2, None, 5, 1), any.clone()),
            (r#"{"page":2,"perPage":"20","maxPages":5,"fetched":1}"#, None, any.clone()),
            (r#"{"page":2.5,"maxPages":5,"fetched":1}"#, None, any.clone()),
            (r#"{"page":-1,"maxPages":5,"fetched":1}"#, None, any.clone()),
            (r#"{"page":4294967296,"maxPages":5,"fetched":1}"#, None, any.clone()),
            (r#"{"page":null,"maxPages":5,"fetched":1}"#, None, any.clone()),
            (r#"{"maxPages":5,"fetched":1}"#, None, any.clone()),
            (
                r#"{"timestampBefore":1700000000000,"fetched":0,"maxPages":3}"#,
                None,
                mw(Some(1_700_000_000_000), 0, 3),
            ),
            (r#"{"timestampBefore":null,"fetched":0,"maxPages":3}"#, None, mw(None, 0, 3)),
            (r#"{"fetched":0,"maxPages":3}"#, None, mw(None, 0, 3)),
            (r#"{"timestampBefore":-5,"fetched":0,"maxPages":3}"#, None, None),
            ("null", None, None),
            ("[]", None, None),
            ("{", None, None),
            ("", None, None),
        ] {
            assert_eq!(read_page_walk(json), page, "{json}");
            assert_eq!(read_message_walk(json), message, "{json}");
        }
        // And what this module writes reads back.
        let walk = PageWalk::new(Some(3), Some(20), Some(9));
        assert_eq!(read_page_walk(&walk.to_json()), Some(walk));
        let walk = MessageWalk::new(Some(17), None);
        assert_eq!(read_message_walk(&walk.to_json()), Some(walk));
    }

    #[test]
    fn retry_and_transport_errors() {
        let c = client();
        assert_eq!(
            retry(&c, "POST", 1, "timeout", 0, None, 1),
            r#"{"action":"stop","why":"write"}"#
        );
        assert!(retry(&c, "GET", 1, "status", 503, Some(5), 1).contains(r#""delayMs":5"#));
        let t: Value =
            serde_json::from_str(&transport_error("get_conversation", "timeout", "", 100)).unwrap();
        assert_eq!((t["code"].as_str(), t["retryable"].as_bool()), (Some("timeout"), Some(true)));
    }
}

/// A JS number as a `u64`, if it is a whole, non-negative, safe integer: how both bindings read
/// the numbers JS hands over (times, delays, seeds), so neither keeps its own copy.
#[must_use]
pub fn whole_number(n: f64) -> Option<u64> {
    #[allow(clippy::cast_sign_loss)] // checked non-negative
    (n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0)
        .then_some(n as u64)
}

/// The clients of this process, by number: the one client registry both bindings share.
///
/// `prepare` runs on every call, and a plain function of a number is the cheapest crossing napi
/// and wasm-bindgen have (a method pays for unwrapping `this`, and napi-rs for its borrow checks:
/// about a microsecond in a fetch loop). So both bindings export `prepare(client, ...)` with the
/// same shape, and each binding's `BindingClient` owns one slot, emptied when JS collects it.
/// A plain static behind a mutex (uncontended: one lock per call), not a `thread_local!`: in the
/// browser build, thread-local storage with a destructor links code the 60 KB budget cannot spare.
pub mod clients {
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use crate::Client;

    static CLIENTS: Mutex<Vec<Option<Client>>> = Mutex::new(Vec::new());

    fn lock() -> MutexGuard<'static, Vec<Option<Client>>> {
        // A panic cannot leave a slot half-written: every change is one assignment.
        CLIENTS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `client` and returns its number (a free slot is reused).
    #[must_use]
    pub fn insert(client: Client) -> u32 {
        let mut clients = lock();
        let id = if let Some(free) = clients.iter().position(Option::is_none) {
            clients[free] = Some(client);
            free
        } else {
            clients.push(Some(client));
            clients.len() - 1
        };
        id as u32
    }

    /// Runs `f` on the client numbered `id`, if that slot holds one.
    pub fn with<T>(id: u32, f: impl FnOnce(&Client) -> T) -> Option<T> {
        lock().get(id as usize).and_then(Option::as_ref).map(f)
    }

    /// Empties the slot `id`.
    pub fn remove(id: u32) {
        let taken = lock().get_mut(id as usize).and_then(Option::take);
        drop(taken); // the client is dropped after the lock is released
    }
}
