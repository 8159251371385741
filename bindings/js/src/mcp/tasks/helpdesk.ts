// The helpdesk toolset: search the knowledge base by meaning of words (not only titles), read one
// article, by locale.
import {
  articleRef,
  arr,
  clean,
  excerpt,
  hints,
  int,
  iso,
  type Json,
  type JsonSchema,
  localeArg,
  obj,
  str,
  type TaskApi,
  type TaskTool,
  text,
} from "./common.js";

/** Words that say nothing about a topic. */
const STOP = new Set(
  "a an and are as at be can could do does for from get got had has have how i if in into is it its me my of on or our so than that the their them then there these they this to too was we what when where which who why will with you your".split(
    " ",
  ),
);

export function words(q: string): string[] {
  return [...new Set(q.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").split(/[^a-z0-9]+/))].filter((w) => w.length > 1 && !STOP.has(w));
}

/** A crude stem, so that "refunds" finds "refund" and "invoicing" finds "invoice". */
function stem(w: string): string {
  const s = w.replace(/(ing|ed|es|s)$/, "");
  return s.length >= 4 ? s : w;
}

function score(article: Json, terms: string[]): number {
  const title = String(article.title ?? "").toLowerCase();
  const rest = `${String(article.description ?? "")} ${String(article.content ?? "")}`.toLowerCase();
  let s = 0;
  for (const t of terms) {
    const st = stem(t);
    if (title.includes(t)) s += 3;
    else if (title.includes(st)) s += 2;
    else if (rest.includes(st)) s += 1;
  }
  return s;
}

export const ARTICLE_ITEM: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string", description: "article:<locale>:<article_id>; crisp_help_article and fetch take it." },
    title: { type: "string" },
    excerpt: { type: "string" },
    url: { type: "string", description: "The public help center page." },
    updated: { type: "string" },
  },
  required: ["id", "title"],
};

/** The locale asked for, or the help center's first one. */
export async function pickLocale(api: TaskApi, asked: string | undefined): Promise<string> {
  if (asked) return asked;
  const locales = arr(await api.call("list_helpdesk_locales", { pageNumber: 1 })).map(obj);
  return String(locales.find((l) => l.locale === "en")?.locale ?? locales[0]?.locale ?? "en");
}

/** The published articles of a locale ranked for a query, best first. */
export async function searchArticles(api: TaskApi, query: string, locale: string, limit: number): Promise<Json[]> {
  const terms = words(query);
  const { items } = await api.pages("list_helpdesk_locale_articles", { locale, query: { filter_status_published: true } }, Math.min(10, api.settings.maxPages));
  const ranked = items
    .map(obj)
    .map((a) => ({ a, s: terms.length ? score(a, terms) : 1 }))
    .filter((x) => x.s > 0)
    .sort((x, y) => y.s - x.s || Number(y.a.visits ?? 0) - Number(x.a.visits ?? 0));
  return ranked.slice(0, limit).map(({ a }) =>
    clean({
      id: `article:${locale}:${String(a.article_id)}`,
      title: text(a.title),
      excerpt: excerpt(text(a.description) ?? text(a.content), 240),
      url: text(a.url),
      updated: iso(a.updated_at),
    }),
  );
}

const search: TaskTool = {
  toolset: "helpdesk",
  write: false,
  tool: {
    name: "crisp_search_help_center",
    title: "Search the Crisp help center",
    description:
      "Search the knowledge base (help center articles) of one locale for a question or topic, in one call: the best-matching published articles " +
      "with an excerpt and their public URL, best first. Then crisp_help_article for an article's full text, e.g. to draft a reply.",
    inputSchema: {
      type: "object",
      properties: {
        query: { type: "string", minLength: 1, description: "The question or its key words, e.g. `refund duplicate charge`." },
        locale: { type: "string", description: "The help center language, e.g. en, fr (default: en, or the first locale)." },
        limit: { type: "integer", minimum: 1, maximum: 20, description: "The most articles (default 5)." },
      },
      required: ["query"],
      additionalProperties: false,
    },
    outputSchema: {
      type: "object",
      properties: { locale: { type: "string" }, count: { type: "integer" }, articles: { type: "array", items: ARTICLE_ITEM } },
      required: ["locale", "count", "articles"],
    },
    annotations: hints("Search the Crisp help center", false),
  },
  async run(args, api) {
    const query = str(args, "query", true);
    const limit = int(args, "limit", 5, 1, 20);
    const locale = await pickLocale(api, localeArg(args));
    const articles = await searchArticles(api, query, locale, limit);
    return { locale, count: articles.length, articles };
  },
};

export async function readArticle(api: TaskApi, locale: string, id: string, maxChars: number): Promise<Json> {
  const a = obj(await api.call("resolve_helpdesk_locale_article", { locale, articleId: id }));
  const content = text(a.content) ?? "";
  const cut = content.length > maxChars;
  return clean({
    id: `article:${locale}:${id}`,
    title: text(a.title),
    locale,
    description: text(a.description),
    text: cut ? `${content.slice(0, maxChars)}… [cut: ${content.length} characters in all]` : content,
    url: text(a.url),
    status: text(a.status),
    updated: iso(a.updated_at),
    published: iso(a.published_at),
  });
}

const article: TaskTool = {
  toolset: "helpdesk",
  write: false,
  tool: {
    name: "crisp_help_article",
    title: "Read a Crisp help center article",
    description: "One help center article in full: title, text (markdown), public URL, status and dates. Takes the id crisp_search_help_center gives.",
    inputSchema: {
      type: "object",
      properties: {
        article_id: { type: "string", description: "article:<locale>:<id> (from crisp_search_help_center), or an article id with `locale`." },
        locale: { type: "string", description: "Only with a bare article id: its locale, e.g. en." },
      },
      required: ["article_id"],
      additionalProperties: false,
    },
    outputSchema: {
      type: "object",
      properties: {
        id: { type: "string" },
        title: { type: "string" },
        locale: { type: "string" },
        description: { type: "string" },
        text: { type: "string" },
        url: { type: "string" },
        status: { type: "string" },
        updated: { type: "string" },
        published: { type: "string" },
      },
      required: ["id", "locale"],
    },
    annotations: hints("Read a Crisp help center article", false),
  },
  async run(args, api) {
    const ref = articleRef(str(args, "article_id", true), "article_id", localeArg(args));
    return readArticle(api, ref.locale, ref.id, Math.max(1000, api.settings.maxResultBytes - 2000));
  },
};

export const HELPDESK_TOOLS: TaskTool[] = [search, article];
