//! `website.conversation`: conversations, their messages and their state, and the events the writes
//! cause (`message:*`, `session:*`), built here from the state each write leaves.

use serde_json::{Value, json};

use super::search::{date_param, filters_match, json_query};
use super::{
    ApiError, Call, R, Reply, conv, conv_mut, done, exists, find_by, generic, keys, ok, ok_raw,
    page_of, per_page, str_list, strings, tally,
};
use crate::store::{Conv, Store};

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn read(s: &Store, call: &Call) -> R {
    let page = call.page();
    match call.endpoint.id {
        "list_conversations" => list_conversations(s, call),
        "get_conversation" => ok_raw(conv(s, call)?.to_json().to_owned()),
        "check_conversation_exists" => exists(s.conv(call.p("sessionID")).is_some()),
        "get_conversation_metas" => ok(conv(s, call)?.c["meta"].clone()),
        "get_conversation_state" => ok(json!({"state": conv(s, call)?.c["state"]})),
        "get_conversation_routing_assign" => ok(json!({"assigned": conv(s, call)?.c["assigned"]})),
        "get_block_status_for_conversation" => {
            ok(json!({"blocked": conv(s, call)?.c["is_blocked"]}))
        }
        "get_verify_status_for_conversation" => {
            ok(json!({"verified": conv(s, call)?.c["is_verified"]}))
        }
        "get_conversation_participants" => {
            ok(json!({"participants": conv(s, call)?.c["participants"]}))
        }
        "get_conversation_relations" => {
            let c = conv(s, call)?;
            ok(json!({"people": c.c["people_id"], "inbox": c.c["inbox_id"]}))
        }
        "get_messages_in_conversation" => messages_page(s, call),
        "get_message_in_conversation" => {
            let c = conv(s, call)?;
            let fp = call.p("fingerprint");
            let n = fingerprint(call)?;
            c.messages
                .iter()
                .find(|m| m["fingerprint"].as_u64() == Some(n))
                .map_or_else(|| Err(ApiError::not_found("message", fp)), |m| ok(m.clone()))
        }
        "get_original_message_in_conversation" => {
            conv(s, call)?;
            ok(json!({
                "original_id": call.p("originalID"),
                "type": "text/html",
                "headers": {},
                "content": "<p>Original email content</p>",
            }))
        }
        "list_conversation_pages" => ok(page_of(conv(s, call)?.pages.iter().cloned(), page, 20)),
        "list_conversation_events" => ok(page_of(conv(s, call)?.events.iter().cloned(), page, 20)),
        "list_conversation_files" => {
            let files = conv(s, call)?.messages.iter().filter(|m| m["type"] == "file").map(|m| {
                json!({
                    "name": m["content"]["name"],
                    "type": m["content"]["type"],
                    "url": m["content"]["url"],
                    "from": m["from"],
                    "timestamp": m["timestamp"],
                    "fingerprint": m["fingerprint"],
                })
            });
            ok(page_of(files, page, 20))
        }
        "list_browsing_sessions_for_conversation" => {
            ok(Value::Array(conv(s, call)?.browsing.clone()))
        }
        "get_ongoing_call_session_for_conversation" => {
            conv(s, call)?;
            Err(ApiError::new(404, "not_found", "no ongoing call in this conversation"))
        }
        "list_spam_conversations" => ok(page_of(s.spams.iter().cloned(), page, 20)),
        "resolve_spam_conversation_content" => {
            let sp = find_by(&s.spams, "spam_id", call.p("spamID"), "spam")?;
            ok(json!({
                "spam_id": sp["spam_id"],
                "content": {"text": "Limited offer!!! Click here to claim your prize."},
                "headers": {"Subject": "You won"},
            }))
        }
        "list_suggested_conversation_segments" => ok(page_of(
            tally(s.conversations.iter().flat_map(|c| strings(&c.c["meta"]["segments"])))
                .into_iter()
                .map(|(k, n)| json!({"segment": k, "count": n})),
            page,
            20,
        )),
        "list_suggested_conversation_data_keys" => ok(page_of(
            tally(s.conversations.iter().flat_map(|c| keys(&c.c["meta"]["data"])))
                .into_iter()
                .map(|(k, n)| json!({"key": k, "count": n})),
            page,
            20,
        )),
        _ => generic::read(s, call),
    }
}

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.id {
        "create_new_conversation" => {
            let session_id = format!("session_{}", s.uuid());
            let c = json!({
                "session_id": session_id, "website_id": s.website_id, "people_id": null,
                "inbox_id": null, "state": "pending", "status": 0, "is_verified": false,
                "is_blocked": false, "availability": "offline",
                "active": {"now": false, "last": now}, "last_message": "", "topic": null,
                "participants": [], "mentions": [], "compose": {},
                "updated_at": now, "created_at": now, "waiting_since": null,
                "unread": {"operator": 0, "visitor": 0}, "assigned": {},
                "meta": {
                    "nickname": format!("visitor{}", s.rng.u16(1000..9999)), "email": null,
                    "phone": null, "address": null, "subject": null, "ip": null, "data": {},
                    "avatar": null, "origin": "chat", "device": {"geolocation": {}}, "segments": [],
                },
            });
            s.conversations.insert(
                0,
                Conv {
                    c: crate::seed::into_map(c),
                    messages: Vec::new(),
                    pages: Vec::new(),
                    events: Vec::new(),
                    browsing: Vec::new(),
                    json: std::sync::OnceLock::new(),
                },
            );
            s.reindex();
            Ok(Reply {
                status: 201,
                reason: "added",
                data: json!({"session_id": session_id}),
                raw: None,
                events: Vec::new(),
            })
        }
        "remove_conversation" => {
            let session_id = call.p("sessionID");
            let i = *s
                .conv_index
                .get(session_id)
                .ok_or_else(|| ApiError::not_found("conversation", session_id))?;
            let removed = s.conversations.remove(i);
            s.reindex();
            let inbox = removed.c.get("inbox_id").cloned().unwrap_or(Value::Null);
            let event =
                json!({"website_id": s.website_id, "session_id": session_id, "inbox_id": inbox});
            Ok(done(call, json!({}))?.with("session:removed", event))
        }
        "send_message_in_conversation" => send_message(s, call, now),
        "update_message_in_conversation" => {
            let content = call
                .obj()
                .get("content")
                .cloned()
                .ok_or_else(|| ApiError::invalid("body.content", "is required"))?;
            let fp = call.p("fingerprint").to_owned();
            let n = fingerprint(call)?;
            let c = conv_mut(s, call)?;
            let m = c
                .messages
                .iter_mut()
                .find(|m| m["fingerprint"].as_u64() == Some(n))
                .ok_or_else(|| ApiError::not_found("message", &fp))?;
            m["content"] = content.clone();
            m["edited"] = Value::Bool(true);
            let event = session_event(s, call, json!({"fingerprint": n, "content": content}));
            Ok(done(call, json!({}))?.with("message:updated", event))
        }
        "remove_message_in_conversation" => {
            let fp = call.p("fingerprint").to_owned();
            let n = fingerprint(call)?;
            let c = conv_mut(s, call)?;
            let before = c.messages.len();
            c.messages.retain(|m| m["fingerprint"].as_u64() != Some(n));
            if before == c.messages.len() {
                return Err(ApiError::not_found("message", &fp));
            }
            let event = session_event(s, call, json!({"fingerprint": n}));
            Ok(done(call, json!({}))?.with("message:removed", event))
        }
        "change_conversation_state" => {
            let state = call.req_str("state")?.to_owned();
            if !["pending", "unresolved", "resolved"].contains(&state.as_str()) {
                return Err(ApiError::invalid(
                    "body.state",
                    "must be pending, unresolved or resolved",
                ));
            }
            let before = state_of(s, call);
            set_state(conv_mut(s, call)?, &state, now);
            Ok(state_changed(done(call, json!({}))?, s, call, before.as_deref()))
        }
        "update_conversation_metas" => {
            let metas = call.obj().clone();
            let c = conv_mut(s, call)?;
            for (k, v) in metas {
                match k.as_str() {
                    "nickname" | "email" | "phone" | "address" | "subject" | "ip" | "avatar"
                    | "origin"
                        if !(v.is_string() || v.is_null()) =>
                    {
                        return Err(ApiError::invalid(&format!("body.{k}"), "must be a string"));
                    }
                    "segments" => {
                        str_list(Some(&v), "body.segments")?;
                    }
                    "data" if !v.is_object() => {
                        return Err(ApiError::invalid("body.data", "must be an object"));
                    }
                    _ => {}
                }
                if k == "data"
                    && let (Some(new), Some(Value::Object(old))) =
                        (v.as_object(), c.c.get_mut("meta").and_then(|m| m.get_mut("data")))
                {
                    old.extend(new.clone());
                    continue;
                }
                c.c["meta"][k.as_str()] = v;
            }
            c.c["updated_at"] = now.into();
            done(call, json!({}))
        }
        "assign_conversation_routing" => {
            let user = match call.obj().get("assigned") {
                Some(Value::Object(a)) => match a.get("user_id") {
                    Some(Value::String(u)) => Some(u.clone()),
                    None | Some(Value::Null) => None,
                    Some(_) => {
                        return Err(ApiError::invalid(
                            "body.assigned.user_id",
                            "must be a string or null",
                        ));
                    }
                },
                None | Some(Value::Null) => None,
                Some(_) => {
                    return Err(ApiError::invalid("body.assigned", "must be an object {user_id}"));
                }
            };
            if let Some(u) = &user
                && !s.operator_ids().contains(&u.as_str())
            {
                return Err(ApiError::not_found("operator", u));
            }
            let c = conv_mut(s, call)?;
            c.c["assigned"] = user.map_or_else(|| json!({}), |u| json!({"user_id": u}));
            done(call, json!({}))
        }
        "block_incoming_messages_for_conversation" => {
            let b = call
                .bool_field("blocked")?
                .ok_or_else(|| ApiError::invalid("body.blocked", "is required"))?;
            conv_mut(s, call)?.c["is_blocked"] = b.into();
            let event = session_event(s, call, json!({"is_blocked": b}));
            Ok(done(call, json!({}))?.with("session:set_block", event))
        }
        "update_verify_status_for_conversation" => {
            let b = call
                .bool_field("verified")?
                .ok_or_else(|| ApiError::invalid("body.verified", "is required"))?;
            conv_mut(s, call)?.c["is_verified"] = b.into();
            let event = session_event(s, call, json!({"is_verified": b, "verifications": []}));
            Ok(done(call, json!({}))?.with("session:update_verify", event))
        }
        "update_conversation_inbox" => {
            let inbox = call.str_field("inbox_id")?.map(str::to_owned);
            if let Some(i) = &inbox
                && !s.inboxes.iter().any(|x| x["inbox_id"] == i.as_str())
            {
                return Err(ApiError::not_found("inbox", i));
            }
            let c = conv_mut(s, call)?;
            let previous = c.c.get("inbox_id").cloned().unwrap_or(Value::Null);
            c.c["inbox_id"] = inbox.into();
            let event = session_event(s, call, json!({"previous_inbox_id": previous}));
            Ok(done(call, json!({}))?.with("session:set_inbox", event))
        }
        "mark_messages_read_in_conversation" => {
            let from = call.req_str("from")?.to_owned();
            let c = conv_mut(s, call)?;
            let reader = if from == "operator" { "operator" } else { "visitor" };
            c.c["unread"][reader] = 0.into();
            for m in &mut c.messages {
                if m["from"] != from.as_str() {
                    m["read"] = "chat".into();
                }
            }
            done(call, json!({}))
        }
        "mark_conversation_as_unread" => {
            let from = call.str_field("from")?.unwrap_or("operator").to_owned();
            let c = conv_mut(s, call)?;
            let reader = if from == "operator" { "operator" } else { "visitor" };
            let n = c.c["unread"][reader].as_u64().unwrap_or(0).max(1);
            c.c["unread"][reader] = n.into();
            done(call, json!({}))
        }
        "save_conversation_participants" => {
            let p = call.obj().get("participants").cloned().unwrap_or_else(|| json!([]));
            if !p.is_array() {
                return Err(ApiError::invalid(
                    "body.participants",
                    "must be an array of {type, target}",
                ));
            }
            conv_mut(s, call)?.c["participants"] = p;
            done(call, json!({}))
        }
        "compose_message_in_conversation" => {
            let reply = generic::write(s, call)?;
            let event = compose_event(s, call, now);
            Ok(reply.with("message:compose:receive", event))
        }
        "update_conversation_open_state" => {
            let open = call.bool_field("opened")?.unwrap_or(true);
            conv_mut(s, call)?.c["active"]["now"] = open.into();
            done(call, json!({}))
        }
        _ => generic::write(s, call),
    }
}

fn fingerprint(call: &Call) -> Result<u64, ApiError> {
    call.p("fingerprint")
        .parse()
        .map_err(|_| ApiError::invalid("fingerprint", "must be a whole number"))
}

fn list_conversations(s: &Store, call: &Call) -> R {
    let per = per_page(call);
    let start = date_param(call, "filter_date_start")?;
    let end = date_param(call, "filter_date_end")?;
    let search = json_query(call, "search_query")?;
    let search_type = call.q("search_type").unwrap_or("text");
    let or = call.q("search_operator") == Some("or");
    let mut out: Vec<&Conv> = Vec::new();
    for c in &s.conversations {
        let o = &c.c;
        if c.messages.is_empty() && !call.flag("include_empty") {
            continue;
        }
        if call.q("filter_inbox_id").is_some_and(|i| o["inbox_id"] != i)
            || (call.flag("filter_unread") && o["unread"]["operator"].as_u64().unwrap_or(0) == 0)
            || (call.flag("filter_resolved") && o["state"] != "resolved")
            || (call.flag("filter_not_resolved") && o["state"] == "resolved")
            || (call.flag("filter_mention") && o["mentions"].as_array().is_none_or(Vec::is_empty))
            || call.q("filter_assigned").is_some_and(|u| o["assigned"]["user_id"] != u)
            || (call.flag("filter_unassigned") && !o["assigned"]["user_id"].is_null())
        {
            continue;
        }
        let updated = c.updated_at();
        if start.is_some_and(|t| updated < t) || end.is_some_and(|t| updated > t) {
            continue;
        }
        let hit = match (search_type, &search) {
            (_, Value::Null) => true,
            ("text", q) => {
                let q = q.as_str().map_or_else(|| q.to_string(), str::to_lowercase);
                let has = |v: &Value| v.as_str().is_some_and(|t| t.to_lowercase().contains(&q));
                has(&o["meta"]["nickname"])
                    || has(&o["meta"]["email"])
                    || has(&o["topic"])
                    || c.messages.iter().any(|m| has(&m["content"]))
            }
            ("segment", q) => {
                let wanted = match q {
                    Value::String(x) => vec![x.clone()],
                    v => strings(v),
                };
                let segs = strings(&o["meta"]["segments"]);
                if or {
                    wanted.iter().any(|w| segs.contains(w))
                } else {
                    wanted.iter().all(|w| segs.contains(w))
                }
            }
            ("filter", q) => filters_match(&Value::Object(o.clone()), q, or)?,
            (other, _) => {
                return Err(ApiError::invalid(
                    "query.search_type",
                    format!("`{other}` is not one of text, segment, filter"),
                ));
            }
        };
        if hit {
            out.push(c);
        }
    }
    if call.flag("order_date_created") {
        out.sort_by_key(|c| std::cmp::Reverse(c.c["created_at"].as_u64()));
    } else if call.flag("order_date_waiting") {
        out.sort_by_key(|c| c.c["waiting_since"].as_u64().unwrap_or(u64::MAX));
    }
    let mut raw = String::from("[");
    for (i, c) in out.iter().skip((call.page() - 1).saturating_mul(per)).take(per).enumerate() {
        if i > 0 {
            raw.push(',');
        }
        raw.push_str(c.to_json());
    }
    raw.push(']');
    ok_raw(raw)
}

/// Message history: the 20 messages before `timestamp_before` (or the latest 20), oldest first;
/// 206 while older messages remain, 200 at the end.
fn messages_page(s: &Store, call: &Call) -> R {
    const BATCH: usize = 20;
    let c = conv(s, call)?;
    let ts = |m: &Value| m["timestamp"].as_u64().unwrap_or(0);
    let num = |name: &str| call.q(name).and_then(|v| v.parse::<u64>().ok());
    let all = &c.messages;
    let (slice, more) = if let Some(after) = num("timestamp_after") {
        let from = all.partition_point(|m| ts(m) <= after);
        let end = (from + BATCH).min(all.len());
        (&all[from..end], from > 0)
    } else if let Some(around) = num("timestamp_around") {
        let mid = all.partition_point(|m| ts(m) < around);
        let from = mid.saturating_sub(BATCH / 2);
        (&all[from..(from + BATCH).min(all.len())], from > 0)
    } else {
        let end = num("timestamp_before").map_or(all.len(), |b| all.partition_point(|m| ts(m) < b));
        let from = end.saturating_sub(BATCH);
        (&all[from..end], from > 0)
    };
    Ok(Reply {
        status: if more { 206 } else { 200 },
        reason: "resolved",
        data: Value::Array(slice.to_vec()),
        raw: None,
        events: Vec::new(),
    })
}

/// A conversation event's payload: `{website_id, session_id, inbox_id}` (the inbox as the write
/// left it) and `extra`'s fields.
fn session_event(s: &Store, call: &Call, extra: Value) -> Value {
    let session_id = call.p("sessionID");
    let inbox = s.conv(session_id).and_then(|c| c.c.get("inbox_id").cloned());
    let mut base = json!({
        "website_id": s.website_id,
        "session_id": session_id,
        "inbox_id": inbox.unwrap_or(Value::Null),
    });
    if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
        b.extend(e);
    }
    base
}

/// The conversation's state, read before a write that may change it.
fn state_of(s: &Store, call: &Call) -> Option<String> {
    s.conv(call.p("sessionID"))?.c.get("state")?.as_str().map(str::to_owned)
}

/// The reply, with `session:set_state` when the write moved the state away from `before`.
fn state_changed(reply: Reply, s: &Store, call: &Call, before: Option<&str>) -> Reply {
    let now = s.conv(call.p("sessionID")).and_then(|c| c.c.get("state")).and_then(Value::as_str);
    match now {
        Some(now) if before != Some(now) => {
            let event = session_event(s, call, json!({"state": now}));
            reply.with("session:set_state", event)
        }
        _ => reply,
    }
}

/// `message:compose:receive`: an operator (the first one) typing, with the body's type and excerpt.
fn compose_event(s: &Store, call: &Call, now: u64) -> Value {
    let mut e = json!({
        "type": call.body.get("type").cloned().unwrap_or_else(|| "start".into()),
        "timestamp": now,
    });
    if let Some(x) = call.body.get("excerpt") {
        e["excerpt"] = x.clone();
    }
    if let Some(op) = s.operators.first() {
        e["user"] = json!({
            "user_id": op["details"]["user_id"],
            "nickname": format!(
                "{} {}",
                op["details"]["first_name"].as_str().unwrap_or(""),
                op["details"]["last_name"].as_str().unwrap_or("")
            ),
        });
    }
    session_event(s, call, e)
}

pub(super) fn set_state(c: &mut Conv, state: &str, now: u64) {
    c.c["state"] = state.into();
    c.c["status"] = match state {
        "pending" => 0,
        "unresolved" => 1,
        _ => 2,
    }
    .into();
    c.c["updated_at"] = now.into();
    if state == "resolved" {
        c.c["waiting_since"] = Value::Null;
        c.c["unread"]["operator"] = 0.into();
    }
}

const MESSAGE_TYPES: &[&str] =
    &["text", "file", "animation", "audio", "carousel", "note", "picker", "field", "event"];

#[allow(clippy::too_many_lines)] // validation, then the message and its effects on the conversation
fn send_message(s: &mut Store, call: &Call, now: u64) -> R {
    let ty = call.req_str("type")?.to_owned();
    if !MESSAGE_TYPES.contains(&ty.as_str()) {
        return Err(ApiError::invalid(
            "body.type",
            format!("must be one of {}", MESSAGE_TYPES.join(", ")),
        ));
    }
    let from = call.req_str("from")?.to_owned();
    if from != "user" && from != "operator" {
        return Err(ApiError::invalid("body.from", "must be user or operator"));
    }
    let origin = call.req_str("origin")?.to_owned();
    let content = call
        .obj()
        .get("content")
        .cloned()
        .ok_or_else(|| ApiError::invalid("body.content", "is required"))?;
    match (ty.as_str(), &content) {
        ("text" | "note", Value::String(t)) if !t.is_empty() => {}
        ("text" | "note", _) => {
            return Err(ApiError::invalid("body.content", "must be a non-empty string"));
        }
        (_, Value::Object(_)) => {}
        _ => {
            return Err(ApiError::invalid(
                "body.content",
                format!("must be an object for type `{ty}`"),
            ));
        }
    }
    let fingerprint = match call.obj().get("fingerprint") {
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| ApiError::invalid("body.fingerprint", "must be a whole number"))?,
        None | Some(Value::Null) => s.fingerprint(),
        Some(_) => return Err(ApiError::invalid("body.fingerprint", "must be a whole number")),
    };
    let website_id = s.website_id.clone();
    let ops: Vec<(String, String)> = s
        .operators
        .iter()
        .map(|o| {
            (
                o["details"]["user_id"].as_str().unwrap_or("").to_owned(),
                format!(
                    "{} {}",
                    o["details"]["first_name"].as_str().unwrap_or(""),
                    o["details"]["last_name"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    let given_user = call.obj().get("user").cloned();
    let mentions = call.obj().get("mentions").cloned().unwrap_or_else(|| json!([]));
    let before = state_of(s, call);
    let c = conv_mut(s, call)?;
    let user = match (given_user, from.as_str()) {
        (Some(u @ Value::Object(_)), _) => u,
        (_, "operator") => {
            let assigned = c.c["assigned"]["user_id"].as_str().unwrap_or(&ops[0].0).to_owned();
            let name = ops
                .iter()
                .find(|(id, _)| *id == assigned)
                .map_or_else(|| ops[0].1.clone(), |(_, n)| n.clone());
            json!({"user_id": assigned, "nickname": name, "avatar": null})
        }
        _ => {
            json!({"user_id": c.session_id(), "nickname": c.c["meta"]["nickname"], "avatar": null})
        }
    };
    let message = json!({
        "session_id": c.session_id(), "website_id": website_id, "type": ty, "from": from,
        "origin": origin, "content": content, "fingerprint": fingerprint, "timestamp": now,
        "user": user, "stamped": true, "read": "", "delivered": "", "mentions": mentions,
        "edited": false,
    });
    // The event carries the message as sent, without what only the stored copy tracks.
    let mut sent = message.clone();
    if let Value::Object(o) = &mut sent {
        for private in ["read", "delivered", "edited"] {
            o.remove(private);
        }
    }
    let event = if from == "user" { "message:send" } else { "message:received" };
    c.messages.push(message);
    if ty == "text" {
        c.c["last_message"] = c.messages.last().map_or(Value::Null, |m| m["content"].clone());
    }
    c.c["updated_at"] = now.into();
    if ty != "note" {
        if from == "user" {
            let n = c.c["unread"]["operator"].as_u64().unwrap_or(0) + 1;
            c.c["unread"]["operator"] = n.into();
            if c.c["state"] == "resolved" {
                set_state(c, "unresolved", now);
            }
            c.c["waiting_since"] = now.into();
        } else {
            let n = c.c["unread"]["visitor"].as_u64().unwrap_or(0) + 1;
            c.c["unread"]["visitor"] = n.into();
            if c.c["state"] == "pending" {
                set_state(c, "unresolved", now);
            }
            c.c["waiting_since"] = Value::Null;
        }
    }
    // Keep "most recently updated first".
    if let Some(i) = s.conv_index.get(call.p("sessionID")).copied()
        && i > 0
    {
        let c = s.conversations.remove(i);
        s.conversations.insert(0, c);
        s.reindex();
    }
    let reply = Reply {
        status: 202,
        reason: "dispatched",
        data: json!({"fingerprint": fingerprint}),
        raw: None,
        events: Vec::new(),
    }
    .with(event, session_event(s, call, sent));
    Ok(state_changed(reply, s, call, before.as_deref()))
}
