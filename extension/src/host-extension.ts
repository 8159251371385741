// The panel as a browser extension page (Chrome side panel, Firefox sidebar, or a tab in tests).
import type { Host, Store } from "./host.js";

function chromeStore(area: chrome.storage.StorageArea): Store {
  return {
    async get<T>(key: string) {
      const items = await area.get(key);
      return items[key] as T | undefined;
    },
    async set(key, value) {
      await area.set({ [key]: value });
    },
    async remove(key) {
      await area.remove(key);
    },
  };
}

/**
 * Which tab the panel follows: `?tab=ID` pins one (a panel opened in its own tab or window);
 * otherwise the active tab of the panel's window, through tab switches and the dashboard's
 * pushState navigation (tabs.onUpdated reports URL changes of app.crisp.chat tabs, which the host
 * permission lets us read, without the `tabs` permission).
 */
export function extensionHost(): Host {
  const own = chrome.runtime.getURL("");
  const pinned = Number(new URLSearchParams(location.search).get("tab")) || null;
  return {
    kind: "extension",
    // Memory-only in both browsers: Chrome 102+ and Firefox 115+ (the manifests ask for 116 and 140);
    // the end-to-end suite checks that the key lands there, and not in local, in each.
    session: chromeStore(chrome.storage.session),
    local: chromeStore(chrome.storage.local),
    watch(listener) {
      let followed: number | null = pinned;
      let windowId: number | null = null;
      let last: string | null | undefined;
      const emit = (url: string | null | undefined) => {
        const value = url ?? null;
        if (value === last) return;
        last = value;
        listener(value);
      };
      const adopt = async (tabId: number) => {
        let tab: chrome.tabs.Tab;
        try {
          tab = await chrome.tabs.get(tabId);
        } catch {
          if (tabId === followed) emit(null);
          return;
        }
        if (tab.url?.startsWith(own)) return; // the panel itself, opened as a tab
        followed = tabId;
        emit(tab.url);
      };
      const onActivated = (info: chrome.tabs.OnActivatedInfo) => {
        if (pinned === null && (windowId === null || info.windowId === windowId)) void adopt(info.tabId);
      };
      const onUpdated = (tabId: number, change: chrome.tabs.OnUpdatedInfo, tab: chrome.tabs.Tab) => {
        if (tabId !== followed) return;
        if (change.url !== undefined || change.status === "complete") emit(tab.url);
      };
      const onRemoved = (tabId: number) => {
        if (tabId === followed) emit(null);
      };
      /** Follows the active tab of the window the panel is in (a sidebar's, or its own tab's). */
      const followWindow = async (id: number | null) => {
        windowId = id;
        const [tab] = await chrome.tabs.query(windowId === null ? { active: true, lastFocusedWindow: true } : { active: true, windowId });
        if (tab?.id !== undefined) await adopt(tab.id);
        else emit(null);
      };
      // A panel opened in a tab (not a sidebar) follows its new window when its tab is moved.
      let ownTab: number | undefined;
      const onAttached = (tabId: number, info: chrome.tabs.OnAttachedInfo) => {
        if (pinned === null && tabId === ownTab) void followWindow(info.newWindowId);
      };
      chrome.tabs.onActivated.addListener(onActivated);
      chrome.tabs.onUpdated.addListener(onUpdated);
      chrome.tabs.onRemoved.addListener(onRemoved);
      chrome.tabs.onAttached.addListener(onAttached);
      void (async () => {
        if (pinned !== null) return adopt(pinned);
        ownTab = (await chrome.tabs.getCurrent().catch(() => undefined))?.id;
        const current = await chrome.windows.getCurrent().catch(() => null);
        await followWindow(current?.id ?? null);
      })();
      return () => {
        chrome.tabs.onActivated.removeListener(onActivated);
        chrome.tabs.onUpdated.removeListener(onUpdated);
        chrome.tabs.onRemoved.removeListener(onRemoved);
        chrome.tabs.onAttached.removeListener(onAttached);
      };
    },
    open(url) {
      // The `tabs` permission is not needed to navigate a tab, only to read other sites' URLs.
      const target = pinned ?? null;
      if (target !== null) void chrome.tabs.update(target, { url });
      else {
        void chrome.tabs.query({ active: true, lastFocusedWindow: true }).then(([tab]) => {
          if (tab?.id !== undefined) void chrome.tabs.update(tab.id, { url });
        });
      }
    },
    async hasOrigin(origin) {
      return chrome.permissions.contains({ origins: [`${origin}/*`] });
    },
    async requestOrigin(origin) {
      return chrome.permissions.request({ origins: [origin].flat().map((o) => `${o}/*`) });
    },
    onAccessChange(listener) {
      const changed = () => listener();
      chrome.permissions.onAdded.addListener(changed);
      chrome.permissions.onRemoved.addListener(changed);
      return () => {
        chrome.permissions.onAdded.removeListener(changed);
        chrome.permissions.onRemoved.removeListener(changed);
      };
    },
  };
}
