// Data that follows the open conversation: loaded when the context changes, refreshed while the
// panel is visible, paused while it is hidden, backing off on errors (Retry-After first), and never
// shown under another context's key, so switching conversations cannot show stale data.
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
 */
export function useLive<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>, intervalMs: number): Live<T> {
  const [state, setState] = useState<State<T>>({ key: null, data: undefined, error: undefined, refreshError: undefined, retryAt: null });
  const [nonce, setNonce] = useState(0);
  // Refreshes use the latest loader (a rebuilt client after a settings change), same key.
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = intervalMs;
    let running = false;
    let hadData = false;
    setState((s) => (s.key === key ? s : { key, data: undefined, error: undefined, refreshError: undefined, retryAt: null }));

    const schedule = (ms: number) => {
      clearTimeout(timer);
      timer = undefined;
      if (controller.signal.aborted || ms <= 0) return;
      if (document.visibilityState === "hidden") return; // resumed by onVisible
      timer = setTimeout(run, ms);
    };
    const run = async () => {
      if (running || controller.signal.aborted) return;
      running = true;
      timer = undefined;
      try {
        const data = await loader.current(controller.signal);
        if (controller.signal.aborted) return;
        hadData = true;
        delay = intervalMs;
        setState({ key, data, error: undefined, refreshError: undefined, retryAt: null });
        schedule(intervalMs);
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
      }
    };
    const onVisible = () => {
      if (document.visibilityState === "visible" && timer === undefined && intervalMs > 0) void run();
    };
    document.addEventListener("visibilitychange", onVisible);
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [key, nonce, intervalMs]);

  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    refreshError: current ? state.refreshError : undefined,
    retryAt: current ? state.retryAt : null,
    loading: key !== null && (!current || (state.data === undefined && state.error === undefined)),
    reload: () => setNonce((n) => n + 1),
  };
}
