// Flag values shared by the commands (`mcp`, `serve`): one parser, one wording of a refusal.

/** A command-line mistake: the command prints it with its own name and exits 2. */
export class UsageError extends Error {}

/** `--flag N`: a whole number of at least `min`, or `fallback` when the flag is absent. */
export function wholeFlag(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} takes a whole number >= ${min}, got \`${text}\``);
  return n;
}
