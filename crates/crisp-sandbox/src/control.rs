//! The control API under `/_sandbox/` (faults, the request log, sockets, hooks, reset) and the
//! simulations the demo and the tests drive (a visitor's message, typing, a new session). A
//! simulation that writes is a call built as if it had come through `/v1/`: the same handler
//! answers it and returns its events, pushed by the same [`run`]. What only a visitor's side
//! causes (`message:compose:send`, `session:request:initiated`) is pushed here, through the same
//! [`crate::rtm::Rtm::push`].
use std::sync::atomic::Ordering;

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response};
use serde_json::{Value, json};

use crate::api::{self, ApiError, Call, Event};
use crate::faults::{Bucket, FaultSpec, Faults};
use crate::service::{
    Out, State, envelope, error_response, json_response, lock, now_ms, parse_json, read_body, run,
};

/// A call built by the control API, as if it had come through `/v1/`.
fn simulated(
    state: &State,
    id: &str,
    session_id: &str,
    body: Value,
) -> Result<api::Reply, ApiError> {
    let endpoint = crisp_core::ENDPOINTS
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::new(500, "internal_error", format!("no endpoint `{id}`")))?;
    let mut params = vec![("websiteID", state.website_id.clone())];
    if !session_id.is_empty() {
        params.push(("sessionID", session_id.to_owned()));
    }
    let call = Call { endpoint, params, query: Vec::new(), body };
    run(state, &call)
}

fn session_param(body: &Value) -> Result<String, ApiError> {
    match body["session_id"].as_str() {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(ApiError::invalid("body.session_id", "is required (a conversation's session id)")),
    }
}

#[allow(clippy::needless_pass_by_value)] // the control body, moved in
fn simulate(state: &State, what: &str, body: Value) -> Response<Out> {
    let result = match what {
        "visitor-message" => (|| {
            let session_id = session_param(&body)?;
            let content = match &body["content"] {
                Value::String(s) if !s.is_empty() => s.clone(),
                _ => {
                    return Err(ApiError::invalid(
                        "body.content",
                        "is required (a non-empty string)",
                    ));
                }
            };
            let reply = simulated(
                state,
                "send_message_in_conversation",
                &session_id,
                json!({"type": "text", "from": "user", "origin": "chat", "content": content}),
            )?;
            Ok(json!({"session_id": session_id, "fingerprint": reply.data["fingerprint"]}))
        })(),
        "visitor-composing" => (|| {
            let session_id = session_param(&body)?;
            let kind = match body["type"].as_str() {
                None => "start",
                Some(k @ ("start" | "stop")) => k,
                Some(_) => return Err(ApiError::invalid("body.type", "must be start or stop")),
            };
            let store = state.store.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            let c = store
                .conv(&session_id)
                .ok_or_else(|| ApiError::not_found("conversation", &session_id))?;
            let mut data = json!({
                "session_id": session_id, "inbox_id": c.c.get("inbox_id").cloned().unwrap_or(Value::Null),
                "type": kind, "timestamp": now_ms(),
            });
            if let Some(x) = body["excerpt"].as_str() {
                data["excerpt"] = x.into();
            }
            drop(store);
            state.rtm.push(vec![Event { name: "message:compose:send", data }]);
            Ok(json!({"session_id": session_id}))
        })(),
        "new-session" => (|| {
            let reply = simulated(state, "create_new_conversation", "", Value::Null)?;
            let session_id = reply.data["session_id"].as_str().unwrap_or_default().to_owned();
            state.rtm.push(vec![Event {
                name: "session:request:initiated",
                data: json!({"session_id": session_id, "inbox_id": null}),
            }]);
            if let Some(content) = body["content"].as_str().filter(|c| !c.is_empty()) {
                simulated(
                    state,
                    "send_message_in_conversation",
                    &session_id,
                    json!({"type": "text", "from": "user", "origin": "chat", "content": content}),
                )?;
            }
            Ok(json!({"session_id": session_id}))
        })(),
        _ => Err(ApiError::new(
            404,
            "not_found",
            "no such simulation (visitor-message, visitor-composing, new-session)",
        )),
    };
    match result {
        Ok(data) => control_ok(&data),
        Err(e) => error_response(&e),
    }
}

fn control_ok(data: &Value) -> Response<Out> {
    json_response(200, envelope(false, "resolved", data))
}

#[allow(clippy::too_many_lines)] // one arm per control route
pub(crate) async fn control(state: &State, req: Request<Incoming>, rest: &str) -> Response<Out> {
    let method = req.method().clone();
    let query = req.uri().query().map(str::to_owned);
    let body = match read_body(req, state.max_body).await.and_then(|b| parse_json(&b)) {
        Ok(b) => b,
        Err(e) => return error_response(&e),
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", []) => {
            let faults = lock(&state.faults).list().to_vec();
            control_ok(&json!({
                "website_id": state.website_id,
                "seed": state.seed,
                "faults": faults,
                "rate_limit": lock(&state.bucket).as_ref().map(Bucket::describe),
                "endpoints": crisp_core::ENDPOINTS.len(),
            }))
        }
        ("GET", ["requests"]) => {
            let endpoint = query.as_deref().and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "endpoint")
                    .map(|(_, v)| v.into_owned())
            });
            let (requests, dropped) = lock(&state.log).snapshot(endpoint.as_deref());
            let mut r = control_ok(&requests);
            r.headers_mut().insert("x-sandbox-dropped", HeaderValue::from(dropped));
            r
        }
        ("DELETE", ["requests"]) => {
            lock(&state.log).clear();
            control_ok(&json!({}))
        }
        ("POST", ["reset"]) => {
            *state.store.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
                state.seeded.clone();
            let mut f = lock(&state.faults);
            *f = Faults::new(state.seed, &state.initial_faults);
            state.any_faults.store(!f.is_empty(), Ordering::Relaxed);
            drop(f);
            *lock(&state.bucket) = state.initial_rate.map(|(r, b)| Bucket::new(r, b));
            lock(&state.log).clear();
            state.rtm.clear_hooks();
            control_ok(&json!({}))
        }
        ("POST", ["simulate", what]) => simulate(state, what, body),
        ("GET", ["hooks"]) => control_ok(&state.rtm.describe_hooks()),
        ("POST", ["hooks"]) => match state.rtm.add_hook(&body) {
            Ok(id) => control_ok(&json!({"id": id})),
            Err((param, message)) => error_response(&ApiError::invalid(param, message)),
        },
        ("DELETE", ["hooks"]) => {
            state.rtm.clear_hooks();
            control_ok(&json!({}))
        }
        ("GET", ["sockets"]) => control_ok(&state.rtm.describe_sockets()),
        ("POST", ["sockets", "drop"]) => control_ok(&json!({"dropped": state.rtm.drop_sockets()})),
        ("GET", ["faults"]) => control_ok(&json!(lock(&state.faults).list())),
        ("POST", ["faults"]) => {
            let specs: Vec<Value> = match body {
                Value::Array(a) => a,
                v => vec![v],
            };
            let mut parsed = Vec::new();
            for (i, spec) in specs.into_iter().enumerate() {
                match serde_json::from_value::<FaultSpec>(spec)
                    .map_err(|e| e.to_string())
                    .and_then(|s| s.validate().map(|()| s))
                {
                    Ok(s) => parsed.push(s),
                    Err(e) => return error_response(&ApiError::invalid(&format!("body[{i}]"), e)),
                }
            }
            let mut f = lock(&state.faults);
            let ids: Vec<u64> = parsed.into_iter().map(|s| f.add(s)).collect();
            state.any_faults.store(!f.is_empty(), Ordering::Relaxed);
            control_ok(&json!({"ids": ids}))
        }
        ("DELETE", ["faults"]) => {
            let mut f = lock(&state.faults);
            f.clear();
            state.any_faults.store(false, Ordering::Relaxed);
            control_ok(&json!({}))
        }
        ("DELETE", ["faults", id]) => {
            let mut f = lock(&state.faults);
            let removed = id.parse().is_ok_and(|id| f.remove(id));
            state.any_faults.store(!f.is_empty(), Ordering::Relaxed);
            if removed {
                control_ok(&json!({}))
            } else {
                error_response(&ApiError::new(404, "not_found", format!("no fault `{id}`")))
            }
        }
        ("GET", ["rate-limit"]) => {
            control_ok(&json!(lock(&state.bucket).as_ref().map(Bucket::describe)))
        }
        ("PUT", ["rate-limit"]) => {
            let rate = match &body["per_second"] {
                Value::Null => None,
                v => match v.as_f64() {
                    Some(r) if r > 0.0 && r.is_finite() => Some(r),
                    _ => {
                        return error_response(&ApiError::invalid(
                            "body.per_second",
                            "must be a positive number or null",
                        ));
                    }
                },
            };
            let burst = match &body["burst"] {
                Value::Null => None,
                v => match v.as_f64() {
                    Some(b) if b >= 1.0 && b.is_finite() => Some(b),
                    _ => {
                        return error_response(&ApiError::invalid(
                            "body.burst",
                            "must be a number, 1 or more",
                        ));
                    }
                },
            };
            let bucket = rate.map(|r| Bucket::new(r, burst));
            let described = bucket.as_ref().map(Bucket::describe);
            *lock(&state.bucket) = bucket;
            control_ok(&json!(described))
        }
        _ => error_response(&ApiError::new(
            404,
            "not_found",
            "no such control route (see crates/crisp-sandbox/README.md)",
        )),
    }
}
