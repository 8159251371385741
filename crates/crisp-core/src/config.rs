//! Client configuration: accounts (credentials, tier, default website), base URL, timeout,
//! retry policy and read-only mode.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;

use crate::error::CrispError;
use crate::json::{Map, Value};
use crate::retry::RetryPolicy;

/// The API every account talks to unless told otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.crisp.chat/v1/";

/// The name of the account made from top-level credentials.
pub const DEFAULT_ACCOUNT: &str = "default";

/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// The token tier, sent as `X-Crisp-Tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    /// Old user tokens. The official Node client's default, and so ours.
    #[default]
    User,
    /// A website token: one workspace.
    Website,
    /// A plugin token: every workspace that installed the plugin.
    Plugin,
}

impl Tier {
    /// The header value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Tier::User => "user",
            Tier::Website => "website",
            Tier::Plugin => "plugin",
        }
    }
}

/// One account as the caller writes it (JS: `{ identifier, key, tier, websiteId, baseUrl, label }`).
#[derive(Clone, Default)]
pub struct AccountConfig {
    /// Token identifier.
    pub identifier: Option<String>,
    /// Token key. Never printed.
    pub key: Option<String>,
    /// Token tier (default `user`).
    pub tier: Option<Tier>,
    /// Website id used when a call omits `websiteID`.
    pub website_id: Option<String>,
    /// API base URL for this account (default: the client's).
    pub base_url: Option<String>,
    /// A human label.
    pub label: Option<String>,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("identifier", &self.identifier)
            .field("key", &self.key.as_ref().map(|_| crate::REDACTED))
            .field("tier", &self.tier)
            .field("website_id", &self.website_id)
            .field("base_url", &self.base_url)
            .field("label", &self.label)
            .finish()
    }
}

/// The whole client configuration as the caller writes it (JS: the `new Crisp({...})` options,
/// less the transport). Top-level credentials make the account named `default`.
///
/// Read from JSON with [`Config::from_value`]: camelCase
/// options, unknown ones refused, `null` the same as leaving an option out.
#[derive(Clone, Default)]
pub struct Config {
    /// Token identifier of the default account.
    pub identifier: Option<String>,
    /// Token key of the default account. Never printed.
    pub key: Option<String>,
    /// Token tier of the default account, inherited by named accounts (default `user`).
    pub tier: Option<Tier>,
    /// Website id used when a call omits `websiteID`.
    pub website_id: Option<String>,
    /// API base URL (default `https://api.crisp.chat/v1/`), inherited by named accounts.
    pub base_url: Option<String>,
    /// A human label for the default account.
    pub label: Option<String>,
    /// More named accounts.
    pub accounts: BTreeMap<String, AccountConfig>,
    /// The account used when a call names none (default: `default`, or the only account).
    pub default_account: Option<String>,
    /// Per-attempt timeout in milliseconds (default 30 s).
    pub timeout_ms: Option<u64>,
    /// Retry policy (default: reads retried twice, writes never).
    pub retry: RetryPolicy,
    /// Refuse every write endpoint before any request exists.
    pub read_only: bool,
}

/// The options a [`Config`] takes, as the error for an unknown one lists them.
const CONFIG_OPTIONS: &[&str] = &[
    "identifier",
    "key",
    "tier",
    "websiteId",
    "baseUrl",
    "label",
    "accounts",
    "defaultAccount",
    "timeoutMs",
    "retry",
    "readOnly",
];

/// The options an [`AccountConfig`] takes.
const ACCOUNT_OPTIONS: &[&str] = &["identifier", "key", "tier", "websiteId", "baseUrl", "label"];

/// The options a [`RetryPolicy`] takes.
const RETRY_OPTIONS: &[&str] =
    &["retries", "baseDelayMs", "maxDelayMs", "maxRetryAfterMs", "retryWrites"];

// Read by hand from a `json::Value`, so that an error names the option at fault.

/// The object's entries, each unknown key refused with the ones `known` lists. `path` prefixes
/// the option names in errors (`""`, `"retry."`, `"accounts.eu."`).
fn object<'a>(path: &str, value: &'a Value, known: &[&str]) -> Result<&'a Map, CrispError> {
    let Value::Object(map) = value else {
        let name = path.trim_end_matches('.');
        return Err(invalid(if name.is_empty() { "options" } else { name }, "must be an object"));
    };
    if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
        let expected = crate::error::backticked(known.iter().copied());
        return Err(invalid(
            [path, key.as_str()].concat(),
            ["unknown option (expected one of ", &expected, ")"].concat(),
        ));
    }
    Ok(map)
}

/// An option's value, `None` when absent or null.
fn option<'a>(map: &'a Map, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn string(map: &Map, path: &str, key: &str) -> Result<Option<String>, CrispError> {
    match option(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid([path, key].concat(), "must be a string")),
    }
}

fn whole(map: &Map, path: &str, key: &str) -> Result<Option<u64>, CrispError> {
    match option(map, key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| invalid([path, key].concat(), "must be a whole number, 0 or more")),
    }
}

fn flag(map: &Map, path: &str, key: &str) -> Result<Option<bool>, CrispError> {
    match option(map, key) {
        None => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .ok_or_else(|| invalid([path, key].concat(), "must be true or false")),
    }
}

fn tier(map: &Map, path: &str) -> Result<Option<Tier>, CrispError> {
    match string(map, path, "tier")?.as_deref() {
        None => Ok(None),
        Some("user") => Ok(Some(Tier::User)),
        Some("website") => Ok(Some(Tier::Website)),
        Some("plugin") => Ok(Some(Tier::Plugin)),
        Some(_) => Err(invalid([path, "tier"].concat(), "must be `user`, `website` or `plugin`")),
    }
}

impl AccountConfig {
    /// Reads an account's options; `path` prefixes the option names in errors (`accounts.eu.`).
    ///
    /// # Errors
    /// [`CrispError::InvalidConfig`] naming the option: unknown, or of the wrong type.
    pub fn from_value(value: &Value, path: &str) -> Result<AccountConfig, CrispError> {
        let map = object(path, value, ACCOUNT_OPTIONS)?;
        Ok(AccountConfig {
            identifier: string(map, path, "identifier")?,
            key: string(map, path, "key")?,
            tier: tier(map, path)?,
            website_id: string(map, path, "websiteId")?,
            base_url: string(map, path, "baseUrl")?,
            label: string(map, path, "label")?,
        })
    }
}

impl RetryPolicy {
    /// Reads a retry policy; options left out keep their default.
    ///
    /// # Errors
    /// [`CrispError::InvalidConfig`] naming the option: unknown, or of the wrong type.
    pub fn from_value(value: &Value) -> Result<RetryPolicy, CrispError> {
        const PATH: &str = "retry.";
        let map = object(PATH, value, RETRY_OPTIONS)?;
        let default = RetryPolicy::default();
        let retries = match whole(map, PATH, "retries")? {
            None => default.retries,
            Some(n) => {
                u32::try_from(n).map_err(|_| invalid("retry.retries", "must be at most 10"))?
            }
        };
        Ok(RetryPolicy {
            retries,
            base_delay_ms: whole(map, PATH, "baseDelayMs")?.unwrap_or(default.base_delay_ms),
            max_delay_ms: whole(map, PATH, "maxDelayMs")?.unwrap_or(default.max_delay_ms),
            max_retry_after_ms: whole(map, PATH, "maxRetryAfterMs")?
                .unwrap_or(default.max_retry_after_ms),
            retry_writes: flag(map, PATH, "retryWrites")?.unwrap_or(default.retry_writes),
        })
    }
}

impl Config {
    /// Reads the options as the caller wrote them (JSON, camelCase).
    ///
    /// # Errors
    /// [`CrispError::InvalidConfig`] naming the option: unknown, or of the wrong type.
    pub fn from_value(value: &Value) -> Result<Config, CrispError> {
        let map = object("", value, CONFIG_OPTIONS)?;
        let mut accounts = BTreeMap::new();
        if let Some(v) = option(map, "accounts") {
            let Value::Object(named) = v else {
                return Err(invalid("accounts", "must be an object"));
            };
            for (name, account) in named {
                let path = ["accounts.", name.as_str(), "."].concat();
                accounts.insert(name.clone(), AccountConfig::from_value(account, &path)?);
            }
        }
        Ok(Config {
            identifier: string(map, "", "identifier")?,
            key: string(map, "", "key")?,
            tier: tier(map, "")?,
            website_id: string(map, "", "websiteId")?,
            base_url: string(map, "", "baseUrl")?,
            label: string(map, "", "label")?,
            accounts,
            default_account: string(map, "", "defaultAccount")?,
            timeout_ms: whole(map, "", "timeoutMs")?,
            retry: option(map, "retry")
                .map(RetryPolicy::from_value)
                .transpose()?
                .unwrap_or_default(),
            read_only: flag(map, "", "readOnly")?.unwrap_or(false),
        })
    }
}

impl Config {
    /// The top-level credentials as an account.
    fn top_account(&self) -> AccountConfig {
        AccountConfig {
            identifier: self.identifier.clone(),
            key: self.key.clone(),
            tier: self.tier,
            website_id: self.website_id.clone(),
            base_url: self.base_url.clone(),
            label: self.label.clone(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("account", &self.top_account())
            .field("accounts", &self.accounts)
            .field("default_account", &self.default_account)
            .field("timeout_ms", &self.timeout_ms)
            .field("retry", &self.retry)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// `text` with every occurrence of `secret` replaced by [`crate::REDACTED`]. A plain byte scan:
/// `str::replace` would bring the two-way substring searcher into the wasm build (1.1 KB raw) for
/// a few hundred bytes of text. A match of valid UTF-8 always starts and ends on character
/// boundaries, so the slices below are whole characters.
fn replace_all(text: &str, secret: &str) -> String {
    let (hay, needle) = (text.as_bytes(), secret.as_bytes());
    let mut out = String::with_capacity(text.len());
    let (mut start, mut at) = (0, 0);
    while at + needle.len() <= hay.len() {
        if hay.get(at..at + needle.len()) == Some(needle) {
            out.push_str(text.get(start..at).unwrap_or_default());
            out.push_str(crate::REDACTED);
            at += needle.len();
            start = at;
        } else {
            at += 1;
        }
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out
}

/// A validated account, ready to sign requests.
#[derive(Clone)]
pub struct Account {
    /// The account's name.
    pub name: String,
    /// A human label (default: the name).
    pub label: String,
    /// Token identifier (not secret, but kept out of previews anyway).
    pub identifier: String,
    /// Token tier.
    pub tier: Tier,
    /// Website id used when a call omits `websiteID`.
    pub website_id: Option<String>,
    /// API base URL, always ending in `/`.
    pub base_url: String,
    /// `Basic base64(identifier:key)`, computed once.
    pub(crate) authorization: String,
    /// The key itself: for the RTM `authentication` message, and to redact it from text Crisp
    /// sends back (error explanations). Never in `Debug`.
    pub(crate) key: String,
    /// The number of its header set without a body in `boundary::transport`; the set with a body
    /// is the next one.
    pub(crate) header_set: u32,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("label", &self.label)
            .field("tier", &self.tier)
            .field("website_id", &self.website_id)
            .field("base_url", &self.base_url)
            .field("authorization", &crate::REDACTED)
            .finish_non_exhaustive()
    }
}

/// What `list_accounts` tells about an account: never its key.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // the fields of `Account`
pub struct AccountInfo {
    pub id: String,
    pub label: String,
    pub tier: Tier,
    pub website_id: Option<String>,
    pub base_url: String,
    pub default: bool,
}

crate::json::name_to_json!(Tier, Tier::as_str);

impl crate::json::ToJson for AccountInfo {
    fn write_json(&self, out: &mut String) {
        crate::json::Obj::new(out)
            .field("id", &self.id)
            .field("label", &self.label)
            .field("tier", &self.tier)
            .field("websiteId", &self.website_id)
            .field("baseUrl", &self.base_url)
            .field("default", &self.default)
            .end();
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> CrispError {
    CrispError::InvalidConfig { field: field.into(), message: message.into() }
}

/// Checks a base URL and brings it to the form `scheme://host[:port]/path/`: `https://`, or
/// `http://` for a loopback host only (the key travels in every request's `Authorization`).
pub(crate) fn normalize_base_url(field: &str, url: &str) -> Result<String, CrispError> {
    check_url(url, BASE_URL).map_err(|fault| invalid(field, fault.message(BASE_URL)))?;
    let mut out = url.to_owned();
    if !out.ends_with('/') {
        out.push('/');
    }
    Ok(out)
}

/// The REST base URL's schemes.
const BASE_URL: Schemes = Schemes {
    secure: &["https"],
    clear: &["http"],
    message: "must be https://, or http:// for a server on this machine (127.0.0.0/8, [::1], localhost): the key must not cross the network in clear text",
};

/// The schemes a URL may have (lowercase, without `://`): `secure` anywhere, `clear` (clear
/// text) on a loopback host only, and the sentence that says so, for a wrong scheme and for clear
/// text elsewhere alike (static text, one per use: the browser build's budget is 60 KB gzipped).
#[derive(Clone, Copy)]
pub(crate) struct Schemes {
    pub(crate) secure: &'static [&'static str],
    pub(crate) clear: &'static [&'static str],
    pub(crate) message: &'static str,
}

/// Why [`check_url`] refused a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlFault {
    /// Not one of the schemes (written lowercase).
    Scheme,
    /// No host, or credentials in the authority.
    Host,
    /// A query, a fragment, a backslash, a space or a control character.
    Chars,
    /// A clear-text scheme for a host that is not this machine.
    ClearText,
}

impl UrlFault {
    /// One sentence, naming the schemes.
    pub(crate) fn message(self, schemes: Schemes) -> &'static str {
        match self {
            UrlFault::Scheme | UrlFault::ClearText => schemes.message,
            UrlFault::Host => "must name a host, without credentials",
            UrlFault::Chars => {
                "must not hold a query, a fragment, a backslash, spaces or control characters"
            }
        }
    }
}

/// A URL crisp-kit connects to, split: its scheme (without `://`), its authority (`host[:port]`)
/// and the rest (empty, or from the first `/`). Refused: another scheme (lowercase only), no
/// host, credentials, a query, a fragment, a backslash (WHATWG URLs read it as `/`), spaces,
/// control characters, and a clear-text scheme for a host that is not a loopback one. The
/// authority checked here is the one `fetch` and `new URL` will see: theirs ends at the first
/// `/`, `\`, `?` or `#`, and the last three are refused.
pub(crate) fn check_url(url: &str, schemes: Schemes) -> Result<(&str, &str, &str), UrlFault> {
    // strip_prefix, not a substring search: the browser build has no searcher for `://` otherwise.
    let scheme_of = |list: &'static [&'static str]| {
        list.iter().find_map(|s| Some((*s, url.strip_prefix(s)?.strip_prefix("://")?)))
    };
    let ((scheme, rest), clear) = match (scheme_of(schemes.secure), scheme_of(schemes.clear)) {
        (Some(found), _) => (found, false),
        (None, Some(found)) => (found, true),
        (None, None) => return Err(UrlFault::Scheme),
    };
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    if authority.is_empty() || authority.contains('@') {
        return Err(UrlFault::Host);
    }
    if url.contains(['?', '#', '\\', ' ']) || url.chars().any(char::is_control) {
        return Err(UrlFault::Chars);
    }
    if clear && !is_loopback(authority) {
        return Err(UrlFault::ClearText);
    }
    Ok((scheme, authority, path))
}

/// Whether an authority (`host[:port]`) names this machine: `localhost`, `[::1]`, or `127.`
/// followed by three more dot-separated decimal numbers; with a numeric port or none. Anything
/// else (`127.1`, `LOCALHOST`, `localhost.`, `foo.localhost`, a percent-encoded host) is not.
/// The numbers are not range-checked: a URL parser either reads `127.a.b.c` as an address in
/// 127.0.0.0/8 or refuses it (then nothing is sent), so no host it reads differently gets through.
/// (Written for size: the browser build's budget is 60 KB gzipped.)
pub(crate) fn is_loopback(authority: &str) -> bool {
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(port) => ("[::1]", port),
        None => authority.split_at(authority.find(':').unwrap_or(authority.len())),
    };
    let port_ok = port.is_empty()
        || (port.len() <= 6
            && port.len() > 1
            && port
                .bytes()
                .enumerate()
                .all(|(i, c)| if i == 0 { c == b':' } else { c.is_ascii_digit() }));
    let mut parts = 0;
    let ipv4 = host.starts_with("127.")
        && host.split('.').all(|p| {
            parts += 1;
            !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())
        })
        && parts == 4;
    port_ok && (ipv4 || host == "[::1]" || host == "localhost")
}

fn credential(field: &str, value: Option<&String>) -> Result<String, CrispError> {
    match value {
        None => Err(invalid(field, "is required")),
        Some(v) if v.trim().is_empty() => Err(invalid(field, "must not be empty")),
        Some(v) if v.chars().any(char::is_control) => {
            Err(invalid(field, "must not hold control characters"))
        }
        Some(v) => Ok(v.clone()),
    }
}

impl Account {
    fn from_config(
        name: &str,
        field: &str,
        c: &AccountConfig,
        base_url: &str,
    ) -> Result<Account, CrispError> {
        let identifier = credential(&[field, "identifier"].concat(), c.identifier.as_ref())?;
        if identifier.contains(':') {
            return Err(invalid([field, "identifier"].concat(), "must not contain `:`"));
        }
        let key = credential(&[field, "key"].concat(), c.key.as_ref())?;
        let base_url = match &c.base_url {
            Some(url) => normalize_base_url(&[field, "baseUrl"].concat(), url)?,
            None => base_url.to_owned(),
        };
        let website_id = match &c.website_id {
            Some(w) if w.is_empty() => None,
            other => other.clone(),
        };
        let token = base64::engine::general_purpose::STANDARD
            .encode([identifier.as_str(), ":", key.as_str()].concat());
        Ok(Account {
            name: name.to_owned(),
            label: c.label.clone().unwrap_or_else(|| name.to_owned()),
            identifier,
            tier: c.tier.unwrap_or_default(),
            website_id,
            base_url,
            authorization: ["Basic ", &token].concat(),
            key,
            header_set: 0, // numbered by Settings::new, once every account is known
        })
    }
}

/// A validated configuration: at least one account, one of them the default.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Accounts by name.
    pub accounts: BTreeMap<String, Account>,
    /// The account used when a call names none.
    pub default_account: String,
    /// Per-attempt timeout in milliseconds.
    pub timeout_ms: u64,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Whether writes are refused.
    pub read_only: bool,
}

impl Settings {
    /// `text` with every account's key (and its `Basic` token) replaced by [`crate::REDACTED`]: for
    /// text that comes from outside, such as Crisp's explanation of an error. Keys shorter than 8
    /// characters are left alone: so short a string cannot be told apart from the words around it
    /// (real Crisp keys are 64 hex digits).
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for account in self.accounts.values() {
            let token = account.authorization.get("Basic ".len()..).unwrap_or_default();
            for secret in [token, account.key.as_str()] {
                if secret.len() >= 8 {
                    out = replace_all(&out, secret);
                }
            }
        }
        out
    }

    /// Validates a configuration.
    ///
    /// # Errors
    /// [`CrispError::InvalidConfig`] naming the field: a missing identifier or key, a bad base URL,
    /// an unknown default account, a zero timeout.
    pub fn new(config: &Config) -> Result<Settings, CrispError> {
        let base = config.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base = normalize_base_url("baseUrl", base)?;
        let mut accounts = BTreeMap::new();
        let top = &config.top_account();
        if top.identifier.is_some() || top.key.is_some() || config.accounts.is_empty() {
            accounts.insert(
                DEFAULT_ACCOUNT.to_owned(),
                Account::from_config(DEFAULT_ACCOUNT, "", top, &base)?,
            );
        }
        for (name, c) in &config.accounts {
            if name.is_empty() {
                return Err(invalid("accounts", "an account name must not be empty"));
            }
            if accounts.contains_key(name) {
                return Err(invalid(
                    ["accounts.", name.as_str()].concat(),
                    "clashes with the top-level account",
                ));
            }
            // An account inherits the top-level tier and base URL unless it sets its own.
            let mut c = c.clone();
            c.tier = c.tier.or(top.tier);
            let account =
                Account::from_config(name, &["accounts.", name.as_str(), "."].concat(), &c, &base)?;
            accounts.insert(name.clone(), account);
        }
        let default_account = match &config.default_account {
            Some(name) if accounts.contains_key(name) => name.clone(),
            Some(name) => {
                return Err(invalid(
                    "defaultAccount",
                    ["no account is named `", name.as_str(), "`"].concat(),
                ));
            }
            None if accounts.contains_key(DEFAULT_ACCOUNT) => DEFAULT_ACCOUNT.to_owned(),
            None => accounts.keys().next().cloned().unwrap_or_default(),
        };
        let timeout_ms = config.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(invalid("timeoutMs", "must be above zero"));
        }
        config.retry.validate()?;
        // Two header sets per account, in the accounts' order: see `boundary::transport`.
        for (i, account) in accounts.values_mut().enumerate() {
            account.header_set = u32::try_from(2 * i).unwrap_or(u32::MAX);
        }
        Ok(Settings {
            accounts,
            default_account,
            timeout_ms,
            retry: config.retry.clone(),
            read_only: config.read_only,
        })
    }

    /// The named account, or the default one.
    #[must_use]
    pub fn account(&self, name: Option<&str>) -> Option<&Account> {
        self.accounts.get(name.unwrap_or(&self.default_account))
    }

    /// The accounts as `list_accounts` shows them: never a key.
    #[must_use]
    pub fn list_accounts(&self) -> Vec<AccountInfo> {
        self.accounts
            .values()
            .map(|a| AccountInfo {
                id: a.name.clone(),
                label: a.label.clone(),
                tier: a.tier,
                website_id: a.website_id.clone(),
                base_url: a.base_url.clone(),
                default: a.name == self.default_account,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn replace_all_finds_every_occurrence_between_any_characters() {
        assert_eq!(replace_all("é12345678é12345678", "12345678"), "é[redacted]é[redacted]");
        assert_eq!(replace_all("1234567", "12345678"), "1234567");
        assert_eq!(replace_all("", "12345678"), "");
    }

    use super::*;
    use serde_json::json;

    #[allow(clippy::needless_pass_by_value)] // called with `json!(...)`
    fn config(v: serde_json::Value) -> Config {
        Config::from_value(&crate::json::from_serde(&v)).unwrap()
    }

    #[test]
    fn top_level_credentials_make_the_default_account() {
        let s = Settings::new(&config(json!({"identifier": "id", "key": "k", "tier": "plugin"})))
            .unwrap();
        let a = s.account(None).unwrap();
        assert_eq!(a.name, "default");
        assert_eq!(a.tier, Tier::Plugin);
        assert_eq!(a.base_url, DEFAULT_BASE_URL);
        assert_eq!(a.authorization, "Basic aWQ6aw==");
    }

    #[test]
    fn named_accounts_inherit_tier_and_base_url() {
        let s = Settings::new(&config(json!({
            "tier": "website", "baseUrl": "http://127.0.0.1:9/v1",
            "accounts": {"eu": {"identifier": "a", "key": "b", "websiteId": "w1", "label": "EU"},
                         "us": {"identifier": "c", "key": "d", "tier": "plugin"}},
            "defaultAccount": "us"
        })))
        .unwrap();
        assert_eq!(s.default_account, "us");
        let eu = s.account(Some("eu")).unwrap();
        assert_eq!((eu.tier, eu.base_url.as_str()), (Tier::Website, "http://127.0.0.1:9/v1/"));
        let list = s.list_accounts();
        assert_eq!(list.len(), 2);
        assert!(list.iter().any(|a| a.id == "us" && a.default));
        let printed = crate::json::ToJson::to_json(&list) + &format!("{s:?}");
        assert!(!printed.contains("\"d\"") && !printed.contains("YTpi"), "{printed}");
    }

    #[test]
    fn clear_text_base_urls_are_for_this_machine_only() {
        let base = |url: &str| normalize_base_url("baseUrl", url);
        for ok in [
            "https://api.crisp.chat/v1/",
            "https://10.0.0.1:8443/v1",
            "http://127.0.0.1:9/v1/",
            "http://127.255.0.9/v1/",
            "http://localhost:3000/v1/",
            "http://[::1]:9/v1/",
            "http://[::1]",
            "http://127.0.0.1",
        ] {
            assert!(base(ok).is_ok(), "{ok}: {:?}", base(ok));
        }
        for (bad, fault) in [
            ("http://api.crisp.chat/v1/", UrlFault::ClearText),
            ("http://10.0.0.1/v1/", UrlFault::ClearText),
            ("http://128.0.0.1/", UrlFault::ClearText),
            ("http://127.1/", UrlFault::ClearText),
            ("http://127.0.0.1.evil.example/", UrlFault::ClearText),
            ("http://127.+1.0.1/", UrlFault::ClearText),
            ("http://127.0.0.%31/", UrlFault::ClearText),
            ("http://localhost./", UrlFault::ClearText),
            ("http://LOCALHOST/", UrlFault::ClearText),
            ("http://localhost:/", UrlFault::ClearText),
            ("http://localhost:123456/", UrlFault::ClearText),
            ("http://127.0.0.1.1/", UrlFault::ClearText),
            ("http://127..0.1/", UrlFault::ClearText),
            ("http://evil.localhost/", UrlFault::ClearText),
            ("http://localhost:80:80/", UrlFault::ClearText),
            ("http://localhost:x/", UrlFault::ClearText),
            ("http://[::2]/", UrlFault::ClearText),
            ("http://[::1]x/", UrlFault::ClearText),
            ("http://127.0.0.1\\@evil.example/", UrlFault::Host),
            ("http://evil.example\\127.0.0.1/", UrlFault::Chars),
            ("https://api.crisp.chat/v1/?x", UrlFault::Chars),
            ("https://api.crisp.chat/v1/\u{85}", UrlFault::Chars),
            ("https://api.crisp.chat/v 1/", UrlFault::Chars),
            ("HTTP://127.0.0.1/", UrlFault::Scheme),
            ("ws://127.0.0.1/", UrlFault::Scheme),
            ("http://", UrlFault::Host),
        ] {
            assert_eq!(check_url(bad, BASE_URL).unwrap_err(), fault, "{bad}");
            let e = base(bad).unwrap_err();
            let want = fault.message(BASE_URL);
            assert_eq!(
                (e.param(), e.to_string().contains(want)),
                (Some("baseUrl"), true),
                "{bad}: {e}"
            );
        }
        let e = base("http://api.crisp.chat/v1/").unwrap_err();
        assert!(e.to_string().contains("http:// for a server on this machine"), "{e}");
        assert!(e.to_string().contains("must not cross the network in clear text"), "{e}");
    }

    #[test]
    fn bad_configs_name_the_field() {
        let cases = [
            (json!({"key": "k"}), "identifier"),
            (json!({"identifier": "i"}), "key"),
            (json!({"identifier": "i:x", "key": "k"}), "identifier"),
            (json!({"identifier": "i", "key": "k", "baseUrl": "ftp://x"}), "baseUrl"),
            (json!({"identifier": "i", "key": "k", "baseUrl": "https://u:p@x/"}), "baseUrl"),
            (
                json!({"identifier": "i", "key": "k", "baseUrl": "http://api.crisp.chat/v1/"}),
                "baseUrl",
            ),
            (
                json!({"accounts": {"eu": {"identifier": "i", "key": "k", "baseUrl": "http://10.0.0.1/v1/"}}}),
                "accounts.eu.baseUrl",
            ),
            (json!({"identifier": "i", "key": "k", "timeoutMs": 0}), "timeoutMs"),
            (json!({"identifier": "i", "key": "k", "defaultAccount": "nope"}), "defaultAccount"),
            (json!({"accounts": {"a": {"identifier": "i"}}}), "accounts.a.key"),
        ];
        for (c, field) in cases {
            let err = Settings::new(&config(c.clone())).unwrap_err();
            assert_eq!(err.param(), Some(field), "{c}: {err}");
        }
    }

    #[test]
    fn reading_names_the_option_at_fault() {
        let err = |v: serde_json::Value| {
            Config::from_value(&crate::json::from_serde(&v)).map(|_| ()).unwrap_err()
        };
        let cases = [
            (json!([]), "options", "must be an object"),
            (
                json!({"identifer": "i"}),
                "identifer",
                "unknown option (expected one of `identifier`",
            ),
            (json!({"timeoutMs": -1}), "timeoutMs", "must be a whole number"),
            (json!({"timeoutMs": 1.5}), "timeoutMs", "must be a whole number"),
            (json!({"tier": "admin"}), "tier", "must be `user`, `website` or `plugin`"),
            (json!({"readOnly": "yes"}), "readOnly", "must be true or false"),
            (json!({"accounts": []}), "accounts", "must be an object"),
            (json!({"accounts": {"eu": {"id": "x"}}}), "accounts.eu.id", "unknown option"),
            (json!({"accounts": {"eu": 1}}), "accounts.eu", "must be an object"),
            (json!({"retry": {"retries": "2"}}), "retry.retries", "must be a whole number"),
            (json!({"retry": {"retries": 1u64 << 40}}), "retry.retries", "must be at most 10"),
            (json!({"retry": {"jitter": true}}), "retry.jitter", "unknown option"),
        ];
        for (c, field, message) in cases {
            let e = err(c.clone());
            assert_eq!(e.param(), Some(field), "{c}: {e}");
            assert!(e.to_string().contains(message), "{c}: {e}");
        }
        // null is the same as leaving the option out.
        let c =
            config(json!({"identifier": "i", "key": "k", "tier": null, "retry": {"retries": 0}}));
        assert_eq!((c.tier, c.retry.retries), (None, 0));
        assert!(Config::from_value(&crate::json::from_serde(&json!({"nope": 1}))).is_err());
    }

    #[test]
    fn debug_output_never_holds_the_key() {
        let c = config(json!({"identifier": "i", "key": "s3cret-key"}));
        assert!(!format!("{c:?}").contains("s3cret"));
        let s = Settings::new(&c).unwrap();
        // Neither the key nor the Authorization value made of it (what a transport is given).
        let token = "aTpzM2NyZXQta2V5"; // base64("i:s3cret-key")
        let client = crate::Client::new(&c).unwrap();
        assert!(crate::boundary::transport(&client).contains(token));
        for printed in [format!("{s:?}"), format!("{client:?}")] {
            assert!(!printed.contains("s3cret") && !printed.contains(token), "{printed}");
        }
    }
}
