// Preloaded (`node --import`) into the MCP conformance suite's process by conformance.test.mjs.
// The suite (0.1.16) connects with a bare StreamableHTTPClientTransport and undici's `request`,
// and has no option for an auth header; the gateway refuses every caller without a key. So this
// adds `Authorization: Bearer <key>` to each request for the gateway's origin, at the one place
// both paths meet: undici's global dispatcher (Node's own fetch dispatches through it too).
// Nothing else about a request is changed: the suite's Host and Origin headers reach the gateway
// as the suite sent them.
import { createRequire } from "node:module";
import { join } from "node:path";

const key = process.env.CRISP_KIT_CONFORMANCE_KEY;
const origin = process.env.CRISP_KIT_CONFORMANCE_ORIGIN;
const dir = process.env.CRISP_KIT_CONFORMANCE_DIR;
if (!key || !origin || !dir) throw new Error("conformance-auth.mjs needs CRISP_KIT_CONFORMANCE_KEY, _ORIGIN and _DIR");

// The suite's own undici (the version its `request` uses), not one of this checkout.
const { Agent, setGlobalDispatcher } = createRequire(join(dir, "package.json"))("undici");

function withKey(headers) {
  const auth = `Bearer ${key}`;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === "authorization") return headers;
    return [...headers, "authorization", auth];
  }
  const entries = Object.entries(headers ?? {});
  if (entries.some(([k]) => k.toLowerCase() === "authorization")) return headers;
  return { ...Object.fromEntries(entries), authorization: auth };
}

setGlobalDispatcher(
  new Agent().compose((dispatch) => (options, handler) => {
    const to = typeof options.origin === "string" ? options.origin : options.origin?.origin;
    return dispatch(to === origin ? { ...options, headers: withKey(options.headers) } : options, handler);
  }),
);
