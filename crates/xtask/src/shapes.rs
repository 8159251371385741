//! The shapes: what each endpoint takes and answers, read from the two official clients
//! (reference/crisp-shapes.json, a copy of shared/reference) with every place where they
//! disagree decided here, once, with its reason. The result is one shared type table and, per
//! endpoint, a body and a data schema that refer into it; every surface renders that:
//! crates/crisp-core/src/catalog/shapes.json (the catalog's shapes, for the sandbox's conformance
//! test and the core's body checks), the TypeScript types, docs/ENDPOINTS.md, docs/SHAPES.md and
//! the MCP tools.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

pub const SOURCE: &str = "reference/crisp-shapes.json";
pub const PATH: &str = "crates/crisp-core/src/catalog/shapes.json";

/// Which client a decision sides with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Node,
    Go,
    Both,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Node => "crisp-api (Node)",
            Side::Go => "go-crisp-api",
            Side::Both => "both (either accepted)",
        }
    }
}

/// One conflict of the shapes file, decided.
pub struct Decision {
    pub kind: String,
    pub node: String,
    pub go: String,
    pub detail: String,
    pub side: Side,
    pub reason: &'static str,
    /// Whether the decision changed the type table (false: it confirms what is there already, or
    /// concerns a place the table does not describe).
    pub applied: bool,
}

/// The resolved shapes.
pub struct Shapes {
    pub types: BTreeMap<String, Value>,
    /// Endpoint id -> (body, data); `None` where no source knows.
    pub endpoints: BTreeMap<String, (Option<Value>, Option<Value>)>,
    /// Event name -> (payload, subscribed by crisp-api's default list).
    pub events: BTreeMap<String, (Value, bool)>,
    pub decisions: Vec<Decision>,
    /// How many typed answers and bodies the source file had, before any decision.
    pub source_counts: (usize, usize),
}

const CAMEL: &str = "The wire is snake_case (Crisp's API reference and go-crisp-api's json tags); crisp-api types this property in camelCase, which never arrives. The snake_case name is kept, the camelCase one dropped.";
const ONLY_GO: &str =
    "go-crisp-api reads it from the wire (a json tag); crisp-api's type lacks it. Added, optional.";
const ONLY_GO_EVENT: &str = "go-crisp-api reads it from the wire; crisp-api's event type lacks it. Added, optional, to the event types the conflict names.";
const ONLY_NODE: &str = "crisp-api reads it (11.3 is the newer client); go-crisp-api's struct lacks it and Go ignores unknown fields, so this says nothing against it. Kept, optional.";
const GO_SENDS: &str = "go-crisp-api always sends it (no omitempty), which is a Go habit, not a server rule; crisp-api marks it optional. Optional: a request without it is not refused.";
const OPEN_STATE: &str = "The route is the conversation's open state and crisp-api 11.3 sends `{opened}`; go-crisp-api's `ConversationOpenUpdate.blocked` repeats the block route's field. `opened` is kept, `blocked` dropped (the catalog already takes `opened` only).";
const FILTER_QUERY: &str = "A filter's `query` is a list of values (`[\"jane@example.com\"]`), as in Crisp's search filters and the sandbox's; crisp-api's map type does not fit any example. Array.";
const BLOCKED_LIST: &str = "The route counts blocked visitors per rule: go-crisp-api's list of `{rule, count}` matches the per-rule route's answer; crisp-api's single object cannot hold several rules. Array.";
const BLOCKED_RULE: &str = "One rule's count as go-crisp-api's `{rule, count}` object, the same item as the list route's; crisp-api's bare number drops the rule. Object.";
const EITHER: &str = "No source shows the wire and the two clients disagree; both forms are accepted (anyOf), so a call is refused by neither guess.";
const EVENT_SHAPE: &str = "An event payload (the events issue renders it); no REST call depends on it. Both forms are accepted (anyOf) until a captured event settles it.";
const VARIANT: &str = "go-crisp-api also decodes this message type in the event; a receiver must handle it, so the union is widened (with crisp-api's type of the same message in `message:received`).";

fn go_schema(ty: &str) -> Value {
    let ty = ty.trim();
    if let Some(inner) = ty.strip_prefix("array<").and_then(|t| t.strip_suffix('>')) {
        return json!({"type": "array", "items": go_schema(inner)});
    }
    if let Some(inner) = ty.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
        return json!({"type": "object", "additionalProperties": go_schema(inner)});
    }
    if let Some((a, b)) = ty.split_once('|') {
        let (a, b) = (go_schema(a), go_schema(b));
        if let (Some(a), Some(b)) = (a["type"].as_str(), b["type"].as_str()) {
            return json!({"type": [a, b]});
        }
        return json!({"anyOf": [a, b]});
    }
    match ty.split_whitespace().next().unwrap_or("") {
        "string" => json!({"type": "string"}),
        "integer" => json!({"type": "integer"}),
        "number" => json!({"type": "number"}),
        "boolean" => json!({"type": "boolean"}),
        "null" => json!({"type": "null"}),
        "any" | "" => json!({}),
        name if name.starts_with("object") => json!({"type": "object"}),
        name => json!({"$ref": format!("#/types/{name}")}),
    }
}

fn fix_refs(schema: &mut Value, known: &[String]) {
    match schema {
        Value::Object(map) => {
            let missing = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/types/"))
                .filter(|name| !known.iter().any(|k| k == name))
                .map(str::to_owned);
            if let Some(name) = missing {
                let bare = name.trim_start_matches("go.");
                if known.iter().any(|k| k == bare) {
                    map.insert("$ref".into(), format!("#/types/{bare}").into());
                } else {
                    map.remove("$ref");
                    map.insert("type".into(), "object".into());
                }
            }
            map.values_mut().for_each(|v| fix_refs(v, known));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fix_refs(v, known)),
        _ => {}
    }
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/types/"))
}

/// The object schema at a dotted place: `Type`, `Type.prop.prop` (inline objects, or named types
/// followed through `$ref`), `endpoint:body` or `endpoint:data`.
fn locate<'a>(
    types: &'a mut BTreeMap<String, Value>,
    endpoints: &'a mut BTreeMap<String, (Option<Value>, Option<Value>)>,
    place: &str,
) -> Option<&'a mut Value> {
    let mut parts = place.split('.');
    let head = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    // Follow `$ref`s by name first (no borrow held across the table).
    let mut name = head.to_owned();
    let mut path: Vec<&str> = Vec::new();
    if !head.contains(':') {
        for p in &rest {
            let schema = walk(types.get(&name)?, &path)?;
            let next = schema.get("properties")?.get(*p)?;
            if let Some(r) = ref_name(next) {
                name = r.to_owned();
                path.clear();
            } else {
                path.push(p);
            }
        }
        let mut at = types.get_mut(&name)?;
        for p in path {
            at = at.get_mut("properties")?.get_mut(p)?;
        }
        return Some(at);
    }
    let (id, which) = head.split_once(':')?;
    let entry = endpoints.get_mut(id)?;
    let mut at = if which == "body" { entry.0.as_mut()? } else { entry.1.as_mut()? };
    for p in rest {
        at = at.get_mut("properties")?.get_mut(p)?;
    }
    Some(at)
}

fn walk<'a>(mut v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    for p in path {
        v = v.get("properties")?.get(*p)?;
    }
    Some(v)
}

fn split_field(path: &str) -> Option<(&str, &str)> {
    path.rsplit_once('.')
}

fn is_camel(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
}

fn props_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = obj.as_object_mut()?;
    map.entry("properties").or_insert_with(|| json!({})).as_object_mut()
}

#[allow(clippy::too_many_lines)] // one rule per conflict kind, each with its reason
pub fn load(root: &std::path::Path) -> Result<Shapes, String> {
    let path = root.join(SOURCE);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let source: Value = serde_json::from_str(&text).map_err(|e| format!("{SOURCE}: {e}"))?;
    let mut types: BTreeMap<String, Value> = source["types"]
        .as_object()
        .ok_or("no types")?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut endpoints: BTreeMap<String, (Option<Value>, Option<Value>)> = source["endpoints"]
        .as_object()
        .ok_or("no endpoints")?
        .iter()
        .map(|(k, v)| {
            let some = |v: &Value| (!v.is_null()).then(|| v.clone());
            (k.clone(), (some(&v["body"]), some(&v["data"])))
        })
        .collect();
    let source_counts = (
        endpoints.values().filter(|(_, d)| d.is_some()).count(),
        endpoints.values().filter(|(b, _)| b.is_some()).count(),
    );
    let mut events: BTreeMap<String, (Value, bool)> = source["events"]
        .as_object()
        .ok_or("no events")?
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                (v["data"].clone(), v["node_default_subscribed"].as_bool().unwrap_or(false)),
            )
        })
        .collect();

    // Go's integers: a JSON number with no fraction (fingerprints, timestamps, counts).
    for place in source["integer_in_go"].as_array().ok_or("no integer_in_go")? {
        let place = place.as_str().unwrap_or("");
        let (owner, field) = split_field(place).ok_or("bad integer place")?;
        let (field, items) = match field.strip_suffix("[]") {
            Some(f) => (f, true),
            None => (field, false),
        };
        if let Some(obj) = locate(&mut types, &mut endpoints, owner)
            && let Some(mut prop) = obj.get_mut("properties").and_then(|p| p.get_mut(field))
        {
            if items {
                prop = prop.get_mut("items").ok_or("no items")?;
            }
            if prop["type"] == "number" {
                prop["type"] = "integer".into();
            }
        }
    }

    // A message fingerprint is a whole number wherever it appears (Go types it `int`; crisp-api's
    // message-new types restate it as `number` per message type, which integer_in_go names only
    // on Go's shared base struct).
    for schema in types.values_mut() {
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, prop) in props.iter_mut() {
                if name == "fingerprint" && prop["type"] == "number" {
                    prop["type"] = "integer".into();
                }
            }
        }
    }

    let mut decisions = Vec::new();
    let conflicts = source["conflicts"].as_array().ok_or("no conflicts")?;
    for c in conflicts {
        let s = |k: &str| c[k].as_str().unwrap_or("").to_owned();
        let kind = s("kind");
        let absent: Vec<String> = c["absent_in"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let event = c["seen_in"]
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.as_str().is_some_and(|x| x.starts_with("event "))));
        let mut d = Decision {
            kind: kind.clone(),
            node: s("node"),
            go: s("go"),
            detail: [s("node_type"), s("go_type"), s("detail")]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(" / "),
            side: Side::Node,
            reason: "",
            applied: false,
        };
        match kind.as_str() {
            "field_only_in_go" => {
                let (_, field) = split_field(&d.go).ok_or("bad go field")?;
                let schema = go_schema(&s("go_type"));
                if d.go == "go.ConversationOpenUpdate.blocked" {
                    (d.side, d.reason) = (Side::Node, OPEN_STATE);
                } else {
                    d.side = Side::Go;
                    d.reason = if event { ONLY_GO_EVENT } else { ONLY_GO };
                    for place in absent.iter().filter(|p| !p.starts_with("...")) {
                        if let Some(props) =
                            locate(&mut types, &mut endpoints, place).and_then(props_mut)
                        {
                            props.entry(field).or_insert_with(|| schema.clone());
                            d.applied = true;
                        }
                    }
                }
            }
            "field_only_in_node" => {
                let (owner, field) = split_field(&d.node).ok_or("bad node field")?;
                if d.node == "update_conversation_open_state:body.opened" {
                    (d.side, d.reason) = (Side::Node, OPEN_STATE);
                } else if is_camel(field) {
                    (d.side, d.reason) = (Side::Go, CAMEL);
                    if let Some(props) =
                        locate(&mut types, &mut endpoints, owner).and_then(props_mut)
                    {
                        d.applied = props.remove(field).is_some();
                    }
                    if let Some(req) = locate(&mut types, &mut endpoints, owner)
                        .and_then(|o| o.get_mut("required"))
                        .and_then(Value::as_array_mut)
                    {
                        req.retain(|r| r != field);
                    }
                } else {
                    (d.side, d.reason) = (Side::Node, ONLY_NODE);
                }
            }
            "go_always_sends_node_optional" => (d.side, d.reason) = (Side::Node, GO_SENDS),
            "variant_only_in_go" => {
                (d.side, d.reason) = (Side::Go, VARIANT);
                let name = d.node.trim_start_matches("event:");
                // The table lacks Go's struct; crisp-api types the same message type in the
                // operator's direction (`message:received`), with the same fields.
                let ty = d.detail.rsplit(' ').next().unwrap_or("");
                let same = format!("EventsMessageReceived{}{}", ty[..1].to_uppercase(), &ty[1..]);
                let variant = if types.contains_key(&d.go) { d.go.clone() } else { same };
                if let Some((schema, _)) = events.get_mut(name) {
                    let extra = json!({"$ref": format!("#/types/{variant}")});
                    match schema.get_mut("anyOf").and_then(Value::as_array_mut) {
                        Some(list) => list.push(extra),
                        None => *schema = json!({"anyOf": [schema.clone(), extra]}),
                    }
                    d.applied = true;
                }
            }
            "type" => {
                let node_schema = go_schema(&s("node_type").replace("object{skipped}", "object"));
                let go = go_schema(&s("go_type"));
                let (side, reason, schema) = match d.node.as_str() {
                    "WebsiteFilter.query" => (Side::Go, FILTER_QUERY, go),
                    "count_blocked_visitors:data" => (Side::Go, BLOCKED_LIST, go),
                    "count_blocked_visitors_in_rule:data" => (Side::Go, BLOCKED_RULE, go),
                    _ if event => (Side::Both, EVENT_SHAPE, json!({"anyOf": [node_schema, go]})),
                    _ => (Side::Both, EITHER, json!({"anyOf": [node_schema, go]})),
                };
                (d.side, d.reason) = (side, reason);
                if let Some(at) = d.node.split_once(':').filter(|(_, w)| *w == "data") {
                    if let Some(entry) = endpoints.get_mut(at.0) {
                        entry.1 = Some(schema);
                        d.applied = true;
                    }
                } else if let Some((owner, field)) = split_field(&d.node)
                    && let Some(props) =
                        locate(&mut types, &mut endpoints, owner).and_then(props_mut)
                {
                    // Keep what the property said besides its type (a description, say).
                    props.insert(field.to_owned(), schema);
                    d.applied = true;
                }
            }
            other => return Err(format!("a conflict of an unknown kind `{other}`: decide it")),
        }
        decisions.push(d);
    }
    // A conflict may name a Go struct the table does not hold (only what endpoints reach is
    // there): crisp-api's type of that name stands in for it, else an object of unknown fields.
    let known: Vec<String> = types.keys().cloned().collect();
    let all = types
        .values_mut()
        .chain(endpoints.values_mut().flat_map(|(b, d)| b.iter_mut().chain(d.iter_mut())))
        .chain(events.values_mut().map(|(s, _)| s));
    for schema in all {
        fix_refs(schema, &known);
    }
    Ok(Shapes { types, endpoints, events, decisions, source_counts })
}

impl Shapes {
    /// crates/crisp-core/src/catalog/shapes.json: the resolved type table, per endpoint its body
    /// and data, per event its payload.
    pub fn render_json(&self) -> String {
        let endpoints: Map<String, Value> = self
            .endpoints
            .iter()
            .map(|(id, (b, d))| {
                (id.clone(), json!({"body": b.clone().unwrap_or(Value::Null), "data": d.clone().unwrap_or(Value::Null)}))
            })
            .collect();
        let events: Map<String, Value> = self
            .events
            .iter()
            .map(|(name, (data, subscribed))| {
                (name.clone(), json!({"data": data, "subscribed": subscribed}))
            })
            .collect();
        let doc = json!({
            "generated_by": "cargo run -q -p xtask -- codegen, from reference/crisp-shapes.json with the decisions in docs/SHAPES.md; do not edit",
            "types": self.types,
            "endpoints": endpoints,
            "events": events,
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// TypeScript names for the type table: bare names as they are, `go.X` as `X` unless crisp-api
/// has an `X` too (then `GoX`).
pub fn ts_name(types: &BTreeMap<String, Value>, name: &str) -> String {
    match name.strip_prefix("go.") {
        Some(bare) if types.contains_key(bare) => format!("Go{bare}"),
        Some(bare) => bare.to_owned(),
        None => name.to_owned(),
    }
}

fn ts_key(key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain { key.to_owned() } else { format!("{key:?}") }
}

fn ts_primitive(ty: &str) -> &'static str {
    match ty {
        "string" => "string",
        "integer" | "number" => "number",
        "boolean" => "boolean",
        "null" => "null",
        "array" => "unknown[]",
        "object" => "{ [key: string]: unknown }",
        _ => "unknown",
    }
}

/// A schema as a TypeScript type.
pub fn ts_type(types: &BTreeMap<String, Value>, schema: &Value) -> String {
    if let Some(name) = ref_name(schema) {
        return ts_name(types, name);
    }
    if let Some(list) = schema.get("anyOf").and_then(Value::as_array) {
        let mut parts: Vec<String> = list.iter().map(|s| ts_type(types, s)).collect();
        parts.dedup();
        return parts.join(" | ");
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().map(Value::to_string).collect::<Vec<_>>().join(" | ");
    }
    match schema.get("type") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|t| ts_primitive(t.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(" | "),
        Some(Value::String(t)) if t == "array" => match schema.get("items") {
            Some(items) => {
                let inner = ts_type(types, items);
                if inner.contains(' ') && !inner.starts_with('{') {
                    format!("({inner})[]")
                } else {
                    format!("{inner}[]")
                }
            }
            None => "unknown[]".to_owned(),
        },
        Some(Value::String(t)) if t == "object" => ts_object(types, schema),
        Some(Value::String(t)) => ts_primitive(t).to_owned(),
        _ if schema.get("properties").is_some() => ts_object(types, schema),
        _ => "unknown".to_owned(),
    }
}

fn ts_object(types: &BTreeMap<String, Value>, schema: &Value) -> String {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = schema.get("properties").and_then(Value::as_object);
    let extra = match schema.get("additionalProperties") {
        Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) | None => Some("unknown".to_owned()),
        Some(s) => Some(ts_type(types, s)),
    };
    let mut fields: Vec<String> = props
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let opt = if required.contains(&k.as_str()) { "" } else { "?" };
            format!("{}{opt}: {}", ts_key(k), ts_type(types, v))
        })
        .collect();
    // Named fields are typed alone: an index signature beside them would have to hold them too.
    match (fields.is_empty(), extra) {
        (true, Some(extra)) => format!("{{ [key: string]: {extra} }}"),
        (true, None) => "{}".to_owned(),
        (false, _) => {
            fields.sort_by_key(|f| f.starts_with('"'));
            format!("{{ {} }}", fields.join("; "))
        }
    }
}

pub const DOC_PATH: &str = "docs/SHAPES.md";

impl Shapes {
    /// Typed answers and bodies out of the catalog's HTTP endpoints, after the decisions.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.endpoints.values().filter(|(_, d)| d.is_some()).count(),
            self.endpoints.values().filter(|(b, _)| b.is_some()).count(),
        )
    }

    /// docs/SHAPES.md: where the shapes come from, coverage, and every conflict with its decision.
    pub fn render_doc(&self) -> String {
        use std::fmt::Write as _;
        let (data, body) = self.counts();
        let unknown: Vec<&str> = self
            .endpoints
            .iter()
            .filter(|(id, (_, d))| {
                d.is_none() && crisp_core::Endpoint::find(id).is_some_and(|e| !e.is_head())
            })
            .map(|(id, _)| id.as_str())
            .collect();
        let mut out = String::new();
        let _ = write!(
            out,
            "<!-- Generated by `cargo run -q -p xtask -- codegen` from reference/crisp-shapes.json and crates/xtask/src/shapes.rs. Do not edit. -->\n\n\
             # Shapes: what each endpoint takes and answers\n\n\
             Read from the two official clients (crisp-api 11.3.0's TypeScript types, go-crisp-api's structs) into \
             `reference/crisp-shapes.json`, a copy of the project's reference file. Where the clients disagree, \
             the decision below is applied once, in `crates/xtask/src/shapes.rs`, and every surface renders the result: \
             `crates/crisp-core/src/catalog/shapes.json` (the sandbox's conformance test, the core's body checks), \
             the TypeScript types (`bindings/js/src/generated/types.generated.ts`, `endpoints.generated.ts`), \
             [ENDPOINTS.md](ENDPOINTS.md) and the MCP tools.\n\n\
             ## Coverage\n\n\
             | | before (the reference file) | after the decisions |\n|---|---|---|\n\
             | typed answers (`data`) | {} of {n} | {data} of {n} |\n\
             | typed bodies | {} of {n} | {body} of {n} |\n\n\
             The {} HEAD routes answer `true`/`false` and carry no `data`; the other endpoints without a typed \
             answer are those no client reads ({}): their `data` stays `unknown` (listed in [ENDPOINTS.md](ENDPOINTS.md)). \
             Go's integers (`integer_in_go`: fingerprints, timestamps, counts) are `integer` in the schemas and \
             `number` in TypeScript; crisp-kit's body checks refuse a fraction there.\n\n\
             Both clients type many answer fields as non-null strings that the API may leave out: every answer \
             field that crisp-api does not require is optional, and `null` is allowed only where a client says so \
             (the sandbox leaves an empty optional field out).\n\n\
             ## Decisions ({} conflicts)\n\n\
             | # | kind | crisp-api | go-crisp-api | types | side | reason |\n|---|---|---|---|---|---|---|\n",
            self.source_counts.0,
            self.source_counts.1,
            crisp_core::ENDPOINTS.iter().filter(|e| e.is_head()).count(),
            unknown.len(),
            self.decisions.len(),
            n = self.endpoints.len(),
        );
        for (i, d) in self.decisions.iter().enumerate() {
            let cell = |s: &str| {
                if s.is_empty() { "—".to_owned() } else { format!("`{}`", s.replace('|', "\\|")) }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {}{} |",
                i + 1,
                d.kind,
                cell(&d.node),
                cell(&d.go),
                d.detail.replace('|', "\\|"),
                d.side.as_str(),
                d.reason,
                if d.applied { "" } else { " (Nothing to change in the table.)" }
            );
        }
        out
    }
}

pub const BODIES_PATH: &str = "crates/crisp-core/src/catalog/bodies.txt";

impl Shapes {
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        while let Some(name) = ref_name(schema) {
            match self.types.get(name) {
                Some(s) => schema = s,
                None => break,
            }
        }
        schema
    }

    /// The type code of one body field (see crisp-core's catalog/bodies.rs), if it has a plain one.
    fn field_code(&self, schema: &Value) -> Option<String> {
        let schema = self.resolve(schema);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            return Some(format!("e:{}", values.join("/")));
        }
        Some(
            match schema.get("type")?.as_str()? {
                "string" => "s",
                "integer" => "i",
                "number" => "n",
                "boolean" => "b",
                // Arrays and objects are not checked: a wrong one is rarer than a wrong scalar,
                // and their rows would cost the browser build about 0.4 KB gzipped.
                _ => return None,
            }
            .to_owned(),
        )
    }

    /// crates/crisp-core/src/catalog/bodies.txt: per endpoint with a typed body, its fields' types.
    pub fn render_bodies(&self) -> Result<String, String> {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (index, e) in crisp_core::ENDPOINTS.iter().enumerate() {
            let Some(body) = self.endpoints.get(e.id).and_then(|(b, _)| b.as_ref()) else {
                continue;
            };
            let body = self.resolve(body);
            let variants: Vec<&Value> = match body.get("anyOf").and_then(Value::as_array) {
                Some(list) => list.iter().map(|v| self.resolve(v)).collect(),
                None => vec![body],
            };
            let mut rendered = Vec::new();
            for v in variants {
                let fields: Vec<String> = v
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    // `*_at` are timestamps Crisp sets itself: not worth their bytes in the browser.
                    .filter(|(k, _)| !k.ends_with("_at"))
                    .filter_map(|(k, p)| self.field_code(p).map(|c| format!("{k}={c}")))
                    .collect();
                if fields.iter().any(|f| f.contains(['|', ';', ','])) {
                    return Err(format!("{}: a body field or enum value holds a separator", e.id));
                }
                rendered.push(fields.join(","));
            }
            if rendered.iter().any(|r| !r.is_empty()) {
                let _ = writeln!(out, "{index}|{}", rendered.join(";"));
            }
        }
        Ok(out)
    }
}
