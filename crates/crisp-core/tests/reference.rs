//! The catalog against the reconciled reference table (reference/crisp-endpoints.json, a
//! copy of shared/reference): every id, title, method, path, write flag, parameter and status.

use crisp_core::catalog::{Body, Paging, Status, describe_all};
use crisp_core::json::ToJson;
use serde_json::Value;

/// crisp-core's JSON output as serde_json's value.
fn std_json(v: &impl ToJson) -> Value {
    serde_json::from_str(&v.to_json()).unwrap()
}

fn reference() -> Vec<Value> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let ours =
        std::fs::read_to_string(format!("{dir}/../../reference/crisp-endpoints.json")).unwrap();
    // When the shared reference sits beside the checkout, the copy must not have drifted from it.
    if let Ok(shared) =
        std::fs::read_to_string(format!("{dir}/../../../shared/reference/crisp-endpoints.json"))
    {
        assert!(
            shared == ours,
            "reference/crisp-endpoints.json differs from shared/reference: copy it again"
        );
    }
    serde_json::from_str(&ours).unwrap()
}

/// Known additions to the reference, each with its source.
const EXTRA_QUERY: &[(&str, &str)] = &[
    // CRISP_API.md: `per_page` (20..50) is taken by the conversations and people lists.
    ("list_people_profiles", "per_page"),
];

#[test]
fn catalog_matches_the_reference_table() {
    let reference = reference();
    let catalog = describe_all();
    assert_eq!(catalog.len(), reference.len());
    let mut problems = Vec::new();
    for r in &reference {
        let id = r["id"].as_str().unwrap();
        let Some(e) = crisp_core::Endpoint::find(id) else {
            problems.push(format!("{id}: missing from the catalog"));
            continue;
        };
        let info = e.describe();
        let mut check = |what: &str, ours: Value, theirs: &Value| {
            if &ours != theirs {
                problems.push(format!("{id}: {what} is {ours}, reference says {theirs}"));
            }
        };
        check("title", Value::from(info.title), &r["title"]);
        check("method", std_json(&info.method), &r["method"]);
        check("path", std_json(&info.path), &r["path"]);
        check("write", Value::from(info.write), &r["write"]);
        check("group", Value::from(info.group.as_str()), &r["group"]);
        check("path_params", std_json(&info.path_params), &r["path_params"]);
        let query: Vec<&str> = info
            .query_params
            .iter()
            .map(|q| q.name)
            .filter(|name| !EXTRA_QUERY.contains(&(id, *name)))
            .collect();
        check("query_params", std_json(&query), &r["query_params"]);
        check("body", Value::from(e.body != Body::None), &r["body"]);
        check("paginated", Value::from(e.paging == Paging::PageNumber), &r["paginated"]);
        check("status", std_json(&info.status), &r["status"]);
        if e.status == Status::LegacyHelpdesk {
            assert!(info.deprecated && e.doc.contains("Deprecated"), "{id}");
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn shared_routes_coexist() {
    // The four pairs CRISP_API.md names: one method and path, two endpoints, told apart by body.
    let mut routes = std::collections::BTreeMap::<(String, String), Vec<&str>>::new();
    for e in crisp_core::ENDPOINTS.iter().filter(|e| e.status != Status::ClientLocal) {
        routes.entry((e.method.as_str().to_owned(), e.path.to_owned())).or_default().push(e.id);
    }
    let shared: Vec<_> = routes.into_iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert_eq!(shared.len(), 4, "{shared:?}");
    assert!(shared.iter().all(|(_, ids)| ids.len() == 2));
}

#[test]
fn destructive_endpoints_are_the_writes_that_destroy() {
    use crisp_core::catalog::{ENDPOINTS, Endpoint, Method};
    let destructive = |id: &str| Endpoint::find(id).unwrap().is_destructive();
    // Named by what they do: removing, deleting, blocking, aborting.
    for id in [
        "remove_conversation",
        "batch_remove_people",
        "block_incoming_messages_for_conversation",
        "delete_website",
    ] {
        assert!(destructive(id), "{id} destroys");
    }
    // Writes that change, add or send, and every read: not destructive.
    for id in [
        "send_message_in_conversation",
        "update_conversation_metas",
        "get_conversation",
        "list_conversations",
    ] {
        assert!(!destructive(id), "{id} does not destroy");
    }
    // Every DELETE write is, whatever its name; no read is, whatever its name.
    for e in ENDPOINTS {
        if e.write && e.method == Method::Delete {
            assert!(e.is_destructive(), "{} is a DELETE", e.id);
        }
        if !e.write {
            assert!(!e.is_destructive(), "{} only reads", e.id);
        }
    }
}
