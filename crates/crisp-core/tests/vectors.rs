//! The shared JSON vectors (tests/vectors/*.json), run against crisp-core directly. The JS suites
//! run the same files through the Node and wasm bindings.

use std::collections::BTreeSet;

use crisp_core::json::ToJson;
use crisp_core::{CallOptions, Client, Config, ENDPOINTS, ResponseHeaders};
use serde_json::{Value, json};

fn load(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// serde_json's value as crisp-core's own.
fn core(v: &Value) -> crisp_core::json::Value {
    crisp_core::json::parse(&v.to_string()).unwrap()
}

/// crisp-core's JSON output as serde_json's value.
fn std_json(v: &impl ToJson) -> Value {
    serde_json::from_str(&v.to_json()).unwrap()
}

fn client(config: &Value) -> Client {
    let config = Config::from_value(&core(config)).unwrap();
    Client::new(&config).unwrap()
}

#[test]
fn request_vectors() {
    let file = load("requests.json");
    let base = client(&file["config"]);
    let cases = file["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let own;
        let c = match case.get("config") {
            Some(config) => {
                let mut config = config.clone();
                config["accounts"] = file["config"]["accounts"].clone();
                own = client(&config);
                &own
            }
            None => &base,
        };
        let options = CallOptions { account: case["options"]["account"].as_str() };
        let got = c.build(case["endpoint"].as_str().unwrap(), &core(&case["params"]), options);
        match (got, case.get("request"), case.get("error")) {
            (Ok(req), Some(want), None) => {
                let headers: serde_json::Map<String, Value> =
                    req.headers.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
                let got = json!({"method": req.method.as_str(), "url": req.url, "headers": headers, "body": req.body});
                if &got != want {
                    failures.push(format!("{name}:\n  got  {got}\n  want {want}"));
                }
            }
            (Err(err), None, Some(want)) => {
                let info = err.info();
                let ok = want["code"] == info.code
                    && want.get("param").is_none_or(|p| p.as_str() == info.param.as_deref())
                    && (info.code == "unknown_endpoint"
                        || info.endpoint.as_deref() == case["endpoint"].as_str());
                if !ok {
                    failures.push(format!("{name}: got error {info:?}, want {want}"));
                }
                // The message names the endpoint and the parameter, and never the key.
                let message = err.to_string();
                if let Some(param) = info.param.as_deref() {
                    assert!(message.contains(param), "{name}: {message}");
                }
                assert!(!message.contains("cc29e1a5"), "{name}: {message}");
            }
            (got, _, _) => failures.push(format!("{name}: got {got:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} request vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_endpoint_has_a_request_vector() {
    let file = load("requests.json");
    let covered: BTreeSet<&str> =
        file["cases"].as_array().unwrap().iter().filter_map(|c| c["endpoint"].as_str()).collect();
    let missing: Vec<&str> =
        ENDPOINTS.iter().map(|e| e.id).filter(|id| !covered.contains(id)).collect();
    assert!(missing.is_empty(), "endpoints without a vector: {missing:?}");
}

#[test]
fn response_vectors() {
    let file = load("responses.json");
    // The request vectors' configuration, whose key a response may echo (and must not show).
    let c = client(&load("requests.json")["config"]);
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let headers = case["headers"].as_object().unwrap();
        let headers = ResponseHeaders::from_pairs(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())),
        );
        let status = u16::try_from(case["status"].as_u64().unwrap()).unwrap();
        let got = c.decode(
            case["endpoint"].as_str().unwrap(),
            status,
            &headers,
            case["body"].as_str().unwrap().as_bytes(),
        );
        match (got, case.get("error")) {
            (Ok(d), None) => {
                if std_json(&d.data) != case["data"]
                    || u64::from(d.status) != case["status_out"].as_u64().unwrap()
                {
                    failures.push(format!("{name}: got {d:?}"));
                }
            }
            (Err(e), Some(want)) => {
                let info = std_json(&e.info());
                for (k, v) in want.as_object().unwrap() {
                    let ok = if k == "messageContains" {
                        info["message"].as_str().unwrap().contains(v.as_str().unwrap())
                    } else {
                        &info[k] == v
                    };
                    if !ok {
                        failures.push(format!("{name}: {k} is {}, want {v}", info[k]));
                    }
                }
            }
            (got, _) => failures.push(format!("{name}: got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
