//! Request building: endpoint id + params -> method, URL, headers, body.
//!
//! Params are one JSON object: path parameters by name (`websiteID`, `sessionID`, ...), `query`
//! (an object of the endpoint's query parameters) and `body` (the JSON body). Anything else is an
//! error naming the endpoint and the parameter: nothing is silently dropped, and no id can leave
//! its path segment.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::catalog::{Body, Endpoint, Method, Paging, PathKind, QueryParam, QueryType, Segment};
use crate::config::{Account, Settings, Tier};
use crate::error::CrispError;
use crate::json::{Map, Value};

/// What `encodeURIComponent` leaves alone: every other byte of a path segment is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// A request ready for any HTTP transport.
#[derive(Clone, PartialEq)]
pub struct Request {
    /// Endpoint id.
    pub endpoint: &'static str,
    /// The account that signs it.
    pub account: String,
    /// HTTP method.
    pub method: Method,
    /// Absolute URL, path segments and query percent-encoded.
    pub url: String,
    /// Headers, in a fixed order. Holds the real `Authorization`: see [`Request::redacted`].
    pub headers: Vec<(&'static str, String)>,
    /// JSON body text, if any.
    pub body: Option<String>,
    /// Whether the endpoint writes.
    pub write: bool,
}

/// What a redacted header value reads.
pub const REDACTED: &str = "[redacted]";

impl Request {
    /// The same request with the key hidden: safe to print, log or show as a preview.
    #[must_use]
    pub fn redacted(&self) -> Request {
        let mut r = self.clone();
        for (name, value) in &mut r.headers {
            if name.eq_ignore_ascii_case("authorization") {
                *value = ["Basic ", REDACTED].concat();
            }
        }
        r
    }

    /// The request as a `curl` command line, key redacted.
    #[must_use]
    pub fn to_curl(&self) -> String {
        // Pieces pushed, not `format!`: the browser build links no `fmt::write` (60 KB budget).
        let push_quoted = |out: &mut String, s: &str| {
            out.push('\'');
            out.push_str(&s.replace('\'', "'\\''"));
            out.push('\'');
        };
        let r = self.redacted();
        let mut out = ["curl -X ", r.method.as_str(), " "].concat();
        push_quoted(&mut out, &r.url);
        for (name, value) in &r.headers {
            out.push_str(" -H ");
            push_quoted(&mut out, &[&**name, ": ", &**value].concat());
        }
        if let Some(body) = &r.body {
            out.push_str(" --data-raw ");
            push_quoted(&mut out, body);
        }
        out
    }
}

impl crate::json::ToJson for Request {
    fn write_json(&self, out: &mut String) {
        let mut headers = String::new();
        headers.push('[');
        for (i, (name, value)) in self.headers.iter().enumerate() {
            if i > 0 {
                headers.push(',');
            }
            headers.push('[');
            crate::json::write_str(&mut headers, name);
            headers.push(',');
            crate::json::write_str(&mut headers, value);
            headers.push(']');
        }
        headers.push(']');
        crate::json::Obj::new(out)
            .field("endpoint", self.endpoint)
            .field("account", &self.account)
            .field("method", &self.method)
            .field("url", &self.url)
            .raw("headers", &headers)
            .field("body", &self.body)
            .field("write", &self.write)
            .end();
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.redacted();
        f.debug_struct("Request")
            .field("endpoint", &r.endpoint)
            .field("method", &r.method)
            .field("url", &r.url)
            .field("headers", &r.headers)
            .field("body", &r.body)
            .finish_non_exhaustive()
    }
}

/// Per-call options.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallOptions<'a> {
    /// The account to use (default: the configured default).
    pub account: Option<&'a str>,
}

/// Builds the request for `endpoint_id` with `params`.
///
/// # Errors
/// Every way the call cannot be made as asked: unknown endpoint or account, read-only refusal, a
/// missing, unknown or unsafe parameter. The error names the endpoint and the parameter.
pub fn build(
    settings: &Settings,
    endpoint_id: &str,
    params: &Value,
    options: CallOptions<'_>,
) -> Result<Request, CrispError> {
    let endpoint = Endpoint::find(endpoint_id)
        .ok_or_else(|| CrispError::UnknownEndpoint { endpoint: endpoint_id.to_owned() })?;
    plan(settings, endpoint, params, options, false).map(Planned::into_request)
}

/// Where an account's real-time (Socket.IO) endpoint is found: `GET {tier}/connect/endpoints`
/// under its base URL, as crisp-api asks it. That is the catalog's `plugin_get_connect_endpoints`
/// route with the account's tier in place of its first segment (`plugin`), and the answer is the
/// catalog route's for every tier. The client sends it ([`discovery()`], `boundary::prepare`);
/// the sandbox answers it ([`discovery::tier_of`]).
pub mod discovery {
    use crate::catalog::Endpoint;
    use crate::config::Tier;

    /// The catalog endpoint whose route (after the tier) and answer the discovery has.
    pub const ENDPOINT: &str = "plugin_get_connect_endpoints";

    /// The tier whose discovery route `path` is (`path` below the base URL, without a leading
    /// `/`: `user/connect/endpoints`), or `None` for any other path.
    #[must_use]
    pub fn tier_of(path: &str) -> Option<Tier> {
        let route = Endpoint::find(ENDPOINT)?.path; // `/plugin/connect/endpoints`
        let after_tier = &route[1 + route[1..].find('/')?..];
        let (tier, rest) = path.split_at(path.find('/')?);
        if rest != after_tier {
            return None;
        }
        match tier {
            "user" => Some(Tier::User),
            "website" => Some(Tier::Website),
            "plugin" => Some(Tier::Plugin),
            _ => None,
        }
    }
}

/// The discovery request of an account (the default one when `account` is `None`): see
/// [`discovery`].
///
/// # Errors
/// The account is unknown.
pub fn discovery(settings: &Settings, account: Option<&str>) -> Result<Request, CrispError> {
    // The catalog has it (boundary's tests say so).
    let endpoint = Endpoint::find(discovery::ENDPOINT)
        .ok_or_else(|| CrispError::UnknownEndpoint { endpoint: discovery::ENDPOINT.to_owned() })?;
    plan(settings, endpoint, &Value::Null, CallOptions { account }, true).map(Planned::into_request)
}

/// A request decided, still borrowing its account: [`build`] makes a [`Request`] of it, and
/// `boundary::prepare` writes it out for the transport with the account's headers as they are
/// stored, copying nothing per call.
pub(crate) struct Planned<'a> {
    pub endpoint: &'static Endpoint,
    pub account: &'a Account,
    pub url: String,
    pub body: Option<String>,
}

impl Planned<'_> {
    fn into_request(self) -> Request {
        let mut headers = Vec::with_capacity(3);
        headers.extend(
            headers_of(&self.account.authorization, self.account.tier, self.body.is_some())
                .map(|(name, value)| (name, value.to_owned())),
        );
        Request {
            endpoint: self.endpoint.id,
            account: self.account.name.clone(),
            method: self.endpoint.method,
            url: self.url,
            headers,
            body: self.body,
            write: self.endpoint.write,
        }
    }
}

/// The headers of every request, in order: the account's `Authorization` and tier, and
/// `Content-Type` when there is a body.
pub(crate) fn headers_of(
    authorization: &str,
    tier: Tier,
    has_body: bool,
) -> impl Iterator<Item = (&'static str, &str)> {
    let all = [
        ("Authorization", authorization),
        ("X-Crisp-Tier", tier.as_str()),
        ("Content-Type", "application/json"),
    ];
    all.into_iter().take(if has_body { 3 } else { 2 })
}

/// Everything [`build`] decides, before the account's headers are copied into a [`Request`].
pub(crate) fn plan<'a>(
    settings: &'a Settings,
    endpoint: &'static Endpoint,
    params: &Value,
    options: CallOptions<'_>,
    tier_route: bool,
) -> Result<Planned<'a>, CrispError> {
    let id = endpoint.id;
    if endpoint.status == crate::catalog::Status::ClientLocal {
        return Err(CrispError::ClientLocal { endpoint: id });
    }
    if endpoint.write && settings.read_only {
        return Err(CrispError::ReadOnly { endpoint: id });
    }
    let account = settings.account(options.account).ok_or_else(|| CrispError::UnknownAccount {
        endpoint: id,
        account: options.account.unwrap_or(&settings.default_account).to_owned(),
    })?;
    let empty = Map::new();
    let params = match params {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => {
            return Err(CrispError::InvalidParam {
                endpoint: id,
                param: "params".into(),
                message: "must be an object".into(),
            });
        }
    };
    check_known_keys(endpoint, params)?;

    let mut url = String::with_capacity(account.base_url.len() + endpoint.path.len() + 64);
    url.push_str(account.base_url.trim_end_matches('/'));
    for (i, segment) in endpoint.segments().enumerate() {
        url.push('/');
        match segment {
            // The discovery request: the account's tier in place of the route's (`plugin`).
            Segment::Literal(_) if tier_route && i == 0 => url.push_str(account.tier.as_str()),
            Segment::Literal(s) => url.push_str(s),
            Segment::Param(name) => {
                let value = path_value(endpoint, account, params, name)?;
                push_segment(&mut url, id, name, &value)?;
            }
            Segment::Rest(name) => push_rest(&mut url, id, name, params.get(name))?,
        }
    }
    push_query(&mut url, endpoint, params.get("query"))?;
    let body = body_text(endpoint, params.get("body"))?;
    Ok(Planned { endpoint, account, url, body })
}

fn check_known_keys(endpoint: &Endpoint, params: &Map) -> Result<(), CrispError> {
    for key in params.keys() {
        let known = endpoint.path_params().any(|p| p == key)
            || (key == "query" && !endpoint.query.is_empty())
            || (key == "body" && endpoint.body != Body::None);
        if !known {
            let mut expected: Vec<&str> = endpoint.path_params().collect();
            if !endpoint.query.is_empty() {
                expected.push("query");
            }
            if endpoint.body != Body::None {
                expected.push("body");
            }
            let expected = if expected.is_empty() {
                "no parameters".to_owned()
            } else {
                crate::error::backticked(expected.iter().copied())
            };
            return Err(CrispError::UnknownParam {
                endpoint: endpoint.id,
                param: key.clone(),
                expected,
            });
        }
    }
    Ok(())
}

/// A path parameter as text, by its catalog rule ([`PathKind`]): strings as they are, whole numbers
/// in decimal; a fingerprint must be a whole number; `websiteID` falls back to the account's
/// website and `pageNumber` to 1, as the official client does.
fn path_value<'a>(
    endpoint: &Endpoint,
    account: &'a Account,
    params: &'a Map,
    name: &str,
) -> Result<Cow<'a, str>, CrispError> {
    let invalid = |message: &str| CrispError::InvalidParam {
        endpoint: endpoint.id,
        param: name.to_owned(),
        message: message.to_owned(),
    };
    let kind = PathKind::of(name, false);
    let whole = matches!(kind, PathKind::Page | PathKind::Integer);
    match params.get(name) {
        Some(Value::String(s))
            if whole && (s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Err(invalid("must be a whole number"))
        }
        Some(Value::String(s)) => Ok(Cow::Borrowed(s)),
        Some(Value::Number(n)) => match as_integer(n) {
            Some(i) if kind == PathKind::Page && i < 1 => Err(invalid("must be 1 or more")),
            Some(i) if whole && i < 0 => Err(invalid("must be a whole number, 0 or more")),
            Some(i) => Ok(Cow::Owned(crate::json::i64_text(i))),
            None if whole => Err(invalid("must be a whole number")),
            None => Err(invalid("must be a string or a whole number")),
        },
        None | Some(Value::Null) => match kind {
            PathKind::Website => {
                account.website_id.as_deref().map(Cow::Borrowed).ok_or_else(|| {
                    CrispError::MissingParam { endpoint: endpoint.id, param: name.to_owned() }
                })
            }
            PathKind::Page if endpoint.paging == Paging::PageNumber => Ok(Cow::Borrowed("1")),
            _ => Err(CrispError::MissingParam { endpoint: endpoint.id, param: name.to_owned() }),
        },
        Some(_) if whole => Err(invalid("must be a whole number")),
        Some(_) => Err(invalid("must be a string or a whole number")),
    }
}

/// A JSON number as an integer, if it is one (JS numbers may arrive as whole floats).
fn as_integer(n: &crate::json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = crate::decimal::parse_finite(n.as_str())?;
        (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
    })
}

/// Why a segment value cannot be sent, if it cannot.
fn segment_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("must not be empty")
    } else if value == "." || value == ".." {
        Some("must not be `.` or `..`")
    } else if value.contains('/') {
        Some("must not contain `/`")
    } else if value.contains('?') || value.contains('#') {
        Some("must not contain `?` or `#`")
    } else if value.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

fn push_segment(
    url: &mut String,
    endpoint: &'static str,
    name: &str,
    value: &str,
) -> Result<(), CrispError> {
    if let Some(message) = segment_problem(value) {
        return Err(CrispError::InvalidParam {
            endpoint,
            param: name.to_owned(),
            message: message.into(),
        });
    }
    url.extend(utf8_percent_encode(value, SEGMENT));
    Ok(())
}

/// A multi-segment parameter (helpdesk tree paths): `"a/b/c"` or `["a", "b", "c"]`, each segment
/// checked and encoded on its own.
fn push_rest(
    url: &mut String,
    endpoint: &'static str,
    name: &str,
    value: Option<&Value>,
) -> Result<(), CrispError> {
    let invalid =
        |message: String| CrispError::InvalidParam { endpoint, param: name.to_owned(), message };
    let parts: Vec<&str> = match value {
        None | Some(Value::Null) => {
            return Err(CrispError::MissingParam { endpoint, param: name.to_owned() });
        }
        Some(Value::String(s)) => s.split('/').collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| invalid("must be a string or an array of strings".into()))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("must be a string or an array of strings".into())),
    };
    if parts.is_empty() {
        return Err(invalid("must not be empty".into()));
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            url.push('/');
        }
        if let Some(problem) = segment_problem(part) {
            return Err(invalid(
                ["segment ", &crate::json::u64_text(i as u64 + 1), " ", problem].concat(),
            ));
        }
        url.extend(utf8_percent_encode(part, SEGMENT));
    }
    Ok(())
}

fn push_query(
    url: &mut String,
    endpoint: &Endpoint,
    query: Option<&Value>,
) -> Result<(), CrispError> {
    let empty = Map::new();
    let query = match query {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(CrispError::InvalidParam {
                endpoint: endpoint.id,
                param: "query".into(),
                message: "must be an object".into(),
            });
        }
    };
    if let Some(unknown) = query.keys().find(|k| endpoint.query_param(k).is_none()) {
        let expected = endpoint.query.iter().map(|q| q.name);
        let expected = crate::error::backticked(expected);
        return Err(CrispError::UnknownParam {
            endpoint: endpoint.id,
            param: ["query.", unknown.as_str()].concat(),
            expected,
        });
    }
    // Catalog order, not the caller's: the same call always gives the same URL.
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for param in endpoint.query {
        match query.get(param.name) {
            None | Some(Value::Null) if param.required => {
                return Err(CrispError::MissingParam {
                    endpoint: endpoint.id,
                    param: ["query.", param.name].concat(),
                });
            }
            None | Some(Value::Null) => {}
            Some(value) => {
                serializer.append_pair(param.name, &query_value(endpoint, param, value)?);
                any = true;
            }
        }
    }
    if any {
        url.push('?');
        url.push_str(&serializer.finish());
    }
    Ok(())
}

fn query_value(
    endpoint: &Endpoint,
    param: &QueryParam,
    value: &Value,
) -> Result<String, CrispError> {
    let invalid = |message: &str| CrispError::InvalidParam {
        endpoint: endpoint.id,
        param: ["query.", param.name].concat(),
        message: message.to_owned(),
    };
    match (param.ty, value) {
        (QueryType::Json | QueryType::Str, Value::String(s)) => Ok(s.clone()),
        (QueryType::Number | QueryType::Str, Value::Number(n)) => Ok(n.to_string()),
        (QueryType::Json, v) => Ok(v.to_string()),
        (QueryType::Bool, Value::Bool(b)) => Ok(if *b { "1" } else { "0" }.to_owned()),
        (QueryType::Bool, Value::Number(n)) if matches!(n.as_u64(), Some(0 | 1)) => {
            Ok(n.to_string())
        }
        (QueryType::Bool, _) => Err(invalid("must be true or false")),
        (QueryType::Int, Value::Number(n)) => {
            let i = as_integer(n).ok_or_else(|| invalid("must be a whole number"))?;
            in_range(param, i).map(|()| crate::json::i64_text(i)).map_err(|m| invalid(&m))
        }
        (QueryType::Int, Value::String(s)) if crate::json::parse_i64(s).is_some() => {
            in_range(param, crate::json::parse_i64(s).unwrap_or_default())
                .map(|()| s.clone())
                .map_err(|m| invalid(&m))
        }
        (QueryType::Int, _) => Err(invalid("must be a whole number")),
        (QueryType::Number, Value::String(s)) if crate::decimal::parse_finite(s).is_some() => {
            Ok(s.clone())
        }
        (QueryType::Number, _) => Err(invalid("must be a number")),
        (QueryType::Str, _) => Err(invalid("must be a string")),
    }
}

/// Whether a whole number is inside the parameter's range (`per_page`: 20 to 50), if it has one:
/// Crisp refuses the others, so the call is refused before sending.
fn in_range(param: &QueryParam, value: i64) -> Result<(), String> {
    match param.range {
        Some((min, max)) if value < i64::from(min) || value > i64::from(max) => Err([
            "must be between ",
            &crate::json::u64_text(u64::from(min)),
            " and ",
            &crate::json::u64_text(u64::from(max)),
            " (got ",
            &crate::json::i64_text(value),
            ")",
        ]
        .concat()),
        _ => Ok(()),
    }
}

/// Refuses a known body field of the wrong type (the catalog's shapes), naming it.
fn check_types(endpoint: &Endpoint, body: &Map) -> Result<(), CrispError> {
    match crate::catalog::check_body(endpoint, body) {
        Some((param, message)) => {
            Err(CrispError::InvalidParam { endpoint: endpoint.id, param, message })
        }
        None => Ok(()),
    }
}

/// The JSON body text. POST/PUT/PATCH always carry one (`{}` when the endpoint takes none), as
/// the official Node client sends; DELETE carries one only when the endpoint takes it.
fn body_text(endpoint: &Endpoint, body: Option<&Value>) -> Result<Option<String>, CrispError> {
    let body = body.filter(|b| !b.is_null());
    let id = endpoint.id;
    let text = match (endpoint.body, body) {
        (Body::None, _) => None,
        (Body::Object(_), None) => {
            return Err(CrispError::MissingParam { endpoint: id, param: "body".into() });
        }
        (Body::Object(_), Some(v)) => {
            if let Value::Object(map) = v {
                check_types(endpoint, map)?;
            }
            Some(v.to_string())
        }
        (Body::Fields(_), None) => Some("{}".to_owned()),
        (Body::Fields(fields), Some(Value::Object(map))) => {
            if let Some(unknown) = map.keys().find(|k| !fields.contains(&k.as_str())) {
                let expected = crate::error::backticked(fields.iter().copied());
                return Err(CrispError::UnknownParam {
                    endpoint: id,
                    param: ["body.", unknown.as_str()].concat(),
                    expected,
                });
            }
            check_types(endpoint, map)?;
            Some(Value::Object(map.clone()).to_string())
        }
        (Body::Fields(_), Some(_)) => {
            return Err(CrispError::InvalidParam {
                endpoint: id,
                param: "body".into(),
                message: "must be an object".into(),
            });
        }
    };
    Ok(match (text, endpoint.method) {
        (None, Method::Post | Method::Put | Method::Patch) => Some("{}".to_owned()),
        (text, _) => text,
    })
}
