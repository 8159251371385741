// Data that follows the open conversation: loaded when the context changes, refreshed while the
// panel is visible, paused while it is hidden, backing off on errors (Retry-After first), and never
// shown under another context's key, so switching conversations cannot show stale data. While the
// real-time socket is up the periodic refresh stops (`polling: false`): events patch the data
// (`patch`) or ask for one refresh (`refresh`); a failed load still retries with backoff.
import { useEffect, useRef, useState } from "preact/hooks";
import { CrispError } from "crisp-kit/web";

export interface Live<T> {
  /** The data for this key (undefined while the first load runs or failed). */
  data: T | undefined;
  /** The first load's failure (nothing to show). */
  error: unknown;
  /** A refresh's failure; `data` is still the last good one. */
  refreshError: unknown;
  /** When the next refresh is due after a failure (ms since epoch). */
  retryAt: number | null;
  loading: boolean;
  /** Reloads now. */
  reload: () => void;
  /** Loads once more now, or right after the load in flight (whose answer may predate an event). */
  refresh: () => void;
  /**
   * Changes the data shown for this key in place (an event's content), if it is still shown; a load
   * in flight (whose answer may predate the event) is followed by one more.
   */
  patch: (change: (data: T) => T) => void;
}

interface State<T> {
  key: string | null;
  data: T | undefined;
  error: unknown;
  refreshError: unknown;
  retryAt: number | null;
}

const MAX_BACKOFF_MS = 120_000;

/**
 * `key` names what is shown (null: nothing); `load` fetches it. `intervalMs` 0 loads once.
 * `polling` false stops the periodic refresh (events keep the data current) without reloading;
 * true again starts it, the next refresh one interval later.
 */
export function useLive<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>, intervalMs: number, polling = true): Live<T> {
  const [state, setState] = useState<State<T>>({ key: null, data: undefined, error: undefined, refreshError: undefined, retryAt: null });
  const [nonce, setNonce] = useState(0);
  // Refreshes use the latest loader (a rebuilt client after a settings change), same key.
  const loader = useRef(load);
  loader.current = load;
  const poll = useRef(polling);
  poll.current = polling;
  /** The running effect's controls (for the key shown now). */
  const control = useRef<{ key: string; refresh: () => void; polling: () => void; patched: () => void } | null>(null);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** A pending periodic refresh (stopped when polling stops), not a retry after a failure. */
    let periodic = false;
    let delay = intervalMs;
    let running = false;
    let again = false;
    /** Something was due while the panel was hidden (run when it shows again). */
    let owed = false;
    let hadData = false;
    setState((s) => (s.key === key ? s : { key, data: undefined, error: undefined, refreshError: undefined, retryAt: null }));

    const schedule = (ms: number, isPeriodic = false) => {
      clearTimeout(timer);
      timer = undefined;
      periodic = false;
      if (controller.signal.aborted || ms <= 0) return;
      if (document.visibilityState === "hidden") {
        owed = true; // resumed by onVisible
        return;
      }
      timer = setTimeout(run, ms);
      periodic = isPeriodic;
    };
    const run = async () => {
      if (controller.signal.aborted) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      timer = undefined;
      try {
        const data = await loader.current(controller.signal);
        if (controller.signal.aborted) return;
        hadData = true;
        delay = intervalMs;
        setState({ key, data, error: undefined, refreshError: undefined, retryAt: null });
        schedule(poll.current ? intervalMs : 0, true);
      } catch (error) {
        if (controller.signal.aborted) return;
        const retryAfter = error instanceof CrispError ? error.retryAfterMs : null;
        const retryable = !(error instanceof CrispError) || error.retryable;
        delay = retryAfter ?? Math.min(Math.max(delay, 2_000) * 2, MAX_BACKOFF_MS);
        const next = retryable && intervalMs > 0 ? delay : 0;
        setState((s) =>
          hadData && s.key === key
            ? { ...s, refreshError: error, retryAt: next ? Date.now() + next : null }
            : { key, data: undefined, error, refreshError: undefined, retryAt: next ? Date.now() + next : null },
        );
        schedule(next);
      } finally {
        running = false;
        if (again && !controller.signal.aborted) {
          again = false;
          void run();
        }
      }
    };
    const onVisible = () => {
      if (document.visibilityState === "visible" && timer === undefined && intervalMs > 0 && (poll.current || owed)) {
        owed = false;
        void run();
      }
    };
    control.current = {
      key,
      refresh: () => void run(),
      // A load in flight may have been answered before the event: load once more after it.
      patched: () => {
        if (running) again = true;
      },
      // Polling switched on: the next refresh one interval from now (unless one is due already);
      // off: a pending periodic refresh is dropped (a retry after a failure stays).
      polling: () => {
        if (poll.current && timer === undefined && !running && hadData) schedule(intervalMs, true);
        else if (!poll.current && periodic) schedule(0);
      },
    };
    document.addEventListener("visibilitychange", onVisible);
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
      control.current = null;
    };
  }, [key, nonce, intervalMs]);

  useEffect(() => {
    if (control.current?.key === key) control.current.polling();
  }, [polling, key]);

  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    refreshError: current ? state.refreshError : undefined,
    retryAt: current ? state.retryAt : null,
    loading: key !== null && (!current || (state.data === undefined && state.error === undefined)),
    reload: () => setNonce((n) => n + 1),
    refresh: () => {
      if (control.current?.key === key) control.current.refresh();
    },
    patch: (change) => {
      setState((s) => (s.key === key && s.data !== undefined ? { ...s, data: change(s.data) } : s));
      if (control.current?.key === key) control.current.patched();
    },
  };
}
