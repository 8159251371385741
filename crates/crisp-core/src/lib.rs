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
            message: format!("not JSON: {e}"),
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
        response::decode(endpoint, status, headers, body)
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
        response::decode_raw(endpoint, status, headers, body)
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
