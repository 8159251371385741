// The settings of the MCP tools, shared by `crisp-kit mcp` (stdio) and `crisp-kit serve` (/mcp):
// the layout, writes, and the limits on one result.
import { parseArgs } from "node:util";
import { UsageError, wholeFlag } from "../internal/flags.js";

export { UsageError };

/** The command's settings, from its flags. */
export interface McpSettings {
  tools: "compact" | "full";
  allowWrites: boolean;
  maxResultBytes: number;
  maxPages: number;
  account: string | undefined;
}


export const DEFAULT_MAX_RESULT_BYTES = 100_000;
export const DEFAULT_MAX_PAGES = 20;
/** The pages one `all_pages` call fetches when it names no `max_pages`. */
export const DEFAULT_CALL_PAGES = 5;

/** Parses the flags of `crisp-kit mcp`; `null` for `--help`. Throws UsageError. */
export function parseMcpArgs(argv: string[]): McpSettings | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        tools: { type: "string" },
        "allow-writes": { type: "boolean" },
        "max-result-bytes": { type: "string" },
        "max-pages": { type: "string" },
        account: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values } = parsed;
  if (values.help) return null;
  const tools = values.tools ?? "compact";
  if (tools !== "compact" && tools !== "full") throw new UsageError(`--tools is compact or full, got \`${tools}\``);
  return {
    tools,
    allowWrites: values["allow-writes"] === true,
    maxResultBytes: wholeFlag("max-result-bytes", values["max-result-bytes"], DEFAULT_MAX_RESULT_BYTES, 256),
    maxPages: wholeFlag("max-pages", values["max-pages"], DEFAULT_MAX_PAGES, 1),
    account: values.account,
  };
}
