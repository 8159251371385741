//! The catalog: every Crisp REST API v1 endpoint as one typed, static table.
//!
//! The table (`table.rs`) is plain data: struct literals over a `BASE` default, so an entry says
//! only what differs. Everything else in crisp-kit (request building, the sandbox's router, the
//! TypeScript types, docs/ENDPOINTS.md, the MCP tools) is derived from it.

/// Declares a catalog enum once: its variants with the name each has in the API, the JSON catalog
/// and the generated TypeScript; `ALL` in declaration order (the packed text's letter codes and
/// the codegen index it); `as_str`; and its JSON form. Nothing restates the list elsewhere.
macro_rules! catalog_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// Its name in the API and the catalog.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        crate::json::name_to_json!($name, $name::as_str);
    };
}
pub(crate) use catalog_enum;

mod bodies;
#[doc(hidden)] // for xtask, which writes the packed text
pub mod packed;
mod table;

pub use table::ENDPOINTS;

/// What each endpoint takes and answers: one shared type table of JSON Schemas, per endpoint its
/// `body` and `data` schema (`$ref`s into `types`, null where no source knows), per real-time
/// event its payload. Written by `cargo run -p xtask -- codegen` from the official clients' types
/// with every conflict decided (docs/SHAPES.md). Not in the browser build, which does not need it.
#[cfg(not(target_arch = "wasm32"))]
pub const SHAPES_JSON: &str = include_str!("shapes.json");

/// The catalog the core serves: the table itself, or in the browser build the same rows read from
/// the packed text (see `packed.rs`), so that the table's structs are not linked in.
#[cfg(not(target_arch = "wasm32"))]
fn all() -> &'static [Endpoint] {
    ENDPOINTS
}

#[cfg(target_arch = "wasm32")]
fn all() -> &'static [Endpoint] {
    &packed::ENDPOINTS
}

/// An endpoint's position by id: a search of the table, or in the browser build of the packed
/// text's lines (one row read per endpoint used, not the whole catalog).
#[cfg(not(target_arch = "wasm32"))]
fn position(id: &str) -> Option<usize> {
    ENDPOINTS.binary_search_by(|e| e.id.cmp(id)).ok()
}

#[cfg(target_arch = "wasm32")]
fn position(id: &str) -> Option<usize> {
    packed::index(id)
}

#[cfg(not(target_arch = "wasm32"))]
fn row(index: usize) -> Option<&'static Endpoint> {
    ENDPOINTS.get(index)
}

#[cfg(target_arch = "wasm32")]
fn row(index: usize) -> Option<&'static Endpoint> {
    packed::at(index)
}

catalog_enum! {
    /// An HTTP method used by the Crisp API.
    pub enum Method {
        /// `GET`
        Get => "GET",
        /// `HEAD`: answers 200 or 404 with no body.
        Head => "HEAD",
        /// `POST`
        Post => "POST",
        /// `PUT`
        Put => "PUT",
        /// `PATCH`
        Patch => "PATCH",
        /// `DELETE` (some carry a JSON body)
        Delete => "DELETE",
    }
}

impl Method {
    /// Parses a method name, in any case.
    #[must_use]
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL.iter().copied().find(|m| m.as_str().eq_ignore_ascii_case(name))
    }

    /// Whether a request with this method only reads (and so may be retried safely).
    #[must_use]
    pub const fn is_read(self) -> bool {
        matches!(self, Method::Get | Method::Head)
    }
}

catalog_enum! {
    /// The group an endpoint belongs to, after the official clients' resource files.
    #[allow(missing_docs)] // each variant is its name, which says all there is
    pub enum Group {
        BucketUrl => "bucket.url",
        MediaAnimation => "media.animation",
        PlanSubscription => "plan.subscription",
        PluginConnect => "plugin.connect",
        PluginSubscription => "plugin.subscription",
        Proxy => "proxy",
        WebsiteAnalytics => "website.analytics",
        WebsiteAvailability => "website.availability",
        WebsiteBase => "website.base",
        WebsiteBatch => "website.batch",
        WebsiteCampaign => "website.campaign",
        WebsiteConnect => "website.connect",
        WebsiteConversation => "website.conversation",
        WebsiteHelpdesk => "website.helpdesk",
        WebsiteInbox => "website.inbox",
        WebsiteOperator => "website.operator",
        WebsitePeople => "website.people",
        WebsiteSettings => "website.settings",
        WebsiteTeams => "website.teams",
        WebsiteVerify => "website.verify",
        WebsiteVisitors => "website.visitors",
    }
}

impl crate::json::ToJson for QueryParam {
    fn write_json(&self, out: &mut String) {
        crate::json::Obj::new(out)
            .field("name", self.name)
            .field("type", &self.ty)
            .field("required", &self.required)
            .field("range", &self.range.map(|(min, max)| vec![min, max]))
            .end();
    }
}

catalog_enum! {
    /// Whether an endpoint is current, deprecated, or answered by the client itself.
    pub enum Status {
        /// A current Crisp route.
        Current => "current",
        /// An old helpdesk route, removed from the official Node client 11.0 but still served for
        /// accounts not yet migrated to the new Knowledge Base. Deprecated.
        LegacyHelpdesk => "legacy-helpdesk",
        /// No Crisp route: the client answers it (`list_accounts`).
        ClientLocal => "client-local",
    }
}

catalog_enum! {
    /// How a list endpoint pages.
    pub enum Paging {
        /// Not paged.
        None => "none",
        /// The 1-based page number is the last path segment (`{pageNumber}`).
        PageNumber => "page_number",
        /// Message history: `timestamp_before` cursor, 206 while older messages remain, 200 at the end.
        MessageCursor => "message_cursor",
    }
}

catalog_enum! {
    /// How a query value is checked and encoded.
    pub enum QueryType {
        /// A string (numbers are accepted and written in decimal).
        Str => "str",
        /// An integer (or a string of digits).
        Int => "int",
        /// A decimal number.
        Number => "number",
        /// A flag: `true`/`false` (or 1/0), sent as `1`/`0`.
        Bool => "bool",
        /// A filter: a string is sent as is, an object or array as JSON.
        Json => "json",
    }
}

catalog_enum! {
    /// What a path parameter takes, and what it defaults to: one rule per parameter name, the same
    /// in every endpoint. Request building, the TypeScript types, the docs and the MCP tools read it
    /// here instead of each deciding again.
    pub enum PathKind {
        /// `websiteID`: an id; defaults to the account's website.
        Website => "website",
        /// `pageNumber`: a whole number, 1 or more; defaults to 1 (as the official client).
        Page => "page",
        /// `fingerprint`: a message fingerprint, a whole number (above 2^32, below 2^53).
        Integer => "integer",
        /// Any other id: a string, or a whole number written in decimal.
        Id => "id",
        /// A parameter that fills several segments (`{path*}`): `"a/b"` or `["a", "b"]`.
        Segments => "segments",
    }
}

impl QueryType {
    /// The JSON Schema of a value of this type, as a call takes it (the MCP tools and the
    /// gateway's `/_endpoints` show it; a `range` adds its bounds).
    #[must_use]
    pub const fn json_schema(self) -> &'static str {
        match self {
            QueryType::Str => r#"{"type":"string"}"#,
            QueryType::Int => r#"{"type":"integer"}"#,
            QueryType::Number => r#"{"type":"number"}"#,
            QueryType::Bool => r#"{"type":"boolean","description":"sent as 1 or 0"}"#,
            QueryType::Json => {
                r#"{"description":"a string, or JSON (array or object), sent JSON-encoded"}"#
            }
        }
    }
}

impl PathKind {
    /// The JSON Schema of a path parameter of this kind, as a call takes it. Whether it may be left
    /// out is [`PathKind`]'s default (`page`; `website` when the account has one), which the
    /// renderer decides with the accounts in hand.
    #[must_use]
    pub const fn json_schema(self) -> &'static str {
        match self {
            PathKind::Website => r#"{"type":"string","description":"The website id."}"#,
            PathKind::Page => {
                r#"{"type":"integer","minimum":1,"description":"1-based page number (default 1)"}"#
            }
            PathKind::Integer => {
                r#"{"type":"integer","minimum":0,"description":"The message fingerprint: a whole number."}"#
            }
            PathKind::Id => r#"{"type":"string"}"#,
            PathKind::Segments => {
                r#"{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}],"description":"Several path segments: \"a/b\" or [\"a\", \"b\"]."}"#
            }
        }
    }

    /// The rule for a path parameter of that name (`rest`: it may fill several segments).
    #[must_use]
    pub fn of(name: &str, rest: bool) -> PathKind {
        match name {
            _ if rest => PathKind::Segments,
            "websiteID" => PathKind::Website,
            "pageNumber" => PathKind::Page,
            "fingerprint" => PathKind::Integer,
            _ => PathKind::Id,
        }
    }

    /// Whether a call may leave it out (`websiteID` only when the account has a website).
    #[must_use]
    pub const fn has_default(self) -> bool {
        matches!(self, PathKind::Website | PathKind::Page)
    }
}

/// One query parameter of an endpoint.
#[derive(Debug, Clone, Copy)]
pub struct QueryParam {
    /// The name on the wire, e.g. `per_page`.
    pub name: &'static str,
    /// How the value is checked and encoded.
    pub ty: QueryType,
    /// Whether the request is refused without it.
    pub required: bool,
    /// The whole numbers Crisp accepts, inclusive (`per_page`: 20..=50): anything else is refused
    /// before sending.
    pub range: Option<(u32, u32)>,
}

/// An optional query parameter.
pub(crate) const fn q(name: &'static str, ty: QueryType) -> QueryParam {
    QueryParam { name, ty, required: false, range: None }
}

/// An optional whole-number query parameter with the range Crisp accepts.
pub(crate) const fn q_range(name: &'static str, min: u32, max: u32) -> QueryParam {
    QueryParam { name, ty: QueryType::Int, required: false, range: Some((min, max)) }
}

/// A query parameter the request is refused without.
pub(crate) const fn q_required(name: &'static str, ty: QueryType) -> QueryParam {
    QueryParam { name, ty, required: true, range: None }
}

/// What an endpoint sends as its JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No body.
    None,
    /// A JSON value the caller gives, sent as is; the name is the official client's argument name.
    Object(&'static str),
    /// An object of these named fields, each optional; other fields are refused.
    Fields(&'static [&'static str]),
}

/// One endpoint of the Crisp REST API v1.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// Stable snake_case id, e.g. `get_conversation`.
    pub id: &'static str,
    /// Title as in Crisp's reference (corrected where the seed had it wrong).
    pub title: &'static str,
    /// One-line description.
    pub doc: &'static str,
    /// Resource group.
    pub group: Group,
    /// HTTP method (meaningless for [`Status::ClientLocal`]; see [`Endpoint::http_method`]).
    pub method: Method,
    /// Path template below the base URL, e.g. `/website/{websiteID}/conversation/{sessionID}`.
    /// `{name*}` marks a parameter that may span several segments (helpdesk tree paths).
    pub path: &'static str,
    /// Query parameters the endpoint takes.
    pub query: &'static [QueryParam],
    /// What the endpoint sends as its body.
    pub body: Body,
    /// Whether the endpoint changes state (refused in read-only mode, never retried by default).
    pub write: bool,
    /// Current, deprecated or client-local.
    pub status: Status,
    /// How the endpoint pages.
    pub paging: Paging,
}

/// The default every table entry starts from.
pub(crate) const BASE: Endpoint = Endpoint {
    id: "",
    title: "",
    doc: "",
    group: Group::Proxy,
    method: Method::Get,
    path: "",
    query: &[],
    body: Body::None,
    write: false,
    status: Status::Current,
    paging: Paging::None,
};

/// One piece of a path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// A literal segment.
    Literal(&'a str),
    /// A parameter filling exactly one segment.
    Param(&'a str),
    /// A parameter that may fill several segments (`{path*}`).
    Rest(&'a str),
}

impl Endpoint {
    /// Finds an endpoint by id.
    #[must_use]
    pub fn find(id: &str) -> Option<&'static Endpoint> {
        position(id).and_then(row)
    }

    /// An endpoint's position in the catalog, which [`Endpoint::at`] reads back: the bindings'
    /// per-call functions take this number, so that a call does not search the catalog for its id.
    #[must_use]
    pub fn index(id: &str) -> Option<usize> {
        position(id)
    }

    /// The endpoint at a position [`Endpoint::index`] gave.
    #[must_use]
    pub fn at(index: usize) -> Option<&'static Endpoint> {
        row(index)
    }

    /// The HTTP method, or `None` for a client-local endpoint.
    #[must_use]
    pub fn http_method(&self) -> Option<Method> {
        (self.status != Status::ClientLocal).then_some(self.method)
    }

    /// The path template as the reference writes it (`{path*}` shown as `{path}`), or `None` for a
    /// client-local endpoint. (A `*` is only ever the last character of a parameter's braces, a
    /// test checks: a char pattern, so the browser build links no substring searcher.)
    #[must_use]
    pub fn path_template(&self) -> Option<String> {
        (self.status != Status::ClientLocal).then(|| self.path.replace('*', ""))
    }

    /// The path template's segments, in order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'static>> + use<> {
        let path: &'static str = self.path;
        path.split('/').filter(|s| !s.is_empty()).map(|s| {
            match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('*') {
                    Some(rest) => Segment::Rest(rest),
                    None => Segment::Param(name),
                },
                None => Segment::Literal(s),
            }
        })
    }

    /// The names of the path parameters, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.segments().filter_map(|s| match s {
            Segment::Param(n) | Segment::Rest(n) => Some(n),
            Segment::Literal(_) => None,
        })
    }

    /// Whether the endpoint answers with a bare status (HEAD: true on 200, false on 404).
    #[must_use]
    pub fn is_head(&self) -> bool {
        self.method == Method::Head && self.status != Status::ClientLocal
    }

    /// The path parameters with their rules, in order.
    pub fn path_kinds(&self) -> impl Iterator<Item = (&'static str, PathKind)> + use<> {
        self.segments().filter_map(|s| match s {
            Segment::Param(n) => Some((n, PathKind::of(n, false))),
            Segment::Rest(n) => Some((n, PathKind::of(n, true))),
            Segment::Literal(_) => None,
        })
    }

    /// Whether the endpoint is a write that destroys what another call cannot bring back: it
    /// deletes, removes, expunges, flushes, clears, blocks or aborts. The MCP tools' destructive
    /// hint and the gateway's rule (refused unless a key allows the endpoint by name) read this
    /// one decision, through the generated TypeScript (`DESTRUCTIVE_ENDPOINTS`).
    #[must_use]
    pub fn is_destructive(&self) -> bool {
        const WORDS: [&str; 7] =
            ["remove", "delete", "expunge", "flush", "clear", "block", "abort"];
        self.write
            && (self.method == Method::Delete
                || self.id.split('_').any(|word| WORDS.contains(&word)))
    }

    /// The query parameter of that name, if the endpoint takes it.
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<&'static QueryParam> {
        self.query.iter().find(|q| q.name == name)
    }

    /// The endpoint as the JSON object the discovery surfaces print (`xtask catalog`,
    /// `Crisp.endpoints()`).
    #[must_use]
    pub fn describe(&self) -> EndpointInfo {
        let (body, body_fields) = match self.body {
            Body::None => (None, Vec::new()),
            Body::Object(name) => (Some("object"), vec![name]),
            Body::Fields(fields) => (Some("fields"), fields.to_vec()),
        };
        EndpointInfo {
            id: self.id,
            title: self.title,
            doc: self.doc,
            group: self.group,
            method: self.http_method(),
            path: self.path_template(),
            path_params: self.path_params().collect(),
            path_kinds: self.path_kinds().map(|(_, k)| k).collect(),
            query_params: self.query.to_vec(),
            body,
            body_fields,
            write: self.write,
            status: self.status,
            deprecated: self.status == Status::LegacyHelpdesk,
            paging: self.paging,
        }
    }
}

/// The public description of one endpoint, as printed by discovery.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // field names mirror `Endpoint`
pub struct EndpointInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub doc: &'static str,
    pub group: Group,
    pub method: Option<Method>,
    pub path: Option<String>,
    pub path_params: Vec<&'static str>,
    /// Each path parameter's rule, in the order of `path_params`.
    pub path_kinds: Vec<PathKind>,
    pub query_params: Vec<QueryParam>,
    /// `"object"` (a caller value sent as is), `"fields"` (an object of `body_fields`) or null.
    pub body: Option<&'static str>,
    /// The official client's argument name for an object body, or the allowed fields.
    pub body_fields: Vec<&'static str>,
    pub write: bool,
    pub status: Status,
    pub deprecated: bool,
    pub paging: Paging,
}

impl crate::json::ToJson for EndpointInfo {
    fn write_json(&self, out: &mut String) {
        crate::json::Obj::new(out)
            .field("id", self.id)
            .field("title", self.title)
            .field("doc", self.doc)
            .field("group", &self.group)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("path_params", &self.path_params)
            .field("path_kinds", &self.path_kinds)
            .field("query_params", &self.query_params)
            .field("body", &self.body)
            .field("body_fields", &self.body_fields)
            .field("write", &self.write)
            .field("status", &self.status)
            .field("deprecated", &self.deprecated)
            .field("paging", &self.paging)
            .end();
    }
}

/// The first body field the catalog knows whose value has the wrong type, as `(param, message)`
/// (`("body.content", "must be a string")`); fields it does not know are not checked.
pub(crate) fn check_body(endpoint: &Endpoint, body: &crate::json::Map) -> Option<(String, String)> {
    bodies::check(Endpoint::index(endpoint.id)?, body)
}

/// The whole catalog as discovery prints it.
#[must_use]
pub fn describe_all() -> Vec<EndpointInfo> {
    all().iter().map(Endpoint::describe).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        assert_eq!(ENDPOINTS.len(), 265);
        for pair in ENDPOINTS.windows(2) {
            assert!(pair[0].id < pair[1].id, "{} must sort before {}", pair[0].id, pair[1].id);
        }
    }

    #[test]
    fn every_entry_is_filled_in() {
        for e in ENDPOINTS {
            assert!(!e.title.is_empty() && !e.doc.is_empty(), "{}", e.id);
            assert!(e.doc.ends_with('.'), "{}: doc is one sentence or more", e.id);
            if e.status == Status::ClientLocal {
                continue;
            }
            assert!(e.path.starts_with('/'), "{}", e.id);
            if e.paging == Paging::PageNumber {
                assert_eq!(e.path_params().last(), Some("pageNumber"), "{}", e.id);
            }
            if e.is_head() || e.method == Method::Get {
                assert!(!e.write, "{}: reads are not writes", e.id);
                assert_eq!(e.body, Body::None, "{}: reads carry no body", e.id);
            } else {
                assert!(e.write, "{}: every other method writes", e.id);
            }
        }
    }

    #[test]
    fn find_hits_and_misses() {
        assert_eq!(Endpoint::find("get_conversation").map(|e| e.method), Some(Method::Get));
        assert!(Endpoint::find("get_conversationx").is_none());
        assert!(Endpoint::find("").is_none());
    }

    #[test]
    fn rest_segments_are_recognised() {
        let e = Endpoint::find("resolve_helpdesk_tree_path").unwrap();
        assert!(e.segments().any(|s| s == Segment::Rest("path")));
        assert_eq!(
            e.path_template().unwrap(),
            "/website/{websiteID}/helpdesk/tree/path/{locale}/{contentType}/{path}"
        );
    }

    /// `path_template` drops every `*`: right only while each one closes a rest parameter.
    #[test]
    fn a_star_only_ever_closes_a_rest_parameter() {
        for e in ENDPOINTS {
            assert_eq!(e.path.matches('*').count(), e.path.matches("*}").count(), "{}", e.id);
            if e.status != Status::ClientLocal {
                assert_eq!(e.path_template().unwrap(), e.path.replace("*}", "}"), "{}", e.id);
            }
        }
    }
}
