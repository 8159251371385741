// Every write the panel makes goes through here: refused in read-only mode, shown and confirmed
// (unless the user turned confirmation off), sent exactly once (crisp-kit never retries writes
// unless asked, and a write in flight cannot be started again), and its result reported.
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { Crisp, PreparedRequest } from "crisp-kit/web";
import type { Settings } from "./accounts.js";
import { describeError } from "./ui.js";

export interface WriteRequest {
  endpoint: string;
  params: Record<string, unknown>;
  /** What it does, in the operator's words: "Resolve the conversation with Camille". */
  summary: string;
}

export type WriteResult = { ok: true; data: unknown } | { ok: false; error: unknown; sent: boolean };

export interface Writer {
  /** Runs a write after confirmation; resolves when done, refused or cancelled (never throws). */
  write(request: WriteRequest): Promise<WriteResult | null>;
  /** Whether a write is in flight. */
  busy: boolean;
  /** The last write's outcome, shown by `WriteStatus` until it fades or is dismissed. */
  status: { ok: boolean; text: string } | null;
  dismiss(): void;
}

const WriterContext = createContext<Writer | null>(null);

export function useWriter(): Writer {
  const writer = useContext(WriterContext);
  if (!writer) throw new Error("useWriter outside WriterProvider");
  return writer;
}

interface Pending {
  request: WriteRequest;
  preview: PreparedRequest | null;
  previewError: unknown;
  resolve: (result: WriteResult | null) => void;
}

export function WriterProvider({ crisp, settings, children }: { crisp: Crisp | null; settings: Settings; children: preact.ComponentChildren }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const inFlight = useRef(false);
  const dialog = useRef<HTMLDialogElement>(null);

  // Successes fade after a few seconds; errors stay until dismissed.
  useEffect(() => {
    if (!status?.ok) return;
    const t = setTimeout(() => setStatus(null), 6000);
    return () => clearTimeout(t);
  }, [status]);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (pending && !d.open) d.showModal();
    if (!pending && d.open) d.close();
  }, [pending]);

  const send = async (request: WriteRequest): Promise<WriteResult> => {
    if (!crisp) return { ok: false, error: new Error("No account for this website: add one in Settings."), sent: false };
    inFlight.current = true;
    setBusy(true);
    try {
      const data = await crisp.call(request.endpoint as never, request.params as never);
      setStatus({ ok: true, text: `Done: ${request.summary}.` });
      return { ok: true, data };
    } catch (error) {
      setStatus({ ok: false, text: describeError(error) });
      return { ok: false, error, sent: true };
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const writer: Writer = {
    busy,
    status,
    dismiss: () => setStatus(null),
    async write(request) {
      if (inFlight.current || pending) return null;
      if (settings.readOnly) {
        const text = `Read-only mode is on: "${request.summary}" was not sent. Turn it off in Settings to make changes.`;
        setStatus({ ok: false, text });
        return { ok: false, error: new Error(text), sent: false };
      }
      if (!settings.confirmWrites) return send(request);
      let preview: PreparedRequest | null = null;
      let previewError: unknown = null;
      try {
        preview = crisp ? crisp.buildRequest(request.endpoint as never, request.params as never) : null;
      } catch (error) {
        previewError = error;
      }
      return new Promise((resolve) => setPending({ request, preview, previewError, resolve }));
    },
  };

  const close = (result: WriteResult | null) => {
    const p = pending;
    setPending(null);
    p?.resolve(result);
  };

  return (
    <WriterContext.Provider value={writer}>
      {children}
      <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onCancel={(e) => {
        e.preventDefault();
        if (!inFlight.current) close(null);
      }}>
        {pending && (
          <form method="dialog" onSubmit={async (e) => {
            e.preventDefault();
            if (inFlight.current || pending.previewError) return;
            const result = await send(pending.request);
            close(result);
          }}>
            <h2 id="confirm-title">{pending.request.summary}?</h2>
            <p class="muted">This changes it in Crisp for everyone on the team, as soon as you confirm.</p>
            {pending.preview && (
              <details class="request">
                <summary>The exact request (key redacted)</summary>
                <pre class="preview" aria-label="Request preview">
                  {`${pending.preview.method} ${pending.preview.url}`}
                  {pending.preview.body ? `\n\n${pretty(pending.preview.body)}` : ""}
                </pre>
              </details>
            )}
            {pending.previewError ? <p class="note error">{describeError(pending.previewError)}</p> : null}
            <div class="row end">
              <button type="button" disabled={busy} onClick={() => close(null)} autofocus>
                Cancel
              </button>
              <button type="submit" class="primary" disabled={busy || Boolean(pending.previewError)}>
                {busy ? "Sending…" : "Confirm"}
              </button>
            </div>
          </form>
        )}
      </dialog>
    </WriterContext.Provider>
  );
}

/**
 * The last write's outcome, in the panel's header: part of the layout, so it pushes the content
 * down instead of covering it, and stays in view while the panel scrolls.
 */
export function WriteStatus() {
  const { status, dismiss } = useWriter();
  if (!status) return null;
  return (
    <div class={`toast ${status.ok ? "ok" : "error"}`} role="status">
      <span>{status.text}</span>
      <button type="button" class="link" aria-label="Dismiss" onClick={dismiss}>
        ✕
      </button>
    </div>
  );
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
