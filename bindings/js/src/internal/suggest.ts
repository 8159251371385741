// "Did you mean": the names nearest to a mistyped one, for the CLI, the MCP tools and the gateway.
//
// Edit distance costs |a| x |b| steps, and the name being checked comes from a caller (a URL path,
// a tool argument): a 1 MiB id compared with 265 ids once blocked the event loop for 70 s, every
// other caller included. So a name longer than any candidate by more than the distance we accept
// is never compared, nothing past MAX_NAME is compared at all, and candidates whose length alone
// puts them out of reach are skipped before the table is built.

/** Names longer than this get no suggestion (the longest endpoint id is 60 characters). */
export const MAX_NAME = 128;

/** Levenshtein distance, or `limit + 1` as soon as it is certain to exceed `limit`. */
export function distance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      row[j] = d;
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * Up to three of `names` close to `name`: within a quarter of its length in edits (at least 2),
 * nearest first; else those that contain one of its words (`_`-separated, longer than three
 * letters). None for a name longer than MAX_NAME.
 */
export function nearest(name: string, names: readonly string[]): string[] {
  if (name.length === 0 || name.length > MAX_NAME) return [];
  const limit = Math.max(2, Math.floor(name.length / 4));
  const close = names
    .map((n) => ({ n, d: distance(name, n, limit) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .map(({ n }) => n);
  if (close.length) return close.slice(0, 3);
  const word = name.split("_").find((w) => w.length > 3);
  return word ? names.filter((n) => n.includes(word)).slice(0, 3) : [];
}
