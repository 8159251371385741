// `npx crisp-kit mcp`: the whole Crisp REST API as Model Context Protocol tools, over stdio.
//
// The MCP SDK (`@modelcontextprotocol/sdk`) is an optional peer dependency: it is imported here,
// lazily, only when this command runs, and never bundled into dist.
//
// stdout is the protocol channel: nothing else is ever written there. Logs go to stderr.
import type { CrispOptions } from "../index.js";
import { loadSdk } from "./sdk.js";
import { packageVersion } from "../internal/version.js";
import { type McpSettings, parseMcpArgs } from "./settings.js";
import { capabilitiesOf, registerExtras } from "./extras.js";
import { ClientLog, LogLevels } from "./logging.js";
import { type Args, CrispTools, redactor } from "./tools.js";

const MCP_HELP = `crisp-kit mcp: Crisp as MCP tools, over stdio

Usage:
  crisp-kit mcp [--tools=tasks|compact|full] [--toolsets LIST] [--allow-writes] [--max-result-bytes N]
                [--max-pages N] [--account NAME]

  --tools=tasks        task tools (default), each one call for a whole support job:
                       crisp_inbox, crisp_conversation_context, crisp_find_people, crisp_person,
                       crisp_search_help_center, crisp_help_article, search and fetch (ChatGPT's
                       shapes); with --allow-writes also crisp_reply, crisp_set_conversation,
                       crisp_update_person (each with dry_run); plus the compact layout's three
                       tools, so the whole API stays reachable. Resources crisp://conversation/{id},
                       crisp://person/{id}; prompts triage-inbox, draft-reply-from-help-center
  --toolsets LIST      with tasks: which groups, comma-separated: inbox, people, helpdesk, api
                       (default all four; api is the three catalog tools)
  --tools=compact      three tools: crisp_search_endpoints, crisp_describe_endpoint,
                       crisp_call_endpoint; the whole catalog for a small tool list
  --tools=full         one tool per endpoint, named crisp_<id>, each with its JSON Schema
  --allow-writes       offer the tools and endpoints that change data (off: read-only, writes are
                       neither listed nor callable)
  --max-result-bytes N keep a result under N bytes: lists stop with a cursor, text is cut with a
                       marker (default 100000)
  --max-pages N        the most pages one call with all_pages may fetch (default 20)
  --account NAME       the default account (else the config file's defaultAccount)

Credentials as for \`crisp-kit call\`: CRISP_IDENTIFIER, CRISP_KEY, CRISP_TIER, CRISP_WEBSITE_ID,
CRISP_BASE_URL, and CRISP_KIT_CONFIG for several accounts. Keys never appear in tool output.

Logging: a client that sends logging/setLevel gets its tool calls' lines as notifications/message
(refused or failed: warning; each call: debug; protocol errors: error), none before; stderr has all.

Needs @modelcontextprotocol/sdk beside crisp-kit (an optional peer dependency). In a checkout of
the crisp-kit repository it is there (a dev dependency): npx crisp-kit mcp. Once crisp-kit is
published on npm: npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit mcp
MCP client setup (Claude Desktop, Cursor, VS Code): docs/MCP.md in the crisp-kit repository.
`;

const SDK_MISSING = `crisp-kit mcp needs the MCP SDK, @modelcontextprotocol/sdk, which is not installed.
It is an optional peer dependency of crisp-kit (kept out of the package to keep it small). Either
  install it beside crisp-kit:   npm install @modelcontextprotocol/sdk
  or (once crisp-kit is published on npm) run both with npx:
                                 npx -y -p crisp-kit -p @modelcontextprotocol/sdk crisp-kit mcp
`;


/** Runs `crisp-kit mcp` until stdin closes. `options` are the client options the CLI reads. */
export async function runMcp(argv: string[], options: CrispOptions): Promise<void> {
  let settings: McpSettings | null;
  try {
    settings = parseMcpArgs(argv);
  } catch (e) {
    process.stderr.write(`crisp-kit mcp: ${(e as Error).message}; see \`crisp-kit mcp --help\`\n`);
    process.exit(2);
  }
  if (settings === null) {
    process.stdout.write(MCP_HELP);
    return;
  }
  const sdk = await loadSdk(() => import("@modelcontextprotocol/sdk/server/stdio.js"));
  if (!sdk) {
    process.stderr.write(SDK_MISSING);
    process.exit(2);
  }
  const tools = new CrispTools(options, settings);
  const log = (line: string) => process.stderr.write(`crisp-kit mcp: ${line}\n`);
  if (tools.configProblem) log(`no usable credentials (${tools.configProblem}); catalog tools work, calls will fail until CRISP_IDENTIFIER/CRISP_KEY or CRISP_KIT_CONFIG are set`);

  // `logging`: the client's log level and the lines that concern it (mcp/logging.ts).
  const server = new sdk.Server({ name: "crisp-kit", version: packageVersion() }, { capabilities: capabilitiesOf(tools), instructions: tools.instructions });
  const clientLog = new ClientLog(new LogLevels(), "stdio", redactor(options), log);
  await clientLog.answerSetLevel(server);
  server.setRequestHandler(sdk.ListToolsRequestSchema, () => ({ tools: tools.tools }));
  server.setRequestHandler(sdk.CallToolRequestSchema, (request, extra) =>
    clientLog.toolCall(extra.sendNotification, request.params.name, () =>
      tools.call(request.params.name, (request.params.arguments ?? {}) as Args, extra.signal),
    ),
  );
  registerExtras(server, sdk.types, tools, (_signal, run) => run());
  let reporting = false;
  server.onerror = (error) => {
    log(`protocol error: ${error.message}`);
    // Told to the client too (one at a time: a failing stdout must not feed itself).
    if (reporting) return;
    reporting = true;
    void clientLog.send((n) => server.notification(n), "error", `protocol error: ${error.message}`).finally(() => (reporting = false));
  };

  const transport = new sdk.transport.StdioServerTransport();
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close().finally(() => process.exit(0));
  };
  process.stdin.once("end", shutdown);
  process.stdin.once("close", shutdown);
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  await server.connect(transport);
  log(
    `ready: ${tools.tools.length} tools (${settings.tools}), ${settings.allowWrites ? "writes allowed" : "read-only"}, ` +
      `accounts: ${tools.accountIds.join(", ") || "none"}`,
  );
}
