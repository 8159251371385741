// Where the panel runs. The extension host reads the followed tab through chrome.tabs and keeps
// data in chrome.storage; the demo host (npm start) runs the same panel in an iframe beside a
// stand-in dashboard page and talks to it with postMessage. Everything else is shared.

/** A small async key-value store. */
export interface Store {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface Host {
  readonly kind: "extension" | "demo";
  /** Memory-only storage (closed when the browser closes): where keys live by default. */
  readonly session: Store;
  /** Persistent storage: account records, settings, and keys the user asked to remember. */
  readonly local: Store;
  /** Calls `listener` with the followed dashboard tab's URL now and on every change (null: none). */
  watch(listener: (url: string | null) => void): () => void;
  /** Shows a dashboard URL in the followed tab. */
  open(url: string): void;
  /** Whether the panel may call this API origin directly (host permission); null: not applicable. */
  hasOrigin(origin: string): Promise<boolean | null>;
  /** Asks for access to one or more origins in one prompt (must run from a click). */
  requestOrigin(origin: string | string[]): Promise<boolean>;
  /**
   * Calls `listener` whenever the panel's host access is granted or withdrawn (Firefox lets the
   * user withdraw an MV3 extension's host permissions at any time); returns an unsubscribe.
   */
  onAccessChange(listener: () => void): () => void;
}

/** A `Store` over the Web Storage API (the demo host). */
export function webStore(storage: Storage, prefix: string): Store {
  return {
    async get<T>(key: string) {
      const raw = storage.getItem(prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set(key, value) {
      storage.setItem(prefix + key, JSON.stringify(value));
    },
    async remove(key) {
      storage.removeItem(prefix + key);
    },
  };
}
