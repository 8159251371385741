// What every benchmark program shares: the statistics (median, quantile), the closed-loop load
// generator and the writing of its section into docs/BENCHMARKS.md. One copy, so that every table
// there is computed and placed the same way.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { root } from "../tests/js/support.mjs";

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The `q` quantile (0..1) of `xs`, nearest rank below: `xs` need not be sorted. */
export function quantile(xs, q) {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/**
 * `total` calls of `fn` by `concurrency` workers in a closed loop (bounded in count). Gives the
 * calls per second, every call's latency (ms) and this process' CPU per call (µs); `probe`, if
 * given, reads another process' CPU time (µs) before and after, reported per call as `probeUs`.
 */
export async function level(fn, concurrency, total, probe) {
  const latencies = new Float64Array(total);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const other0 = probe?.();
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const s = performance.now();
      await fn();
      latencies[i] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    rps: total / (wall / 1000),
    latencies,
    cpuUs: (cpu.user + cpu.system) / total,
    probeUs: probe ? (probe() - other0) / total : undefined,
  };
}

/**
 * `rounds` rounds of `level()` for every client at `concurrency`, `perRound` calls each, the
 * clients taking turns in an order that rotates by round, so that drift and the machine's other
 * load hit them alike. Gives one `{ [client]: level() result }` per round.
 */
export async function interleaved(clients, concurrency, rounds, perRound, probe) {
  const names = Object.keys(clients);
  const out = [];
  for (let round = 0; round < rounds; round++) {
    const measured = {};
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      measured[name] = await level(clients[name], concurrency, perRound, probe);
    }
    out.push(measured);
  }
  return out;
}

/**
 * Writes `md` (which starts with `<!-- name:start` and ends with `<!-- name:end -->\n`) into
 * docs/BENCHMARKS.md in place of the section of that name; a new section goes before the
 * `<!-- before:start` section if given and present, else at the end.
 */
export function writeSection(name, md, before) {
  const docs = join(root, "docs", "BENCHMARKS.md");
  const current = readFileSync(docs, "utf8");
  const endMark = `<!-- ${name}:end -->\n`;
  const start = current.indexOf(`<!-- ${name}:start`);
  const end = current.indexOf(endMark);
  const at = before ? current.indexOf(`<!-- ${before}:start`) : -1;
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + md + current.slice(end + endMark.length)
      : at >= 0
        ? `${current.slice(0, at)}${md}\n${current.slice(at)}`
        : `${current.trimEnd()}\n\n${md}`;
  writeFileSync(docs, next);
}
