// The gateway's Host and Origin checks (serve/origin.ts), driven over real HTTP on 127.0.0.1: the
// gateway process in front of the real sandbox, whose request log proves what reached "Crisp".
// node:http, not fetch: a test must set Host and Origin to anything, as an attacker's browser or a
// DNS-rebound name would. Node-only surface (the napi addon): runs once, with the Node backend.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { cli, cliPath, sandboxEnv, startGateway } from "./gateway.mjs";
import { backendName, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
const APP = "https://app.example.com";
const DEV = "http://localhost:5173";
const OTHER_APP = "https://b.example.org";
const PUBLIC = "https://crisp.example.com";
let sandbox;
let tmp;
let keysFile;
let key;
let gw;
let port;


/** One request to the gateway with exactly these headers (Host included); resolves {status, headers, json}. */
function raw(path, { method = "POST", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => {
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error("no answer in 30 s")));
    req.once("error", reject);
    req.end(body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body));
  });
}

const authed = () => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });

/** The three surfaces behind a key, each as a request that reaches Crisp (or the metrics) when let through. */
const surfaces = {
  rest: () => ({ path: "/api/crisp/get/website", body: {} }),
  mcp: () => ({
    path: "/mcp",
    headers: { accept: "application/json, text/event-stream" },
    body: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "crisp_call_endpoint", arguments: { id: "get_website", params: {} } } },
  }),
  metrics: () => ({ path: "/metrics", method: "GET" }),
};

async function call(surface, headers) {
  const s = surfaces[surface]();
  return raw(s.path, { method: s.method ?? "POST", headers: { ...authed(), ...s.headers, ...headers }, body: s.body });
}

before(async () => {
  if (!nodeBackend) return;
  sandbox = await startSandbox(["--seed", "16"]);
  tmp = mkdtempSync(join(tmpdir(), "crisp-kit-origin-"));
  keysFile = join(tmp, "keys.json");
  const added = await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "reader", "--scope", "read"]);
  assert.equal(added.code, 0, added.stderr);
  key = added.stdout.trim();
  gw = await startGateway(
    ["--keys", keysFile, "--public-url", `${PUBLIC}/`, "--allow-origin", `${APP},${DEV}`, "--allow-origin", OTHER_APP],
    sandboxEnv(sandbox),
  );
  port = Number(new URL(gw.url).port);
});
after(async () => {
  await gw?.stop();
  await sandbox?.stop();
  if (gw) assert.ok(!gw.stderr().includes(key), "the gateway's stderr holds the key");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("crisp-kit serve: Host and Origin checks", { skip: !nodeBackend && "the gateway is Node-only (napi addon); run with CRISP_KIT_BACKEND=native" }, () => {
  beforeEach(async () => {
    await sandbox.clearRequests();
  });

  test("each surface reaches Crisp with the key and no Origin (so the refusals below mean something)", async () => {
    for (const surface of ["rest", "mcp"]) {
      await sandbox.clearRequests();
      const r = await call(surface, {});
      assert.equal(r.status, 200, `${surface}: ${r.text}`);
      assert.ok((await sandbox.requests()).length >= 1, `${surface} sent nothing to the sandbox`);
    }
    const m = await call("metrics", {});
    assert.equal(m.status, 200, m.text);
    assert.match(m.text, /crisp_gateway_calls_total/);
  });

  test("a foreign Origin gets 403 forbidden_origin on /mcp, the REST proxy and /metrics, before the key is checked; nothing reaches Crisp", async () => {
    for (const surface of Object.keys(surfaces)) {
      for (const origin of ["https://evil.example.com", `http://127.0.0.1:${port + 1 > 65535 ? port - 1 : port + 1}`, `https://${new URL(PUBLIC).host}.evil.example`, "null"]) {
        const r = await call(surface, { origin });
        assert.equal(r.status, 403, `${surface}, Origin ${origin}: ${r.text}`);
        assert.equal(r.json?.error?.code, "forbidden_origin", `${surface}, Origin ${origin}`);
        assert.equal(r.headers["access-control-allow-origin"], undefined, `${surface}: no CORS for ${origin}`);
        if (origin === "null") assert.match(r.json.error.message, /opaque origin/);
        else assert.ok(r.json.error.message.includes(origin), r.json.error.message);
        assert.ok(!r.text.includes(key), "the answer holds the key");
      }
      // Without a key too: 403, not 401 (the Origin is looked at first).
      const s = surfaces[surface]();
      const bare = await raw(s.path, { method: s.method ?? "POST", headers: { origin: "https://evil.example.com", "content-type": "application/json", ...s.headers }, body: s.body });
      assert.equal(bare.status, 403, `${surface} without a key: ${bare.text}`);
    }
    assert.deepEqual(await sandbox.requests(), [], "a refused request reached the sandbox");
  });

  test("a foreign Host gets 421 misdirected_request on a loopback bind, on every surface; nothing reaches Crisp", async () => {
    for (const surface of Object.keys(surfaces)) {
      for (const host of [`evil.example.com:${port}`, "evil.example.com", `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, "crisp.example.org"]) {
        const r = await call(surface, { host });
        assert.equal(r.status, 421, `${surface}, Host ${host}: ${r.text}`);
        assert.equal(r.json?.error?.code, "misdirected_request", `${surface}, Host ${host}`);
        assert.ok(!r.text.includes(key), "the answer holds the key");
      }
      // The conformance suite's DNS-rebinding request: both foreign.
      const both = await call(surface, { host: "evil.example.com", origin: "http://evil.example.com" });
      assert.ok(both.status === 421 || both.status === 403, `${surface}: ${both.status}`);
    }
    assert.deepEqual(await sandbox.requests(), [], "a refused request reached the sandbox");
  });

  test("the gateway's own origins and hosts, --public-url's and each --allow-origin pass", async () => {
    const passing = [
      { origin: `http://127.0.0.1:${port}` },
      { origin: `http://localhost:${port}`, host: `localhost:${port}` },
      { origin: `http://[::1]:${port}`, host: `[::1]:${port}` },
      { host: "127.0.0.2" },
      { host: "LOCALHOST:1" },
      { origin: PUBLIC, host: new URL(PUBLIC).host },
      { origin: APP },
      { origin: DEV },
      { origin: OTHER_APP },
    ];
    for (const headers of passing) {
      for (const surface of ["rest", "mcp"]) {
        await sandbox.clearRequests();
        const r = await call(surface, headers);
        assert.equal(r.status, 200, `${surface} with ${JSON.stringify(headers)}: ${r.text}`);
        assert.ok((await sandbox.requests()).length >= 1, `${surface} with ${JSON.stringify(headers)} sent nothing`);
      }
      const m = await call("metrics", headers);
      assert.equal(m.status, 200, `/metrics with ${JSON.stringify(headers)}`);
    }
  });

  test("CORS: an --allow-origin's preflight is answered (exact origin, methods, headers, Vary), without a key", async () => {
    for (const [path, method] of [["/api/crisp/get/website", "POST"], ["/mcp", "POST"]]) {
      for (const origin of [APP, DEV, OTHER_APP]) {
        const r = await raw(path, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, content-type, mcp-protocol-version" },
        });
        assert.equal(r.status, 204, `${path} from ${origin}: ${r.text}`);
        assert.equal(r.headers["access-control-allow-origin"], origin);
        assert.match(r.headers["access-control-allow-methods"], new RegExp(`\\b${method}\\b`));
        const allowed = r.headers["access-control-allow-headers"].split(/,\s*/);
        for (const h of ["authorization", "content-type", "mcp-protocol-version", "mcp-session-id"]) assert.ok(allowed.includes(h), `${h} in ${allowed}`);
        assert.match(r.headers.vary, /\bOrigin\b/);
        assert.equal(r.headers["access-control-allow-credentials"], undefined, "no credentials mode: keys are bearer headers");
      }
    }
    // The answer itself carries the origin back, and the headers a web app needs to read.
    const r = await call("rest", { origin: APP });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers["access-control-allow-origin"], APP);
    assert.match(r.headers["access-control-expose-headers"], /retry-after/);
    assert.match(r.headers.vary, /\bOrigin\b/);
    const m = await call("mcp", { origin: DEV });
    assert.equal(m.status, 200, m.text);
    assert.equal(m.headers["access-control-allow-origin"], DEV, "/mcp's answer (written by the MCP SDK) keeps the CORS headers");
    const refused = await raw("/api/crisp/get/website", { headers: { origin: APP, "content-type": "application/json" }, body: {} });
    assert.equal(refused.status, 401, "no key");
    assert.equal(refused.headers["access-control-allow-origin"], APP, "the app can read why it was refused");
  });

  test("CORS: no CORS headers for other origins, nor for the gateway's own, nor on /metrics", async () => {
    const foreign = await raw("/api/crisp/get/website", { method: "OPTIONS", headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers["access-control-allow-origin"], undefined);
    for (const origin of [`http://127.0.0.1:${port}`, PUBLIC]) {
      const own = await call("rest", { origin, host: new URL(origin).host });
      assert.equal(own.status, 200, own.text);
      assert.equal(own.headers["access-control-allow-origin"], undefined, `${origin} is same-origin: no CORS`);
      const pre = await raw("/mcp", { method: "OPTIONS", headers: { origin, host: new URL(origin).host, "access-control-request-method": "POST" } });
      assert.equal(pre.headers["access-control-allow-origin"], undefined);
    }
    const m = await raw("/metrics", { method: "OPTIONS", headers: { origin: APP, "access-control-request-method": "GET" } });
    assert.equal(m.headers["access-control-allow-origin"], undefined, "/metrics is for Prometheus, not for web apps");
    for (const h of Object.keys(m.headers)) assert.ok(!h.startsWith("access-control-"), h);
  });

  test("/healthz answers whatever the Host and Origin", async () => {
    for (const headers of [{ origin: "https://evil.example.com" }, { host: "evil.example.com" }, { origin: "null", host: "evil.example.com" }]) {
      const r = await raw("/healthz", { method: "GET", headers });
      assert.equal(r.status, 200, `${JSON.stringify(headers)}: ${r.text}`);
      assert.equal(r.json.ok, true);
    }
  });

  test("the refusals are counted in /metrics by reason", async () => {
    await call("rest", { origin: "https://evil.example.com" });
    await call("rest", { host: "evil.example.com" });
    const m = await call("metrics", {});
    assert.match(m.text, /reason="forbidden_origin"\} [1-9]/);
    assert.match(m.text, /reason="misdirected_request"\} [1-9]/);
  });

  test("bad --public-url and --allow-origin values stop the start (exit 2), naming the flag", async () => {
    const env = sandboxEnv(sandbox);
    const cases = [
      [["--allow-origin", "*"], /--allow-origin takes exact origins, not `\*`/],
      [["--allow-origin", "null"], /--allow-origin `null` is refused/],
      [["--allow-origin", "https://app.example.com/path"], /--allow-origin takes a bare origin/],
      [["--allow-origin", "https://app.example.com?x=1"], /--allow-origin takes a bare origin/],
      [["--allow-origin", "app.example.com"], /--allow-origin takes/],
      [["--allow-origin", "ftp://app.example.com"], /--allow-origin takes http or https/],
      [["--public-url", "crisp.example.com"], /--public-url takes an absolute http\(s\) URL/],
      [["--public-url", "ftp://crisp.example.com/"], /--public-url must be http or https/],
      [["--public-url", "https://crisp.example.com/?a=b"], /--public-url must not have a query/],
      [["--public-url", "https://crisp.example.com/#x"], /--public-url must not have a fragment/],
      [["--public-url", "https://user:pw@crisp.example.com/"], /--public-url must not carry a user name/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(["serve", "--port", "0", "--keys", keysFile, ...args], env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
  });
});
