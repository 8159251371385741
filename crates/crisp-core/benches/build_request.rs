//! The cost of deciding a request and decoding its answer, native, per call.
//! Run: `cargo bench -p crisp-core` (criterion prints ns per iteration).

use crisp_core::json::Value;
use crisp_core::{CallOptions, Client, Config, ResponseHeaders};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::json;

/// serde_json's `json!` value as crisp-core's own.
fn core(v: &serde_json::Value) -> Value {
    crisp_core::json::parse(&v.to_string()).unwrap()
}

fn client() -> Client {
    let config = Config::from_value(&core(&json!({
        "identifier": "7c3ef21c-1e04-41ce-8c06-5605c346f73e",
        "key": "cc29e1a5086e428fcc6a697d5837a66d82808e65c5cce006fbf2191ceea80a0a",
        "tier": "plugin",
        "websiteId": "8c842203-7ed8-4e29-a608-7cf78a7d2fcc",
    })))
    .unwrap();
    Client::new(&config).unwrap()
}

fn bench(c: &mut Criterion) {
    let client = client();
    let get = core(&json!({"sessionID": "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881"}));
    c.bench_function("build get_conversation", |b| {
        b.iter(|| {
            client
                .build(black_box("get_conversation"), black_box(&get), CallOptions::default())
                .unwrap()
        });
    });
    // What the bindings call per request: JSON params in, the request's lines out.
    let get_conversation = crisp_core::boundary::endpoint_index("get_conversation").unwrap();
    c.bench_function("boundary::prepare get_conversation", |b| {
        b.iter(|| {
            crisp_core::boundary::prepare(
                &client,
                black_box(get_conversation),
                black_box(r#"{"sessionID":"session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881"}"#),
                None,
            )
        });
    });
    // The floor: the same URL and headers with no catalog, no checks and no encoding.
    let base = "https://api.crisp.chat/v1".to_owned();
    let auth = "Basic N2MzZWYyMWMtMWUwNC00MWNlLThjMDYtNTYwNWMzNDZmNzNlOmNj".to_owned();
    c.bench_function("floor: format! the same URL", |b| {
        b.iter(|| {
            let url = format!(
                "{}/website/{}/conversation/{}",
                black_box(&base),
                black_box("8c842203-7ed8-4e29-a608-7cf78a7d2fcc"),
                black_box(get["sessionID"].as_str().unwrap())
            );
            (url, vec![("Authorization", auth.clone()), ("X-Crisp-Tier", "plugin".to_owned())])
        });
    });
    let list = core(
        &json!({"pageNumber": 3, "query": {"per_page": 50, "filter_unread": true, "search_query": "refund please"}}),
    );
    c.bench_function("build list_conversations with query", |b| {
        b.iter(|| {
            client
                .build(black_box("list_conversations"), black_box(&list), CallOptions::default())
                .unwrap()
        });
    });
    let send = core(
        &json!({"sessionID": "session_1", "body": {"type": "text", "from": "operator", "origin": "chat", "content": "Hello! How can I help?"}}),
    );
    c.bench_function("build send_message_in_conversation", |b| {
        b.iter(|| {
            client
                .build(
                    black_box("send_message_in_conversation"),
                    black_box(&send),
                    CallOptions::default(),
                )
                .unwrap()
        });
    });
    let body = br#"{"error":false,"reason":"resolved","data":{"session_id":"session_1","state":"pending","meta":{"nickname":"Jane","email":"jane@example.com"}}}"#;
    c.bench_function("decode get_conversation (150 B)", |b| {
        b.iter(|| {
            client
                .decode(
                    black_box("get_conversation"),
                    200,
                    &ResponseHeaders::default(),
                    black_box(body),
                )
                .unwrap()
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
