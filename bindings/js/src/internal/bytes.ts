// Byte chunks joined into one array: one home for the response reader (client/crisp.ts) and the
// web hook handlers (events/hooks.ts).

/** The bytes of `chunks`, in order, as one array (the chunk itself when there is one). */
export function joinBytes(chunks: readonly Uint8Array[], length = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
