// Knowledge base: search articles by title in a locale, preview one, then copy it or send it to the
// open conversation, only on an explicit click (and through the same confirmation as every write).
import { useEffect, useState } from "preact/hooks";
import type { Crisp, HelpdeskLocale, ItemOf, ParamsOf } from "crisp-kit/web";
import { useLive } from "../live.js";
import { CopyButton, Empty, ErrorNote } from "../ui.js";
import { useWriter } from "../writes.js";

// The answers' types from the official clients' shapes; the sandbox and the dashboard also give a
// locale's display name and an article's slug, which the clients do not type.
type Locale = HelpdeskLocale & { name?: string };
type Article = ItemOf<"list_helpdesk_locale_articles"> & { slug?: string };

export function KnowledgeView({ crisp, websiteId, sessionId, accountId }: { crisp: Crisp; websiteId: string; sessionId: string | null; accountId: string }) {
  const writer = useWriter();
  const locales = useLive(`${accountId}:${websiteId}:locales`, async (signal): Promise<Locale[]> => crisp.call("list_helpdesk_locales", { websiteID: websiteId, pageNumber: 1 }, { signal }), 0);
  const [locale, setLocale] = useState<string>("");
  const [text, setText] = useState("");
  const [query, setQuery] = useState<string | null>(null);
  const [selected, setSelected] = useState<Article | null>(null);
  useEffect(() => {
    if (!locale && locales.data?.length) setLocale(String(locales.data[0]!.locale));
  }, [locales.data]);
  const results = useLive(
    query !== null && locale ? `${accountId}:${websiteId}:kb:${locale}:${query}` : null,
    async (signal) => {
      const params: ParamsOf<"list_helpdesk_locale_articles"> = { websiteID: websiteId, locale, pageNumber: 1 };
      if (query) params.query = { search_title: query };
      const articles: Article[] = await crisp.call("list_helpdesk_locale_articles", params, { signal });
      return articles;
    },
    0,
  );
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
        onSubmit={(e) => {
          e.preventDefault();
          setSelected(null);
          setQuery(text.trim());
        }}
      >
        <label>
          <span class="label">Locale</span>
          <select value={locale} onChange={(e) => setLocale((e.target as HTMLSelectElement).value)} disabled={!locales.data}>
            {locales.data?.map((l) => (
              <option value={l.locale}>{l.name ?? l.locale}</option>
            ))}
          </select>
        </label>
        <label class="grow">
          <span class="label">Search article titles</span>
          <input type="search" value={text} placeholder="e.g. refund" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" disabled={!locale}>
          Search
        </button>
      </form>
      {results.error ? <ErrorNote error={results.error} /> : null}
      {results.loading && <p class="muted" role="status">Searching…</p>}
      {results.data && !results.data.length && <Empty title="No article matches.">Try fewer words, or another locale.</Empty>}
      {results.data && results.data.length > 0 && (
        <ul class="list selectable" aria-label="Articles">
          {results.data.map((a) => (
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
          <div class="article-body">{String(selected.content ?? "")}</div>
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
