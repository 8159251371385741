//! The browser build's catalog: the table read from `packed.txt` (one line per endpoint, written
//! by `cargo run -p xtask -- codegen` from `table.rs`; its format is in crates/xtask/src/packed.rs)
//! at first use. The table's structs point into strings scattered through the data section, which
//! gzips poorly; this text is half the gzipped size. The test below checks that it reads back to
//! exactly [`super::table::ENDPOINTS`], so both builds serve the same catalog.

use std::sync::LazyLock;

use super::{Body, Endpoint, Group, Method, Paging, QueryParam, QueryType, Status};

/// The catalog, read once from the packed text.
pub(crate) static ENDPOINTS: LazyLock<Vec<Endpoint>> =
    LazyLock::new(|| include_str!("packed.txt").lines().map(row).collect());

const GROUPS: [Group; 21] = [
    Group::BucketUrl,
    Group::MediaAnimation,
    Group::PlanSubscription,
    Group::PluginConnect,
    Group::PluginSubscription,
    Group::Proxy,
    Group::WebsiteAnalytics,
    Group::WebsiteAvailability,
    Group::WebsiteBase,
    Group::WebsiteBatch,
    Group::WebsiteCampaign,
    Group::WebsiteConnect,
    Group::WebsiteConversation,
    Group::WebsiteHelpdesk,
    Group::WebsiteInbox,
    Group::WebsiteOperator,
    Group::WebsitePeople,
    Group::WebsiteSettings,
    Group::WebsiteTeams,
    Group::WebsiteVerify,
    Group::WebsiteVisitors,
];
const METHODS: [Method; 6] =
    [Method::Get, Method::Head, Method::Post, Method::Put, Method::Patch, Method::Delete];
const STATUSES: [Status; 3] = [Status::Current, Status::LegacyHelpdesk, Status::ClientLocal];
const PAGINGS: [Paging; 3] = [Paging::None, Paging::PageNumber, Paging::MessageCursor];

/// The `n`th item of `all`, counting from the character `zero`; the first one if out of range
/// (never, for the text codegen writes).
fn pick<T: Copy, const N: usize>(all: &[T; N], code: Option<&u8>, zero: u8) -> T {
    let n = usize::from(code.map_or(0, |c| c.wrapping_sub(zero)));
    all.get(n).copied().unwrap_or(all[0])
}

/// A slice that lives as long as the catalog (the catalog is read once and never freed).
fn forever<T>(items: Vec<T>) -> &'static [T] {
    if items.is_empty() { &[] } else { Box::leak(items.into_boxed_slice()) }
}

fn query_param(item: &'static str) -> QueryParam {
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
    }
}

fn row(line: &'static str) -> Endpoint {
    let mut fields = line.split('|');
    let mut next = || fields.next().unwrap_or("");
    let (id, title, doc) = (next(), next(), next());
    let group = pick(&GROUPS, next().as_bytes().first(), b'a');
    let method = pick(&METHODS, next().as_bytes().first(), b'0');
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
    Endpoint {
        id,
        title,
        doc,
        group,
        method,
        path,
        query,
        body,
        write: flags.first() == Some(&b'1'),
        status: pick(&STATUSES, flags.get(1), b'0'),
        paging: pick(&PAGINGS, flags.get(2), b'0'),
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
}
