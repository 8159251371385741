// The handle the suites hold on a running sandbox: its connection details and its control API,
// over fetch alone, so that Node (support.mjs, which starts the binary) and a browser page
// (tests/browser/support.js, handed one that run.mjs started) share it.
export function sandboxHandle(info, stop) {
  const control = info.control ?? info.url.replace(/\/v1\/$/, "/_sandbox/");
  return {
    ...info,
    options: { identifier: info.identifier, key: info.key, websiteId: info.website_id, baseUrl: info.url, tier: "plugin" },
    /** The requests the sandbox received since the last clear. */
    async requests() {
      const body = await (await fetch(`${control}requests`)).json();
      return body.data ?? body;
    },
    async clearRequests() {
      await fetch(`${control}requests`, { method: "DELETE" });
    },
    async reset() {
      await fetch(`${control}reset`, { method: "POST" });
    },
    async control(path, init) {
      const res = await fetch(`${control}${path}`, init);
      if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    stop,
  };
}
