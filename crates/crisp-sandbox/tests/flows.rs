//! Auth, bad requests, and the stateful flows over real HTTP.

mod common;

use crisp_sandbox::Options;
use serde_json::{Value, json};

#[tokio::test]
async fn auth_failures_answer_invalid_session() {
    let env = common::default_env().await;
    let path = "website/{w}/conversations/1";
    let a = env.raw("GET", path, None, false).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.envelope()["reason"], "invalid_session");

    let url = format!("{}website/{}/conversations/1", env.sb.url(), env.w);
    let wrong_key = env
        .http
        .get(&url)
        .basic_auth(env.sb.identifier(), Some("nope"))
        .header("X-Crisp-Tier", "plugin")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_key.status().as_u16(), 401);
    let no_tier =
        env.http.get(&url).header("Authorization", env.sb.authorization()).send().await.unwrap();
    assert_eq!(no_tier.status().as_u16(), 401);
    let bad_tier = env
        .http
        .get(&url)
        .header("Authorization", env.sb.authorization())
        .header("X-Crisp-Tier", "admin")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_tier.status().as_u16(), 401);
    let ok = env
        .http
        .get(&url)
        .basic_auth(env.sb.identifier(), Some(env.sb.key()))
        .header("X-Crisp-Tier", "website")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);

    let unknown = env.get("website/{w}/no/such/route").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.envelope()["reason"], "not_found");
    let outside = env.get("../nothing").await;
    assert_eq!(outside.status, 404);
    let other_site = env.get("website/00000000-0000-4000-8000-000000000000/conversations/1").await;
    assert_eq!(other_site.status, 404);
}

#[tokio::test]
async fn bad_requests_get_a_400_naming_the_parameter() {
    let env = common::default_env().await;
    let s = env.session(1).await;
    let state = format!("website/{{w}}/conversation/{s}/state");
    let cases: Vec<(String, &str, Option<String>, &str)> = vec![
        (state.clone(), "PATCH", Some("{\"state\":".into()), "body"),
        (state.clone(), "PATCH", Some("{\"state\": 5}".into()), "body.state"),
        (state.clone(), "PATCH", Some("{\"state\": \"closed\"}".into()), "body.state"),
        (state.clone(), "PATCH", Some("[1, 2]".into()), "body"),
        (state.clone(), "PATCH", Some("{\"nope\": 1}".into()), "body.nope"),
        (format!("website/{{w}}/conversation/{s}/message"), "POST", Some("{}".into()), "body.type"),
        (
            format!("website/{{w}}/conversation/{s}/message"),
            "POST",
            Some("{\"type\":\"text\",\"from\":\"user\",\"origin\":\"chat\",\"content\":{}}".into()),
            "body.content",
        ),
        (format!("website/{{w}}/conversation/{s}/meta"), "PATCH", None, "body"),
        ("website/{w}/conversations/1?per_page=abc".into(), "GET", None, "query.per_page"),
        ("website/{w}/conversations/1?per_page=500".into(), "GET", None, "query.per_page"),
        (
            "website/{w}/conversations/1?filter_unread=maybe".into(),
            "GET",
            None,
            "query.filter_unread",
        ),
        ("website/{w}/conversations/1?bogus=1".into(), "GET", None, "query.bogus"),
        (
            "website/{w}/conversations/1?search_type=filter&search_query=%5B".into(),
            "GET",
            None,
            "query.search_query",
        ),
        ("website/{w}/conversations/0".into(), "GET", None, "pageNumber"),
        // Checked by crisp-core's own request check, as a client checks it before sending: an
        // id that would leave its path segment.
        ("website/{w}/conversation/session%3Fx".into(), "GET", None, "sessionID"),
        ("website/{w}/conversations/two".into(), "GET", None, "pageNumber"),
        ("website".into(), "HEAD", None, ""),
        (
            "website/{w}/people/profiles/1?sort_order=sideways".into(),
            "GET",
            None,
            "query.sort_order",
        ),
    ];
    for (path, method, body, param) in cases {
        let a = env.raw(method, &path, body.clone(), true).await;
        assert_eq!(a.status, 400, "{method} {path} {body:?}: {}", a.text);
        if method != "HEAD" {
            let v = a.envelope();
            assert_eq!(v["reason"], "invalid_data", "{v}");
            assert_eq!(v["data"]["param"], param, "{method} {path}: {v}");
            assert!(v["data"]["message"].as_str().unwrap().contains(param), "{v}");
        }
    }
    // Missing required query on a GET with a body-less route.
    let a = env.get("website/{w}/people/profiles/1?search_filter=%7Bbad").await;
    assert_eq!(a.status, 400);

    // Huge body: 413 envelope, and the server keeps serving.
    let huge = format!("{{\"content\": \"{}\"}}", "x".repeat(2 << 20));
    let a = env
        .raw("PATCH", &format!("website/{{w}}/conversation/{s}/message/1"), Some(huge), true)
        .await;
    assert_eq!(a.status, 413);
    assert_eq!(a.envelope()["reason"], "payload_too_large");
    // Garbage bytes.
    let a = env
        .raw(
            "PATCH",
            &state,
            Some(String::from_utf8_lossy(&[0xff, 0xfe, 0x00, 0x7b]).into_owned()),
            true,
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(env.get("website/{w}/conversations/1").await.status, 200);
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // one conversation through its whole life
async fn sent_messages_are_listed_and_state_reads_back() {
    let env = common::default_env().await;
    let s = env.session(1).await;
    let sent = env.call("POST", &format!("website/{{w}}/conversation/{s}/message"), Some(json!({"type": "text", "from": "operator", "origin": "chat", "content": "Your refund is on its way."}))).await;
    assert!(sent.status < 300, "{}", sent.text);
    let fp = sent.data()["fingerprint"].as_u64().unwrap();
    assert!(fp > 1 << 32 && fp < 1 << 53);
    let msgs = env.get(&format!("website/{{w}}/conversation/{s}/messages")).await.data();
    let last = msgs.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["content"], "Your refund is on its way.");
    assert_eq!(last["fingerprint"], fp);
    assert_eq!(last["from"], "operator");
    let one = env.get(&format!("website/{{w}}/conversation/{s}/message/{fp}")).await;
    assert_eq!(one.data()["content"], "Your refund is on its way.");
    let conv = env.get(&format!("website/{{w}}/conversation/{s}")).await.data();
    assert_eq!(conv["last_message"], "Your refund is on its way.");
    // Most recently updated first.
    let ordered = env.get("website/{w}/conversations/1").await.data();
    assert_eq!(ordered[0]["session_id"], s.as_str());

    // A private note, a file and a picker.
    for (ty, content) in [
        ("note", json!("Checked in Stripe.")),
        ("file", json!({"name": "a.png", "url": "https://x/a.png", "type": "image/png"})),
        ("picker", json!({"id": "p", "text": "Pick", "choices": []})),
    ] {
        let a = env
            .call(
                "POST",
                &format!("website/{{w}}/conversation/{s}/message"),
                Some(json!({"type": ty, "from": "operator", "origin": "chat", "content": content})),
            )
            .await;
        assert!(a.status < 300, "{ty}: {}", a.text);
    }
    let files = env.get(&format!("website/{{w}}/conversation/{s}/files/1")).await.data();
    assert!(files.as_array().unwrap().iter().any(|f| f["name"] == "a.png"));

    for state in ["resolved", "unresolved", "resolved"] {
        let a = env
            .call(
                "PATCH",
                &format!("website/{{w}}/conversation/{s}/state"),
                Some(json!({"state": state})),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(
            env.get(&format!("website/{{w}}/conversation/{s}/state")).await.data()["state"],
            state
        );
        assert_eq!(
            env.get(&format!("website/{{w}}/conversation/{s}")).await.data()["state"],
            state
        );
    }
    let resolved =
        env.get("website/{w}/conversations/1?filter_resolved=1&per_page=50").await.data();
    assert!(resolved.as_array().unwrap().iter().any(|c| c["session_id"] == s.as_str()));

    // Metas, routing, block, read.
    env.call(
        "PATCH",
        &format!("website/{{w}}/conversation/{s}/meta"),
        Some(json!({"segments": ["vip", "churn-risk"], "data": {"plan": "enterprise"}})),
    )
    .await
    .envelope();
    let meta = env.get(&format!("website/{{w}}/conversation/{s}/meta")).await.data();
    assert_eq!(meta["segments"], json!(["vip", "churn-risk"]));
    assert_eq!(meta["data"]["plan"], "enterprise");
    let op = env.get("website/{w}/operators/list").await.data()[1]["details"]["user_id"].clone();
    env.call(
        "PATCH",
        &format!("website/{{w}}/conversation/{s}/routing"),
        Some(json!({"assigned": {"user_id": op}})),
    )
    .await
    .envelope();
    assert_eq!(
        env.get(&format!("website/{{w}}/conversation/{s}/routing")).await.data()["assigned"]["user_id"],
        op
    );
    env.call(
        "PATCH",
        &format!("website/{{w}}/conversation/{s}/block"),
        Some(json!({"blocked": true})),
    )
    .await
    .envelope();
    assert_eq!(
        env.get(&format!("website/{{w}}/conversation/{s}/block")).await.data()["blocked"],
        true
    );

    // Create, then remove.
    let created =
        env.call("POST", "website/{w}/conversation", Some(json!({}))).await.data()["session_id"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_eq!(
        env.call("HEAD", &format!("website/{{w}}/conversation/{created}"), None).await.status,
        200
    );
    env.call("DELETE", &format!("website/{{w}}/conversation/{created}"), None).await.envelope();
    assert_eq!(
        env.call("HEAD", &format!("website/{{w}}/conversation/{created}"), None).await.status,
        404
    );
    assert_eq!(env.get(&format!("website/{{w}}/conversation/{created}")).await.status, 404);
}

#[tokio::test]
async fn conversation_filters_per_page_and_paging_end() {
    let env = common::default_env().await;
    let p1 = env.get("website/{w}/conversations/1").await.data();
    assert_eq!(p1.as_array().unwrap().len(), 20, "default per_page is 20");
    let p1 = env.get("website/{w}/conversations/1?per_page=50").await.data();
    assert_eq!(p1.as_array().unwrap().len(), 50);
    // Pages end with an empty page; no session twice.
    let mut seen = std::collections::HashSet::new();
    let mut page = 1;
    loop {
        let items =
            env.get(&format!("website/{{w}}/conversations/{page}?per_page=50")).await.data();
        let items = items.as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        for c in &items {
            assert!(seen.insert(c["session_id"].as_str().unwrap().to_owned()));
        }
        page += 1;
        assert!(page < 100, "paging must end");
    }
    assert!(seen.len() >= 250, "a few hundred conversations, got {}", seen.len());

    let check = |q: &'static str, pred: fn(&Value) -> bool| {
        let env = &env;
        async move {
            let items =
                env.get(&format!("website/{{w}}/conversations/1?per_page=50&{q}")).await.data();
            let items = items.as_array().unwrap().clone();
            assert!(!items.is_empty(), "{q}: some match");
            for c in &items {
                assert!(pred(c), "{q}: {c}");
            }
        }
    };
    check("filter_unread=1", |c| c["unread"]["operator"].as_u64().unwrap() > 0).await;
    check("filter_resolved=1", |c| c["state"] == "resolved").await;
    check("filter_not_resolved=1", |c| c["state"] != "resolved").await;
    check("filter_unassigned=1", |c| c["assigned"]["user_id"].is_null()).await;
    check("filter_mention=1", |c| !c["mentions"].as_array().unwrap().is_empty()).await;
    check("search_type=segment&search_query=vip", |c| {
        c["meta"]["segments"].as_array().unwrap().iter().any(|s| s == "vip")
    })
    .await;
    check("search_query=refund", |_| true).await;
    check("search_type=filter&search_query=%5B%7B%22criterion%22%3A%22meta.data.plan%22%2C%22operator%22%3A%22eq%22%2C%22query%22%3A%5B%22enterprise%22%5D%7D%5D", |c| c["meta"]["data"]["plan"] == "enterprise").await;
    let op = env.get("website/{w}/operators/list").await.data()[0]["details"]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = env.get(&format!("website/{{w}}/conversations/1?filter_assigned={op}")).await.data();
    assert!(mine.as_array().unwrap().iter().all(|c| c["assigned"]["user_id"] == op.as_str()));
    let inbox = env.get("website/{w}/inboxes/list/1").await.data()[0]["inbox_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_inbox =
        env.get(&format!("website/{{w}}/conversations/1?filter_inbox_id={inbox}")).await.data();
    assert!(in_inbox.as_array().unwrap().iter().all(|c| c["inbox_id"] == inbox.as_str()));
    let dated = env.get("website/{w}/conversations/1?filter_date_start=2025-12-20&filter_date_end=2025-12-25T00:00:00Z").await.data();
    for c in dated.as_array().unwrap() {
        let t = c["updated_at"].as_u64().unwrap();
        assert!((1_766_188_800_000..=1_766_620_800_000).contains(&t), "{t}");
    }
}

#[tokio::test]
async fn message_history_pages_with_206_then_200() {
    let env = common::default_env().await;
    let s = env.session(30).await;
    let mut before: Option<u64> = None;
    let mut all: Vec<Value> = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..50 {
        let path = match before {
            Some(t) => format!("website/{{w}}/conversation/{s}/messages?timestamp_before={t}"),
            None => format!("website/{{w}}/conversation/{s}/messages"),
        };
        let a = env.get(&path).await;
        statuses.push(a.status);
        let batch = a.data().as_array().unwrap().clone();
        before = batch.first().and_then(|m| m["timestamp"].as_u64());
        all.splice(0..0, batch);
        if a.status == 200 {
            break;
        }
        assert_eq!(a.status, 206);
    }
    assert!(statuses.len() >= 2 && statuses[0] == 206, "{statuses:?}");
    assert_eq!(*statuses.last().unwrap(), 200);
    let ts: Vec<u64> = all.iter().map(|m| m["timestamp"].as_u64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]), "oldest first, no repeats");
    let types: std::collections::HashSet<&str> =
        all.iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert!(types.contains("text"));
    for m in &all {
        let fp = m["fingerprint"].as_u64().unwrap();
        assert!(fp > 1 << 32 && fp < 1 << 53);
        for k in
            ["session_id", "website_id", "from", "origin", "content", "user", "read", "delivered"]
        {
            assert!(m.get(k).is_some(), "message lacks {k}: {m}");
        }
    }
}

#[tokio::test]
async fn people_search_sort_paging_and_writes() {
    let env = common::default_env().await;
    let p = env.get("website/{w}/people/profiles/1?per_page=50").await.data();
    assert_eq!(p.as_array().unwrap().len(), 50);
    let mut total = 0;
    for page in 1..20 {
        let n = env
            .get(&format!("website/{{w}}/people/profiles/{page}?per_page=50"))
            .await
            .data()
            .as_array()
            .unwrap()
            .len();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert!(total >= 100);
    let vip = env.get("website/{w}/people/profiles/1?search_filter=%5B%7B%22model%22%3A%22people%22%2C%22criterion%22%3A%22segments%22%2C%22operator%22%3A%22has%22%2C%22query%22%3A%5B%22vip%22%5D%7D%5D").await.data();
    assert!(!vip.as_array().unwrap().is_empty());
    assert!(
        vip.as_array().unwrap().iter().all(|p| p["segments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "vip"))
    );
    let sorted =
        env.get("website/{w}/people/profiles/1?sort_field=email&sort_order=ascending").await.data();
    let emails: Vec<String> = sorted
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["email"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(emails.windows(2).all(|w| w[0] <= w[1]), "{emails:?}");
    let gmail = env.get("website/{w}/people/profiles/1?search_text=gmail").await.data();
    assert!(
        gmail.as_array().unwrap().iter().all(|p| p["email"].as_str().unwrap().contains("gmail"))
    );

    let created = env.call("POST", "website/{w}/people/profile", Some(json!({"email": "ada@lovelace.dev", "person": {"nickname": "Ada Lovelace"}, "segments": ["beta"]}))).await;
    assert!(created.status < 300, "{}", created.text);
    let id = created.data()["people_id"].as_str().unwrap().to_owned();
    let dup = env
        .call("POST", "website/{w}/people/profile", Some(json!({"email": "ada@lovelace.dev"})))
        .await;
    assert_eq!(dup.status, 409);
    env.call(
        "PATCH",
        &format!("website/{{w}}/people/profile/{id}"),
        Some(json!({"person": {"phone": "+44 7700 900123"}})),
    )
    .await
    .envelope();
    let got = env.get(&format!("website/{{w}}/people/profile/{id}")).await.data();
    assert_eq!(got["person"]["nickname"], "Ada Lovelace");
    assert_eq!(got["person"]["phone"], "+44 7700 900123");
    env.call(
        "PATCH",
        &format!("website/{{w}}/people/data/{id}"),
        Some(json!({"data": {"plan": "pro", "mrr": 99}})),
    )
    .await
    .envelope();
    assert_eq!(env.get(&format!("website/{{w}}/people/data/{id}")).await.data()["data"]["mrr"], 99);
    env.call(
        "POST",
        &format!("website/{{w}}/people/events/{id}"),
        Some(json!({"text": "Upgraded plan", "color": "blue"})),
    )
    .await
    .envelope();
    assert_eq!(
        env.get(&format!("website/{{w}}/people/events/{id}/list/1")).await.data()[0]["text"],
        "Upgraded plan"
    );
    let found = env.get("website/{w}/people/profiles/1?search_text=lovelace").await.data();
    assert_eq!(found[0]["people_id"], id.as_str());

    // A seeded person's conversations.
    let conv = env.get("website/{w}/conversations/1?per_page=50").await.data();
    let with_person =
        conv.as_array().unwrap().iter().find(|c| c["people_id"].is_string()).unwrap().clone();
    let pid = with_person["people_id"].as_str().unwrap();
    let theirs = env.get(&format!("website/{{w}}/people/conversations/{pid}/list/1")).await.data();
    assert!(theirs.as_array().unwrap().iter().any(|s| *s == with_person["session_id"]));
}

#[tokio::test]
async fn helpdesk_articles_are_searchable_by_title() {
    let env = common::default_env().await;
    let hits =
        env.get("website/{w}/helpdesk/locale/en/articles/1?search_title=invoice").await.data();
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|a| a["title"].as_str().unwrap().to_lowercase().contains("invoice")));
    let all = env.get("website/{w}/helpdesk/locale/en/articles/1").await.data();
    assert!(all.as_array().unwrap().len() > hits.len());
    assert!(
        env.get("website/{w}/helpdesk/locale/en/articles/2")
            .await
            .data()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let id = hits[0]["article_id"].as_str().unwrap();
    assert_eq!(
        env.get(&format!("website/{{w}}/helpdesk/locale/en/article/{id}")).await.data()["article_id"],
        id
    );
    assert_eq!(env.call("HEAD", "website/{w}/helpdesk/locale/xx", None).await.status, 404);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let a = common::start(Options { seed: 7, ..Options::default() }).await;
    let b = common::start(Options { seed: 7, ..Options::default() }).await;
    let c = common::start(Options { seed: 8, ..Options::default() }).await;
    assert_eq!(a.sb.website_id(), b.sb.website_id());
    assert_eq!(a.sb.key(), b.sb.key());
    let la = a.get("website/{w}/conversations/1").await.text;
    assert_eq!(la, b.get("website/{w}/conversations/1").await.text);
    assert_ne!(la, c.get("website/{w}/conversations/1").await.text);
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let env = common::default_env().await;
    let url = format!("{}website/{}/conversations/1", env.sb.url(), env.w);
    let pre = env
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization, x-crisp-tier")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status().as_u16(), 204);
    let h = pre.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:5173");
    let allowed = h["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    for name in ["authorization", "x-crisp-tier", "content-type"] {
        assert!(allowed.contains(name), "{allowed}");
    }
    assert!(h["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));
    let got = env
        .http
        .get(&url)
        .header("Origin", "http://localhost:5173")
        .header("Authorization", env.sb.authorization())
        .header("X-Crisp-Tier", "plugin")
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["access-control-allow-origin"], "http://localhost:5173");
    let expose = got.headers()["access-control-expose-headers"].to_str().unwrap();
    assert!(expose.contains("Retry-After") && expose.contains("Bloom-Status"));
    assert_eq!(got.headers()["bloom-status"], "MISS");
}

/// Crisp takes a contact's email wherever a route takes `peopleID`; the sandbox must too.
#[tokio::test]
async fn people_routes_take_an_email_as_people_id() {
    let env = common::default_env().await;
    let first = env.get("website/{w}/people/profiles/1").await.data()[0].clone();
    let id = first["people_id"].as_str().unwrap().to_owned();
    let email = first["email"].as_str().unwrap().to_owned();
    let shouting = email.to_uppercase();

    let head = env.call("HEAD", &format!("website/{{w}}/people/profile/{email}"), None).await;
    assert_eq!(head.status, 200, "check_people_profile_exists by email");
    let profile = env.get(&format!("website/{{w}}/people/profile/{shouting}")).await;
    assert_eq!(profile.status, 200, "{}", profile.text);
    assert_eq!(profile.data()["people_id"], id.as_str());

    let saved = env
        .call(
            "PUT",
            &format!("website/{{w}}/people/data/{email}"),
            Some(json!({"data": {"plan": "pro"}})),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let data = env.get(&format!("website/{{w}}/people/data/{id}")).await.data();
    assert_eq!(data["data"]["plan"], "pro", "written by email, read by id: {data}");
    let events = env.get(&format!("website/{{w}}/people/events/{email}/list/1")).await;
    assert_eq!(events.status, 200, "{}", events.text);

    let nobody = env.call("HEAD", "website/{w}/people/profile/nobody@example.invalid", None).await;
    assert_eq!(nobody.status, 404);
}

/// `{}` is an object: an empty data object saves (clearing) or updates (nothing), never a 400.
#[tokio::test]
async fn people_data_takes_an_empty_object() {
    let env = common::default_env().await;
    let id = env.get("website/{w}/people/profiles/1").await.data()[0]["people_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("website/{{w}}/people/data/{id}");
    assert_eq!(env.call("PUT", &path, Some(json!({"data": {"a": 1}}))).await.status, 200);
    for (method, body) in [("PATCH", json!({"data": {}})), ("PATCH", json!({}))] {
        let answer = env.call(method, &path, Some(body.clone())).await;
        assert_eq!(answer.status, 200, "{method} {body}: {}", answer.text);
    }
    assert_eq!(
        env.get(&path).await.data()["data"],
        json!({"a": 1}),
        "an empty update changes nothing"
    );
    for body in [json!({"data": {}}), json!({})] {
        let answer = env.call("PUT", &path, Some(body.clone())).await;
        assert_eq!(answer.status, 200, "PUT {body}: {}", answer.text);
        assert_eq!(env.get(&path).await.data()["data"], json!({}), "an empty save clears");
    }
    let wrong = env.call("PUT", &path, Some(json!({"data": [1]}))).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.envelope()["data"]["param"], "body.data");
}
