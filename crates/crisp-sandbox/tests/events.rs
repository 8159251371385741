//! The events each REST write and each simulation pushes, read by a real Socket.IO client (Engine.IO
//! v4 over HTTP long-polling, the transport every Socket.IO client starts with) connected to the
//! sandbox's `/socket.io/` and subscribed to every event the sandbox sends.
//!
//! After each call the test runs a sentinel (a simulated visitor typing, which pushes
//! `message:compose:send`) and reads up to it: what came before it is exactly what the call pushed,
//! in order, with no waiting for events that might not come.

mod common;

use std::time::Duration;

use serde_json::{Value, json};

/// Every event the sandbox pushes.
const EVENTS: [&str; 14] = [
    "message:send",
    "message:received",
    "message:updated",
    "message:removed",
    "message:compose:send",
    "message:compose:receive",
    "session:set_state",
    "session:set_block",
    "session:update_verify",
    "session:set_inbox",
    "session:removed",
    "session:request:initiated",
    "people:profile:created",
    "people:profile:removed",
];

/// A Socket.IO client over Engine.IO v4 polling: enough to authenticate and read events.
struct Socket {
    http: reqwest::Client,
    url: String,
    /// Packets received but not yet read.
    queue: std::collections::VecDeque<String>,
}

impl Socket {
    async fn connect(env: &common::Env) -> Socket {
        let origin = env.sb.url().trim_end_matches("/v1/").to_owned();
        let base = format!("{origin}/socket.io/?EIO=4&transport=polling");
        let http = reqwest::Client::new();
        let open = http.get(&base).send().await.expect("open").text().await.expect("open body");
        let handshake: Value =
            serde_json::from_str(open.strip_prefix('0').expect("an Engine.IO open packet"))
                .expect("handshake JSON");
        let sid = handshake["sid"].as_str().expect("sid");
        let mut s = Socket {
            http,
            url: format!("{base}&sid={sid}"),
            queue: std::collections::VecDeque::new(),
        };
        s.send("40").await;
        assert!(s.packet().await.starts_with("40"), "namespace connected");
        let auth = json!(["authentication", {
            "tier": "plugin", "username": env.sb.identifier(), "password": env.sb.key(),
            "events": EVENTS,
        }]);
        s.send(&format!("42{auth}")).await;
        assert_eq!(s.event().await, ("authenticated".to_owned(), json!({})));
        s
    }

    async fn send(&self, packet: &str) {
        let r = self.http.post(&self.url).body(packet.to_owned()).send().await.expect("POST");
        assert!(r.status().is_success(), "POST {packet}: {}", r.status());
    }

    /// The next Engine.IO packet, answering pings on the way.
    async fn packet(&mut self) -> String {
        loop {
            if let Some(p) = self.queue.pop_front() {
                if p == "2" {
                    self.send("3").await;
                    continue;
                }
                return p;
            }
            let poll = self.http.get(&self.url).send();
            let body = tokio::time::timeout(Duration::from_secs(30), poll)
                .await
                .expect("a poll answered within 30 s")
                .expect("GET")
                .text()
                .await
                .expect("poll body");
            self.queue.extend(body.split('\u{1e}').map(str::to_owned));
        }
    }

    /// The next Socket.IO event, as `(name, data)`.
    async fn event(&mut self) -> (String, Value) {
        let p = self.packet().await;
        let body = p.strip_prefix("42").unwrap_or_else(|| panic!("an event packet: {p}"));
        let v: Value = serde_json::from_str(body).expect("event JSON");
        (v[0].as_str().expect("event name").to_owned(), v[1].clone())
    }

    /// The events pushed before the sentinel that `env` runs now.
    async fn pushed(&mut self, env: &common::Env, session: &str) -> Vec<(String, Value)> {
        env.control(
            "POST",
            "simulate/visitor-composing",
            Some(json!({"session_id": session, "excerpt": "sentinel"})),
        )
        .await;
        let mut out = Vec::new();
        loop {
            let e = self.event().await;
            if e.0 == "message:compose:send" && e.1["excerpt"] == "sentinel" {
                return out;
            }
            out.push(e);
        }
    }
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one script: each write, then what it pushed
async fn each_write_pushes_its_events_once_in_order_and_refusals_push_none() {
    let env = common::default_env().await;
    let mut socket = Socket::connect(&env).await;
    let w = env.w.clone();
    let conv = |s: &str, rest: &str| format!("website/{{w}}/conversation/{s}{rest}");

    // A new conversation is pending; creating it through REST pushes nothing.
    let a = env.call("POST", "website/{w}/conversation", None).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let s = a.data()["session_id"].as_str().expect("session_id").to_owned();
    assert_eq!(names(&socket.pushed(&env, &s).await), Vec::<&str>::new());

    // An operator message: `message:received`, then the state it changed (pending -> unresolved).
    let a = env
        .call(
            "POST",
            &conv(&s, "/message"),
            Some(json!({"type": "text", "from": "operator", "origin": "chat", "content": "Hello"})),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let fp = a.data()["fingerprint"].clone();
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:received", "session:set_state"]);
    let m = &got[0].1;
    assert_eq!((&m["session_id"], &m["website_id"]), (&json!(s), &json!(w)));
    assert_eq!(
        (&m["fingerprint"], &m["content"], &m["from"]),
        (&fp, &json!("Hello"), &json!("operator"))
    );
    assert!(m.get("read").is_none() && m.get("edited").is_none(), "no stored-only fields: {m}");
    assert_eq!(got[1].1["state"], "unresolved");

    // A visitor message on an unresolved conversation: `message:send` alone.
    let a = env
        .call(
            "POST",
            &conv(&s, "/message"),
            Some(json!({"type": "text", "from": "user", "origin": "chat", "content": "Hi"})),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:send"]);
    assert_eq!(got[0].1["content"], "Hi");

    // State: a change pushes it, setting the same state again pushes nothing.
    for (state, expected) in [("resolved", vec!["session:set_state"]), ("resolved", vec![])] {
        let a = env.call("PATCH", &conv(&s, "/state"), Some(json!({"state": state}))).await;
        assert_eq!(a.status, 200, "{}", a.text);
        let got = socket.pushed(&env, &s).await;
        assert_eq!(names(&got), expected, "state {state}");
    }

    // A visitor message reopens a resolved conversation.
    let a = env
        .call(
            "POST",
            &conv(&s, "/message"),
            Some(json!({"type": "text", "from": "user", "origin": "chat", "content": "Again"})),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:send", "session:set_state"]);
    assert_eq!(got[1].1["state"], "unresolved");

    // Message edits and removals.
    let a = env
        .call("PATCH", &conv(&s, &format!("/message/{fp}")), Some(json!({"content": "Hey"})))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:updated"]);
    assert_eq!((&got[0].1["fingerprint"], &got[0].1["content"]), (&fp, &json!("Hey")));
    let a = env.call("DELETE", &conv(&s, &format!("/message/{fp}")), None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:removed"]);
    assert_eq!(got[0].1["fingerprint"], fp);

    // Block, verify, inbox, compose.
    let a = env.call("PATCH", &conv(&s, "/block"), Some(json!({"blocked": true}))).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["session:set_block"]);
    assert_eq!(got[0].1["is_blocked"], true);
    let a = env.call("PATCH", &conv(&s, "/verify"), Some(json!({"verified": true}))).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["session:update_verify"]);
    assert_eq!(got[0].1["is_verified"], true);
    let inbox = env.get("website/{w}/inboxes/list/1").await.data()[0]["inbox_id"].clone();
    let a = env.call("PATCH", &conv(&s, "/inbox"), Some(json!({"inbox_id": inbox}))).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["session:set_inbox"]);
    assert_eq!((&got[0].1["inbox_id"], &got[0].1["previous_inbox_id"]), (&inbox, &Value::Null));
    let a = env
        .call("PATCH", &conv(&s, "/compose"), Some(json!({"type": "start", "excerpt": "Typ"})))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:compose:receive"]);
    assert_eq!((&got[0].1["type"], &got[0].1["excerpt"]), (&json!("start"), &json!("Typ")));

    // A write with no event, and refused writes, push nothing.
    let a = env.call("PATCH", &conv(&s, "/meta"), Some(json!({"nickname": "Ann"}))).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = env.call("PATCH", &conv(&s, "/state"), Some(json!({"state": "closed"}))).await;
    assert_eq!(a.status, 400, "{}", a.text);
    let a =
        env.call("PATCH", &conv("session_nope", "/block"), Some(json!({"blocked": true}))).await;
    assert_eq!(a.status, 404, "{}", a.text);
    assert_eq!(names(&socket.pushed(&env, &s).await), Vec::<&str>::new());

    // People profiles.
    let a = env
        .call(
            "POST",
            "website/{w}/people/profile",
            Some(json!({"email": "ann@example.com", "person": {"nickname": "Ann"}})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let people = a.data()["people_id"].clone();
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["people:profile:created"]);
    assert_eq!((&got[0].1["people_id"], &got[0].1["email"]), (&people, &json!("ann@example.com")));
    let a = env
        .call(
            "DELETE",
            &format!("website/{{w}}/people/profile/{}", people.as_str().unwrap_or("")),
            None,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["people:profile:removed"]);
    assert_eq!(got[0].1["people_id"], people);

    // The simulations push through the same path.
    let sim = env
        .control(
            "POST",
            "simulate/visitor-message",
            Some(json!({"session_id": s, "content": "Yo"})),
        )
        .await;
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:send"]);
    assert_eq!(got[0].1["fingerprint"], sim["fingerprint"]);
    let new = env.control("POST", "simulate/new-session", Some(json!({"content": "New"}))).await;
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["session:request:initiated", "message:send"]);
    assert_eq!(
        (&got[0].1["session_id"], &got[1].1["session_id"]),
        (&new["session_id"], &new["session_id"])
    );

    // Removing the conversation: `session:removed`, with the inbox it was in.
    let a = env.call("DELETE", &conv(&s, ""), None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let sentinel = new["session_id"].as_str().expect("session_id").to_owned();
    let got = socket.pushed(&env, &sentinel).await;
    assert_eq!(names(&got), ["session:removed"]);
    assert_eq!((&got[0].1["session_id"], &got[0].1["inbox_id"]), (&json!(s), &inbox));
    env.sb.shutdown().await;
}

#[tokio::test]
async fn a_fault_that_answers_instead_pushes_nothing_one_that_cuts_the_answer_pushes() {
    let env = common::default_env().await;
    let mut socket = Socket::connect(&env).await;
    let s = env.session(1).await;
    let send = |content: &str| json!({"type": "text", "from": "user", "origin": "chat", "content": content});
    let path = format!("website/{{w}}/conversation/{s}/message");
    for (kind, status) in [("status", 503), ("html", 502)] {
        env.control(
            "POST",
            "faults",
            Some(json!({"kind": kind, "endpoint": "send_message_in_conversation", "count": 1})),
        )
        .await;
        let a = env.call("POST", &path, Some(send(kind))).await;
        assert_eq!(a.status, status, "{kind}: {}", a.text);
        assert_eq!(names(&socket.pushed(&env, &s).await), Vec::<&str>::new(), "{kind}");
    }
    // A truncated answer: the message was stored, so its event was pushed.
    env.control(
        "POST",
        "faults",
        Some(json!({"kind": "truncate", "endpoint": "send_message_in_conversation", "count": 1})),
    )
    .await;
    let url = format!("{}{}", env.sb.url(), path.replace("{w}", &env.w));
    let r = env
        .http
        .post(url)
        .header("Authorization", env.sb.authorization())
        .header("X-Crisp-Tier", "plugin")
        .json(&send("cut"))
        .send()
        .await;
    let cut = match r {
        Ok(r) => r.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(cut, "the answer was cut");
    let got = socket.pushed(&env, &s).await;
    assert_eq!(names(&got), ["message:send"]);
    assert_eq!(got[0].1["content"], "cut");
    env.sb.shutdown().await;
}
