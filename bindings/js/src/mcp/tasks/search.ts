// `search` and `fetch` in the shapes ChatGPT's connectors and deep research require:
// search({query}) -> {results: [{id, title, url}]}; fetch({id}) -> {id, title, text, url, metadata}.
// Ids say what they name: conversation:<session_id>, person:<people_id>, article:<locale>:<id>.
import { ArgError, articleRef, arr, clean, conversationUrl, type Json, obj, peopleId, personUrl, sessionId, str, type TaskApi, type TaskTool, text, type Toolset } from "./common.js";
import { pickLocale, readArticle, searchArticles } from "./helpdesk.js";
import { conversationContext } from "./inbox.js";
import { personDetails } from "./people.js";

type Kind = "conversation" | "person" | "article";
const KIND_OF: Record<Kind, Toolset> = { conversation: "inbox", person: "people", article: "helpdesk" };

function lines(pairs: [string, unknown][]): string {
  return pairs
    .filter(([, v]) => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join("\n");
}

export function searchTools(toolsets: Set<Toolset>): TaskTool[] {
  const kinds = (Object.keys(KIND_OF) as Kind[]).filter((k) => toolsets.has(KIND_OF[k]));
  if (kinds.length === 0) return [];
  const what = kinds.map((k) => ({ conversation: "conversations", person: "contacts", article: "help center articles" })[k]).join(", ");
  const search: TaskTool = {
    toolset: "search",
    write: false,
    tool: {
      name: "search",
      title: "Search Crisp",
      description:
        `Search Crisp's ${what} for a query (short key words work best: a name, an email, a topic). Returns results with an id, a title and a link; ` +
        "fetch takes the id for the full text.",
      inputSchema: {
        type: "object",
        properties: { query: { type: "string", minLength: 1, description: "What to look for." } },
        required: ["query"],
        additionalProperties: false,
      },
      outputSchema: {
        type: "object",
        properties: {
          results: {
            type: "array",
            items: {
              type: "object",
              properties: { id: { type: "string" }, title: { type: "string" }, url: { type: "string" } },
              required: ["id", "title", "url"],
            },
          },
        },
        required: ["results"],
      },
      annotations: { title: "Search Crisp", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async run(args, api) {
      const query = str(args, "query", true);
      const [conversations, people, articles] = await Promise.all([
        kinds.includes("conversation")
          ? api.call("list_conversations", { pageNumber: 1, query: { per_page: 20, search_type: "text", search_query: query } })
          : Promise.resolve([]),
        kinds.includes("person") ? api.call("list_people_profiles", { pageNumber: 1, query: { search_text: query } }) : Promise.resolve([]),
        kinds.includes("article")
          ? pickLocale(api, undefined)
              .then((locale) => searchArticles(api, query, locale, 10))
              // A website without a help center still has conversations and people to search.
              .catch((e: unknown) => {
                if ((e as { status?: unknown }).status === 404) return [];
                throw e;
              })
          : Promise.resolve([]),
      ]);
      const results: Json[] = [];
      for (const c of arr(conversations).slice(0, 10).map(obj)) {
        const meta = obj(c.meta);
        const subject = text(c.topic) ?? text(meta.subject) ?? "conversation";
        results.push({
          id: `conversation:${String(c.session_id)}`,
          title: `${text(meta.nickname) ?? "visitor"}: ${subject}${c.state ? ` (${String(c.state)})` : ""}`,
          url: conversationUrl(String(c.website_id ?? api.websiteId), String(c.session_id)),
        });
      }
      for (const p of arr(people).slice(0, 10).map(obj)) {
        const name = text(obj(p.person).nickname) ?? text(p.email) ?? "contact";
        results.push({ id: `person:${String(p.people_id)}`, title: `${name}${text(p.email) ? ` <${String(p.email)}>` : ""}`, url: personUrl(api.websiteId, String(p.people_id)) });
      }
      for (const a of articles) results.push({ id: a.id, title: `Help: ${String(a.title)}`, url: String(a.url ?? "") });
      return { results: results.filter((r) => r.url !== "") };
    },
  };
  const fetchTool: TaskTool = {
    toolset: "search",
    write: false,
    tool: {
      name: "fetch",
      title: "Fetch a Crisp item",
      description:
        `The full text of one search result by its id (${kinds.map((k) => (k === "article" ? "article:<locale>:<id>" : `${k}:<id>`)).join(", ")}): ` +
        "a conversation's transcript and notes, a contact's profile and history, or an article's text, with its link and metadata.",
      inputSchema: {
        type: "object",
        properties: { id: { type: "string", minLength: 1, description: "An id from search." } },
        required: ["id"],
        additionalProperties: false,
      },
      outputSchema: {
        type: "object",
        properties: { id: { type: "string" }, title: { type: "string" }, text: { type: "string" }, url: { type: "string" }, metadata: { type: "object" } },
        required: ["id", "title", "text", "url"],
      },
      annotations: { title: "Fetch a Crisp item", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async run(args, api) {
      const id = str(args, "id", true);
      const kind = id.split(":")[0] as Kind;
      if (!kinds.includes(kind)) {
        throw new ArgError(`\`id\` must be an id from search (${kinds.map((k) => `${k}:...`).join(", ")}), got ${JSON.stringify(id)}`);
      }
      return fetchItem(api, kind, id);
    },
  };
  return [search, fetchTool];
}

export async function fetchItem(api: TaskApi, kind: Kind, id: string): Promise<Json> {
  if (kind === "conversation") {
    const session = sessionId({ id }, "id");
    const c = await conversationContext(api, session, 50);
    const contact = obj(c.contact);
    const transcript = arr(c.messages)
      .map(obj)
      .map((m) => `[${String(m.at ?? "")}] ${m.from === "visitor" ? "Visitor" : "Operator"}${m.by ? ` (${String(m.by)})` : ""}: ${String(m.text ?? "")}`);
    const notes = arr(c.notes)
      .map(obj)
      .map((m) => `[${String(m.at ?? "")}] Note by ${String(m.by ?? "operator")}: ${String(m.text ?? "")}`);
    const head = lines([
      ["Subject", c.subject],
      ["State", c.state],
      ["Contact", [contact.name, contact.email].filter(Boolean).join(" ")],
      ["Assigned", c.assigned],
      ["Segments", c.segments],
    ]);
    return {
      id: `conversation:${session}`,
      title: `${String(contact.name ?? "visitor")}: ${String(c.subject ?? "conversation")}`,
      text: [head, "", ...transcript, ...(notes.length ? ["", "Private notes:", ...notes] : [])].join("\n"),
      url: String(c.url),
      metadata: clean({ type: "conversation", state: c.state, contact: contact.name, email: contact.email, person_id: contact.person_id, updated: c.updated, segments: c.segments }),
    };
  }
  if (kind === "person") {
    const people = peopleId({ id }, "id");
    const p = await personDetails(api, people, 5);
    const convs = arr(p.conversations)
      .map(obj)
      .map((c) => `- ${String(c.subject ?? "conversation")} (${String(c.state ?? "")}, ${String(c.updated ?? "")}): ${String(c.url)}`);
    return {
      id: `person:${people}`,
      title: String(p.name ?? p.email ?? "contact"),
      text: [
        lines([
          ["Name", p.name],
          ["Email", p.email],
          ["Phone", p.phone],
          ["Company", p.company],
          ["Title", p.title],
          ["Location", p.location],
          ["Segments", p.segments],
          ["Last active", p.last_active],
          ["Notepad", p.notepad],
          ["Data", p.data],
        ]),
        ...(convs.length ? ["", "Recent conversations:", ...convs] : []),
      ].join("\n"),
      url: String(p.url),
      metadata: clean({ type: "person", email: p.email, company: p.company, segments: p.segments, data: p.data }),
    };
  }
  const ref = articleRef(id, "id");
  const a = await readArticle(api, ref.locale, ref.id, 50_000);
  if (!a.url) throw new Error(`${id}: the article has no public URL (not published?)`);
  return {
    id: String(a.id),
    title: String(a.title ?? "article"),
    text: String(a.text ?? ""),
    url: String(a.url),
    metadata: clean({ type: "article", locale: a.locale, status: a.status, updated: a.updated }),
  };
}
