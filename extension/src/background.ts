// Background (Chrome: service worker; Firefox: event page). Chrome: the toolbar button opens the
// side panel, and the panel is enabled on app.crisp.chat tabs only. Firefox shows its sidebar_action
// from the sidebar menu and needs nothing here.
const DASHBOARD = "https://app.crisp.chat/";

if (typeof chrome !== "undefined" && chrome.sidePanel) {
  const sidePanel = chrome.sidePanel;
  chrome.runtime.onInstalled.addListener(() => {
    void sidePanel.setPanelBehavior({ openPanelOnActionClick: true });
    void sidePanel.setOptions({ enabled: false });
  });
  const sync = (tabId: number, url: string | undefined) => {
    // Without the `tabs` permission, `url` is only visible for app.crisp.chat (host permission).
    const enabled = Boolean(url?.startsWith(DASHBOARD));
    void sidePanel.setOptions(enabled ? { tabId, path: "panel.html", enabled: true } : { tabId, enabled: false });
  };
  chrome.tabs.onUpdated.addListener((tabId, change, tab) => {
    if (change.url !== undefined || change.status === "loading") sync(tabId, tab.url);
  });
  chrome.tabs.onActivated.addListener(({ tabId }) => {
    chrome.tabs.get(tabId).then((tab) => sync(tabId, tab.url), () => undefined);
  });
}

// Firefox: the toolbar button toggles the sidebar (sidebarAction needs a user action, which a click is).
const firefox = (globalThis as { browser?: { sidebarAction?: { toggle(): Promise<void> } } }).browser;
if (firefox?.sidebarAction && typeof chrome !== "undefined" && chrome.action) {
  const sidebar = firefox.sidebarAction;
  chrome.action.onClicked.addListener(() => {
    void sidebar.toggle();
  });
}
