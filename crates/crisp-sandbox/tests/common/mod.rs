//! Shared helpers: a sandbox on port 0 and a small client for it.
#![allow(dead_code)] // each test file uses a different part

use crisp_sandbox::{Options, Sandbox};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub struct Env {
    pub sb: Sandbox,
    pub http: reqwest::Client,
    pub w: String,
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as a Crisp envelope; panics (failing the test) when it is not one.
    pub fn envelope(&self) -> Value {
        let v: Value = serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text));
        assert!(v["error"].is_boolean(), "no boolean `error`: {v}");
        assert!(v["reason"].is_string(), "no string `reason`: {v}");
        assert!(v.get("data").is_some(), "no `data`: {v}");
        assert_eq!(v["error"], self.status >= 400, "error flag vs status {}: {v}", self.status);
        v
    }

    pub fn data(&self) -> Value {
        self.envelope()["data"].clone()
    }
}

pub async fn start(options: Options) -> Env {
    let sb = crisp_sandbox::start(options).await.expect("sandbox starts");
    let w = sb.website_id().to_owned();
    Env { sb, http: reqwest::Client::new(), w }
}

pub async fn default_env() -> Env {
    start(Options::default()).await
}

impl Env {
    /// A `/v1/` call with the right credentials; `path` is below `/v1/`, `{w}` is the website id.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.raw(method, path, body.map(|b| b.to_string()), true).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    pub async fn raw(&self, method: &str, path: &str, body: Option<String>, auth: bool) -> Answer {
        let url =
            format!("{}{}", self.sb.url(), path.trim_start_matches('/').replace("{w}", &self.w));
        let mut req = self.http.request(method.parse().expect("method"), url);
        if auth {
            req = req
                .header("Authorization", self.sb.authorization())
                .header("X-Crisp-Tier", "plugin");
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body read");
        Answer { status, headers, text }
    }

    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.sb.control_url(), path);
        let mut req = self.http.request(method.parse().expect("method"), url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("control request");
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.expect("control JSON");
        assert!(status < 300, "control {method} {path}: {status} {v}");
        v["data"].clone()
    }

    /// A seeded conversation id (the most recently updated one with at least `min` messages).
    pub async fn session(&self, min: usize) -> String {
        for page in 1..=20 {
            let list =
                self.get(&format!("website/{{w}}/conversations/{page}?per_page=50")).await.data();
            for c in list.as_array().expect("list") {
                let id = c["session_id"].as_str().expect("session_id").to_owned();
                let a = self.get(&format!("website/{{w}}/conversation/{id}/messages")).await;
                let n = a.data().as_array().map_or(0, Vec::len);
                if n >= min.min(20) && (min <= 20 || a.status == 206) {
                    return id;
                }
            }
        }
        panic!("no conversation with {min} messages");
    }
}
