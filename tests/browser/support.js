// tests/js/support.mjs for the browser: the shared suites import it as "./support.mjs" (the page's
// import map points that here). The kit is the web build; the sandbox is one that
// tests/browser/run.mjs started (a page cannot spawn processes) and named in `globalThis.sandbox`.
export async function loadKit() {
  const kit = await import("/dist/web.js");
  await kit.init();
  return kit;
}

const vectorFiles = {
  "requests.json": await (await fetch("/vectors/requests.json")).json(),
  "responses.json": await (await fetch("/vectors/responses.json")).json(),
};

export function vectors(name) {
  return vectorFiles[name];
}

export async function startSandbox(args = []) {
  const info = globalThis.sandbox;
  if (!info || JSON.stringify(info.args) !== JSON.stringify(args)) {
    throw new Error(`run.mjs must start the sandbox with ${JSON.stringify(args)} for this suite`);
  }
  const control = info.control;
  return {
    ...info,
    options: { identifier: info.identifier, key: info.key, websiteId: info.website_id, baseUrl: info.url, tier: "plugin" },
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
    // run.mjs stops it, by pid.
    async stop() {},
  };
}
