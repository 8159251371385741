// Knowledge base: a locale's articles, listed at once and searched by title and text, a preview
// with the Markdown rendered safely (lazily loaded), then copy one or send it to the open
// conversation, only on an explicit click (and through the same confirmation as every write).
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Crisp, HelpdeskLocale, ItemOf } from "crisp-kit/web";
import { useLive } from "../live.js";
import { CopyButton, Empty, ErrorNote } from "../ui.js";
import { useWriter } from "../writes.js";

// The answers' types from the official clients' shapes; the sandbox and the dashboard also give a
// locale's display name and an article's slug, which the clients do not type.
type Locale = HelpdeskLocale & { name?: string };
type Article = ItemOf<"list_helpdesk_locale_articles"> & { slug?: string };

/** At most this many pages of 20 articles are listed (Crisp searches titles only, so the panel
 * reads the list once and searches title, description and text itself). */
const MAX_PAGES = 10;

/** Whether every word of the search is in the article's title, description or text. */
function matches(article: Article, words: string[]): boolean {
  const haystack = [article.title, article.description, article.content].filter((v) => typeof v === "string").join("\n").toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export function KnowledgeView({ crisp, websiteId, sessionId, accountId }: { crisp: Crisp; websiteId: string; sessionId: string | null; accountId: string }) {
  const writer = useWriter();
  const locales = useLive(`${accountId}:${websiteId}:locales`, async (signal): Promise<Locale[]> => crisp.call("list_helpdesk_locales", { websiteID: websiteId, pageNumber: 1 }, { signal }), 0);
  const [locale, setLocale] = useState<string>("");
  const [text, setText] = useState("");
  const [selected, setSelected] = useState<Article | null>(null);
  useEffect(() => {
    if (!locale && locales.data?.length) setLocale(String(locales.data[0]!.locale));
  }, [locales.data]);
  const articles = useLive(
    locale ? `${accountId}:${websiteId}:kb:${locale}` : null,
    async (signal) => {
      const all: Article[] = [];
      for await (const page of crisp.pages("list_helpdesk_locale_articles", { websiteID: websiteId, locale, pageNumber: 1 }, { signal, maxPages: MAX_PAGES })) {
        all.push(...page);
      }
      return all;
    },
    0,
  );
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const results = useMemo(() => articles.data?.filter((a) => matches(a, words)), [articles.data, text]);
  const localeInfo = locales.data?.find((l) => l.locale === locale);
  const articleUrl = (a: Article) => a.url ?? (localeInfo?.url && a.slug ? `${localeInfo.url}article/${a.slug}` : null);
  const asMessage = (a: Article) => {
    const url = articleUrl(a);
    return url ? `${a.title}\n${url}` : `${a.title}\n\n${a.content ?? ""}`;
  };

  if (locales.error) return <ErrorNote error={locales.error} />;
  return (
    <div class="stack">
      <form
        class="row"
        role="search"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          <span class="label">Locale</span>
          <select
            value={locale}
            onChange={(e) => {
              setSelected(null);
              setLocale((e.target as HTMLSelectElement).value);
            }}
            disabled={!locales.data}
          >
            {locales.data?.map((l) => (
              <option value={l.locale}>{l.name ?? l.locale}</option>
            ))}
          </select>
        </label>
        <label class="grow">
          <span class="label">Search titles and text</span>
          <input type="search" value={text} placeholder="e.g. refund" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
      </form>
      {articles.error ? <ErrorNote error={articles.error} /> : null}
      {articles.loading && !articles.data && <p class="muted" role="status">Loading the articles…</p>}
      {results && (
        <p class="muted small" role="status">
          {words.length ? `${results.length} of ${articles.data!.length} articles match` : `${results.length} articles`}
          {articles.data!.length >= MAX_PAGES * 20 ? ` (the first ${MAX_PAGES * 20} of this locale)` : ""}
        </p>
      )}
      {results && !results.length && <Empty title="No article matches.">Try fewer words, or another locale.</Empty>}
      {results && results.length > 0 && (
        <ul class="list selectable" aria-label="Articles">
          {results.map((a) => (
            <li>
              <button type="button" class={`row-button ${selected?.article_id === a.article_id ? "selected" : ""}`} aria-pressed={selected?.article_id === a.article_id} onClick={() => setSelected(a)}>
                <span class="truncate">{a.title}</span>
                <span class="muted small">{a.status}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {selected && (
        <article class="card article" aria-label="Article preview">
          <h2>{selected.title}</h2>
          {selected.description && <p class="muted">{selected.description}</p>}
          <ArticleBody key={selected.article_id} markdown={String(selected.content ?? "")} />
          <div class="row wrap end">
            <CopyButton label="Copy text" text={() => asMessage(selected)} />
            {articleUrl(selected) && <CopyButton label="Copy link" text={() => articleUrl(selected)!} />}
            <button
              type="button"
              class="primary"
              disabled={!sessionId || writer.busy}
              title={sessionId ? "Send this article to the visitor" : "Open a conversation to send it"}
              onClick={() =>
                sessionId &&
                writer.write({
                  endpoint: "send_message_in_conversation",
                  params: { websiteID: websiteId, sessionID: sessionId, body: { type: "text", from: "operator", origin: "chat", content: asMessage(selected) } },
                  summary: `Send the article "${selected.title}" to the visitor`,
                })
              }
            >
              Send to conversation
            </button>
          </div>
        </article>
      )}
    </div>
  );
}

/** The article's Markdown, rendered by the lazily loaded renderer; plain text until it is there. */
function ArticleBody({ markdown }: { markdown: string }) {
  const [html, setHtml] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    import("../markdown.js").then(
      (m) => live && setHtml(m.renderMarkdown(markdown)),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [markdown]);
  // Sanitised by DOMPurify in markdown.ts: only formatting tags and http(s)/mailto links remain.
  if (html !== null) return <div class="article-body markdown" data-rendered="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
  return <div class="article-body plain" data-rendered={failed ? "text" : "loading"}>{markdown}</div>;
}
