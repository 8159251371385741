//! `website.campaign`: campaigns and their templates.

use serde_json::json;

use super::{ApiError, Call, R, Reply, done, exists, find_by, generic, ok, page_of, strings};
use crate::store::Store;

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn read(s: &Store, call: &Call) -> R {
    let page = call.page();
    match call.endpoint.id {
        "list_campaigns" => {
            let name = call.q("search_name").map(str::to_lowercase);
            let items = s
                .campaigns
                .iter()
                .filter(|c| {
                    name.as_ref()
                        .is_none_or(|n| c["name"].as_str().unwrap_or("").to_lowercase().contains(n))
                })
                .filter(|c| {
                    call.q("filter_tag").is_none_or(|t| strings(&c["tags"]).iter().any(|x| x == t))
                });
            ok(page_of(items.cloned(), page, 20))
        }
        "get_campaign" => {
            ok(find_by(&s.campaigns, "campaign_id", call.p("campaignID"), "campaign")?.clone())
        }
        "check_campaign_exists" => {
            exists(s.campaigns.iter().any(|c| c["campaign_id"] == call.p("campaignID")))
        }
        "list_campaign_recipients" => {
            let c = find_by(&s.campaigns, "campaign_id", call.p("campaignID"), "campaign")?;
            let seg = strings(&c["recipients"]["segments"]);
            let items = s
                .people
                .iter()
                .filter(|p| strings(&p.profile["segments"]).iter().any(|x| seg.contains(x)))
                .map(|p| {
                    json!({
                        "people_id": p.id(),
                        "email": p.profile["email"],
                        "person": {"nickname": p.profile["person"]["nickname"]},
                    })
                });
            ok(page_of(items, page, 20))
        }
        "list_campaign_statistics" => {
            let c = find_by(&s.campaigns, "campaign_id", call.p("campaignID"), "campaign")?;
            let n = c["statistics"][call.p("action")].as_u64().unwrap_or(0).min(30) as usize;
            ok(page_of(
                s.people.iter().take(n).map(|p| {
                    json!({
                        "profile": {"people_id": p.id(), "email": p.profile["email"]},
                        "data": {},
                        "created_at": crate::seed::BASE_MS,
                    })
                }),
                page,
                20,
            ))
        }
        "list_campaign_tags" => ok(json!(["lifecycle", "marketing"])),
        "list_campaign_templates" => ok(page_of(s.templates.iter().cloned(), page, 20)),
        "get_campaign_template" => {
            ok(find_by(&s.templates, "template_id", call.p("templateID"), "template")?.clone())
        }
        "check_campaign_template_exists" => {
            exists(s.templates.iter().any(|c| c["template_id"] == call.p("templateID")))
        }
        _ => generic::read(s, call),
    }
}

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.id {
        "create_new_campaign" => {
            let name = call.req_str("name")?.to_owned();
            let ty = call.str_field("type")?.unwrap_or("one-shot").to_owned();
            let id = s.uuid();
            s.campaigns.push(json!({
                "campaign_id": id,
                "type": ty,
                "name": name,
                "ready": false,
                "dispatched": false,
                "running": false,
                "progress": 0,
                "tags": [],
                "statistics": {},
                "created_at": now,
                "updated_at": now,
            }));
            Ok(Reply {
                status: 201,
                reason: "added",
                data: json!({"campaign_id": id}),
                raw: None,
                events: Vec::new(),
            })
        }
        "remove_campaign" => {
            let id = call.p("campaignID");
            let n = s.campaigns.len();
            s.campaigns.retain(|c| c["campaign_id"] != id);
            if n == s.campaigns.len() {
                return Err(ApiError::not_found("campaign", id));
            }
            done(call, json!({}))
        }
        _ => generic::write(s, call),
    }
}
