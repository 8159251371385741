//! The sans-IO core of crisp-kit: everything about a Crisp REST API v1 call except sending it.
//!
//! This crate opens no socket, reads no clock and spawns nothing; it builds for
//! `wasm32-unknown-unknown`. The Node (napi) and browser (wasm) bindings are thin transports
//! around it, so both behave identically by construction.
//!
//! ```
//! use crisp_core::{CallOptions, Client, ResponseHeaders, json};
//!
//! let client = Client::from_json(r#"{
//!     "identifier": "7c3ef21c-1e04-41ce-8c06-5605c346f73e",
//!     "key": "cc29e1a5086e428fcc6a697d5837a66d82808e65c5cce006fbf2191ceea80a0a",
//!     "tier": "plugin",
//!     "websiteId": "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
//! }"#)?;
//!
//! // Build: endpoint id + params -> method, URL, headers, body. `websiteID` comes from the config.
//! let params = json::parse(r#"{"sessionID": "session_1"}"#)?;
//! let request = client.build("get_conversation", &params, CallOptions::default())?;
//! assert_eq!(request.url, "https://api.crisp.chat/v1/website/8c842203-7ed8-4e29-a608-7cf78a7d2fcc/conversation/session_1");
//!
//! // ...send it with any transport, then decode what came back.
//! let body = br#"{"error":false,"reason":"resolved","data":{"session_id":"session_1"}}"#;
//! let decoded = client.decode("get_conversation", 200, &ResponseHeaders::default(), body)?;
//! assert_eq!(decoded.data["session_id"], "session_1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod boundary;
pub mod catalog;
pub mod config;
mod decimal;
pub mod error;
pub mod hook;
pub mod json;
pub mod paging;
pub mod request;
pub mod response;
pub mod retry;
pub mod rtm;

pub use catalog::{
    Body, ENDPOINTS, Endpoint, EndpointInfo, Group, Method, Paging, PathKind, QueryType, Status,
};
pub use config::{AccountInfo, Config, Settings, Tier};
pub use error::{ApiFailure, CrispError, ErrorInfo};
pub use hook::{sign_hook, verify_hook};
pub use paging::{MessageWalk, PageWalk, Step};
pub use request::{CallOptions, REDACTED, Request};
pub use response::{Decoded, PageInfo, RawDecoded, ResponseHeaders};
pub use retry::{Decision, Outcome, RetryPolicy, StopReason};

use crate::json::Value;

/// A configured client: validated accounts and policies, no transport.
#[derive(Debug, Clone)]
pub struct Client {
    settings: Settings,
}

impl Client {
    /// Validates `config`.
    ///
    /// # Errors
    /// [`CrispError::InvalidConfig`] naming the field at fault.
    pub fn new(config: &Config) -> Result<Client, CrispError> {
        Ok(Client { settings: Settings::new(config)? })
    }

    /// Validates a configuration given as JSON text (what the bindings pass).
    ///
    /// # Errors
    /// [`CrispError::InvalidConfig`] for unreadable JSON, an unknown option or a bad value.
    pub fn from_json(config: &str) -> Result<Client, CrispError> {
        let config = json::parse(config).map_err(|e| CrispError::InvalidConfig {
            field: "options".into(),
            message: ["not JSON: ", &e.to_string()].concat(),
        })?;
        Client::new(&Config::from_value(&config)?)
    }

    /// The validated settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Builds the request for an endpoint. See [`request::build`].
    ///
    /// # Errors
    /// An unknown endpoint or account, a read-only refusal, or a bad parameter.
    pub fn build(
        &self,
        endpoint: &str,
        params: &Value,
        options: CallOptions<'_>,
    ) -> Result<Request, CrispError> {
        request::build(&self.settings, endpoint, params, options)
    }

    /// Decodes an answer. See [`response::decode`].
    ///
    /// # Errors
    /// The API's refusal, or an unreadable answer.
    pub fn decode(
        &self,
        endpoint: &str,
        status: u16,
        headers: &ResponseHeaders,
        body: &[u8],
    ) -> Result<Decoded, CrispError> {
        let endpoint = Endpoint::find(endpoint)
            .ok_or_else(|| CrispError::UnknownEndpoint { endpoint: endpoint.to_owned() })?;
        response::decode(endpoint, status, headers, body).map_err(|e| self.redact(e))
    }

    /// Decodes an answer, leaving `data` as JSON text. See [`response::decode_raw`].
    ///
    /// # Errors
    /// The API's refusal, or an unreadable answer.
    pub fn decode_raw<'a>(
        &self,
        endpoint: &str,
        status: u16,
        headers: &ResponseHeaders,
        body: &'a [u8],
    ) -> Result<RawDecoded<'a>, CrispError> {
        let endpoint = Endpoint::find(endpoint)
            .ok_or_else(|| CrispError::UnknownEndpoint { endpoint: endpoint.to_owned() })?;
        response::decode_raw(endpoint, status, headers, body).map_err(|e| self.redact(e))
    }

    /// Crisp's explanation in a refusal, with this client's keys redacted: it is text from
    /// outside, and it goes into error messages that get logged.
    #[inline(never)] // one copy in the wasm build, not one per decoding path
    fn redact(&self, error: CrispError) -> CrispError {
        match error {
            CrispError::Api(mut failure) => {
                failure.message = failure.message.map(|m| self.settings.redact(&m));
                CrispError::Api(failure)
            }
            other => other,
        }
    }

    /// Whether and when to retry after a failed attempt, under this client's policy.
    #[must_use]
    pub fn retry_decision(
        &self,
        method: Method,
        attempt: u32,
        outcome: Outcome,
        retry_after_ms: Option<u64>,
        seed: u64,
    ) -> Decision {
        retry::decide(&self.settings.retry, method, attempt, outcome, retry_after_ms, seed)
    }

    /// The configured accounts (`list_accounts`), never their keys.
    #[must_use]
    pub fn list_accounts(&self) -> Vec<AccountInfo> {
        self.settings.list_accounts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "cc29e1a5086e428fcc6a697d5837a66d82808e65c5cce006fbf2191ceea80a0a";

    fn refusal(data: &str) -> String {
        let client =
            Client::from_json(&format!(r#"{{"identifier": "id-1", "key": "{KEY}"}}"#)).unwrap();
        let body = format!(r#"{{"error":true,"reason":"invalid_data","data":{data}}}"#);
        client
            .decode("list_conversations", 400, &ResponseHeaders::default(), body.as_bytes())
            .unwrap_err()
            .to_string()
    }

    /// The messages and the curl line built from pieces (no `format!`, for the browser build's
    /// size), word for word as they were with `format!`.
    #[test]
    fn built_texts_are_word_for_word() {
        let client = Client::from_json(&format!(
            r#"{{"identifier": "id-1", "key": "{KEY}", "accounts": {{"eu": {{"identifier": "id-2", "key": "k"}}}}}}"#
        ))
        .unwrap();
        let refused = |endpoint: &str, params: &str| {
            client
                .build(endpoint, &json::parse(params).unwrap(), CallOptions::default())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused(
                "list_conversations",
                r#"{"websiteID":"w","pageNumber":1,"query":{"per_page":7}}"#
            ),
            "list_conversations: invalid parameter `query.per_page`: must be between 20 and 50 (got 7)"
        );
        assert_eq!(
            refused("list_conversations", r#"{"websiteID":"w","pageNumber":1,"query":{"nope":1}}"#)
                .split(" (expected ")
                .next(),
            Some("list_conversations: unknown parameter `query.nope`")
        );
        assert_eq!(
            refused(
                "delete_helpdesk_tree_path",
                r#"{"websiteID":"w","locale":"en","contentType":"article","path":"a/.."}"#
            ),
            "delete_helpdesk_tree_path: invalid parameter `path`: segment 2 must not be `.` or `..`"
        );
        assert_eq!(
            refused("get_conversation", r#"{"websiteID":"w","sessionID":"s","nope":1}"#),
            "get_conversation: unknown parameter `nope` (expected `websiteID`, `sessionID`)"
        );
        assert_eq!(
            refused("list_conversations", r#"{"websiteID":"w","pageNumber":1,"query":{"nope":1}}"#),
            "list_conversations: unknown parameter `query.nope` (expected `per_page`, `include_empty`, `filter_inbox_id`, `filter_unread`, `filter_resolved`, `filter_not_resolved`, `filter_mention`, `filter_assigned`, `filter_unassigned`, `filter_date_start`, `filter_date_end`, `order_date_created`, `order_date_updated`, `order_date_waiting`, `search_type`, `search_query`, `search_operator`)"
        );
        let config = |json: &str| Client::from_json(json).unwrap_err().to_string();
        assert_eq!(
            config(r#"{"identifier": "a", "key": "b", "nope": 1}"#)
                .split(" (expected one of ")
                .next(),
            Some("invalid configuration `nope`: unknown option")
        );
        assert_eq!(
            config(r#"{"accounts": {"eu": {"identifier": "a:b", "key": "k"}}}"#),
            "invalid configuration `accounts.eu.identifier`: must not contain `:`"
        );
        assert_eq!(
            config("{"),
            "invalid configuration `options`: not JSON: expected a string key at byte 1"
        );
        let request = client
            .build(
                "get_conversation",
                &json::parse(r#"{"websiteID":"w","sessionID":"it's"}"#).unwrap(),
                CallOptions::default(),
            )
            .unwrap();
        let curl = request.to_curl();
        assert!(
            curl.starts_with(
                "curl -X GET 'https://api.crisp.chat/v1/website/w/conversation/it'\\''s' -H 'Authorization: Basic [redacted]' -H "
            ),
            "{curl}"
        );
    }

    #[test]
    fn crisp_explanation_is_in_the_message() {
        let message = refusal(
            r#"{"namespace":"request","message":"`query.per_page` must be between 20 and 50"}"#,
        );
        assert_eq!(
            message,
            "list_conversations: Crisp answered 400 `invalid_data`: `query.per_page` must be between 20 and 50"
        );
        // No explanation: the message stays as it was.
        assert_eq!(refusal("{}"), "list_conversations: Crisp answered 400 `invalid_data`");
    }

    #[test]
    fn keys_and_tokens_in_an_explanation_are_redacted() {
        let token = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(format!("id-1:{KEY}"))
        };
        let message = refusal(&format!(r#"{{"message":"bad key {KEY}, token {token}\n!"}}"#));
        assert!(!message.contains(KEY) && !message.contains(&token), "{message}");
        assert!(message.ends_with("bad key [redacted], token [redacted] !"), "{message}");
    }

    #[test]
    fn a_long_explanation_is_cut() {
        let message = refusal(&format!(r#""{}""#, "x".repeat(1000)));
        assert!(message.ends_with('…') && message.len() < 400, "{message}");
    }
}
