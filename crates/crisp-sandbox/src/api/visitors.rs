//! `website.visitors`: visitors on the site and the block rules.

use serde_json::{Value, json};

use super::{Call, R, generic, ok, page_of};
use crate::store::{Conv, Store};

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn read(s: &Store, call: &Call) -> R {
    let page = call.page();
    match call.endpoint.id {
        "list_visitors" => ok(page_of(s.visitors.iter().cloned(), page, 20)),
        "count_visitors" => ok(json!({"count": s.visitors.len(), "active": s.visitors.len()})),
        "pinpoint_visitors_on_map" => ok(Value::Array(
            s.visitors
                .iter()
                .take(10)
                .map(|v| {
                    json!({
                        "visitors": {"count": 1, "threshold": 1, "sessions": [{
                            "session_id": v["session_id"],
                            "nickname": v["nickname"],
                            "active": true,
                        }]},
                        "coordinates": v["geolocation"]["coordinates"],
                        "city": v["geolocation"]["city"],
                        "country": v["geolocation"]["country"],
                    })
                })
                .collect(),
        )),
        "count_blocked_visitors" => {
            ok(json!([{"rule": ["ip_range"], "blocked": 2}, {"rule": ["country"], "blocked": 0}]))
        }
        "count_blocked_visitors_in_rule" => ok(json!({"rule": [call.p("rule")], "blocked": 0})),
        "get_session_identifier_from_token" => {
            ok(json!({"session_id": s.conversations.first().map(Conv::session_id)}))
        }
        _ => generic::read(s, call),
    }
}
