//! The website itself: `website.base`, `.operator`, `.inbox`, `.teams`, `.settings`,
//! `.availability` and `.verify`.

use serde_json::{Value, json};

use super::{ApiError, Call, R, Reply, done, exists, find_by, generic, ok, page_of};
use crate::store::Store;

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn read(s: &Store, call: &Call) -> R {
    let page = call.page();
    match call.endpoint.id {
        "get_website" => ok(s.website.clone()),
        "get_website_settings" => ok(s.settings.clone()),
        "list_website_operators" => ok(Value::Array(s.operators.clone())),
        "get_website_operator" => {
            let id = call.p("userID");
            let found = s.operators.iter().find(|o| o["details"]["user_id"] == id);
            found.map_or_else(|| Err(ApiError::not_found("operator", id)), |o| ok(o.clone()))
        }
        "list_last_active_website_operators" => ok(Value::Array(
            s.operators
                .iter()
                .take(3)
                .map(|o| {
                    json!({
                        "user_id": o["details"]["user_id"],
                        "avatar": o["details"]["avatar"],
                        "nickname": full_name(o),
                        "timestamp": crate::seed::BASE_MS,
                    })
                })
                .collect(),
        )),
        "list_website_operator_availabilities" => ok(Value::Array(
            s.operators
                .iter()
                .map(|o| {
                    json!({
                        "user_id": o["details"]["user_id"],
                        "type": o["details"]["availability"],
                        "time": {"for": 0, "since": crate::seed::BASE_MS},
                    })
                })
                .collect(),
        )),
        "get_website_availability_status" => ok(json!({
            "status": "online",
            "since": crate::seed::BASE_MS,
        })),
        "list_inboxes" => ok(page_of(s.inboxes.iter().cloned(), page, 20)),
        "get_inbox" => ok(find_by(&s.inboxes, "inbox_id", call.p("inboxID"), "inbox")?.clone()),
        "check_inbox_exists" => {
            exists(s.inboxes.iter().any(|i| i["inbox_id"] == call.p("inboxID")))
        }
        "list_teams" => ok(page_of(s.teams.iter().cloned(), page, 20)),
        "get_team" => ok(find_by(&s.teams, "team_id", call.p("teamID"), "team")?.clone()),
        "check_team_exists" => exists(s.teams.iter().any(|i| i["team_id"] == call.p("teamID"))),
        "check_website_exists" => exists(call.q("domain") == s.website["domain"].as_str()),
        _ => generic::read(s, call),
    }
}

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.id {
        "create_new_inbox" => {
            let name = call.req_str("name")?.to_owned();
            let id = s.uuid();
            s.inboxes.push(json!({
                "inbox_id": id,
                "name": name,
                "emoji": call.obj().get("emoji"),
                "order": s.inboxes.len() + 1,
                "operators": call.obj().get("operators").cloned().unwrap_or_else(|| json!([])),
                "conditions": call.obj().get("conditions").cloned().unwrap_or_else(|| json!([])),
                "created_at": now,
                "updated_at": now,
            }));
            Ok(Reply {
                status: 201,
                reason: "added",
                data: json!({"inbox_id": id}),
                raw: None,
                events: Vec::new(),
            })
        }
        "save_inbox" => {
            let body = call.obj().clone();
            let id = call.p("inboxID");
            let i = s
                .inboxes
                .iter_mut()
                .find(|i| i["inbox_id"] == id)
                .ok_or_else(|| ApiError::not_found("inbox", id))?;
            for (k, v) in body {
                i[k.as_str()] = v;
            }
            i["inbox_id"] = id.into();
            i["updated_at"] = now.into();
            done(call, json!({}))
        }
        "delete_inbox" => {
            let id = call.p("inboxID");
            let n = s.inboxes.len();
            s.inboxes.retain(|i| i["inbox_id"] != id);
            if n == s.inboxes.len() {
                return Err(ApiError::not_found("inbox", id));
            }
            done(call, json!({}))
        }
        "update_website_settings" => {
            if let (Value::Object(old), Value::Object(new)) = (&mut s.settings, &call.body) {
                old.extend(new.clone());
            }
            done(call, json!({}))
        }
        _ => generic::write(s, call),
    }
}

/// An operator's first and last name, as Crisp's nickname.
fn full_name(o: &Value) -> String {
    let d = &o["details"];
    format!("{} {}", d["first_name"].as_str().unwrap_or(""), d["last_name"].as_str().unwrap_or(""))
}
