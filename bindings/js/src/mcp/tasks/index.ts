// The task layout's tools (`--tools=tasks`, the default): a few tools that each do a whole support
// job in one call, grouped in toolsets, beside the compact layout's three catalog tools (toolset
// `api`). Built on `Crisp` through the host's TaskApi: no request is made here but by crisp-core.
import type { TaskTool, Toolset } from "./common.js";
import { HELPDESK_TOOLS } from "./helpdesk.js";
import { INBOX_TOOLS } from "./inbox.js";
import { PEOPLE_TOOLS } from "./people.js";
import { searchTools } from "./search.js";

export { ArgError, type TaskApi, type TaskTool, type Toolset } from "./common.js";

/** Every toolset, in the order tools are listed. */
export const TOOLSETS: readonly Toolset[] = ["inbox", "people", "helpdesk", "api"];

/** The task tools of these toolsets (with or without the writes), `search` and `fetch` first. */
export function taskTools(toolsets: Set<Toolset>, allowWrites: boolean): TaskTool[] {
  const all = [...searchTools(toolsets), ...INBOX_TOOLS, ...PEOPLE_TOOLS, ...HELPDESK_TOOLS];
  return all.filter((t) => (t.toolset === "search" || toolsets.has(t.toolset)) && (allowWrites || !t.write));
}
