// The panel's one real-time socket (Crisp's RTM, through crisp-kit's `crisp.events()`), shared by
// every view. It starts when a view first asks for events (a conversation is shown), so a panel
// that never shows one never loads the events chunk (socket.io-client) nor opens a socket; it then
// stays open while the panel lives (switching conversations does not reconnect) and is closed when
// the panel closes or its client is replaced (another account, changed settings).
import { useEffect, useState } from "preact/hooks";
import type { Crisp, CrispEvent, CrispEventName, EventStatus, EventSubscription } from "crisp-kit/web";
import { describeError } from "./ui.js";

/**
 * What the sidebar shows about the socket: `live` (events arrive, no polling), `connecting` (the
 * first connection; polling meanwhile), `reconnecting` (it dropped; polling until it is back),
 * `polling` (no socket: Crisp refused it or discovery failed; retried later, polling meanwhile).
 */
export type RtmState = { kind: "idle" } | { kind: "connecting" } | { kind: "live" } | { kind: "reconnecting"; retryAt: number; reason: string } | { kind: "polling"; reason: string; retryAt: number };

/** What the sidebar listens to: messages, typing, and what changes a conversation's facts. */
export const PANEL_EVENTS = [
  "message:send",
  "message:received",
  "message:updated",
  "message:removed",
  "message:compose:send",
  "session:set_state",
  "session:set_block",
  "session:set_routing",
  "session:set_inbox",
  "session:set_segments",
  "session:set_data",
  "session:set_email",
  "session:set_nickname",
  "session:set_phone",
  "session:set_subject",
  "session:update_verify",
  "session:removed",
] as const satisfies readonly CrispEventName[];
export type PanelEventName = (typeof PANEL_EVENTS)[number];
export type PanelEvent = Extract<CrispEvent, { name: PanelEventName }>;

/** A view's handlers: every event, and a `gap` (missed while disconnected: catch up through REST). */
export interface RtmWatcher {
  event(e: PanelEvent): void;
  gap(): void;
}

/** After a socket that worked fails (a refused re-authentication, say): the first new try. */
const RETRY_AFTER_LIVE_MS = 5_000;
const RETRY_MIN_MS = 30_000;
const RETRY_MAX_MS = 600_000;

export class PanelRtm {
  readonly #crisp: Crisp;
  readonly #rooms: string[] | undefined;
  readonly #watchers = new Set<RtmWatcher>();
  readonly #states = new Set<(s: RtmState) => void>();
  #sub: EventSubscription<PanelEventName> | undefined;
  #started = false;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #retryMs = RETRY_MIN_MS;
  #wasLive = false;
  state: RtmState = { kind: "idle" };

  /** `websiteId`: the account's website, to narrow the subscription (Crisp's `rooms`). */
  constructor(crisp: Crisp, websiteId?: string) {
    this.#crisp = crisp;
    this.#rooms = websiteId ? [websiteId] : undefined;
  }

  /** Adds a view's handlers, starting the socket on first use. Returns a function that removes them. */
  watch(watcher: RtmWatcher): () => void {
    this.#watchers.add(watcher);
    if (!this.#started) {
      this.#started = true;
      void this.#connect();
    }
    return () => this.#watchers.delete(watcher);
  }

  onState(listener: (s: RtmState) => void): () => void {
    this.#states.add(listener);
    return () => this.#states.delete(listener);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    const old = this.#sub;
    this.#sub = undefined;
    old?.close();
    this.#watchers.clear();
  }

  #set(state: RtmState): void {
    this.state = state;
    for (const l of [...this.#states]) l(state);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    this.#set({ kind: "connecting" });
    let sub: EventSubscription<PanelEventName>;
    try {
      // Loads the events chunk (socket.io-client) on the first call.
      sub = await this.#crisp.events({ events: PANEL_EVENTS, rooms: this.#rooms });
    } catch (error) {
      return this.#later(describeError(error));
    }
    if (this.#closed) return sub.close();
    this.#sub = sub;
    sub.onStatus((s: EventStatus) => {
      if (this.#closed || this.#sub !== sub) return;
      if (s.type === "connected") {
        this.#retryMs = RETRY_MIN_MS;
        this.#wasLive = true;
        this.#set({ kind: "live" });
      } else if (s.type === "reconnecting") this.#set({ kind: "reconnecting", retryAt: Date.now() + s.delayMs, reason: s.reason });
      else if (s.type === "gap") for (const w of [...this.#watchers]) w.gap();
      else if (s.type === "error") this.#later(describeError(s.error));
      else if (s.type === "closed" && this.state.kind !== "polling") this.#later("the socket closed");
    });
    for (const name of PANEL_EVENTS) {
      sub.on(name, (data) => {
        const e = { name, data } as PanelEvent;
        for (const w of [...this.#watchers]) w.event(e);
      });
    }
  }

  /** No socket for now (refused, or no socket URL): polling, and a new subscription later. */
  #later(reason: string): void {
    if (this.#closed) return;
    const old = this.#sub;
    this.#sub = undefined;
    old?.close();
    // Soon once after a socket that worked (likely transient), then 30 s doubling up to 10 min.
    const wait = this.#wasLive ? RETRY_AFTER_LIVE_MS : this.#retryMs;
    if (!this.#wasLive) this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
    this.#wasLive = false;
    this.#set({ kind: "polling", reason, retryAt: Date.now() + wait });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#connect(), wait);
  }
}

/** The socket's state, following changes. */
export function useRtmState(rtm: PanelRtm | null): RtmState {
  const [state, setState] = useState<RtmState>(rtm?.state ?? { kind: "idle" });
  useEffect(() => {
    if (!rtm) return setState({ kind: "idle" });
    setState(rtm.state);
    return rtm.onState(setState);
  }, [rtm]);
  return state;
}
