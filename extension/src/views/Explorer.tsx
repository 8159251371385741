// The API explorer: every catalog endpoint, searchable and grouped, with a form generated from the
// catalog, a request preview (key redacted), "copy as curl", the response as collapsible JSON, and
// "fetch all pages" for paged lists. Writes go through the same confirmation as every action.
// The body is a form generated from the endpoint's body schema (BodyFields.tsx), or raw JSON.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Crisp, type EndpointInfo, type PreparedRequest } from "crisp-kit/web";
import { type DashboardContext, contextKey } from "../context.js";
import { CopyButton, ErrorNote, JsonTree, describeError } from "../ui.js";
import { useWriter } from "../writes.js";
import type { BodyForm, FieldValues } from "../body-form.js";
import { BodyFields } from "./BodyFields.js";

type Values = Record<string, string>;

const MAX_PAGES = 200;

export function ExplorerView({ crisp, context, websiteId }: { crisp: Crisp; context: DashboardContext; websiteId: string | null }) {
  const all = useMemo(() => Crisp.endpoints(), []);
  // Endpoints with an HTTP request; `list_accounts` is answered by crisp-kit itself.
  const catalog = useMemo(() => all.filter((e) => e.method !== null), [all]);
  const local = all.filter((e) => e.method === null).map((e) => e.id);
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<EndpointInfo | null>(null);
  const groups = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    const hit = (e: EndpointInfo) => words.every((w) => `${e.id} ${e.title} ${e.group} ${e.method} ${e.path}`.toLowerCase().includes(w));
    const map = new Map<string, EndpointInfo[]>();
    for (const e of catalog) if (hit(e)) map.set(e.group, [...(map.get(e.group) ?? []), e]);
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [search, catalog]);
  const count = groups.reduce((n, [, list]) => n + list.length, 0);

  if (selected) return <EndpointForm key={selected.id} crisp={crisp} endpoint={selected} context={context} websiteId={websiteId} onBack={() => setSelected(null)} />;
  return (
    <div class="stack">
      <label>
        <span class="label">Search {catalog.length} endpoints</span>
        <input type="search" value={search} placeholder="conversation state, people, helpdesk…" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} autofocus />
      </label>
      {local.length > 0 && (
        <p class="muted small" data-count-note>
          All {all.length} endpoints of the catalog but {local.map((id) => <code>{id}</code>)}, which crisp-kit answers itself, with no request to Crisp.
        </p>
      )}
      <p class="muted small" role="status">
        {count} match{count === 1 ? "" : "es"}
      </p>
      {groups.map(([group, list]) => (
        <details open={Boolean(search) || groups.length <= 3}>
          <summary>
            {group} <span class="muted">({list.length})</span>
          </summary>
          <ul class="list selectable">
            {list.map((e) => (
              <li>
                <button type="button" class="row-button" onClick={() => setSelected(e)} data-endpoint={e.id}>
                  <span class={`method m-${e.method}`}>{e.method}</span>
                  <span class="truncate">{e.title}</span>
                  {e.write && <span class="chip warn">write</span>}
                  {e.deprecated && <span class="chip">deprecated</span>}
                </button>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}

/** The path params filled from what the dashboard shows; they follow it unless the user edits them. */
const FROM_CONTEXT = ["websiteID", "sessionID", "peopleID"];

function prefill(endpoint: EndpointInfo, context: DashboardContext, websiteId: string | null): Values {
  const values: Values = {};
  for (const name of endpoint.path_params) {
    if (name === "websiteID" && websiteId) values[name] = websiteId;
    else if (name === "sessionID" && context.kind === "conversation") values[name] = context.sessionId;
    else if (name === "peopleID" && context.kind === "contact") values[name] = context.peopleId;
    else if (name === "pageNumber") values[name] = "1";
    else values[name] = "";
  }
  return values;
}

function bodyTemplate(endpoint: EndpointInfo): string {
  if (endpoint.body === "fields") return JSON.stringify(Object.fromEntries(endpoint.body_fields.map((f) => [f, null])), null, 2);
  if (endpoint.body === "object") return "{}";
  return "";
}

/** The params object from the form, or the first problem, naming the parameter. */
function collect(endpoint: EndpointInfo, path: Values, query: Values, body: string): { params: Record<string, unknown> } | { problem: string } {
  const params: Record<string, unknown> = {};
  for (const name of endpoint.path_params) {
    const v = path[name]?.trim() ?? "";
    if (v !== "") params[name] = name === "pageNumber" && /^\d+$/.test(v) ? Number(v) : v;
  }
  const q: Record<string, unknown> = {};
  for (const p of endpoint.query_params) {
    const v = query[p.name]?.trim() ?? "";
    if (v === "") continue;
    if (p.type === "int" || p.type === "number") {
      const n = Number(v);
      if (!Number.isFinite(n)) return { problem: `query.${p.name} must be a number` };
      q[p.name] = n;
    } else if (p.type === "bool") q[p.name] = v === "true";
    else if (p.type === "json") {
      try {
        q[p.name] = JSON.parse(v);
      } catch {
        return { problem: `query.${p.name} is not valid JSON` };
      }
    } else q[p.name] = v;
  }
  if (Object.keys(q).length) params.query = q;
  if (endpoint.body && body.trim()) {
    try {
      const parsed = JSON.parse(body);
      if (endpoint.body === "fields" && parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        params.body = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== null));
      } else params.body = parsed;
    } catch (error) {
      return { problem: `body is not valid JSON (${(error as Error).message})` };
    }
  }
  return { params };
}

type Outcome = { kind: "data"; data: unknown; ms: number } | { kind: "error"; error: unknown } | { kind: "pages"; pages: number; items: unknown[]; done: boolean; error?: unknown };

function EndpointForm({ crisp, endpoint, context, websiteId, onBack }: { crisp: Crisp; endpoint: EndpointInfo; context: DashboardContext; websiteId: string | null; onBack: () => void }) {
  const writer = useWriter();
  const [path, setPath] = useState<Values>(() => prefill(endpoint, context, websiteId));
  // What the context filled in last: a value still equal to it follows the dashboard; a value the
  // user typed stays, and the form says it is pinned.
  const filled = useRef<Values>(path);
  const followed = prefill(endpoint, context, websiteId);
  const place = `${contextKey(context)}|${websiteId ?? ""}`;
  useEffect(() => {
    const next = prefill(endpoint, context, websiteId);
    setPath((current) => {
      const updated = { ...current };
      for (const name of FROM_CONTEXT) {
        if (!(name in next)) continue;
        if ((current[name] ?? "") === (filled.current[name] ?? "")) updated[name] = next[name]!;
      }
      return updated;
    });
    filled.current = next;
  }, [place]);
  const pinned = FROM_CONTEXT.filter((name) => name in followed && (path[name] ?? "") !== "" && path[name] !== followed[name]);
  const [query, setQuery] = useState<Values>({});
  const [body, setBody] = useState(() => bodyTemplate(endpoint));
  // The generated form: undefined while the schemas load, null when the schema gives no fields.
  const [form, setForm] = useState<BodyForm | null | undefined>(endpoint.body ? undefined : null);
  const shapes = useRef<typeof import("../shapes.js") | null>(null);
  const [raw, setRaw] = useState(false);
  const [tag, setTag] = useState<string | null>(null);
  const [values, setValues] = useState<FieldValues>({});
  const [extra, setExtra] = useState<Record<string, unknown>>({});
  const [toggleProblem, setToggleProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!endpoint.body) return;
    let live = true;
    import("../shapes.js").then(
      (loaded) => {
        if (!live) return;
        shapes.current = loaded;
        const made = loaded.bodyForm(loaded.ENDPOINT_SCHEMAS[endpoint.id]?.body, loaded.SCHEMA_TYPES);
        setForm(made);
        setTag(made?.variants[0]?.tag ?? null);
      },
      () => live && setForm(null),
    );
    return () => {
      live = false;
    };
  }, [endpoint.id]);
  const useForm = Boolean(form) && !raw;
  const fromForm = form && !raw && shapes.current ? shapes.current.formBody(form, tag, values, extra) : null;
  const bodyText = fromForm ? ("body" in fromForm ? JSON.stringify(fromForm.body) : "") : body;
  const toRaw = () => {
    setToggleProblem(null);
    if (fromForm && "body" in fromForm) setBody(JSON.stringify(fromForm.body, null, 2));
    setRaw(true);
  };
  const toForm = () => {
    let parsed: unknown = {};
    try {
      if (body.trim()) parsed = JSON.parse(body);
    } catch (error) {
      setToggleProblem(`The body is not valid JSON (${(error as Error).message}); fix it or keep editing it raw.`);
      return;
    }
    const state = form && shapes.current ? shapes.current.formValues(form, parsed) : null;
    if (!state) {
      setToggleProblem(`The body does not fit the form${form?.discriminator ? ` (its ${form.discriminator} is none of the choices)` : " (it is not an object)"}; keep editing it raw.`);
      return;
    }
    setToggleProblem(null);
    setTag(state.tag);
    setValues(state.values);
    setExtra(state.extra);
    setRaw(false);
  };
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [running, setRunning] = useState(false);
  const stop = useRef<AbortController | null>(null);

  const collected =
    form === undefined && endpoint.body
      ? { problem: "Loading the body's fields…" }
      : fromForm && "problem" in fromForm
        ? fromForm
        : collect(endpoint, path, query, bodyText);
  let preview: PreparedRequest | null = null;
  let problem: string | null = "problem" in collected ? collected.problem : null;
  if ("params" in collected) {
    try {
      preview = crisp.buildRequest(endpoint.id, collected.params as never);
    } catch (error) {
      problem = describeError(error);
    }
  }

  const send = async () => {
    if (!("params" in collected) || !preview) return;
    if (endpoint.write) {
      const result = await writer.write({ endpoint: endpoint.id, params: collected.params, summary: sentence(endpoint, collected.params) });
      if (result) setOutcome(result.ok ? { kind: "data", data: result.data, ms: 0 } : { kind: "error", error: result.error });
      return;
    }
    setRunning(true);
    const started = performance.now();
    try {
      const data = await crisp.call(endpoint.id, collected.params as never);
      setOutcome({ kind: "data", data, ms: performance.now() - started });
    } catch (error) {
      setOutcome({ kind: "error", error });
    } finally {
      setRunning(false);
    }
  };

  const fetchAll = async () => {
    if (!("params" in collected)) return;
    const controller = new AbortController();
    stop.current = controller;
    setRunning(true);
    const items: unknown[] = [];
    let pages = 0;
    setOutcome({ kind: "pages", pages, items, done: false });
    try {
      for await (const page of crisp.pages(endpoint.id as never, collected.params as never, { signal: controller.signal, maxPages: MAX_PAGES })) {
        pages++;
        items.push(...page);
        setOutcome({ kind: "pages", pages, items: [...items], done: false });
      }
      setOutcome({ kind: "pages", pages, items, done: true });
    } catch (error) {
      setOutcome({ kind: "pages", pages, items, done: true, error });
    } finally {
      stop.current = null;
      setRunning(false);
    }
  };

  return (
    <div class="stack">
      <button type="button" class="link back" onClick={onBack}>
        ← All endpoints
      </button>
      <header>
        <h2>
          {endpoint.title} {endpoint.write && <span class="chip warn">write</span>}
        </h2>
        <p class="muted small">
          <code>{endpoint.id}</code> · {endpoint.doc}
        </p>
      </header>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        {endpoint.path_params.length > 0 && (
          <fieldset>
            <legend>Path</legend>
            {endpoint.path_params.map((name) => (
              <label>
                <span class="label">{name}</span>
                <input value={path[name] ?? ""} required onInput={(e) => setPath({ ...path, [name]: (e.target as HTMLInputElement).value })} />
              </label>
            ))}
            {pinned.map((name) => (
              <p class="note warn" role="note" data-pinned={name}>
                {name} is pinned to <code>{path[name]}</code>, not what the dashboard shows
                {followed[name] ? (
                  <>
                    {" "}
                    (<code>{followed[name]}</code>).{" "}
                    <button type="button" class="link" onClick={() => setPath({ ...path, [name]: followed[name]! })}>
                      Use the open one
                    </button>
                  </>
                ) : (
                  " (nothing of that kind is open)."
                )}
              </p>
            ))}
          </fieldset>
        )}
        {endpoint.query_params.length > 0 && (
          <fieldset>
            <legend>Query</legend>
            {endpoint.query_params.map((p) => (
              <label>
                <span class="label">
                  {p.name} <span class="muted">({p.type}{p.required ? ", required" : ""})</span>
                </span>
                {p.type === "bool" ? (
                  <select value={query[p.name] ?? ""} onChange={(e) => setQuery({ ...query, [p.name]: (e.target as HTMLSelectElement).value })}>
                    <option value="">(not set)</option>
                    <option value="true">true</option>
                    <option value="false">false</option>
                  </select>
                ) : (
                  <input inputMode={p.type === "int" || p.type === "number" ? "numeric" : undefined} value={query[p.name] ?? ""} onInput={(e) => setQuery({ ...query, [p.name]: (e.target as HTMLInputElement).value })} />
                )}
              </label>
            ))}
          </fieldset>
        )}
        {endpoint.body && form !== undefined && (
          <fieldset data-body-form={useForm ? "fields" : "json"}>
            <legend>Body</legend>
            {form && (
              <label class="check">
                <input type="checkbox" checked={raw} onChange={(e) => ((e.target as HTMLInputElement).checked ? toRaw() : toForm())} />
                <span>Raw JSON</span>
              </label>
            )}
            {toggleProblem && (
              <p class="note error" role="alert">
                {toggleProblem}
              </p>
            )}
            {useForm && form ? (
              <BodyFields form={form} tag={tag} values={values} extra={extra} onTag={setTag} onValues={setValues} />
            ) : (
              <label>
                <span class="label">Body (JSON{endpoint.body === "fields" && !form ? `: ${endpoint.body_fields.join(", ")}; null fields are left out` : ""})</span>
                <textarea class="code" rows={6} value={body} spellcheck={false} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
              </label>
            )}
          </fieldset>
        )}
        <div>
          <span class="label">Request preview (key redacted)</span>
          {problem ? (
            <p class="note error" role="alert">
              {problem}
            </p>
          ) : (
            preview && (
              <pre class="preview" aria-label="Request preview">
                {`${preview.method} ${preview.url}`}
                {preview.body ? `\n\n${preview.body}` : ""}
              </pre>
            )
          )}
        </div>
        <div class="row wrap end">
          {preview && <CopyButton label="Copy as curl" text={() => preview!.curl} />}
          {endpoint.paging === "page_number" && !endpoint.write && (
            running && stop.current ? (
              <button type="button" onClick={() => stop.current?.abort()}>
                Stop
              </button>
            ) : (
              <button type="button" disabled={!preview || running} onClick={fetchAll}>
                Fetch all pages
              </button>
            )
          )}
          <button type="submit" class={endpoint.write ? "danger" : "primary"} disabled={!preview || running || writer.busy}>
            {endpoint.write ? "Send (write)…" : "Send"}
          </button>
        </div>
      </form>
      {outcome && <OutcomeView outcome={outcome} />}
    </div>
  );
}

function OutcomeView({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === "error") return <ErrorNote error={outcome.error} />;
  if (outcome.kind === "pages") {
    return (
      <section class="card" aria-label="Response">
        <p role="status">
          {outcome.done ? "Fetched" : "Fetching…"} {outcome.pages} page{outcome.pages === 1 ? "" : "s"}, {outcome.items.length} items
          {outcome.done && outcome.pages >= MAX_PAGES ? ` (stopped at the ${MAX_PAGES}-page limit)` : ""}
        </p>
        {!outcome.done ? <progress aria-label="Fetching pages" /> : <progress aria-label="Fetching pages" value={1} max={1} />}
        {outcome.error ? <ErrorNote error={outcome.error} /> : null}
        {outcome.done && (
          <>
            <div class="row end">
              <CopyButton label="Copy all as JSON" text={() => JSON.stringify(outcome.items, null, 2)} />
            </div>
            <JsonTree value={outcome.items} openLevels={1} />
          </>
        )}
      </section>
    );
  }
  return (
    <section class="card response" aria-label="Response">
      <p class="muted small">{outcome.ms ? `Answered in ${Math.round(outcome.ms)} ms` : "Answered"}</p>
      <JsonTree value={outcome.data} />
    </section>
  );
}

/** A write from the explorer in words: "Change Conversation State of conversation session_…". */
function sentence(endpoint: EndpointInfo, params: Record<string, unknown>): string {
  const what: string[] = [];
  if (typeof params.sessionID === "string") what.push(`conversation ${params.sessionID}`);
  if (typeof params.peopleID === "string") what.push(`contact ${params.peopleID}`);
  const others = endpoint.path_params.filter((n) => !["websiteID", "sessionID", "peopleID", "pageNumber"].includes(n) && typeof params[n] === "string");
  for (const n of others) what.push(`${n} ${String(params[n])}`);
  return `${endpoint.title}${what.length ? ` for ${what.join(", ")}` : ""}`;
}
