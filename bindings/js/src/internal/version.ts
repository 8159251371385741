// The package's version, from the package.json beside dist/ (every Node entry is bundled into
// dist/, so the path is the same from each).
import { readFileSync } from "node:fs";

let cached: string | undefined;

/** The installed crisp-kit's version, or "0.0.0" when its package.json cannot be read. */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "0.0.0";
    } catch {
      cached = "0.0.0";
    }
  }
  return cached;
}
