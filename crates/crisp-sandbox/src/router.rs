//! The router: a segment trie built from crisp-core's catalog, so every endpoint answers.

use std::collections::HashMap;

use crisp_core::catalog::Segment;
use crisp_core::{ENDPOINTS, Endpoint, Method, Status};

#[derive(Default)]
struct Node {
    literals: HashMap<&'static str, Node>,
    param: Option<(Box<Node>, &'static str)>,
    /// Terminal endpoints of a `{name*}` child, by method.
    rest: Vec<(&'static str, &'static Endpoint)>,
    /// Endpoints ending here, by method (two may share a method: told apart by body).
    here: Vec<&'static Endpoint>,
}

/// What the router says about a path.
pub enum Route {
    /// One endpoint, or (for the four body-dispatched pairs) several candidates.
    Found(Vec<&'static Endpoint>, Vec<(&'static str, String)>),
    /// No route.
    NotFound,
}

/// The trie over every catalog endpoint that has an HTTP route.
pub struct Router {
    root: Node,
}

impl Router {
    /// Builds the trie from the catalog.
    pub fn new() -> Router {
        let mut root = Node::default();
        for e in ENDPOINTS.iter().filter(|e| e.status != Status::ClientLocal) {
            let mut node = &mut root;
            let mut rest = None;
            for seg in e.segments() {
                match seg {
                    Segment::Literal(s) => node = node.literals.entry(s).or_default(),
                    Segment::Param(name) => {
                        let (child, _) = node.param.get_or_insert_with(|| (Box::default(), name));
                        node = child;
                    }
                    Segment::Rest(name) => rest = Some(name),
                }
            }
            match rest {
                Some(name) => node.rest.push((name, e)),
                None => node.here.push(e),
            }
        }
        Router { root }
    }

    /// Matches a method and the path below `/v1` (raw, percent-encoded segments).
    pub fn route(&self, method: Method, path: &str) -> Route {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut values = Vec::new();
        match walk(&self.root, method, &segments, &mut values) {
            Some((found, names)) => {
                let params = names.into_iter().zip(values).collect();
                Route::Found(found, params)
            }
            None => Route::NotFound,
        }
    }
}

type Hit = (Vec<&'static Endpoint>, Vec<&'static str>);

fn walk(node: &Node, method: Method, segs: &[&str], values: &mut Vec<String>) -> Option<Hit> {
    let Some((first, tail)) = segs.split_first() else {
        let found: Vec<_> = node.here.iter().copied().filter(|e| e.method == method).collect();
        if found.is_empty() {
            return None;
        }
        let names = found[0].path_params().collect();
        return Some((found, names));
    };
    if let Some(child) = node.literals.get(first)
        && let Some(hit) = walk(child, method, tail, values)
    {
        return Some(hit);
    }
    if let Some((child, _)) = &node.param {
        let decoded = decode(first);
        values.push(decoded);
        if let Some(hit) = walk(child, method, tail, values) {
            return Some(hit);
        }
        values.pop();
    }
    let found: Vec<_> =
        node.rest.iter().filter(|(_, e)| e.method == method).map(|(_, e)| *e).collect();
    if !found.is_empty() {
        let rest = segs.iter().map(|s| decode(s)).collect::<Vec<_>>().join("/");
        values.push(rest);
        let names = found[0].path_params().collect();
        return Some((found, names));
    }
    None
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(method: Method, path: &str) -> Option<(&'static str, Vec<(&'static str, String)>)> {
        match Router::new().route(method, path) {
            Route::Found(e, p) => Some((e[0].id, p)),
            Route::NotFound => None,
        }
    }

    #[test]
    fn literals_win_over_params_with_backtracking() {
        assert_eq!(
            hit(Method::Get, "/website/w/conversations/spams/1").unwrap().0,
            "list_spam_conversations"
        );
        assert_eq!(hit(Method::Get, "/website/w/conversations/2").unwrap().0, "list_conversations");
        let (id, p) = hit(Method::Get, "/website/w/conversation/session%2Fx").unwrap();
        assert_eq!(id, "get_conversation");
        assert_eq!(p[1], ("sessionID", "session/x".to_owned()));
        assert!(hit(Method::Get, "/website/w/nothing").is_none());
    }

    #[test]
    fn rest_params_take_every_segment() {
        let (id, p) = hit(Method::Get, "/website/w/helpdesk/tree/path/en/article/a/b").unwrap();
        assert_eq!(id, "resolve_helpdesk_tree_path");
        assert_eq!(p.last().unwrap().1, "a/b");
    }

    #[test]
    fn shared_routes_give_both_candidates() {
        match Router::new().route(Method::Patch, "/website/w/batch/remove") {
            Route::Found(e, _) => assert_eq!(e.len(), 2),
            Route::NotFound => panic!("batch/remove"),
        }
    }
}
