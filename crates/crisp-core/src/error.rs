//! One error type for everything that can go wrong before, during or after a request.

use std::fmt;

use crate::json::Value;

/// Everything crisp-kit can fail with. Each variant has a stable snake_case [`code`](Self::code);
/// the bindings turn it into one `CrispError` class in JS.
///
/// No variant ever holds a key: errors may be logged freely.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CrispError {
    /// The endpoint id is not in the catalog.
    UnknownEndpoint {
        /// The id the caller gave.
        endpoint: String,
    },
    /// A parameter the endpoint needs was not given.
    MissingParam {
        /// Endpoint id.
        endpoint: &'static str,
        /// Parameter name.
        param: String,
    },
    /// A parameter the endpoint does not take was given (typos are not silently dropped).
    UnknownParam {
        /// Endpoint id.
        endpoint: &'static str,
        /// Parameter name.
        param: String,
        /// What the endpoint does take.
        expected: String,
    },
    /// A parameter has a value that cannot be sent safely or correctly.
    InvalidParam {
        /// Endpoint id.
        endpoint: &'static str,
        /// Parameter name.
        param: String,
        /// Why, in one sentence.
        message: String,
    },
    /// A write endpoint was called while the client is read-only; nothing was sent.
    ReadOnly {
        /// Endpoint id.
        endpoint: &'static str,
    },
    /// The call named an account the client does not have.
    UnknownAccount {
        /// Endpoint id.
        endpoint: &'static str,
        /// The account name the caller gave.
        account: String,
    },
    /// The client configuration is incomplete or wrong.
    InvalidConfig {
        /// The configuration field.
        field: String,
        /// Why, in one sentence.
        message: String,
    },
    /// The endpoint is answered by the client itself and has no HTTP request (`list_accounts`).
    ClientLocal {
        /// Endpoint id.
        endpoint: &'static str,
    },
    /// Crisp answered with an error status or an `error: true` envelope.
    Api(Box<ApiFailure>),
    /// The response could not be read as a Crisp envelope (an HTML proxy page, a truncated body).
    InvalidResponse {
        /// Endpoint id.
        endpoint: &'static str,
        /// HTTP status.
        status: u16,
        /// What was wrong.
        message: String,
        /// The first bytes of the body, as text.
        snippet: String,
    },
    /// The request could not be completed: connection refused or reset, DNS, TLS.
    Network {
        /// Endpoint id.
        endpoint: &'static str,
        /// The transport's message.
        message: String,
    },
    /// No answer came within the configured timeout.
    Timeout {
        /// Endpoint id.
        endpoint: &'static str,
        /// The timeout that ran out.
        timeout_ms: u64,
    },
    /// The caller cancelled the request.
    Aborted {
        /// Endpoint id.
        endpoint: &'static str,
    },
}

/// The most of Crisp's explanation an error message quotes.
pub const EXPLANATION_CHARS: usize = 300;

/// Crisp's explanation of a refusal, read from the envelope's `data` (`data.message`, or `data`
/// itself when it is text): control characters become spaces, and a long one is cut.
#[must_use]
#[inline(never)] // one copy in the wasm build, not one per decoding path
pub fn explanation(data: &Value) -> Option<String> {
    let text = match data {
        Value::String(s) => s.as_str(),
        Value::Object(map) => map.get("message").and_then(Value::as_str)?,
        _ => return None,
    };
    let mut out = String::with_capacity(text.len().min(EXPLANATION_CHARS * 4));
    for (i, c) in text.chars().enumerate() {
        if i == EXPLANATION_CHARS {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    let out = out.trim_matches(' ');
    (!out.is_empty()).then(|| out.to_owned())
}

/// What Crisp said when it refused a request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    /// Endpoint id.
    pub endpoint: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Crisp's raw `reason` (e.g. `invalid_session`, `not_found`), or the Node client's
    /// `route_error`/`server_error`/`http_error` when the answer has none.
    pub reason: String,
    /// The envelope's `data`, if any.
    pub data: Value,
    /// Crisp's own explanation (`data.message`, e.g. "`query.per_page` must be between 20 and
    /// 50"), on one line, at most [`EXPLANATION_CHARS`] characters, keys redacted by the client
    /// that decoded it. Part of the error's message.
    pub message: Option<String>,
    /// `Retry-After`, in milliseconds, when the answer had one.
    pub retry_after_ms: Option<u64>,
    /// `Bloom-Status` (Crisp's cache: MISS, HIT, DIRECT, OFFLINE), when present.
    pub bloom_status: Option<String>,
}

crate::catalog::catalog_enum! {
    /// Every code a `CrispError` carries, from any binding and any layer: this list is the one the
    /// TypeScript `ErrorCode` union and the docs are generated from. The last four are raised by
    /// the JS layer around the core (its transport and its optional pieces), listed here so that
    /// the one list is complete.
    pub enum ErrorCode {
        /// An endpoint id that is not in the catalog. Nothing was sent.
        UnknownEndpoint => "unknown_endpoint",
        /// A required parameter is missing. Nothing was sent.
        MissingParam => "missing_param",
        /// A parameter the endpoint does not take. Nothing was sent.
        UnknownParam => "unknown_param",
        /// A parameter of the wrong type or form (an unsafe id, a bad body field). Nothing was sent.
        InvalidParam => "invalid_param",
        /// A write refused by a read-only client. Nothing was sent.
        ReadOnly => "read_only",
        /// An account name that is not configured. Nothing was sent.
        UnknownAccount => "unknown_account",
        /// The client's configuration is wrong (a key, a tier, a URL, an option). Nothing was sent.
        InvalidConfig => "invalid_config",
        /// A client-local endpoint asked to build a request it never sends.
        ClientLocal => "client_local",
        /// Crisp answered 400.
        BadRequest => "bad_request",
        /// Crisp answered 401: the token was refused.
        Unauthorized => "unauthorized",
        /// Crisp answered 402: the plan does not include this.
        PaymentRequired => "payment_required",
        /// Crisp answered 403.
        Forbidden => "forbidden",
        /// Crisp answered 404.
        NotFound => "not_found",
        /// Crisp answered 409.
        Conflict => "conflict",
        /// Crisp answered 413.
        PayloadTooLarge => "payload_too_large",
        /// Crisp answered 429 or 420, after the retries a read is allowed.
        RateLimited => "rate_limited",
        /// Crisp answered 5xx, after the retries a read is allowed.
        ServerError => "server_error",
        /// Crisp answered another error status.
        ApiError => "api_error",
        /// Crisp's answer could not be read (not its envelope, not JSON).
        InvalidResponse => "invalid_response",
        /// No answer: the connection failed.
        Network => "network",
        /// No answer within the time limit.
        Timeout => "timeout",
        /// Cancelled by the caller's signal.
        Aborted => "aborted",
        /// JS: an optional peer dependency (socket.io-client) is not installed.
        MissingDependency => "missing_dependency",
        /// JS: the browser build was used before `init()` loaded its wasm.
        NotLoaded => "not_loaded",
        /// JS: the real-time socket is not connected.
        NotConnected => "not_connected",
        /// JS: the real-time subscription was closed.
        Closed => "closed",
    }
}

impl ErrorCode {
    /// Whether the request may have reached Crisp when a call fails with this code: `"no"` for a
    /// refusal before sending (nothing left), `"maybe"` when no answer came (a write may have
    /// happened), `"yes"` when Crisp answered. Audit lines and exit codes read it.
    #[must_use]
    pub const fn sent(self) -> &'static str {
        match self {
            ErrorCode::Network | ErrorCode::Timeout | ErrorCode::Aborted => "maybe",
            ErrorCode::BadRequest
            | ErrorCode::Unauthorized
            | ErrorCode::PaymentRequired
            | ErrorCode::Forbidden
            | ErrorCode::NotFound
            | ErrorCode::Conflict
            | ErrorCode::PayloadTooLarge
            | ErrorCode::RateLimited
            | ErrorCode::ServerError
            | ErrorCode::ApiError
            | ErrorCode::InvalidResponse => "yes",
            _ => "no",
        }
    }

    /// The HTTP status a server relaying the call (the gateway) answers with, or `None` when it
    /// is Crisp's own status. Crisp refusing the relay's own token (401) is the relay's failure,
    /// not its caller's: 502.
    #[must_use]
    pub const fn relay_status(self) -> Option<u16> {
        match self {
            ErrorCode::MissingParam
            | ErrorCode::InvalidParam
            | ErrorCode::UnknownParam
            | ErrorCode::UnknownEndpoint
            | ErrorCode::UnknownAccount
            | ErrorCode::ClientLocal => Some(400),
            ErrorCode::ReadOnly => Some(403),
            ErrorCode::Unauthorized | ErrorCode::Network | ErrorCode::InvalidResponse => Some(502),
            ErrorCode::Timeout => Some(504),
            ErrorCode::Aborted => Some(499),
            ErrorCode::InvalidConfig
            | ErrorCode::MissingDependency
            | ErrorCode::NotLoaded
            | ErrorCode::NotConnected
            | ErrorCode::Closed => Some(500),
            _ => None,
        }
    }
}

impl CrispError {
    /// A stable snake_case code, the same from every binding.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The error's [`ErrorCode`].
    #[must_use]
    pub fn error_code(&self) -> ErrorCode {
        match self {
            CrispError::UnknownEndpoint { .. } => ErrorCode::UnknownEndpoint,
            CrispError::MissingParam { .. } => ErrorCode::MissingParam,
            CrispError::UnknownParam { .. } => ErrorCode::UnknownParam,
            CrispError::InvalidParam { .. } => ErrorCode::InvalidParam,
            CrispError::ReadOnly { .. } => ErrorCode::ReadOnly,
            CrispError::UnknownAccount { .. } => ErrorCode::UnknownAccount,
            CrispError::InvalidConfig { .. } => ErrorCode::InvalidConfig,
            CrispError::ClientLocal { .. } => ErrorCode::ClientLocal,
            CrispError::Api(f) => match f.status {
                400 => ErrorCode::BadRequest,
                401 => ErrorCode::Unauthorized,
                402 => ErrorCode::PaymentRequired,
                403 => ErrorCode::Forbidden,
                404 => ErrorCode::NotFound,
                409 => ErrorCode::Conflict,
                413 => ErrorCode::PayloadTooLarge,
                420 | 429 => ErrorCode::RateLimited,
                500..=599 => ErrorCode::ServerError,
                _ => ErrorCode::ApiError,
            },
            CrispError::InvalidResponse { .. } => ErrorCode::InvalidResponse,
            CrispError::Network { .. } => ErrorCode::Network,
            CrispError::Timeout { .. } => ErrorCode::Timeout,
            CrispError::Aborted { .. } => ErrorCode::Aborted,
        }
    }

    /// The endpoint id the error belongs to, when there is one.
    #[must_use]
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            CrispError::UnknownEndpoint { endpoint } => Some(endpoint),
            CrispError::MissingParam { endpoint, .. }
            | CrispError::UnknownParam { endpoint, .. }
            | CrispError::InvalidParam { endpoint, .. }
            | CrispError::ReadOnly { endpoint }
            | CrispError::UnknownAccount { endpoint, .. }
            | CrispError::ClientLocal { endpoint }
            | CrispError::InvalidResponse { endpoint, .. }
            | CrispError::Network { endpoint, .. }
            | CrispError::Timeout { endpoint, .. }
            | CrispError::Aborted { endpoint } => Some(endpoint),
            CrispError::Api(f) => Some(f.endpoint),
            CrispError::InvalidConfig { .. } => None,
        }
    }

    /// The parameter (or configuration field) at fault, when there is one.
    #[must_use]
    pub fn param(&self) -> Option<&str> {
        match self {
            CrispError::MissingParam { param, .. }
            | CrispError::UnknownParam { param, .. }
            | CrispError::InvalidParam { param, .. } => Some(param),
            CrispError::InvalidConfig { field, .. } => Some(field),
            CrispError::UnknownAccount { .. } => Some("account"),
            _ => None,
        }
    }

    /// The HTTP status, when an answer came.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            CrispError::Api(f) => Some(f.status),
            CrispError::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Crisp's raw `reason`, when Crisp gave one.
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        match self {
            CrispError::Api(f) => Some(&f.reason),
            _ => None,
        }
    }

    /// Whether trying the same read again later may succeed (rate limits, server and network
    /// errors, timeouts). Whether a retry is actually made is [`crate::retry::decide`]'s call.
    #[must_use]
    pub fn retryable(&self) -> bool {
        match self {
            CrispError::Api(f) => matches!(f.status, 420 | 429 | 500..=599),
            CrispError::InvalidResponse { status, .. } => *status >= 500,
            CrispError::Network { .. } | CrispError::Timeout { .. } => true,
            _ => false,
        }
    }

    /// Crisp's own explanation of a refusal (see [`ApiFailure::message`]), when it gave one.
    #[must_use]
    pub fn explanation(&self) -> Option<&str> {
        match self {
            CrispError::Api(f) => f.message.as_deref(),
            _ => None,
        }
    }

    /// `Retry-After` in milliseconds, when the answer had one.
    #[must_use]
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            CrispError::Api(f) => f.retry_after_ms,
            _ => None,
        }
    }

    /// The error as one flat, serializable record: what crosses to JS.
    #[must_use]
    pub fn info(&self) -> ErrorInfo {
        let (data, bloom_status) = match self {
            CrispError::Api(f) => (f.data.clone(), f.bloom_status.clone()),
            _ => (Value::Null, None),
        };
        ErrorInfo {
            code: self.code(),
            message: self.to_string(),
            endpoint: self.endpoint().map(str::to_owned),
            param: self.param().map(str::to_owned),
            status: self.status(),
            reason: self.reason().map(str::to_owned),
            explanation: self.explanation().map(str::to_owned),
            retryable: self.retryable(),
            retry_after_ms: self.retry_after_ms(),
            bloom_status,
            data,
        }
    }
}

/// Names in backticks, `, ` between them (`` `a`, `b` ``): the lists of what an error expected.
/// One string pushed to, not a `Vec` joined (less code in the browser build).
pub(crate) fn backticked<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for name in names {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push('`');
        out.push_str(name);
        out.push('`');
    }
    out
}

impl fmt::Display for CrispError {
    // Written piece by piece, not with `write!`: the browser build then links no `fmt::write`
    // machinery (its budget is 60 KB gzipped). The texts are the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status_text;
        let ms_text;
        let quoted;
        let parts: &[&str] = match self {
            CrispError::UnknownEndpoint { endpoint } => {
                &["unknown endpoint `", endpoint, "`: see the catalog for the ids"]
            }
            CrispError::MissingParam { endpoint, param } => {
                &[endpoint, ": missing required parameter `", param, "`"]
            }
            CrispError::UnknownParam { endpoint, param, expected } => {
                &[endpoint, ": unknown parameter `", param, "` (expected ", expected, ")"]
            }
            CrispError::InvalidParam { endpoint, param, message } => {
                &[endpoint, ": invalid parameter `", param, "`: ", message]
            }
            CrispError::ReadOnly { endpoint } => {
                &[endpoint, ": refused, the client is read-only and this endpoint writes"]
            }
            CrispError::UnknownAccount { endpoint, account } => {
                &[endpoint, ": no account is named `", account, "`"]
            }
            CrispError::InvalidConfig { field, message } => {
                &["invalid configuration `", field, "`: ", message]
            }
            CrispError::ClientLocal { endpoint } => {
                &[endpoint, ": answered by the client itself, it has no HTTP request"]
            }
            CrispError::Api(a) => {
                // Through u64: one integer formatter in the browser build, not one per type.
                status_text = crate::json::u64_text(u64::from(a.status));
                for part in [a.endpoint, ": Crisp answered ", &status_text, " `", &a.reason, "`"] {
                    f.write_str(part)?;
                }
                if let Some(message) = a.message.as_deref().filter(|m| *m != a.reason) {
                    f.write_str(": ")?;
                    f.write_str(message)?;
                }
                match a.retry_after_ms {
                    Some(ms) => {
                        ms_text = crate::json::u64_text(ms);
                        &[" (retry after ", &ms_text, " ms)"]
                    }
                    None => &[],
                }
            }
            CrispError::InvalidResponse { endpoint, status, message, snippet } => {
                status_text = crate::json::u64_text(u64::from(*status));
                for part in [endpoint, ": unreadable answer (HTTP ", &status_text, "): ", message] {
                    f.write_str(part)?;
                }
                if snippet.is_empty() {
                    &[]
                } else {
                    // Quoted as a JSON string (the snippet has no control characters left).
                    let mut q = String::with_capacity(snippet.len() + 2);
                    crate::json::write_str(&mut q, snippet);
                    quoted = q;
                    &[": ", &quoted]
                }
            }
            CrispError::Network { endpoint, message } => &[endpoint, ": network error: ", message],
            CrispError::Timeout { endpoint, timeout_ms } => {
                ms_text = crate::json::u64_text(*timeout_ms);
                &[endpoint, ": no answer within ", &ms_text, " ms"]
            }
            CrispError::Aborted { endpoint } => &[endpoint, ": cancelled by the caller"],
        };
        parts.iter().try_for_each(|part| f.write_str(part))
    }
}

impl std::error::Error for CrispError {}

/// A [`CrispError`] as one flat record, the shape every binding hands to JS.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // each field is the accessor of the same name on `CrispError`
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
    pub endpoint: Option<String>,
    pub param: Option<String>,
    pub status: Option<u16>,
    pub reason: Option<String>,
    pub explanation: Option<String>,
    pub retryable: bool,
    pub retry_after_ms: Option<u64>,
    pub bloom_status: Option<String>,
    pub data: Value,
}

impl crate::json::ToJson for ErrorInfo {
    fn write_json(&self, out: &mut String) {
        crate::json::Obj::new(out)
            .field("code", self.code)
            .field("message", &self.message)
            .field("endpoint", &self.endpoint)
            .field("param", &self.param)
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("explanation", &self.explanation)
            .field("retryable", &self.retryable)
            .field("retryAfterMs", &self.retry_after_ms)
            .field("bloomStatus", &self.bloom_status)
            .field("data", &self.data)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::{ApiFailure, CrispError};
    use crate::json::Value;

    /// Every message, word for word: `Display` is written piece by piece (no `write!`, for the
    /// browser build's size), and these are the texts it had with `write!`.
    /// One error of each kind, with its message word for word.
    fn cases() -> Vec<(CrispError, &'static str)> {
        let e = "get_conversation";
        let api = |message: Option<&str>, retry_after_ms| {
            CrispError::Api(Box::new(ApiFailure {
                endpoint: e,
                status: 429,
                reason: "rate_limited".into(),
                data: Value::Null,
                message: message.map(str::to_owned),
                retry_after_ms,
                bloom_status: None,
            }))
        };
        vec![
            (
                CrispError::UnknownEndpoint { endpoint: "nope".into() },
                "unknown endpoint `nope`: see the catalog for the ids",
            ),
            (
                CrispError::MissingParam { endpoint: e, param: "session_id".into() },
                "get_conversation: missing required parameter `session_id`",
            ),
            (
                CrispError::UnknownParam {
                    endpoint: e,
                    param: "x".into(),
                    expected: "`a`, `b`".into(),
                },
                "get_conversation: unknown parameter `x` (expected `a`, `b`)",
            ),
            (
                CrispError::InvalidParam {
                    endpoint: e,
                    param: "p".into(),
                    message: "must be a string".into(),
                },
                "get_conversation: invalid parameter `p`: must be a string",
            ),
            (
                CrispError::ReadOnly { endpoint: e },
                "get_conversation: refused, the client is read-only and this endpoint writes",
            ),
            (
                CrispError::UnknownAccount { endpoint: e, account: "eu".into() },
                "get_conversation: no account is named `eu`",
            ),
            (
                CrispError::InvalidConfig {
                    field: "retry.retries".into(),
                    message: "must be at most 10".into(),
                },
                "invalid configuration `retry.retries`: must be at most 10",
            ),
            (
                CrispError::ClientLocal { endpoint: e },
                "get_conversation: answered by the client itself, it has no HTTP request",
            ),
            (api(None, None), "get_conversation: Crisp answered 429 `rate_limited`"),
            (
                api(Some("rate_limited"), None),
                "get_conversation: Crisp answered 429 `rate_limited`",
            ),
            (
                api(Some("slow down"), Some(1500)),
                "get_conversation: Crisp answered 429 `rate_limited`: slow down (retry after 1500 ms)",
            ),
            (
                CrispError::InvalidResponse {
                    endpoint: e,
                    status: 502,
                    message: "not JSON".into(),
                    snippet: String::new(),
                },
                "get_conversation: unreadable answer (HTTP 502): not JSON",
            ),
            (
                CrispError::InvalidResponse {
                    endpoint: e,
                    status: 200,
                    message: "not JSON".into(),
                    snippet: "<b>\"x\"</b>".into(),
                },
                r#"get_conversation: unreadable answer (HTTP 200): not JSON: "<b>\"x\"</b>""#,
            ),
            (
                CrispError::Network { endpoint: e, message: "fetch failed".into() },
                "get_conversation: network error: fetch failed",
            ),
            (
                CrispError::Timeout { endpoint: e, timeout_ms: 30000 },
                "get_conversation: no answer within 30000 ms",
            ),
            (CrispError::Aborted { endpoint: e }, "get_conversation: cancelled by the caller"),
        ]
    }

    #[test]
    fn messages_are_word_for_word() {
        for (error, message) in cases() {
            assert_eq!(error.to_string(), message);
            assert_eq!(error.info().message, message);
        }
    }

    #[test]
    fn relay_facts_agree_with_the_error() {
        // What a relay reads from the code agrees with the error itself: a request was sent and
        // answered exactly when there is a status; "maybe" exactly for the failures without one
        // that happen after sending; every relay status is an error status.
        for (error, _) in &cases() {
            let code = error.error_code();
            let answered = error.status().is_some();
            let unanswered = matches!(
                error,
                CrispError::Network { .. }
                    | CrispError::Timeout { .. }
                    | CrispError::Aborted { .. }
            );
            let want = if answered {
                "yes"
            } else if unanswered {
                "maybe"
            } else {
                "no"
            };
            assert_eq!(code.sent(), want, "{}", code.as_str());
            let relay = code.relay_status().or(error.status()).unwrap_or(0);
            assert!((400..=599).contains(&relay), "{}: {relay}", code.as_str());
        }
    }
}
