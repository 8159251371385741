//! `website.batch`: the batch operations on conversations and people.

use serde_json::json;

use super::conversation::set_state;
use super::{Call, R, Reply, generic, str_list};
use crate::store::Store;

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.id {
        "batch_resolve_conversations"
        | "batch_unresolve_conversations"
        | "batch_read_conversations"
        | "batch_unread_conversations"
        | "batch_remove_conversations"
        | "batch_block_conversations" => {
            let ids = call.str_list("sessions")?.unwrap_or_default();
            for id in &ids {
                let Some(c) = s.conv_mut(id) else { continue };
                match call.endpoint.id {
                    "batch_resolve_conversations" => set_state(c, "resolved", now),
                    "batch_unresolve_conversations" => set_state(c, "unresolved", now),
                    "batch_read_conversations" => c.c["unread"]["operator"] = 0.into(),
                    "batch_unread_conversations" => c.c["unread"]["operator"] = 1.into(),
                    "batch_block_conversations" => c.c["is_blocked"] = true.into(),
                    _ => c.c["state"] = "removed".into(),
                }
            }
            if call.endpoint.id == "batch_remove_conversations" {
                s.conversations.retain(|c| c.c["state"] != "removed");
                s.reindex();
            }
            Ok(Reply {
                status: 202,
                reason: "processing",
                data: json!({"sessions": ids.len()}),
                raw: None,
                events: Vec::new(),
            })
        }
        "batch_remove_people" => {
            let ids =
                str_list(call.obj().get("people").map(|p| &p["profiles"]), "body.people.profiles")?
                    .unwrap_or_default();
            s.people.retain(|p| !ids.iter().any(|i| i == p.id()));
            s.reindex();
            Ok(Reply {
                status: 202,
                reason: "processing",
                data: json!({"people": ids.len()}),
                raw: None,
                events: Vec::new(),
            })
        }
        _ => generic::write(s, call),
    }
}
