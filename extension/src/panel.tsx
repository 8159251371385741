// The sidebar: follows the dashboard tab, picks the account for its website, and shows the
// conversation, the knowledge base, the API explorer and the settings.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { Crisp, init } from "crisp-kit/web";
import { type Account, AccountStore, DEFAULT_SETTINGS, type Settings, apiOrigin, pickAccount } from "./accounts.js";
import { type DashboardContext, contextKey, parseDashboardUrl } from "./context.js";
import { PanelRtm } from "./rtm.js";
import { demoHost } from "./host-demo.js";
import { extensionHost } from "./host-extension.js";
import type { Host } from "./host.js";
import { Empty, ErrorNote } from "./ui.js";
import { ContactView, ConversationView } from "./views/Conversation.js";
import { ExplorerView } from "./views/Explorer.js";
import { KnowledgeView } from "./views/Knowledge.js";
import { SettingsView } from "./views/Settings.js";
import { WriteStatus, WriterProvider } from "./writes.js";

type Tab = "context" | "kb" | "explorer" | "settings";
const TABS: [Tab, string][] = [
  ["context", "Conversation"],
  ["kb", "Knowledge"],
  ["explorer", "API"],
  ["settings", "Settings"],
];

function App({ host }: { host: Host }) {
  const store = useMemo(() => new AccountStore(host), [host]);
  const [tab, setTab] = useState<Tab>("context");
  const [context, setContext] = useState<DashboardContext>(parseDashboardUrl(null));
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [clients, setClients] = useState<Map<string, Crisp>>(new Map());
  const [loadError, setLoadError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [access, setAccess] = useState(0);

  useEffect(() => host.onAccessChange(() => setAccess((v) => v + 1)), [host]);
  // Watched again after a change of access: a URL the panel could not read may now be readable.
  useEffect(() => host.watch((url) => setContext((prev) => {
    const next = parseDashboardUrl(url);
    return contextKey(next) === contextKey(prev) ? prev : next;
  })), [host, access]);

  useEffect(() => {
    void (async () => {
      try {
        const [list, s] = await Promise.all([store.list(), store.settings()]);
        const made = new Map<string, Crisp>();
        for (const a of list) {
          const key = await store.key(a.id);
          if (!key) continue;
          made.set(a.id, new Crisp({ identifier: a.identifier, key, tier: a.tier, websiteId: a.websiteId || undefined, baseUrl: a.baseUrl, readOnly: s.readOnly, timeoutMs: 15_000, retry: { retries: 2 } }));
        }
        setAccounts(list);
        setSettings(s);
        setClients(made);
      } catch (error) {
        setLoadError(error);
      }
    })();
  }, [store, version]);

  // Shown at once; stored, then the clients are rebuilt (read-only mode lives in them too).
  const saveSettings = (next: Settings) => {
    setSettings(next);
    void store.saveSettings(next).then(() => setVersion((v) => v + 1), setLoadError);
  };

  const websiteId = context.websiteId;
  const account = accounts ? pickAccount(accounts, websiteId) : undefined;
  const crisp = account ? clients.get(account.id) ?? null : null;
  const effectiveWebsite = websiteId ?? account?.websiteId ?? null;
  const missing = useMissingAccess(host, access, account ? apiOrigin(account.baseUrl) : null);
  // One real-time socket per panel and client: opened when a conversation is first shown, closed
  // when the client is replaced (account or settings changed) or the panel closes.
  const rtm = useMemo(() => (crisp ? new PanelRtm(crisp, account?.websiteId || undefined) : null), [crisp, account?.websiteId]);
  useEffect(() => {
    if (!rtm) return;
    const close = () => rtm.close();
    addEventListener("pagehide", close);
    return () => {
      removeEventListener("pagehide", close);
      close();
    };
  }, [rtm]);

  let body;
  if (loadError) body = <ErrorNote error={loadError} />;
  else if (!accounts) body = <p class="muted">Loading…</p>;
  else if (tab === "settings") {
    body = <SettingsView host={host} store={store} accounts={accounts} keyed={new Set(clients.keys())} settings={settings} activeId={account?.id ?? null} websiteId={websiteId} onChanged={() => setVersion((v) => v + 1)} onSettings={saveSettings} />;
  } else if (!account) {
    body = (
      <Empty title={accounts.length ? `No account for website ${websiteId}` : "Add your Crisp account"}>
        {accounts.length ? "Add an account for this website, or one that serves any website." : "The panel calls Crisp with your own token; nothing goes through a third party."}{" "}
        <button type="button" class="link" onClick={() => setTab("settings")}>
          Open Settings
        </button>
      </Empty>
    );
  } else if (!crisp) {
    body = (
      <Empty title={`Enter the key of ${account.label || account.identifier} again`}>
        It was kept for the browser session only.{" "}
        <button type="button" class="link" onClick={() => setTab("settings")}>
          Open Settings
        </button>
      </Empty>
    );
  } else if (tab === "explorer") {
    body = <ExplorerView crisp={crisp} context={context} websiteId={effectiveWebsite} />;
  } else if (tab === "kb") {
    body = effectiveWebsite ? (
      <KnowledgeView crisp={crisp} websiteId={effectiveWebsite} sessionId={context.kind === "conversation" ? context.sessionId : null} accountId={account.id} />
    ) : (
      <Empty title="Open your Crisp dashboard">The knowledge base is per website.</Empty>
    );
  } else {
    const common = { crisp, host, refreshMs: settings.refreshSeconds * 1000, accountId: account.id };
    body =
      context.kind === "conversation" ? (
        <ConversationView key={contextKey(context)} {...common} rtm={rtm} websiteId={context.websiteId} sessionId={context.sessionId} />
      ) : context.kind === "contact" ? (
        <ContactView key={contextKey(context)} {...common} websiteId={context.websiteId} peopleId={context.peopleId} />
      ) : (
        <Empty title="Open a conversation">Pick a conversation or a contact in the Crisp dashboard; this panel follows it.</Empty>
      );
  }

  // The tab list as ARIA expects: arrow keys, Home and End move between tabs.
  const onTabKey = (e: KeyboardEvent) => {
    const at = TABS.findIndex(([id]) => id === tab);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const [id] = TABS[(next + TABS.length) % TABS.length]!;
    setTab(id);
    document.getElementById(`tab-${id}`)?.focus();
  };

  return (
    <WriterProvider crisp={crisp} settings={settings}>
      <header class="top">
        <div class="brand">
          <strong>crisp-kit</strong>
          <span class="muted small" title="The account used for this website">
            {account ? account.label || account.identifier : "no account"}
          </span>
          {settings.readOnly && <span class="chip warn">read-only</span>}
        </div>
        <nav role="tablist" aria-label="Panel sections" onKeyDown={onTabKey}>
          {TABS.map(([id, label]) => (
            <button type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls="main" tabIndex={tab === id ? 0 : -1} class={tab === id ? "active" : ""} onClick={() => setTab(id)}>
              {label}
            </button>
          ))}
        </nav>
        <WriteStatus />
      </header>
      <main id="main" aria-labelledby={`tab-${tab}`} data-context={contextKey(context)}>
        {missing.length > 0 && <AccessNote host={host} missing={missing} />}
        {body}
      </main>
    </WriterProvider>
  );
}

const DASHBOARD_ORIGIN = "https://app.crisp.chat";
const CRISP_API_ORIGIN = "https://api.crisp.chat";

/**
 * The origins the panel needs but may not use: app.crisp.chat (to read which conversation is open)
 * and api.crisp.chat when the account calls it (Crisp's API answers an extension only with host
 * access). Chromium grants both at install for good; Firefox lets the user withdraw them.
 */
function useMissingAccess(host: Host, access: number, api: string | null): string[] {
  const [missing, setMissing] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    const needed = api === CRISP_API_ORIGIN ? [DASHBOARD_ORIGIN, CRISP_API_ORIGIN] : [DASHBOARD_ORIGIN];
    void Promise.all(needed.map(async (o) => ((await host.hasOrigin(o).catch(() => null)) === false ? o : null))).then((found) => {
      if (!live) return;
      const next = found.filter((o): o is string => o !== null);
      setMissing((prev) => (prev.join() === next.join() ? prev : next));
    });
    return () => {
      live = false;
    };
  }, [host, access, api]);
  return missing;
}

function AccessNote({ host, missing }: { host: Host; missing: string[] }) {
  const names = missing.map((o) => new URL(o).host).join(" and ");
  return (
    <div class="note error access" role="alert">
      <p>
        This browser does not let the panel use {names}
        {missing.includes(DASHBOARD_ORIGIN) ? ", so it cannot see which conversation is open" : ""}
        {missing.includes(CRISP_API_ORIGIN) ? `${missing.length > 1 ? " nor" : ", so it cannot"} call Crisp` : ""}.
      </p>
      <button type="button" class="primary" onClick={() => void host.requestOrigin(missing)}>
        Allow access to {names}
      </button>
    </div>
  );
}

/** The `npm start` demo serves the sandbox's credentials; the first visit adds them as an account. */
async function seedDemoAccount(host: Host) {
  const store = new AccountStore(host);
  if ((await store.list()).length) return;
  const response = await fetch("demo-account.json").catch(() => null);
  if (!response?.ok) return;
  const { key, ...account } = (await response.json()) as Account & { key: string };
  await store.save(account, key);
}

async function start() {
  const root = document.getElementById("app")!;
  const isExtension = typeof chrome !== "undefined" && Boolean(chrome.runtime?.id);
  const host = isExtension ? extensionHost() : demoHost();
  try {
    await init(new URL("crisp_kit_wasm_bg.wasm", location.href));
  } catch (error) {
    root.textContent = `crisp-kit could not start its WebAssembly core: ${(error as Error).message}`;
    return;
  }
  if (host.kind === "demo") await seedDemoAccount(host);
  root.textContent = "";
  render(<App host={host} />, root);
}

void start();
