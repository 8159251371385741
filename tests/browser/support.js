// tests/js/support.mjs for the browser: the shared suites import it as "./support.mjs" (the page's
// import map points that here). The kit is the web build; the sandbox is one that
// tests/browser/run.mjs started (a page cannot spawn processes) and named in `globalThis.sandbox`.
import { sandboxHandle } from "/js/sandbox-handle.mjs";

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
  // run.mjs stops it, by pid.
  return sandboxHandle(info, async () => {});
}
