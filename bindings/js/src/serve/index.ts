// `npx crisp-kit serve`: a self-hosted Crisp gateway. The seed's REST proxy and a remote MCP
// endpoint (streamable HTTP), on this machine, with this machine's Crisp keys; callers hold
// gateway keys (bearer), never Crisp's. See docs/GATEWAY.md.
import { appendFileSync, closeSync, existsSync, openSync } from "node:fs";
import { parseArgs } from "node:util";
import { Crisp, CrispError, type CrispOptions } from "../index.js";
import { UsageError, wholeFlag } from "../internal/flags.js";
import { nearest } from "../internal/suggest.js";
import { destructive } from "../mcp/annotations.js";
import { loadSdk } from "../mcp/sdk.js";
import { parseMcpArgs } from "../mcp/settings.js";
import { addKey, hashOf, KeyFileError, KeyRing, type KeyRecord, newKey, readKeys, removeKey } from "./keys.js";
import { accountQueues, connectRedis, Limiter, parseRate } from "./limiter.js";
import { Metrics } from "./metrics.js";
import { isLoopback, parseAllowOrigins, parsePublicUrl } from "./origin.js";
import { Gateway, type HttpSdk } from "./server.js";
import { grantsPathOf, runGrants } from "./oauth/cli.js";
import { DEFAULT_OAUTH, OAuthServer } from "./oauth/index.js";
import { FileStore, type OAuthStore, RedisStore, type RedisLike as OAuthRedis } from "./oauth/store.js";

const HELP = `crisp-kit serve: a self-hosted Crisp gateway (REST like the seed's proxy, and MCP over HTTP)

Usage:
  crisp-kit serve [--host 127.0.0.1] [--port 8790] [--keys FILE] [--tools tasks|compact|full]
                  [--toolsets inbox,people,helpdesk,api] [--allow-writes]
                  [--rate N/s] [--concurrency N] [--key-concurrency N] [--audit FILE|-]
                  [--max-body BYTES] [--max-queue N] [--request-timeout S] [--redis URL]
                  [--account NAME] [--max-result-bytes N] [--max-pages N]
                  [--public-url URL] [--allow-origin ORIGIN]... [--no-oauth] [--grants FILE] [--oauth-token-ttl SECONDS]
                  [--oauth-cimd-loopback]
  crisp-kit serve keys add --keys FILE --name NAME --scope read|write [--accounts a,b] [--websites w1,w2]
                  [--allow id,id] [--deny id,id] [--concurrency N]
  crisp-kit serve keys list --keys FILE [--json]
  crisp-kit serve keys remove --keys FILE --name NAME
  crisp-kit serve grants list (--keys FILE | --grants FILE | --redis URL) [--json]
  crisp-kit serve grants revoke (--keys FILE | --grants FILE | --redis URL) (--id ID | --key NAME | --client ID | --all)

Serves:
  POST /api/crisp/<endpoint>   e.g. /api/crisp/get/conversation (or /api/crisp/get_conversation), with
                               a JSON body {account?, websiteID?, <path params>, query?, body?}
  GET  /_endpoints             the catalog (also /api/crisp/_endpoints); no key needed
  POST /mcp                    MCP over streamable HTTP (stateless); needs @modelcontextprotocol/sdk.
                               A log level set with logging/setLevel holds for that key's later calls
  POST /mcp/readonly           the same without any write tool, whatever the key
  POST /mcp/x/<toolset>[,...]  only these toolsets (e.g. /mcp/x/helpdesk); add /readonly for no writes
  GET  /healthz, GET /metrics  health; Prometheus metrics (needs a key)
  OAuth 2.1 for /mcp (remote MCP connectors: Claude, ChatGPT, Cursor, VS Code): GET
  /.well-known/oauth-protected-resource[/mcp], GET /.well-known/oauth-authorization-server,
  /authorize (the consent page: paste a gateway key), POST /consent, /token, /register, /revoke
The first stdout line is one JSON object: {"url": "http://127.0.0.1:PORT/"} (--port 0: a free port).

  --host H             listen here (default 127.0.0.1); a non-loopback host needs --keys
  --port N             default 8790; 0 picks a free port
  --keys FILE          the gateway keys (made with \`keys add\`); read again when it changes. Without
                       it the gateway makes one key for this run, prints it in the first stdout line
                       ("key") and accepts no other: loopback is not a trust boundary
  --tools L            MCP layout: tasks (default: task tools, search/fetch and the 3 catalog tools),
                       compact (the 3 catalog tools) or full (one tool per endpoint)
  --toolsets LIST      with tasks: the toolsets /mcp offers (default inbox,people,helpdesk,api)
  --allow-writes       allow write endpoints, to keys with the write scope (default: read-only)
  --rate N/s           send at most N requests a second (or N/m a minute) per Crisp token, in a
                       bucket of N; default: no fixed rate, only Crisp's 429/420 pauses
  --concurrency N      requests in flight per Crisp token (default 4)
  --key-concurrency N  calls in flight per gateway key, unless the key sets its own (default 4)
  --audit FILE|-       where write audit lines go (default -: stderr)
  --max-body BYTES     the largest request body (default 1048576); a larger declared Content-Length
                       is refused (413) before any of it is read
  --max-queue N        calls that may wait per gateway key beyond its concurrency (default 64); one
                       more gets 429 queue_full with Retry-After, and nothing is sent
  --request-timeout S  seconds a client has to send a whole request (default 30; its headers within
                       10 s of it); slower clients are cut
  --redis URL          share each token's rate budget and pauses with other replicas through Redis
                       (needs the \`redis\` package beside crisp-kit). Or set REDIS_URL, which keeps
                       a password out of \`ps\`; the URL and its password are never printed
  --account NAME       the default account (else the config file's defaultAccount)
  --public-url URL     the gateway's public base URL, as clients reach it (https behind a TLS proxy):
                       OAuth's metadata, resource and redirects use it, and its origin and host
                       are accepted below. Default: the bound address
  --allow-origin O     a web app allowed to call the REST proxy and /mcp from a browser, answered
                       with CORS (an exact origin: https://app.example.com); repeatable, or a,b

  --no-oauth           no OAuth: /mcp takes gateway keys only (as before OAuth)
  --grants FILE        where OAuth grants are kept (default: beside --keys, KEYS.grants.json; without
                       --keys, in memory for this run); with --redis they live in Redis instead
  --oauth-token-ttl S  access token lifetime in seconds (default 900); refresh tokens rotate
  --oauth-cimd-loopback  let client metadata documents (client_id URLs) be fetched from loopback
                       addresses: development and tests only

Host and Origin checks (every route but /healthz, before the key is checked, nothing sent to Crisp):
a request with an Origin header that is not the gateway's own (http://127.0.0.1:PORT,
http://localhost:PORT, http://[::1]:PORT), --public-url's or an --allow-origin gets 403
forbidden_origin (Origin: null too); on a loopback --host, a Host header that is not a loopback
name or address (any port) or --public-url's host gets 421 misdirected_request. Clients that send
no Origin (scripts, MCP clients, curl) are not affected.

keys add restricts a key, beside its scope (each a comma-separated list; an empty one is refused):
  --accounts a,b       the accounts it may use (default: all)
  --websites w1,w2     the websites it may use: the websiteID of each call, given or the account's
                       own; endpoints with no website in their path are refused to it
  --allow id,id        destructive endpoints (delete, remove, block...) it may call: refused otherwise
  --deny id,id         endpoints it may never call
See docs/GATEWAY.md#security-decisions.

Credentials as for \`crisp-kit call\`: CRISP_IDENTIFIER, CRISP_KEY, CRISP_TIER, CRISP_WEBSITE_ID,
CRISP_BASE_URL, or CRISP_KIT_CONFIG for several accounts. Neither Crisp's keys nor the gateway's
are ever logged.
`;

const SERVE_SDK_MISSING =
  "/mcp needs the MCP SDK, @modelcontextprotocol/sdk, which is not installed beside crisp-kit (an optional peer dependency). " +
  "Run the gateway with both packages: npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit serve ..., " +
  "or npm install @modelcontextprotocol/sdk beside crisp-kit. The REST surface works without it.";

function log(line: string): void {
  process.stderr.write(`crisp-kit serve: ${line}\n`);
}


/**
 * A comma-separated flag: null when not given. Given but empty (`--accounts ""`, an unset
 * variable) or with an empty item (`a,,b`) is refused: it would otherwise read as "no limit".
 */
export function listFlag(name: string, value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const items = value.split(",").map((a) => a.trim());
  if (items.some((a) => a === "")) {
    throw new UsageError(`--${name} ${JSON.stringify(value)} has an empty item: give a comma-separated list of names (leave the flag out for no limit)`);
  }
  return [...new Set(items)];
}

/** A list of endpoint ids, each one in the catalog. */
function endpointList(name: string, value: string | undefined): string[] | null {
  const ids = listFlag(name, value);
  const known = Crisp.endpoints().map((e): string => e.id);
  for (const id of ids ?? []) {
    if (known.includes(id)) continue;
    const near = nearest(id, known);
    throw new UsageError(`--${name}: unknown endpoint \`${id}\`${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}`);
  }
  return ids;
}

function runKeys(argv: string[]): void {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    allowPositionals: false,
    options: {
      keys: { type: "string" },
      name: { type: "string" },
      scope: { type: "string" },
      accounts: { type: "string" },
      websites: { type: "string" },
      allow: { type: "string" },
      deny: { type: "string" },
      concurrency: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (!values.keys) throw new UsageError("--keys FILE is required");
  if (action === "add") {
    if (!values.name) throw new UsageError("keys add needs --name NAME");
    if (!values.scope) throw new UsageError("keys add needs --scope read|write");
    const concurrency = values.concurrency === undefined ? null : wholeFlag("concurrency", values.concurrency, 0, 1);
    const allow = endpointList("allow", values.allow);
    for (const id of allow ?? []) {
      const e = Crisp.endpoints().find((x) => x.id === id);
      if (e && !destructive(e)) throw new UsageError(`--allow: ${id} is not destructive, every key with the right scope may call it; --allow names destructive endpoints to let through`);
    }
    const key = addKey(values.keys, values.name, values.scope, {
      accounts: listFlag("accounts", values.accounts),
      websites: listFlag("websites", values.websites),
      allow,
      deny: endpointList("deny", values.deny),
      concurrency,
    });
    process.stdout.write(`${key}\n`);
    process.stderr.write(`crisp-kit serve: key \`${values.name}\` (${values.scope}) added to ${values.keys}; it is shown this once, only its hash is stored\n`);
    return;
  }
  if (action === "list") {
    const keys = readKeys(values.keys).map(({ hash: _hash, ...k }) => k);
    if (values.json) process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
    else {
      for (const k of keys) {
        process.stdout.write(
          `${k.name.padEnd(24)} ${k.scope.padEnd(5)} accounts: ${k.accounts?.join(",") ?? "all"}` +
            `${k.websites ? `, websites: ${k.websites.join(",")}` : ""}${k.allow ? `, allow: ${k.allow.join(",")}` : ""}${k.deny ? `, deny: ${k.deny.join(",")}` : ""}` +
            `${k.concurrency ? `, concurrency ${k.concurrency}` : ""}, created ${k.created}\n`,
        );
      }
    }
    return;
  }
  if (action === "remove") {
    if (!values.name) throw new UsageError("keys remove needs --name NAME");
    removeKey(values.keys, values.name);
    process.stderr.write(`crisp-kit serve: key \`${values.name}\` removed from ${values.keys}\n`);
    return;
  }
  throw new UsageError(`keys takes add, list or remove, got \`${action ?? ""}\``);
}

async function serve(argv: string[], options: CrispOptions): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      keys: { type: "string" },
      tools: { type: "string" },
      toolsets: { type: "string" },
      "allow-writes": { type: "boolean" },
      rate: { type: "string" },
      concurrency: { type: "string" },
      "key-concurrency": { type: "string" },
      audit: { type: "string" },
      "max-body": { type: "string" },
      "max-queue": { type: "string" },
      "request-timeout": { type: "string" },
      redis: { type: "string" },
      account: { type: "string" },
      "max-result-bytes": { type: "string" },
      "max-pages": { type: "string" },
      "public-url": { type: "string" },
      "allow-origin": { type: "string", multiple: true },
      "no-oauth": { type: "boolean" },
      grants: { type: "string" },
      "oauth-token-ttl": { type: "string" },
      "oauth-cimd-loopback": { type: "boolean" },
    },
  });
  const publicUrl = parsePublicUrl(values["public-url"]);
  const allowOrigins = parseAllowOrigins(values["allow-origin"]);
  const host = values.host ?? "127.0.0.1";
  const port = wholeFlag("port", values.port, 8790, 0);
  if (port > 65535) throw new UsageError(`--port is 0..65535, got ${port}`);
  if (!isLoopback(host) && !values.keys) {
    throw new UsageError(`--host ${host} is not a loopback address: give --keys FILE, so that only callers with a key get in`);
  }
  const accessTtlSec = wholeFlag("oauth-token-ttl", values["oauth-token-ttl"], DEFAULT_OAUTH.accessTtlSec, 1);
  let mcp;
  try {
    mcp = parseMcpArgs([
      ...(values.tools ? [`--tools=${values.tools}`] : []),
      ...(values.toolsets ? ["--toolsets", values.toolsets] : []),
      ...(values["allow-writes"] ? ["--allow-writes"] : []),
      ...(values["max-result-bytes"] ? ["--max-result-bytes", values["max-result-bytes"]] : []),
      ...(values["max-pages"] ? ["--max-pages", values["max-pages"]] : []),
      ...(values.account ? ["--account", values.account] : []),
    ]);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!mcp) throw new UsageError("unreachable: no --help here");
  let rate = null;
  try {
    rate = values.rate ? parseRate(values.rate) : null;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const concurrency = wholeFlag("concurrency", values.concurrency, 4, 1);
  const keyConcurrency = wholeFlag("key-concurrency", values["key-concurrency"], 4, 1);
  const maxBody = wholeFlag("max-body", values["max-body"], 1024 * 1024, 1024);
  const maxQueue = wholeFlag("max-queue", values["max-queue"], 64, 0);
  const requestTimeoutMs = wholeFlag("request-timeout", values["request-timeout"], 30, 1) * 1000;
  const audit = values.audit ?? "-";
  if (audit !== "-") {
    try {
      // Created readable by its owner only: the lines say who wrote what where.
      closeSync(openSync(audit, "a", 0o600));
    } catch (e) {
      throw new UsageError(`--audit ${audit}: cannot write there: ${(e as Error).message}`);
    }
  }

  // The keys: a file, or one made for this run.
  let records: KeyRecord[];
  let runKey: string | null = null;
  if (values.keys) {
    if (!existsSync(values.keys)) throw new UsageError(`--keys ${values.keys}: no such file; make one with \`crisp-kit serve keys add --keys ${values.keys} ...\``);
    records = readKeys(values.keys);
    if (records.length === 0) log(`${values.keys} holds no keys: every call will get 401 until \`keys add\``);
  } else {
    runKey = newKey();
    records = [{ name: "run", scope: "write", accounts: null, websites: null, allow: null, deny: null, concurrency: null, hash: hashOf(runKey), created: new Date().toISOString() }];
  }
  const keys = new KeyRing(values.keys ?? null, records, log);

  const sdk = await loadSdk(() => import("@modelcontextprotocol/sdk/server/streamableHttp.js"));
  // OAuth needs the SDK (its handlers) and a URL clients can reach: --public-url, or a loopback bind.
  let oauthOff: string | null = null;
  if (values["no-oauth"]) oauthOff = "off (--no-oauth)";
  else if (!sdk) oauthOff = "off (the MCP SDK is not installed)";
  else if (!publicUrl && !isLoopback(host)) oauthOff = `off: --host ${host} is not loopback, give --public-url https://... (the URL clients reach)`;
  const metrics = new Metrics();
  let redis = null;
  // REDIS_URL keeps a password out of the process list (`ps` shows flags, not the environment).
  const redisUrl = values.redis ?? process.env.REDIS_URL;
  if (redisUrl) {
    try {
      redis = await connectRedis(redisUrl, log);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  let oauth: OAuthServer | null = null;
  if (!oauthOff) {
    let store: OAuthStore;
    try {
      store = redis ? new RedisStore(redis as unknown as OAuthRedis) : new FileStore(values.grants ?? (values.keys ? grantsPathOf(values.keys) : null));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    oauth = await OAuthServer.create({
      store,
      keys,
      settings: { ...DEFAULT_OAUTH, accessTtlSec, cimdAllowLoopback: values["oauth-cimd-loopback"] === true },
      allowWrites: mcp.allowWrites,
      log,
    });
  }
  // Each account's queue, decided once from the configuration (the accounts as crisp-core lists them).
  const queues = accountQueues(options, new Crisp(options).listAccounts());
  const limiter = new Limiter({ concurrency, rate, redis, redisPrefix: "crisp-kit:limit:", queues, metrics, log });
  const gateway = new Gateway(
    options,
    { allowWrites: mcp.allowWrites, mcp, keyConcurrency, maxBody, maxQueue, requestTimeoutMs, audit, sdk, sdkMissing: SERVE_SDK_MISSING, publicUrl, allowOrigins, oauth },
    keys,
    limiter,
    metrics,
    log,
  );
  for (const k of keys.records) {
    for (const a of k.accounts ?? []) if (!gateway.accounts.some((x) => x.id === a)) log(`key \`${k.name}\` names the account \`${a}\`, which is not configured`);
  }

  await new Promise<void>((resolve, reject) => {
    gateway.server.once("error", reject);
    gateway.server.listen(port, host, () => resolve());
  });
  const address = gateway.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  oauth?.bind(publicUrl ?? new URL(`http://${urlHost}:${bound}/`));
  // The one line scripts read; the run key, when there is one, is printed here and nowhere else.
  process.stdout.write(`${JSON.stringify({ url: `http://${urlHost}:${bound}/`, ...(runKey ? { key: runKey } : {}) })}\n`);
  log(
    `listening on ${urlHost}:${bound}; ${mcp.allowWrites ? "writes allowed to write keys" : "read-only"}; ` +
      `${values.keys ? `${keys.records.length} keys from ${values.keys}` : "one key for this run (see stdout)"}; ` +
      `accounts: ${gateway.accounts.map((a) => a.id).join(", ") || "none"}; MCP: ${sdk ? `${gateway.toolCount} tools (${mcp.tools})` : "SDK not installed"}; ` +
      `${rate ? `rate ${values.rate} per token` : "no fixed rate"}, ${concurrency} in flight per token${redis ? ", shared through redis" : ""}; ` +
      `browser origins: ${gateway.allowedOrigins.join(", ") || "none (give --public-url or --allow-origin)"}; ` +
      `OAuth: ${oauth ? `on, resource ${oauth.resource}` : oauthOff}`,
  );

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    limiter.close();
    void gateway
      .close()
      .then(() => (redis ? (redis.close ?? redis.quit)?.call(redis) : undefined))
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

/** Runs `crisp-kit serve ...`. `options` are the client options the CLI reads. */
export async function runServe(argv: string[], options: () => CrispOptions): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return;
  }
  try {
    if (argv[0] === "keys") return runKeys(argv.slice(1));
    if (argv[0] === "grants") return await runGrants(argv.slice(1), async (url) => (await connectRedis(url, log)) as unknown as OAuthRedis);
    await serve(argv, options());
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || e instanceof KeyFileError || String(code).startsWith("ERR_PARSE_ARGS")) {
      log(`${(e as Error).message}; see \`crisp-kit serve --help\``);
      process.exit(2);
    }
    if (e instanceof CrispError) {
      log(`cannot start: ${e.message}`);
      process.exit(2);
    }
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      log(`cannot listen: ${(e as Error).message}`);
      process.exit(2);
    }
    throw e;
  }
}
