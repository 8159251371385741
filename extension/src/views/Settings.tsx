// Accounts (several; the one used is picked by the website id of the open dashboard tab) and the
// panel's settings. A key is typed once: it is never shown again, only replaced.
import { useEffect, useState } from "preact/hooks";
import { Crisp } from "crisp-kit/web";
import { type Account, type AccountStore, DEFAULT_BASE_URL, type Settings, type Tier, apiOrigin, newAccountId } from "../accounts.js";
import type { Host } from "../host.js";
import { describeError } from "../ui.js";

interface Props {
  host: Host;
  store: AccountStore;
  accounts: Account[];
  keyed: Set<string>;
  settings: Settings;
  activeId: string | null;
  websiteId: string | null;
  onChanged: () => void;
  onSettings: (settings: Settings) => void;
}

export function SettingsView(props: Props) {
  const [editing, setEditing] = useState<Account | null>(null);
  const { settings } = props;
  const update = (patch: Partial<Settings>) => props.onSettings({ ...settings, ...patch });
  if (editing) {
    return (
      <AccountForm
        {...props}
        account={editing}
        isNew={!props.accounts.some((a) => a.id === editing.id)}
        onDone={() => {
          setEditing(null);
          props.onChanged();
        }}
      />
    );
  }
  return (
    <div class="stack">
      <section class="card">
        <header class="card-head">
          <h2>Accounts</h2>
          <button
            type="button"
            class="primary"
            onClick={() => setEditing({ id: newAccountId(), label: "", identifier: "", tier: "plugin", websiteId: props.websiteId ?? "", baseUrl: DEFAULT_BASE_URL, remember: false })}
          >
            Add account
          </button>
        </header>
        {props.accounts.length ? (
          <ul class="list">
            {props.accounts.map((a) => (
              <li>
                <span>
                  <strong>{a.label || a.identifier}</strong> {a.id === props.activeId && <span class="chip ok">in use here</span>}
                  {!props.keyed.has(a.id) && <span class="chip warn" title="The key was kept for the browser session only">key needed</span>}
                  <br />
                  <span class="muted small">
                    {a.tier} · {a.websiteId ? `website ${a.websiteId}` : "any website"} · {apiOrigin(a.baseUrl) ?? a.baseUrl}
                  </span>
                </span>
                <button type="button" onClick={() => setEditing(a)} aria-label={`Edit ${a.label || a.identifier}`}>
                  Edit
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No account yet. Add the identifier and key of a Crisp token (Crisp Marketplace → your plugin → Tokens), or of the local sandbox.</p>
        )}
      </section>
      <section class="card">
        <header class="card-head">
          <h2>Safety</h2>
        </header>
        <label class="check">
          <input type="checkbox" checked={settings.confirmWrites} onChange={(e) => update({ confirmWrites: (e.target as HTMLInputElement).checked })} />
          Ask before every change (show the request first)
        </label>
        <label class="check">
          <input type="checkbox" checked={settings.readOnly} onChange={(e) => update({ readOnly: (e.target as HTMLInputElement).checked })} />
          Read-only: refuse every change
        </label>
        <label>
          <span class="label">Refresh every (seconds, while the panel is visible and the real-time connection is down)</span>
          <input
            type="number"
            min={5}
            max={600}
            value={settings.refreshSeconds}
            onChange={(e) => {
              const n = Number((e.target as HTMLInputElement).value);
              if (Number.isFinite(n) && n >= 5 && n <= 600) update({ refreshSeconds: Math.round(n) });
            }}
          />
        </label>
      </section>
    </div>
  );
}

function AccountForm(props: Props & { account: Account; isNew: boolean; onDone: () => void }) {
  const [a, setA] = useState<Account>(props.account);
  const [key, setKey] = useState("");
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const hasKey = props.keyed.has(a.id);
  const field = (name: keyof Account) => (e: Event) => setA({ ...a, [name]: (e.target as HTMLInputElement).value });
  const origin = apiOrigin(a.baseUrl);

  const problem = !a.identifier.trim() ? "identifier is required" : !origin ? "API base URL must be https (http only for 127.0.0.1 or localhost)" : !key && !hasKey ? "key is required" : null;

  const test = async () => {
    setBusy(true);
    setStatus(null);
    try {
      const secret = key || (await props.store.key(a.id));
      if (!secret) throw new Error("key is required");
      const crisp = new Crisp({ identifier: a.identifier.trim(), key: secret, tier: a.tier, baseUrl: a.baseUrl.trim(), timeoutMs: 10_000, retry: { retries: 0 } });
      if (a.websiteId.trim()) {
        const site = (await crisp.call("get_website", { websiteID: a.websiteId.trim() })) as { name?: string; domain?: string };
        setStatus({ ok: true, text: `Connected: website ${site?.name ?? a.websiteId}${site?.domain ? ` (${site.domain})` : ""}.` });
      } else {
        await crisp.call("get_connect_account");
        setStatus({ ok: true, text: "Connected." });
      }
    } catch (error) {
      setStatus({ ok: false, text: describeError(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="stack card"
      onSubmit={async (e) => {
        e.preventDefault();
        if (problem) return setStatus({ ok: false, text: problem });
        const account = { ...a, label: a.label.trim(), identifier: a.identifier.trim(), websiteId: a.websiteId.trim(), baseUrl: a.baseUrl.trim() };
        await props.store.save(account, key || undefined);
        setKey("");
        props.onDone();
      }}
    >
      <h2>{props.isNew ? "Add an account" : `Edit ${props.account.label || props.account.identifier}`}</h2>
      <label>
        <span class="label">Label</span>
        <input value={a.label} onInput={field("label")} placeholder="Support (production)" />
      </label>
      <label>
        <span class="label">Identifier</span>
        <input value={a.identifier} onInput={field("identifier")} required autocomplete="off" spellcheck={false} />
      </label>
      <label>
        <span class="label">Key {hasKey && <span class="muted">(stored; leave empty to keep it)</span>}</span>
        <input type="password" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} autocomplete="off" spellcheck={false} placeholder={hasKey ? "••••••••" : ""} required={!hasKey} />
      </label>
      <label class="check">
        <input type="checkbox" checked={a.remember} onChange={(e) => setA({ ...a, remember: (e.target as HTMLInputElement).checked })} />
        Remember the key on this device (otherwise it is forgotten when the browser closes)
      </label>
      <label>
        <span class="label">Tier</span>
        <select value={a.tier} onChange={(e) => setA({ ...a, tier: (e.target as HTMLSelectElement).value as Tier })}>
          <option value="plugin">plugin</option>
          <option value="website">website</option>
          <option value="user">user</option>
        </select>
      </label>
      <label>
        <span class="label">Website id (the dashboard tabs this account serves; empty: any)</span>
        <input value={a.websiteId} onInput={field("websiteId")} spellcheck={false} />
      </label>
      <label>
        <span class="label">API base URL</span>
        <input value={a.baseUrl} onInput={field("baseUrl")} spellcheck={false} />
      </label>
      {origin && props.host.kind === "extension" && <OriginAccess host={props.host} origin={origin} />}
      {status && (
        <p class={`note ${status.ok ? "ok" : "error"}`} role="status">
          {status.text}
        </p>
      )}
      <div class="row wrap end">
        {!props.isNew && (
          <button
            type="button"
            class="danger"
            onClick={async () => {
              if (!confirm(`Remove the account ${a.label || a.identifier} and forget its key?`)) return;
              await props.store.remove(a.id);
              props.onDone();
            }}
          >
            Remove
          </button>
        )}
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
        <button type="button" disabled={busy || Boolean(problem)} onClick={test}>
          {busy ? "Testing…" : "Test connection"}
        </button>
        <button type="submit" class="primary" disabled={Boolean(problem)}>
          Save
        </button>
      </div>
    </form>
  );
}

/**
 * api.crisp.chat needs host access (granted at install; Firefox lets the user withdraw it). Another
 * API origin (e.g. the local sandbox) works over CORS; host access also allows it without.
 */
function OriginAccess({ host, origin }: { host: Host; origin: string }) {
  const [granted, setGranted] = useState<boolean | null>(null);
  useEffect(() => {
    void host.hasOrigin(origin).then(setGranted);
    return host.onAccessChange(() => void host.hasOrigin(origin).then(setGranted));
  }, [origin]);
  if (origin === "https://api.crisp.chat") {
    if (granted !== false) return null;
    return (
      <p class="note error small">
        This browser does not let the panel call api.crisp.chat.{" "}
        <button type="button" class="link" onClick={() => host.requestOrigin(origin).then(setGranted)}>
          Allow access
        </button>
      </p>
    );
  }
  if (granted) return <p class="muted small">This panel may call {origin}.</p>;
  return (
    <p class="muted small">
      {origin} is not api.crisp.chat: calls go through CORS, which the crisp-kit sandbox allows.{" "}
      <button type="button" class="link" onClick={() => host.requestOrigin(origin).then(setGranted)}>
        Grant direct access
      </button>
    </p>
  );
}
