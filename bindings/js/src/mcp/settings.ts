// The settings of the MCP tools, shared by `crisp-kit mcp` (stdio) and `crisp-kit serve` (/mcp):
// the layout, writes, and the limits on one result.
import { parseArgs } from "node:util";
import { UsageError, wholeFlag } from "../internal/flags.js";
import { TOOLSETS, type Toolset } from "./tasks/index.js";

export { UsageError };

/** The command's settings, from its flags. */
export interface McpSettings {
  tools: "tasks" | "compact" | "full";
  /** The groups of tools offered (the task layout; `api` is the compact layout's three tools). */
  toolsets: Set<Toolset>;
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
        toolsets: { type: "string" },
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
  const tools = values.tools ?? "tasks";
  if (tools !== "tasks" && tools !== "compact" && tools !== "full") throw new UsageError(`--tools is tasks, compact or full, got \`${tools}\``);
  let toolsets: Set<Toolset>;
  try {
    toolsets = parseToolsets(values.toolsets ?? TOOLSETS.join(","));
  } catch (e) {
    throw new UsageError(`--toolsets: ${(e as Error).message}`);
  }
  if (values.toolsets !== undefined && tools !== "tasks") throw new UsageError(`--toolsets applies to --tools=tasks (got --tools=${tools})`);
  return {
    tools,
    toolsets,
    allowWrites: values["allow-writes"] === true,
    maxResultBytes: wholeFlag("max-result-bytes", values["max-result-bytes"], DEFAULT_MAX_RESULT_BYTES, 256),
    maxPages: wholeFlag("max-pages", values["max-pages"], DEFAULT_MAX_PAGES, 1),
    account: values.account,
  };
}

/** `inbox,people` as a set of toolsets; an unknown name is an error naming the known ones. */
export function parseToolsets(list: string): Set<Toolset> {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`name at least one toolset: ${TOOLSETS.join(", ")}`);
  for (const n of names) {
    if (!TOOLSETS.includes(n as Toolset)) throw new Error(`unknown toolset \`${n}\`; the toolsets are ${TOOLSETS.join(", ")}`);
  }
  return new Set(names as Toolset[]);
}
