//! The in-memory state behind the API.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// One conversation: its object (as `get_conversation` answers) and what hangs off it.
#[derive(Clone)]
pub struct Conv {
    pub c: Map<String, Value>,
    pub messages: Vec<Value>,
    pub pages: Vec<Value>,
    pub events: Vec<Value>,
    pub browsing: Vec<Value>,
    /// `c` serialized, filled on first read and cleared by [`Store::conv_mut`]: lists and gets
    /// copy text instead of cloning and serializing a tree.
    pub json: OnceLock<String>,
}

impl Conv {
    pub fn updated_at(&self) -> u64 {
        self.c.get("updated_at").and_then(Value::as_u64).unwrap_or(0)
    }
    pub fn to_json(&self) -> &str {
        self.json.get_or_init(|| {
            // As every answer: empty optional fields left out, not `null` (api::drop_nulls).
            let mut c = Value::Object(self.c.clone());
            crate::api::drop_nulls(&mut c);
            serde_json::to_string(&c).unwrap_or_default()
        })
    }

    pub fn session_id(&self) -> &str {
        self.c.get("session_id").and_then(Value::as_str).unwrap_or("")
    }
}

/// One people profile with its data, events and email subscription.
#[derive(Clone)]
pub struct Person {
    pub profile: Map<String, Value>,
    pub data: Map<String, Value>,
    pub events: Vec<Value>,
    pub subscribed: bool,
}

impl Person {
    pub fn id(&self) -> &str {
        self.profile.get("people_id").and_then(Value::as_str).unwrap_or("")
    }
}

/// One helpdesk locale (the old helpdesk model: categories, sections, articles).
#[derive(Clone)]
pub struct Locale {
    pub code: String,
    pub name: String,
    pub categories: Vec<Value>,
    pub sections: Vec<Value>,
    pub articles: Vec<Value>,
}

#[derive(Clone)]
pub struct Helpdesk {
    pub info: Value,
    pub settings: Value,
    pub locales: Vec<Locale>,
    pub redirections: Vec<Value>,
}

/// Everything the sandbox knows. Cloned from the seed on reset.
#[derive(Clone)]
pub struct Store {
    pub website_id: String,
    pub website: Value,
    pub settings: Value,
    pub operators: Vec<Value>,
    pub inboxes: Vec<Value>,
    pub teams: Vec<Value>,
    /// Most recently updated first.
    pub conversations: Vec<Conv>,
    pub conv_index: HashMap<String, usize>,
    pub people: Vec<Person>,
    pub people_index: HashMap<String, usize>,
    pub helpdesk: Option<Helpdesk>,
    pub campaigns: Vec<Value>,
    pub templates: Vec<Value>,
    pub visitors: Vec<Value>,
    pub spams: Vec<Value>,
    pub plugins: Vec<Value>,
    pub verify: Value,
    pub plan: Value,
    /// For ids and fingerprints of new writes: seeded, so a replay after reset gives the same ids.
    pub rng: fastrand::Rng,
}

impl Store {
    pub fn reindex(&mut self) {
        self.conv_index = self
            .conversations
            .iter()
            .enumerate()
            .map(|(i, c)| (c.session_id().to_owned(), i))
            .collect();
        self.people_index =
            self.people.iter().enumerate().map(|(i, p)| (p.id().to_owned(), i)).collect();
    }

    pub fn conv(&self, id: &str) -> Option<&Conv> {
        self.conv_index.get(id).map(|&i| &self.conversations[i])
    }

    /// The conversation, to change: its cached JSON is dropped.
    pub fn conv_mut(&mut self, id: &str) -> Option<&mut Conv> {
        let c = self.conv_index.get(id).map(|&i| &mut self.conversations[i])?;
        c.json = OnceLock::new();
        Some(c)
    }

    /// Where a person is, by `peopleID`: their people id or, as Crisp accepts, their email
    /// (compared case-insensitively).
    pub fn person_index(&self, id: &str) -> Option<usize> {
        if let Some(&i) = self.people_index.get(id) {
            return Some(i);
        }
        if !id.contains('@') {
            return None;
        }
        self.people.iter().position(|p| {
            p.profile
                .get("email")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case(id))
        })
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.person_index(id).map(|i| &self.people[i])
    }

    pub fn person_mut(&mut self, id: &str) -> Option<&mut Person> {
        self.person_index(id).map(|i| &mut self.people[i])
    }

    pub fn operator_ids(&self) -> Vec<&str> {
        self.operators.iter().filter_map(|o| o["details"]["user_id"].as_str()).collect()
    }

    pub fn uuid(&mut self) -> String {
        let h = format!("{:032x}", self.rng.u128(..));
        format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
    }

    pub fn fingerprint(&mut self) -> u64 {
        self.rng.u64((1 << 32) + 1..(1 << 53))
    }

    pub fn locale(&self, code: &str) -> Option<&Locale> {
        self.helpdesk.as_ref()?.locales.iter().find(|l| l.code == code)
    }

    pub fn locale_mut(&mut self, code: &str) -> Option<&mut Locale> {
        self.helpdesk.as_mut()?.locales.iter_mut().find(|l| l.code == code)
    }
}
