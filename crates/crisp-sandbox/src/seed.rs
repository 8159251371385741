//! Deterministic, realistic demo data: the same `--seed` always gives the same store.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::store::{Conv, Helpdesk, Locale, Person, Store};

/// Seeded data is dated from here (2026-01-01T00:00:00Z), never from the wall clock.
pub const BASE_MS: u64 = 1_767_225_600_000;
const DAY: u64 = 86_400_000;
const MIN: u64 = 60_000;

const FIRST: &[&str] = &[
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Sofia", "Mateo", "Chloé", "Hugo", "Léa",
    "Jonas", "Mia", "Ben", "Aiko", "Kenji", "Priya", "Arjun", "Fatima", "Omar", "Ingrid", "Lars",
    "Isabella", "Diego", "Hannah", "Elias", "Zoe", "Marco", "Giulia", "Tomás", "Amara", "Kwame",
    "Yuki", "Wei", "Mei", "Sara", "David", "Rachel", "Nathan", "Grace", "Camille", "Julien",
    "Anna", "Felix", "Nora", "Oscar", "Maya", "Leon", "Alice", "Samuel",
];
const LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Müller", "Schmidt", "Rossi", "Bianchi", "García", "López",
    "Silva", "Santos", "Kowalski", "Nowak", "Jensen", "Nilsson", "Tanaka", "Sato", "Patel",
    "Sharma", "Khan", "Okafor", "Mensah", "Chen", "Wang", "Kim", "Park", "Smith", "Johnson",
    "Brown", "Taylor", "Wilson", "Anderson", "Moreau", "Laurent", "Fischer", "Weber", "Novak",
    "Horvat", "O'Brien", "Murphy",
];
/// (city, region, country code, latitude, longitude, phone prefix, timezone offset in minutes)
const CITIES: &[(&str, &str, &str, f64, f64, &str, i32)] = &[
    ("Paris", "Île-de-France", "FR", 48.8566, 2.3522, "+33 6", -60),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR", 45.764, 4.8357, "+33 7", -60),
    ("Berlin", "Berlin", "DE", 52.52, 13.405, "+49 151", -60),
    ("Munich", "Bavaria", "DE", 48.1351, 11.582, "+49 160", -60),
    ("London", "England", "GB", 51.5072, -0.1276, "+44 7700", 0),
    ("Manchester", "England", "GB", 53.4808, -2.2426, "+44 7911", 0),
    ("Madrid", "Community of Madrid", "ES", 40.4168, -3.7038, "+34 612", -60),
    ("Barcelona", "Catalonia", "ES", 41.3874, 2.1686, "+34 655", -60),
    ("Milan", "Lombardy", "IT", 45.4642, 9.19, "+39 347", -60),
    ("Amsterdam", "North Holland", "NL", 52.3676, 4.9041, "+31 6", -60),
    ("Stockholm", "Stockholm County", "SE", 59.3293, 18.0686, "+46 70", -60),
    ("Warsaw", "Masovian", "PL", 52.2297, 21.0122, "+48 501", -60),
    ("Lisbon", "Lisbon", "PT", 38.7223, -9.1393, "+351 912", 0),
    ("New York", "New York", "US", 40.7128, -74.006, "+1 212", 300),
    ("San Francisco", "California", "US", 37.7749, -122.4194, "+1 415", 480),
    ("Austin", "Texas", "US", 30.2672, -97.7431, "+1 512", 360),
    ("Toronto", "Ontario", "CA", 43.6532, -79.3832, "+1 416", 300),
    ("São Paulo", "São Paulo", "BR", -23.5505, -46.6333, "+55 11 9", 180),
    ("Tokyo", "Tokyo", "JP", 35.6762, 139.6503, "+81 90", -540),
    ("Bangalore", "Karnataka", "IN", 12.9716, 77.5946, "+91 98", -330),
    ("Singapore", "Singapore", "SG", 1.3521, 103.8198, "+65 9", -480),
    ("Sydney", "New South Wales", "AU", -33.8688, 151.2093, "+61 4", -660),
    ("Lagos", "Lagos", "NG", 6.5244, 3.3792, "+234 803", -60),
    ("Nairobi", "Nairobi", "KE", -1.2921, 36.8219, "+254 712", -180),
];
const COMPANIES: &[(&str, &str)] = &[
    ("Acme Logistics", "acmelogistics.com"),
    ("Bluebird Analytics", "bluebird.io"),
    ("Kestrel Health", "kestrelhealth.com"),
    ("Orchard & Co", "orchardco.com"),
    ("Pinecone Labs", "pineconelabs.dev"),
    ("Helios Energy", "helios-energy.eu"),
    ("Tidewater Travel", "tidewater.travel"),
    ("Foxglove Studio", "foxglove.design"),
    ("Granite Finance", "granitefinance.com"),
    ("Nimbus Retail", "nimbusretail.co"),
    ("Vertex Robotics", "vertexrobotics.ai"),
    ("Saffron Kitchens", "saffronkitchens.com"),
];
const FREEMAIL: &[&str] = &["gmail.com", "outlook.com", "proton.me", "yahoo.com", "icloud.com"];
const PLANS: &[(&str, u64)] =
    &[("starter", 29), ("pro", 99), ("business", 299), ("enterprise", 1200)];
const SEGMENTS: &[&str] =
    &["vip", "trial", "churn-risk", "enterprise", "onboarding", "beta", "newsletter", "billing"];
const BROWSERS: &[(&str, &str, &str)] = &[
    ("Chrome", "131", "Mac OS"),
    ("Firefox", "133", "Windows"),
    ("Safari", "18", "iOS"),
    ("Chrome", "130", "Android"),
    ("Edge", "131", "Windows"),
    ("Safari", "17", "Mac OS"),
];
const OPERATORS: &[(&str, &str, &str, &str)] = &[
    ("Claire", "Fontaine", "owner", "Head of Support"),
    ("Marcus", "Reed", "member", "Support Engineer"),
    ("Ines", "Carvalho", "member", "Customer Success Manager"),
    ("Tobias", "Lindqvist", "member", "Billing Specialist"),
    ("Noor", "Haddad", "member", "Support Engineer"),
];

/// A support topic: subject, then alternating visitor/operator lines. `{first}`, `{plan}`,
/// `{op}` and `{company}` are filled in.
const TOPICS: &[(&str, &[&str])] = &[
    (
        "Charged twice this month",
        &[
            "Hi, I was charged twice for my {plan} plan this month. Can you check?",
            "Hi {first}, sorry about that! I'm looking at your invoices now.",
            "Thanks. Both charges show on my card statement from the 3rd.",
            "I can see the duplicate charge. I've issued a refund for the second one; it should reach your card in 5-10 business days.",
            "Perfect, thank you for the quick help!",
        ],
    ),
    (
        "Can't log in after password reset",
        &[
            "I reset my password but the login page keeps saying my credentials are invalid.",
            "Hi {first}, I'm {op}. Could you try signing in from a private window? Sometimes an old session cookie gets in the way.",
            "Same thing in a private window.",
            "Thanks for checking. I found a stale SSO setting on your account and cleared it. Could you try again?",
            "It works now, thanks a lot!",
        ],
    ),
    (
        "Question about the API rate limits",
        &[
            "Hello, what are the rate limits on the REST API for the {plan} plan?",
            "Hi {first}! Limits are applied per route and adapt to load. If you get a 429, back off and honour Retry-After when it's there.",
            "Got it. Is there a way to get a higher quota for a data migration?",
            "Yes, I can raise it temporarily for your workspace. How long will the migration run?",
            "About two days, starting Monday.",
            "Done: your workspace has a raised quota from Monday to Wednesday.",
        ],
    ),
    (
        "Slack integration stopped syncing",
        &[
            "Our Slack integration stopped posting new conversations since yesterday.",
            "Hi {first}, thanks for reporting. Did anyone on your side change the Slack workspace permissions recently?",
            "Our IT team rotated some tokens, maybe that's it.",
            "That would explain it. Please reconnect Slack from Settings > Integrations; the new token will be picked up right away.",
            "Reconnected, new messages are coming through again.",
        ],
    ),
    (
        "Upgrade from trial to Pro",
        &[
            "Hi! Our trial ends on Friday. How do we upgrade to Pro without losing our data?",
            "Hi {first}, nothing is lost: upgrading keeps all conversations, contacts and settings. You can do it from Billing at any time.",
            "Great. Can we pay yearly by invoice?",
            "Yes, yearly plans can be paid by bank transfer. I'll send you a quote for {company}.",
        ],
    ),
    (
        "Export contacts to CSV",
        &[
            "Is there a way to export all our contacts with their custom data?",
            "Hi {first}! Yes: Contacts > Export gives you a CSV with every custom data field as a column.",
            "Does it include the segments too?",
            "It does, as a semicolon-separated column.",
        ],
    ),
    (
        "Chatbox not showing on mobile",
        &[
            "The chat widget doesn't show up on our mobile site, only on desktop.",
            "Hi {first}, could you share the URL of a page where it's missing?",
            "Sure, it's the pricing page on our m. subdomain.",
            "Found it: the m. subdomain isn't in your allowed domains list. I've added it, can you reload?",
            "It shows up now. Thanks {op}!",
        ],
    ),
    (
        "Refund request for unused seats",
        &[
            "We removed 4 seats last week, can we get a prorated refund?",
            "Hi {first}, seat changes are prorated automatically as a credit on your next invoice.",
            "We'd prefer a refund to the card if possible.",
            "Understood, I'm checking with our billing team and will get back to you today.",
        ],
    ),
    (
        "GDPR data processing agreement",
        &[
            "Could you send us your DPA? Our legal team needs it before we roll out to the EU.",
            "Hi {first}! You can sign our DPA electronically from Settings > Compliance. I'll also email you the PDF.",
            "Thank you, and where is the data hosted?",
            "All data is hosted in the EU (Netherlands and Germany), with encrypted backups in France.",
        ],
    ),
    (
        "Webhook signatures don't validate",
        &[
            "Our webhook handler rejects every request: the HMAC never matches.",
            "Hi {first}, are you computing the HMAC over the raw request body, before any JSON parsing?",
            "Ah, we were re-serializing the JSON first.",
            "That's the usual culprit: whitespace and key order change. Hash the raw bytes and compare in constant time.",
            "That fixed it, all green now.",
        ],
    ),
    (
        "Invoices need our VAT number",
        &[
            "Can you add our VAT number to past invoices? We need them for our accountant.",
            "Hi {first}, sure. Please add the VAT number in Billing > Company details and I'll regenerate the last 3 invoices.",
            "Added it just now.",
            "Done, the updated invoices are in your billing history.",
        ],
    ),
    (
        "Feature request: dark mode",
        &[
            "Any plans for a dark mode in the operator app? Our night shift would love it.",
            "Hi {first}! It's on our roadmap for this quarter. I've added {company} to the list of requesters so you'll hear first.",
            "Awesome, thanks!",
        ],
    ),
    (
        "Shipping delay on order #48213",
        &[
            "My order #48213 was supposed to arrive last Tuesday and tracking hasn't moved.",
            "Hi {first}, I'm sorry for the wait. I've contacted the carrier and opened an investigation.",
            "Thanks. Is there anything I need to do?",
            "Nothing for now. If it isn't delivered by Friday we'll ship a replacement at no cost.",
        ],
    ),
    (
        "Two-factor authentication lost phone",
        &[
            "I lost my phone and can't get my 2FA codes. How do I get back into my account?",
            "Hi {first}, for your security I need to verify your identity first. I'm sending a verification link to your email.",
            "Got the email and completed the check.",
            "Thanks, 2FA is now reset. Please set it up again on your new phone right after signing in.",
        ],
    ),
];
const FOLLOW_UPS: &[(&str, &str)] = &[
    (
        "One more thing: can I change the email on the account?",
        "Yes, from Settings > Account. You'll get a confirmation email.",
    ),
    ("Also, is there an Android app for operators?", "Yes, it's on the Play Store and App Store."),
    (
        "And can we route French conversations to a separate inbox?",
        "You can: create a routing rule on the visitor's locale.",
    ),
    ("Is there a limit on file attachments?", "Files up to 20 MB are accepted in conversations."),
    (
        "How do I add a teammate?",
        "Invite them from Settings > Team; they'll get an email invitation.",
    ),
    (
        "Can we customise the chatbox colour?",
        "Yes, Settings > Chatbox > Appearance lets you pick any colour.",
    ),
];
const NOTES: &[&str] = &[
    "Customer is on an annual contract, renewal in March. Be extra careful here.",
    "Escalated to engineering, ticket ENG-4821.",
    "Checked Stripe: duplicate charge confirmed, refund issued.",
    "Second time this month they report this. Flagging as churn risk.",
    "VIP account, loop in the account manager before closing.",
];
const FILES: &[(&str, &str)] = &[
    ("screenshot-login-error.png", "image/png"),
    ("invoice-2025-12.pdf", "application/pdf"),
    ("export-contacts.csv", "text/csv"),
    ("error-console.txt", "text/plain"),
    ("order-48213-receipt.pdf", "application/pdf"),
];

/// Everything random in the seed goes through this, in a fixed order.
pub struct Gen {
    pub rng: fastrand::Rng,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen { rng: fastrand::Rng::with_seed(seed) }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    pub fn uuid(&mut self) -> String {
        let a = self.rng.u128(..);
        let h = format!("{a:032x}");
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            ["8", "9", "a", "b"][self.rng.usize(..4)],
            &h[17..20],
            &h[20..32]
        )
    }

    /// A message fingerprint: above 2^32 and below 2^53, as Crisp's are.
    pub fn fingerprint(&mut self) -> u64 {
        self.rng.u64((1 << 32) + 1..(1 << 53))
    }

    pub fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from_digit(self.rng.u32(..16), 16).unwrap_or('0')).collect()
    }
}

fn avatar(seed: &str) -> String {
    format!("https://avatars.sandbox.crisp.local/{seed}.png")
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'é' | 'è' | 'ê' => out.push('e'),
            'á' | 'à' | 'ã' => out.push('a'),
            'ó' | 'ô' => out.push('o'),
            'ü' | 'ú' => out.push('u'),
            'í' => out.push('i'),
            _ if !out.ends_with('-') && !out.is_empty() => out.push('-'),
            _ => {}
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn email_local(first: &str, last: &str) -> String {
    let f = slug(first);
    let l = slug(last).replace('-', "");
    format!("{f}.{l}")
}

/// Builds the seeded store.
#[allow(clippy::too_many_lines)] // the demo data reads best as one script, top to bottom
pub fn build(seed: u64, website_id: &str) -> Store {
    let mut g = Gen::new(seed);
    let domain = "northwind.studio";
    let website = json!({
        "website_id": website_id,
        "name": "Northwind Studio",
        "domain": domain,
        "logo": "https://assets.sandbox.crisp.local/northwind/logo.png",
    });

    let mut operators = Vec::new();
    for (first, last, role, title) in OPERATORS {
        let user_id = g.uuid();
        operators.push(json!({
            "type": "website",
            "details": {
                "user_id": user_id,
                "email": format!("{}@{domain}", slug(first)),
                "avatar": avatar(&user_id),
                "first_name": first,
                "last_name": last,
                "role": role,
                "title": title,
                "availability": if g.rng.bool() { "online" } else { "away" },
                "has_token": *role == "owner",
                "identifier": null,
                "key": null,
            }
        }));
    }
    let op_ids: Vec<String> = operators
        .iter()
        .map(|o| o["details"]["user_id"].as_str().unwrap_or("").to_owned())
        .collect();

    let inbox_names = [("Support", "🛟"), ("Sales", "💼"), ("Billing", "🧾")];
    let mut inboxes = Vec::new();
    for (i, (name, emoji)) in inbox_names.iter().enumerate() {
        inboxes.push(json!({
            "inbox_id": g.uuid(),
            "name": name,
            "emoji": emoji,
            "order": i + 1,
            "operators": op_ids.iter().skip(i).take(3).collect::<Vec<_>>(),
            "conditions": [],
            "created_at": BASE_MS - 200 * DAY,
            "updated_at": BASE_MS - 30 * DAY,
        }));
    }
    let inbox_ids: Vec<String> =
        inboxes.iter().map(|i| i["inbox_id"].as_str().unwrap_or("").to_owned()).collect();
    let teams = vec![
        json!({"team_id": g.uuid(), "name": "Tier 1", "operators": &op_ids[1..4], "created_at": BASE_MS - 150 * DAY}),
        json!({"team_id": g.uuid(), "name": "Billing & Finance", "operators": [&op_ids[3]], "created_at": BASE_MS - 120 * DAY}),
    ];

    // People.
    let mut people = Vec::new();
    for i in 0..120 {
        let first = *g.pick(FIRST);
        let last = *g.pick(LAST);
        let city = *g.pick(CITIES);
        let has_company = g.rng.u8(..10) < 7;
        let company = *g.pick(COMPANIES);
        let email = if has_company {
            format!("{}@{}", email_local(first, last), company.1)
        } else {
            format!("{}{}@{}", email_local(first, last), g.rng.u16(1..99), g.pick(FREEMAIL))
        };
        let phone = format!(
            "{} {:02} {:02} {:02} {:02}",
            city.5,
            g.rng.u8(10..99),
            g.rng.u8(10..99),
            g.rng.u8(10..99),
            g.rng.u8(10..99)
        );
        let people_id = g.uuid();
        let created = BASE_MS - g.rng.u64(20..400) * DAY - g.rng.u64(..DAY);
        let updated = created + g.rng.u64(1..20) * DAY;
        let (plan, mrr) = *g.pick(PLANS);
        let mut segments: Vec<&str> = Vec::new();
        for _ in 0..g.rng.usize(0..3) {
            let s = *g.pick(SEGMENTS);
            if !segments.contains(&s) {
                segments.push(s);
            }
        }
        if plan == "enterprise" && !segments.contains(&"enterprise") {
            segments.push("enterprise");
        }
        let seats = g.rng.u32(1..40);
        let profile = json!({
            "people_id": people_id,
            "email": email,
            "person": {
                "nickname": format!("{first} {last}"),
                "avatar": avatar(&people_id),
                "gender": null,
                "phone": phone,
                "address": null,
                "description": null,
                "website": if has_company { Value::from(format!("https://{}", company.1)) } else { Value::Null },
                "timezone": city.6,
                "profiles": [],
                "employment": if has_company { json!({"name": company.0, "title": *g.pick(&["CTO", "Head of Operations", "Product Manager", "Founder", "Support Lead", "Developer"])}) } else { Value::Null },
                "geolocation": {
                    "country": city.2, "region": city.1, "city": city.0,
                    "coordinates": {"latitude": city.3, "longitude": city.4},
                },
                "locales": [match city.2 { "FR" => "fr", "DE" => "de", "ES" => "es", "IT" => "it", "BR" | "PT" => "pt", "JP" => "ja", _ => "en" }],
            },
            "company": if has_company { json!({"name": company.0, "url": format!("https://{}", company.1), "domain": company.1}) } else { json!({}) },
            "segments": segments,
            "notepad": if i % 9 == 0 { Value::from("Prefers email follow-ups over chat.") } else { Value::Null },
            "active": {"now": false, "last": updated + g.rng.u64(..10) * DAY},
            "score": g.rng.u8(..100),
            "created_at": created,
            "updated_at": updated,
        });
        let mut data = Map::new();
        data.insert("plan".into(), plan.into());
        data.insert("mrr".into(), mrr.saturating_mul(u64::from(seats.max(1)).min(5)).into());
        data.insert("seats".into(), seats.into());
        data.insert(
            "signup_source".into(),
            (*g.pick(&["organic", "google-ads", "referral", "product-hunt", "partner"])).into(),
        );
        data.insert("account_id".into(), format!("acct_{}", g.hex(10)).into());
        let events: Vec<Value> = (0..g.rng.usize(2..7))
            .map(|k| {
                let (text, color) = *g.pick(&[("Signed up", "green"), ("Upgraded plan", "blue"), ("Invited teammate", "purple"), ("Exported contacts", "grey"), ("Payment failed", "red"), ("Connected Slack", "orange")]);
                json!({"text": text, "data": {"plan": plan}, "color": color, "timestamp": created + (k as u64 + 1) * 3 * DAY})
            })
            .collect();
        people.push(Person {
            profile: into_map(profile),
            data,
            events,
            subscribed: g.rng.u8(..10) < 8,
        });
    }

    // Conversations.
    let mut conversations = Vec::new();
    for i in 0..300u64 {
        let session_id = format!("session_{}", g.uuid());
        let person_index =
            if g.rng.u8(..10) < 8 { Some(g.rng.usize(..people.len())) } else { None };
        let (nickname, email, phone, first, geo, segments, mut data, company_name, people_id) =
            if let Some(p) = person_index {
                let pr = &people[p].profile;
                let nick = pr["person"]["nickname"].as_str().unwrap_or("").to_owned();
                let first = nick.split(' ').next().unwrap_or("").to_owned();
                (
                    nick,
                    pr["email"].clone(),
                    pr["person"]["phone"].clone(),
                    first,
                    pr["person"]["geolocation"].clone(),
                    pr["segments"].clone(),
                    people[p].data.clone(),
                    pr["company"]["name"].as_str().unwrap_or("your team").to_owned(),
                    pr["people_id"].clone(),
                )
            } else {
                let city = *g.pick(CITIES);
                let n = g.rng.u16(1000..9999);
                (
                    format!("visitor{n}"),
                    Value::Null,
                    Value::Null,
                    "there".to_owned(),
                    json!({"country": city.2, "region": city.1, "city": city.0, "coordinates": {"latitude": city.3, "longitude": city.4}}),
                    json!([]),
                    Map::new(),
                    "your team".to_owned(),
                    Value::Null,
                )
            };
        let state = match g.rng.u8(..20) {
            0..=8 => "resolved",
            9..=15 => "unresolved",
            _ => "pending",
        };
        let op_index = g.rng.usize(..op_ids.len());
        let op_id = op_ids[op_index].clone();
        let op_name = format!("{} {}", OPERATORS[op_index].0, OPERATORS[op_index].1);
        let (topic, lines) = *g.pick(TOPICS);
        let plan = data.get("plan").and_then(Value::as_str).unwrap_or("Starter").to_owned();
        let fill = |s: &str| {
            s.replace("{first}", &first)
                .replace("{op}", OPERATORS[op_index].0)
                .replace("{plan}", &plan)
                .replace("{company}", &company_name)
        };
        let created = BASE_MS - (300 - i) * DAY / 4 - g.rng.u64(..DAY / 2);
        let mut ts = created;
        let mut messages = Vec::new();
        let user_obj =
            json!({"nickname": nickname, "user_id": session_id.clone(), "avatar": Value::Null});
        let op_obj =
            json!({"nickname": op_name, "user_id": op_id.clone(), "avatar": avatar(&op_id)});
        let mut push = |g: &mut Gen, from: &str, ty: &str, content: Value, ts: &mut u64| {
            *ts += g.rng.u64(1..12) * MIN + g.rng.u64(..MIN);
            messages.push(json!({
                "session_id": session_id, "website_id": website_id, "type": ty, "from": from,
                "origin": if from == "user" { "chat" } else { "urn:crisp.im:operator:0" },
                "content": content, "fingerprint": g.fingerprint(), "timestamp": *ts,
                "user": if from == "user" { user_obj.clone() } else { op_obj.clone() },
                "stamped": true, "read": "chat", "delivered": "chat", "mentions": [], "edited": false,
            }));
        };
        // Pending conversations have only the visitor's first message(s).
        let take = match state {
            "pending" => 1,
            "unresolved" => (lines.len() - 1).max(1) | 1, // end on a visitor line
            _ => lines.len(),
        }
        .min(lines.len());
        for (k, line) in lines.iter().take(take).enumerate() {
            let from = if k % 2 == 0 { "user" } else { "operator" };
            push(&mut g, from, "text", Value::from(fill(line)), &mut ts);
            if k == 0 && g.rng.u8(..4) == 0 {
                let (name, mime) = *g.pick(FILES);
                let content = json!({"name": name, "url": format!("https://storage.sandbox.crisp.local/{}/{name}", g.hex(12)), "type": mime});
                push(&mut g, "user", "file", content, &mut ts);
            }
            if k == 1 && g.rng.u8(..3) == 0 {
                let content = Value::from(*g.pick(NOTES));
                push(&mut g, "operator", "note", content, &mut ts);
            }
        }
        if i % 7 == 0 && state != "pending" {
            for round in 0..g.rng.usize(10..18) {
                let (q, a) = FOLLOW_UPS[round % FOLLOW_UPS.len()];
                push(&mut g, "user", "text", Value::from(q), &mut ts);
                push(&mut g, "operator", "text", Value::from(a), &mut ts);
            }
        }
        if state == "resolved" && g.rng.bool() {
            let great = g.rng.bool();
            let content = json!({
                "id": "satisfaction", "text": "How would you rate this conversation?",
                "choices": [
                    {"value": "great", "label": "😍 Great", "selected": great},
                    {"value": "ok", "label": "🙂 OK", "selected": false},
                    {"value": "bad", "label": "🙁 Bad", "selected": false},
                ],
            });
            push(&mut g, "operator", "picker", content, &mut ts);
        }
        if i % 23 == 0 {
            let content = json!({"url": "https://media.sandbox.crisp.local/gifs/thumbs-up.gif", "type": "image/gif"});
            push(&mut g, "operator", "animation", content, &mut ts);
        }
        if i % 29 == 0 {
            let content = json!({"url": format!("https://storage.sandbox.crisp.local/{}/voice-note.webm", g.hex(12)), "type": "audio/webm", "duration": g.rng.u8(4..40)});
            push(&mut g, "user", "audio", content, &mut ts);
        }
        let unread_op = if state == "resolved" { 0 } else { g.rng.u32(0..4) };
        if unread_op > 0 {
            let n = messages.len();
            for m in
                messages.iter_mut().rev().take(unread_op as usize).filter(|m| m["from"] == "user")
            {
                m["read"] = Value::from("");
            }
            let _ = n;
        }
        let last = messages
            .iter()
            .rev()
            .find(|m| m["type"] == "text")
            .map_or(String::new(), |m| m["content"].as_str().unwrap_or("").to_owned());
        let (browser, major, os) = *g.pick(BROWSERS);
        let mentions: Vec<&String> =
            if i % 17 == 0 { vec![&op_ids[(op_index + 1) % op_ids.len()]] } else { vec![] };
        data.insert("order_count".into(), g.rng.u32(0..30).into());
        let inbox = if g.rng.u8(..3) == 0 {
            Value::Null
        } else {
            Value::from(inbox_ids[g.rng.usize(..inbox_ids.len())].clone())
        };
        let conv = json!({
            "session_id": session_id,
            "website_id": website_id,
            "people_id": people_id,
            "inbox_id": inbox,
            "state": state,
            "status": match state { "pending" => 0, "unresolved" => 1, _ => 2 },
            "is_verified": person_index.is_some() && g.rng.bool(),
            "is_blocked": i % 41 == 0,
            "availability": if i < 12 { "online" } else { "offline" },
            "active": {"now": false, "last": ts},
            "last_message": last,
            "topic": topic,
            "participants": if email.is_null() { json!([]) } else { json!([{"type": "email", "target": email}]) },
            "mentions": mentions,
            "compose": {},
            "updated_at": ts,
            "created_at": created,
            "waiting_since": if state == "resolved" { Value::Null } else { Value::from(ts) },
            "unread": {"operator": unread_op, "visitor": 0},
            "assigned": if state == "pending" { json!({}) } else { json!({"user_id": op_id}) },
            "meta": {
                "nickname": nickname,
                "email": email,
                "phone": phone,
                "address": null,
                "subject": topic,
                "ip": format!("{}.{}.{}.{}", g.rng.u8(23..223), g.rng.u8(..255), g.rng.u8(..255), g.rng.u8(1..254)),
                "data": data,
                "avatar": Value::Null,
                "origin": "chat",
                "device": {
                    "capabilities": ["browsing", "call"],
                    "geolocation": geo,
                    "system": {
                        "os": {"name": os, "version": ""},
                        "engine": {"name": if browser == "Safari" { "WebKit" } else if browser == "Firefox" { "Gecko" } else { "Blink" }},
                        "browser": {"name": browser, "major": major, "version": format!("{major}.0")},
                    },
                    "timezone": -60,
                    "locales": ["en"],
                },
                "segments": segments,
            },
        });
        let pages = (0..g.rng.usize(1..5))
            .map(|k| json!({"page_title": *g.pick(&["Pricing - Northwind Studio", "Docs: Getting started", "Billing settings", "Integrations", "Changelog"]), "page_url": format!("https://{domain}/{}", ["pricing", "docs/start", "settings/billing", "integrations", "changelog"][k % 5]), "page_referrer": "https://www.google.com/", "timestamp": created - (5 - k as u64) * MIN}))
            .collect();
        let events = vec![
            json!({"text": "Visited pricing page", "data": {}, "color": "blue", "timestamp": created - 2 * MIN}),
        ];
        conversations.push(Conv {
            c: into_map(conv),
            messages,
            pages,
            events,
            browsing: Vec::new(),
            json: std::sync::OnceLock::new(),
        });
        if let Some(p) = person_index {
            let _ = p;
        }
    }
    conversations.sort_by_key(|c| std::cmp::Reverse(c.updated_at()));

    let helpdesk = build_helpdesk(&mut g, domain);

    let campaigns = ["Welcome series", "Trial ending in 3 days", "Product update: January", "Win-back: churn risk", "Webinar invitation", "NPS survey Q1"]
        .iter()
        .enumerate()
        .map(|(k, name)| json!({
            "campaign_id": g.uuid(), "type": if k < 2 { "automated" } else { "one-shot" }, "format": "markdown",
            "name": name, "sender": {"user_id": op_ids[k % op_ids.len()]},
            "recipients": {"type": "segment", "segments": [SEGMENTS[k % SEGMENTS.len()]]},
            "flow": null, "message": format!("Hi {{{{user.first_name}}}}, {}", name.to_lowercase()),
            "options": {"deliver_once": true, "tracking": true},
            "ready": k != 5, "dispatched": (2..5).contains(&k), "running": k < 2, "progress": if (2..5).contains(&k) { 100 } else { 0 },
            "tags": [if k < 2 { "lifecycle" } else { "marketing" }],
            "statistics": {"sent": 120 + k * 37, "opened": 80 + k * 11, "clicked": 12 + k * 3, "unsubscribed": k},
            "created_at": BASE_MS - (60 - k as u64 * 8) * DAY, "updated_at": BASE_MS - (30 - k as u64 * 4) * DAY,
        }))
        .collect();
    let templates = vec![
        json!({"template_id": g.uuid(), "type": "custom", "format": "html", "name": "Northwind newsletter", "content": "<h1>{{title}}</h1>", "created_at": BASE_MS - 90 * DAY, "updated_at": BASE_MS - 10 * DAY}),
        json!({"template_id": g.uuid(), "type": "static", "format": "markdown", "name": "Plain announcement", "content": "# {{title}}", "created_at": BASE_MS - 80 * DAY, "updated_at": BASE_MS - 20 * DAY}),
    ];
    let visitors = (0..25)
        .map(|k| {
            let city = *g.pick(CITIES);
            let (browser, _, os) = *g.pick(BROWSERS);
            json!({
                "session_id": format!("session_{}", g.uuid()), "inbox_id": null, "nickname": format!("visitor{}", 1000 + k * 37),
                "email": null, "avatar": null, "useragent": format!("Mozilla/5.0 ({os}) {browser}"),
                "initiated": k % 3 == 0, "active": true, "last_page": {"page_title": "Pricing - Northwind Studio", "page_url": format!("https://{domain}/pricing")},
                "geolocation": {"country": city.2, "region": city.1, "city": city.0, "coordinates": {"latitude": city.3, "longitude": city.4}},
                "timezone": city.6, "capabilities": ["browsing"], "locales": ["en"],
            })
        })
        .collect();
    let spams = (0..3)
        .map(|k| json!({"spam_id": g.uuid(), "type": "email", "reason": "filter", "metadata": {"from": format!("promo{k}@bulk-mailer.example")}, "headers": {}, "timestamp": BASE_MS - k * DAY}))
        .collect();

    let mut store = Store {
        website_id: website_id.to_owned(),
        website,
        settings: json!({
            "website_id": website_id, "name": "Northwind Studio", "domain": domain,
            "logo": "https://assets.sandbox.crisp.local/northwind/logo.png",
            "contact": {"email": format!("support@{domain}"), "phone": "+33 1 84 88 00 00"},
            "inbox": {"lock_removal": false, "force_operator_token": false},
            "emails": {"rating": true, "transcript": true, "enrich": true},
            "chatbox": {"tile": "default", "wait_game": false, "last_operator_face": true, "color_theme": "blue", "locale": "en", "welcome_message": "Hi! How can we help you today?"},
        }),
        operators,
        inboxes,
        teams,
        conversations,
        conv_index: HashMap::new(),
        people,
        people_index: HashMap::new(),
        helpdesk: Some(helpdesk),
        campaigns,
        templates,
        visitors,
        spams,
        plugins: vec![
            json!({"id": "urn:crisp.im:slack:0", "plugin_id": "c3bcd3ba-3f2d-4f0c-9d3a-4c5f0d0f3c10", "name": "Slack", "url": "https://crisp.chat/en/integrations/urn:crisp.im:slack:0/", "settings": {"channel": "#support"}, "since": "2025-09-23T00:00:00.000Z"}),
        ],
        verify: json!({"enabled": true, "secret": format!("whsec_{}", g.hex(24))}),
        plan: json!({"id": "plan_unlimited", "name": "Unlimited", "price": 95, "since": "2025-01-01T00:00:00.000Z", "trialing": false, "bill_period": "monthly", "coupon_redeemed": false}),
        rng: fastrand::Rng::with_seed(seed ^ 0x5eed),
    };
    store.reindex();
    store
}

/// A helpdesk category: name, then sections with their article titles.
type Category = (&'static str, &'static [(&'static str, &'static [&'static str])]);

const COLORS: [&str; 4] = ["#2c7be5", "#00b37e", "#ff8a00", "#d6336c"];

#[allow(clippy::too_many_lines)] // as `build`
fn build_helpdesk(g: &mut Gen, domain: &str) -> Helpdesk {
    let tree: &[Category] = &[
        (
            "Getting Started",
            &[
                (
                    "Setup",
                    &[
                        "How to install the chatbox on your website",
                        "Inviting your teammates",
                        "Setting up your first inbox",
                    ],
                ),
                (
                    "Basics",
                    &["Understanding conversation states", "Keyboard shortcuts for operators"],
                ),
            ],
        ),
        (
            "Billing & Plans",
            &[
                (
                    "Invoices",
                    &[
                        "How to download your invoices",
                        "Adding a VAT number to invoices",
                        "Requesting a refund",
                    ],
                ),
                ("Plans", &["Comparing Starter, Pro and Business plans", "Upgrading from a trial"]),
            ],
        ),
        (
            "Integrations",
            &[
                (
                    "Messaging",
                    &["Connecting Slack to your inbox", "Forwarding emails to your inbox"],
                ),
                (
                    "Developers",
                    &[
                        "Getting started with the REST API",
                        "Verifying webhook signatures",
                        "Handling API rate limits",
                    ],
                ),
            ],
        ),
        (
            "Account & Security",
            &[
                (
                    "Security",
                    &[
                        "Enabling two-factor authentication",
                        "Recovering access after losing your 2FA device",
                        "Single sign-on (SSO) with Okta",
                    ],
                ),
                (
                    "Privacy",
                    &[
                        "GDPR and your data processing agreement",
                        "Exporting and deleting contact data",
                    ],
                ),
            ],
        ),
    ];
    let mut locales = Vec::new();
    for (code, name, share) in [("en", "English", 1.0), ("fr", "Français", 0.5)] {
        let mut loc = Locale {
            code: code.to_owned(),
            name: name.to_owned(),
            categories: Vec::new(),
            sections: Vec::new(),
            articles: Vec::new(),
        };
        let mut n = 0usize;
        for (ci, (cat, sections)) in tree.iter().enumerate() {
            let category_id = g.uuid();
            loc.categories.push(json!({"category_id": category_id, "name": cat, "description": format!("Everything about {}.", cat.to_lowercase()), "color": COLORS[ci], "image": null, "order": ci + 1, "url": format!("https://help.{domain}/{code}/category/{}/", slug(cat)), "created_at": BASE_MS - 300 * DAY, "updated_at": BASE_MS - 40 * DAY}));
            for (si, (sec, titles)) in sections.iter().enumerate() {
                let section_id = g.uuid();
                loc.sections.push(json!({"section_id": section_id, "category_id": category_id, "name": sec, "order": si + 1, "url": format!("https://help.{domain}/{code}/category/{}/{}/", slug(cat), slug(sec)), "created_at": BASE_MS - 300 * DAY, "updated_at": BASE_MS - 40 * DAY}));
                for title in *titles {
                    n += 1;
                    if share < 1.0 && n.is_multiple_of(2) {
                        continue;
                    }
                    let article_id = g.uuid();
                    let published = !n.is_multiple_of(6);
                    loc.articles.push(json!({
                        "article_id": article_id, "title": title, "description": format!("{title}: a step-by-step guide."),
                        "content": format!("# {title}\n\nThis guide walks you through it in a few steps.\n\n1. Open **Settings** in the Northwind app.\n2. Follow the instructions on screen.\n\nStill stuck? Start a chat with us, we reply in minutes."),
                        "featured": n % 5 == 1, "order": n, "status": if published { "published" } else { "draft" },
                        "visibility": "visible", "url": format!("https://help.{domain}/{code}/article/{}-{}/", slug(title), g.hex(6)),
                        "category": {"category_id": category_id, "section_id": section_id},
                        "visits": g.rng.u32(10..5000), "created_at": BASE_MS - (200 - n as u64) * DAY, "updated_at": BASE_MS - (40 - n as u64) * DAY,
                        "published_at": if published { Value::from(BASE_MS - (100 - n as u64) * DAY) } else { Value::Null },
                    }));
                }
            }
        }
        locales.push(loc);
    }
    Helpdesk {
        info: json!({"name": "Northwind Help Center", "url": format!("https://help.{domain}/"), "domain": {"basic": "northwind", "custom": format!("help.{domain}")}, "logo": null, "banner": null, "created_at": BASE_MS - 300 * DAY}),
        settings: json!({"appearance": {"colors": {"primary": "#2c7be5"}, "locale": "en"}, "behavior": {"frequently_read": true}, "include": {"html": ""}, "access": {"restricted": false}}),
        locales,
        redirections: vec![
            json!({"redirection_id": g.uuid(), "path": "/en/article/old-install-guide/", "target": format!("https://help.{domain}/en/article/how-to-install-the-chatbox-on-your-website/")}),
        ],
    }
}

pub fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
