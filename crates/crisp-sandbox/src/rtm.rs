//! Real time: the Socket.IO endpoint (Crisp's RTM API) and signed web hook deliveries.
//!
//! A client connects to `/socket.io/` (announced by `GET /v1/{tier}/connect/endpoints` as
//! `data.socket.app`), emits `authentication` `{tier, username, password, events[, rooms]}` and is
//! answered `authenticated`, or `unauthorized` and then disconnected. An authenticated socket joins
//! one room per event name it asked for; [`Rtm::push`] sends each event to that room and POSTs it to
//! every registered web hook, signed as Crisp signs plugin hooks.
//!
//! Which events a call causes is not decided here: each `/v1/` handler returns its own with its
//! answer ([`crate::api::Reply::events`]), and the control API's simulations build theirs.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{Data, SocketRef};
use socketioxide::handler::ConnectHandler;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::Event;

/// Where the Socket.IO endpoint lives (engineioxide matches the path by prefix).
pub const SOCKET_PATH: &str = "/socket.io";
/// How long a connected socket may stay unauthenticated, as Crisp allows about 10 s.
const AUTH_WINDOW: Duration = Duration::from_secs(10);
/// The room every authenticated socket joins.
const AUTHENTICATED: &str = "$authenticated";
/// Web hook deliveries kept for `GET /_sandbox/hooks`.
const DELIVERY_LOG: usize = 200;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A registered web hook target.
#[derive(Clone)]
struct Hook {
    id: u64,
    url: hyper::Uri,
    secret: String,
    /// Only these events (all when `None`).
    events: Option<Vec<String>>,
}

/// One delivery attempt, for the control API (the secret and signature are not kept).
#[derive(Clone, serde::Serialize)]
struct Delivery {
    hook_id: u64,
    event: String,
    timestamp: u64,
    status: Option<u16>,
    error: Option<String>,
}

struct Outgoing {
    hook: Hook,
    event: String,
    body: Bytes,
    timestamp: u64,
}

/// The RTM side of a sandbox.
pub struct Rtm {
    io: SocketIo,
    website_id: String,
    hooks: Mutex<Vec<Hook>>,
    next_hook: AtomicU64,
    outbox: mpsc::UnboundedSender<Outgoing>,
    deliveries: Arc<Mutex<VecDeque<Delivery>>>,
    /// Cancelled by [`Rtm::drop_sockets`]: every upgraded connection watches the current token.
    kill: Mutex<CancellationToken>,
    emitted: AtomicU64,
}

/// What a socket must present in `authentication`.
#[derive(Clone)]
struct Credentials {
    identifier: String,
    key: String,
    website_id: String,
}

impl Rtm {
    /// The RTM state around the Socket.IO server `io` (from [`SocketIo::builder`] with
    /// [`SOCKET_PATH`]). Spawns the hook sender on the current runtime.
    pub fn new(io: SocketIo, identifier: &str, key: &str, website_id: &str) -> Arc<Rtm> {
        let creds = Arc::new(Credentials {
            identifier: identifier.to_owned(),
            key: key.to_owned(),
            website_id: website_id.to_owned(),
        });
        // The handlers are registered in a connect middleware, not in the connect handler:
        // socketioxide sends the CONNECT packet before it spawns the connect handler as a task,
        // so a client that answers CONNECT with `authentication` at once (every client does) could
        // be read before that task ran, and the event, finding no handler, would be dropped: the
        // socket then waited AUTH_WINDOW for an answer that never came (seen under CPU load). A
        // middleware is awaited before the CONNECT packet is sent.
        let register = async move |socket: SocketRef| {
            on_connect(&socket, creds);
            Ok::<(), Infallible>(())
        };
        io.ns("/", (async |_: SocketRef| {}).with(register));
        let (tx, rx) = mpsc::unbounded_channel();
        let deliveries = Arc::new(Mutex::new(VecDeque::new()));
        tokio::spawn(send_hooks(rx, deliveries.clone()));
        Arc::new(Rtm {
            io,
            website_id: website_id.to_owned(),
            hooks: Mutex::new(Vec::new()),
            next_hook: AtomicU64::new(1),
            outbox: tx,
            deliveries,
            kill: Mutex::new(CancellationToken::new()),
            emitted: AtomicU64::new(0),
        })
    }

    /// The token an upgraded connection watches: cancelled when the sockets are dropped.
    pub fn kill_token(&self) -> CancellationToken {
        lock(&self.kill).clone()
    }

    /// Drops every Socket.IO connection at the TCP level (no Socket.IO disconnect packet), as a
    /// network failure would: clients see the transport close and reconnect. Answers how many
    /// sockets were connected.
    pub fn drop_sockets(&self) -> usize {
        let n = self.io.sockets().len();
        let old = std::mem::replace(&mut *lock(&self.kill), CancellationToken::new());
        old.cancel();
        n
    }

    /// Sends the events, in order, each as [`Rtm::emit`] does.
    pub fn push(&self, events: Vec<Event>) {
        for e in events {
            self.emit(e.name, e.data);
        }
    }

    /// Sends `event` with `data` (its `website_id` added when missing) to the sockets subscribed to
    /// it and to every web hook registered for it.
    fn emit(&self, event: &str, mut data: Value) {
        if let Value::Object(m) = &mut data {
            m.entry("website_id").or_insert_with(|| self.website_id.clone().into());
        }
        self.emitted.fetch_add(1, Ordering::Relaxed);
        for socket in self.io.to(event.to_owned()).sockets() {
            let _ = socket.emit(event, &data);
        }
        let hooks: Vec<Hook> = lock(&self.hooks)
            .iter()
            .filter(|h| h.events.as_ref().is_none_or(|e| e.iter().any(|n| n == event)))
            .cloned()
            .collect();
        if hooks.is_empty() {
            return;
        }
        let timestamp = now_ms();
        let body = Bytes::from(
            serde_json::to_vec(&json!({
                "website_id": self.website_id,
                "event": event,
                "data": data,
                "timestamp": timestamp,
            }))
            .unwrap_or_default(),
        );
        for hook in hooks {
            let _ = self.outbox.send(Outgoing {
                hook,
                event: event.to_owned(),
                body: body.clone(),
                timestamp,
            });
        }
    }

    /// Registers a web hook target: `{"url": "http://127.0.0.1:PORT/path", "secret", "events"?}`.
    pub fn add_hook(&self, body: &Value) -> Result<u64, (&'static str, String)> {
        let url = body["url"].as_str().ok_or(("body.url", "is required (a string)".to_owned()))?;
        let uri: hyper::Uri =
            url.parse().map_err(|e| ("body.url", format!("is not a URL: {e}")))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err((
                "body.url",
                "must be an http:// URL (the sandbox delivers hooks without TLS)".to_owned(),
            ));
        }
        let secret = body["secret"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or(("body.secret", "is required (a non-empty string)".to_owned()))?;
        let events = match &body["events"] {
            Value::Null => None,
            Value::Array(a) => Some(
                a.iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or(("body.events", "must be an array of event names".to_owned()))?,
            ),
            _ => return Err(("body.events", "must be an array of event names".to_owned())),
        };
        let id = self.next_hook.fetch_add(1, Ordering::Relaxed);
        lock(&self.hooks).push(Hook { id, url: uri, secret: secret.to_owned(), events });
        Ok(id)
    }

    /// Removes every hook and forgets the deliveries.
    pub fn clear_hooks(&self) {
        lock(&self.hooks).clear();
        lock(&self.deliveries).clear();
    }

    /// The registered hooks (without their secrets) and the latest deliveries.
    pub fn describe_hooks(&self) -> Value {
        let hooks: Vec<Value> = lock(&self.hooks)
            .iter()
            .map(|h| json!({"id": h.id, "url": h.url.to_string(), "events": h.events}))
            .collect();
        let deliveries: Vec<Delivery> = lock(&self.deliveries).iter().cloned().collect();
        json!({"hooks": hooks, "deliveries": deliveries})
    }

    /// Connected and authenticated sockets, and events emitted so far.
    pub fn describe_sockets(&self) -> Value {
        json!({
            "connected": self.io.sockets().len(),
            "authenticated": self.io.to(AUTHENTICATED).sockets().len(),
            "emitted": self.emitted.load(Ordering::Relaxed),
        })
    }
}

fn on_connect(socket: &SocketRef, creds: Arc<Credentials>) {
    socket.on("authentication", async move |socket: SocketRef, Data(auth): Data<Value>| {
        authenticate(&socket, &creds, &auth);
    });
    // A plugin rebinds after it is installed on a new website; the sandbox has one website, so
    // there is nothing to add: the subscription stays as authenticated.
    socket.on("socket:bind", async |_: SocketRef| {});
    let watched = socket.clone();
    tokio::spawn(async move {
        tokio::time::sleep(AUTH_WINDOW).await;
        if watched.connected() && !watched.rooms().iter().any(|r| r == AUTHENTICATED) {
            let _ = watched.emit("unauthorized", &json!({"reason": "authentication_timeout"}));
            let _ = watched.disconnect();
        }
    });
}

fn authenticate(socket: &SocketRef, creds: &Credentials, auth: &Value) {
    let refuse = |reason: &str| {
        let _ = socket.emit("unauthorized", &json!({"reason": reason}));
        let _ = socket.clone().disconnect();
    };
    let tier_ok = matches!(auth["tier"].as_str(), Some("user" | "website" | "plugin"));
    // Compared as bytes; these are the sandbox's own test credentials.
    let token_ok = auth["username"].as_str() == Some(creds.identifier.as_str())
        && auth["password"].as_str() == Some(creds.key.as_str());
    if !tier_ok || !token_ok {
        return refuse("invalid_session");
    }
    let Some(events) = auth["events"].as_array().and_then(|a| {
        a.iter().map(|v| v.as_str().map(str::to_owned)).collect::<Option<Vec<String>>>()
    }) else {
        return refuse("invalid_events");
    };
    if events.is_empty() {
        return refuse("invalid_events");
    }
    // `rooms` narrows the subscription to some websites; the sandbox has one.
    let in_rooms = match &auth["rooms"] {
        Value::Array(r) => r.iter().any(|v| v.as_str() == Some(creds.website_id.as_str())),
        _ => true,
    };
    // A second `authentication` (crisp-api sends one on every reconnect) replaces the set.
    socket.leave_all();
    if in_rooms {
        socket.join(events);
    }
    socket.join(AUTHENTICATED);
    let _ = socket.emit("authenticated", &json!({}));
}

/// Delivers hooks one at a time, in order, each with a 5 s bound.
async fn send_hooks(
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    deliveries: Arc<Mutex<VecDeque<Delivery>>>,
) {
    while let Some(out) = rx.recv().await {
        let result = tokio::time::timeout(Duration::from_secs(5), post(&out)).await;
        let (status, error) = match result {
            Ok(Ok(status)) => (Some(status), None),
            Ok(Err(e)) => (None, Some(e)),
            Err(_) => (None, Some("timed out after 5 s".to_owned())),
        };
        let mut log = lock(&deliveries);
        if log.len() >= DELIVERY_LOG {
            log.pop_front();
        }
        log.push_back(Delivery {
            hook_id: out.hook.id,
            event: out.event,
            timestamp: out.timestamp,
            status,
            error,
        });
    }
}

async fn post(out: &Outgoing) -> Result<u16, String> {
    let uri = &out.hook.url;
    let host = uri.host().unwrap_or("127.0.0.1");
    let port = uri.port_u16().unwrap_or(80);
    let stream =
        tokio::net::TcpStream::connect((host, port)).await.map_err(|e| format!("connect: {e}"))?;
    let (mut send, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(conn);
    let ts = out.timestamp.to_string();
    let signature = crisp_core::sign_hook(out.hook.secret.as_bytes(), &ts, &out.body);
    let path = uri.path_and_query().map_or("/", hyper::http::uri::PathAndQuery::as_str);
    let req = hyper::Request::post(path)
        .header("host", uri.authority().map_or(host, hyper::http::uri::Authority::as_str))
        .header("content-type", "application/json")
        .header("user-agent", "crisp-sandbox-hooks")
        .header("x-crisp-request-timestamp", ts)
        .header("x-crisp-signature", signature)
        .body(Full::new(out.body.clone()))
        .map_err(|e| e.to_string())?;
    let resp = send.send_request(req).await.map_err(|e| format!("request: {e}"))?;
    let status = resp.status().as_u16();
    let _ = resp.into_body().collect().await;
    Ok(status)
}
