// Registers the task layout's resources and prompts on an SDK server, for both hosts (stdio.ts and
// the gateway's /mcp), and says which capabilities go with them: only what is implemented.
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ArgError } from "./tasks/index.js";
import type { CrispTools } from "./tools.js";

type Types = typeof import("@modelcontextprotocol/sdk/types.js");

/** The server capabilities for these tools: tools always; resources and prompts when offered. */
export function capabilitiesOf(tools: CrispTools): { tools: Record<string, never>; logging: Record<string, never>; resources?: Record<string, never>; prompts?: Record<string, never> } {
  return {
    tools: {},
    // logging/setLevel and the lines that concern a client (mcp/logging.ts), on both servers.
    logging: {},
    ...(tools.resourceTemplates.length ? { resources: {} } : {}),
    ...(tools.prompts.length ? { prompts: {} } : {}),
  };
}

/**
 * resources/list (none listed: the two are templates), resources/templates/list, resources/read,
 * prompts/list, prompts/get. `wrap` runs the calls that reach Crisp as the host runs tool calls.
 */
export function registerExtras(server: Server, types: Types, tools: CrispTools, wrap: <T>(signal: AbortSignal, run: () => Promise<T>) => Promise<T>): void {
  const invalid = (e: unknown) => {
    if (e instanceof types.McpError) return e;
    const code = e instanceof ArgError ? types.ErrorCode.InvalidParams : types.ErrorCode.InternalError;
    return new types.McpError(code, e instanceof Error ? e.message : String(e));
  };
  if (tools.resourceTemplates.length) {
    server.setRequestHandler(types.ListResourcesRequestSchema, () => ({ resources: [] }));
    server.setRequestHandler(types.ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: tools.resourceTemplates }));
    server.setRequestHandler(types.ReadResourceRequestSchema, async (request, extra) => {
      try {
        return await wrap(extra.signal, () => tools.readResource(request.params.uri, extra.signal));
      } catch (e) {
        throw invalid(e);
      }
    });
  }
  if (tools.prompts.length) {
    server.setRequestHandler(types.ListPromptsRequestSchema, () => ({ prompts: tools.prompts }));
    server.setRequestHandler(types.GetPromptRequestSchema, (request) => {
      try {
        return tools.getPrompt(request.params.name, request.params.arguments ?? {});
      } catch (e) {
        throw invalid(e);
      }
    });
  }
}
