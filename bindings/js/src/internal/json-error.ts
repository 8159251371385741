// Where a JSON text goes wrong, without quoting it: the files read as JSON (CRISP_KIT_CONFIG, the
// gateway's keys file) hold keys, and V8's parse errors quote the text around the fault
// (`Unexpected token 'x', "…" is not valid JSON`).

/** The offset of the first character at which `text` stops being JSON (its length when it just ends early). */
function faultAt(text: string): number {
  const at = (s: string): number | null => {
    try {
      JSON.parse(s);
      return null;
    } catch (e) {
      const m = /at position (\d+)/.exec((e as Error).message);
      if (m) return Number(m[1]);
      return /end of JSON input/.test((e as Error).message) ? s.length : -1;
    }
  };
  const first = at(text);
  if (first === null) return text.length;
  if (first >= 0) return first;
  // No position given: the shortest prefix that fails before its own end holds the fault at its
  // last character (a prefix of valid JSON only ever fails at its end). Binary search: log2(n) parses.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const p = at(text.slice(0, mid + 1));
    if (p !== null && p !== mid + 1) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** "line L, column C" of the first fault in `text`, which is not JSON: never any of its text. */
export function jsonFault(text: string): string {
  const offset = Math.min(faultAt(text), text.length);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return offset >= text.length ? `it ends early (line ${line}, column ${column})` : `line ${line}, column ${column}`;
}
