//! `website.people`: people profiles, their data, events and subscriptions, and the real-time events
//! creating and removing a profile cause (`people:profile:created` / `:removed`).

use serde_json::{Map, Value, json};

use super::search::{filters_match, json_query, lookup};
use super::{
    ApiError, Call, R, Reply, done, exists, generic, ok, page_of, per_page, person, person_mut,
    str_list, strings, tally,
};
use crate::store::{Person, Store};

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn read(s: &Store, call: &Call) -> R {
    let page = call.page();
    match call.endpoint.id {
        "list_people_profiles" => list_people(s, call),
        "get_people_profile" => ok(Value::Object(person(s, call)?.profile.clone())),
        "check_people_profile_exists" => exists(s.person(call.p("peopleID")).is_some()),
        "get_people_data" => ok(json!({"data": person(s, call)?.data})),
        "list_people_events" => {
            ok(page_of(person(s, call)?.events.iter().rev().cloned(), page, 20))
        }
        "get_people_subscription_status" => ok(json!({"email": person(s, call)?.subscribed})),
        "list_people_conversations" => {
            let p = person(s, call)?.id().to_owned();
            let ids =
                s.conversations.iter().filter(|c| c.c["people_id"] == p.as_str()).filter(|c| {
                    (!call.flag("filter_unread")
                        || c.c["unread"]["operator"].as_u64().unwrap_or(0) > 0)
                        && (!call.flag("filter_resolved") || c.c["state"] == "resolved")
                        && (!call.flag("filter_not_resolved") || c.c["state"] != "resolved")
                });
            ok(page_of(ids.map(|c| Value::from(c.session_id())), page, 20))
        }
        "list_people_campaigns" => {
            person(s, call)?;
            ok(page_of(
                s.campaigns.iter().take(2).map(|c| {
                    json!({
                        "campaign_id": c["campaign_id"],
                        "name": c["name"],
                        "opened": true,
                        "clicked": false,
                    })
                }),
                page,
                20,
            ))
        }
        "get_people_statistics" => ok(json!({"total": s.people.len()})),
        "list_suggested_people_segments" => ok(page_of(
            tally(s.people.iter().flat_map(|p| strings(&p.profile["segments"])))
                .into_iter()
                .map(|(k, n)| json!({"segment": k, "count": n})),
            page,
            20,
        )),
        "list_suggested_people_data_keys" => ok(page_of(
            tally(s.people.iter().flat_map(|p| p.data.keys().cloned()))
                .into_iter()
                .map(|(k, n)| json!({"key": k, "count": n})),
            page,
            20,
        )),
        "list_suggested_people_events" => ok(page_of(
            tally(s.people.iter().flat_map(|p| {
                p.events.iter().filter_map(|e| e["text"].as_str().map(str::to_owned))
            }))
            .into_iter()
            .map(|(k, n)| json!({"text": k, "count": n})),
            page,
            20,
        )),
        _ => generic::read(s, call),
    }
}

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.id {
        "add_new_people_profile" => {
            let email = call.req_str("email")?.to_owned();
            if !email.contains('@') {
                return Err(ApiError::invalid("body.email", "must be an email address"));
            }
            if s.people.iter().any(|p| p.profile["email"] == email.as_str()) {
                return Err(ApiError::new(
                    409,
                    "people_exists",
                    format!("a profile with email `{email}` exists"),
                ));
            }
            let person = call.obj().get("person").cloned().unwrap_or_else(|| json!({}));
            if !person.is_object() {
                return Err(ApiError::invalid("body.person", "must be an object"));
            }
            let segments = call.str_list("segments")?.unwrap_or_default();
            let id = s.uuid();
            let profile = json!({
                "people_id": id,
                "email": email,
                "person": person,
                "company": call.obj().get("company").cloned().unwrap_or_else(|| json!({})),
                "segments": segments,
                "notepad": null,
                "active": {"now": false, "last": now},
                "score": 0,
                "created_at": now,
                "updated_at": now,
            });
            s.people.insert(
                0,
                Person {
                    profile: crate::seed::into_map(profile),
                    data: Map::new(),
                    events: Vec::new(),
                    subscribed: true,
                },
            );
            s.reindex();
            let event = json!({"website_id": s.website_id, "people_id": id, "email": email});
            let reply = Reply {
                status: 201,
                reason: "added",
                data: json!({"people_id": id}),
                raw: None,
                events: Vec::new(),
            };
            Ok(reply.with("people:profile:created", event))
        }
        "save_people_profile" | "update_people_profile" => {
            let body = call.obj().clone();
            if let Some(e) = body.get("email")
                && !e.as_str().is_some_and(|e| e.contains('@'))
            {
                return Err(ApiError::invalid("body.email", "must be an email address"));
            }
            if let Some(seg) = body.get("segments") {
                str_list(Some(seg), "body.segments")?;
            }
            let replace = call.endpoint.id == "save_people_profile";
            let p = person_mut(s, call)?;
            for (k, v) in body {
                if matches!(k.as_str(), "people_id" | "created_at") {
                    continue;
                }
                match (p.profile.get_mut(&k), v) {
                    (Some(Value::Object(old)), Value::Object(new)) if !replace => old.extend(new),
                    (_, v) => {
                        p.profile.insert(k, v);
                    }
                }
            }
            p.profile.insert("updated_at".into(), now.into());
            done(call, json!({}))
        }
        "remove_people_profile" => {
            let i = s
                .person_index(call.p("peopleID"))
                .ok_or_else(|| ApiError::not_found("people profile", call.p("peopleID")))?;
            s.people.remove(i);
            s.reindex();
            let event = json!({"website_id": s.website_id, "people_id": call.p("peopleID")});
            Ok(done(call, json!({}))?.with("people:profile:removed", event))
        }
        "save_people_data" | "update_people_data" => {
            // `{}` is an object: an empty (or absent) data object clears on save and changes
            // nothing on update, as Crisp does; only a data that is not an object is refused.
            let data = match call.obj().get("data") {
                Some(Value::Object(d)) => d.clone(),
                None | Some(Value::Null) => Map::new(),
                Some(_) => return Err(ApiError::invalid("body.data", "must be an object")),
            };
            let replace = call.endpoint.id == "save_people_data";
            let p = person_mut(s, call)?;
            if replace {
                p.data = data;
            } else {
                p.data.extend(data);
            }
            done(call, json!({}))
        }
        "add_people_event" => {
            let text = call.req_str("text")?.to_owned();
            let data = call.obj().get("data").cloned().unwrap_or_else(|| json!({}));
            let color = call.str_field("color")?.unwrap_or("grey").to_owned();
            person_mut(s, call)?
                .events
                .push(json!({"text": text, "data": data, "color": color, "timestamp": now}));
            Ok(Reply {
                status: 200,
                reason: "added",
                data: json!({}),
                raw: None,
                events: Vec::new(),
            })
        }
        "update_people_subscription_status" => {
            let b = call
                .bool_field("email")?
                .ok_or_else(|| ApiError::invalid("body.email", "is required (true or false)"))?;
            person_mut(s, call)?.subscribed = b;
            done(call, json!({}))
        }
        _ => generic::write(s, call),
    }
}

fn list_people(s: &Store, call: &Call) -> R {
    let per = per_page(call);
    let filter = json_query(call, "search_filter")?;
    let or = call.q("search_operator") == Some("or");
    let text = call.q("search_text").map(str::to_lowercase);
    let field = call.q("sort_field").unwrap_or("created_at");
    if !["nickname", "email", "created_at", "updated_at", "active", "score"].contains(&field)
        && !field.contains('.')
    {
        return Err(ApiError::invalid(
            "query.sort_field",
            "must be one of nickname, email, created_at, updated_at, active, score",
        ));
    }
    let descending = match call.q("sort_order").unwrap_or("descending") {
        "descending" | "desc" => true,
        "ascending" | "asc" => false,
        other => {
            return Err(ApiError::invalid(
                "query.sort_order",
                format!("`{other}` is not ascending or descending"),
            ));
        }
    };
    let mut out: Vec<&Person> = Vec::new();
    for p in &s.people {
        let v = &p.profile;
        if let Some(t) = &text {
            let has = |x: &Value| x.as_str().is_some_and(|s| s.to_lowercase().contains(t));
            let company = v.get("company").map_or(&Value::Null, |c| &c["name"]);
            let nickname = v.get("person").map_or(&Value::Null, |c| &c["nickname"]);
            if !(v.get("email").is_some_and(has) || has(nickname) || has(company)) {
                continue;
            }
        }
        if !filter.is_null() {
            // Only filtered lists pay for a copy: the criteria may name `data.*`.
            let mut target = Value::Object(v.clone());
            target["data"] = Value::Object(p.data.clone());
            if !filters_match(&target, &filter, or)? {
                continue;
            }
        }
        out.push(p);
    }
    let key = |p: &Person| -> Value {
        let v = &p.profile;
        let top = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
        match field {
            "nickname" => v.get("person").map_or(Value::Null, |x| x["nickname"].clone()),
            // `active` is `{now, last}`: sorted by when the person was last active.
            "active" => v.get("active").map_or(Value::Null, |a| a["last"].clone()),
            "email" | "created_at" | "updated_at" | "score" => top(field),
            f => {
                let (head, rest) = f.split_once('.').unwrap_or((f, ""));
                let root = if head == "data" { Value::Object(p.data.clone()) } else { top(head) };
                if rest.is_empty() { root } else { lookup(&root, rest).clone() }
            }
        }
    };
    let mut keyed: Vec<(Value, &Person)> = out.into_iter().map(|p| (key(p), p)).collect();
    keyed.sort_by(|(x, _), (y, _)| match (x.as_f64(), y.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => x.as_str().unwrap_or("").to_lowercase().cmp(&y.as_str().unwrap_or("").to_lowercase()),
    });
    if descending {
        keyed.reverse();
    }
    ok(page_of(keyed.into_iter().map(|(_, p)| Value::Object(p.profile.clone())), call.page(), per))
}
