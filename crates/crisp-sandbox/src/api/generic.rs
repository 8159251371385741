//! Plausible answers for endpoints without stored state, in every group: the params were validated,
//! so the sandbox answers the way Crisp does.

use crisp_core::Paging;
use serde_json::{Value, json};

use super::{Call, R, Reply, conv, done, exists, ok, page_of, person};
use crate::store::Store;

/// A plausible answer for the read endpoints without stored state.
#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn read(s: &Store, call: &Call) -> R {
    let e = call.endpoint;
    if e.is_head() {
        return exists(true);
    }
    let data = match e.id {
        "get_plan_subscription_for_website" => s.plan.clone(),
        "plans_list_all_active_subscriptions" => {
            json!([{"website_id": s.website_id, "plan": s.plan}])
        }
        "check_coupon_availability_for_website_plan_subscription" => {
            json!({
                "code": call.q("code"),
                "policy": {"rebate_percent": 20, "trial_days": 0},
                "redeem_limit": 1,
                "expire_at": null,
            })
        }
        "list_subscriptions_for_website" | "plugins_list_all_active_subscriptions" => {
            Value::Array(s.plugins.clone())
        }
        "get_subscription_details" => s.plugins.first().cloned().unwrap_or_default(),
        "get_subscription_settings" => {
            json!({
                "plugin_id": call.p("pluginID"),
                "settings": s.plugins.first().map(|p| p["settings"].clone()),
            })
        }
        "get_plugin_usage_bills" => {
            json!([{
                "name": "Messages translated",
                "units": 1240,
                "price": 1.24,
                "since": crate::seed::BASE_MS,
            }])
        }
        "get_plugin_attest_provenance" => {
            json!({"plugin_id": call.p("pluginID"), "provenance": "sandbox"})
        }
        "get_verify_settings" => json!({"enabled": s.verify["enabled"]}),
        "get_verify_key" => json!({"secret": s.verify["secret"]}),
        "get_connect_account" => json!({"plugin_id": "c3bcd3ba-3f2d-4f0c-9d3a-4c5f0d0f3c10"}),
        "plugin_get_connect_endpoints" | "website_get_connect_endpoints" => {
            json!({"socket": {
                "app": "wss://app.relay.sandbox.crisp.local/",
                "stream": "wss://stream.relay.sandbox.crisp.local/",
            }})
        }
        "list_all_connect_websites" | "list_connect_websites_since" => {
            let item = json!({
                "website_id": s.website_id,
                "token": "sandbox",
                "settings": {},
                "plan": s.plan,
            });
            if e.paging == Paging::PageNumber {
                page_of([item], call.page(), 20)
            } else {
                json!([item])
            }
        }
        "generate_helpdesk_domain_setup_flow" => {
            json!({"records": [{
                "type": "CNAME",
                "query": call.q("custom").unwrap_or("help"),
                "name": "help",
                "value": "basic.crisp.help",
            }]})
        }
        "map_helpdesk_locale_feedback_ratings" | "map_helpdesk_locale_feedback_ratings_kb" => {
            json!({"ratings": {"helpful": 118, "unhelpful": 17}})
        }
        "resolve_helpdesk_history_change" => {
            json!({
                "change_id": call.p("changeId"),
                "type": "article",
                "action": "update",
                "timestamp": crate::seed::BASE_MS,
            })
        }
        "resolve_helpdesk_page_entity" => {
            json!({
                "entity_id": call.p("entityID"),
                "type": call.p("contentType"),
                "locale": call.p("locale"),
            })
        }
        "resolve_helpdesk_tree_path"
        | "resolve_helpdesk_tree_content"
        | "resolve_helpdesk_tree_metadata"
        | "resolve_helpdesk_tree_page" => {
            json!({
                "path": call.p("path"),
                "locale": call.p("locale"),
                "type": call.p("contentType"),
                "title": call.p("path").rsplit('/').next(),
                "content": "",
                "metadata": {},
            })
        }
        "list_animation_medias" => page_of(
            [json!({
                "url": "https://media.sandbox.crisp.local/gifs/thumbs-up.gif",
                "type": "image/gif",
            })],
            call.page(),
            20,
        ),
        _ if e.paging == Paging::PageNumber => json!([]),
        _ => json!({}),
    };
    ok(data)
}

/// Writes without stored state: the params were validated; answer like Crisp does.
pub(super) fn write(s: &mut Store, call: &Call) -> R {
    let e = call.endpoint;
    // Resources named in the path must exist.
    if !call.p("sessionID").is_empty() {
        conv(s, call)?;
    }
    if !call.p("peopleID").is_empty() {
        person(s, call)?;
    }
    let data = match e.id {
        "create_website" => json!({"website_id": s.uuid()}),
        "create_new_team" => {
            let id = s.uuid();
            let name = call.obj().get("name").cloned().unwrap_or_else(|| "New team".into());
            s.teams.push(json!({"team_id": id, "name": name, "operators": []}));
            json!({"team_id": id})
        }
        "create_new_campaign_template" => json!({"template_id": s.uuid()}),
        "initiate_new_call_session_for_conversation" => json!({"call_id": s.uuid()}),
        "initiate_browsing_session_for_conversation" => json!({"browsing_id": s.uuid()}),
        "roll_verify_key" => json!({"secret": format!("whsec_{:024x}", s.rng.u128(..))}),
        "generate_bucket_url" => {
            json!({
                "from": "sandbox",
                "identifier": s.uuid(),
                "url": {
                    "resource": "https://storage.sandbox.crisp.local/upload",
                    "signed": "https://storage.sandbox.crisp.local/upload?signature=sandbox",
                },
            })
        }
        "generate_analytics" => json!([{"period": "2026-01-01", "value": 42, "hits": 42}]),
        "export_people_profiles"
        | "import_people_profiles"
        | "export_helpdesk_locale_articles"
        | "export_helpdesk_locale_articles_kb"
        | "import_external_helpdesk_to_locale"
        | "import_external_helpdesk_to_locale_kb" => {
            return Ok(Reply {
                status: 202,
                reason: "processing",
                data: json!({}),
                raw: None,
                events: Vec::new(),
            });
        }
        _ => json!({}),
    };
    done(call, data)
}
