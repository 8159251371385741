//! The `/v1/` endpoints: validation against the catalog, then a handler per stateful endpoint and
//! a well-formed envelope for every other one. A write's handler also returns the real-time events
//! it caused ([`Reply::events`]); the service pushes them once the answer is decided.

use std::sync::{LazyLock, RwLock};

use crisp_core::{Body, Endpoint, Group, Method, PathKind, QueryType};
use serde_json::{Map, Value, json};

use crate::store::{Conv, Person, Store};

mod batch;
mod campaign;
mod conversation;
mod generic;
mod helpdesk;
mod people;
mod search;
mod visitors;
mod website;

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
    /// The events the call caused, in the order Crisp sends them (none for most calls).
    pub events: Vec<Event>,
}

/// A real-time event (Socket.IO and web hooks): its name and its payload, as Crisp sends them.
pub struct Event {
    pub name: &'static str,
    pub data: Value,
}

impl Reply {
    /// The answer, with one more event it causes.
    #[must_use]
    fn with(mut self, name: &'static str, data: Value) -> Reply {
        self.events.push(Event { name, data });
        self
    }
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
        let mut d = json!({
            "namespace": if self.status == 400 { "request" } else { "response" },
            "message": self.message,
        });
        if let Some(p) = &self.param {
            d["param"] = Value::from(p.clone());
        }
        d
    }
}

type R = Result<Reply, ApiError>;

#[allow(clippy::unnecessary_wraps)] // the handlers' shape: `return ok(..)` reads like `Err(..)`
fn ok(data: Value) -> R {
    Ok(Reply { status: 200, reason: "resolved", data, raw: None, events: Vec::new() })
}

#[allow(clippy::unnecessary_wraps)] // as `ok`
fn ok_raw(json: String) -> R {
    Ok(Reply {
        status: 200,
        reason: "resolved",
        data: Value::Null,
        raw: Some(json),
        events: Vec::new(),
    })
}

#[allow(clippy::unnecessary_wraps)] // as `ok`
fn done(call: &Call, data: Value) -> R {
    let reason = match call.endpoint.method {
        Method::Post => "added",
        Method::Delete => "deleted",
        _ => "updated",
    };
    Ok(Reply { status: 200, reason, data, raw: None, events: Vec::new() })
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

/// crisp-core's request check, with a client of the sandbox's own (its credentials never matter:
/// nothing is sent; `build` only decides whether the params make a valid request).
static CHECK: LazyLock<Option<crisp_core::Client>> = LazyLock::new(|| {
    crisp_core::Client::from_json(r#"{"identifier":"sandbox","key":"sandbox","tier":"plugin"}"#)
        .ok()
});

/// A query value read back by its catalog type (`1` for a flag, digits for a number, JSON for a
/// filter): the inverse of what the client writes, so that the core checks the value it meant. A
/// value that does not read as its type stays text, and the core names it.
fn query_value(ty: QueryType, text: &str) -> Value {
    let parsed = match ty {
        QueryType::Int => text.parse::<i64>().ok().map(Value::from),
        QueryType::Number => text.parse::<f64>().ok().filter(|n| n.is_finite()).map(Value::from),
        QueryType::Bool => match text {
            "1" | "true" => Some(Value::Bool(true)),
            "0" | "false" => Some(Value::Bool(false)),
            _ => None,
        },
        QueryType::Json if text.starts_with('[') || text.starts_with('{') => {
            serde_json::from_str(text).ok()
        }
        QueryType::Json | QueryType::Str => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// Checks a call with crisp-core's own request check (the one every client runs before sending:
/// path segments, query types and ranges, body fields and shapes), then what only the sandbox
/// knows: which website it serves, and the query parameters it takes beyond the catalog's.
///
/// # Errors
/// A 400 naming the parameter at fault (the core's words), or 404 for another website.
pub fn validate(call: &Call, website_id: &str) -> Result<(), ApiError> {
    let e = call.endpoint;
    let mut params = Map::new();
    for (name, value) in &call.params {
        if *name == "websiteID" && !value.is_empty() && value != website_id {
            return Err(ApiError::not_found("website", value));
        }
        let kind = e.path_kinds().find(|(n, _)| n == name).map(|(_, k)| k);
        let number = matches!(kind, Some(PathKind::Page | PathKind::Integer))
            .then(|| value.parse::<u64>().ok())
            .flatten();
        params.insert(
            (*name).to_owned(),
            number.map_or_else(|| Value::String(value.clone()), Value::from),
        );
    }
    let mut query = Map::new();
    for (name, value) in &call.query {
        let ty = match e.query_param(name) {
            Some(q) => q.ty,
            // Beyond the catalog: checked here by its own type, and not shown to the core.
            None => match extra_query(e.id).iter().find(|(n, _)| n == name) {
                Some((_, QueryType::Int)) if value.parse::<i64>().is_err() => {
                    return Err(ApiError::invalid(
                        &format!("query.{name}"),
                        "must be a whole number",
                    ));
                }
                Some(_) => continue,
                None => {
                    let known: Vec<String> =
                        e.query.iter().map(|q| format!("`{}`", q.name)).collect();
                    let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                    return Err(ApiError::invalid(
                        &format!("query.{name}"),
                        format!("is not a parameter of `{}` (takes: {known})", e.id),
                    ));
                }
            },
        };
        if ty == QueryType::Json
            && (value.starts_with('[') || value.starts_with('{'))
            && serde_json::from_str::<Value>(value).is_err()
        {
            return Err(ApiError::invalid(&format!("query.{name}"), "is not valid JSON"));
        }
        query.insert(name.clone(), query_value(ty, value));
    }
    if !query.is_empty() {
        params.insert("query".to_owned(), Value::Object(query));
    }
    // A body sent to an endpoint that takes none is ignored, as Crisp does (crisp-api sends `{}`).
    if !call.body.is_null() && !matches!(e.body, Body::None) {
        params.insert("body".to_owned(), call.body.clone());
    }
    let text = Value::Object(params).to_string();
    crisp_core::json::parse(&text)
        .map_err(|err| ApiError::invalid("body", format!("is not JSON the core reads: {err}")))
        .and_then(|params| {
            let Some(client) = CHECK.as_ref() else { return Ok(()) };
            client.build(e.id, &params, crisp_core::CallOptions::default()).map(|_| ()).map_err(
                |err| ApiError {
                    status: 400,
                    reason: "invalid_data",
                    message: err.to_string(),
                    param: err.param().map(str::to_owned),
                },
            )
        })
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
    let mut reply = if call.endpoint.write {
        let mut s = store.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        write(&mut s, call, now)
    } else {
        let s = store.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        read(&s, call)
    }?;
    drop_nulls(&mut reply.data);
    Ok(reply)
}

/// Leaves empty optional fields out, as Crisp does, instead of sending `null`: the stored state
/// keeps `null` (an unset email, no inbox), the answer omits the field. No answer shape in the
/// catalog allows `null` in an object field of a REST answer (docs/SHAPES.md).
pub fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
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

/// Reads, by the catalog's group: each group's module answers what it keeps state for, and
/// `generic` answers the rest.
fn read(s: &Store, call: &Call) -> R {
    match call.endpoint.group {
        Group::WebsiteConversation => conversation::read(s, call),
        Group::WebsitePeople => people::read(s, call),
        Group::WebsiteCampaign => campaign::read(s, call),
        Group::WebsiteVisitors => visitors::read(s, call),
        Group::WebsiteHelpdesk => helpdesk::read(s, call),
        Group::WebsiteBase
        | Group::WebsiteOperator
        | Group::WebsiteInbox
        | Group::WebsiteTeams
        | Group::WebsiteSettings
        | Group::WebsiteAvailability
        | Group::WebsiteVerify => website::read(s, call),
        Group::WebsiteBatch
        | Group::BucketUrl
        | Group::MediaAnimation
        | Group::PlanSubscription
        | Group::PluginConnect
        | Group::PluginSubscription
        | Group::Proxy
        | Group::WebsiteAnalytics
        | Group::WebsiteConnect => generic::read(s, call),
    }
}

/// Writes, by the catalog's group, as `read`.
fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.group {
        Group::WebsiteConversation => conversation::write(s, call, now),
        Group::WebsitePeople => people::write(s, call, now),
        Group::WebsiteCampaign => campaign::write(s, call, now),
        Group::WebsiteHelpdesk => helpdesk::write(s, call, now),
        Group::WebsiteBatch => batch::write(s, call, now),
        Group::WebsiteBase
        | Group::WebsiteOperator
        | Group::WebsiteInbox
        | Group::WebsiteTeams
        | Group::WebsiteSettings
        | Group::WebsiteAvailability
        | Group::WebsiteVerify => website::write(s, call, now),
        Group::WebsiteVisitors
        | Group::BucketUrl
        | Group::MediaAnimation
        | Group::PlanSubscription
        | Group::PluginConnect
        | Group::PluginSubscription
        | Group::Proxy
        | Group::WebsiteAnalytics
        | Group::WebsiteConnect => generic::write(s, call),
    }
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
