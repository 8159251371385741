// The gateway's counters, served at GET /metrics in Prometheus' text format (version 0.0.4). A
// handful of counters and one histogram do not need a metrics library.

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Counter {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels)) ?? 0;
  }
  render(type = "counter"): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${type}`];
    for (const [labels, v] of this.#values) lines.push(`${this.name}${labels} ${v}`);
    return lines.join("\n");
  }
}

class Gauge extends Counter {
  set(labels: Labels, value: number): void {
    this.inc(labels, value - this.get(labels));
  }
  override render(): string {
    return super.render("gauge");
  }
}

/** Seconds, from 1 ms to 30 s. */
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

class Histogram {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, seconds: number): void {
    const key = labelText(labels);
    let s = this.#series.get(key);
    if (!s) this.#series.set(key, (s = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += seconds;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.#series) {
      const inner = key.slice(1, -1);
      const join = (le: string) => `{${inner ? `${inner},` : ""}le="${le}"}`;
      BUCKETS.forEach((b, i) => lines.push(`${this.name}_bucket${join(String(b))} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${join("+Inf")} ${s.count}`);
      lines.push(`${this.name}_sum${key} ${s.sum}`);
      lines.push(`${this.name}_count${key} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class Metrics {
  /** Calls the gateway answered, by surface (rest, mcp), endpoint and HTTP status. */
  readonly calls = new Counter("crisp_gateway_calls_total", "Calls answered by the gateway, by surface, endpoint and HTTP status.");
  /** Requests refused before any endpoint: 401, bad paths, bad bodies. */
  readonly refused = new Counter("crisp_gateway_refused_total", "Requests refused before reaching an endpoint, by reason.");
  readonly upstream = new Counter("crisp_gateway_upstream_requests_total", "HTTP requests sent to Crisp, by account and status (0: no answer).");
  readonly rateLimited = new Counter("crisp_gateway_crisp_rate_limited_total", "Crisp answers 429 or 420, by account.");
  readonly retries = new Counter("crisp_gateway_retries_total", "Requests to Crisp that were retries of an earlier attempt (crisp-core decided), by account.");
  readonly queueWait = new Histogram("crisp_gateway_queue_wait_seconds", "Time a call waited for its turn, by stage (key: the caller's concurrency cap; account: the token's queue).");
  readonly inFlight = new Gauge("crisp_gateway_upstream_in_flight", "Requests to Crisp in flight, by account.");
  readonly auditFailures = new Counter("crisp_gateway_audit_failures_total", "Audit lines that could not be written to the audit file (each was logged to stderr instead).");

  render(): string {
    return `${[this.calls, this.refused, this.upstream, this.rateLimited, this.retries, this.queueWait, this.inFlight, this.auditFailures].map((m) => m.render()).join("\n")}\n`;
  }
}
