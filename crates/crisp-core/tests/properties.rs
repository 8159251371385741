//! Properties over generated input: no id ever leaves its path segment, and decoding arbitrary
//! bytes never panics.

use crisp_core::{CallOptions, Client, Config, ENDPOINTS, ResponseHeaders, Status};
use proptest::prelude::*;
use serde_json::{Value, json};

/// serde_json's value as crisp-core's own.
fn core(v: &Value) -> crisp_core::json::Value {
    crisp_core::json::parse(&v.to_string()).unwrap()
}

fn client() -> Client {
    let config = Config::from_value(&core(&json!({
        "identifier": "id", "key": "key", "websiteId": "web", "baseUrl": "https://api.crisp.chat/v1/"
    })))
    .unwrap();
    Client::new(&config).unwrap()
}

/// Percent-decodes one URL path segment (crisp-core always encodes `%`, so every escape is whole).
fn decode_segment(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Whatever the id, the URL keeps the template's segment count and decodes back to the id,
    /// or the build is refused naming the parameter.
    #[test]
    fn ids_never_escape_their_segment(id in any::<String>(), pick in 0usize..1000) {
        let e = ENDPOINTS.iter().filter(|e| e.status != Status::ClientLocal && e.path.contains("{sessionID}"))
            .nth(pick % 51).unwrap();
        let mut params = serde_json::Map::new();
        for (p, kind) in e.path_kinds() {
            let value = match kind {
                _ if p == "sessionID" => json!(id.clone()),
                crisp_core::PathKind::Page | crisp_core::PathKind::Integer => json!(1),
                _ => json!("x"),
            };
            params.insert(p.to_owned(), value);
        }
        if let crisp_core::Body::Object(_) = e.body { params.insert("body".into(), json!({})); }
        let c = client();
        match c.build(e.id, &core(&Value::Object(params)), CallOptions::default()) {
            Ok(req) => {
                let path = req.url.strip_prefix("https://api.crisp.chat/v1/").unwrap();
                prop_assert!(!path.contains(['?', '#']), "{}", req.url);
                let segments: Vec<&str> = path.split('/').collect();
                let template: Vec<&str> = e.path.split('/').filter(|s| !s.is_empty()).collect();
                prop_assert_eq!(segments.len(), template.len(), "{}", req.url);
                let at = template.iter().position(|s| *s == "{sessionID}").unwrap();
                prop_assert_eq!(decode_segment(segments[at]), id);
            }
            Err(err) => {
                prop_assert_eq!(err.code(), "invalid_param");
                prop_assert_eq!(err.param(), Some("sessionID"));
            }
        }
    }

    /// Ids made of the characters that matter most.
    #[test]
    fn nasty_ids_never_escape(id in "[./?#%\\\\a\\x00-\\x1f\\x7f é]{0,12}") {
        let c = client();
        match c.build("get_conversation", &core(&json!({"sessionID": id})), CallOptions::default()) {
            Ok(req) => {
                let last = req.url.rsplit('/').next().unwrap();
                prop_assert_eq!(req.url.matches('/').count(), "https://api.crisp.chat/v1/website/web/conversation/x".matches('/').count());
                prop_assert_eq!(decode_segment(last), id);
            }
            Err(err) => prop_assert_eq!(err.param(), Some("sessionID")),
        }
    }

    /// Decoding arbitrary bytes with any status never panics, for any endpoint.
    #[test]
    fn decoding_arbitrary_bytes_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512), status in 100u16..600, pick in 0usize..265) {
        let e = &ENDPOINTS[pick % ENDPOINTS.len()];
        let _ = client().decode(e.id, status, &ResponseHeaders::default(), &body);
    }

    /// Bytes that look almost like JSON envelopes, the likeliest to reach deep decoding paths.
    #[test]
    fn decoding_envelope_like_text_never_panics(s in r#"\{("error":(true|false|1|null),?)?("reason":("[a-z_]*"|1|\[\]),?)?("data":(\{\}|\[|"x"|null|\[\{"timestamp":-1\}\]))?\}?"#, status in 100u16..600) {
        let c = client();
        let _ = c.decode("get_messages_in_conversation", status, &ResponseHeaders::default(), s.as_bytes());
        let _ = c.decode("check_conversation_exists", status, &ResponseHeaders::from_pairs([("retry-after", s.as_str())]), s.as_bytes());
    }
}

#[test]
fn deeply_nested_and_huge_bodies_are_errors_not_crashes() {
    let c = client();
    let deep = "[".repeat(100_000);
    let e = c
        .decode("get_conversation", 200, &ResponseHeaders::default(), deep.as_bytes())
        .unwrap_err();
    assert_eq!(e.code(), "invalid_response");
    let huge = vec![b' '; crisp_core::response::MAX_BODY_BYTES + 1];
    let e = c.decode("get_conversation", 200, &ResponseHeaders::default(), &huge).unwrap_err();
    assert_eq!(e.code(), "invalid_response");
}
