// Which endpoints are destructive: decided once, in crisp-core (`Endpoint::is_destructive`), and
// rendered into the generated catalog. The MCP tools' `destructiveHint` and the gateway's per-key
// rule (destructive endpoints are refused unless the key names them in --allow) both read it, so
// that what an agent is warned about is exactly what a key must opt into.
import type { EndpointInfo } from "../index.js";
import { DESTRUCTIVE_ENDPOINTS } from "../generated/catalog.generated.js";

/** A write that deletes, removes, blocks or undoes: data or access it destroys cannot be had back by another call. */
export function destructive(e: EndpointInfo): boolean {
  return DESTRUCTIVE_ENDPOINTS.has(e.id);
}
