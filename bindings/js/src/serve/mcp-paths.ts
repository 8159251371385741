// The gateway's MCP URL paths, as GitHub's MCP server has them: /mcp (the server's toolsets),
// /mcp/readonly (no write tool whatever the key), /mcp/x/<toolset>[,<toolset>] (those toolsets),
// and /mcp/x/<toolsets>/readonly.
import { type McpSettings, parseToolsets } from "../mcp/settings.js";
import { TOOLSETS, type Toolset } from "../mcp/tasks/index.js";

export interface McpVariant {
  toolsets: Set<Toolset>;
  readonly: boolean;
  /** The cache key of the tools built for this variant (with the caller's scope). */
  id: string;
}

export const MCP_PATHS = "/mcp, /mcp/readonly, /mcp/x/<toolset>[,<toolset>] and /mcp/x/<toolsets>/readonly";

/** The variant a path names; null when the path is not an MCP path; throws an Error (a 404) for a bad one. */
export function mcpVariant(path: string, settings: McpSettings): McpVariant | null {
  if (path !== "/mcp" && !path.startsWith("/mcp/")) return null;
  const parts = path.split("/").filter(Boolean).slice(1); // after "mcp"
  let readonly = false;
  if (parts[parts.length - 1] === "readonly") {
    readonly = true;
    parts.pop();
  }
  let toolsets = settings.toolsets;
  if (parts.length === 2 && parts[0] === "x") {
    if (settings.tools !== "tasks") throw new Error(`toolsets apply to the task layout; this gateway runs --tools=${settings.tools}: use /mcp or /mcp/readonly`);
    let list: string;
    try {
      list = decodeURIComponent(parts[1] ?? "");
    } catch {
      list = parts[1] ?? "";
    }
    toolsets = parseToolsets(list);
  } else if (parts.length !== 0) {
    throw new Error(`no MCP route ${path}: the gateway serves ${MCP_PATHS}; the toolsets are ${TOOLSETS.join(", ")}`);
  }
  return { toolsets, readonly, id: `${readonly ? "ro" : "rw"}:${TOOLSETS.filter((t) => toolsets.has(t)).join(",")}` };
}
