// Small shared pieces of the panel UI.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { CrispError } from "crisp-kit/web";

/**
 * A readable sentence for any failure, with Crisp's own explanation when it gave one; CrispError
 * messages and explanations never contain a key.
 */
export function describeError(error: unknown): string {
  if (error instanceof CrispError) {
    const sentence = plainWords(error);
    return !error.explanation || sentence.includes(error.explanation) ? sentence : `${sentence} Crisp says: ${error.explanation}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function plainWords(error: CrispError): string {
  const where = error.endpoint ? ` (${error.endpoint}${error.status ? `, HTTP ${error.status}` : ""})` : "";
  switch (error.code) {
    case "rate_limited":
      return `Crisp is rate limiting this account${where}. Try again in a moment.`;
    case "unauthorized":
      return `Crisp refused the credentials${where}: check the identifier, key and tier in Settings.`;
    case "read_only":
      return `Read-only mode is on: nothing was sent${where}.`;
    case "network":
      return `Could not reach the API${where}. Check the API base URL and your connection.`;
    case "timeout":
      return `The API did not answer in time${where}.`;
    default:
      return `${error.message}${error.reason && !error.message.includes(error.reason) ? ` [${error.reason}]` : ""}`;
  }
}

export function ErrorNote({ error, children }: { error: unknown; children?: ComponentChildren }) {
  return (
    <p class="note error" role="alert">
      {describeError(error)}
      {children}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <p class="muted">{children}</p>}
    </div>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function When({ ms }: { ms: unknown }) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return <time dateTime={date.toISOString()}>{dateFormat.format(date)}</time>;
}

/** JSON as a collapsible tree; objects and arrays past the first levels start folded. */
export function JsonTree({ value, name, depth = 0, openLevels = 2 }: { value: unknown; name?: string; depth?: number; openLevels?: number }) {
  const [open, setOpen] = useState(depth < openLevels);
  const label = name !== undefined ? <span class="json-key">{name}: </span> : null;
  if (value === null || typeof value !== "object") {
    const cls = value === null ? "json-null" : `json-${typeof value}`;
    return (
      <div class="json-row">
        {label}
        <span class={cls}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const brackets = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return (
    <div class="json-node">
      <button type="button" class="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "▾" : "▸"} {label}
        <span class="muted">
          {brackets[0]}
          {open ? "" : ` ${entries.length} ${Array.isArray(value) ? "items" : "keys"} ${brackets[1]}`}
        </span>
      </button>
      {open && (
        <div class="json-children">
          {entries.map(([k, v]) => (
            <JsonTree key={k} name={k} value={v} depth={depth + 1} openLevels={openLevels} />
          ))}
          <span class="muted">{brackets[1]}</span>
        </div>
      )}
    </div>
  );
}

/** Copies text, and says so. */
export function CopyButton({ text, label }: { text: () => string; label: string }) {
  const [done, setDone] = useState<string | null>(null);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text());
          setDone("Copied");
        } catch {
          setDone("Copy failed: the browser refused clipboard access");
        }
        setTimeout(() => setDone(null), 2500);
      }}
    >
      {done ?? label}
    </button>
  );
}

export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("");
}
