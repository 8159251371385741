//! Response decoding: status + headers + body bytes -> data, or one typed error.

use crate::json::{self, ErrorKind, Scanned, Value};

use crate::catalog::{Endpoint, Paging};
use crate::error::{ApiFailure, CrispError};
use crate::retry::parse_retry_after;

/// The largest body decoded; a larger one is an error, not an out-of-memory.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// How much of an unreadable body an error quotes.
const SNIPPET_CHARS: usize = 160;

/// The headers decoding looks at. Transports pass what they have; names are matched
/// case-insensitively by [`ResponseHeaders::from_pairs`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders {
    /// `Retry-After`, raw.
    pub retry_after: Option<String>,
    /// `Bloom-Status`, raw.
    pub bloom_status: Option<String>,
    /// The current time, for a `Retry-After` given as a date (the core has no clock).
    pub now_unix_ms: Option<u64>,
}

impl ResponseHeaders {
    /// Picks the headers that matter out of name/value pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut out = ResponseHeaders::default();
        for (name, value) in pairs {
            if name.eq_ignore_ascii_case("retry-after") {
                out.retry_after = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("bloom-status") {
                out.bloom_status = Some(value.to_owned());
            }
        }
        out
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The envelope's `data` (null when absent); `true`/`false` for HEAD routes.
    pub data: Value,
    /// The HTTP status (206 on a message page with older messages left).
    pub status: u16,
    /// Crisp's raw `reason` on success (`resolved`, `added`, ...), when given.
    pub reason: Option<String>,
    /// `Bloom-Status`, when present.
    pub bloom_status: Option<String>,
}

/// A successful answer whose `data` is left as JSON text, for bindings whose host parses JSON
/// faster than it can take a built object (V8's `JSON.parse`). The text is checked to be valid
/// JSON, but not turned into a tree.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDecoded<'a> {
    /// The envelope's `data` as JSON text (`null` when absent; `true`/`false` for HEAD routes).
    pub data: &'a str,
    /// The HTTP status.
    pub status: u16,
    /// Crisp's raw `reason` on success, when given.
    pub reason: Option<String>,
    /// `Bloom-Status`, when present.
    pub bloom_status: Option<String>,
    /// What the paging walks need to know about this page, for paged endpoints.
    pub page: PageInfo,
}

/// What a page holds, as far as paging cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// How many items the page's `data` list holds (`None`: not a list, or not a paged endpoint).
    pub items: Option<usize>,
    /// The oldest message `timestamp` on a message-history page.
    pub oldest_timestamp: Option<u64>,
}

impl crate::json::ToJson for PageInfo {
    fn write_json(&self, out: &mut String) {
        crate::json::Obj::new(out)
            .field("items", &self.items)
            .field("oldestTimestamp", &self.oldest_timestamp)
            .end();
    }
}

/// Decodes an answer to a request for `endpoint`.
///
/// HEAD routes give `true` on 2xx and `false` on 404, and never read a body. Everything else must
/// be a `{error, reason, data}` envelope; anything unreadable becomes
/// [`CrispError::InvalidResponse`] with a short snippet, never a panic.
///
/// # Errors
/// [`CrispError::Api`] for an error status or `error: true`; [`CrispError::InvalidResponse`] for a
/// body that is not an envelope.
pub fn decode(
    endpoint: &'static Endpoint,
    status: u16,
    headers: &ResponseHeaders,
    body: &[u8],
) -> Result<Decoded, CrispError> {
    let raw = decode_raw(endpoint, status, headers, body)?;
    // `decode_raw` checked the text: this parse cannot fail, but an error is still not a panic.
    let data = json::parse(raw.data).map_err(|_| CrispError::InvalidResponse {
        endpoint: endpoint.id,
        status,
        message: "not JSON".into(),
        snippet: snippet(body),
    })?;
    Ok(Decoded { data, status: raw.status, reason: raw.reason, bloom_status: raw.bloom_status })
}

/// Like [`decode`], but leaves `data` as JSON text. See [`RawDecoded`].
///
/// # Errors
/// As [`decode`].
pub fn decode_raw<'a>(
    endpoint: &'static Endpoint,
    status: u16,
    headers: &ResponseHeaders,
    body: &'a [u8],
) -> Result<RawDecoded<'a>, CrispError> {
    let id = endpoint.id;
    let retry_after_ms =
        headers.retry_after.as_deref().and_then(|v| parse_retry_after(v, headers.now_unix_ms));
    let bloom_status = headers.bloom_status.clone();
    let fail = |reason: String, data: Value| {
        Err(CrispError::Api(Box::new(ApiFailure {
            endpoint: id,
            status,
            reason,
            message: crate::error::explanation(&data),
            data,
            retry_after_ms,
            bloom_status: bloom_status.clone(),
        })))
    };
    let invalid = |message: &str| {
        Err(CrispError::InvalidResponse {
            endpoint: id,
            status,
            message: message.to_owned(),
            snippet: snippet(body),
        })
    };
    let ok = |data: &'a str, reason: Option<String>, page: PageInfo| {
        Ok(RawDecoded { data, status, reason, bloom_status: bloom_status.clone(), page })
    };

    if endpoint.is_head() {
        return match status {
            200..=299 => ok("true", None, PageInfo::default()),
            404 => ok("false", None, PageInfo::default()),
            // The Node client's words for a HEAD failure, which has no body to read a reason from.
            500..=599 => fail("server_error".into(), Value::Null),
            _ => fail("route_error".into(), Value::Null),
        };
    }

    if body.len() > MAX_BODY_BYTES {
        return invalid("body larger than 64 MiB");
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return if (200..300).contains(&status) {
            // 204 or an empty 200: nothing to decode, nothing went wrong.
            ok("null", None, PageInfo::default())
        } else {
            fail("http_error".into(), Value::Null)
        };
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return invalid("not UTF-8");
    };
    let [error, reason, data] = match json::raw_fields(text, ["error", "reason", "data"]) {
        Ok(fields) => fields,
        Err(e) if e.kind == ErrorKind::Eof => return invalid("truncated JSON"),
        // A proxy's HTML error page, say: the status is the news, the snippet the evidence.
        Err(e) if e.kind == ErrorKind::Syntax => return invalid("not JSON"),
        Err(_) => return invalid("not a {error, reason, data} envelope"),
    };
    if error.is_none() && reason.is_none() && data.is_none() {
        return invalid("not a {error, reason, data} envelope");
    }
    let reason = reason.and_then(|r| match json::parse(r) {
        Ok(Value::String(s)) => Some(s),
        _ => None,
    });
    let error_flag = error == Some("true");
    let data = data.unwrap_or("null");
    if status >= 400 || error_flag {
        let data = json::parse(data).unwrap_or(Value::Null);
        return fail(reason.unwrap_or_else(|| "http_error".into()), data);
    }
    let page = match endpoint.paging {
        Paging::None => PageInfo::default(),
        Paging::PageNumber => PageInfo {
            items: match json::scan(data) {
                Ok(Scanned::Array(n)) => Some(n),
                _ => None,
            },
            oldest_timestamp: None,
        },
        // A message page is read whole: a few dozen messages, and only on message walks. It counts
        // only as a list of messages, each an object whose `timestamp` is absent, null or whole.
        Paging::MessageCursor => match json::parse(data) {
            Ok(Value::Array(messages)) => {
                let stamps: Option<Vec<Option<u64>>> = messages
                    .iter()
                    .map(|m| match m.as_object()?.get("timestamp") {
                        None | Some(Value::Null) => Some(None),
                        Some(t) => t.as_u64().map(Some),
                    })
                    .collect();
                stamps.map_or_else(PageInfo::default, |stamps| PageInfo {
                    items: Some(stamps.len()),
                    oldest_timestamp: stamps.into_iter().flatten().min(),
                })
            }
            _ => PageInfo::default(),
        },
    };
    ok(data, reason, page)
}

/// Where the `data` of a plain success answer sits in the body, found without parsing it: the
/// shortcut for hosts whose own JSON parser is faster than a second pass here (V8's `JSON.parse`).
///
/// It answers only for what Crisp sends on almost every success: status 2xx, an endpoint with no
/// paging and a body (not HEAD), UTF-8 text that reads exactly `{"error":false,"reason":"…","data":`
/// (a reason with no escapes) then one value then the closing `}`. The span is everything between;
/// nothing checks that it is one JSON value. The caller must parse it with a strict JSON parser
/// and, when that fails, call [`decode_raw`] for the answer: the span is then not the envelope's
/// `data` (trailing fields, say) or the body is not JSON, and `decode_raw` says which. When the
/// span does parse, it is exactly the `data` text [`decode_raw`] returns for the same answer, and
/// nothing else in that answer matters to the caller: no page info, no error.
#[must_use]
pub fn plain_data_span(
    endpoint: &Endpoint,
    status: u16,
    body: &[u8],
) -> Option<std::ops::Range<usize>> {
    const HEAD: &[u8] = br#"{"error":false,"reason":""#;
    const DATA: &[u8] = br#"","data":"#;
    if !(200..300).contains(&status)
        || endpoint.is_head()
        || endpoint.paging != Paging::None
        || body.len() > MAX_BODY_BYTES
    {
        return None;
    }
    let rest = body.strip_prefix(HEAD)?;
    let reason_len = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    let start = HEAD.len() + reason_len + DATA.len();
    (body.get(HEAD.len() + reason_len..start)? == DATA
        && body.len() > start + 1
        && body.last() == Some(&b'}')
        && std::str::from_utf8(body).is_ok())
    .then_some(start..body.len() - 1)
}

/// The start of a body as printable text, for error messages: its first characters, each run of
/// whitespace and control characters one space, none at either end. (One pass, no word list: the
/// browser build's budget is 60 KB gzipped.)
fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    let mut gap = false;
    for c in text.chars().take(SNIPPET_CHARS) {
        if c.is_control() || c.is_whitespace() {
            gap = !out.is_empty();
        } else {
            if gap {
                out.push(' ');
                gap = false;
            }
            out.push(c);
        }
    }
    if text.chars().count() > SNIPPET_CHARS || body.len() > head.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The snippet as it was first written (split_whitespace, then join): the one-pass version
    /// must give the same text.
    fn snippet_by_words(body: &[u8]) -> String {
        let head = &body[..body.len().min(SNIPPET_CHARS * 4)];
        let text = String::from_utf8_lossy(head);
        let out: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(SNIPPET_CHARS)
            .collect();
        let mut out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > SNIPPET_CHARS || body.len() > head.len() {
            out.push('…');
        }
        out
    }

    #[test]
    fn snippets_collapse_whitespace_and_controls() {
        for (body, want) in [
            ("  <html>\n\t<b>Bad \u{a0}\u{85} Gateway</b>\r\n ", "<html> <b>Bad Gateway</b>"),
            ("\u{0}x\u{1b}[0m y\u{2028}", "x [0m y"),
            (" \t\n", ""),
        ] {
            assert_eq!(snippet(body.as_bytes()), want, "{body:?}");
        }
        let long = "word ".repeat(100);
        assert_eq!(snippet(long.as_bytes()), [long[..159].trim_end(), "…"].concat());
    }

    proptest! {
        #[test]
        fn snippets_are_what_the_word_split_gave(
            text in "[ a\\t\\n\\r\u{0}\u{1}\u{85}\u{a0}\u{3000}é]{0,700}",
            cut in 0usize..8,
        ) {
            let bytes = text.as_bytes();
            let body = &bytes[..bytes.len().saturating_sub(cut)];
            prop_assert_eq!(snippet(body), snippet_by_words(body));
        }
    }
    use crate::json::from_serde;
    use serde_json::json;

    fn ep(id: &str) -> &'static Endpoint {
        Endpoint::find(id).unwrap()
    }

    fn dec(id: &str, status: u16, body: &str) -> Result<Decoded, CrispError> {
        decode(ep(id), status, &ResponseHeaders::default(), body.as_bytes())
    }

    #[test]
    fn envelope_data_is_returned() {
        let d =
            dec("get_conversation", 200, r#"{"error":false,"reason":"resolved","data":{"a":1}}"#)
                .unwrap();
        assert_eq!(d.data, from_serde(&json!({"a": 1})));
        assert_eq!(d.reason.as_deref(), Some("resolved"));
    }

    #[test]
    fn head_is_true_or_false() {
        assert_eq!(dec("check_conversation_exists", 200, "").unwrap().data, Value::Bool(true));
        assert_eq!(
            dec("check_conversation_exists", 404, "<html>").unwrap().data,
            Value::Bool(false)
        );
        let e = dec("check_conversation_exists", 401, "").unwrap_err();
        assert_eq!((e.code(), e.reason()), ("unauthorized", Some("route_error")));
        assert_eq!(
            dec("check_conversation_exists", 503, "").unwrap_err().reason(),
            Some("server_error")
        );
    }

    #[test]
    fn errors_carry_reason_status_and_headers() {
        let headers = ResponseHeaders::from_pairs([("retry-after", "2"), ("Bloom-Status", "MISS")]);
        let e = decode(
            ep("get_conversation"),
            429,
            &headers,
            br#"{"error":true,"reason":"rate_limited","data":{}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        assert!(e.retryable());
        assert_eq!(e.retry_after_ms(), Some(2000));
        let info = e.info();
        assert_eq!(info.bloom_status.as_deref(), Some("MISS"));
        assert_eq!(info.endpoint.as_deref(), Some("get_conversation"));
    }

    #[test]
    fn error_flag_on_2xx_is_an_error() {
        let e = dec("get_conversation", 200, r#"{"error":true,"reason":"not_found"}"#).unwrap_err();
        assert_eq!(e.reason(), Some("not_found"));
    }

    #[test]
    fn html_truncated_and_odd_bodies_become_invalid_response() {
        let e = dec("get_conversation", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
            .unwrap_err();
        assert_eq!(e.code(), "invalid_response");
        assert!(e.to_string().contains("502 Bad Gateway"), "{e}");
        assert!(e.retryable());
        assert_eq!(
            dec("get_conversation", 200, r#"{"error":false,"da"#).unwrap_err().code(),
            "invalid_response"
        );
        assert_eq!(dec("get_conversation", 200, "[1,2]").unwrap_err().code(), "invalid_response");
        assert_eq!(
            dec("get_conversation", 200, r#"{"foo":1}"#).unwrap_err().code(),
            "invalid_response"
        );
        let long = "x".repeat(10_000);
        let e = dec("get_conversation", 500, &long).unwrap_err();
        assert!(e.to_string().len() < 400, "{e}");
    }

    #[test]
    fn an_error_status_without_envelope_reads_http_error() {
        let e = dec("get_conversation", 500, "").unwrap_err();
        assert_eq!((e.code(), e.reason()), ("server_error", Some("http_error")));
        let e = dec("get_conversation", 404, r#"{"error":true,"reason":"not_found","data":{}}"#)
            .unwrap_err();
        assert_eq!((e.code(), e.status()), ("not_found", Some(404)));
    }

    #[test]
    fn raw_decoding_keeps_data_as_text_and_reads_page_info() {
        let body = br#"{"error":false,"reason":"resolved","data":[{"timestamp":30,"x":[1]},{"timestamp":20}]}"#;
        let raw =
            decode_raw(ep("get_messages_in_conversation"), 206, &ResponseHeaders::default(), body)
                .unwrap();
        assert_eq!(raw.data, r#"[{"timestamp":30,"x":[1]},{"timestamp":20}]"#);
        assert_eq!(raw.page, PageInfo { items: Some(2), oldest_timestamp: Some(20) });
        let body = br#"{"error":false,"reason":"resolved","data":[1,2,3]}"#;
        let raw =
            decode_raw(ep("list_conversations"), 200, &ResponseHeaders::default(), body).unwrap();
        assert_eq!(raw.page.items, Some(3));
        let raw =
            decode_raw(ep("check_conversation_exists"), 404, &ResponseHeaders::default(), b"")
                .unwrap();
        assert_eq!(raw.data, "false");
    }

    #[test]
    fn the_plain_span_is_the_data_decode_raw_finds_or_nothing() {
        let ok = |id: &str, status: u16, body: &str| {
            let span = plain_data_span(ep(id), status, body.as_bytes())?;
            let text = &body[span];
            // What the caller does: a strict parse of the span, or decode_raw when it fails.
            if serde_json::from_str::<serde_json::Value>(text).is_ok() {
                let raw = decode_raw(ep(id), status, &ResponseHeaders::default(), body.as_bytes());
                assert_eq!(raw.map(|r| r.data), Ok(text), "{body}");
            }
            Some(text.to_owned())
        };
        let plain = r#"{"error":false,"reason":"resolved","data":{"a":[1,"}"],"b":""x"}}"#;
        assert_eq!(
            ok("get_conversation", 200, plain).as_deref(),
            Some(r#"{"a":[1,"}"],"b":""x"}"#)
        );
        assert_eq!(
            ok("get_conversation", 200, r#"{"error":false,"reason":"","data":null}"#).as_deref(),
            Some("null")
        );
        // A span that does not parse: the caller falls back, and decode_raw has the answer.
        assert_eq!(
            ok("get_conversation", 200, r#"{"error":false,"reason":"r","data":1,"more":2}"#)
                .as_deref(),
            Some(r#"1,"more":2"#)
        );
        assert_eq!(
            ok("get_conversation", 200, r#"{"error":false,"reason":"r","data":{"a"}"#).as_deref(),
            Some(r#"{"a""#)
        );
        // Everything else is decode_raw's alone.
        for (id, status, body) in [
            ("get_conversation", 200, r#"{"error":true,"reason":"r","data":1}"#),
            ("get_conversation", 404, r#"{"error":false,"reason":"r","data":1}"#),
            ("get_conversation", 200, r#"{"error":false,"reason":"r\u0041","data":1}"#),
            ("get_conversation", 200, r#"{"reason":"r","error":false,"data":1}"#),
            ("get_conversation", 200, r#"{"error":false,"reason":"r","data":1} "#),
            ("get_conversation", 200, r#"{"error":false,"reason":"r","data":}"#),
            ("list_conversations", 200, r#"{"error":false,"reason":"r","data":[]}"#),
            ("get_messages_in_conversation", 206, r#"{"error":false,"reason":"r","data":[]}"#),
            ("check_conversation_exists", 200, r#"{"error":false,"reason":"r","data":1}"#),
        ] {
            assert_eq!(ok(id, status, body), None, "{id} {status} {body}");
        }
        let mut latin1 = br#"{"error":false,"reason":"r","data":"#.to_vec();
        latin1.extend_from_slice(&[b'"', 0xe9, b'"', b'}']);
        assert_eq!(plain_data_span(ep("get_conversation"), 200, &latin1), None);
    }

    #[test]
    fn messages_keep_their_206() {
        let d = dec(
            "get_messages_in_conversation",
            206,
            r#"{"error":false,"reason":"resolved","data":[]}"#,
        )
        .unwrap();
        assert_eq!(d.status, 206);
    }
}
