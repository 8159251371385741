//! The `/v1/` endpoints: validation against the catalog, then a handler per stateful endpoint and
//! a well-formed envelope for every other one.

use std::sync::RwLock;

use crisp_core::{Body, Endpoint, Method, Paging, QueryType};
use serde_json::{Map, Value, json};

use crate::store::{Conv, Person, Store};

/// One decoded API call.
pub struct Call {
    pub endpoint: &'static Endpoint,
    pub params: Vec<(&'static str, String)>,
    pub query: Vec<(String, String)>,
    /// The JSON body (`Null` when none was sent).
    pub body: Value,
}

/// A successful answer.
pub struct Reply {
    pub status: u16,
    pub reason: &'static str,
    pub data: Value,
    /// `data` already serialized (used instead of `data` when set).
    pub raw: Option<String>,
}

/// A refusal, answered as `{error: true, reason, data: {message, param?}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub reason: &'static str,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, reason, message: message.into(), param: None }
    }

    pub fn invalid(param: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: 400,
            reason: "invalid_data",
            message: format!("`{param}` {message}"),
            param: Some(param.to_owned()),
        }
    }

    pub fn not_found(what: &str, id: &str) -> ApiError {
        ApiError::new(404, "not_found", format!("{what} `{id}` not found"))
    }

    pub fn data(&self) -> Value {
        let mut d = json!({"namespace": if self.status == 400 { "request" } else { "response" }, "message": self.message});
        if let Some(p) = &self.param {
            d["param"] = Value::from(p.clone());
        }
        d
    }
}

type R = Result<Reply, ApiError>;

#[allow(clippy::unnecessary_wraps)] // the handlers' shape: `return ok(..)` reads like `Err(..)`
fn ok(data: Value) -> R {
    Ok(Reply { status: 200, reason: "resolved", data, raw: None })
}

#[allow(clippy::unnecessary_wraps)] // as `ok`
fn ok_raw(json: String) -> R {
    Ok(Reply { status: 200, reason: "resolved", data: Value::Null, raw: Some(json) })
}

#[allow(clippy::unnecessary_wraps)] // as `ok`
fn done(call: &Call, data: Value) -> R {
    let reason = match call.endpoint.method {
        Method::Post => "added",
        Method::Delete => "deleted",
        _ => "updated",
    };
    Ok(Reply { status: 200, reason, data, raw: None })
}

impl Call {
    pub fn p(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
    }

    pub fn q(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.q(name), Some("1" | "true"))
    }

    fn page(&self) -> usize {
        self.p("pageNumber").parse().unwrap_or(1)
    }

    fn obj(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        self.body.as_object().unwrap_or(&EMPTY)
    }

    fn str_field(&self, key: &str) -> Result<Option<&str>, ApiError> {
        match self.obj().get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::invalid(&format!("body.{key}"), "must be a string")),
        }
    }

    fn req_str(&self, key: &str) -> Result<&str, ApiError> {
        self.str_field(key)?.ok_or_else(|| ApiError::invalid(&format!("body.{key}"), "is required"))
    }

    fn bool_field(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.obj().get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(&format!("body.{key}"), "must be true or false")),
        }
    }

    fn str_list(&self, key: &str) -> Result<Option<Vec<String>>, ApiError> {
        str_list(self.obj().get(key), &format!("body.{key}"))
    }
}

fn str_list(v: Option<&Value>, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::invalid(name, "must be an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::invalid(name, "must be an array of strings")),
    }
}

/// Extra query parameters the sandbox accepts beyond the catalog's.
fn extra_query(id: &str) -> &'static [(&'static str, QueryType)] {
    match id {
        // Crisp's people list takes `per_page` like the conversation list (20..50).
        "list_people_profiles" => &[("per_page", QueryType::Int)],
        _ => &[],
    }
}

/// Checks path, query and body against the catalog entry.
///
/// # Errors
/// A 400 naming the parameter at fault, or 404 for another website.
pub fn validate(call: &Call, website_id: &str) -> Result<(), ApiError> {
    let e = call.endpoint;
    for (name, value) in &call.params {
        if value.is_empty() {
            return Err(ApiError::invalid(name, "must not be empty"));
        }
        if *name == "pageNumber" && !value.parse::<u32>().is_ok_and(|n| n >= 1) {
            return Err(ApiError::invalid(
                name,
                format!("must be a whole number, 1 or more (got `{value}`)"),
            ));
        }
        if *name == "websiteID" && value != website_id {
            return Err(ApiError::not_found("website", value));
        }
    }
    for (name, value) in &call.query {
        let ty = match e.query_param(name) {
            Some(q) => q.ty,
            None => {
                if let Some((_, ty)) = extra_query(e.id).iter().find(|(n, _)| n == name) {
                    *ty
                } else {
                    let known: Vec<String> =
                        e.query.iter().map(|q| format!("`{}`", q.name)).collect();
                    let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                    return Err(ApiError::invalid(
                        &format!("query.{name}"),
                        format!("is not a parameter of `{}` (takes: {known})", e.id),
                    ));
                }
            }
        };
        let param = format!("query.{name}");
        match ty {
            QueryType::Int if value.parse::<i64>().is_err() => {
                return Err(ApiError::invalid(&param, "must be a whole number"));
            }
            QueryType::Number if !value.parse::<f64>().is_ok_and(f64::is_finite) => {
                return Err(ApiError::invalid(&param, "must be a number"));
            }
            QueryType::Bool if !matches!(value.as_str(), "0" | "1" | "true" | "false") => {
                return Err(ApiError::invalid(&param, "must be 1 or 0"));
            }
            QueryType::Json
                if (value.starts_with('[') || value.starts_with('{'))
                    && serde_json::from_str::<Value>(value).is_err() =>
            {
                return Err(ApiError::invalid(&param, "is not valid JSON"));
            }
            _ => {}
        }
    }
    for q in e.query.iter().filter(|q| q.required) {
        if call.q(q.name).is_none() {
            return Err(ApiError::invalid(&format!("query.{}", q.name), "is required"));
        }
    }
    for name in ["per_page"] {
        if let Some(v) = call.q(name)
            && !v.parse::<u32>().is_ok_and(|n| (20..=50).contains(&n))
        {
            return Err(ApiError::invalid(&format!("query.{name}"), "must be between 20 and 50"));
        }
    }
    match (e.body, &call.body) {
        (Body::Fields(fields), Value::Object(map)) => {
            if let Some(k) = map.keys().find(|k| !fields.contains(&k.as_str())) {
                let allowed: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
                return Err(ApiError::invalid(
                    &format!("body.{k}"),
                    format!("is not a field of `{}` (takes: {})", e.id, allowed.join(", ")),
                ));
            }
        }
        (Body::Fields(_), Value::Null) | (Body::None, _) => {}
        (Body::Fields(_), _) => return Err(ApiError::invalid("body", "must be a JSON object")),
        (Body::Object(name), Value::Null) => {
            return Err(ApiError::invalid("body", format!("is required (the `{name}` object)")));
        }
        (Body::Object(name), v) if !v.is_object() && !v.is_array() => {
            return Err(ApiError::invalid(
                "body",
                format!("must be a JSON object (the `{name}` object)"),
            ));
        }
        (Body::Object(_), _) => {}
    }
    Ok(())
}

/// Picks between endpoints sharing a method and path by the body's keys.
pub fn pick(candidates: &[&'static Endpoint], body: &Value) -> &'static Endpoint {
    if candidates.len() == 1 {
        return candidates[0];
    }
    let keys: Vec<&str> =
        body.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    // The Fields entry that names a key the others lack wins; then one that holds every key.
    for e in candidates {
        if let Body::Fields(fields) = e.body {
            let distinctive = keys.iter().any(|k| {
                fields.contains(k)
                    && candidates.iter().all(|o| {
                        o.id == e.id || !matches!(o.body, Body::Fields(f) if f.contains(k))
                    })
            });
            let covers = keys.iter().all(|k| fields.contains(k));
            if covers && (distinctive || keys.is_empty()) {
                return e;
            }
        }
    }
    candidates.iter().find(|e| matches!(e.body, Body::Object(_))).copied().unwrap_or(candidates[0])
}

/// Answers a validated call.
pub fn handle(store: &RwLock<Store>, call: &Call, now: u64) -> R {
    if call.endpoint.write {
        let mut s = store.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        write(&mut s, call, now)
    } else {
        let s = store.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        read(&s, call)
    }
}

fn page_of(items: impl IntoIterator<Item = Value>, page: usize, per_page: usize) -> Value {
    Value::Array(
        items.into_iter().skip((page - 1).saturating_mul(per_page)).take(per_page).collect(),
    )
}

fn per_page(call: &Call) -> usize {
    call.q("per_page").and_then(|v| v.parse().ok()).unwrap_or(20)
}

fn conv<'a>(s: &'a Store, call: &Call) -> Result<&'a Conv, ApiError> {
    let id = call.p("sessionID");
    s.conv(id).ok_or_else(|| ApiError::not_found("conversation", id))
}

fn conv_mut<'a>(s: &'a mut Store, call: &Call) -> Result<&'a mut Conv, ApiError> {
    let id = call.p("sessionID");
    s.conv_mut(id).ok_or_else(|| ApiError::not_found("conversation", id))
}

fn person<'a>(s: &'a Store, call: &Call) -> Result<&'a Person, ApiError> {
    let id = call.p("peopleID");
    s.person(id).ok_or_else(|| ApiError::not_found("people profile", id))
}

fn person_mut<'a>(s: &'a mut Store, call: &Call) -> Result<&'a mut Person, ApiError> {
    let id = call.p("peopleID");
    s.person_mut(id).ok_or_else(|| ApiError::not_found("people profile", id))
}

fn find_by<'a>(items: &'a [Value], key: &str, id: &str, what: &str) -> Result<&'a Value, ApiError> {
    items.iter().find(|v| v[key] == id).ok_or_else(|| ApiError::not_found(what, id))
}

fn exists(found: bool) -> R {
    if found { ok(Value::Null) } else { Err(ApiError::new(404, "not_found", "not found")) }
}

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
fn read(s: &Store, call: &Call) -> R {
    let page = call.page();
    match call.endpoint.id {
        // Conversations.
        "list_conversations" => list_conversations(s, call),
        "get_conversation" => ok_raw(conv(s, call)?.to_json().to_owned()),
        "check_conversation_exists" => exists(s.conv(call.p("sessionID")).is_some()),
        "get_conversation_metas" => ok(conv(s, call)?.c["meta"].clone()),
        "get_conversation_state" => ok(json!({"state": conv(s, call)?.c["state"]})),
        "get_conversation_routing_assign" => ok(json!({"assigned": conv(s, call)?.c["assigned"]})),
        "get_block_status_for_conversation" => ok(json!({"blocked": conv(s, call)?.c["is_blocked"]})),
        "get_verify_status_for_conversation" => ok(json!({"verified": conv(s, call)?.c["is_verified"]})),
        "get_conversation_participants" => ok(json!({"participants": conv(s, call)?.c["participants"]})),
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
            ok(json!({"original_id": call.p("originalID"), "type": "text/html", "headers": {}, "content": "<p>Original email content</p>"}))
        }
        "list_conversation_pages" => ok(page_of(conv(s, call)?.pages.iter().cloned(), page, 20)),
        "list_conversation_events" => ok(page_of(conv(s, call)?.events.iter().cloned(), page, 20)),
        "list_conversation_files" => {
            let files = conv(s, call)?.messages.iter().filter(|m| m["type"] == "file").map(|m| {
                json!({"name": m["content"]["name"], "type": m["content"]["type"], "url": m["content"]["url"], "from": m["from"], "timestamp": m["timestamp"], "fingerprint": m["fingerprint"]})
            });
            ok(page_of(files, page, 20))
        }
        "list_browsing_sessions_for_conversation" => ok(Value::Array(conv(s, call)?.browsing.clone())),
        "get_ongoing_call_session_for_conversation" => {
            conv(s, call)?;
            Err(ApiError::new(404, "not_found", "no ongoing call in this conversation"))
        }
        "list_spam_conversations" => ok(page_of(s.spams.iter().cloned(), page, 20)),
        "resolve_spam_conversation_content" => {
            let sp = find_by(&s.spams, "spam_id", call.p("spamID"), "spam")?;
            ok(json!({"spam_id": sp["spam_id"], "content": "Limited offer!!! Click here to claim your prize.", "headers": {"Subject": "You won"}}))
        }
        "list_suggested_conversation_segments" => ok(page_of(tally(s.conversations.iter().flat_map(|c| strings(&c.c["meta"]["segments"]))).into_iter().map(|(k, n)| json!({"segment": k, "count": n})), page, 20)),
        "list_suggested_conversation_data_keys" => ok(page_of(tally(s.conversations.iter().flat_map(|c| keys(&c.c["meta"]["data"]))).into_iter().map(|(k, n)| json!({"key": k, "count": n})), page, 20)),
        // People.
        "list_people_profiles" => list_people(s, call),
        "get_people_profile" => ok(Value::Object(person(s, call)?.profile.clone())),
        "check_people_profile_exists" => exists(s.person(call.p("peopleID")).is_some()),
        "get_people_data" => ok(json!({"data": person(s, call)?.data})),
        "list_people_events" => ok(page_of(person(s, call)?.events.iter().rev().cloned(), page, 20)),
        "get_people_subscription_status" => ok(json!({"email": person(s, call)?.subscribed})),
        "list_people_conversations" => {
            let p = person(s, call)?.id().to_owned();
            let ids = s.conversations.iter().filter(|c| c.c["people_id"] == p.as_str()).filter(|c| {
                (!call.flag("filter_unread") || c.c["unread"]["operator"].as_u64().unwrap_or(0) > 0)
                    && (!call.flag("filter_resolved") || c.c["state"] == "resolved")
                    && (!call.flag("filter_not_resolved") || c.c["state"] != "resolved")
            });
            ok(page_of(ids.map(|c| Value::from(c.session_id())), page, 20))
        }
        "list_people_campaigns" => {
            person(s, call)?;
            ok(page_of(s.campaigns.iter().take(2).map(|c| json!({"campaign_id": c["campaign_id"], "name": c["name"], "opened": true, "clicked": false})), page, 20))
        }
        "get_people_statistics" => ok(json!({"total": s.people.len()})),
        "list_suggested_people_segments" => ok(page_of(tally(s.people.iter().flat_map(|p| strings(&p.profile["segments"]))).into_iter().map(|(k, n)| json!({"segment": k, "count": n})), page, 20)),
        "list_suggested_people_data_keys" => ok(page_of(tally(s.people.iter().flat_map(|p| p.data.keys().cloned())).into_iter().map(|(k, n)| json!({"key": k, "count": n})), page, 20)),
        "list_suggested_people_events" => ok(page_of(tally(s.people.iter().flat_map(|p| p.events.iter().filter_map(|e| e["text"].as_str().map(str::to_owned)))).into_iter().map(|(k, n)| json!({"text": k, "count": n})), page, 20)),
        // Website, operators, inboxes, teams.
        "get_website" => ok(s.website.clone()),
        "get_website_settings" => ok(s.settings.clone()),
        "list_website_operators" => ok(Value::Array(s.operators.clone())),
        "get_website_operator" => {
            let id = call.p("userID");
            s.operators.iter().find(|o| o["details"]["user_id"] == id).map_or_else(|| Err(ApiError::not_found("operator", id)), |o| ok(o.clone()))
        }
        "list_last_active_website_operators" => ok(Value::Array(s.operators.iter().take(3).map(|o| json!({"user_id": o["details"]["user_id"], "avatar": o["details"]["avatar"], "nickname": format!("{} {}", o["details"]["first_name"].as_str().unwrap_or(""), o["details"]["last_name"].as_str().unwrap_or("")), "timestamp": crate::seed::BASE_MS})).collect())),
        "list_website_operator_availabilities" => ok(Value::Array(s.operators.iter().map(|o| json!({"user_id": o["details"]["user_id"], "type": o["details"]["availability"], "time": {"for": 0, "since": crate::seed::BASE_MS}})).collect())),
        "get_website_availability_status" => ok(json!({"status": "online", "since": crate::seed::BASE_MS})),
        "list_inboxes" => ok(page_of(s.inboxes.iter().cloned(), page, 20)),
        "get_inbox" => ok(find_by(&s.inboxes, "inbox_id", call.p("inboxID"), "inbox")?.clone()),
        "check_inbox_exists" => exists(s.inboxes.iter().any(|i| i["inbox_id"] == call.p("inboxID"))),
        "list_teams" => ok(page_of(s.teams.iter().cloned(), page, 20)),
        "get_team" => ok(find_by(&s.teams, "team_id", call.p("teamID"), "team")?.clone()),
        "check_team_exists" => exists(s.teams.iter().any(|i| i["team_id"] == call.p("teamID"))),
        "check_website_exists" => exists(call.q("domain") == s.website["domain"].as_str()),
        // Campaigns.
        "list_campaigns" => {
            let name = call.q("search_name").map(str::to_lowercase);
            let items = s.campaigns.iter().filter(|c| name.as_ref().is_none_or(|n| c["name"].as_str().unwrap_or("").to_lowercase().contains(n))).filter(|c| call.q("filter_tag").is_none_or(|t| strings(&c["tags"]).iter().any(|x| x == t)));
            ok(page_of(items.cloned(), page, 20))
        }
        "get_campaign" => ok(find_by(&s.campaigns, "campaign_id", call.p("campaignID"), "campaign")?.clone()),
        "check_campaign_exists" => exists(s.campaigns.iter().any(|c| c["campaign_id"] == call.p("campaignID"))),
        "list_campaign_recipients" => {
            let c = find_by(&s.campaigns, "campaign_id", call.p("campaignID"), "campaign")?;
            let seg = strings(&c["recipients"]["segments"]);
            let items = s.people.iter().filter(|p| strings(&p.profile["segments"]).iter().any(|x| seg.contains(x))).map(|p| json!({"people_id": p.id(), "email": p.profile["email"], "person": {"nickname": p.profile["person"]["nickname"]}}));
            ok(page_of(items, page, 20))
        }
        "list_campaign_statistics" => {
            let c = find_by(&s.campaigns, "campaign_id", call.p("campaignID"), "campaign")?;
            let n = c["statistics"][call.p("action")].as_u64().unwrap_or(0).min(30) as usize;
            ok(page_of(s.people.iter().take(n).map(|p| json!({"profile": {"people_id": p.id(), "email": p.profile["email"]}, "data": {}, "created_at": crate::seed::BASE_MS})), page, 20))
        }
        "list_campaign_tags" => ok(json!(["lifecycle", "marketing"])),
        "list_campaign_templates" => ok(page_of(s.templates.iter().cloned(), page, 20)),
        "get_campaign_template" => ok(find_by(&s.templates, "template_id", call.p("templateID"), "template")?.clone()),
        "check_campaign_template_exists" => exists(s.templates.iter().any(|c| c["template_id"] == call.p("templateID"))),
        // Visitors.
        "list_visitors" => ok(page_of(s.visitors.iter().cloned(), page, 20)),
        "count_visitors" => ok(json!({"count": s.visitors.len(), "active": s.visitors.len()})),
        "pinpoint_visitors_on_map" => ok(Value::Array(s.visitors.iter().take(10).map(|v| json!({"visitors": {"count": 1, "threshold": 1, "sessions": [v["session_id"]]}, "coordinates": v["geolocation"]["coordinates"], "city": v["geolocation"]["city"], "country": v["geolocation"]["country"]})).collect())),
        "count_blocked_visitors" => ok(json!([{"rule": "ip_range", "count": 2}, {"rule": "country", "count": 0}])),
        "count_blocked_visitors_in_rule" => ok(json!({"rule": call.p("rule"), "count": 0})),
        "get_session_identifier_from_token" => ok(json!({"session_id": s.conversations.first().map(Conv::session_id)})),
        // Helpdesk.
        "check_helpdesk_exists" => exists(s.helpdesk.is_some()),
        "resolve_helpdesk" => s.helpdesk.as_ref().map_or_else(|| Err(ApiError::not_found("helpdesk", &s.website_id)), |h| ok(h.info.clone())),
        "resolve_helpdesk_settings" => s.helpdesk.as_ref().map_or_else(|| Err(ApiError::not_found("helpdesk", &s.website_id)), |h| ok(h.settings.clone())),
        "resolve_helpdesk_domain" => s.helpdesk.as_ref().map_or_else(|| Err(ApiError::not_found("helpdesk", &s.website_id)), |h| ok(h.info["domain"].clone())),
        "list_helpdesk_locales" => {
            let items = s.helpdesk.iter().flat_map(|h| &h.locales).map(|l| json!({"locale": l.code, "name": l.name, "url": format!("https://help.northwind.studio/{}/", l.code), "articles": l.articles.len(), "categories": l.categories.len()}));
            ok(page_of(items, page, 20))
        }
        "resolve_helpdesk_locale" => {
            let l = locale(s, call)?;
            ok(json!({"locale": l.code, "name": l.name, "articles": l.articles.len(), "categories": l.categories.len()}))
        }
        "check_helpdesk_locale_exists" => exists(s.locale(call.p("locale")).is_some()),
        "list_helpdesk_locale_articles" => list_articles(s, call),
        "resolve_helpdesk_locale_article" => ok(article(s, call)?.clone()),
        "check_helpdesk_locale_article_exists" => exists(article(s, call).is_ok()),
        "resolve_helpdesk_locale_article_category" => ok(article(s, call)?["category"].clone()),
        "resolve_helpdesk_locale_article_page" => {
            let l = locale(s, call)?;
            let i = l.articles.iter().position(|a| a["article_id"] == call.p("articleId")).ok_or_else(|| ApiError::not_found("article", call.p("articleId")))?;
            ok(json!({"page": i / 20 + 1}))
        }
        "list_helpdesk_locale_categories" => ok(page_of(locale(s, call)?.categories.iter().cloned(), page, 20)),
        "resolve_helpdesk_locale_category" => ok(find_by(&locale(s, call)?.categories, "category_id", call.p("categoryId"), "category")?.clone()),
        "check_helpdesk_locale_category_exists" => exists(locale(s, call).is_ok_and(|l| l.categories.iter().any(|c| c["category_id"] == call.p("categoryId")))),
        "list_helpdesk_locale_sections" => {
            let l = locale(s, call)?;
            find_by(&l.categories, "category_id", call.p("categoryId"), "category")?;
            ok(page_of(l.sections.iter().filter(|x| x["category_id"] == call.p("categoryId")).cloned(), page, 20))
        }
        "resolve_helpdesk_locale_section" => ok(find_by(&locale(s, call)?.sections, "section_id", call.p("sectionId"), "section")?.clone()),
        "check_helpdesk_locale_section_exists" => exists(locale(s, call).is_ok_and(|l| l.sections.iter().any(|c| c["section_id"] == call.p("sectionId")))),
        "list_helpdesk_locale_article_alternates" => {
            article(s, call)?;
            ok(json!([]))
        }
        "check_helpdesk_locale_article_alternate_exists" => exists(false),
        "resolve_helpdesk_locale_article_alternate" => Err(ApiError::not_found("alternate", call.p("localeLinked"))),
        "list_helpdesk_redirections" => ok(page_of(s.helpdesk.iter().flat_map(|h| h.redirections.iter().cloned()), page, 20)),
        "resolve_helpdesk_redirection" => ok(find_by(s.helpdesk.as_ref().map_or(&[][..], |h| &h.redirections), "redirection_id", call.p("redirectionId"), "redirection")?.clone()),
        "check_helpdesk_redirection_exists" => exists(s.helpdesk.iter().flat_map(|h| &h.redirections).any(|r| r["redirection_id"] == call.p("redirectionId"))),
        "list_helpdesk_tree" => {
            let l = locale(s, call)?;
            let title = call.q("search_title").map(str::to_lowercase);
            let items = l.articles.iter().filter(|a| title.as_ref().is_none_or(|t| a["title"].as_str().unwrap_or("").to_lowercase().contains(t))).map(|a| json!({"type": "article", "path": a["url"], "title": a["title"], "entity_id": a["article_id"], "updated_at": a["updated_at"]}));
            ok(page_of(items, page, 20))
        }
        _ => generic_read(s, call),
    }
}

fn fingerprint(call: &Call) -> Result<u64, ApiError> {
    call.p("fingerprint")
        .parse()
        .map_err(|_| ApiError::invalid("fingerprint", "must be a whole number"))
}

fn locale<'a>(s: &'a Store, call: &Call) -> Result<&'a crate::store::Locale, ApiError> {
    s.locale(call.p("locale"))
        .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))
}

fn article<'a>(s: &'a Store, call: &Call) -> Result<&'a Value, ApiError> {
    find_by(&locale(s, call)?.articles, "article_id", call.p("articleId"), "article")
}

fn list_articles(s: &Store, call: &Call) -> R {
    let l = locale(s, call)?;
    let title = call.q("search_title").map(str::to_lowercase);
    let mut items: Vec<&Value> = l
        .articles
        .iter()
        .filter(|a| {
            title
                .as_ref()
                .is_none_or(|t| a["title"].as_str().unwrap_or("").to_lowercase().contains(t))
        })
        .filter(|a| call.q("filter_category_id").is_none_or(|c| a["category"]["category_id"] == c))
        .filter(|a| call.q("filter_section_id").is_none_or(|c| a["category"]["section_id"] == c))
        .filter(|a| !call.flag("filter_status_published") || a["status"] == "published")
        .filter(|a| !call.flag("filter_status_draft") || a["status"] == "draft")
        .collect();
    if call.flag("order_visits") {
        items.sort_by_key(|a| std::cmp::Reverse(a["visits"].as_u64()));
    }
    ok(page_of(items.into_iter().cloned(), call.page(), 20))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

fn tally(items: impl Iterator<Item = String>) -> Vec<(String, u64)> {
    let mut map = std::collections::BTreeMap::new();
    for i in items {
        *map.entry(i).or_insert(0u64) += 1;
    }
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Parses `2026-01-31` or `2026-01-31T10:00:00(.000)Z` into epoch milliseconds.
fn iso_ms(text: &str) -> Option<u64> {
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00:00Z"));
    let mut parts = date.split('-').map(str::parse::<i64>);
    let (y, m, day) = (parts.next()?.ok()?, parts.next()?.ok()?, parts.next()?.ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let time = time.split(['+']).next()?;
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next().unwrap_or("0").parse().ok()?;
    let sec: f64 = t.next().unwrap_or("0").parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = days * 86_400_000 + h * 3_600_000 + mi * 60_000 + (sec * 1000.0) as i64;
    u64::try_from(ms).ok()
}

fn date_param(call: &Call, name: &str) -> Result<Option<u64>, ApiError> {
    call.q(name)
        .map(|v| {
            iso_ms(v).ok_or_else(|| {
                ApiError::invalid(&format!("query.{name}"), "must be an ISO 8601 date")
            })
        })
        .transpose()
}

/// Looks a dotted path up in a JSON value (`meta.data.plan`).
fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

/// One `{criterion, operator, query}` filter of Crisp's search.
fn matches_filter(target: &Value, filter: &Value) -> Result<bool, ApiError> {
    let criterion = filter["criterion"]
        .as_str()
        .ok_or_else(|| ApiError::invalid("filter.criterion", "must be a string"))?;
    let operator = filter["operator"].as_str().unwrap_or("eq");
    let wanted: Vec<Value> = match &filter["query"] {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        v => vec![v.clone()],
    };
    let got = lookup(target, criterion);
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_lowercase);
    let has = |w: &Value| match got {
        Value::Array(items) => items.iter().any(|i| text(i) == text(w)),
        Value::String(s) => s.to_lowercase().contains(&text(w)),
        other => text(other) == text(w),
    };
    let num = |v: &Value| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    Ok(match operator {
        "eq" => wanted.iter().any(|w| text(got) == text(w) || (got.is_array() && has(w))),
        "neq" => wanted.iter().all(|w| text(got) != text(w) && !(got.is_array() && has(w))),
        "has" => wanted.iter().any(has),
        "hasnot" => !wanted.iter().any(has),
        "exists" => !got.is_null(),
        "notexists" => got.is_null(),
        "gt" | "gte" | "lt" | "lte" => {
            let (Some(g), Some(w)) = (num(got), wanted.first().and_then(num)) else {
                return Ok(false);
            };
            match operator {
                "gt" => g > w,
                "gte" => g >= w,
                "lt" => g < w,
                _ => g <= w,
            }
        }
        other => {
            return Err(ApiError::invalid(
                "filter.operator",
                format!(
                    "`{other}` is not one of eq, neq, has, hasnot, exists, notexists, gt, gte, lt, lte"
                ),
            ));
        }
    })
}

fn filters_match(target: &Value, filters: &Value, or: bool) -> Result<bool, ApiError> {
    let list = match filters {
        Value::Array(a) => a.as_slice(),
        Value::Null => return Ok(true),
        _ => {
            return Err(ApiError::invalid(
                "filter",
                "must be an array of {criterion, operator, query}",
            ));
        }
    };
    let mut any = false;
    let mut all = true;
    for f in list {
        let m = matches_filter(target, f)?;
        any |= m;
        all &= m;
    }
    Ok(if or { any || list.is_empty() } else { all })
}

fn json_query(call: &Call, name: &str) -> Result<Value, ApiError> {
    match call.q(name) {
        None => Ok(Value::Null),
        Some(v) if v.starts_with('[') || v.starts_with('{') => serde_json::from_str(v)
            .map_err(|_| ApiError::invalid(&format!("query.{name}"), "is not valid JSON")),
        Some(v) => Ok(Value::from(v)),
    }
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
            "email" | "created_at" | "updated_at" | "active" | "score" => top(field),
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
    })
}

/// A plausible answer for the read endpoints without stored state.
fn generic_read(s: &Store, call: &Call) -> R {
    let e = call.endpoint;
    if e.is_head() {
        return exists(true);
    }
    let data = match e.id {
        "get_plan_subscription_for_website" => s.plan.clone(),
        "plans_list_all_active_subscriptions" => {
            json!([{"website_id": s.website_id, "plan": s.plan}])
        }
        "check_coupon_availability_for_website_plan_subscription" => {
            json!({"code": call.q("code"), "policy": {"rebate_percent": 20, "trial_days": 0}, "redeem_limit": 1, "expire_at": null})
        }
        "list_subscriptions_for_website" | "plugins_list_all_active_subscriptions" => {
            Value::Array(s.plugins.clone())
        }
        "get_subscription_details" => s.plugins.first().cloned().unwrap_or_default(),
        "get_subscription_settings" => {
            json!({"plugin_id": call.p("pluginID"), "settings": s.plugins.first().map(|p| p["settings"].clone())})
        }
        "get_plugin_usage_bills" => {
            json!([{"name": "Messages translated", "units": 1240, "price": 1.24, "since": crate::seed::BASE_MS}])
        }
        "get_plugin_attest_provenance" => {
            json!({"plugin_id": call.p("pluginID"), "provenance": "sandbox"})
        }
        "get_verify_settings" => json!({"enabled": s.verify["enabled"]}),
        "get_verify_key" => json!({"secret": s.verify["secret"]}),
        "get_connect_account" => json!({"plugin_id": "c3bcd3ba-3f2d-4f0c-9d3a-4c5f0d0f3c10"}),
        "plugin_get_connect_endpoints" | "website_get_connect_endpoints" => {
            json!({"socket": {"app": "wss://app.relay.sandbox.crisp.local/", "stream": "wss://stream.relay.sandbox.crisp.local/"}})
        }
        "list_all_connect_websites" | "list_connect_websites_since" => {
            let item = json!({"website_id": s.website_id, "token": "sandbox", "settings": {}, "plan": s.plan});
            if e.paging == Paging::PageNumber {
                page_of([item], call.page(), 20)
            } else {
                json!([item])
            }
        }
        "generate_helpdesk_domain_setup_flow" => {
            json!({"records": [{"type": "CNAME", "query": call.q("custom").unwrap_or("help"), "name": "help", "value": "basic.crisp.help"}]})
        }
        "map_helpdesk_locale_feedback_ratings" | "map_helpdesk_locale_feedback_ratings_kb" => {
            json!({"ratings": {"helpful": 118, "unhelpful": 17}})
        }
        "resolve_helpdesk_history_change" => {
            json!({"change_id": call.p("changeId"), "type": "article", "action": "update", "timestamp": crate::seed::BASE_MS})
        }
        "resolve_helpdesk_page_entity" => {
            json!({"entity_id": call.p("entityID"), "type": call.p("contentType"), "locale": call.p("locale")})
        }
        "resolve_helpdesk_tree_path"
        | "resolve_helpdesk_tree_content"
        | "resolve_helpdesk_tree_metadata"
        | "resolve_helpdesk_tree_page" => {
            json!({"path": call.p("path"), "locale": call.p("locale"), "type": call.p("contentType"), "title": call.p("path").rsplit('/').next(), "content": "", "metadata": {}})
        }
        "list_animation_medias" => page_of(
            [
                json!({"url": "https://media.sandbox.crisp.local/gifs/thumbs-up.gif", "type": "image/gif"}),
            ],
            call.page(),
            20,
        ),
        _ if e.paging == Paging::PageNumber => json!([]),
        _ => json!({}),
    };
    ok(data)
}

// ---- writes ----

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.id {
        "create_new_conversation" => {
            let session_id = format!("session_{}", s.uuid());
            let c = json!({
                "session_id": session_id, "website_id": s.website_id, "people_id": null, "inbox_id": null,
                "state": "pending", "status": 0, "is_verified": false, "is_blocked": false, "availability": "offline",
                "active": {"now": false, "last": now}, "last_message": "", "topic": null, "participants": [], "mentions": [], "compose": {},
                "updated_at": now, "created_at": now, "waiting_since": null, "unread": {"operator": 0, "visitor": 0}, "assigned": {},
                "meta": {"nickname": format!("visitor{}", s.rng.u16(1000..9999)), "email": null, "phone": null, "address": null, "subject": null, "ip": null, "data": {}, "avatar": null, "origin": "chat", "device": {"geolocation": {}}, "segments": []},
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
            })
        }
        "remove_conversation" => {
            let i = *s
                .conv_index
                .get(call.p("sessionID"))
                .ok_or_else(|| ApiError::not_found("conversation", call.p("sessionID")))?;
            s.conversations.remove(i);
            s.reindex();
            done(call, json!({}))
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
            m["content"] = content;
            m["edited"] = Value::Bool(true);
            done(call, json!({}))
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
            done(call, json!({}))
        }
        "change_conversation_state" => {
            let state = call.req_str("state")?.to_owned();
            if !["pending", "unresolved", "resolved"].contains(&state.as_str()) {
                return Err(ApiError::invalid(
                    "body.state",
                    "must be pending, unresolved or resolved",
                ));
            }
            set_state(conv_mut(s, call)?, &state, now);
            done(call, json!({}))
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
            done(call, json!({}))
        }
        "update_verify_status_for_conversation" => {
            let b = call
                .bool_field("verified")?
                .ok_or_else(|| ApiError::invalid("body.verified", "is required"))?;
            conv_mut(s, call)?.c["is_verified"] = b.into();
            done(call, json!({}))
        }
        "update_conversation_inbox" => {
            let inbox = call.str_field("inbox_id")?.map(str::to_owned);
            if let Some(i) = &inbox
                && !s.inboxes.iter().any(|x| x["inbox_id"] == i.as_str())
            {
                return Err(ApiError::not_found("inbox", i));
            }
            conv_mut(s, call)?.c["inbox_id"] = inbox.into();
            done(call, json!({}))
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
        "update_conversation_open_state" => {
            let open = call.bool_field("opened")?.unwrap_or(true);
            conv_mut(s, call)?.c["active"]["now"] = open.into();
            done(call, json!({}))
        }
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
            })
        }
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
            let profile = json!({"people_id": id, "email": email, "person": person, "company": call.obj().get("company").cloned().unwrap_or_else(|| json!({})), "segments": segments, "notepad": null, "active": now, "score": 0, "created_at": now, "updated_at": now});
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
            Ok(Reply { status: 201, reason: "added", data: json!({"people_id": id}), raw: None })
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
            let i = *s
                .people_index
                .get(call.p("peopleID"))
                .ok_or_else(|| ApiError::not_found("people profile", call.p("peopleID")))?;
            s.people.remove(i);
            s.reindex();
            done(call, json!({}))
        }
        "save_people_data" | "update_people_data" => {
            let data = match call.obj().get("data") {
                Some(Value::Object(d)) => d.clone(),
                _ => {
                    return Err(ApiError::invalid(
                        "body.data",
                        "is required and must be an object",
                    ));
                }
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
            Ok(Reply { status: 200, reason: "added", data: json!({}), raw: None })
        }
        "update_people_subscription_status" => {
            let b = call
                .bool_field("email")?
                .ok_or_else(|| ApiError::invalid("body.email", "is required (true or false)"))?;
            person_mut(s, call)?.subscribed = b;
            done(call, json!({}))
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
            })
        }
        "create_new_inbox" => {
            let name = call.req_str("name")?.to_owned();
            let id = s.uuid();
            s.inboxes.push(json!({"inbox_id": id, "name": name, "emoji": call.obj().get("emoji"), "order": s.inboxes.len() + 1, "operators": call.obj().get("operators").cloned().unwrap_or_else(|| json!([])), "conditions": call.obj().get("conditions").cloned().unwrap_or_else(|| json!([])), "created_at": now, "updated_at": now}));
            Ok(Reply { status: 201, reason: "added", data: json!({"inbox_id": id}), raw: None })
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
        "add_helpdesk_locale" => {
            let code = call.req_str("locale")?.to_owned();
            let h =
                s.helpdesk.as_mut().ok_or_else(|| ApiError::not_found("helpdesk", "website"))?;
            if h.locales.iter().any(|l| l.code == code) {
                return Err(ApiError::new(409, "locale_exists", format!("locale `{code}` exists")));
            }
            h.locales.push(crate::store::Locale {
                code: code.clone(),
                name: code,
                categories: Vec::new(),
                sections: Vec::new(),
                articles: Vec::new(),
            });
            done(call, json!({}))
        }
        "delete_helpdesk_locale" => {
            let code = call.p("locale").to_owned();
            let h =
                s.helpdesk.as_mut().ok_or_else(|| ApiError::not_found("helpdesk", "website"))?;
            let n = h.locales.len();
            h.locales.retain(|l| l.code != code);
            if n == h.locales.len() {
                return Err(ApiError::not_found("helpdesk locale", &code));
            }
            done(call, json!({}))
        }
        "add_new_helpdesk_locale_article" => {
            let title = call.req_str("title")?.to_owned();
            let id = s.uuid();
            let l = s
                .locale_mut(call.p("locale"))
                .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))?;
            l.articles.push(json!({"article_id": id, "title": title, "description": null, "content": "", "featured": false, "order": l.articles.len() + 1, "status": "draft", "visibility": "visible", "url": null, "category": {}, "visits": 0, "created_at": now, "updated_at": now, "published_at": null}));
            Ok(Reply { status: 201, reason: "added", data: json!({"article_id": id}), raw: None })
        }
        "save_helpdesk_locale_article"
        | "update_helpdesk_locale_article"
        | "publish_helpdesk_locale_article"
        | "unpublish_helpdesk_locale_article"
        | "delete_helpdesk_locale_article" => {
            let body = call.obj().clone();
            let id = call.p("articleId").to_owned();
            let l = s
                .locale_mut(call.p("locale"))
                .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))?;
            let i = l
                .articles
                .iter()
                .position(|a| a["article_id"] == id.as_str())
                .ok_or_else(|| ApiError::not_found("article", &id))?;
            let a = &mut l.articles[i];
            match call.endpoint.id {
                "publish_helpdesk_locale_article" => {
                    a["status"] = "published".into();
                    a["published_at"] = now.into();
                }
                "unpublish_helpdesk_locale_article" => a["status"] = "draft".into(),
                "delete_helpdesk_locale_article" => {
                    l.articles.remove(i);
                    return done(call, json!({}));
                }
                _ => {
                    for (k, v) in body {
                        if k != "article_id" {
                            a[k.as_str()] = v;
                        }
                    }
                }
            }
            a["updated_at"] = now.into();
            done(call, json!({}))
        }
        "add_helpdesk_locale_category" => {
            let name = call.req_str("name")?.to_owned();
            let id = s.uuid();
            let l = s
                .locale_mut(call.p("locale"))
                .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))?;
            l.categories.push(json!({"category_id": id, "name": name, "order": l.categories.len() + 1, "created_at": now, "updated_at": now}));
            Ok(Reply { status: 201, reason: "added", data: json!({"category_id": id}), raw: None })
        }
        "create_new_campaign" => {
            let name = call.req_str("name")?.to_owned();
            let ty = call.str_field("type")?.unwrap_or("one-shot").to_owned();
            let id = s.uuid();
            s.campaigns.push(json!({"campaign_id": id, "type": ty, "name": name, "ready": false, "dispatched": false, "running": false, "progress": 0, "tags": [], "statistics": {}, "created_at": now, "updated_at": now}));
            Ok(Reply { status: 201, reason: "added", data: json!({"campaign_id": id}), raw: None })
        }
        "remove_campaign" => {
            let id = call.p("campaignID");
            let n = s.campaigns.len();
            s.campaigns.retain(|c| c["campaign_id"] != id);
            if n == s.campaigns.len() {
                return Err(ApiError::not_found("campaign", id));
            }
            done(call, json!({}))
        }
        _ => generic_write(s, call),
    }
}

fn set_state(c: &mut Conv, state: &str, now: u64) {
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
        "session_id": c.session_id(), "website_id": website_id, "type": ty, "from": from, "origin": origin,
        "content": content, "fingerprint": fingerprint, "timestamp": now, "user": user, "stamped": true,
        "read": "", "delivered": "", "mentions": call.obj().get("mentions").cloned().unwrap_or_else(|| json!([])), "edited": false,
    });
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
    Ok(Reply {
        status: 202,
        reason: "dispatched",
        data: json!({"fingerprint": fingerprint}),
        raw: None,
    })
}

/// Writes without stored state: the params were validated; answer like Crisp does.
fn generic_write(s: &mut Store, call: &Call) -> R {
    let e = call.endpoint;
    // Resources named in the path must exist.
    if !call.p("sessionID").is_empty() {
        conv(s, call)?;
    }
    if !call.p("peopleID").is_empty() {
        person(s, call)?;
    }
    let data = match e.id {
        "create_website" => json!({"website_id": s.uuid()}),
        "create_new_team" => {
            let id = s.uuid();
            let name = call.obj().get("name").cloned().unwrap_or_else(|| "New team".into());
            s.teams.push(json!({"team_id": id, "name": name, "operators": []}));
            json!({"team_id": id})
        }
        "create_new_campaign_template" => json!({"template_id": s.uuid()}),
        "initiate_new_call_session_for_conversation" => json!({"call_id": s.uuid()}),
        "initiate_browsing_session_for_conversation" => json!({"browsing_id": s.uuid()}),
        "roll_verify_key" => json!({"secret": format!("whsec_{:024x}", s.rng.u128(..))}),
        "generate_bucket_url" => {
            json!({"from": "sandbox", "identifier": s.uuid(), "url": {"resource": "https://storage.sandbox.crisp.local/upload", "signed": "https://storage.sandbox.crisp.local/upload?signature=sandbox"}})
        }
        "generate_analytics" => json!({"points": [{"value": 42, "date": crate::seed::BASE_MS}]}),
        "export_people_profiles"
        | "import_people_profiles"
        | "export_helpdesk_locale_articles"
        | "export_helpdesk_locale_articles_kb"
        | "import_external_helpdesk_to_locale"
        | "import_external_helpdesk_to_locale_kb" => {
            return Ok(Reply { status: 202, reason: "processing", data: json!({}), raw: None });
        }
        _ => json!({}),
    };
    done(call, data)
}

#[cfg(test)]
mod tests {
    use super::iso_ms;

    #[test]
    fn iso_dates_parse() {
        assert_eq!(iso_ms("2026-01-01"), Some(crate::seed::BASE_MS));
        assert_eq!(iso_ms("2026-01-01T00:01:00.500Z"), Some(crate::seed::BASE_MS + 60_500));
        assert_eq!(iso_ms("nope"), None);
    }
}
