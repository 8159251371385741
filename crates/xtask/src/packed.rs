//! crates/crisp-core/src/catalog/packed.txt: the catalog as one line of text per endpoint, which
//! the browser build reads at first use instead of linking the table's structs (pointers into
//! scattered strings gzip poorly; the wasm budget is 60 KB gzipped). crisp-core's tests check that
//! it reads back to exactly the table.
//!
//! A line: `id|title|doc|group|method|path|query|body|write status paging`, where group, method,
//! status and paging are their declaration indexes as one character (`a`+ for the group, digits
//! for the rest); query is `name` + type letter (`sinbj`, upper case when required) + `~min~max`
//! when the value has a range, comma-joined;
//! body is empty (none), `=name` (an object) or `+field,field` (fields). A title or doc that
//! crisp-core's `implied_title` or `implied_doc` would write is left empty.

use std::fmt::Write as _;

use crisp_core::catalog::packed::{implied_doc, implied_title};
use crisp_core::catalog::{Body, QueryType};

pub const PATH: &str = "crates/crisp-core/src/catalog/packed.txt";

pub fn render() -> String {
    let mut out = String::new();
    for e in crisp_core::ENDPOINTS {
        let query: Vec<String> = e
            .query
            .iter()
            .map(|q| {
                let ty = match q.ty {
                    QueryType::Str => 's',
                    QueryType::Int => 'i',
                    QueryType::Number => 'n',
                    QueryType::Bool => 'b',
                    QueryType::Json => 'j',
                };
                let range = q.range.map(|(min, max)| format!("~{min}~{max}")).unwrap_or_default();
                let ty = if q.required { ty.to_ascii_uppercase() } else { ty };
                format!("{}{ty}{range}", q.name)
            })
            .collect();
        let body = match e.body {
            Body::None => String::new(),
            Body::Object(name) => format!("={name}"),
            Body::Fields(fields) => format!("+{}", fields.join(",")),
        };
        let _ = writeln!(
            out,
            "{}|{}|{}|{}|{}|{}|{}|{}|{}{}{}",
            e.id,
            if implied_title(e.id) == e.title { "" } else { e.title },
            if implied_doc(e.title, e.status) == e.doc { "" } else { e.doc },
            char::from(b'a' + e.group as u8),
            e.method as u8,
            e.path,
            query.join(","),
            body,
            u8::from(e.write),
            e.status as u8,
            e.paging as u8,
        );
    }
    out
}
