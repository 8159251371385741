//! crisp-sandbox: a local Crisp REST API v1 server on 127.0.0.1.
//!
//! It routes with crisp-core's catalog, so every endpoint answers under `/v1/`; it keeps a seeded,
//! realistic in-memory store; it serves Crisp's RTM API (a Socket.IO endpoint and signed web
//! hooks) with the events the writes cause; and it injects faults on demand through `/_sandbox/`.
//! It is the demo's default data source and the real peer of the integration tests and benchmarks.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = crisp_sandbox::start(crisp_sandbox::Options::default()).await?;
//! println!("{}", sandbox.url()); // http://127.0.0.1:PORT/v1/
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

// The seeded conversation is one large `json!` literal.
#![recursion_limit = "256"]

mod api;
mod control;
mod faults;
mod router;
mod rtm;
mod seed;
mod service;
mod store;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub use faults::{FaultKind, FaultSpec, parse_rate};
pub use seed::BASE_MS;

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seed of the demo data (same seed, same data).
    pub seed: u64,
    /// Token-bucket rate limit in requests per second (burst = one second's worth); none by default.
    pub rate_limit: Option<f64>,
    /// Tokens the bucket holds (default: one second's worth, at least 1).
    pub rate_limit_burst: Option<f64>,
    /// Basic-auth identifier; derived from the seed when `None`.
    pub identifier: Option<String>,
    /// Basic-auth key; derived from the seed when `None`.
    pub key: Option<String>,
    /// The website id; derived from the seed when `None`.
    pub website_id: Option<String>,
    /// Faults active from the start (and again after `POST /_sandbox/reset`).
    pub faults: Vec<FaultSpec>,
    /// Largest accepted request body, in bytes (413 above).
    pub max_body: usize,
    /// How many requests `GET /_sandbox/requests` keeps (oldest dropped first); 0 disables the log.
    pub request_log: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            port: 0,
            seed: 1,
            rate_limit: None,
            rate_limit_burst: None,
            identifier: None,
            key: None,
            website_id: None,
            faults: Vec::new(),
            max_body: 1 << 20,
            request_log: 10_000,
        }
    }
}

/// A running sandbox. Dropping it does not stop it: call [`Sandbox::shutdown`].
pub struct Sandbox {
    addr: SocketAddr,
    identifier: String,
    key: String,
    website_id: String,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    rtm: Arc<rtm::Rtm>,
}

impl Sandbox {
    /// The API base URL, `http://127.0.0.1:PORT/v1/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/v1/", self.addr)
    }

    /// The control API base URL, `http://127.0.0.1:PORT/_sandbox/`.
    #[must_use]
    pub fn control_url(&self) -> String {
        format!("http://{}/_sandbox/", self.addr)
    }

    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Basic-auth identifier.
    #[must_use]
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The Basic-auth key.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The seeded website's id.
    #[must_use]
    pub fn website_id(&self) -> &str {
        &self.website_id
    }

    /// The `Authorization` header value that the sandbox accepts.
    #[must_use]
    pub fn authorization(&self) -> String {
        service::basic(&self.identifier, &self.key)
    }

    /// The one-line JSON the binary prints first: url, identifier, key, website_id, control.
    #[must_use]
    pub fn connection_line(&self) -> String {
        // Written by hand to keep the documented key order.
        let q = |s: &str| Value::from(s).to_string();
        format!(
            "{{\"url\": {}, \"identifier\": {}, \"key\": {}, \"website_id\": {}, \"control\": {}}}",
            q(&self.url()),
            q(&self.identifier),
            q(&self.key),
            q(&self.website_id),
            q(&self.control_url()),
        )
    }

    /// Stops accepting, lets open requests finish, and returns when the server loop has ended.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        // Upgraded Socket.IO connections are no longer hyper's: end them too.
        self.rtm.drop_sockets();
    }
}

/// Binds 127.0.0.1 and serves on the current tokio runtime.
///
/// # Errors
/// The port cannot be bound.
pub async fn start(options: Options) -> io::Result<Sandbox> {
    let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
    let addr = listener.local_addr()?;
    let mut g = seed::Gen::new(options.seed ^ 0xa11ce);
    let identifier = options.identifier.clone().unwrap_or_else(|| g.uuid());
    let key = options.key.clone().unwrap_or_else(|| g.hex(64));
    let website_id = options.website_id.clone().unwrap_or_else(|| g.uuid());
    let slot = Arc::new(std::sync::OnceLock::new());
    let (svc, io) = socketioxide::SocketIo::builder()
        .req_path(rtm::SOCKET_PATH)
        .build_with_inner_svc(Api(slot.clone()));
    let rtm = rtm::Rtm::new(io, &identifier, &key, &website_id);
    let state =
        Arc::new(service::State::new(&options, &identifier, &key, &website_id, rtm.clone()));
    let _ = slot.set(state);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, svc, rtm.clone(), stopped));
    Ok(Sandbox { addr, identifier, key, website_id, stop, task, rtm })
}

/// The connection's flags, passed to the API service through the request's extensions.
#[derive(Clone, Default)]
struct ConnFlags {
    /// A `reset` fault asks for the connection to end with RST.
    reset: Arc<AtomicBool>,
    /// The connection carries a Socket.IO socket (dropped by `POST /_sandbox/sockets/drop`).
    socket: Arc<AtomicBool>,
}

/// The REST and control API as the inner service of the Socket.IO service (the state is set
/// right after the Socket.IO server it holds is built, before the first connection).
#[derive(Clone)]
struct Api(Arc<std::sync::OnceLock<Arc<service::State>>>);

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Api {
    type Response = hyper::Response<service::Out>;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, mut req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        let reset = req.extensions_mut().remove::<ConnFlags>().unwrap_or_default().reset;
        let state = self.0.get().cloned();
        Box::pin(async move {
            match state {
                Some(state) => service::serve(state, req, reset).await,
                None => Ok(hyper::Response::new(service::Out::Full(None))),
            }
        })
    }
}

type Svc = socketioxide::service::SocketIoService<Api>;

async fn accept_loop(
    listener: TcpListener,
    svc: Svc,
    rtm: Arc<rtm::Rtm>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => {
                let Ok(accepted) = accepted else {
                    // Out of descriptors and the like: back off a little instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                };
                accepted
            }
            _ = stopped.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = svc.clone();
        let kill = rtm.kill_token();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let flags = ConnFlags::default();
            let io = hyper_util::rt::TokioIo::new(Conn {
                inner: stream,
                reset: flags.reset.clone(),
                socket: flags.socket.clone(),
                kill: Some(Box::pin(kill.cancelled_owned())),
                killed: false,
            });
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
                if req.uri().path().starts_with(rtm::SOCKET_PATH) {
                    flags.socket.store(true, Ordering::Relaxed);
                }
                req.extensions_mut().insert(flags.clone());
                hyper::service::Service::call(&svc, req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, svc)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}

/// The TCP stream, able to end in a reset (RST) when a `reset` fault asks for it, and to fail
/// at once when it carries a Socket.IO socket and the sockets are dropped.
struct Conn {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
    socket: Arc<AtomicBool>,
    kill: Option<Pin<Box<tokio_util::sync::WaitForCancellationFutureOwned>>>,
    killed: bool,
}

impl Conn {
    /// Whether the sockets were dropped while this connection carried one.
    fn dead(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.killed
            && self.socket.load(Ordering::Relaxed)
            && let Some(k) = self.kill.as_mut()
            && k.as_mut().poll(cx).is_ready()
        {
            self.kill = None;
            self.killed = true;
            self.reset.store(true, Ordering::Relaxed);
        }
        self.killed
    }
}

fn dropped() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "sandbox: sockets dropped")
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            // Closing with a zero linger sends RST instead of FIN.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.dead(cx) {
            return Poll::Ready(Err(dropped()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.dead(cx) {
            return Poll::Ready(Err(dropped()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.reset.load(Ordering::Relaxed) {
            // No FIN: the drop above resets the connection.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.dead(cx) {
            return Poll::Ready(Err(dropped()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
