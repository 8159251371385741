//! The drop-in façade for the official Node client (`crisp-api` 11.3.0): its method names and
//! argument order, mapped onto catalog endpoints. The official names and signatures are not part of
//! the catalog (they would weigh on every build for one façade), so they come from the reference
//! table, reference/crisp-endpoints.json; the endpoints themselves are checked against the
//! catalog here.

use std::fmt::Write as _;

use crisp_core::catalog::{Body, Endpoint};
use serde_json::Value;

pub const PATH: &str = "bindings/js/src/generated/compat.generated.ts";

fn reference() -> Result<Vec<Value>, String> {
    let path = crate::root().join("reference/crisp-endpoints.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// The official TypeScript type of an argument, kept when it is plain, else `any` (the official
/// client's named types are not ours to copy).
fn arg_type(ty: &str) -> &'static str {
    match ty.trim() {
        "string" => "string",
        "number" => "number",
        "boolean" => "boolean",
        "string | number" | "number | string" => "string | number",
        "string | null" => "string | null",
        "object" => "object",
        _ => "any",
    }
}

/// `(a: string, b?: Foo)` -> [("a", false, "string"), ("b", true, "any")].
fn signature_params(signature: &str) -> Vec<(String, bool, &'static str)> {
    let inner = signature.split_once('(').map_or("", |(_, r)| r);
    let inner = inner.rsplit_once(')').map_or("", |(l, _)| l);
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes: Vec<char> = inner.chars().collect();
    let mut parts = Vec::new();
    for (i, c) in bytes.iter().enumerate() {
        match c {
            '<' | '{' | '(' | '[' => depth += 1,
            '>' | '}' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(bytes[start..i].iter().collect::<String>());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(bytes[start..].iter().collect::<String>());
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (name, ty) = part.split_once(':').unwrap_or((part, "any"));
        let ty = ty.split_once('=').map_or(ty, |(t, _)| t);
        let optional = name.ends_with('?') || part.contains('=');
        out.push((name.trim_end_matches('?').trim().to_owned(), optional, arg_type(ty)));
    }
    out
}

/// An official method: its `service.name`, the endpoint id, one role per argument, its params.
type Method = (String, String, Vec<String>, Vec<(String, bool, &'static str)>);

/// Every official method, mapped onto its endpoint.
fn methods() -> Result<Vec<Method>, String> {
    let mut methods: Vec<Method> = Vec::new();
    for r in reference()? {
        let id = r["id"].as_str().unwrap_or_default();
        let Some(endpoint) = Endpoint::find(id) else {
            return Err(format!("reference endpoint {id} is not in the catalog"));
        };
        let legacy = &r["node_legacy"];
        let (node, args, signature) = if r["node"].is_string() {
            (&r["node"], &r["node_args"], &r["node_signature"])
        } else if legacy.is_object() {
            (&legacy["node"], &legacy["node_args"], &legacy["node_signature"])
        } else {
            continue; // list_accounts: no official method
        };
        let (Some(node), Some(signature)) = (node.as_str(), signature.as_str()) else { continue };
        let args = strings(args);
        let path: Vec<&str> = endpoint.path_params().collect();
        let rest: Vec<&str> = args.iter().copied().filter(|a| !path.contains(a)).collect();
        let query: Vec<&str> = endpoint.query.iter().map(|q| q.name).collect();
        let mut roles = Vec::new();
        let mut rest_at = 0;
        for arg in &args {
            if path.contains(arg) {
                roles.push(format!("p:{arg}"));
                continue;
            }
            let role = match endpoint.body {
                Body::Object(_) => "b".to_owned(),
                Body::Fields(fields) => {
                    let field = fields
                        .get(rest_at)
                        .ok_or_else(|| format!("{id}: more arguments than body fields"))?;
                    format!("f:{field}")
                }
                Body::None if rest == ["options"] => "Q".to_owned(),
                Body::None => {
                    let q = query
                        .get(rest_at)
                        .ok_or_else(|| format!("{id}: more arguments than query params"))?;
                    format!("q:{q}")
                }
            };
            rest_at += 1;
            roles.push(role);
        }
        if let Body::Fields(fields) = endpoint.body
            && rest.len() != fields.len()
        {
            return Err(format!("{id}: {} body arguments for {} fields", rest.len(), fields.len()));
        }
        methods.push((node.to_owned(), id.to_owned(), roles, signature_params(signature)));
    }
    methods.sort();
    // A crisp-api 10.x (legacy helpdesk) name that 11.x reuses for a new route means the 11.x one:
    // the façade follows 11.3.0. The old route stays reachable with `call(id)`.
    let current: std::collections::BTreeSet<String> = methods
        .iter()
        .filter(|(_, id, ..)| {
            Endpoint::find(id).is_some_and(|e| e.status != crisp_core::Status::LegacyHelpdesk)
        })
        .map(|(node, ..)| node.clone())
        .collect();
    methods.retain(|(node, id, ..)| {
        Endpoint::find(id).is_some_and(|e| e.status != crisp_core::Status::LegacyHelpdesk)
            || !current.contains(node)
    });
    Ok(methods)
}

/// The TypeScript type of one argument, from its role (what the façade makes of it).
fn role_type(id: &str, role: &str, official: &str) -> String {
    match role.split_once(':') {
        Some(("p", _)) => "PathValue".to_owned(),
        Some(("q", name)) => format!("QueryParam<{id:?}, {name:?}>"),
        Some(("f", name)) => format!("BodyField<{id:?}, {name:?}>"),
        _ if role == "Q" => format!("QueryOf<{id:?}>"),
        _ if role == "b" => format!("BodyOf<{id:?}>"),
        _ => official.to_owned(),
    }
}

pub fn render() -> Result<String, String> {
    let methods = methods()?;
    let mut out = String::from(
        "// Generated by `cargo run -q -p xtask -- codegen` from reference/crisp-endpoints.json\n\
         // (the official client's names) and the catalog. Do not edit.\n\n\
         import type { BodyOf, DataOf, EndpointId, ParamsOf, PathValue } from \"./endpoints.generated.js\";\n\n\
         /** An endpoint's query params (never when it takes none). */\n\
         type QueryOf<E extends EndpointId> = ParamsOf<E> extends { query?: infer Q } ? NonNullable<Q> : never;\n\
         /** One query param's type. */\n\
         type QueryParam<E extends EndpointId, K extends string> = K extends keyof QueryOf<E> ? QueryOf<E>[K] : never;\n\
         /** One body field's type. */\n\
         type BodyField<E extends EndpointId, K extends string> = K extends keyof NonNullable<BodyOf<E>> ? NonNullable<BodyOf<E>>[K] : never;\n\n\
         /** Each official method: [endpoint id, one role per argument]. Roles: `p:NAME` path param,\n\
          * `q:NAME` query param, `Q` the whole query object, `f:NAME` body field, `b` the body. */\n\
         export const COMPAT_METHODS: Record<string, Record<string, readonly [string, readonly string[]]>> = {\n",
    );
    let mut services: Vec<&str> =
        methods.iter().filter_map(|(n, ..)| n.split_once('.').map(|(s, _)| s)).collect();
    services.dedup();
    for service in &services {
        let _ = writeln!(out, "  {service}: {{");
        for (node, id, roles, _) in
            methods.iter().filter(|(n, ..)| n.starts_with(&format!("{service}.")))
        {
            let name = &node[service.len() + 1..];
            let roles: Vec<String> = roles.iter().map(|r| format!("{r:?}")).collect();
            let _ = writeln!(out, "    {name}: [{id:?}, [{}]],", roles.join(", "));
        }
        out.push_str("  },\n");
    }
    out.push_str("};\n\n/** The official client's service objects, method by method. */\n");
    for service in &services {
        let type_name = format!("{}{}Service", service[..1].to_uppercase(), &service[1..]);
        let _ = writeln!(out, "export interface {type_name} {{");
        for (node, id, roles, params) in
            methods.iter().filter(|(n, ..)| n.starts_with(&format!("{service}.")))
        {
            let name = &node[service.len() + 1..];
            let deprecated =
                Endpoint::find(id).is_some_and(|e| e.status == crisp_core::Status::LegacyHelpdesk);
            // The official names and optionality, with crisp-kit's own types for what each
            // argument becomes (the catalog's typed params), and the endpoint's typed answer.
            let params: Vec<String> = params
                .iter()
                .zip(roles.iter().map(String::as_str).chain(std::iter::repeat("")))
                .map(|((n, opt, ty), role)| {
                    format!("{n}{}: {}", if *opt { "?" } else { "" }, role_type(id, role, ty))
                })
                .collect();
            let _ = writeln!(
                out,
                "  /** `{id}`{} */\n  {name}({}): Promise<DataOf<{id:?}>>;",
                if deprecated { " @deprecated old helpdesk route (crisp-api 10.x)" } else { "" },
                params.join(", ")
            );
        }
        out.push_str("}\n\n");
    }
    Ok(out)
}
