//! Fault injection, the request log and the token-bucket rate limit.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a fault does to a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Waits `latency_ms`, then answers normally.
    Latency,
    /// Answers `status` (5xx, 429 or 420) with an error envelope, optionally with `Retry-After`.
    /// The request is not processed.
    Status,
    /// Processes the request, sends the headers and part of the body, then resets the connection.
    Reset,
    /// Processes the request, declares the full `Content-Length`, sends half the body and closes.
    Truncate,
    /// Answers 502 with an HTML page (as a proxy in front of the API would). Not processed.
    Html,
}

/// One fault rule, as given to `POST /_sandbox/faults` or `--fault`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// What to do.
    pub kind: FaultKind,
    /// Only for this endpoint id (`get_conversation`); every `/v1/` request when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The status of a `status` fault (default 503).
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds to send with a `status` fault (none when absent).
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// The delay of a `latency` fault, in milliseconds (default 1000).
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Apply to each matching request with this probability (0..=1; default 1).
    #[serde(default)]
    pub rate: Option<f64>,
    /// Apply to the next `count` matching requests only, then remove the rule.
    #[serde(default)]
    pub count: Option<u64>,
}

impl FaultSpec {
    /// Checks the values; the message names the field at fault.
    ///
    /// # Errors
    /// A message naming the bad field.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(status) = self.status {
            if self.kind != FaultKind::Status {
                return Err("`status` only applies to kind `status`".into());
            }
            if !(status == 420 || status == 429 || (500..=599).contains(&status)) {
                return Err(format!("`status` must be 420, 429 or 500..599, got {status}"));
            }
        }
        if self.retry_after.is_some() && self.kind != FaultKind::Status {
            return Err("`retry_after` only applies to kind `status`".into());
        }
        if self.latency_ms.is_some_and(|ms| ms > 600_000) {
            return Err("`latency_ms` must be at most 600000".into());
        }
        if self.rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
            return Err("`rate` must be between 0 and 1".into());
        }
        if self.count == Some(0) {
            return Err("`count` must be 1 or more".into());
        }
        if let Some(id) = &self.endpoint
            && crisp_core::Endpoint::find(id).is_none()
        {
            return Err(format!("`endpoint`: no endpoint `{id}` in the catalog"));
        }
        Ok(())
    }
}

/// A fault rule with its id and what is left of its count.
#[derive(Debug, Clone, Serialize)]
pub struct Fault {
    /// Id for `DELETE /_sandbox/faults/{id}`.
    pub id: u64,
    /// The rule.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// How many times it fired.
    pub fired: u64,
}

/// The active fault rules.
pub struct Faults {
    rules: Vec<Fault>,
    next_id: u64,
    rng: fastrand::Rng,
}

impl Faults {
    pub fn new(seed: u64, specs: &[FaultSpec]) -> Faults {
        let mut f =
            Faults { rules: Vec::new(), next_id: 1, rng: fastrand::Rng::with_seed(seed ^ 0xfa17) };
        for s in specs {
            f.add(s.clone());
        }
        f
    }

    pub fn add(&mut self, spec: FaultSpec) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.rules.push(Fault { id, spec, fired: 0 });
        id
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        before != self.rules.len()
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn list(&self) -> &[Fault] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The faults that fire for this request: at most one latency and one other, first rule wins.
    pub fn fire(&mut self, endpoint: Option<&str>) -> (Option<u64>, Option<FaultSpec>) {
        let mut latency = None;
        let mut other = None;
        let rng = &mut self.rng;
        for rule in &mut self.rules {
            if let Some(only) = &rule.spec.endpoint
                && Some(only.as_str()) != endpoint
            {
                continue;
            }
            let is_latency = rule.spec.kind == FaultKind::Latency;
            if (is_latency && latency.is_some()) || (!is_latency && other.is_some()) {
                continue;
            }
            if let Some(rate) = rule.spec.rate
                && rng.f64() >= rate
            {
                continue;
            }
            rule.fired += 1;
            if let Some(count) = &mut rule.spec.count {
                *count -= 1;
            }
            if is_latency {
                latency = Some(rule.spec.latency_ms.unwrap_or(1000));
            } else {
                other = Some(rule.spec.clone());
            }
        }
        self.rules.retain(|r| r.spec.count != Some(0));
        (latency, other)
    }
}

/// One received request, as `GET /_sandbox/requests` shows it.
#[derive(Debug, Clone, Serialize)]
#[allow(clippy::struct_field_names)] // `received_at` is the name users read in the JSON
pub struct Received {
    /// Sequence number, from 1 since start (never reused, not reset by clearing).
    pub seq: u64,
    /// Wall-clock time of arrival, epoch milliseconds.
    pub received_at: u64,
    pub method: String,
    /// The raw path as received (percent-encoded).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers in arrival order; `Authorization` redacted.
    pub headers: Vec<(String, String)>,
    /// The body: JSON when it parses, else text, else null.
    pub body: Value,
    /// The matched endpoint id, if the route exists.
    pub endpoint: Option<&'static str>,
    /// The status answered (null while still being answered).
    pub status: Option<u16>,
    /// The fault applied, if any.
    pub fault: Option<FaultKind>,
}

/// The log of received `/v1/` requests, bounded (oldest dropped first).
pub struct RequestLog {
    entries: VecDeque<Received>,
    capacity: usize,
    next_seq: u64,
    dropped: u64,
}

impl RequestLog {
    pub fn new(capacity: usize) -> RequestLog {
        RequestLog { entries: VecDeque::new(), capacity, next_seq: 1, dropped: 0 }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Appends an entry and returns its sequence number.
    pub fn push(&mut self, mut entry: Received) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.capacity == 0 {
            return seq;
        }
        entry.seq = seq;
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
        seq
    }

    /// Records the outcome of entry `seq`, if still held.
    pub fn finish(
        &mut self,
        seq: u64,
        status: u16,
        endpoint: Option<&'static str>,
        fault: Option<FaultKind>,
    ) {
        let Some(front) = self.entries.front().map(|e| e.seq) else { return };
        let Some(index) = seq.checked_sub(front) else { return };
        if let Some(e) = self.entries.get_mut(index as usize)
            && e.seq == seq
        {
            e.status = Some(status);
            e.endpoint = endpoint.or(e.endpoint);
            e.fault = fault.or(e.fault);
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }

    /// The held entries (optionally of one endpoint), oldest first, and how many were dropped.
    pub fn snapshot(&self, endpoint: Option<&str>) -> (Value, u64) {
        let requests: Vec<&Received> = self
            .entries
            .iter()
            .filter(|e| endpoint.is_none_or(|id| e.endpoint == Some(id)))
            .collect();
        (serde_json::to_value(requests).unwrap_or_default(), self.dropped)
    }
}

/// A token bucket: `rate` tokens a second, holding at most `burst`.
pub struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub fn new(rate: f64, burst: Option<f64>) -> Bucket {
        let burst = burst.unwrap_or(rate).max(1.0);
        Bucket { rate, burst, tokens: burst, last: Instant::now() }
    }

    /// Takes a token, or says how long until one is there.
    pub fn take(&mut self) -> Result<(), Duration> {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }

    pub fn describe(&self) -> Value {
        serde_json::json!({"per_second": self.rate, "burst": self.burst})
    }
}

/// Parses `N/s`, `N/m` or `N` (per second) into (requests per second, burst N).
///
/// # Errors
/// A message for anything else.
pub fn parse_rate(text: &str) -> Result<(f64, f64), String> {
    let (n, per) = match text.split_once('/') {
        Some((n, unit)) => (
            n,
            match unit.trim() {
                "s" | "sec" | "second" => 1.0,
                "m" | "min" | "minute" => 60.0,
                other => return Err(format!("unknown unit `{other}` (use N/s or N/m)")),
            },
        ),
        None => (text, 1.0),
    };
    match n.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok((v / per, v)),
        _ => Err(format!("`{text}` is not a positive rate like 50/s")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("50/s").unwrap(), (50.0, 50.0));
        assert_eq!(parse_rate("60/m").unwrap(), (1.0, 60.0));
        assert_eq!(parse_rate("7").unwrap(), (7.0, 7.0));
        assert!(
            parse_rate("0/s").is_err() && parse_rate("x").is_err() && parse_rate("5/h").is_err()
        );
    }

    #[test]
    fn count_faults_run_out_and_endpoint_faults_stay_on_their_route() {
        let spec = FaultSpec {
            kind: FaultKind::Status,
            endpoint: Some("get_conversation".into()),
            status: Some(503),
            retry_after: None,
            latency_ms: None,
            rate: None,
            count: Some(2),
        };
        let mut f = Faults::new(1, &[spec]);
        assert!(f.fire(Some("list_conversations")).1.is_none());
        assert!(f.fire(Some("get_conversation")).1.is_some());
        assert!(f.fire(Some("get_conversation")).1.is_some());
        assert!(f.fire(Some("get_conversation")).1.is_none());
        assert!(f.is_empty());
    }

    #[test]
    fn the_log_is_bounded() {
        let mut log = RequestLog::new(2);
        let entry = || Received {
            seq: 0,
            received_at: 0,
            method: "GET".into(),
            path: "/v1/x".into(),
            query: None,
            headers: Vec::new(),
            body: Value::Null,
            endpoint: None,
            status: None,
            fault: None,
        };
        for _ in 0..3 {
            let seq = log.push(entry());
            log.finish(seq, 200, Some("get_website"), None);
        }
        let (held, dropped) = log.snapshot(None);
        assert_eq!(held.as_array().unwrap().len(), 2);
        assert_eq!(dropped, 1);
        assert_eq!(held[0]["seq"], 2);
        assert_eq!(held[1]["status"], 200);
    }
}
