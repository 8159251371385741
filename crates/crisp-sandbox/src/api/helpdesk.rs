//! `website.helpdesk`: the helpdesk (legacy routes and the Knowledge Base).

use serde_json::{Value, json};

use super::{ApiError, Call, R, Reply, done, exists, find_by, generic, ok, page_of};
use crate::store::Store;

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn read(s: &Store, call: &Call) -> R {
    let page = call.page();
    match call.endpoint.id {
        "check_helpdesk_exists" => exists(s.helpdesk.is_some()),
        "resolve_helpdesk" => s.helpdesk.as_ref().map_or_else(
            || Err(ApiError::not_found("helpdesk", &s.website_id)),
            |h| ok(h.info.clone()),
        ),
        "resolve_helpdesk_settings" => s.helpdesk.as_ref().map_or_else(
            || Err(ApiError::not_found("helpdesk", &s.website_id)),
            |h| ok(h.settings.clone()),
        ),
        "resolve_helpdesk_domain" => s.helpdesk.as_ref().map_or_else(
            || Err(ApiError::not_found("helpdesk", &s.website_id)),
            |h| ok(h.info["domain"].clone()),
        ),
        "list_helpdesk_locales" => {
            let items = s.helpdesk.iter().flat_map(|h| &h.locales).map(|l| {
                json!({
                    "locale": l.code,
                    "name": l.name,
                    "url": format!("https://help.northwind.studio/{}/", l.code),
                    "articles": l.articles.len(),
                    "categories": l.categories.len(),
                })
            });
            ok(page_of(items, page, 20))
        }
        "resolve_helpdesk_locale" => {
            let l = locale(s, call)?;
            ok(json!({
                "locale": l.code,
                "name": l.name,
                "articles": l.articles.len(),
                "categories": l.categories.len(),
            }))
        }
        "check_helpdesk_locale_exists" => exists(s.locale(call.p("locale")).is_some()),
        "list_helpdesk_locale_articles" => list_articles(s, call),
        "resolve_helpdesk_locale_article" => ok(article(s, call)?.clone()),
        "check_helpdesk_locale_article_exists" => exists(article(s, call).is_ok()),
        "resolve_helpdesk_locale_article_category" => ok(article(s, call)?["category"].clone()),
        "resolve_helpdesk_locale_article_page" => {
            let l = locale(s, call)?;
            let i = l
                .articles
                .iter()
                .position(|a| a["article_id"] == call.p("articleId"))
                .ok_or_else(|| ApiError::not_found("article", call.p("articleId")))?;
            ok(json!({"page": i / 20 + 1}))
        }
        "list_helpdesk_locale_categories" => {
            ok(page_of(locale(s, call)?.categories.iter().cloned(), page, 20))
        }
        "resolve_helpdesk_locale_category" => ok(find_by(
            &locale(s, call)?.categories,
            "category_id",
            call.p("categoryId"),
            "category",
        )?
        .clone()),
        "check_helpdesk_locale_category_exists" => {
            exists(locale(s, call).is_ok_and(|l| {
                l.categories.iter().any(|c| c["category_id"] == call.p("categoryId"))
            }))
        }
        "list_helpdesk_locale_sections" => {
            let l = locale(s, call)?;
            find_by(&l.categories, "category_id", call.p("categoryId"), "category")?;
            ok(page_of(
                l.sections.iter().filter(|x| x["category_id"] == call.p("categoryId")).cloned(),
                page,
                20,
            ))
        }
        "resolve_helpdesk_locale_section" => {
            ok(find_by(&locale(s, call)?.sections, "section_id", call.p("sectionId"), "section")?
                .clone())
        }
        "check_helpdesk_locale_section_exists" => exists(
            locale(s, call)
                .is_ok_and(|l| l.sections.iter().any(|c| c["section_id"] == call.p("sectionId"))),
        ),
        "list_helpdesk_locale_article_alternates" => {
            article(s, call)?;
            ok(json!([]))
        }
        "check_helpdesk_locale_article_alternate_exists" => exists(false),
        "resolve_helpdesk_locale_article_alternate" => {
            Err(ApiError::not_found("alternate", call.p("localeLinked")))
        }
        "list_helpdesk_redirections" => {
            ok(page_of(s.helpdesk.iter().flat_map(|h| h.redirections.iter().cloned()), page, 20))
        }
        "resolve_helpdesk_redirection" => ok(find_by(
            s.helpdesk.as_ref().map_or(&[][..], |h| &h.redirections),
            "redirection_id",
            call.p("redirectionId"),
            "redirection",
        )?
        .clone()),
        "check_helpdesk_redirection_exists" => exists(
            s.helpdesk
                .iter()
                .flat_map(|h| &h.redirections)
                .any(|r| r["redirection_id"] == call.p("redirectionId")),
        ),
        "list_helpdesk_tree" => {
            let l = locale(s, call)?;
            let title = call.q("search_title").map(str::to_lowercase);
            let items = l
                .articles
                .iter()
                .filter(|a| {
                    title.as_ref().is_none_or(|t| {
                        a["title"].as_str().unwrap_or("").to_lowercase().contains(t)
                    })
                })
                .map(|a| {
                    json!({
                        "type": "article",
                        "path": a["url"],
                        "title": a["title"],
                        "entity_id": a["article_id"],
                        "updated_at": a["updated_at"],
                    })
                });
            ok(page_of(items, page, 20))
        }
        _ => generic::read(s, call),
    }
}

#[allow(clippy::too_many_lines)] // one arm per endpoint: a dispatch table
pub(super) fn write(s: &mut Store, call: &Call, now: u64) -> R {
    match call.endpoint.id {
        "add_helpdesk_locale" => {
            let code = call.req_str("locale")?.to_owned();
            let h =
                s.helpdesk.as_mut().ok_or_else(|| ApiError::not_found("helpdesk", "website"))?;
            if h.locales.iter().any(|l| l.code == code) {
                return Err(ApiError::new(409, "locale_exists", format!("locale `{code}` exists")));
            }
            h.locales.push(crate::store::Locale {
                code: code.clone(),
                name: code,
                categories: Vec::new(),
                sections: Vec::new(),
                articles: Vec::new(),
            });
            done(call, json!({}))
        }
        "delete_helpdesk_locale" => {
            let code = call.p("locale").to_owned();
            let h =
                s.helpdesk.as_mut().ok_or_else(|| ApiError::not_found("helpdesk", "website"))?;
            let n = h.locales.len();
            h.locales.retain(|l| l.code != code);
            if n == h.locales.len() {
                return Err(ApiError::not_found("helpdesk locale", &code));
            }
            done(call, json!({}))
        }
        "add_new_helpdesk_locale_article" => {
            let title = call.req_str("title")?.to_owned();
            let id = s.uuid();
            let l = s
                .locale_mut(call.p("locale"))
                .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))?;
            l.articles.push(json!({
                "article_id": id,
                "title": title,
                "description": null,
                "content": "",
                "featured": false,
                "order": l.articles.len() + 1,
                "status": "draft",
                "visibility": "visible",
                "url": null,
                "category": {},
                "visits": 0,
                "created_at": now,
                "updated_at": now,
                "published_at": null,
            }));
            Ok(Reply {
                status: 201,
                reason: "added",
                data: json!({"article_id": id}),
                raw: None,
                events: Vec::new(),
            })
        }
        "save_helpdesk_locale_article"
        | "update_helpdesk_locale_article"
        | "publish_helpdesk_locale_article"
        | "unpublish_helpdesk_locale_article"
        | "delete_helpdesk_locale_article" => {
            let body = call.obj().clone();
            let id = call.p("articleId").to_owned();
            let l = s
                .locale_mut(call.p("locale"))
                .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))?;
            let i = l
                .articles
                .iter()
                .position(|a| a["article_id"] == id.as_str())
                .ok_or_else(|| ApiError::not_found("article", &id))?;
            let a = &mut l.articles[i];
            match call.endpoint.id {
                "publish_helpdesk_locale_article" => {
                    a["status"] = "published".into();
                    a["published_at"] = now.into();
                }
                "unpublish_helpdesk_locale_article" => a["status"] = "draft".into(),
                "delete_helpdesk_locale_article" => {
                    l.articles.remove(i);
                    return done(call, json!({}));
                }
                _ => {
                    for (k, v) in body {
                        if k != "article_id" {
                            a[k.as_str()] = v;
                        }
                    }
                }
            }
            a["updated_at"] = now.into();
            done(call, json!({}))
        }
        "add_helpdesk_locale_category" => {
            let name = call.req_str("name")?.to_owned();
            let id = s.uuid();
            let l = s
                .locale_mut(call.p("locale"))
                .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))?;
            l.categories.push(json!({
                "category_id": id,
                "name": name,
                "order": l.categories.len() + 1,
                "created_at": now,
                "updated_at": now,
            }));
            Ok(Reply {
                status: 201,
                reason: "added",
                data: json!({"category_id": id}),
                raw: None,
                events: Vec::new(),
            })
        }
        _ => generic::write(s, call),
    }
}

fn locale<'a>(s: &'a Store, call: &Call) -> Result<&'a crate::store::Locale, ApiError> {
    s.locale(call.p("locale"))
        .ok_or_else(|| ApiError::not_found("helpdesk locale", call.p("locale")))
}

fn article<'a>(s: &'a Store, call: &Call) -> Result<&'a Value, ApiError> {
    find_by(&locale(s, call)?.articles, "article_id", call.p("articleId"), "article")
}

fn list_articles(s: &Store, call: &Call) -> R {
    let l = locale(s, call)?;
    let title = call.q("search_title").map(str::to_lowercase);
    let mut items: Vec<&Value> = l
        .articles
        .iter()
        .filter(|a| {
            title
                .as_ref()
                .is_none_or(|t| a["title"].as_str().unwrap_or("").to_lowercase().contains(t))
        })
        .filter(|a| call.q("filter_category_id").is_none_or(|c| a["category"]["category_id"] == c))
        .filter(|a| call.q("filter_section_id").is_none_or(|c| a["category"]["section_id"] == c))
        .filter(|a| !call.flag("filter_status_published") || a["status"] == "published")
        .filter(|a| !call.flag("filter_status_draft") || a["status"] == "draft")
        .collect();
    if call.flag("order_visits") {
        items.sort_by_key(|a| std::cmp::Reverse(a["visits"].as_u64()));
    }
    ok(page_of(items.into_iter().cloned(), call.page(), 20))
}
