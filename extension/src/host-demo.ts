// The panel inside the `npm start` demo: an iframe beside a stand-in dashboard page of the same
// origin. The page tells the panel its dashboard URL (real app.crisp.chat URL shapes) and
// navigates when the panel asks.
import { type Host, webStore } from "./host.js";

interface DemoMessage {
  type: "crisp-kit:dashboard-url";
  url: string | null;
}

export function demoHost(): Host {
  const parent = window.parent;
  return {
    kind: "demo",
    session: webStore(sessionStorage, "crisp-kit:"),
    local: webStore(localStorage, "crisp-kit:"),
    watch(listener) {
      const onMessage = (event: MessageEvent<DemoMessage>) => {
        if (event.origin !== location.origin || event.source !== parent) return;
        if (event.data?.type === "crisp-kit:dashboard-url") listener(event.data.url);
      };
      window.addEventListener("message", onMessage);
      parent.postMessage({ type: "crisp-kit:ready" }, location.origin);
      return () => window.removeEventListener("message", onMessage);
    },
    open(url) {
      parent.postMessage({ type: "crisp-kit:open", url }, location.origin);
    },
    async hasOrigin() {
      return null;
    },
    async requestOrigin() {
      return false;
    },
    onAccessChange() {
      return () => undefined;
    },
  };
}
