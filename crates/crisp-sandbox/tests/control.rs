//! The control API: request log, reset, faults, rate limit.

mod common;

use std::time::Duration;

use crisp_sandbox::Options;
use serde_json::{Value, json};

#[tokio::test]
async fn the_request_log_shows_what_was_received_with_the_key_redacted() {
    let env = common::default_env().await;
    let s = env.session(1).await;
    env.control("DELETE", "requests", None).await;
    let body =
        json!({"type": "text", "from": "operator", "origin": "chat", "content": "Logged once"});
    env.call("POST", &format!("website/{{w}}/conversation/{s}/message"), Some(body.clone()))
        .await
        .envelope();
    env.get("website/{w}/conversations/1?per_page=20&filter_unread=1").await.envelope();
    let log = env.control("GET", "requests", None).await;
    let text = log.to_string();
    assert!(!text.contains(env.sb.key()), "the key never appears in the log");
    assert!(
        !text.contains(env.sb.authorization().trim_start_matches("Basic ")),
        "nor the Basic credentials"
    );
    let reqs = log.as_array().unwrap();
    assert_eq!(reqs.len(), 2, "{log}");
    let post = &reqs[0];
    assert_eq!(post["method"], "POST");
    assert_eq!(post["endpoint"], "send_message_in_conversation");
    assert_eq!(post["path"], format!("/v1/website/{}/conversation/{s}/message", env.w));
    assert_eq!(post["body"], body);
    assert_eq!(post["status"], 202);
    let headers = post["headers"].as_array().unwrap();
    let auth = headers.iter().find(|h| h[0] == "authorization").unwrap();
    assert_eq!(auth[1], "Basic [redacted]");
    assert!(headers.iter().any(|h| h[0] == "x-crisp-tier" && h[1] == "plugin"));
    let get = &reqs[1];
    assert_eq!(get["endpoint"], "list_conversations");
    assert_eq!(get["query"], "per_page=20&filter_unread=1");
    assert!(get["body"].is_null());
    // Filter by endpoint: the message was sent exactly once.
    let only = env.control("GET", "requests?endpoint=send_message_in_conversation", None).await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    // Body-dispatched routes are told apart.
    env.call("PATCH", "website/{w}/batch/remove", Some(json!({"people": {"profiles": []}})))
        .await
        .envelope();
    env.call("PATCH", "website/{w}/batch/remove", Some(json!({"sessions": [], "inbox_id": null})))
        .await
        .envelope();
    env.call(
        "POST",
        &format!("website/{{w}}/conversation/{s}/widget/p1/data"),
        Some(json!({"section_id": "a", "item_id": "b", "value": "c"})),
    )
    .await
    .envelope();
    let ids: Vec<Value> = env
        .control("GET", "requests", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .skip(2)
        .map(|r| r["endpoint"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![
            json!("batch_remove_people"),
            json!("batch_remove_conversations"),
            json!("deliver_widget_data_edit_action_for_conversation")
        ]
    );
    env.control("DELETE", "requests", None).await;
    assert_eq!(env.control("GET", "requests", None).await, json!([]));
}

#[tokio::test]
async fn reset_restores_the_seed_state() {
    let env = common::default_env().await;
    let before = env.get("website/{w}/conversations/1").await.text;
    let s = env.session(1).await;
    env.call("DELETE", &format!("website/{{w}}/conversation/{s}"), None).await.envelope();
    assert_eq!(env.get(&format!("website/{{w}}/conversation/{s}")).await.status, 404);
    env.control("POST", "reset", None).await;
    assert_eq!(env.get(&format!("website/{{w}}/conversation/{s}")).await.status, 200);
    assert_eq!(env.get("website/{w}/conversations/1").await.text, before);
}

#[tokio::test]
async fn status_faults_for_the_next_n_calls_per_route() {
    let env = common::default_env().await;
    let s = env.session(1).await;
    let path = format!("website/{{w}}/conversation/{s}");
    env.control(
        "POST",
        "faults",
        Some(json!({"kind": "status", "status": 503, "endpoint": "get_conversation", "count": 2})),
    )
    .await;
    let other = env.get("website/{w}/conversations/1").await;
    assert_eq!(other.status, 200, "other routes are not hit");
    for _ in 0..2 {
        let a = env.get(&path).await;
        assert_eq!(a.status, 503);
        assert_eq!(a.envelope()["error"], true);
        assert!(a.headers.get("retry-after").is_none());
    }
    assert_eq!(env.get(&path).await.status, 200, "the fault is used up");
    assert_eq!(env.control("GET", "faults", None).await, json!([]));

    // 429 with Retry-After, 420 without, global.
    env.control(
        "POST",
        "faults",
        Some(json!({"kind": "status", "status": 429, "retry_after": 3, "count": 1})),
    )
    .await;
    let a = env.get(&path).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers["retry-after"], "3");
    assert_eq!(a.envelope()["reason"], "rate_limited");
    env.control("POST", "faults", Some(json!({"kind": "status", "status": 420, "count": 1}))).await;
    let a = env.get(&path).await;
    assert_eq!(a.status, 420);
    assert!(a.headers.get("retry-after").is_none());

    // A refused write is not processed.
    env.control("POST", "faults", Some(json!({"kind": "status", "status": 500, "endpoint": "send_message_in_conversation", "count": 1}))).await;
    let msg =
        json!({"type": "text", "from": "operator", "origin": "chat", "content": "Never stored"});
    let a = env.call("POST", &format!("{path}/message"), Some(msg)).await;
    assert_eq!(a.status, 500);
    let msgs = env.get(&format!("{path}/messages")).await.text;
    assert!(!msgs.contains("Never stored"));

    // Rates: 0 never fires, 1 always does.
    let ids =
        env.control("POST", "faults", Some(json!([{"kind": "status", "rate": 0.0}]))).await["ids"]
            .clone();
    for _ in 0..5 {
        assert_eq!(env.get(&path).await.status, 200);
    }
    env.control("DELETE", &format!("faults/{}", ids[0]), None).await;
    env.control("POST", "faults", Some(json!({"kind": "status", "status": 502, "rate": 1.0})))
        .await;
    for _ in 0..3 {
        assert_eq!(env.get(&path).await.status, 502);
    }
    env.control("DELETE", "faults", None).await;
    assert_eq!(env.get(&path).await.status, 200);
}

#[tokio::test]
async fn html_latency_and_invalid_fault_specs() {
    let env = common::default_env().await;
    env.control("POST", "faults", Some(json!({"kind": "html", "count": 1}))).await;
    let a = env.get("website/{w}/conversations/1").await;
    assert_eq!(a.status, 502);
    assert!(a.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(a.text.starts_with("<html>"));
    assert!(serde_json::from_str::<Value>(&a.text).is_err());

    env.control("POST", "faults", Some(json!({"kind": "latency", "latency_ms": 20, "count": 1})))
        .await;
    assert_eq!(env.get("website/{w}/conversations/1").await.status, 200, "delayed, then answered");
    assert_eq!(env.control("GET", "faults", None).await, json!([]), "the latency fault fired once");

    let url = format!("{}faults", env.sb.control_url());
    for bad in [
        json!({"kind": "explode"}),
        json!({"kind": "status", "status": 200}),
        json!({"kind": "status", "rate": 2}),
        json!({"kind": "latency", "endpoint": "nope"}),
        json!({"kind": "status", "count": 0}),
    ] {
        let r = env.http.post(&url).json(&bad).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "{bad}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], true);
    }
}

#[tokio::test]
async fn reset_and_truncate_faults_break_the_response_after_processing() {
    let env = common::default_env().await;
    let s = env.session(1).await;
    let path = format!("website/{{w}}/conversation/{s}");
    for (kind, content) in [("reset", "Sent before the reset"), ("truncate", "Sent before the cut")]
    {
        env.control(
            "POST",
            "faults",
            Some(json!({"kind": kind, "endpoint": "send_message_in_conversation", "count": 1})),
        )
        .await;
        let url = format!("{}website/{}/conversation/{s}/message", env.sb.url(), env.w);
        let sent = env
            .http
            .post(&url)
            .header("Authorization", env.sb.authorization())
            .header("X-Crisp-Tier", "plugin")
            .json(
                &json!({"type": "text", "from": "operator", "origin": "chat", "content": content}),
            )
            .send()
            .await;
        let failed = match sent {
            Err(_) => true,
            Ok(r) => r.bytes().await.is_err(),
        };
        assert!(failed, "{kind}: the client sees a broken response");
        // ...yet the message was stored: the write happened.
        let msgs = env.get(&format!("{path}/messages")).await.text;
        assert!(msgs.contains(content), "{kind}: the write was processed");
        let log = env.control("GET", "requests?endpoint=send_message_in_conversation", None).await;
        let last = log.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["fault"], kind);
    }
    // The server is fine afterwards.
    assert_eq!(env.get(&path).await.status, 200);
}

#[tokio::test]
async fn the_token_bucket_answers_429_with_retry_after() {
    let env = common::start(Options { rate_limit: Some(0.01), ..Options::default() }).await;
    // Burst of one: the first call passes, the next finds the bucket empty.
    assert_eq!(env.get("website/{w}/conversations/1").await.status, 200);
    let a = env.get("website/{w}/conversations/1").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.envelope()["reason"], "rate_limited");
    let after: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(after >= 1);
    // Changed at run time; removed with null.
    env.control("PUT", "rate-limit", Some(json!({"per_second": 0.01, "burst": 3}))).await;
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(env.get("website/{w}/conversations/1").await.status);
        }
        v
    };
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert_eq!(statuses[4], 429);
    env.control("PUT", "rate-limit", Some(json!({"per_second": null}))).await;
    for _ in 0..5 {
        assert_eq!(env.get("website/{w}/conversations/1").await.status, 200);
    }
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn many_concurrent_requests_are_all_answered() {
    let env = common::default_env().await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let http = env.http.clone();
        let url = format!("{}website/{}/conversations/{}", env.sb.url(), env.w, i % 20 + 1);
        let auth = env.sb.authorization();
        tasks.push(tokio::spawn(async move {
            http.get(url)
                .header("Authorization", auth)
                .header("X-Crisp-Tier", "plugin")
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    let log = env.control("GET", "requests?endpoint=list_conversations", None).await;
    assert_eq!(log.as_array().unwrap().len(), 200);
}
