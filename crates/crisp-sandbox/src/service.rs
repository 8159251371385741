//! The HTTP pipeline: CORS, `/_sandbox/` handed to control.rs, and for `/v1/`: log, rate limit, faults, auth,
//! routing, validation, handler, the events the handler returned pushed to rtm.rs, envelope.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use crisp_core::Method;
use crisp_core::request::discovery;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::Options;
use crate::api::{self, ApiError, Call};
use crate::faults::{Bucket, FaultKind, FaultSpec, Faults, Received, RequestLog};
use crate::router::{Route, Router};
use crate::store::Store;

/// Shared server state.
pub struct State {
    pub(crate) router: Router,
    pub(crate) store: RwLock<Store>,
    pub(crate) seeded: Store,
    pub(crate) faults: Mutex<Faults>,
    /// Cheap check so a fault-free server never takes the faults lock.
    pub(crate) any_faults: AtomicBool,
    pub(crate) initial_faults: Vec<FaultSpec>,
    pub(crate) seed: u64,
    pub(crate) log: Mutex<RequestLog>,
    pub(crate) bucket: Mutex<Option<Bucket>>,
    pub(crate) initial_rate: Option<(f64, Option<f64>)>,
    pub(crate) authorization: String,
    pub(crate) website_id: String,
    pub(crate) max_body: usize,
    /// The Socket.IO endpoint and web hooks: what REST writes and simulations emit.
    pub rtm: Arc<crate::rtm::Rtm>,
}

pub fn basic(identifier: &str, key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{identifier}:{key}"))
    )
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl State {
    pub fn new(
        options: &Options,
        identifier: &str,
        key: &str,
        website_id: &str,
        rtm: Arc<crate::rtm::Rtm>,
    ) -> State {
        let seeded = crate::seed::build(options.seed, website_id);
        // A zero, negative or infinite rate would be no bucket at all.
        let rate = options
            .rate_limit
            .filter(|r| *r > 0.0 && r.is_finite())
            .map(|r| (r, options.rate_limit_burst));
        State {
            router: Router::new(),
            store: RwLock::new(seeded.clone()),
            seeded,
            faults: Mutex::new(Faults::new(options.seed, &options.faults)),
            any_faults: AtomicBool::new(!options.faults.is_empty()),
            initial_faults: options.faults.clone(),
            seed: options.seed,
            log: Mutex::new(RequestLog::new(options.request_log)),
            bucket: Mutex::new(rate.map(|(r, b)| Bucket::new(r, b))),
            initial_rate: rate,
            authorization: basic(identifier, key),
            website_id: website_id.to_owned(),
            max_body: options.max_body,
            rtm,
        }
    }
}

/// The response body: whole, or broken on purpose by a `reset`/`truncate` fault.
pub enum Out {
    Full(Option<Bytes>),
    /// Sends the first part, waits so it is flushed, then fails (hyper drops the connection).
    Broken(Option<Bytes>, Option<Pin<Box<tokio::time::Sleep>>>),
}

impl Body for Out {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            Out::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Out::Broken(b, sleep) => {
                if let Some(b) = b.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                if let Some(s) = sleep {
                    if s.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *sleep = None;
                }
                Poll::Ready(Some(Err(std::io::Error::other("sandbox fault: response cut"))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Out::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Out::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Out::Full(None) => SizeHint::with_exact(0),
            Out::Broken(..) => SizeHint::default(),
        }
    }
}

use std::future::Future as _;

pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

pub(crate) fn envelope(error: bool, reason: &str, data: &Value) -> Bytes {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(if error {
        b"{\"error\":true,\"reason\":"
    } else {
        b"{\"error\":false,\"reason\":"
    });
    let _ = serde_json::to_writer(&mut out, reason);
    out.extend_from_slice(b",\"data\":");
    let _ = serde_json::to_writer(&mut out, data);
    out.push(b'}');
    Bytes::from(out)
}

/// A success envelope around data that is already JSON text.
pub(crate) fn envelope_raw(reason: &str, data: &str) -> Bytes {
    let mut out = Vec::with_capacity(data.len() + 64);
    out.extend_from_slice(b"{\"error\":false,\"reason\":");
    let _ = serde_json::to_writer(&mut out, reason);
    out.extend_from_slice(b",\"data\":");
    out.extend_from_slice(data.as_bytes());
    out.push(b'}');
    Bytes::from(out)
}

pub(crate) fn json_response(status: u16, body: Bytes) -> Response<Out> {
    let mut r = Response::new(Out::Full(Some(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    r
}

pub(crate) fn error_response(e: &ApiError) -> Response<Out> {
    json_response(e.status, envelope(true, e.reason, &e.data()))
}

fn add_cors(headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
    match origin {
        Some(o) => {
            headers.insert("access-control-allow-origin", o.clone());
            headers.insert("vary", HeaderValue::from_static("Origin"));
        }
        None => {
            headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
    }
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("Retry-After, Bloom-Status"),
    );
}

/// Serves one request. Never fails: every problem is an envelope.
pub async fn serve(
    state: Arc<State>,
    req: Request<Incoming>,
    reset: Arc<AtomicBool>,
) -> Result<Response<Out>, Infallible> {
    let origin = req.headers().get("origin").cloned();
    let path = req.uri().path().to_owned();
    let mut resp = if req.method() == hyper::Method::OPTIONS {
        let mut r = Response::new(Out::Full(None));
        *r.status_mut() = StatusCode::NO_CONTENT;
        let h = r.headers_mut();
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
        );
        h.insert(
            "access-control-allow-headers",
            HeaderValue::from_static("Authorization, X-Crisp-Tier, Content-Type"),
        );
        h.insert("access-control-max-age", HeaderValue::from_static("600"));
        r
    } else if let Some(below) = path.strip_prefix("/_sandbox") {
        let below = below.to_owned();
        crate::control::control(&state, req, &below).await
    } else if let Some(below) = path.strip_prefix("/v1/") {
        let below = below.to_owned();
        v1(&state, req, &below, &reset).await
    } else {
        error_response(&ApiError::new(
            404,
            "not_found",
            "the route does not exist (the API lives under /v1/)",
        ))
    };
    add_cors(resp.headers_mut(), origin.as_ref());
    Ok(resp)
}

/// Reads the body, capped at `max` bytes.
pub(crate) async fn read_body(req: Request<Incoming>, max: usize) -> Result<Bytes, ApiError> {
    let too_big = || {
        ApiError::new(
            413,
            "payload_too_large",
            format!("the request body is larger than {max} bytes"),
        )
    };
    if req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > max as u64)
    {
        return Err(too_big());
    }
    match Limited::new(req.into_body(), max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_big()),
        Err(e) => {
            Err(ApiError::new(400, "invalid_data", format!("could not read the request body: {e}")))
        }
    }
}

pub(crate) fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid("body", format!("is not valid JSON: {e}")))
}

pub(crate) fn with_head(mut r: Response<Out>, head: bool) -> Response<Out> {
    if head {
        *r.body_mut() = Out::Full(None);
    }
    r
}

#[allow(clippy::too_many_lines)] // one pipeline, read top to bottom
async fn v1(
    state: &State,
    req: Request<Incoming>,
    below: &str,
    reset: &AtomicBool,
) -> Response<Out> {
    let method = Method::parse(req.method().as_str());
    let head = method == Some(Method::Head);
    let raw_path = req.uri().path().to_owned();
    let raw_query = req.uri().query().map(str::to_owned);
    let auth_ok = req
        .headers()
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == state.authorization.as_bytes());
    let tier = req.headers().get("x-crisp-tier").map(|v| v.as_bytes().to_owned());
    let host = req.headers().get("host").and_then(|h| h.to_str().ok()).map(str::to_owned);
    let headers: Option<Vec<(String, String)>> = lock(&state.log).enabled().then(|| {
        req.headers()
            .iter()
            .map(|(k, v)| {
                let value = if k == "authorization" {
                    format!("Basic {}", crisp_core::REDACTED)
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (k.as_str().to_owned(), value)
            })
            .collect()
    });
    let body = read_body(req, state.max_body).await;
    let route = method.map(|m| state.router.route(m, below));
    let first_id = match &route {
        Some(Route::Found(c, _)) => Some(c[0].id),
        _ => None,
    };
    let seq = headers.map(|headers| {
        let body_value = match &body {
            Ok(b) if b.is_empty() => Value::Null,
            Ok(b) => serde_json::from_slice(b)
                .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(b).into_owned())),
            Err(_) => Value::from("[body not read: too large]"),
        };
        lock(&state.log).push(Received {
            seq: 0,
            received_at: now_ms(),
            method: method.map_or("?", Method::as_str).to_owned(),
            path: raw_path,
            query: raw_query.clone(),
            headers,
            body: body_value,
            endpoint: first_id,
            status: None,
            fault: None,
        })
    });
    let finish = |status: u16, endpoint: Option<&'static str>, fault: Option<FaultKind>| {
        if let Some(seq) = seq {
            lock(&state.log).finish(seq, status, endpoint, fault);
        }
    };

    // Rate limit.
    if let Some(bucket) = lock(&state.bucket).as_mut()
        && let Err(wait) = bucket.take()
    {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        let e =
            ApiError::new(429, "rate_limited", format!("rate limit exceeded, retry in {secs} s"));
        let mut r = error_response(&e);
        r.headers_mut().insert("retry-after", HeaderValue::from(secs));
        finish(429, first_id, None);
        return with_head(r, head);
    }

    // Faults.
    let (latency, fault) = if state.any_faults.load(Ordering::Relaxed) {
        lock(&state.faults).fire(first_id)
    } else {
        (None, None)
    };
    if let Some(ms) = latency {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    match fault.as_ref().map(|f| f.kind) {
        Some(FaultKind::Status) => {
            let f = fault.as_ref().map_or(503, |f| f.status.unwrap_or(503));
            let reason = match f {
                420 | 429 => "rate_limited",
                502 => "bad_gateway",
                503 => "service_unavailable",
                504 => "gateway_timeout",
                _ => "internal_error",
            };
            let mut r = error_response(&ApiError::new(f, reason, "injected by the sandbox"));
            if let Some(secs) = fault.as_ref().and_then(|f| f.retry_after) {
                r.headers_mut().insert("retry-after", HeaderValue::from(secs));
            }
            finish(f, first_id, Some(FaultKind::Status));
            return with_head(r, head);
        }
        Some(FaultKind::Html) => {
            let mut r = Response::new(Out::Full(Some(Bytes::from_static(b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"))));
            *r.status_mut() = StatusCode::BAD_GATEWAY;
            r.headers_mut().insert("content-type", HeaderValue::from_static("text/html"));
            finish(502, first_id, Some(FaultKind::Html));
            return with_head(r, head);
        }
        _ => {}
    }

    let mut r = if method == Some(Method::Get) && discovery::tier_of(below).is_some() {
        // `GET {tier}/connect/endpoints`, crisp-core's discovery request (what crisp-api asks):
        // only the plugin one has a catalog row. All three say where the Socket.IO endpoint is.
        connect_endpoints(auth_ok, tier.as_deref(), host.as_deref())
    } else {
        answer(state, method, route, body, raw_query.as_deref(), auth_ok, tier.as_deref())
    };
    if method == Some(Method::Get)
        && r.1 == Some("website_get_connect_endpoints")
        && r.0.status() == StatusCode::OK
    {
        r = connect_endpoints(auth_ok, tier.as_deref(), host.as_deref());
        r.1 = Some("website_get_connect_endpoints");
    }
    let status = r.0.status().as_u16();
    if !head && let Some(kind @ (FaultKind::Reset | FaultKind::Truncate)) = fault.map(|f| f.kind) {
        let Out::Full(Some(full)) = std::mem::replace(r.0.body_mut(), Out::Full(None)) else {
            return r.0;
        };
        let half = full.slice(..full.len() / 2);
        r.0.headers_mut().insert("content-length", HeaderValue::from(full.len()));
        if kind == FaultKind::Reset {
            reset.store(true, Ordering::Relaxed);
        }
        *r.0.body_mut() =
            Out::Broken(Some(half), Some(Box::pin(tokio::time::sleep(Duration::from_millis(30)))));
        finish(status, r.1, Some(kind));
        return r.0;
    }
    finish(status, r.1, None);
    with_head(r.0, head)
}

/// `data.socket.app` is this server's Socket.IO endpoint, reached by the name the client used.
fn connect_endpoints(
    auth_ok: bool,
    tier: Option<&[u8]>,
    host: Option<&str>,
) -> (Response<Out>, Option<&'static str>) {
    if !auth_ok || !matches!(tier, Some(b"user" | b"website" | b"plugin")) {
        let e =
            ApiError::new(401, "invalid_session", "Authorization and X-Crisp-Tier are required");
        return (error_response(&e), None);
    }
    let base = format!("http://{}", host.unwrap_or("127.0.0.1"));
    let app = format!("{base}{}/", crate::rtm::SOCKET_PATH);
    let data = json!({"socket": {"app": app, "stream": app}, "rescue": {"socket": {"app": app}}});
    let id = if tier == Some(b"plugin") { Some(discovery::ENDPOINT) } else { None };
    (json_response(200, envelope(false, "resolved", &data)), id)
}

fn answer(
    state: &State,
    method: Option<Method>,
    route: Option<Route>,
    body: Result<Bytes, ApiError>,
    raw_query: Option<&str>,
    auth_ok: bool,
    tier: Option<&[u8]>,
) -> (Response<Out>, Option<&'static str>) {
    if !auth_ok || !matches!(tier, Some(b"user" | b"website" | b"plugin")) {
        let message = if auth_ok {
            "X-Crisp-Tier must be user, website or plugin"
        } else {
            "Authorization must be Basic base64(identifier:key) with the sandbox's token"
        };
        return (error_response(&ApiError::new(401, "invalid_session", message)), None);
    }
    let (Some(method), Some(Route::Found(candidates, params))) = (method, route) else {
        return (
            error_response(&ApiError::new(404, "not_found", "the route does not exist")),
            None,
        );
    };
    let body = match body.and_then(|b| parse_json(&b)) {
        Ok(b) => b,
        Err(e) => return (error_response(&e), Some(candidates[0].id)),
    };
    let endpoint = api::pick(&candidates, &body);
    let query: Vec<(String, String)> = raw_query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let call = Call { endpoint, params, query, body };
    let result = api::validate(&call, &state.website_id).and_then(|()| run(state, &call));
    let mut r = match result {
        Ok(reply) => {
            let body = match &reply.raw {
                Some(raw) => envelope_raw(reply.reason, raw),
                None => envelope(false, reply.reason, &reply.data),
            };
            json_response(reply.status, body)
        }
        Err(e) => error_response(&e),
    };
    if method == Method::Get {
        r.headers_mut().insert("bloom-status", HeaderValue::from_static("MISS"));
    }
    (r, Some(endpoint.id))
}

/// Runs the call, then pushes the events its handler returned (sockets and web hooks), so that
/// they go out once the answer is decided and before it is sent. A refused call causes none.
pub(crate) fn run(state: &State, call: &Call) -> Result<api::Reply, ApiError> {
    let mut reply = api::handle(&state.store, call, now_ms())?;
    state.rtm.push(std::mem::take(&mut reply.events));
    Ok(reply)
}
