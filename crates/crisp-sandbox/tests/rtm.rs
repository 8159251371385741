//! Real time from the sandbox's side: where the socket is announced, and signed web hooks
//! delivered over real HTTP to a listener on 127.0.0.1. (The Socket.IO endpoint itself is tested
//! with real clients, crisp-kit's and crisp-api's, in tests/js/events.test.mjs, and the events each
//! write pushes to a socket in tests/events.rs.)

mod common;

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One received POST: its headers (lower-cased names) and raw body.
struct Hit {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
}

/// A one-request-per-connection HTTP listener that answers 200 and hands each request over.
async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<Hit>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hooks/crisp", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let headers: Vec<(String, String)> = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let len: usize = headers
                        .iter()
                        .find(|(k, _)| k == "content-length")
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    let body = buf[end + 4..end + 4 + len].to_vec();
                    let _ = s
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                    let _ = tx.send(Hit { headers, body });
                    return;
                }
            });
        }
    });
    (url, rx)
}

async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Hit>) -> Hit {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a hook within 5 s")
        .expect("receiver open")
}

#[tokio::test]
async fn connect_endpoints_announce_the_socket_where_crisp_api_looks() {
    let env = common::default_env().await;
    let origin = env.sb.url().trim_end_matches("/v1/").to_owned();
    for path in ["user/connect/endpoints", "website/connect/endpoints", "plugin/connect/endpoints"]
    {
        let a = env.get(path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text);
        assert_eq!(a.data()["socket"]["app"], format!("{origin}/socket.io/"), "{path}");
        let anonymous = env.raw("GET", path, None, false).await;
        assert_eq!(anonymous.status, 401, "{path} without credentials");
    }
    let a = env.get("website/{w}/connect/endpoints").await;
    assert_eq!(a.data()["socket"]["app"], format!("{origin}/socket.io/"));
    env.sb.shutdown().await;
}

#[tokio::test]
async fn hooks_are_signed_over_the_raw_body_and_carry_the_event() {
    let env = common::default_env().await;
    let (url, mut rx) = receiver().await;
    let id = env.control("POST", "hooks", Some(json!({"url": url, "secret": "s3cret"}))).await;
    assert!(id["id"].is_u64(), "{id}");
    let session = env.session(1).await;

    // A simulated visitor message: stored, and delivered as `message:send`.
    let sim = env
        .control(
            "POST",
            "simulate/visitor-message",
            Some(json!({"session_id": session, "content": "Where is my order?"})),
        )
        .await;
    let hit = next(&mut rx).await;
    let ts = hit.header("x-crisp-request-timestamp").to_owned();
    let sig = hit.header("x-crisp-signature").to_owned();
    assert!(crisp_core::verify_hook(b"s3cret", &ts, &hit.body, &sig), "signature verifies");
    assert!(!crisp_core::verify_hook(b"other", &ts, &hit.body, &sig));
    let v: Value = serde_json::from_slice(&hit.body).expect("JSON body");
    assert_eq!(v["event"], "message:send");
    assert_eq!(v["website_id"], env.w);
    assert_eq!(v["timestamp"].to_string(), ts);
    assert_eq!(v["data"]["session_id"], session);
    assert_eq!(v["data"]["content"], "Where is my order?");
    assert_eq!(v["data"]["from"], "user");
    assert_eq!(v["data"]["fingerprint"], sim["fingerprint"]);
    // ... and stored: the conversation's last message is the simulated one.
    let msgs = env.get(&format!("website/{{w}}/conversation/{session}/messages")).await.data();
    let last = msgs.as_array().and_then(|m| m.last()).cloned().unwrap_or_default();
    assert_eq!(last["content"], "Where is my order?");

    // An operator message through REST: `message:received`.
    let a = env
        .call(
            "POST",
            &format!("website/{{w}}/conversation/{session}/message"),
            Some(json!({"type": "text", "from": "operator", "origin": "chat", "content": "On its way"})),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let v: Value = serde_json::from_slice(&next(&mut rx).await.body).expect("JSON");
    assert_eq!(v["event"], "message:received");
    assert_eq!(v["data"]["content"], "On its way");

    // A state change: `session:set_state`.
    let a = env
        .call(
            "PATCH",
            &format!("website/{{w}}/conversation/{session}/state"),
            Some(json!({"state": "resolved"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v: Value = serde_json::from_slice(&next(&mut rx).await.body).expect("JSON");
    assert_eq!(v["event"], "session:set_state");
    assert_eq!(v["data"]["state"], "resolved");

    // Composing and new sessions.
    env.control(
        "POST",
        "simulate/visitor-composing",
        Some(json!({"session_id": session, "excerpt": "Hel"})),
    )
    .await;
    let v: Value = serde_json::from_slice(&next(&mut rx).await.body).expect("JSON");
    assert_eq!(v["event"], "message:compose:send");
    assert_eq!(v["data"]["type"], "start");
    assert_eq!(v["data"]["excerpt"], "Hel");
    let new = env.control("POST", "simulate/new-session", Some(json!({"content": "Hi"}))).await;
    let v: Value = serde_json::from_slice(&next(&mut rx).await.body).expect("JSON");
    assert_eq!(v["event"], "session:request:initiated");
    assert_eq!(v["data"]["session_id"], new["session_id"]);
    let v: Value = serde_json::from_slice(&next(&mut rx).await.body).expect("JSON");
    assert_eq!(v["event"], "message:send");

    // The control API lists deliveries without secrets.
    let hooks = env.control("GET", "hooks", None).await;
    assert!(!hooks.to_string().contains("s3cret"), "{hooks}");
    assert_eq!(hooks["deliveries"][0]["status"], 200, "{hooks}");
    env.sb.shutdown().await;
}

#[tokio::test]
async fn bad_simulations_and_hooks_name_the_field() {
    let env = common::default_env().await;
    let url = format!("{}simulate/visitor-message", env.sb.control_url());
    for (body, param) in [
        (json!({"content": "x"}), "body.session_id"),
        (json!({"session_id": "session_x", "content": ""}), "body.content"),
    ] {
        let r = env.http.post(&url).json(&body).send().await.expect("sent");
        assert_eq!(r.status().as_u16(), 400);
        let v: Value = r.json().await.expect("JSON");
        assert_eq!(v["data"]["param"], param, "{v}");
    }
    let r = env
        .http
        .post(&url)
        .json(&json!({"session_id": "session_nope", "content": "x"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 404);
    let hooks = format!("{}hooks", env.sb.control_url());
    for (body, param) in [
        (json!({"secret": "s"}), "body.url"),
        (json!({"url": "https://example.com/", "secret": "s"}), "body.url"),
        (json!({"url": "http://127.0.0.1:9/"}), "body.secret"),
    ] {
        let r = env.http.post(&hooks).json(&body).send().await.expect("sent");
        assert_eq!(r.status().as_u16(), 400);
        let v: Value = r.json().await.expect("JSON");
        assert_eq!(v["data"]["param"], param, "{v}");
    }
    env.sb.shutdown().await;
}
