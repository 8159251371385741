//! The browser build's catalog: the table read from `packed.txt` (one line per endpoint, written
//! by `cargo run -p xtask -- codegen` from `table.rs`; its format is in crates/xtask/src/packed.rs)
//! at first use. The table's structs point into strings scattered through the data section, which
//! gzips poorly; this text is half the gzipped size. The test below checks that it reads back to
//! exactly [`super::table::ENDPOINTS`], so both builds serve the same catalog.
//!
//! Most titles are the id in title case, and most doc lines the title's verb in the third person:
//! the text leaves those fields empty and [`implied_title`] and [`implied_doc`] write them.

#[cfg(any(target_arch = "wasm32", test))]
use std::sync::{LazyLock, OnceLock};

use super::Status;
#[cfg(any(target_arch = "wasm32", test))]
use super::{Body, Endpoint, Group, Method, Paging, QueryParam, QueryType};

/// What a legacy helpdesk route's doc line ends with.
const DEPRECATED: &str = " Deprecated: old helpdesk route, kept for accounts not yet migrated to the new Knowledge Base.";

/// The title an id implies: `get_conversation` is `Get Conversation`.
#[must_use]
pub fn implied_title(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut word_start = true;
    for c in id.chars() {
        if c == '_' {
            out.push(' ');
        } else {
            out.push(if word_start { c.to_ascii_uppercase() } else { c });
        }
        word_start = c == '_';
    }
    out
}

/// The doc line a title implies: `Get Conversation` is `Gets conversation.` (and a legacy
/// helpdesk route says it is deprecated).
#[must_use]
pub fn implied_doc(title: &str, status: Status) -> String {
    let (verb, rest) = title.split_once(' ').unwrap_or((title, ""));
    let mut out = verb.to_owned();
    if verb.ends_with(['s', 'x']) || verb.ends_with("sh") || verb.ends_with("ch") {
        out.push_str("es");
    } else if let Some(stem) =
        verb.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        out.truncate(stem.len());
        out.push_str("ies");
    } else {
        out.push('s');
    }
    if !rest.is_empty() {
        out.push(' ');
        out.push_str(rest);
    }
    out.make_ascii_lowercase();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out.push('.');
    if status == Status::LegacyHelpdesk {
        out.push_str(DEPRECATED);
    }
    out
}

/// The packed text's lines, one per endpoint, in id order (split at first use).
#[cfg(any(target_arch = "wasm32", test))]
static LINES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| include_str!("packed.txt").lines().collect());

/// Each line read into its endpoint when first asked for. A call needs one endpoint: reading all
/// 265 rows (titles and doc lines written out) before the first call cost the Node wasm backend's
/// cold start about 3 ms of unoptimised wasm.
#[cfg(any(target_arch = "wasm32", test))]
static ROWS: LazyLock<Vec<OnceLock<Endpoint>>> =
    LazyLock::new(|| LINES.iter().map(|_| OnceLock::new()).collect());

/// The position of the endpoint `id` (a binary search on the lines' ids).
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) fn index(id: &str) -> Option<usize> {
    LINES.binary_search_by(|line| line.split_once('|').map_or(*line, |(own, _)| own).cmp(id)).ok()
}

/// The endpoint at a position, read from its line the first time.
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) fn at(index: usize) -> Option<&'static Endpoint> {
    let line = LINES.get(index)?;
    Some(ROWS[index].get_or_init(|| row(line)))
}

/// The whole catalog (for the listing), every row read.
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) static ENDPOINTS: LazyLock<Vec<Endpoint>> =
    LazyLock::new(|| (0..LINES.len()).filter_map(at).copied().collect());

#[cfg(any(target_arch = "wasm32", test))]
/// The `n`th item of `all` (an enum's `ALL`, in declaration order), counting from the character
/// `zero`; the first one if out of range (never, for the text codegen writes).
fn pick<T: Copy>(all: &[T], code: Option<&u8>, zero: u8) -> T {
    let n = usize::from(code.map_or(0, |c| c.wrapping_sub(zero)));
    all.get(n).copied().unwrap_or(all[0])
}

#[cfg(any(target_arch = "wasm32", test))]
/// A slice that lives as long as the catalog (the catalog is read once and never freed).
fn forever<T>(items: Vec<T>) -> &'static [T] {
    if items.is_empty() { &[] } else { Box::leak(items.into_boxed_slice()) }
}

#[cfg(any(target_arch = "wasm32", test))]
fn forever_str(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[cfg(any(target_arch = "wasm32", test))]
fn query_param(item: &'static str) -> QueryParam {
    let mut parts = item.split('~');
    let item = parts.next().unwrap_or("");
    // Digits read by hand: `str::parse` would be new code in the browser build.
    let mut bound =
        || parts.next().map(|n| n.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')));
    let range = bound().zip(bound());
    let (name, ty) = item.split_at(item.len().saturating_sub(1));
    let ty = ty.as_bytes().first().copied().unwrap_or(b's');
    QueryParam {
        name,
        ty: match ty.to_ascii_lowercase() {
            b'i' => QueryType::Int,
            b'n' => QueryType::Number,
            b'b' => QueryType::Bool,
            b'j' => QueryType::Json,
            _ => QueryType::Str,
        },
        required: ty.is_ascii_uppercase(),
        range,
    }
}

#[cfg(any(target_arch = "wasm32", test))]
fn row(line: &'static str) -> Endpoint {
    let mut fields = line.split('|');
    let mut next = || fields.next().unwrap_or("");
    let (id, title, doc) = (next(), next(), next());
    let title = if title.is_empty() { forever_str(implied_title(id)) } else { title };
    let group = pick(Group::ALL, next().as_bytes().first(), b'a');
    let method = pick(Method::ALL, next().as_bytes().first(), b'0');
    let path = next();
    let query = next();
    let query =
        if query.is_empty() { &[] } else { forever(query.split(',').map(query_param).collect()) };
    let body = next();
    let body = match body.split_at(body.len().min(1)) {
        ("=", name) => Body::Object(name),
        ("+", "") => Body::Fields(&[]),
        ("+", list) => Body::Fields(forever(list.split(',').collect())),
        _ => Body::None,
    };
    let flags = next().as_bytes();
    let status = pick(Status::ALL, flags.get(1), b'0');
    Endpoint {
        id,
        title,
        doc: if doc.is_empty() { forever_str(implied_doc(title, status)) } else { doc },
        group,
        method,
        path,
        query,
        body,
        write: flags.first() == Some(&b'1'),
        status,
        paging: pick(Paging::ALL, flags.get(2), b'0'),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn packed_text_reads_back_to_the_table() {
        let packed = &*super::ENDPOINTS;
        assert_eq!(packed.len(), super::super::table::ENDPOINTS.len());
        for (p, t) in packed.iter().zip(super::super::table::ENDPOINTS) {
            assert_eq!(format!("{p:?}"), format!("{t:?}"));
        }
    }

    #[test]
    fn rows_are_found_and_read_one_at_a_time() {
        let table = super::super::table::ENDPOINTS;
        // Backwards, so that rows are read out of order, each before the whole list is.
        for (i, t) in table.iter().enumerate().rev() {
            assert_eq!(super::index(t.id), Some(i), "{}", t.id);
            assert_eq!(format!("{:?}", super::at(i).unwrap()), format!("{t:?}"));
        }
        for miss in ["", "a", "zzz", "get_conversationx", "get_conversatio", "get_conversation|"] {
            assert_eq!(super::index(miss), None, "{miss}");
        }
        assert!(super::at(table.len()).is_none());
    }
}
