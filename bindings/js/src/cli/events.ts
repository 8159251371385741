// `crisp-kit events`: Crisp's real-time events as JSON lines on stdout, until interrupted. Status
// (connected, reconnecting, the gap after a drop) goes to stderr; the key is never printed.
import { parseArgs } from "node:util";
import { Crisp, type CrispOptions } from "../index.js";
import type { CrispEventName } from "../generated/types.generated.js";

export const EVENTS_HELP = `crisp-kit events: Crisp's real-time events as JSON lines, until interrupted

Usage:
  crisp-kit events [--events NAME,NAME...] [--account NAME]

  --events LIST   the events to subscribe to, comma-separated (default: crisp-api's default
                  list of 81; \`crisp-kit events --list\` prints every name)
  --account NAME  the account of the config file whose token opens the socket
  --list          print the event names (default subscription first) and exit

Each event is one line on stdout: {"event": NAME, "data": PAYLOAD, "received_at": MS}.
Status lines go to stderr: connected, reconnecting (with the delay), and after a drop the time
range missed, to catch up through REST (Crisp does not replay). Stops on Ctrl-C / SIGTERM.
Exit codes: 0 stopped; 1 Crisp refused the token; 2 bad usage (nothing sent).
`;

function say(line: string): void {
  process.stderr.write(`crisp-kit: events: ${line}\n`);
}

/** Runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function runEvents(argv: string[], options: CrispOptions): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: "string" },
      account: { type: "string" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(EVENTS_HELP);
    return 0;
  }
  if (values.list) {
    const { defaultEvents, optInEvents } = Crisp.eventCatalog();
    for (const name of defaultEvents) process.stdout.write(`${name}\n`);
    for (const name of optInEvents) process.stdout.write(`${name} (not subscribed by default)\n`);
    return 0;
  }
  const events = values.events
    ?.split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "") as CrispEventName[] | undefined;
  const crisp = new Crisp(options);
  const sub = await crisp.events({ ...(events ? { events } : {}), ...(values.account ? { account: values.account } : {}) });
  return new Promise<number>((resolve) => {
    const stop = (code: number) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      sub.close();
      resolve(code);
    };
    const onSignal = () => stop(0);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    sub.onStatus((s) => {
      if (s.type === "connected") say(`connected, ${sub.events.length} events subscribed`);
      else if (s.type === "reconnecting") say(`disconnected (${s.reason}); reconnecting in ${s.delayMs} ms (attempt ${s.attempt})`);
      else if (s.type === "gap") say(`missed events from ${new Date(s.from).toISOString()} to ${new Date(s.to).toISOString()}: catch up through REST`);
      else if (s.type === "error") {
        say(s.error.message);
        stop(s.error.code === "unauthorized" ? 1 : 3);
      }
    });
    void (async () => {
      for await (const e of sub) {
        process.stdout.write(`${JSON.stringify({ event: e.name, data: e.data, received_at: Date.now() })}\n`);
      }
    })();
  });
}

