// A task tool's answer on the wire: `structuredContent` (checked by clients against the tool's
// outputSchema) and the same JSON as text, under the server's --max-result-bytes.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Json } from "./common.js";

/** Lists that may be shortened, and from which end: the oldest messages go first. */
const SHRINK: [key: string, fromStart: boolean][] = [
  ["messages", true],
  ["notes", true],
  ["earlier_conversations", false],
  ["conversations", false],
  ["events", false],
  ["people", false],
  ["articles", false],
  ["results", false],
];

/**
 * An answer cut to `max` bytes of JSON: list items are dropped (oldest messages first) and the
 * answer says so in `truncated`; long texts are cut last. Bounded: each round removes something.
 */
export function fitResult(result: Json, max: number): Json {
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
  if (size(result) <= max) return result;
  const out: Json = { ...result };
  const dropped: Record<string, number> = {};
  const note = () => `${Object.entries(dropped).map(([k, n]) => `${n} ${k}`).join(", ")} left out to stay under ${max} bytes (--max-result-bytes)`;
  for (const [key, fromStart] of SHRINK) {
    const list = out[key];
    if (!Array.isArray(list)) continue;
    const items = [...list];
    while (items.length > 0 && size({ ...out, [key]: items, truncated: note() }) > max) {
      if (fromStart) items.shift();
      else items.pop();
      dropped[key] = (dropped[key] ?? 0) + 1;
    }
    out[key] = items;
    if (size({ ...out, truncated: note() }) <= max) return { ...out, truncated: note() };
  }
  if (typeof out.text === "string") {
    const over = size({ ...out, truncated: note() }) - max;
    const t = out.text;
    out.text = `${t.slice(0, Math.max(0, t.length - over - 200))}… [cut: ${t.length} characters in all]`;
    dropped.text_characters = t.length - (out.text as string).length;
  }
  return { ...out, truncated: note() };
}

export function taskResult(result: Json, redact: (text: string) => string): CallToolResult {
  const text = redact(JSON.stringify(result));
  return { structuredContent: JSON.parse(text) as Json, content: [{ type: "text", text }] };
}
