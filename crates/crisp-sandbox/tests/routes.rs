//! Every endpoint id the sandbox's handlers match on exists in the catalog, in a group whose calls
//! reach that handler: a typo, or an arm in the wrong module, would otherwise fall through to the
//! generic answer without a word.
//!
//! The handlers are read as Rust (syn), not searched as text: the dispatch by group in
//! `src/api/mod.rs` says which module answers which group, and each module's `match` on an
//! endpoint's `id` says which ids it handles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crisp_core::Endpoint;
use syn::visit::Visit;

/// One `"id" =>` arm found in a handler.
#[derive(Debug)]
struct Arm {
    file: String,
    function: String,
    id: String,
}

/// Collects the string literals of every `match <expr>.id { ... }` arm, with the function around it.
struct Ids<'a> {
    file: &'a str,
    function: String,
    arms: Vec<Arm>,
}

fn literals(pat: &syn::Pat, out: &mut Vec<String>) {
    match pat {
        syn::Pat::Lit(syn::PatLit { lit: syn::Lit::Str(s), .. }) => out.push(s.value()),
        syn::Pat::Or(or) => or.cases.iter().for_each(|p| literals(p, out)),
        _ => {}
    }
}

fn is_id(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Field(f) if matches!(&f.member, syn::Member::Named(n) if n == "id"))
}

impl<'ast> Visit<'ast> for Ids<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let outer = std::mem::replace(&mut self.function, f.sig.ident.to_string());
        syn::visit::visit_item_fn(self, f);
        self.function = outer;
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        if is_id(&m.expr) {
            for arm in &m.arms {
                let mut ids = Vec::new();
                literals(&arm.pat, &mut ids);
                for id in ids {
                    self.arms.push(Arm {
                        file: self.file.to_owned(),
                        function: self.function.clone(),
                        id,
                    });
                }
            }
        }
        syn::visit::visit_expr_match(self, m);
    }
}

/// `mod.rs`'s `read` and `write`: which module each group's calls go to, per function.
struct Dispatch {
    function: String,
    /// (function, group variant) -> module
    routes: BTreeMap<(String, String), String>,
}

impl<'ast> Visit<'ast> for Dispatch {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.function = f.sig.ident.to_string();
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        let on_group = matches!(&*m.expr, syn::Expr::Field(f)
            if matches!(&f.member, syn::Member::Named(n) if n == "group"));
        if on_group {
            for arm in &m.arms {
                let syn::Expr::Call(call) = &*arm.body else {
                    panic!("a dispatch arm calls a handler")
                };
                let syn::Expr::Path(path) = &*call.func else { panic!("a handler is a path") };
                let module = path.path.segments[0].ident.to_string();
                let mut groups = Vec::new();
                variants(&arm.pat, &mut groups);
                for g in groups {
                    self.routes.insert((self.function.clone(), g), module.clone());
                }
            }
        }
        syn::visit::visit_expr_match(self, m);
    }
}

fn variants(pat: &syn::Pat, out: &mut Vec<String>) {
    match pat {
        syn::Pat::Path(p) => out.push(p.path.segments.last().unwrap().ident.to_string()),
        syn::Pat::Or(or) => or.cases.iter().for_each(|p| variants(p, out)),
        other => panic!("unexpected dispatch pattern {}", quote_pat(other)),
    }
}

fn quote_pat(p: &syn::Pat) -> String {
    format!("{:?}", std::mem::discriminant(p))
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_handled_id_is_in_the_catalog_and_reaches_its_handler() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut dispatch = Dispatch { function: String::new(), routes: BTreeMap::new() };
    dispatch.visit_file(&parse(&dir.join("mod.rs")));
    assert!(dispatch.routes.len() >= 2 * 21, "mod.rs dispatches every group for reads and writes");

    let mut arms = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut ids = Ids { file: &file, function: String::new(), arms: Vec::new() };
        ids.visit_file(&parse(&path));
        arms.extend(ids.arms);
    }
    assert!(arms.len() > 150, "the handlers match on their ids ({} found)", arms.len());

    let mut problems = BTreeSet::new();
    for arm in &arms {
        let Some(e) = Endpoint::find(&arm.id) else {
            problems.insert(format!(
                "{}::{}: `{}` is not in the catalog",
                arm.file, arm.function, arm.id
            ));
            continue;
        };
        let group = format!("{:?}", e.group);
        // Which of mod.rs's functions would carry this call, and where it sends it.
        let entry = if e.write { "write" } else { "read" };
        let Some(module) = dispatch.routes.get(&(entry.to_owned(), group.clone())) else {
            problems.insert(format!("mod.rs::{entry} does not dispatch group {group}"));
            continue;
        };
        // A module's handler answers its groups; every module falls back to `generic`.
        let reachable = (arm.file == *module || arm.file == "generic")
            && (arm.function == entry || arm.function.ends_with(&format!("_{entry}")));
        if !reachable {
            problems.insert(format!(
                "{}::{}: `{}` ({group}, a {entry}) is never reached: mod.rs::{entry} sends it to {module}::{entry}",
                arm.file, arm.function, arm.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.into_iter().collect::<Vec<_>>().join("\n"));
}
