// `npx crisp-kit`: the whole Crisp API from a shell. Credentials come from the environment; the
// key is never printed. Exit codes: 0 done, 1 Crisp refused, 2 bad usage or params (nothing was
// sent), 3 no answer (network, timeout, cancelled).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Crisp, type CrispOptions, CrispError, type EndpointInfo, type Tier } from "../index.js";
import { ERROR_CODE_INFO } from "../generated/catalog.generated.js";
import { nearest } from "../internal/suggest.js";
import { jsonFault } from "../internal/json-error.js";
import { packageVersion } from "../internal/version.js";

const HELP = `crisp-kit: the Crisp REST API v1 from a shell

Usage:
  crisp-kit --version
  crisp-kit endpoints [--search TEXT] [--json]
  crisp-kit call ENDPOINT [--param NAME=VALUE ...] [--body JSON] [--all-pages] [--dry-run] [--account NAME]
  crisp-kit mcp [--tools=compact|full] [--allow-writes] [--max-result-bytes N] [--max-pages N]
  crisp-kit serve [--port N] [--keys FILE] [--allow-writes] [--rate N/s] ...   (and serve keys add|list|remove)
  crisp-kit events [--events NAME,NAME...] [--account NAME]

  endpoints        list every endpoint (id, method, path; [w] marks writes, [d] deprecated)
    --search TEXT  only those whose id, title or path contains TEXT
    --json         the full catalog entries as JSON
  call ENDPOINT    call one endpoint and print its data as JSON
    --param K=V    a path or query parameter (repeatable); query values are read as JSON
                   when they parse (true, 20, ["a"]) and as text otherwise
    --body JSON    the JSON body
    --all-pages    walk a paged list to the end, or a conversation's messages back to the
                   first one (newest first): one JSON line per item, progress on stderr
    --dry-run      print the request instead of sending it (key redacted)
    --account NAME use this account of the config file (default: its defaultAccount)
  mcp              serve the API as Model Context Protocol tools over stdio, read-only unless
                   --allow-writes; needs @modelcontextprotocol/sdk beside crisp-kit:
                   npx crisp-kit mcp (in a checkout or a project with both installed), or
                   npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit mcp (once published)
                   (\`crisp-kit mcp --help\` for its flags; docs/MCP.md for client setup)
  serve            a self-hosted gateway: the REST proxy and MCP over HTTP, behind bearer keys
                   (\`crisp-kit serve --help\`; docs/GATEWAY.md)
  events           stream real-time events (RTM socket) as JSON lines until Ctrl-C
                   (\`crisp-kit events --help\`)

Environment:
  CRISP_IDENTIFIER, CRISP_KEY   the token (required for call)
  CRISP_TIER                    user | website | plugin (default user)
  CRISP_WEBSITE_ID              default websiteID
  CRISP_BASE_URL                default https://api.crisp.chat/v1/
  CRISP_KIT_CONFIG              a JSON file of client options, for several accounts:
                                {"accounts": {"eu": {"identifier": "...", "key": "...",
                                 "tier": "plugin", "websiteId": "..."}}, "defaultAccount": "eu"}
                                (the variables above, when set, make the account "default")

Exit codes: 0 done; 1 Crisp refused the call; 2 bad usage or parameters (nothing sent);
3 no answer (network error, timeout, cancelled).
`;

function exitCodeOf(error: CrispError): number {
  if (ERROR_CODE_INFO[error.code]?.sent === "maybe") return 3;
  return error.status === null ? 2 : 1;
}

function fail(message: string, code: number): never {
  process.stderr.write(`crisp-kit: ${message}\n`);
  process.exit(code);
}

/** Where each configuration field comes from on the command line, for error messages. */
const ENV_OF: Record<string, string> = {
  identifier: "CRISP_IDENTIFIER",
  key: "CRISP_KEY",
  tier: "CRISP_TIER",
  websiteId: "CRISP_WEBSITE_ID",
  baseUrl: "CRISP_BASE_URL",
};

/** A configuration refusal in the CLI's words: which variable to set, not only which field. */
function configHint(error: CrispError): string {
  if (error.code !== "invalid_config" || error.param === null) return error.message;
  const variable = ENV_OF[error.param];
  if (!variable) return `${error.message} (in the CRISP_KIT_CONFIG file)`;
  if (error.param === "identifier" || error.param === "key") {
    return `${error.message}: set CRISP_IDENTIFIER and CRISP_KEY (a Crisp token), or point CRISP_KIT_CONFIG at a file of accounts`;
  }
  return `${error.message}: check ${variable}`;
}

function optionsFromEnv(): CrispOptions {
  const env = process.env;
  let options: CrispOptions = {};
  if (env.CRISP_KIT_CONFIG) {
    let text = "";
    try {
      text = readFileSync(env.CRISP_KIT_CONFIG, "utf8");
    } catch (e) {
      fail(`CRISP_KIT_CONFIG: cannot read ${env.CRISP_KIT_CONFIG}: ${(e as Error).message}`, 2);
    }
    try {
      options = JSON.parse(text) as CrispOptions;
    } catch {
      // Only where: the text around the fault may be a key.
      fail(`CRISP_KIT_CONFIG: ${env.CRISP_KIT_CONFIG} is not valid JSON (${jsonFault(text)})`, 2);
    }
  }
  if (env.CRISP_IDENTIFIER) options.identifier = env.CRISP_IDENTIFIER;
  if (env.CRISP_KEY) options.key = env.CRISP_KEY;
  if (env.CRISP_TIER) options.tier = env.CRISP_TIER as Tier;
  if (env.CRISP_WEBSITE_ID) options.websiteId = env.CRISP_WEBSITE_ID;
  if (env.CRISP_BASE_URL) options.baseUrl = env.CRISP_BASE_URL;
  return options;
}

/**
 * A conversation's whole history for `--all-pages`, newest first (what `crisp.messages` yields),
 * in batches for the progress line. Only the parameters `messages` takes apply.
 */
async function* messagePages(crisp: Crisp, id: string, params: Record<string, unknown>, call: { account?: string }): AsyncGenerator<unknown[]> {
  const { sessionID, websiteID, query, ...rest } = params as { sessionID?: unknown; websiteID?: unknown; query?: Record<string, unknown> };
  const { timestamp_before: before, ...restQuery } = query ?? {};
  const extra = [...Object.keys(rest), ...Object.keys(restQuery).map((k) => `query.${k}`)];
  if (extra.length) fail(`${id}: with --all-pages, only sessionID, websiteID and timestamp_before apply (got \`${extra[0]}\`)`, 2);
  if (typeof sessionID !== "string" || !sessionID) fail(`${id}: missing required parameter \`sessionID\``, 2);
  if (before !== undefined && typeof before !== "number") fail(`${id}: timestamp_before must be a number (milliseconds)`, 2);
  // Batches of 20 (Crisp's page size) only pace the progress line.
  let batch: unknown[] = [];
  for await (const message of crisp.messages(sessionID, {
    ...call,
    ...(websiteID !== undefined ? { websiteID: String(websiteID) } : {}),
    ...(before !== undefined ? { timestampBefore: before } : {}),
  })) {
    batch.push(message);
    if (batch.length === 20) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function queryValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function paramsFor(endpoint: EndpointInfo, pairs: string[], body: string | undefined): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) fail(`--param takes NAME=VALUE, got \`${pair}\``, 2);
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (endpoint.query_params.some((q) => q.name === name)) query[name] = queryValue(value);
    else params[name] = value; // path params, and anything unknown, which the core refuses by name
  }
  if (Object.keys(query).length > 0) params.query = query;
  if (body !== undefined) {
    try {
      params.body = JSON.parse(body);
    } catch (e) {
      fail(`--body is not JSON: ${(e as Error).message}`, 2);
    }
  }
  return params;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "mcp") {
    // Its own flags; the MCP SDK is loaded there, lazily (an optional peer dependency).
    const { runMcp } = await import("../mcp/stdio.js");
    return runMcp(argv.slice(1), argv.includes("--help") || argv.includes("-h") ? {} : optionsFromEnv());
  }
  if (argv[0] === "events") {
    const { runEvents } = await import("./events.js");
    const help = argv.includes("--help") || argv.includes("-h") || argv.includes("--list");
    process.exitCode = await runEvents(argv.slice(1), help ? {} : optionsFromEnv());
    return;
  }
  if (argv[0] === "serve") {
    // The gateway (REST and MCP over HTTP); docs/GATEWAY.md.
    const { runServe } = await import("../serve/index.js");
    return runServe(argv.slice(1), optionsFromEnv);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      search: { type: "string" },
      json: { type: "boolean" },
      param: { type: "string", multiple: true },
      body: { type: "string" },
      "all-pages": { type: "boolean" },
      "dry-run": { type: "boolean" },
      account: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const [command, id] = positionals;
  if (values.version) {
    process.stdout.write(`crisp-kit ${packageVersion()}\n`);
    return;
  }
  if (values.help || !command) {
    process.stdout.write(HELP);
    return;
  }
  const catalog = Crisp.endpoints();
  if (command === "endpoints") {
    const needle = values.search?.toLowerCase();
    const hits = catalog.filter(
      (e) => !needle || [e.id, e.title, e.path ?? ""].some((s) => s.toLowerCase().includes(needle)),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
    } else {
      for (const e of hits) {
        const flags = `${e.write ? "w" : " "}${e.deprecated ? "d" : " "}`;
        process.stdout.write(`${e.id.padEnd(56)} ${flags} ${(e.method ?? "-").padEnd(6)} ${e.path ?? "(client)"}\n`);
      }
    }
    return;
  }
  if (command !== "call" || !id) fail("unknown command; see `crisp-kit --help`", 2);
  const endpoint = catalog.find((e) => e.id === id);
  if (!endpoint) {
    const near = nearest(id, catalog.map((e) => e.id));
    fail(`unknown endpoint \`${id}\`${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}`, 2);
  }
  const params = paramsFor(endpoint, values.param ?? [], values.body);
  const crisp = new Crisp(optionsFromEnv());
  const call = { ...(values.account ? { account: values.account } : {}) };
  if (values["dry-run"]) {
    process.stdout.write(`${JSON.stringify(crisp.buildRequest(id as never, params as never, call), null, 2)}\n`);
    return;
  }
  if (values["all-pages"]) {
    if (endpoint.paging === "none") fail(`${id} is not a paged list; --all-pages does not apply`, 2);
    let pages = 0;
    let items = 0;
    const tty = process.stderr.isTTY === true;
    const messages = endpoint.paging === "message_cursor";
    for await (const page of messages ? messagePages(crisp, id, params, call) : crisp.pages(id as never, params as never, call)) {
      pages++;
      items += page.length;
      for (const item of page) process.stdout.write(`${JSON.stringify(item)}\n`);
      // One line rewritten in a terminal; one line per page in a log.
      const progress = messages ? `${items} messages` : `page ${pages}, ${items} items`;
      process.stderr.write(`${tty ? "\r" : ""}crisp-kit: ${id}: ${progress}${tty ? "" : "\n"}`);
    }
    const total = messages ? `${items} messages, newest first` : `${pages} pages, ${items} items`;
    process.stderr.write(`${tty ? "\r" : ""}crisp-kit: ${id}: ${total}, done\n`);
    return;
  }
  const data = await crisp.call(id as never, params as never, call);
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

// `crisp-kit endpoints | head -5`: the reader left; that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CrispError) fail(configHint(error), exitCodeOf(error));
  if (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) fail(error.message, 2);
  fail(error instanceof Error ? error.message : String(error), 2);
});
