//! The types of the body fields the catalog knows, so that a known field of the wrong type is
//! refused before sending (`invalid_param` naming `body.<field>`). Fields it does not know pass:
//! the API grows, and an object body is sent as the caller gives it.
//!
//! Read from `bodies.txt`, written by `cargo run -p xtask -- codegen` from the
//! catalog's shapes (`shapes.json`, the official clients' types with the conflicts decided), one
//! line per endpoint with a typed body: `index|variant;variant`, the index being the endpoint's
//! position in the catalog, a variant `field=code,field=code`, a code `s` (string), `i` (whole
//! number), `n` (number), `b` (boolean) or `e:a/b/c` (one of those strings); arrays and objects
//! are not checked (their rows would cost the browser build about 0.4 KB gzipped). Several variants are told apart by their `type` enum (the message types). Text, not
//! structs, for the browser build's size (measured in docs/BENCHMARKS.md): the same rows in both
//! builds.

use crate::json::{Map, Value};

/// The rules, scanned in place at each check (about a hundred short lines): no table is built, so
/// the browser build carries the text and a few lines of code, nothing more.
const RULES: &str = include_str!("bodies.txt");

fn matches(code: &str, value: &Value) -> bool {
    match (code, value) {
        ("s", Value::String(_)) | ("b", Value::Bool(_)) | ("n", Value::Number(_)) => true,
        ("i", Value::Number(n)) => {
            n.as_i64().is_some()
                || n.as_u64().is_some()
                || crate::decimal::parse_finite(n.as_str()).is_some_and(|f| f.fract() == 0.0)
        }
        (code, Value::String(s)) => {
            code.strip_prefix("e:").is_some_and(|values| values.split('/').any(|v| v == s))
        }
        _ => false,
    }
}

fn expected(code: &str) -> String {
    match code {
        "s" => "must be a string".into(),
        "i" => "must be a whole number".into(),
        "n" => "must be a number".into(),
        "b" => "must be true or false".into(),
        // `e:a/b/c`: the values as they are, `/` between them.
        _ => ["must be one of ", code.strip_prefix("e:").unwrap_or(code)].concat(),
    }
}

/// A variant's fields as `(name, code)`.
fn fields(variant: &str) -> impl Iterator<Item = (&str, &str)> {
    variant.split(',').filter_map(|f| f.split_once('='))
}

/// The first known field of `body` whose value has the wrong type, as `(param, message)`.
pub(crate) fn check(index: usize, body: &Map) -> Option<(String, String)> {
    let line = RULES.lines().find_map(|l| {
        let (i, rest) = l.split_once('|')?;
        // The index in decimal, read without `str::parse` (smaller in the browser build).
        let n = i.bytes().fold(0usize, |n, b| n * 10 + usize::from(b.wrapping_sub(b'0')));
        (n == index).then_some(rest)
    })?;
    let mut variants = line.split(';');
    let variant = if line.contains(';') {
        // Told apart by `type`: a message body's fields depend on its message type.
        let tag = body.get("type")?;
        let tagged = |v: &&str| fields(v).any(|(name, code)| name == "type" && matches(code, tag));
        // A type the catalog does not know: Crisp answers for it (the types and the MCP schemas
        // already list the known ones).
        variants.find(tagged)?
    } else {
        line
    };
    fields(variant).find_map(|(name, code)| match body.get(name) {
        None | Some(Value::Null) => None,
        Some(v) if matches(code, v) => None,
        Some(_) => Some((["body.", name].concat(), expected(code))),
    })
}
