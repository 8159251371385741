//! The real binary: first stdout line, a request, SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Kills the child if a test fails before it stopped it, so no sandbox outlives its test.
struct Reaper(Option<std::process::Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the binary and reads its first stdout line: the guard, the line, the line as JSON.
fn start(args: &[&str], stderr: Stdio) -> (Reaper, String, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crisp-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("a first line");
    let info: Value = serde_json::from_str(&line).expect("one JSON object");
    (Reaper(Some(child)), line, info)
}

#[tokio::test]
async fn the_binary_prints_its_connection_line_serves_and_stops_on_sigterm() {
    let (mut reaper, line, info) =
        start(&["--port", "0", "--seed", "3", "--workers", "1"], Stdio::piped());
    let keys: Vec<&str> = info.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["url", "identifier", "key", "website_id", "control"] {
        assert!(keys.contains(&k), "{line}");
    }
    let url = info["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/v1/"), "{url}");
    let key = info["key"].as_str().unwrap().to_owned();

    let http = reqwest::Client::new();
    let r = http
        .get(format!("{url}website/{}/conversations/1", info["website_id"].as_str().unwrap()))
        .basic_auth(info["identifier"].as_str().unwrap(), Some(&key))
        .header("X-Crisp-Tier", "plugin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], false);
    assert_eq!(v["data"].as_array().unwrap().len(), 20);

    let pid = reaper.0.as_ref().unwrap().id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let out = reaper.0.take().unwrap().wait_with_output().expect("it exits");
    assert!(out.status.success(), "clean exit on SIGTERM: {:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&key), "stderr never shows the key");
}

#[test]
fn help_explains_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_crisp-sandbox")).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--port",
        "--seed",
        "--rate-limit",
        "--fault",
        "--latency-ms",
        "--max-body",
        "--request-log",
        "--identifier",
        "--key",
        "--website-id",
    ] {
        assert!(text.contains(flag), "{flag}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_crisp-sandbox")).arg("--nope").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn start_up_faults_and_rate_limit_come_from_flags() {
    let (mut reaper, _, info) = start(
        &[
            "--port=0",
            "--rate-limit",
            "2/m",
            "--fault",
            r#"{"kind":"status","status":503,"count":1}"#,
            "--request-log",
            "0",
        ],
        Stdio::null(),
    );
    let url = format!(
        "{}website/{}",
        info["url"].as_str().unwrap(),
        info["website_id"].as_str().unwrap()
    );
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = http
            .get(&url)
            .basic_auth(info["identifier"].as_str().unwrap(), info["key"].as_str())
            .header("X-Crisp-Tier", "plugin")
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    // Two tokens: the fault eats the first request, the second passes, the third is limited.
    assert_eq!(statuses, vec![503, 200, 429]);
    let log: Value = http
        .get(format!("{}requests", info["control"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["data"], serde_json::json!([]), "--request-log 0 keeps nothing");
    let mut child = reaper.0.take().unwrap();
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success());
}
