//! Real-time events (Crisp's RTM API over Socket.IO, and web hooks), sans IO: the event catalog
//! and default subscription, the `authentication` and `socket:bind` messages, the reconnect
//! policy, and the checks a received web hook must pass. The transport (socket.io-client, an HTTP
//! server) and the clock live in the bindings; time and randomness are passed in.

use crate::error::CrispError;
use crate::json::Obj;
use crate::{Client, hook};

/// The pseudo-endpoint named in real-time errors.
pub const ENDPOINT: &str = "events";

/// Every event name crisp-api 11.3.0 subscribes to by default, in its order (81).
pub const DEFAULT_EVENTS: &[&str] = &[
    "session:update_availability",
    "session:update_verify",
    "session:request:initiated",
    "session:set_email",
    "session:set_phone",
    "session:set_address",
    "session:set_subject",
    "session:set_avatar",
    "session:set_nickname",
    "session:set_origin",
    "session:set_data",
    "session:sync:pages",
    "session:sync:events",
    "session:sync:capabilities",
    "session:sync:geolocation",
    "session:sync:system",
    "session:sync:network",
    "session:sync:timezone",
    "session:sync:locales",
    "session:sync:rating",
    "session:sync:topic",
    "session:set_state",
    "session:set_block",
    "session:set_segments",
    "session:set_opened",
    "session:set_closed",
    "session:set_participants",
    "session:set_mentions",
    "session:set_routing",
    "session:set_inbox",
    "session:removed",
    "session:error",
    "message:updated",
    "message:send",
    "message:received",
    "message:removed",
    "message:compose:send",
    "message:compose:receive",
    "message:acknowledge:read:send",
    "message:acknowledge:read:received",
    "message:acknowledge:unread:send",
    "message:acknowledge:delivered",
    "message:acknowledge:ignored",
    "message:notify:unread:send",
    "message:notify:unread:received",
    "spam:message",
    "spam:decision",
    "people:profile:created",
    "people:profile:updated",
    "people:profile:removed",
    "people:bind:session",
    "people:sync:profile",
    "people:import:progress",
    "people:import:done",
    "campaign:progress",
    "campaign:dispatched",
    "campaign:running",
    "browsing:request:initiated",
    "browsing:request:rejected",
    "call:request:initiated",
    "call:request:rejected",
    "identity:verify:request",
    "status:health:changed",
    "website:update_visitors_count",
    "website:update_operators_availability",
    "website:users:available",
    "bucket:url:upload:generated",
    "bucket:url:avatar:generated",
    "bucket:url:website:generated",
    "bucket:url:campaign:generated",
    "bucket:url:helpdesk:generated",
    "bucket:url:status:generated",
    "bucket:url:processing:generated",
    "media:animation:listed",
    "email:subscribe",
    "email:track:view",
    "plugin:channel",
    "plugin:event",
    "plugin:subscription:updated",
    "plugin:settings:saved",
    "plan:subscription:updated",
];

/// Events with a payload type that are not subscribed by default.
pub const OPT_IN_EVENTS: &[&str] = &["widget:action:processed"];

/// Whether `name` is a real-time event the catalog knows.
#[must_use]
pub fn is_event(name: &str) -> bool {
    DEFAULT_EVENTS.contains(&name) || OPT_IN_EVENTS.contains(&name)
}

/// The names to subscribe: the given ones, checked and without duplicates, or the default list
/// when none are given.
///
/// # Errors
/// [`CrispError::InvalidParam`] naming `events[i]` for an unknown name.
pub fn subscription(names: Option<&[&str]>) -> Result<Vec<&'static str>, CrispError> {
    let Some(names) = names.filter(|n| !n.is_empty()) else {
        return Ok(DEFAULT_EVENTS.to_vec());
    };
    let mut out: Vec<&'static str> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let Some(known) = DEFAULT_EVENTS.iter().chain(OPT_IN_EVENTS).find(|n| *n == name) else {
            return Err(CrispError::InvalidParam {
                endpoint: ENDPOINT,
                // Pieces, not `format!`: the browser build links no `fmt::write` (60 KB budget).
                param: ["events[", &crate::json::u64_text(i as u64), "]"].concat(),
                message: [
                    "`",
                    *name,
                    "` is not a Crisp real-time event (see the event catalog: `message:send`, `session:set_state`, ...)",
                ]
                .concat(),
            });
        };
        if !out.contains(known) {
            out.push(known);
        }
    }
    Ok(out)
}

impl Client {
    /// The `authentication` message for an account (the default one when `account` is `None`):
    /// `{"tier", "username", "password", "events", "rooms"?}`, as JSON text. It holds the key:
    /// send it, never log it.
    ///
    /// # Errors
    /// An unknown account or event name.
    pub fn rtm_authentication(
        &self,
        account: Option<&str>,
        events: Option<&[&str]>,
        rooms: Option<&[&str]>,
    ) -> Result<String, CrispError> {
        let events = subscription(events)?;
        let acc = self.settings().account(account).ok_or_else(|| CrispError::UnknownAccount {
            endpoint: ENDPOINT,
            account: account.unwrap_or("").to_owned(),
        })?;
        Ok(authentication_message(acc.tier, &acc.identifier, &acc.key, &events, rooms))
    }
}

/// The `authentication` message's JSON (it holds the key).
fn authentication_message(
    tier: crate::Tier,
    identifier: &str,
    key: &str,
    events: &[&str],
    rooms: Option<&[&str]>,
) -> String {
    let mut out = String::with_capacity(256 + events.len() * 24);
    let mut o = Obj::new(&mut out)
        .field("tier", tier.as_str())
        .field("username", identifier)
        .field("password", key)
        .field("events", events);
    if let Some(rooms) = rooms {
        o = o.field("rooms", rooms);
    }
    o.end();
    out
}

/// The `socket:bind` message (sent when the set of websites changes, e.g. a plugin installed).
pub const BIND_MESSAGE: &str = "{}";

/// The shortest time between two `socket:bind`s, as crisp-api enforces (2.5 s).
pub const MIN_REBIND_INTERVAL_MS: u64 = 2_500;

/// When to reconnect after the socket dropped: capped exponential backoff with jitter, like
/// crisp-api's socket.io settings (5 to 10 s, randomisation 0.75) by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReconnectPolicy {
    /// The first delay before jitter.
    pub base_delay_ms: u64,
    /// No delay exceeds this.
    pub max_delay_ms: u64,
    /// 0..=1: each delay is drawn in `[d * (1 - r), d * (1 + r)]`, capped.
    pub randomization: f64,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy { base_delay_ms: 5_000, max_delay_ms: 10_000, randomization: 0.75 }
    }
}

impl ReconnectPolicy {
    /// The policy, with out-of-range values refused by name.
    ///
    /// # Errors
    /// [`CrispError::InvalidConfig`] naming `reconnect.*`.
    pub fn new(
        base_delay_ms: u64,
        max_delay_ms: u64,
        randomization: f64,
    ) -> Result<Self, CrispError> {
        let bad = |field: &str, message: &str| CrispError::InvalidConfig {
            field: field.to_owned(),
            message: message.to_owned(),
        };
        if base_delay_ms == 0 {
            return Err(bad("reconnect.baseDelayMs", "must be at least 1"));
        }
        if max_delay_ms < base_delay_ms {
            return Err(bad("reconnect.maxDelayMs", "must be at least baseDelayMs"));
        }
        if !(0.0..=1.0).contains(&randomization) {
            return Err(bad("reconnect.randomization", "must be between 0 and 1"));
        }
        Ok(ReconnectPolicy { base_delay_ms, max_delay_ms, randomization })
    }

    /// The wait before reconnect attempt number `attempt` (1 for the first). `seed` feeds the
    /// jitter (a fresh random number per attempt; the same inputs give the same delay).
    #[must_use]
    pub fn delay_ms(&self, attempt: u32, seed: u64) -> u64 {
        let exp = attempt.saturating_sub(1).min(32);
        let d = self.base_delay_ms.saturating_mul(1u64 << exp).min(self.max_delay_ms);
        // Delays are far below 2^52 ms and the factor is checked to be in 0..=1.
        #[allow(clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let spread = (d as f64 * self.randomization) as u64;
        let low = d.saturating_sub(spread);
        let width = spread.saturating_mul(2);
        let jittered = low + crate::retry::splitmix64(seed ^ u64::from(attempt)) % (width + 1);
        jittered.clamp(1, self.max_delay_ms)
    }
}

/// Where the RTM socket connects: what Socket.IO takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketEndpoint {
    /// `scheme://host[:port]`.
    pub origin: String,
    /// The Socket.IO `path` (`/` when the URL has none).
    pub path: String,
}

/// Checks the RTM socket URL: the `endpoint` option of `crisp.events()`, or (`discovered`) the
/// `socket.app` that `GET /v1/{tier}/connect/endpoints` answered. `wss://` or `https://`, or
/// `ws://`/`http://` for a loopback host only: the `authentication` message carries the key.
///
/// # Errors
/// [`CrispError::InvalidConfig`] naming `endpoint`, or [`CrispError::InvalidResponse`] naming
/// `socket.app` in its message.
pub fn socket_endpoint(url: &str, discovered: bool) -> Result<SocketEndpoint, CrispError> {
    const SCHEMES: crate::config::Schemes = crate::config::Schemes {
        secure: &["wss", "https"],
        clear: &["ws", "http"],
        message: "must be wss:// or https://, or ws:// or http:// for a server on this machine (127.0.0.0/8, [::1], localhost): the key must not cross the network in clear text",
    };
    match crate::config::check_url(url, SCHEMES) {
        Ok((scheme, authority, path)) => Ok(SocketEndpoint {
            origin: [scheme, "://", authority].concat(),
            path: if path.is_empty() { "/" } else { path }.to_owned(),
        }),
        Err(fault) if discovered => Err(CrispError::InvalidResponse {
            endpoint: ENDPOINT,
            status: 200,
            message: ["GET connect/endpoints: `socket.app` ", fault.message(SCHEMES)].concat(),
            snippet: String::new(),
        }),
        Err(fault) => Err(CrispError::InvalidConfig {
            field: "endpoint".to_owned(),
            message: fault.message(SCHEMES).to_owned(),
        }),
    }
}

/// The largest web hook body read, by default (1 MiB): hook URLs are public, and Crisp's
/// deliveries are a few KB.
pub const HOOK_MAX_BODY_BYTES: u64 = 1 << 20;

/// How far a web hook's `X-Crisp-Request-Timestamp` may be from now, by default (5 minutes).
pub const HOOK_WINDOW_MS: u64 = 300_000;

/// Why a received web hook was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookRefusal {
    /// No signature or no timestamp header.
    Missing,
    /// The timestamp is not a number.
    BadTimestamp,
    /// The signature does not sign this body at this timestamp with this secret.
    BadSignature,
    /// The timestamp is outside the freshness window (a stale or replayed delivery).
    Stale,
}

impl HookRefusal {
    /// A stable code: `missing`, `bad_timestamp`, `bad_signature`, `stale`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            HookRefusal::Missing => "missing",
            HookRefusal::BadTimestamp => "bad_timestamp",
            HookRefusal::BadSignature => "bad_signature",
            HookRefusal::Stale => "stale",
        }
    }
}

/// The timestamp header in milliseconds: Crisp sends milliseconds; a value below 10^11 is read
/// as seconds.
#[must_use]
pub fn hook_timestamp_ms(timestamp: &str) -> Option<u64> {
    let n: u64 = timestamp.trim().parse().ok()?;
    Some(if n < 100_000_000_000 { n.saturating_mul(1000) } else { n })
}

/// A web hook that passed [`check_hook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedHook {
    /// `X-Crisp-Request-Timestamp`, in milliseconds.
    pub timestamp_ms: u64,
    /// The MAC the signature header carried, decoded: what a replay cache keys on (one value
    /// however the header spelled it).
    pub mac: hook::HookMac,
}

/// Checks a received web hook: the signature over the raw body, in constant time, then the
/// freshness of `X-Crisp-Request-Timestamp` against `now_ms`, within `window_ms` either way.
/// Answers the timestamp in milliseconds and the decoded MAC. (A replay inside the window
/// carries a MAC already seen: the caller keeps those for `window_ms` and refuses them again.)
///
/// # Errors
/// The [`HookRefusal`].
pub fn check_hook(
    secret: &[u8],
    timestamp: Option<&str>,
    raw_body: &[u8],
    signature: Option<&str>,
    now_ms: u64,
    window_ms: u64,
) -> Result<CheckedHook, HookRefusal> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(HookRefusal::Missing);
    };
    if timestamp.is_empty() || signature.is_empty() {
        return Err(HookRefusal::Missing);
    }
    let mac = hook::check_signature(secret, timestamp, raw_body, signature)
        .ok_or(HookRefusal::BadSignature)?;
    let ts = hook_timestamp_ms(timestamp).ok_or(HookRefusal::BadTimestamp)?;
    if ts.abs_diff(now_ms) > window_ms {
        return Err(HookRefusal::Stale);
    }
    Ok(CheckedHook { timestamp_ms: ts, mac })
}

/// The JSON-text forms the bindings expose (same shape in Node and the browser); see
/// [`crate::boundary`].
pub mod text {
    use super::OPT_IN_EVENTS;
    use super::{DEFAULT_EVENTS, HOOK_MAX_BODY_BYTES, HOOK_WINDOW_MS, MIN_REBIND_INTERVAL_MS};
    use super::{ReconnectPolicy, check_hook, subscription};
    use crate::boundary::{error, whole_number};
    use crate::json::Obj;
    use crate::{Client, CrispError};

    /// `{"defaultEvents", "optInEvents", "hookWindowMs", "hookMaxBodyBytes", "minRebindMs",
    /// "reconnect"}`.
    #[must_use]
    pub fn catalog() -> String {
        let p = ReconnectPolicy::default();
        let mut out = String::with_capacity(3_000);
        let mut reconnect = String::new();
        Obj::new(&mut reconnect)
            .field("baseDelayMs", &p.base_delay_ms)
            .field("maxDelayMs", &p.max_delay_ms)
            .raw("randomization", "0.75")
            .end();
        Obj::new(&mut out)
            .field("defaultEvents", DEFAULT_EVENTS)
            .field("optInEvents", OPT_IN_EVENTS)
            .field("hookWindowMs", &HOOK_WINDOW_MS)
            .field("hookMaxBodyBytes", &HOOK_MAX_BODY_BYTES)
            .field("minRebindMs", &MIN_REBIND_INTERVAL_MS)
            .raw("reconnect", &reconnect)
            .end();
        out
    }

    /// Names given as one string, one per line (event names and website ids hold no newline);
    /// empty means none given.
    fn lines(text: &str) -> Option<Vec<&str>> {
        (!text.is_empty()).then(|| text.split('\n').collect())
    }

    /// `{"ok":true,"events":[...]}`: the checked subscription of the names in `events` (one per
    /// line; the default list when empty), or the refusal naming `events[i]`.
    #[must_use]
    pub fn subscription_json(events: &str) -> String {
        match subscription(lines(events).as_deref()) {
            Ok(list) => {
                let mut out = String::new();
                Obj::new(&mut out).field("ok", &true).field("events", &list[..]).end();
                out
            }
            Err(e) => error(&e),
        }
    }

    /// `{"ok":true,"message":{...}}`: the `authentication` message (it holds the key), or the
    /// refusal. `events` and `rooms` as for [`subscription_json`]; empty `rooms`: none sent.
    #[must_use]
    pub fn authentication(
        client: &Client,
        account: Option<&str>,
        events: &str,
        rooms: &str,
    ) -> String {
        let (events, rooms) = (lines(events), lines(rooms));
        match client.rtm_authentication(account, events.as_deref(), rooms.as_deref()) {
            Ok(message) => {
                let mut out = String::with_capacity(message.len() + 24);
                Obj::new(&mut out).field("ok", &true).raw("message", &message).end();
                out
            }
            Err(e) => error(&e),
        }
    }

    /// `{"ok":true,"message":{...}}` for the account a REST client resolved, from that client's
    /// own header set for it (`transport()`: `X-Crisp-Tier` and `Authorization`, which is
    /// `Basic base64(identifier:key)`): how the real-time module, which holds no client, gets the
    /// credentials without reading the configuration again. Empty `authorization`: the client has
    /// no account `account`, and the refusal names it. `events` and `rooms` as for
    /// [`authentication`].
    #[must_use]
    pub fn authentication_from(
        account: Option<&str>,
        tier: &str,
        authorization: &str,
        events: &str,
        rooms: &str,
    ) -> String {
        let (events, rooms) = (lines(events), lines(rooms));
        let message = subscription(events.as_deref()).and_then(|events| {
            if authorization.is_empty() {
                return Err(CrispError::UnknownAccount {
                    endpoint: super::ENDPOINT,
                    account: account.unwrap_or("").to_owned(),
                });
            }
            let (tier, identifier, key) =
                credentials(tier, authorization).ok_or_else(|| CrispError::InvalidParam {
                    endpoint: super::ENDPOINT,
                    param: "authorization".into(),
                    message: "not the `X-Crisp-Tier` and `Authorization` of a client's header set"
                        .into(),
                })?;
            Ok(super::authentication_message(tier, &identifier, &key, &events, rooms.as_deref()))
        });
        match message {
            Ok(message) => {
                let mut out = String::with_capacity(message.len() + 24);
                Obj::new(&mut out).field("ok", &true).raw("message", &message).end();
                out
            }
            Err(e) => error(&e),
        }
    }

    /// The tier, identifier and key in a header set's `X-Crisp-Tier` and `Authorization` values
    /// (identifiers hold no `:`: the configuration refuses one).
    fn credentials(tier: &str, authorization: &str) -> Option<(crate::Tier, String, String)> {
        use base64::Engine as _;
        let tier = match tier {
            "user" => crate::Tier::User,
            "website" => crate::Tier::Website,
            "plugin" => crate::Tier::Plugin,
            _ => return None,
        };
        let token = authorization.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
        let (identifier, key) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
        Some((tier, identifier.to_owned(), key.to_owned()))
    }

    /// `{"ok":true,"origin","path"}`: where the RTM socket connects (see
    /// [`super::socket_endpoint`]), or the refusal naming `endpoint` (or `socket.app`).
    #[must_use]
    pub fn socket_endpoint_json(url: &str, discovered: bool) -> String {
        match super::socket_endpoint(url, discovered) {
            Ok(e) => {
                let mut out = String::new();
                Obj::new(&mut out)
                    .field("ok", &true)
                    .field("origin", e.origin.as_str())
                    .field("path", e.path.as_str())
                    .end();
                out
            }
            Err(e) => error(&e),
        }
    }

    /// `{"ok":true,"windowMs","maxBodyBytes"}`: the options of `crisp.hooks` with their defaults
    /// (`window_ms` 0: 5 minutes; `max_body_bytes` absent: 1 MiB), or the refusal naming
    /// `hooks.windowMs` or `hooks.maxBodyBytes` (a fraction, a negative number, NaN, or a
    /// `maxBodyBytes` of 0).
    #[must_use]
    pub fn hook_options(window_ms: f64, max_body_bytes: Option<f64>) -> String {
        let window = match millis("hooks.windowMs", window_ms) {
            Ok(0) => HOOK_WINDOW_MS,
            Ok(w) => w,
            Err(e) => return error(&e),
        };
        let max = match max_body_bytes.map(whole_number) {
            None => HOOK_MAX_BODY_BYTES,
            Some(Some(n)) if n >= 1 => n,
            Some(_) => {
                return error(&CrispError::InvalidConfig {
                    field: "hooks.maxBodyBytes".to_owned(),
                    message: "must be a whole number of bytes, at least 1".to_owned(),
                });
            }
        };
        let mut out = String::new();
        Obj::new(&mut out)
            .field("ok", &true)
            .field("windowMs", &window)
            .field("maxBodyBytes", &max)
            .end();
        out
    }

    /// A JS number that must be a whole number of milliseconds, or the refusal naming `field`.
    fn millis(field: &str, n: f64) -> Result<u64, CrispError> {
        whole_number(n).ok_or_else(|| CrispError::InvalidConfig {
            field: field.to_owned(),
            message: "must be a whole, non-negative number of milliseconds".to_owned(),
        })
    }

    /// `{"ok":true,"delayMs":n}`: the wait before reconnect attempt `attempt`, or the refusal of
    /// the policy naming `reconnect.*` (a fraction, a negative number or NaN is refused, never
    /// rounded).
    #[must_use]
    pub fn reconnect_delay(
        base_delay_ms: f64,
        max_delay_ms: f64,
        randomization: f64,
        attempt: u32,
        seed: u64,
    ) -> String {
        let policy = millis("reconnect.baseDelayMs", base_delay_ms).and_then(|base| {
            let max = millis("reconnect.maxDelayMs", max_delay_ms)?;
            ReconnectPolicy::new(base, max, randomization)
        });
        match policy {
            Ok(p) => {
                let mut out = String::new();
                Obj::new(&mut out)
                    .field("ok", &true)
                    .field("delayMs", &p.delay_ms(attempt, seed))
                    .end();
                out
            }
            Err(e) => error(&e),
        }
    }

    /// `{"ok":true,"timestampMs":n,"mac":"<64 lowercase hex digits>"}` for a signed, fresh hook
    /// (`mac`: the signature decoded, one spelling whatever the header's; key replays on it);
    /// otherwise
    /// `{"ok":false,"refusal":"missing"|"bad_timestamp"|"bad_signature"|"stale"}`. Empty
    /// `timestamp`/`signature` mean the header was absent. `window_ms` 0 means the default. A
    /// `window_ms` or `now_ms` that is not a whole, non-negative number is the caller's mistake:
    /// `{"ok":false,"error":{...}}` naming `hooks.windowMs` or `nowMs`.
    #[must_use]
    pub fn check_hook_json(
        secret: &str,
        timestamp: &str,
        raw_body: &[u8],
        signature: &str,
        now_ms: f64,
        window_ms: f64,
    ) -> String {
        let (now, window) = match (millis("nowMs", now_ms), millis("hooks.windowMs", window_ms)) {
            (Ok(now), Ok(window)) => (now, if window == 0 { HOOK_WINDOW_MS } else { window }),
            (Err(e), _) | (_, Err(e)) => return error(&e),
        };
        let mut out = String::new();
        match check_hook(secret.as_bytes(), Some(timestamp), raw_body, Some(signature), now, window)
        {
            Ok(hook) => Obj::new(&mut out)
                .field("ok", &true)
                .field("timestampMs", &hook.timestamp_ms)
                .field("mac", crate::hook::mac_hex(&hook.mac).as_str())
                .end(),
            Err(r) => Obj::new(&mut out).field("ok", &false).field("refusal", r.code()).end(),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_crisp_apis_default_list() {
        assert_eq!(DEFAULT_EVENTS.len(), 81);
        assert!(is_event("message:send") && is_event("widget:action:processed"));
        assert!(!is_event("message:sent"));
        let mut sorted = DEFAULT_EVENTS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 81, "no duplicates");
    }

    #[test]
    fn a_subscription_is_checked_and_defaults_to_the_whole_list() {
        assert_eq!(subscription(None).unwrap().len(), 81);
        assert_eq!(subscription(Some(&[])).unwrap().len(), 81);
        assert_eq!(
            subscription(Some(&["message:send", "message:send", "session:set_state"])).unwrap(),
            ["message:send", "session:set_state"]
        );
        let e = subscription(Some(&["message:send", "message:sent"])).unwrap_err();
        assert_eq!(e.code(), "invalid_param");
        assert!(matches!(e, CrispError::InvalidParam { ref param, .. } if param == "events[1]"));
        assert_eq!(
            e.to_string(),
            "events: invalid parameter `events[1]`: `message:sent` is not a Crisp real-time event (see the event catalog: `message:send`, `session:set_state`, ...)"
        );
    }

    #[test]
    fn authentication_carries_the_account_and_the_events() {
        let c = Client::from_json(
            r#"{"identifier":"id-1","key":"k:ey","tier":"plugin","accounts":{"eu":{"identifier":"id-2","key":"k2","tier":"website"}}}"#,
        )
        .unwrap();
        let m: serde_json::Value = serde_json::from_str(
            &c.rtm_authentication(None, Some(&["message:send"]), None).unwrap(),
        )
        .unwrap();
        assert_eq!(
            m,
            serde_json::json!({"tier":"plugin","username":"id-1","password":"k:ey","events":["message:send"]})
        );
        let m: serde_json::Value =
            serde_json::from_str(&c.rtm_authentication(Some("eu"), None, Some(&["w1"])).unwrap())
                .unwrap();
        assert_eq!(m["username"], "id-2");
        assert_eq!(m["password"], "k2");
        assert_eq!(m["tier"], "website");
        assert_eq!(m["events"].as_array().unwrap().len(), 81);
        assert_eq!(m["rooms"], serde_json::json!(["w1"]));
        let e = c.rtm_authentication(Some("us"), None, None).unwrap_err();
        assert_eq!(e.code(), "unknown_account");
    }

    #[test]
    fn reconnect_delays_grow_are_capped_and_jittered() {
        let p = ReconnectPolicy::default();
        for seed in 0..200 {
            let d1 = p.delay_ms(1, seed);
            assert!((1_250..=8_750).contains(&d1), "{d1}");
            assert!(p.delay_ms(10, seed) <= 10_000);
        }
        let spread: std::collections::HashSet<u64> = (0..50).map(|s| p.delay_ms(1, s)).collect();
        assert!(spread.len() > 40, "jitter spreads the delays");
        assert_eq!(p.delay_ms(3, 7), p.delay_ms(3, 7), "deterministic for a seed");
        let fixed = ReconnectPolicy::new(100, 400, 0.0).unwrap();
        assert_eq!([1, 2, 3, 4].map(|a| fixed.delay_ms(a, 9)), [100, 200, 400, 400]);
        assert!(ReconnectPolicy::new(0, 1, 0.5).is_err());
        assert!(ReconnectPolicy::new(10, 5, 0.5).is_err());
        assert!(ReconnectPolicy::new(10, 50, 1.5).is_err());
    }

    #[test]
    fn the_text_forms_are_what_the_bindings_parse() {
        let c: serde_json::Value = serde_json::from_str(&text::catalog()).unwrap();
        assert_eq!(c["defaultEvents"].as_array().unwrap().len(), 81);
        assert_eq!(c["optInEvents"], serde_json::json!(["widget:action:processed"]));
        assert_eq!(c["reconnect"]["randomization"], 0.75);
        assert!(text::subscription_json("").contains("session:update_availability"));
        assert_eq!(
            text::subscription_json("message:send\nsession:set_state"),
            r#"{"ok":true,"events":["message:send","session:set_state"]}"#
        );
        assert!(text::subscription_json("message:send\nnope").contains(r#""param":"events[1]""#));
        assert_eq!(text::reconnect_delay(100.0, 400.0, 0.0, 2, 1), r#"{"ok":true,"delayMs":200}"#);
        assert!(text::reconnect_delay(-1.0, 400.0, 0.0, 2, 1).contains("reconnect.baseDelayMs"));
        let body = b"{}";
        let sig = hook::sign_hook(b"s", "1800000000000", body);
        assert_eq!(
            text::check_hook_json("s", "1800000000000", body, &sig, 1.8e12, 0.0),
            [r#"{"ok":true,"timestampMs":1800000000000,"mac":""#, &sig, r#""}"#].concat()
        );
        // The MAC is answered in one spelling, whatever the header's.
        assert_eq!(
            text::check_hook_json("s", "1800000000000", body, &sig.to_uppercase(), 1.8e12, 0.0),
            [r#"{"ok":true,"timestampMs":1800000000000,"mac":""#, &sig, r#""}"#].concat()
        );
        assert_eq!(
            text::check_hook_json(
                "s",
                "1800000000000",
                body,
                &[&sig, "\u{85}"].concat(),
                1.8e12,
                0.0
            ),
            r#"{"ok":false,"refusal":"bad_signature"}"#
        );
        assert_eq!(
            text::check_hook_json("s", "", body, &sig, 1.8e12, 0.0),
            r#"{"ok":false,"refusal":"missing"}"#
        );
    }

    #[test]
    fn a_hook_must_be_signed_and_fresh() {
        let body = br#"{"website_id":"w","event":"message:send","data":{},"timestamp":1}"#;
        let now = 1_800_000_000_000;
        let ts = now.to_string();
        let sig = hook::sign_hook(b"s", &ts, body);
        let mac = hook::parse_signature(&sig).unwrap();
        assert_eq!(
            check_hook(b"s", Some(&ts), body, Some(&sig), now, HOOK_WINDOW_MS),
            Ok(CheckedHook { timestamp_ms: now, mac })
        );
        // Tampered body, wrong secret, missing headers.
        let mut tampered = body.to_vec();
        tampered[20] ^= 1;
        assert_eq!(
            check_hook(b"s", Some(&ts), &tampered, Some(&sig), now, HOOK_WINDOW_MS),
            Err(HookRefusal::BadSignature)
        );
        assert_eq!(
            check_hook(b"x", Some(&ts), body, Some(&sig), now, HOOK_WINDOW_MS),
            Err(HookRefusal::BadSignature)
        );
        assert_eq!(check_hook(b"s", None, body, Some(&sig), now, 1), Err(HookRefusal::Missing));
        assert_eq!(check_hook(b"s", Some(&ts), body, None, now, 1), Err(HookRefusal::Missing));
        // Stale: correctly signed, but older (or newer) than the window.
        let later = now + HOOK_WINDOW_MS + 1;
        assert_eq!(
            check_hook(b"s", Some(&ts), body, Some(&sig), later, HOOK_WINDOW_MS),
            Err(HookRefusal::Stale)
        );
        assert_eq!(
            check_hook(b"s", Some(&ts), body, Some(&sig), now - HOOK_WINDOW_MS - 1, HOOK_WINDOW_MS),
            Err(HookRefusal::Stale)
        );
        // Seconds are read as seconds.
        let secs = (now / 1000).to_string();
        let sig = hook::sign_hook(b"s", &secs, body);
        assert_eq!(
            check_hook(b"s", Some(&secs), body, Some(&sig), now, 1000).map(|h| h.timestamp_ms),
            Ok(now)
        );
        let sig = hook::sign_hook(b"s", "soon", body);
        assert_eq!(
            check_hook(b"s", Some("soon"), body, Some(&sig), now, 1000),
            Err(HookRefusal::BadTimestamp)
        );
    }

    #[test]
    fn numbers_from_js_are_whole_milliseconds_or_refused_by_name() {
        let refused = |json: &str, field: &str| {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(v["ok"], false, "{json}");
            assert_eq!(v["error"]["code"], "invalid_config", "{json}");
            assert_eq!(v["error"]["param"], field, "{json}");
            assert!(
                v["error"]["message"].as_str().unwrap().contains("whole, non-negative"),
                "{json}"
            );
        };
        // A fraction is refused, not truncated (100.5 was read as 100 before).
        refused(&text::reconnect_delay(100.5, 400.0, 0.0, 1, 1), "reconnect.baseDelayMs");
        refused(&text::reconnect_delay(100.0, 400.5, 0.0, 1, 1), "reconnect.maxDelayMs");
        refused(&text::reconnect_delay(-1.0, 400.0, 0.0, 1, 1), "reconnect.baseDelayMs");
        refused(&text::reconnect_delay(100.0, -400.0, 0.0, 1, 1), "reconnect.maxDelayMs");
        refused(&text::reconnect_delay(f64::NAN, 400.0, 0.0, 1, 1), "reconnect.baseDelayMs");
        refused(&text::reconnect_delay(100.0, f64::INFINITY, 0.0, 1, 1), "reconnect.maxDelayMs");
        // The policy's own checks still answer, directly.
        let zero: serde_json::Value =
            serde_json::from_str(&text::reconnect_delay(0.0, 400.0, 0.0, 1, 1)).unwrap();
        assert_eq!(zero["error"]["param"], "reconnect.baseDelayMs");
        assert!(zero["error"]["message"].as_str().unwrap().contains("at least 1"));
        let below: serde_json::Value =
            serde_json::from_str(&text::reconnect_delay(500.0, 400.0, 0.0, 1, 1)).unwrap();
        assert_eq!(below["error"]["param"], "reconnect.maxDelayMs");
        let body = b"{}";
        let sig = hook::sign_hook(b"s", "1800000000000", body);
        refused(
            &text::check_hook_json("s", "1800000000000", body, &sig, 1.8e12, 1.5),
            "hooks.windowMs",
        );
        refused(
            &text::check_hook_json("s", "1800000000000", body, &sig, 1.8e12, -1.0),
            "hooks.windowMs",
        );
        refused(&text::check_hook_json("s", "1800000000000", body, &sig, f64::NAN, 0.0), "nowMs");
        refused(
            &text::check_hook_json("s", "1800000000000", body, &sig, 1.8e12 + 0.5, 0.0),
            "nowMs",
        );
        // A whole window is used as given: one millisecond too old is stale.
        assert_eq!(
            text::check_hook_json("s", "1800000000000", body, &sig, 1.8e12 + 1001.0, 1000.0),
            r#"{"ok":false,"refusal":"stale"}"#
        );
    }

    #[test]
    fn the_socket_is_encrypted_off_this_machine() {
        let ok = |url: &str, origin: &str, path: &str| {
            let e = socket_endpoint(url, false).unwrap();
            assert_eq!((e.origin.as_str(), e.path.as_str()), (origin, path), "{url}");
        };
        ok("wss://app.relay.crisp.chat/", "wss://app.relay.crisp.chat", "/");
        ok("https://app.relay.crisp.chat", "https://app.relay.crisp.chat", "/");
        ok("http://127.0.0.1:4000/socket.io/", "http://127.0.0.1:4000", "/socket.io/");
        ok("ws://localhost:4000/", "ws://localhost:4000", "/");
        ok("ws://[::1]:9/", "ws://[::1]:9", "/");
        for bad in [
            "ws://app.relay.crisp.chat/",
            "http://app.relay.crisp.chat/",
            "http://192.168.1.2:4000/",
            "ftp://app.relay.crisp.chat/",
            "wss://u:p@app.relay.crisp.chat/",
            "wss://app.relay.crisp.chat/?EIO=4",
            "",
        ] {
            let e = socket_endpoint(bad, false).unwrap_err();
            assert_eq!((e.code(), e.param()), ("invalid_config", Some("endpoint")), "{bad}");
            let e = socket_endpoint(bad, true).unwrap_err();
            assert_eq!(e.code(), "invalid_response", "{bad}");
            assert!(e.to_string().contains("`socket.app`"), "{bad}: {e}");
        }
        let e = socket_endpoint("ws://app.relay.crisp.chat/", false).unwrap_err();
        assert!(e.to_string().contains("ws:// or http:// for a server on this machine"), "{e}");
        assert_eq!(
            text::socket_endpoint_json("wss://a.example/", true),
            r#"{"ok":true,"origin":"wss://a.example","path":"/"}"#
        );
        assert!(text::socket_endpoint_json("ws://a.example/", true).contains("invalid_response"));
    }

    #[test]
    fn hook_options_have_defaults_and_refuse_by_name() {
        assert_eq!(
            text::hook_options(0.0, None),
            r#"{"ok":true,"windowMs":300000,"maxBodyBytes":1048576}"#
        );
        assert_eq!(
            text::hook_options(1000.0, Some(10.0)),
            r#"{"ok":true,"windowMs":1000,"maxBodyBytes":10}"#
        );
        for (window, max, field) in [
            (0.5, None, "hooks.windowMs"),
            (-1.0, None, "hooks.windowMs"),
            (0.0, Some(0.0), "hooks.maxBodyBytes"),
            (0.0, Some(1.5), "hooks.maxBodyBytes"),
            (0.0, Some(-1.0), "hooks.maxBodyBytes"),
            (0.0, Some(f64::NAN), "hooks.maxBodyBytes"),
            (0.0, Some(f64::INFINITY), "hooks.maxBodyBytes"),
        ] {
            let v: serde_json::Value =
                serde_json::from_str(&text::hook_options(window, max)).unwrap();
            assert_eq!(v["error"]["param"], field, "{window} {max:?}");
            assert_eq!(v["error"]["code"], "invalid_config");
        }
    }

    /// What `rtmAuthentication` is given, as the façade takes it from a REST client: the
    /// `X-Crisp-Tier` and `Authorization` of the account's header set in `transport()` (two sets
    /// per account, in `listAccounts` order), or empty strings for an account it does not have.
    fn from_transport(client: &Client, account: Option<&str>) -> (String, String) {
        let shared: serde_json::Value =
            serde_json::from_str(&crate::boundary::transport(client)).unwrap();
        let accounts = client.list_accounts();
        let Some(i) = accounts.iter().position(|a| account.map_or(a.default, |name| a.id == name))
        else {
            return (String::new(), String::new());
        };
        let set = &shared["headers"][2 * i];
        (
            set["X-Crisp-Tier"].as_str().unwrap().to_owned(),
            set["Authorization"].as_str().unwrap().to_owned(),
        )
    }

    #[test]
    fn authentication_from_a_clients_header_set_is_the_clients_message() {
        // Named accounts: the default chosen as the client chooses it, the tier inherited; the
        // same message as the client's own for every account, and a refusal for an unknown one.
        for config in [
            r#"{"identifier":"id-1","key":"k:ey","tier":"plugin"}"#,
            r#"{"tier":"website","accounts":{"us":{"identifier":"u","key":"ku"},"eu":{"identifier":"e","key":"ke","tier":"plugin"}}}"#,
            r#"{"identifier":"t","key":"kt","accounts":{"eu":{"identifier":"e","key":"ke"}},"defaultAccount":"eu","timeoutMs":5}"#,
            r#"{"identifier":"t","key":"kt","tier":"plugin","accounts":{"eu":{"identifier":"e","key":"ké"}}}"#,
        ] {
            let client = Client::from_json(config).unwrap();
            for account in [None, Some("us"), Some("eu"), Some("default"), Some("nope")] {
                let (tier, authorization) = from_transport(&client, account);
                assert_eq!(
                    text::authentication_from(account, &tier, &authorization, "", "w1"),
                    text::authentication(&client, account, "", "w1"),
                    "{config} {account:?}"
                );
            }
        }
        let unknown = text::authentication_from(Some("us"), "", "", "", "");
        assert!(unknown.contains(r#""code":"unknown_account""#), "{unknown}");
        // Events are checked first, as for a client.
        let bad = text::authentication_from(None, "plugin", "Basic aTpr", "message:sent", "");
        assert!(bad.contains(r#""param":"events[0]""#), "{bad}");
        assert!(
            text::authentication_from(None, "plugin", "Basic aTpr", "", "")
                .contains(r#""username":"i""#)
        );
        // What no client's header set holds: refused, naming the parameter, never echoing it.
        for (tier, authorization) in [
            ("gold", "Basic aTpr"),
            ("plugin", "Bearer aTpr"),
            ("plugin", "Basic !!"),
            ("plugin", "Basic aWs="),
        ] {
            let refused = text::authentication_from(None, tier, authorization, "", "");
            assert!(refused.contains(r#""param":"authorization""#), "{refused}");
            assert!(!refused.contains("aTpr") && !refused.contains("aWs="), "{refused}");
        }
    }
}
