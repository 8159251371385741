// The conversation beside the dashboard: who it is, where it stands, what was said, what they did,
// and the actions an operator takes from here.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Conversation, ConversationMessage, Crisp, ItemOf, PeopleProfile, WebsiteOperatorListOne } from "crisp-kit/web";
import { avatarSrc } from "../avatar.js";
import { contactUrl, conversationUrl } from "../context.js";
import type { Host } from "../host.js";
import { type Live, useLive } from "../live.js";
import { type PanelEvent, type PanelRtm, type RtmState, useRtmState } from "../rtm.js";
import { Empty, ErrorNote, Section, When, describeError, initials } from "../ui.js";
import { useWriter } from "../writes.js";

interface Props {
  crisp: Crisp;
  host: Host;
  websiteId: string;
  refreshMs: number;
  accountId: string;
}

function settled<T>(r: PromiseSettledResult<T>): T | undefined {
  return r.status === "fulfilled" ? r.value : undefined;
}

/** Operators of a website, cached per account for a few minutes (they rarely change). */
const operatorCache = new Map<string, { at: number; value: Promise<WebsiteOperatorListOne[]> }>();
function operators(crisp: Crisp, accountId: string, websiteID: string, signal: AbortSignal): Promise<WebsiteOperatorListOne[]> {
  const key = `${accountId}:${websiteID}`;
  const hit = operatorCache.get(key);
  if (hit && Date.now() - hit.at < 300_000) return hit.value;
  const value = crisp.call("list_website_operators", { websiteID }, { signal }).then((d) => (Array.isArray(d) ? d : []));
  value.catch(() => operatorCache.delete(key));
  operatorCache.set(key, { at: Date.now(), value });
  return value;
}

/**
 * A person's conversations (session ids from list_people_conversations) with the first five
 * loaded for their subject and state; the others are listed by id. `except`: the open one.
 */
async function conversationsOf(crisp: Crisp, websiteID: string, list: unknown, except: string | null, signal: AbortSignal) {
  const ids = (Array.isArray(list) ? list : []).filter((id): id is string => typeof id === "string" && id !== except);
  const loaded = await Promise.allSettled(ids.slice(0, 5).map((sessionID) => crisp.call("get_conversation", { websiteID, sessionID }, { signal })));
  return ids.map((id, i) => ({ id, conversation: loaded[i] ? settled(loaded[i]!) : undefined }));
}

function operatorName(list: WebsiteOperatorListOne[] | undefined, userId: string | undefined): string | null {
  if (!userId) return null;
  const op = list?.find((o) => o.details?.user_id === userId)?.details;
  // An operator without a name or an email shows as their id (the answer may leave both out).
  return op ? [op.first_name, op.last_name].filter(Boolean).join(" ") || op.email || userId : userId;
}

/** The visitor is typing: shown until they stop, send, or for 10 s after the last sign. */
interface Composing {
  excerpt: string | null;
  at: number;
}
const COMPOSING_MS = 10_000;

export function ConversationView({ crisp, host, websiteId, sessionId, refreshMs, accountId, rtm }: Props & { sessionId: string; rtm: PanelRtm | null }) {
  const key = `${accountId}:${websiteId}:${sessionId}`;
  const p = { websiteID: websiteId, sessionID: sessionId };
  const rtmState = useRtmState(rtm);
  const live = useLive(
    key,
    async (signal) => {
      const [conversation, messages, block] = await Promise.all([
        crisp.call("get_conversation", p, { signal }),
        crisp.call("get_messages_in_conversation", p, { signal }),
        crisp.call("get_block_status_for_conversation", p, { signal }),
      ]);
      return { conversation, messages: Array.isArray(messages) ? messages : [], blocked: Boolean((block as { blocked?: boolean } | undefined)?.blocked) };
    },
    refreshMs,
    // Polling only while the socket is not live (connecting, reconnecting, refused).
    rtmState.kind !== "live",
  );
  const [composing, setComposing] = useState<Composing | null>(null);
  const latest = useRef(live);
  latest.current = live;
  useEffect(() => {
    if (!rtm) return;
    return rtm.watch({
      // Crisp does not replay what was missed while the socket was down: one REST refresh.
      gap: () => latest.current.refresh(),
      event: (e) => {
        if (e.data.session_id !== sessionId || e.data.website_id !== websiteId) return;
        const l = latest.current;
        applyEvent(e, l, setComposing);
      },
    });
  }, [rtm, websiteId, sessionId]);
  useEffect(() => {
    if (!composing) return;
    const t = setTimeout(() => setComposing(null), composing.at + COMPOSING_MS - Date.now());
    return () => clearTimeout(t);
  }, [composing]);
  const peopleId: string | undefined = live.data?.conversation.people_id ?? undefined;
  const extra = useLive(
    live.data ? `${key}:${peopleId ?? ""}` : null,
    async (signal) => {
      const o = { signal };
      const w = { websiteID: websiteId };
      const results = await Promise.allSettled([
        operators(crisp, accountId, websiteId, signal),
        crisp.call("list_inboxes", { ...w, pageNumber: 1 }, o),
        crisp.call("list_conversation_pages", { ...p, pageNumber: 1 }, o),
        peopleId ? crisp.call("get_people_profile", { ...w, peopleID: peopleId }, o) : Promise.resolve(undefined),
        peopleId ? crisp.call("list_people_conversations", { ...w, peopleID: peopleId, pageNumber: 1 }, o) : Promise.resolve([]),
        peopleId ? crisp.call("list_people_events", { ...w, peopleID: peopleId, pageNumber: 1 }, o) : Promise.resolve([]),
        crisp.call("list_suggested_conversation_segments", { ...w, pageNumber: 1 }, o),
      ]);
      const previous = await conversationsOf(crisp, websiteId, settled(results[4]), sessionId, signal);
      return {
        operators: settled(results[0]),
        inboxes: settled(results[1]),
        pages: settled(results[2]),
        profile: settled(results[3]),
        profileError: results[3].status === "rejected" ? results[3].reason : undefined,
        previous,
        events: settled(results[5]),
        suggestions: (settled(results[6]) ?? []).map((s) => String(s.segment)),
      };
    },
    0,
  );

  if (live.error) return <ErrorNote error={live.error}> <button type="button" onClick={live.reload}>Try again</button></ErrorNote>;
  if (!live.data) return <Loading what="conversation" />;
  const { conversation: c, messages, blocked } = live.data;
  const meta: NonNullable<Conversation["meta"]> = c.meta ?? {};
  const x = extra.data;
  const inbox = x?.inboxes?.find((i) => i.inbox_id === c.inbox_id);
  const assignee = operatorName(x?.operators, c.assigned?.user_id);
  return (
    <div class="stack" data-session={sessionId}>
      <LiveState state={rtmState} refreshMs={refreshMs} />
      <RefreshState live={live} />
      <ContactCard
        name={meta.nickname}
        email={meta.email}
        phone={meta.phone}
        avatar={meta.avatar ?? x?.profile?.person?.avatar}
        location={meta.device?.geolocation}
        verified={Boolean(c.is_verified)}
        company={x?.profile?.company?.name}
        title={x?.profile?.person?.employment?.title}
        onOpenProfile={peopleId ? () => host.open(contactUrl(websiteId, peopleId)) : undefined}
      />
      <Section title="Conversation">
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <span class={`chip state-${c.state}`}>{c.state}</span>
            {blocked && <span class="chip danger">blocked</span>}
            {c.unread?.operator ? <span class="chip">{c.unread.operator} unread</span> : null}
          </dd>
          <dt>Assignee</dt>
          <dd>{assignee ?? <span class="muted">nobody</span>}</dd>
          <dt>Inbox</dt>
          <dd>{inbox ? `${inbox.emoji ?? ""} ${inbox.name}`.trim() : c.inbox_id ? <code>{c.inbox_id}</code> : <span class="muted">none</span>}</dd>
          {meta.subject && (
            <>
              <dt>Subject</dt>
              <dd>{meta.subject}</dd>
            </>
          )}
          <dt>Started</dt>
          <dd>
            <When ms={c.created_at} />
          </dd>
        </dl>
      </Section>
      <Messages messages={messages} operators={x?.operators} composing={composing} />
      <CustomData data={meta.data} />
      <Actions
        crisp={crisp}
        websiteId={websiteId}
        sessionId={sessionId}
        conversation={c}
        blocked={blocked}
        operators={x?.operators}
        suggestions={x?.suggestions ?? []}
        onChanged={live.reload}
      />
      <Previous host={host} websiteId={websiteId} items={x?.previous} loading={extra.loading} />
      <Events events={x?.events} loading={extra.loading} error={x?.profileError} />
      <Section title="Pages visited">
        {x?.pages?.length ? (
          <ul class="list">
            {x.pages.slice(0, 8).map((page) => (
              <li>
                <span class="truncate" title={page.page_url}>
                  {page.page_title || page.page_url}
                </span>
                <span class="muted small">
                  <When ms={page.timestamp} />
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">{extra.loading ? "Loading…" : "No pages recorded."}</p>
        )}
      </Section>
    </div>
  );
}

export function ContactView({ crisp, host, websiteId, peopleId, refreshMs, accountId }: Props & { peopleId: string }) {
  const key = `${accountId}:${websiteId}:people:${peopleId}`;
  const live = useLive(
    key,
    async (signal) => {
      const w = { websiteID: websiteId, peopleID: peopleId };
      const profile: PeopleProfile = await crisp.call("get_people_profile", w, { signal });
      const [sessions, events, data] = await Promise.allSettled([
        crisp.call("list_people_conversations", { ...w, pageNumber: 1 }, { signal }),
        crisp.call("list_people_events", { ...w, pageNumber: 1 }, { signal }),
        crisp.call("get_people_data", w, { signal }),
      ]);
      const previous = await conversationsOf(crisp, websiteId, settled(sessions), null, signal);
      return {
        profile,
        previous,
        events: settled(events),
        data: settled(data)?.data,
      };
    },
    refreshMs,
  );
  if (live.error) return <ErrorNote error={live.error}> <button type="button" onClick={live.reload}>Try again</button></ErrorNote>;
  if (!live.data) return <Loading what="contact" />;
  const { profile: pr, previous, events, data } = live.data;
  const person: NonNullable<PeopleProfile["person"]> = pr.person ?? {};
  return (
    <div class="stack" data-people={peopleId}>
      <RefreshState live={live} />
      <ContactCard
        name={person.nickname}
        email={pr.email}
        phone={person.phone}
        avatar={person.avatar}
        location={person.geolocation}
        verified={false}
        company={pr.company?.name}
        title={person.employment?.title}
      />
      <Section title="Segments">
        <Chips items={pr.segments ?? []} empty="No segments." />
      </Section>
      <CustomData data={data} />
      <Previous host={host} websiteId={websiteId} items={previous} loading={false} title="Conversations" />
      <Events events={events} loading={false} />
    </div>
  );
}

function Loading({ what }: { what: string }) {
  return (
    <div class="stack" aria-busy="true">
      <p class="muted" role="status">
        Loading the {what}…
      </p>
      <div class="skeleton" />
      <div class="skeleton short" />
    </div>
  );
}

type ConversationData = { conversation: Conversation; messages: ConversationMessage[]; blocked: boolean };

/**
 * One event of the open conversation: a message, its edit or removal, and a state change patch
 * what is shown at once (no request); typing shows the indicator; any other change of the
 * conversation's facts asks for one REST refresh.
 */
function applyEvent(e: PanelEvent, live: Live<ConversationData>, setComposing: (c: Composing | null) => void) {
  switch (e.name) {
    case "message:send":
    case "message:received": {
      const m = e.data as unknown as ConversationMessage;
      if (m.from === "user") setComposing(null);
      live.patch((d) => (d.messages.some((x) => x.fingerprint === m.fingerprint) ? d : { ...d, messages: [...d.messages, m] }));
      return;
    }
    case "message:updated":
      live.patch((d) => ({ ...d, messages: d.messages.map((x) => (x.fingerprint === e.data.fingerprint ? ({ ...x, content: e.data.content } as ConversationMessage) : x)) }));
      return;
    case "message:removed":
      live.patch((d) => ({ ...d, messages: d.messages.filter((x) => x.fingerprint !== e.data.fingerprint) }));
      return;
    case "message:compose:send":
      setComposing(e.data.type === "start" ? { excerpt: e.data.excerpt?.trim() || null, at: Date.now() } : null);
      return;
    case "session:set_state": {
      const state = e.data.state;
      live.patch((d) => ({ ...d, conversation: { ...d.conversation, state } }));
      return;
    }
    default:
      live.refresh();
  }
}

/** The connection indicator: live (events), or why the panel polls instead. */
function LiveState({ state, refreshMs }: { state: RtmState; refreshMs: number }) {
  const [, tick] = useState(0);
  const retryAt = state.kind === "polling" || state.kind === "reconnecting" ? state.retryAt : null;
  useEffect(() => {
    if (retryAt === null) return;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [retryAt]);
  if (state.kind === "idle") return null;
  const every = `every ${Math.round(refreshMs / 1000)} s`;
  const wait = retryAt === null ? "" : seconds(retryAt - Date.now());
  const [label, note, detail] =
    state.kind === "live"
      ? ["Live", null, "Real time: new messages, state changes and typing arrive as they happen; nothing polls."]
      : state.kind === "connecting"
        ? ["Connecting", `polling ${every} meanwhile`, "Opening the real-time connection."]
        : state.kind === "reconnecting"
          ? ["Reconnecting", `polling ${every} meanwhile, next attempt ${wait}`, `The real-time connection dropped (${state.reason}).`]
          : [`Polling ${every}`, `real time unavailable, next attempt ${wait}`, `Real time is unavailable: ${state.reason}`];
  return (
    <p class={`rtm rtm-${state.kind}`} data-rtm={state.kind} aria-live="polite" title={detail}>
      <span class="dot" aria-hidden="true" />
      {label}
      {note && <span class="muted small"> · {note}</span>}
    </p>
  );
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return s < 90 ? `in ${s} s` : `in ${Math.round(s / 60)} min`;
}

function RefreshState<T>({ live }: { live: Live<T> }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (!live.retryAt) return;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [live.retryAt]);
  if (!live.refreshError) return null;
  const seconds = live.retryAt ? Math.max(0, Math.ceil((live.retryAt - Date.now()) / 1000)) : null;
  return (
    <p class="note warn" role="status">
      Showing the last good data. {describeError(live.refreshError)}
      {seconds !== null ? ` Retrying in ${seconds} s.` : ""}{" "}
      <button type="button" class="link" onClick={live.reload}>
        Retry now
      </button>
    </p>
  );
}

function ContactCard(props: {
  name?: string;
  email?: string;
  phone?: string;
  avatar?: string | null;
  location?: { city?: string; country?: string };
  verified: boolean;
  company?: string;
  title?: string;
  onOpenProfile?: () => void;
}) {
  const [broken, setBroken] = useState(false);
  const name = props.name || props.email || "Unknown visitor";
  const avatar = avatarSrc(props.avatar);
  const place = [props.location?.city, props.location?.country].filter(Boolean).join(", ");
  return (
    <section class="card contact" aria-label="Contact">
      <div class="avatar" aria-hidden="true">
        {avatar && !broken ? <img src={avatar} alt="" referrerpolicy="no-referrer" onError={() => setBroken(true)} /> : initials(name)}
      </div>
      <div class="contact-main">
        <h2 class="contact-name">
          {name}
          {props.verified && (
            <span class="chip ok" title="Identity verified by Crisp">
              verified
            </span>
          )}
        </h2>
        {(props.title || props.company) && <p class="muted">{[props.title, props.company].filter(Boolean).join(" · ")}</p>}
        <ul class="plain">
          {props.email && (
            <li>
              <a href={`mailto:${props.email}`}>{props.email}</a>
            </li>
          )}
          {props.phone && <li>{props.phone}</li>}
          {place && <li>{place}</li>}
        </ul>
        {props.onOpenProfile && (
          <button type="button" class="link" onClick={props.onOpenProfile}>
            Open contact profile
          </button>
        )}
      </div>
    </section>
  );
}

function Chips({ items, empty }: { items: string[]; empty: string }) {
  if (!items.length) return <p class="muted">{empty}</p>;
  return (
    <ul class="chips">
      {items.map((s) => (
        <li class="chip">{s}</li>
      ))}
    </ul>
  );
}

/** Custom data as a table, the same in the conversation and the contact view; nested values as JSON. */
function CustomData({ data }: { data: unknown }) {
  const entries = data && typeof data === "object" && !Array.isArray(data) ? Object.entries(data as Record<string, unknown>) : [];
  return (
    <Section title="Custom data">
      {entries.length ? (
        <dl class="facts" aria-label="Custom data">
          {entries.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v !== null && typeof v === "object" ? <code>{JSON.stringify(v)}</code> : String(v)}</dd>
            </>
          ))}
        </dl>
      ) : (
        <p class="muted">No custom data.</p>
      )}
    </Section>
  );
}

/** A link target from a message, only when it is http(s): a `javascript:` or `data:` URL is not a link. */
export function safeUrl(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  try {
    const url = new URL(raw);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function duration(seconds: unknown): string | null {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return null;
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** What a message says, as text and safe links only: nothing a visitor sends becomes HTML. */
function MessageBody({ m }: { m: ConversationMessage }) {
  if (typeof m.content === "string") return <p class="message-body">{m.content}</p>;
  // File, audio and animation contents, read defensively: they come from the visitor.
  const content = (m.content && typeof m.content === "object" ? m.content : {}) as { name?: unknown; url?: unknown; type?: unknown; duration?: unknown };
  if (m.type === "file" || m.type === "audio" || m.type === "animation") {
    const url = safeUrl(content.url);
    const kind = m.type === "file" ? "File" : m.type === "audio" ? "Audio" : "Animation";
    const fallback = url ? (new URL(url).pathname.split("/").filter(Boolean).pop() ?? url) : "";
    const name = typeof content.name === "string" && content.name ? content.name : decodeURIComponentSafe(fallback) || `${kind.toLowerCase()} (no name)`;
    const length = duration(content.duration);
    return (
      <p class="message-body attachment" data-kind={m.type}>
        <span class="muted">{kind}: </span>
        {url ? (
          <a href={url} target="_blank" rel="noopener noreferrer">
            {name}
          </a>
        ) : (
          <span title="No http(s) link in this message">{name}</span>
        )}
        {length && <span class="muted"> · {length}</span>}
        {typeof content.type === "string" && <span class="muted small"> · {content.type}</span>}
      </p>
    );
  }
  return <p class="message-body muted">[{String(m.type)}]</p>;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function Messages({ messages, operators, composing }: { messages: ConversationMessage[]; operators?: WebsiteOperatorListOne[]; composing: Composing | null }) {
  const last = messages.slice(-8);
  return (
    <Section title="Last messages">
      {last.length ? (
        <ol class="messages">
          {last.map((m) => (
            <li class={`message from-${m.from} type-${m.type}`}>
              <div class="message-head">
                <strong>
                  {m.type === "note"
                    ? `Private note by ${m.user?.nickname || operatorName(operators, m.user?.user_id) || "an operator"}`
                    : m.from === "operator"
                      ? m.user?.nickname ?? "Operator"
                      : m.user?.nickname ?? "Visitor"}
                </strong>
                <span class="muted small">
                  <When ms={m.timestamp} />
                </span>
              </div>
              <MessageBody m={m} />
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No messages yet.</p>
      )}
      {composing && (
        <p class="composing" aria-live="polite">
          <span class="muted">The visitor is typing…</span>
          {composing.excerpt && <span class="excerpt"> “{composing.excerpt}”</span>}
        </p>
      )}
    </Section>
  );
}

function Previous({ host, websiteId, items, loading, title = "Previous conversations" }: { host: Host; websiteId: string; items?: { id: string; conversation?: Conversation }[]; loading: boolean; title?: string }) {
  return (
    <Section title={title}>
      {items?.length ? (
        <ul class="list">
          {items.map(({ id, conversation: c }) => {
            const url = conversationUrl(websiteId, id);
            return (
              <li>
                <a
                  href={url}
                  onClick={(e) => {
                    e.preventDefault();
                    host.open(url);
                  }}
                >
                  {c?.meta?.subject || c?.topic || c?.last_message || id}
                </a>
                {c && (
                  <span class="muted small">
                    {c.state} · <When ms={c.updated_at} />
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="muted">{loading ? "Loading…" : "None."}</p>
      )}
    </Section>
  );
}

function Events({ events, loading, error }: { events?: ItemOf<"list_people_events">[]; loading: boolean; error?: unknown }) {
  return (
    <Section title="Recent events">
      {events?.length ? (
        <ul class="list">
          {events.slice(0, 10).map((e) => (
            <li>
              <span>
                <span class={`dot color-${e.color ?? "grey"}`} aria-hidden="true" />
                {e.text}
              </span>
              <span class="muted small">
                <When ms={e.timestamp} />
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{loading ? "Loading…" : error ? `No contact profile (${describeError(error)})` : "No events."}</p>
      )}
    </Section>
  );
}

function Actions(props: {
  crisp: Crisp;
  websiteId: string;
  sessionId: string;
  conversation: Conversation;
  blocked: boolean;
  operators?: WebsiteOperatorListOne[];
  suggestions: string[];
  onChanged: () => void;
}) {
  const { websiteId, sessionId, conversation: c } = props;
  const writer = useWriter();
  const p = { websiteID: websiteId, sessionID: sessionId };
  const who = c.meta?.nickname || "this visitor";
  const [assignee, setAssignee] = useState<string>(c.assigned?.user_id ?? "");
  const [note, setNote] = useState("");
  const current: string[] = c.meta?.segments ?? [];
  const [segments, setSegments] = useState<string[] | null>(null);
  const [segmentInput, setSegmentInput] = useState("");
  useEffect(() => {
    setAssignee(c.assigned?.user_id ?? "");
    setSegments(null);
    setNote("");
  }, [sessionId]);

  const run = async (endpoint: string, params: Record<string, unknown>, summary: string) => {
    const result = await writer.write({ endpoint, params: { ...p, ...params }, summary });
    if (result?.ok) props.onChanged();
    return result;
  };
  const resolved = c.state === "resolved";
  const editing = segments ?? current;
  return (
    <Section title="Actions">
      <div class="row wrap">
        <button type="button" class="primary" disabled={writer.busy} onClick={() => run("change_conversation_state", { body: { state: resolved ? "unresolved" : "resolved" } }, `${resolved ? "Reopen" : "Resolve"} the conversation with ${who}`)}>
          {resolved ? "Unresolve" : "Resolve"}
        </button>
        <button type="button" disabled={writer.busy} onClick={() => run("mark_messages_read_in_conversation", { body: { from: "user", origin: "chat" } }, `Mark ${who}'s messages as read`)}>
          Mark read
        </button>
        <button type="button" class={props.blocked ? "" : "danger"} disabled={writer.busy} onClick={() => run("block_incoming_messages_for_conversation", { body: { blocked: !props.blocked } }, `${props.blocked ? "Unblock" : "Block"} incoming messages from ${who}`)}>
          {props.blocked ? "Unblock" : "Block"}
        </button>
      </div>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const op = props.operators?.find((o) => o.details?.user_id === assignee)?.details;
          const name = op ? `${op.first_name ?? ""} ${op.last_name ?? ""}`.trim() : "nobody";
          void run("assign_conversation_routing", { body: { assigned: assignee ? { user_id: assignee } : null } }, `Assign the conversation with ${who} to ${name}`);
        }}
      >
        <label class="grow">
          <span class="label">Assign to</span>
          <select value={assignee} onChange={(e) => setAssignee((e.target as HTMLSelectElement).value)}>
            <option value="">Nobody</option>
            {props.operators?.map((o) => (
              <option value={o.details?.user_id}>{`${o.details?.first_name ?? ""} ${o.details?.last_name ?? ""}`.trim() || o.details?.email}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={writer.busy || assignee === (c.assigned?.user_id ?? "")}>
          Assign
        </button>
      </form>
      <div>
        <span class="label" id="segments-label">
          Segments
        </span>
        <ul class="chips" aria-labelledby="segments-label">
          {editing.map((s) => (
            <li class="chip">
              {s}
              <button type="button" class="chip-x" aria-label={`Remove segment ${s}`} onClick={() => setSegments(editing.filter((x) => x !== s))}>
                ✕
              </button>
            </li>
          ))}
          {!editing.length && <li class="muted">none</li>}
        </ul>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const value = segmentInput.trim().toLowerCase();
            if (value && !editing.includes(value)) setSegments([...editing, value]);
            setSegmentInput("");
          }}
        >
          <input aria-label="Add a segment" list="segment-suggestions" placeholder="Add a segment" value={segmentInput} onInput={(e) => setSegmentInput((e.target as HTMLInputElement).value)} class="grow" />
          <datalist id="segment-suggestions">
            {props.suggestions.map((s) => (
              <option value={s} />
            ))}
          </datalist>
          <button type="submit">Add</button>
          <button
            type="button"
            disabled={writer.busy || segments === null || same(segments, current)}
            onClick={async () => {
              const result = await run("update_conversation_metas", { body: { segments: editing } }, `Set the segments of the conversation with ${who} to ${editing.length ? editing.join(", ") : "none"}`);
              if (result?.ok) setSegments(null);
            }}
          >
            Save segments
          </button>
        </form>
      </div>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          const content = note.trim();
          if (!content) return;
          const result = await run("send_message_in_conversation", { body: { type: "note", from: "operator", origin: "chat", content } }, `Add a private note to the conversation with ${who}`);
          if (result?.ok) setNote("");
        }}
      >
        <label>
          <span class="label">Private note (operators only)</span>
          <textarea rows={2} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        </label>
        <div class="row end">
          <button type="submit" disabled={writer.busy || !note.trim()}>
            Add note
          </button>
        </div>
      </form>
    </Section>
  );
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
