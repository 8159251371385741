// `crisp-kit serve` as a remote MCP connector: OAuth 2.1 end to end, through real parts only. The
// gateway process (dist/cli.js) in front of the real sandbox; the MCP SDK's own client OAuth flow
// (StreamableHTTPClientTransport's authProvider, client/auth.js) discovering everything from a
// 401; the consent page in real headless Chromium (playwright-core), where the test pastes a
// gateway key; the redirect landing on the test's loopback callback. Registration both ways: DCR,
// and a Client ID Metadata Document served by the test over https on 127.0.0.1 (a self-signed
// certificate the gateway trusts through NODE_EXTRA_CA_CERTS). Node-only surface: native backend.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, auth } from "@modelcontextprotocol/sdk/client/auth.js";
import { cli, startGateway as start } from "./gateway.mjs";
import { backendName, root, startSandbox } from "./support.mjs";

const nodeBackend = backendName === "native";
const CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const running = new Set();
process.once("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});

let sandbox;
let sessionID;
let tmp;
let keysFile;
let readKey;
let writeKey;
let cert;
let cimd; // the https server of the client metadata document
let callback; // the loopback redirect target: {url, next(): Promise<URL>}
let browser;
let gw;


function sandboxEnv() {
  return { CRISP_BASE_URL: sandbox.url, CRISP_IDENTIFIER: sandbox.identifier, CRISP_KEY: sandbox.key, CRISP_TIER: "plugin", CRISP_WEBSITE_ID: sandbox.website_id };
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function startGateway(args, env = {}) {
  const gw = await start(args, { ...sandboxEnv(), NODE_EXTRA_CA_CERTS: cert.certFile, ...env });
  return { ...gw, mcp: `${gw.url}mcp` };
}

/** The loopback redirect target of the clients: records each callback it receives. */
async function startCallback() {
  const waiting = [];
  const arrived = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host}`);
    if (url.pathname === "/framer") {
      // A page of another origin that frames whatever `src` says (clickjacking attempt).
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(`<!doctype html><iframe id="f" src="${url.searchParams.get("src").replace(/"/g, "&quot;")}" width="600" height="400"></iframe>`);
    }
    res.writeHead(url.pathname === "/callback" ? 200 : 404, { "content-type": "text/plain" });
    res.end("You may close this window.");
    if (url.pathname !== "/callback") return; // the browser's /favicon.ico
    const w = waiting.shift();
    if (w) w(url);
    else arrived.push(url);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/callback`;
  return {
    url,
    origin: `http://127.0.0.1:${server.address().port}`,
    next: () => (arrived.length ? Promise.resolve(arrived.shift()) : new Promise((r) => waiting.push(r))),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

/** A self-signed certificate for 127.0.0.1 (the CIMD server's), made with openssl. */
function makeCert(dir) {
  const keyFile = join(dir, "cimd-key.pem");
  const certFile = join(dir, "cimd-cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  return { keyFile, certFile };
}

async function startCimd() {
  const docs = new Map();
  let fetches = 0;
  const server = https.createServer({ key: readFileSync(cert.keyFile), cert: readFileSync(cert.certFile) }, (req, res) => {
    fetches++;
    if (req.url === "/clients/redirect.json") {
      res.writeHead(302, { location: "/clients/crisp-test.json" });
      return res.end();
    }
    const doc = docs.get(req.url);
    if (!doc) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(typeof doc === "string" ? doc : JSON.stringify(doc));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `https://127.0.0.1:${server.address().port}`;
  return { base, docs, fetches: () => fetches, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

/** The MCP SDK's OAuthClientProvider, as an app implements it; the "browser" is real Chromium. */
class TestProvider {
  constructor({ name, metadataUrl = undefined }) {
    this.name = name;
    this.clientMetadataUrl = metadataUrl;
    this.client = undefined;
    this.stored = undefined;
    this.verifier = undefined;
    this.authorizationUrl = null;
    this.history = []; // every token set saved, in order
  }
  get redirectUrl() {
    return callback.url;
  }
  get clientMetadata() {
    return { client_name: this.name, redirect_uris: [callback.url], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info) {
    this.client = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens) {
    this.stored = tokens;
    this.history.push(tokens);
  }
  redirectToAuthorization(url) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** Opens the authorization URL in Chromium, pastes `key`, allows; resolves with the callback URL. */
async function consentInBrowser(url, key, { expectError = null } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const landed = callback.next();
    const response = await page.goto(String(url));
    trace(`consent page ${response.status()}`);
    assert.equal(response.status(), 200, "the consent page answers 200");
    await page.fill("#key", key);
    await page.click('button[value="approve"]');
    if (expectError) {
      await page.waitForSelector(".err");
      assert.match(await page.textContent(".err"), expectError);
      return { page: await page.content() };
    }
    if (process.env.OAUTH_TRACE) {
      const timer = new Promise((r) => setTimeout(r, 5000, "timeout"));
      if ((await Promise.race([landed, timer])) === "timeout") trace(`after submit: ${page.url()} ${(await page.content()).slice(0, 600)}`);
    }
    return await landed;
  } finally {
    await context.close();
  }
}

/** Connects the SDK client through the full OAuth flow: 401, discovery, registration, consent, code. */
const trace = (m) => process.env.OAUTH_TRACE && process.stderr.write(`[trace] ${m}\n`);
async function connectWithOAuth(provider, key, mcpUrl = gw.mcp) {
  const seen = [];
  const fetchFn = async (input, init) => {
    const res = await fetch(input, init);
    seen.push({ url: String(input), status: res.status, challenge: res.headers.get("www-authenticate") });
    return res;
  };
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: fetchFn });
  const client1 = new Client({ name: "oauth-test", version: "1.0.0" });
  await assert.rejects(client1.connect(first), UnauthorizedError, "no token yet: the transport asks the provider to send the person to the consent page");
  assert.ok(provider.authorizationUrl, "the SDK built an authorization URL");
  trace(`authorization URL ${provider.authorizationUrl}`);
  const landed = await consentInBrowser(provider.authorizationUrl, key);
  trace(`landed ${landed}`);
  await first.finishAuth(landed.searchParams.get("code"));
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: fetchFn });
  const client = new Client({ name: "oauth-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport, seen, landed };
}

function pkce(method = "S256") {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  return { verifier, challenge };
}

async function register(g, body) {
  const res = await fetch(`${g.url}register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** The authorization request and the consent form over plain HTTP (no browser): resolves with the code. */
async function authorizeByHttp(g, client, key, { method = "S256", redirectUri = callback.url, resource = g.mcp, extra = {}, action = "approve" } = {}) {
  const { verifier, challenge } = pkce(method);
  const q = new URLSearchParams({ response_type: "code", client_id: client.client_id, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: method, state: "st-1", resource, ...extra });
  const page = await fetch(`${g.url}authorize?${q}`, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, location: page.headers.get("location"), body: html };
  const cookie = page.headers.get("set-cookie").split(";")[0];
  const field = (name) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)[1];
  const consent = await fetch(`${g.url}consent`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: new URL(g.url).origin },
    body: new URLSearchParams({ request: field("request"), form_token: field("form_token"), key, action }),
  });
  const location = consent.headers.get("location");
  return { status: consent.status, location, code: location ? new URL(location).searchParams.get("code") : null, verifier, headers: page.headers, html };
}

async function token(g, params) {
  const res = await fetch(`${g.url}token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params) });
  return { status: res.status, body: await res.json() };
}

async function mcpList(g, accessToken, { query = "" } = {}) {
  const res = await fetch(`${g.mcp}${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
  });
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body: await res.text() };
}

describe("crisp-kit serve: OAuth 2.1 for remote MCP connectors", { skip: !nodeBackend && "the gateway runs on the Node backend only" }, () => {
  let dcrClient; // one client registered over HTTP, shared by the protocol tests

  before(async () => {
    sandbox = await startSandbox(["--seed", "1"]);
    const res = await fetch(`${sandbox.url}website/${sandbox.website_id}/conversations/1`, {
      headers: { Authorization: `Basic ${Buffer.from(`${sandbox.identifier}:${sandbox.key}`).toString("base64")}`, "X-Crisp-Tier": "plugin" },
    });
    sessionID = (await res.json()).data[0].session_id;
    tmp = mkdtempSync(join(tmpdir(), "crisp-kit-oauth-"));
    keysFile = join(tmp, "keys.json");
    readKey = (await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "reader", "--scope", "read"])).stdout.trim();
    writeKey = (await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "writer", "--scope", "write"])).stdout.trim();
    cert = makeCert(tmp);
    cimd = await startCimd();
    callback = await startCallback();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    gw = await startGateway(["--keys", keysFile, "--allow-writes", "--oauth-cimd-loopback"]);
    dcrClient = (await register(gw, { client_name: "protocol tests", redirect_uris: [callback.url] })).body;
  });

  after(async () => {
    await browser?.close();
    await gw?.stop();
    await cimd?.close();
    await callback?.close();
    await sandbox?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the SDK's client by DCR: 401 -> metadata -> register -> consent in Chromium -> read tool; a write is 403 insufficient_scope; refresh rotates, reuse revokes the grant", async () => {
    const provider = new TestProvider({ name: "SDK client (DCR)" });
    const { client, transport, seen, landed } = await connectWithOAuth(provider, readKey);
    // Discovery started from the 401's challenge, and went through both metadata documents.
    const unauthorized = seen.find((s) => s.status === 401);
    assert.match(unauthorized.challenge, /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
    assert.match(unauthorized.challenge, /scope="crisp\.read crisp\.write"/);
    assert.ok(seen.some((s) => s.url.endsWith("/.well-known/oauth-protected-resource/mcp") && s.status === 200));
    assert.ok(seen.some((s) => s.url.endsWith("/.well-known/oauth-authorization-server") && s.status === 200));
    assert.ok(seen.some((s) => s.url.endsWith("/register") && s.status === 201), "registered by DCR");
    assert.match(provider.client.client_id, /^ckc_/);
    assert.equal(provider.client.client_secret, undefined, "a public client: no secret");
    // RFC 9207: the authorization response names its issuer.
    assert.equal(landed.searchParams.get("iss"), gw.url.replace(/\/$/, ""));
    assert.equal(provider.stored.scope, "crisp.read", "a read key gives a read grant, whatever was asked");
    assert.match(provider.stored.access_token, /^cka_/);

    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    // The default (task) layout as a read key sees it: the read tools, no write tool.
    assert.ok(tools.includes("crisp_inbox") && tools.includes("crisp_call_endpoint"), tools.join(", "));
    for (const w of ["crisp_reply", "crisp_set_conversation", "crisp_update_person"]) assert.ok(!tools.includes(w), `a read grant is offered ${w}`);
    await sandbox.clearRequests();
    const got = await client.callTool({ name: "crisp_call_endpoint", arguments: { id: "get_conversation", params: { sessionID } } });
    assert.equal(got.isError, undefined, JSON.stringify(got));
    assert.equal(JSON.parse(got.content[0].text).session_id, sessionID);
    // The sandbox saw the gateway's Crisp token, never the OAuth token.
    const upstream = await sandbox.requests();
    assert.ok(upstream.length > 0);
    assert.ok(!JSON.stringify(upstream).includes(provider.stored.access_token), "the access token is never sent upstream");

    // A write by a read grant: HTTP 403 insufficient_scope with the scope that would do; nothing sent.
    await sandbox.clearRequests();
    seen.length = 0;
    await assert.rejects(client.callTool({ name: "crisp_call_endpoint", arguments: { id: "change_conversation_state", params: { sessionID, body: { state: "resolved" } } } }));
    const refused = seen.find((s) => s.status === 403);
    assert.ok(refused, `a 403 was answered (saw ${seen.map((s) => s.status)})`);
    assert.match(refused.challenge, /error="insufficient_scope"/);
    assert.match(refused.challenge, /scope="crisp\.read crisp\.write"/);
    assert.ok(!(await sandbox.requests()).some((r) => r.method === "PATCH"), "nothing written at Crisp");
    await client.close();
    await transport.close();

    // Refresh through the SDK's own auth(): a new pair; the old refresh token is spent.
    const before = provider.stored;
    assert.equal(await auth(provider, { serverUrl: new URL(gw.mcp) }), "AUTHORIZED");
    const after = provider.stored;
    assert.notEqual(after.refresh_token, before.refresh_token, "the refresh token rotates");
    assert.notEqual(after.access_token, before.access_token);
    assert.equal((await mcpList(gw, after.access_token)).status, 200, "the new access token works");
    // Reusing the old refresh token: refused, and the whole grant is revoked with it.
    const reuse = await token(gw, { grant_type: "refresh_token", refresh_token: before.refresh_token, client_id: provider.client.client_id });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, "invalid_grant");
    assert.match(reuse.body.error_description, /already used/);
    const dead = await mcpList(gw, after.access_token);
    assert.equal(dead.status, 401, "the grant's newest access token died with it");
    assert.match(dead.challenge, /error="invalid_token"/);
    const deadRefresh = await token(gw, { grant_type: "refresh_token", refresh_token: after.refresh_token, client_id: provider.client.client_id });
    assert.equal(deadRefresh.body.error, "invalid_grant", "and its newest refresh token too");
  });

  test("the SDK's client by CIMD: a client metadata document on https://127.0.0.1, fetched by the gateway; Cursor's three redirect URIs by DCR", async () => {
    const metadataUrl = `${cimd.base}/clients/crisp-test.json`;
    cimd.docs.set("/clients/crisp-test.json", {
      client_id: metadataUrl, client_name: "SDK client (CIMD)", redirect_uris: [callback.url],
      grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none",
    });
    const provider = new TestProvider({ name: "ignored (CIMD)", metadataUrl });
    const { client, transport, seen } = await connectWithOAuth(provider, readKey);
    assert.equal(provider.client.client_id, metadataUrl, "the URL is the client_id");
    assert.ok(!seen.some((s) => s.url.endsWith("/register")), "no DCR when the server supports CIMD");
    assert.ok(cimd.fetches() >= 1, "the gateway fetched the document");
    const got = await client.callTool({ name: "crisp_call_endpoint", arguments: { id: "get_conversation", params: { sessionID } } });
    assert.equal(JSON.parse(got.content[0].text).session_id, sessionID);
    await client.close();
    await transport.close();

    // A document whose client_id is not its own URL is refused (no redirect is trusted from it).
    const liar = `${cimd.base}/clients/liar.json`;
    cimd.docs.set("/clients/liar.json", { client_id: `${cimd.base}/clients/other.json`, redirect_uris: [callback.url] });
    const refused = await authorizeByHttp(gw, { client_id: liar }, readKey);
    assert.equal(refused.status, 400);
    assert.match(refused.body, /client_id is not its own URL/);
    // http client_ids and private addresses (without the loopback allowance) are never fetched.
    const plain = await authorizeByHttp(gw, { client_id: "http://127.0.0.1:9/client.json" }, readKey);
    assert.equal(plain.status, 400);
    // Larger than 10 KB, or a redirect: refused, not followed.
    cimd.docs.set("/clients/big.json", JSON.stringify({ client_id: `${cimd.base}/clients/big.json`, redirect_uris: [callback.url], client_name: "x".repeat(11 * 1024) }));
    const big = await authorizeByHttp(gw, { client_id: `${cimd.base}/clients/big.json` }, readKey);
    assert.equal(big.status, 400);
    assert.match(big.body, /larger than 10240 bytes/);
    const moved = await authorizeByHttp(gw, { client_id: `${cimd.base}/clients/redirect.json` }, readKey);
    assert.equal(moved.status, 400);
    assert.match(moved.body, /answered HTTP 302/);

    // Cursor registers three redirect URIs at once, and fails if any is refused.
    const cursor = await register(gw, {
      client_name: "Cursor",
      redirect_uris: ["cursor://anysphere.cursor-mcp/oauth/callback", "https://www.cursor.com/agents/mcp/oauth/callback", "http://localhost:8787/callback"],
      token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], response_types: ["code"],
    });
    assert.equal(cursor.status, 201, JSON.stringify(cursor.body));
    assert.equal(cursor.body.redirect_uris.length, 3);
    for (const bad of ["http://example.com/cb", "javascript:alert(1)", "https://example.com/cb#frag", "file:///etc/passwd"]) {
      const r = await register(gw, { redirect_uris: [bad] });
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.error, "invalid_client_metadata", bad);
    }
  });

  test("PKCE: plain or missing is refused (to the redirect URI, with the state); S256 with a wrong verifier is refused at the token endpoint", async () => {
    const plain = await authorizeByHttp(gw, dcrClient, readKey, { method: "plain" });
    assert.equal(plain.status, 302);
    const p = new URL(plain.location);
    assert.equal(`${p.origin}${p.pathname}`, callback.url);
    assert.equal(p.searchParams.get("error"), "invalid_request");
    assert.equal(p.searchParams.get("state"), "st-1");
    const q = new URLSearchParams({ response_type: "code", client_id: dcrClient.client_id, redirect_uri: callback.url, state: "s" });
    const missing = await fetch(`${gw.url}authorize?${q}`, { redirect: "manual" });
    assert.equal(missing.status, 302);
    assert.equal(new URL(missing.headers.get("location")).searchParams.get("error"), "invalid_request");

    const ok = await authorizeByHttp(gw, dcrClient, readKey);
    assert.equal(ok.status, 303);
    const wrong = await token(gw, { grant_type: "authorization_code", code: ok.code, code_verifier: pkce().verifier, client_id: dcrClient.client_id, redirect_uri: callback.url });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, "invalid_grant");
    const none = await token(gw, { grant_type: "authorization_code", code: ok.code, client_id: dcrClient.client_id, redirect_uri: callback.url });
    assert.equal(none.status, 400, "no code_verifier");
    assert.equal(none.body.error, "invalid_request");
  });

  test("Deny sends access_denied (with state and iss); /revoke with a refresh token ends the grant, with an access token that token", async () => {
    const denied = await authorizeByHttp(gw, dcrClient, "", { action: "deny" });
    assert.equal(denied.status, 303);
    const d = new URL(denied.location);
    assert.equal(d.searchParams.get("error"), "access_denied");
    assert.equal(d.searchParams.get("state"), "st-1");
    assert.equal(d.searchParams.get("iss"), gw.url.replace(/\/$/, ""));
    assert.equal(d.searchParams.get("code"), null);

    const issue = async () => {
      const a = await authorizeByHttp(gw, dcrClient, readKey);
      return (await token(gw, { grant_type: "authorization_code", code: a.code, code_verifier: a.verifier, client_id: dcrClient.client_id, redirect_uri: callback.url })).body;
    };
    const revoke = (tok) => fetch(`${gw.url}revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: tok, client_id: dcrClient.client_id }) });
    const one = await issue();
    assert.equal((await revoke(one.access_token)).status, 200);
    assert.equal((await mcpList(gw, one.access_token)).status, 401, "the revoked access token");
    const fresh = await token(gw, { grant_type: "refresh_token", refresh_token: one.refresh_token, client_id: dcrClient.client_id });
    assert.equal(fresh.status, 200, "the grant itself lives on");
    assert.equal((await revoke(fresh.body.refresh_token)).status, 200);
    assert.equal((await mcpList(gw, fresh.body.access_token)).status, 401, "revoking the refresh token ended the grant");
    assert.equal((await revoke("ckr_unknown")).status, 200, "an unknown token: 200, as RFC 7009 says");
  });

  test("a redirect URI that was not registered gets 400 from the server itself, never a redirect", async () => {
    for (const uri of ["http://127.0.0.1:1/elsewhere", "https://attacker.example/cb"]) {
      const r = await authorizeByHttp(gw, dcrClient, readKey, { redirectUri: uri });
      assert.equal(r.status, 400, uri);
      assert.equal(r.location, null);
      assert.equal(JSON.parse(r.body).error, "invalid_request");
      assert.match(JSON.parse(r.body).error_description, /Unregistered redirect_uri/);
    }
    // Another port on the registered loopback callback is the same app (RFC 8252 7.3).
    const other = new URL(callback.url);
    other.port = String(Number(other.port) + 1);
    const r = await authorizeByHttp(gw, dcrClient, readKey, { redirectUri: other.href });
    assert.equal(r.status, 303);
    assert.equal(new URL(r.location).port, other.port);
  });

  test("a code works once: used twice, it is refused and the grant it made is revoked", async () => {
    const a = await authorizeByHttp(gw, dcrClient, readKey);
    const exchange = () => token(gw, { grant_type: "authorization_code", code: a.code, code_verifier: a.verifier, client_id: dcrClient.client_id, redirect_uri: callback.url, resource: gw.mcp });
    const first = await exchange();
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal((await mcpList(gw, first.body.access_token)).status, 200);
    const second = await exchange();
    assert.equal(second.status, 400);
    assert.equal(second.body.error, "invalid_grant");
    assert.equal((await mcpList(gw, first.body.access_token)).status, 401, "the tokens of that code are revoked");
  });

  test("tokens: never from the query string; a static key still works; OAuth tokens are for /mcp, not the REST proxy", async () => {
    const a = await authorizeByHttp(gw, dcrClient, readKey);
    const t = (await token(gw, { grant_type: "authorization_code", code: a.code, code_verifier: a.verifier, client_id: dcrClient.client_id, redirect_uri: callback.url })).body;
    const inQuery = await mcpList(gw, null, { query: `?access_token=${t.access_token}` });
    assert.equal(inQuery.status, 400);
    assert.match(inQuery.body, /never accepted/);
    assert.ok(!inQuery.body.includes(t.access_token), "the token is not echoed");
    const both = await mcpList(gw, t.access_token, { query: `?access_token=${t.access_token}` });
    assert.equal(both.status, 400, "a header does not make a token in the URL acceptable");
    assert.equal((await mcpList(gw, t.access_token)).status, 200);
    assert.equal((await mcpList(gw, readKey)).status, 200, "static gateway keys keep working on /mcp");
    const rest = await fetch(`${gw.url}api/crisp/get/conversation`, { method: "POST", headers: { authorization: `Bearer ${t.access_token}` }, body: JSON.stringify({ sessionID }) });
    assert.equal(rest.status, 401);
    assert.match((await rest.json()).error.message, /for \/mcp only/);
    const restKey = await fetch(`${gw.url}api/crisp/get/conversation`, { method: "POST", headers: { authorization: `Bearer ${readKey}` }, body: JSON.stringify({ sessionID }) });
    assert.equal(restKey.status, 200);
    const unknown = await mcpList(gw, "cka_notatoken");
    assert.equal(unknown.status, 401);
    assert.match(unknown.challenge, /error="invalid_token"/);
  });

  test("the consent page: CSP frame-ancestors 'none' and X-Frame-Options DENY, not rendered inside another origin's frame; no script, no external asset", async () => {
    const { challenge } = pkce();
    const q = new URLSearchParams({ response_type: "code", client_id: dcrClient.client_id, redirect_uri: callback.url, code_challenge: challenge, code_challenge_method: "S256", state: "x" });
    const url = `${gw.url}authorize?${q}`;
    // In a real browser, a page of another origin framing the consent page gets nothing.
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${callback.origin}/framer?src=${encodeURIComponent(url)}`);
      await page.waitForLoadState("load");
      const frame = page.frames().find((f) => f !== page.mainFrame());
      const hasForm = frame ? await frame.$("#key").then((h) => h !== null).catch(() => false) : false;
      assert.equal(hasForm, false, "the consent form did not render in the foreign frame");
    } finally {
      await context.close();
    }
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy");
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.match(res.headers.get("set-cookie"), /HttpOnly; SameSite=Strict/);
    const html = await res.text();
    assert.match(html, /protocol tests/, "the client's name");
    assert.match(html, /127\.0\.0\.1:\d+/, "the redirect host");
    assert.ok(!/<script|src=|href="http/i.test(html), "no script, no external asset");

  });

  test("the consent form: CSRF (the page's cookie, its own origin); a wrong key is not echoed; no key in the log", async () => {
    const { challenge } = pkce();
    const q = new URLSearchParams({ response_type: "code", client_id: dcrClient.client_id, redirect_uri: callback.url, code_challenge: challenge, code_challenge_method: "S256", state: "x" });
    const res = await fetch(`${gw.url}authorize?${q}`);
    const html = await res.text();
    // CSRF: the form's fields without the browser's cookie, or from another origin, are refused.
    const field = (name) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)[1];
    const form = new URLSearchParams({ request: field("request"), form_token: field("form_token"), key: readKey, action: "approve" });
    const noCookie = await fetch(`${gw.url}consent`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
    assert.equal(noCookie.status, 403);
    const cookie = res.headers.get("set-cookie").split(";")[0];
    const foreign = await fetch(`${gw.url}consent`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: "https://attacker.example" }, body: form });
    assert.equal(foreign.status, 403);
    // A wrong key: the page again, with the error, and without the pasted text.
    const pasted = `ckg_${"A".repeat(43)}`;
    const wrong = await fetch(`${gw.url}consent`, {
      method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ request: field("request"), form_token: field("form_token"), key: pasted, action: "approve" }),
    });
    assert.equal(wrong.status, 401);
    const wrongHtml = await wrong.text();
    assert.match(wrongHtml, /not a key of this gateway/);
    assert.ok(!wrongHtml.includes(pasted), "the pasted key is not echoed");
    const ok = await fetch(`${gw.url}consent`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie }, body: form });
    assert.equal(ok.status, 303);
    assert.ok(!gw.stderr().includes(readKey) && !gw.stderr().includes(writeKey), "no key in the gateway's log");
  });

  test("audience: a token issued for another resource (--public-url changed) is refused; grants survive a restart; keys removed and grants revoked end them", async () => {
    const port = await freePort();
    const grants = join(tmp, "audience.grants.json");
    const start = (publicUrl) => startGateway(["--port", String(port), "--keys", keysFile, "--grants", grants, "--public-url", publicUrl]);
    let g = await start(`http://127.0.0.1:${port}/`);
    try {
      const client = (await register(g, { client_name: "audience", redirect_uris: [callback.url] })).body;
      const a = await authorizeByHttp(g, client, readKey);
      const t = (await token(g, { grant_type: "authorization_code", code: a.code, code_verifier: a.verifier, client_id: client.client_id, redirect_uri: callback.url, resource: g.mcp })).body;
      assert.equal((await mcpList(g, t.access_token)).status, 200);
      const wrongTarget = await authorizeByHttp(g, client, readKey, { resource: "https://other.example/mcp" });
      assert.equal(new URL(wrongTarget.location).searchParams.get("error"), "invalid_target");
      assert.equal(statSync(grants).mode & 0o777, 0o600);
      const stored = readFileSync(grants, "utf8");
      assert.ok(!stored.includes(t.access_token) && !stored.includes(t.refresh_token) && !stored.includes(a.code) && !stored.includes(readKey), "only hashes are stored");
      await g.stop();

      g = await start(`http://127.0.0.1:${port}/`);
      assert.equal((await mcpList(g, t.access_token)).status, 200, "the grant survived the restart");
      await g.stop();

      g = await start(`http://localhost:${port}/`);
      const other = await mcpList(g, t.access_token);
      assert.equal(other.status, 401, "the token's audience is http://127.0.0.1:PORT/mcp, not http://localhost:PORT/mcp");
      assert.match(other.challenge, /error="invalid_token"/);
      assert.match(other.body, /audience/);
      await g.stop();

      g = await start(`http://127.0.0.1:${port}/`);
      const listed = await cli(["serve", "grants", "list", "--grants", grants, "--json"]);
      const list = JSON.parse(listed.stdout);
      assert.equal(list.length, 1);
      assert.equal(list[0].keyName, "reader");
      assert.equal(list[0].keyHash, undefined);
      const revoked = await cli(["serve", "grants", "revoke", "--grants", grants, "--id", list[0].id]);
      assert.equal(revoked.code, 0, revoked.stderr);
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await mcpList(g, t.access_token)).status;
      }
      assert.equal(status, 401, "a revoked grant's token stops working on the running gateway");
      await g.stop();
    } finally {
      await g.stop(); // a failed assertion leaves no gateway behind
    }
  });

  test("a grant has its key's scope and accounts, never more: a write key writes (audited as key/oauth), read asked gives read, an account-limited key stays limited", async () => {
    const call = async (accessToken, args) => {
      const res = await fetch(gw.mcp, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "crisp_call_endpoint", arguments: args } }),
      });
      return { status: res.status, body: res.status === 200 ? await res.json() : await res.text() };
    };
    const grant = async (key, scope) => {
      const a = await authorizeByHttp(gw, dcrClient, key, { extra: scope ? { scope } : {} });
      return (await token(gw, { grant_type: "authorization_code", code: a.code, code_verifier: a.verifier, client_id: dcrClient.client_id, redirect_uri: callback.url })).body;
    };
    const writer = await grant(writeKey, "crisp.read crisp.write");
    assert.equal(writer.scope, "crisp.read crisp.write");
    await sandbox.clearRequests();
    const wrote = await call(writer.access_token, { id: "change_conversation_state", params: { sessionID, body: { state: "resolved" } } });
    assert.equal(wrote.status, 200);
    assert.equal(wrote.body.result.isError, undefined, JSON.stringify(wrote.body));
    assert.ok((await sandbox.requests()).some((r) => r.method === "PATCH"), "the write reached the sandbox");
    assert.match(gw.stderr(), /"key":"writer\/oauth:[A-Za-z0-9_-]{8}"/, "the audit line names the key and the grant");

    const asked = await grant(writeKey, "crisp.read");
    assert.equal(asked.scope, "crisp.read", "the app asked for read: it gets read, even with a write key");
    assert.equal((await call(asked.access_token, { id: "change_conversation_state", params: { sessionID, body: { state: "resolved" } } })).status, 403);

    const limitedKey = (await cli(["serve", "keys", "add", "--keys", keysFile, "--name", "eu-only", "--scope", "read", "--accounts", "eu"])).stdout.trim();
    // The running gateway reads the changed keys file within a second: wait until it knows the key
    // (a REST call answers 401 for an unknown key) before the consent, whose failures are rate-limited.
    for (let i = 0; i < 80; i++) {
      const known = await fetch(`${gw.url}api/crisp/get_website`, { method: "POST", headers: { authorization: `Bearer ${limitedKey}` }, body: "{}" });
      if (known.status !== 401) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const limited = await grant(limitedKey);
    const refused = await call(limited.access_token, { id: "get_conversation", params: { sessionID } });
    assert.equal(refused.status, 200);
    assert.equal(refused.body.result.isError, true);
    assert.match(refused.body.result.content[0].text, /this key may use none of this gateway's accounts: nothing was sent/);
  });

  test("a grant ends when its gateway key is removed, and it never has more than the key (a write key on a read-only gateway gives read)", async () => {
    const keys2 = join(tmp, "keys2.json");
    const temp = (await cli(["serve", "keys", "add", "--keys", keys2, "--name", "temp", "--scope", "write"])).stdout.trim();
    const g = await startGateway(["--keys", keys2]);
    try {
      const client = (await register(g, { redirect_uris: [callback.url] })).body;
      const a = await authorizeByHttp(g, client, temp);
      const t = (await token(g, { grant_type: "authorization_code", code: a.code, code_verifier: a.verifier, client_id: client.client_id, redirect_uri: callback.url })).body;
      assert.equal(t.scope, "crisp.read", "the gateway runs read-only: a read grant");
      assert.equal((await mcpList(g, t.access_token)).status, 200);
      assert.equal((await cli(["serve", "keys", "remove", "--keys", keys2, "--name", "temp"])).code, 0);
      let res = { status: 200 };
      for (let i = 0; i < 40 && res.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await mcpList(g, t.access_token);
      }
      assert.equal(res.status, 401);
      assert.match(res.body, /was removed/);
    } finally {
      await g.stop();
    }
  });

  test("an expired access token is refused (--oauth-token-ttl 1), and the refresh token gets a new one", async () => {
    const g = await startGateway(["--keys", keysFile, "--oauth-token-ttl", "1"]);
    try {
      const client = (await register(g, { redirect_uris: [callback.url] })).body;
      const a = await authorizeByHttp(g, client, readKey);
      // This gateway has no --oauth-cimd-loopback: a client_id URL on a loopback address is never fetched.
      const before = cimd.fetches();
      cimd.docs.set("/clients/ssrf.json", { client_id: `${cimd.base}/clients/ssrf.json`, redirect_uris: [callback.url] });
      const ssrf = await authorizeByHttp(g, { client_id: `${cimd.base}/clients/ssrf.json` }, readKey);
      assert.equal(ssrf.status, 400);
      assert.match(ssrf.body, /private or reserved address/);
      assert.equal(cimd.fetches(), before, "nothing was fetched");
      const t = (await token(g, { grant_type: "authorization_code", code: a.code, code_verifier: a.verifier, client_id: client.client_id, redirect_uri: callback.url })).body;
      assert.equal(t.expires_in, 1);
      await new Promise((r) => setTimeout(r, 1200));
      const expired = await mcpList(g, t.access_token);
      assert.equal(expired.status, 401);
      assert.match(expired.challenge, /error="invalid_token"/);
      assert.match(expired.body, /expired/);
      const fresh = await token(g, { grant_type: "refresh_token", refresh_token: t.refresh_token, client_id: client.client_id });
      assert.equal(fresh.status, 200);
      assert.equal((await mcpList(g, fresh.body.access_token)).status, 200);
    } finally {
      await g.stop();
    }
  });

  test("--redis: two replicas share grants through a real redis-server (consent on one, tokens and calls on the other; reuse revokes on both)", async () => {
    const redisPort = await freePort();
    const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
    running.add(redis);
    redis.once("exit", () => running.delete(redis));
    await new Promise((resolve, reject) => {
      redis.once("error", reject);
      redis.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
      redis.stdout.on("data", (chunk) => /Ready to accept connections/.test(chunk) && resolve());
    });
    const portA = await freePort();
    // Replicas behind one public URL: both say that A's URL is the resource.
    const shared = ["--keys", keysFile, "--redis", `redis://127.0.0.1:${redisPort}`, "--public-url", `http://127.0.0.1:${portA}/`];
    const a = await startGateway(["--port", String(portA), ...shared]);
    const b = await startGateway(shared);
    try {
      const client = (await register(a, { client_name: "replicas", redirect_uris: [callback.url] })).body;
      const granted = await authorizeByHttp(a, client, readKey, { resource: a.mcp });
      assert.equal(granted.status, 303);
      const t = await token(b, { grant_type: "authorization_code", code: granted.code, code_verifier: granted.verifier, client_id: client.client_id, redirect_uri: callback.url, resource: a.mcp });
      assert.equal(t.status, 200, JSON.stringify(t.body));
      const viaB = await fetch(b.mcp, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${t.body.access_token}` }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }) });
      assert.equal(viaB.status, 200);
      const rotated = await token(a, { grant_type: "refresh_token", refresh_token: t.body.refresh_token, client_id: client.client_id });
      assert.equal(rotated.status, 200);
      const reuse = await token(b, { grant_type: "refresh_token", refresh_token: t.body.refresh_token, client_id: client.client_id });
      assert.equal(reuse.body.error, "invalid_grant");
      assert.equal((await mcpList(a, rotated.body.access_token)).status, 401, "revoked on the other replica too");
      const listed = await cli(["serve", "grants", "list", "--redis", `redis://127.0.0.1:${redisPort}`, "--json"]);
      assert.deepEqual(JSON.parse(listed.stdout), [], listed.stderr);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await new Promise((resolve) => {
        if (redis.exitCode !== null) return resolve();
        redis.once("exit", resolve);
        process.kill(redis.pid, "SIGTERM");
      });
    }
  });

  test("mcp-remote (npm), a second client nobody here wrote: it prints the authorization URL, the consent happens in Chromium, then tools over its stdio", async () => {
    // mcp-remote opens a browser through xdg-open, which honours $BROWSER: a script that does
    // nothing, so that no real browser starts; the test reads the URL it prints and uses Chromium.
    const fakeBrowser = join(tmp, "no-browser.sh");
    writeFileSync(fakeBrowser, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const callbackPort = await freePort();
    const child = spawn(process.execPath, [join(root, "node_modules/mcp-remote/dist/proxy.js"), gw.mcp, String(callbackPort)], {
      env: { PATH: process.env.PATH, HOME: tmp, MCP_REMOTE_CONFIG_DIR: join(tmp, "mcp-remote"), BROWSER: fakeBrowser },
      stdio: ["pipe", "pipe", "pipe"],
    });
    running.add(child);
    child.once("exit", () => running.delete(child));
    let stderr = "";
    const stderrHas = (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(stderr);
          if (m) {
            child.stderr.off("data", onData);
            child.off("exit", onExit);
            resolve(m);
          }
        };
        const onData = (chunk) => ((stderr += chunk), check());
        const onExit = (code) => reject(new Error(`mcp-remote exited with ${code}: ${stderr}`));
        // Bounded: a client that never prints what is awaited fails with what it did print.
        const timer = setTimeout(() => reject(new Error(`mcp-remote did not print ${re} within 60 s: ${stderr}`)), 60_000);
        timer.unref();
        child.stderr.on("data", onData);
        child.once("exit", onExit);
        check();
      });
    const answers = new Map();
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const msg = JSON.parse(line);
        if (msg.id !== undefined) answers.get(msg.id)?.(msg);
      } catch {
        // not a JSON-RPC line
      }
    });
    const rpc = (id, method, params = {}) =>
      new Promise((resolve) => {
        answers.set(id, resolve);
        child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
      });
    try {
      const [, url] = await stderrHas(/Please authorize this client by visiting:\s+(\S+)/);
      assert.match(url, /\/authorize\?.*code_challenge_method=S256/);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(url);
        await page.fill("#key", readKey);
        await page.click('button[value="approve"]');
        await page.waitForURL(new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${callbackPort}/`));
      } finally {
        await context.close();
      }
      await stderrHas(/Connected to remote server/);
      const init = await rpc(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "oauth-test-via-mcp-remote", version: "1.0.0" } });
      assert.equal(init.result.serverInfo.name, "crisp-kit");
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
      const tools = await rpc(2, "tools/list");
      assert.ok(tools.result.tools.some((t) => t.name === "crisp_call_endpoint"));
      const got = await rpc(3, "tools/call", { name: "crisp_call_endpoint", arguments: { id: "get_conversation", params: { sessionID } } });
      assert.equal(JSON.parse(got.result.content[0].text).session_id, sessionID);
      assert.ok(!stderr.includes(readKey), "the key is not in mcp-remote's output");
    } finally {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once("exit", r));
        process.kill(child.pid, "SIGTERM");
        await gone;
      }
    }
  });

  test("the consent form is rate limited per IP: the 11th wrong key in 15 minutes gets 429", async () => {
    const g = await startGateway(["--keys", keysFile]);
    try {
      const client = (await register(g, { redirect_uris: [callback.url] })).body;
      const statuses = [];
      for (let round = 0; round < 3; round++) {
        const { challenge } = pkce();
        const q = new URLSearchParams({ response_type: "code", client_id: client.client_id, redirect_uri: callback.url, code_challenge: challenge, code_challenge_method: "S256" });
        const page = await fetch(`${g.url}authorize?${q}`);
        const html = await page.text();
        const cookie = page.headers.get("set-cookie").split(";")[0];
        const field = (name) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)[1];
        for (let i = 0; i < 5; i++) {
          const r = await fetch(`${g.url}consent`, {
            method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie },
            body: new URLSearchParams({ request: field("request"), form_token: field("form_token"), key: `ckg_wrong${round}${i}`, action: "approve" }),
          });
          statuses.push(r.status);
        }
      }
      assert.deepEqual(statuses.slice(0, 10).filter((s) => s === 429), [], "the first ten are answered");
      assert.ok(statuses.slice(10).every((s) => s === 429), `then 429 (got ${statuses})`);
      // Even the right key is refused from this IP for now.
      const late = await authorizeByHttp(g, client, readKey);
      assert.equal(late.status, 429);
    } finally {
      await g.stop();
    }
  });
});
