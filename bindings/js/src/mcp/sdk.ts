// The MCP SDK (@modelcontextprotocol/sdk, an optional peer dependency), loaded on first use by the
// stdio server (`crisp-kit mcp`) and the gateway (`crisp-kit serve`): one loader and one test of
// whether it is installed, each server adding its own transport module.
import { isMissingPackage } from "../internal/optional.js";

/** The SDK's parts both servers use, with the transport module the server asked for. */
export interface Sdk<Transport> {
  Server: typeof import("@modelcontextprotocol/sdk/server/index.js").Server;
  ListToolsRequestSchema: typeof import("@modelcontextprotocol/sdk/types.js").ListToolsRequestSchema;
  CallToolRequestSchema: typeof import("@modelcontextprotocol/sdk/types.js").CallToolRequestSchema;
  types: typeof import("@modelcontextprotocol/sdk/types.js");
  transport: Transport;
}

/** Whether an import failed because the optional MCP SDK is not installed. */
function isSdkMissing(error: unknown): boolean {
  return isMissingPackage(error, "@modelcontextprotocol/sdk");
}

/** The SDK with one transport module (`() => import(".../server/stdio.js")`); null when the SDK is not installed. */
export async function loadSdk<Transport>(transport: () => Promise<Transport>): Promise<Sdk<Transport> | null> {
  try {
    const [server, types, t] = await Promise.all([
      import("@modelcontextprotocol/sdk/server/index.js"),
      import("@modelcontextprotocol/sdk/types.js"),
      transport(),
    ]);
    return { Server: server.Server, ListToolsRequestSchema: types.ListToolsRequestSchema, CallToolRequestSchema: types.CallToolRequestSchema, types, transport: t };
  } catch (error) {
    if (isSdkMissing(error)) return null;
    throw error;
  }
}
