//! Walks the whole catalog over real HTTP: every endpoint with an HTTP route answers a
//! well-formed envelope (HEAD: 200/404 and no body), with valid params.

mod common;

use std::collections::HashMap;

use crisp_core::catalog::Segment;
use crisp_core::{Body, ENDPOINTS, Method, Status};
use serde_json::{Value, json};

/// Endpoints that answer 404 with valid params by design (nothing of that kind is seeded).
const EXPECTED_404: &[&str] = &[
    "get_ongoing_call_session_for_conversation",
    "resolve_helpdesk_locale_article_alternate",
    "check_helpdesk_locale_article_alternate_exists",
];

fn first_str(v: &Value, key: &str) -> String {
    v.as_array()
        .and_then(|a| a.first())
        .and_then(|x| x.pointer(key))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .to_owned()
}

fn body_for(id: &str, ids: &HashMap<&str, String>) -> Option<Value> {
    Some(match id {
        "send_message_in_conversation" => {
            json!({"type": "text", "from": "operator", "origin": "chat", "content": "Walk test"})
        }
        "change_conversation_state" => json!({"state": "resolved"}),
        "update_conversation_metas" => json!({"segments": ["vip"]}),
        "assign_conversation_routing" => json!({"assigned": {"user_id": ids["userID"]}}),
        "block_incoming_messages_for_conversation" => json!({"blocked": true}),
        "update_verify_status_for_conversation" => json!({"verified": true}),
        "update_conversation_inbox" => json!({"inbox_id": ids["inboxID"]}),
        "mark_messages_read_in_conversation"
        | "mark_conversation_as_unread"
        | "mark_messages_delivered_in_conversation" => {
            json!({"from": "operator", "origin": "chat"})
        }
        "update_message_in_conversation" => json!({"content": "edited"}),
        "save_conversation_participants" => {
            json!({"participants": [{"type": "email", "target": "a@example.com"}]})
        }
        "add_new_people_profile" => {
            json!({"email": "walk@example.com", "person": {"nickname": "Walk Test"}})
        }
        "save_people_profile" | "update_people_profile" => {
            json!({"email": "walk2@example.com", "person": {"nickname": "Walk"}})
        }
        "save_people_data" | "update_people_data" => json!({"data": {"plan": "pro"}}),
        "add_people_event" => json!({"text": "Walked", "color": "blue"}),
        "update_people_subscription_status" => json!({"email": false}),
        "batch_remove_people" => json!({"people": {"profiles": [ids["peopleID"]]}}),
        "batch_update_people_data" => {
            json!({"people": {"profiles": [ids["peopleID"]]}, "data": {"plan": "pro"}})
        }
        "batch_update_people_segments" => {
            json!({"people": {"profiles": [ids["peopleID"]]}, "segments": ["vip"]})
        }
        "batch_remove_conversations"
        | "batch_resolve_conversations"
        | "batch_read_conversations" => json!({"sessions": [ids["sessionID"]]}),
        "batch_update_conversations_data" => {
            json!({"sessions": [ids["sessionID"]], "data": {"k": "v"}})
        }
        "batch_update_conversations_segments" => {
            json!({"sessions": [ids["sessionID"]], "segments": ["vip"]})
        }
        "deliver_widget_data_edit_action_for_conversation" => {
            json!({"section_id": "s", "item_id": "i", "value": "v"})
        }
        "deliver_widget_data_fetch_action_for_conversation" => {
            json!({"section_id": "s", "item_id": "i", "data": {}})
        }
        "create_new_inbox" => json!({"name": "Partners"}),
        "add_helpdesk_locale" => json!({"locale": "de"}),
        "add_new_helpdesk_locale_article" => json!({"title": "New article"}),
        "add_helpdesk_locale_category" => json!({"name": "New category"}),
        "create_new_campaign" => json!({"type": "one-shot", "name": "Walk campaign"}),
        _ => return None,
    })
}

/// Checks answers against the catalog's shapes (crisp_core::catalog::SHAPES_JSON, from the
/// official clients' types): the sandbox must answer in the shape Crisp answers.
struct Conformance {
    shapes: Value,
    checked: Vec<&'static str>,
    failures: Vec<String>,
}

impl Conformance {
    fn new() -> Conformance {
        let shapes = serde_json::from_str(crisp_core::catalog::SHAPES_JSON).unwrap();
        Conformance { shapes, checked: Vec::new(), failures: Vec::new() }
    }

    /// The endpoints with a typed answer.
    fn typed(&self) -> Vec<&str> {
        let all = self.shapes["endpoints"].as_object().unwrap();
        all.iter().filter(|(_, s)| !s["data"].is_null()).map(|(id, _)| id.as_str()).collect()
    }

    fn check(&mut self, id: &'static str, data: &Value) {
        if self.shapes["endpoints"][id]["data"].is_null() {
            return;
        }
        // The whole table as the root, so that `#/types/...` resolves; the endpoint's schema by
        // reference.
        let mut root = json!({"types": self.shapes["types"].clone()});
        root["$ref"] = format!("#/endpoints/{id}/data").into();
        root["endpoints"] = json!({id: {"data": self.shapes["endpoints"][id]["data"].clone()}});
        let validator = jsonschema::draft202012::new(&root).unwrap();
        for error in validator.iter_errors(data).take(5) {
            self.failures.push(format!(
                "{id}: at `{}`: {error} (schema {})",
                error.instance_path(),
                error.schema_path()
            ));
        }
        self.checked.push(id);
    }
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // gathering the seeded ids, then the walk
async fn every_catalog_endpoint_answers_an_envelope() {
    let mut conformance = Conformance::new();
    let env = common::default_env().await;
    // Ids from the seeded state.
    let conv_list = env.get("website/{w}/conversations/1").await.data();
    let session = first_str(&conv_list, "/session_id");
    let msgs = env.get(&format!("website/{{w}}/conversation/{session}/messages")).await.data();
    let fingerprint = msgs[0]["fingerprint"].to_string();
    let people = env.get("website/{w}/people/profiles/1").await.data();
    let en = "website/{w}/helpdesk/locale/en";
    let articles = env.get(&format!("{en}/articles/1")).await.data();
    let categories = env.get(&format!("{en}/categories/1")).await.data();
    let category = first_str(&categories, "/category_id");
    let sections = env.get(&format!("{en}/category/{category}/sections/1")).await.data();
    let mut ids: HashMap<&str, String> = HashMap::new();
    ids.insert("websiteID", env.w.clone());
    ids.insert("sessionID", session.clone());
    ids.insert("fingerprint", fingerprint);
    ids.insert("peopleID", first_str(&people, "/people_id"));
    ids.insert(
        "inboxID",
        first_str(&env.get("website/{w}/inboxes/list/1").await.data(), "/inbox_id"),
    );
    ids.insert("teamID", first_str(&env.get("website/{w}/teams/list/1").await.data(), "/team_id"));
    ids.insert(
        "campaignID",
        first_str(&env.get("website/{w}/campaigns/list/1").await.data(), "/campaign_id"),
    );
    ids.insert(
        "templateID",
        first_str(&env.get("website/{w}/campaigns/templates/1").await.data(), "/template_id"),
    );
    ids.insert(
        "userID",
        first_str(&env.get("website/{w}/operators/list").await.data(), "/details/user_id"),
    );
    ids.insert(
        "spamID",
        first_str(&env.get("website/{w}/conversations/spams/1").await.data(), "/spam_id"),
    );
    ids.insert(
        "redirectionId",
        first_str(&env.get("website/{w}/helpdesk/redirections/1").await.data(), "/redirection_id"),
    );
    ids.insert("articleId", first_str(&articles, "/article_id"));
    ids.insert("categoryId", category);
    ids.insert("sectionId", first_str(&sections, "/section_id"));
    ids.insert("locale", "en".into());
    ids.insert("localeLinked", "fr".into());
    ids.insert("contentType", "article".into());
    ids.insert("path", "getting-started/install".into());
    ids.insert("pageNumber", "1".into());
    ids.insert("action", "opened".into());

    let mut walked = 0;
    for e in ENDPOINTS.iter().filter(|e| e.status != Status::ClientLocal) {
        let mut path = String::new();
        for seg in e.segments() {
            path.push('/');
            match seg {
                Segment::Literal(s) => path.push_str(s),
                Segment::Param(n) | Segment::Rest(n) => {
                    path.push_str(ids.get(n).map_or("x1", String::as_str));
                }
            }
        }
        let query = e.query.iter().filter(|q| q.required).map(|q| match q.name {
            "domain" => "domain=northwind.studio".to_owned(),
            n => format!("{n}=x"),
        });
        let query: Vec<String> = query.collect();
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        let body = match (e.method, e.body) {
            (Method::Post | Method::Put | Method::Patch, _) | (Method::Delete, Body::Fields(_)) => {
                Some(body_for(e.id, &ids).unwrap_or_else(|| json!({})))
            }
            _ => None,
        };
        let a = env.call(e.method.as_str(), &path, body).await;
        if e.is_head() {
            assert!(a.status == 200 || a.status == 404, "{}: HEAD answered {}", e.id, a.status);
            assert!(a.text.is_empty(), "{}: HEAD carried a body", e.id);
            assert_eq!(a.status == 404, EXPECTED_404.contains(&e.id), "{}: {}", e.id, a.status);
        } else {
            let v = a.envelope();
            if EXPECTED_404.contains(&e.id) {
                assert_eq!(a.status, 404, "{}: {v}", e.id);
            } else {
                assert!(
                    (200..300).contains(&a.status),
                    "{} {} {path}: {} {v}",
                    e.id,
                    e.method.as_str(),
                    a.status
                );
            }
            if e.paging == crisp_core::Paging::PageNumber && e.method == Method::Get {
                assert!(v["data"].is_array(), "{}: a page is an array: {v}", e.id);
            }
            if !EXPECTED_404.contains(&e.id) {
                conformance.check(e.id, &v["data"]);
            }
        }
        if e.write {
            env.control("POST", "reset", None).await;
        }
        walked += 1;
    }
    assert_eq!(walked, ENDPOINTS.len() - 1, "every endpoint but list_accounts");
    // Every endpoint with a typed answer was checked (the 404-by-design ones have no answer).
    let typed = conformance.typed();
    let unchecked: Vec<&&str> = typed
        .iter()
        .filter(|id| !conformance.checked.contains(id) && !EXPECTED_404.contains(id))
        .collect();
    assert!(unchecked.is_empty(), "typed answers never checked: {unchecked:?}");
    assert!(typed.len() > 100, "the shapes type {} answers", typed.len());
    assert!(
        conformance.failures.is_empty(),
        "{} answers are not in Crisp's shape:\n{}",
        conformance.failures.len(),
        conformance.failures.join("\n")
    );
    // The request log saw each one, matched to its endpoint.
    let log = env.control("GET", "requests", None).await;
    assert!(!log.as_array().unwrap().is_empty());
}
