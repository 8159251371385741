// What the socket and the web hooks share: handlers by event name, one dispatch, and the errors
// of this module, made with the CrispError class the caller hands over.
//
// Types only from the client: in the browser build the events module is its own file
// (web-events.js), and the CrispError class comes from the caller (passed in, never kept in a
// module variable), so that `instanceof CrispError` holds for its errors.
import type { CrispError, ErrorInfo } from "../client/errors.js";
import type { ErrorCode } from "../generated/catalog.generated.js";
import type { CrispEvent } from "./socket.js";

export type Handler<T> = (data: T) => void | Promise<void>;

/** The CrispError class of the package that loaded this module. */
export type ErrorClass = new (info: ErrorInfo) => CrispError;

export function parse<T>(json: string): T {
  return JSON.parse(json) as T;
}

/** The errors this module throws, as instances of the caller's CrispError class. */
export class Errors {
  constructor(readonly ErrorClass: ErrorClass) {}

  of(info: ErrorInfo): CrispError {
    return new this.ErrorClass(info);
  }

  /** The error of a core answer `{"ok": false, "error"}`, or undefined for `{"ok": true}`. */
  refusal(text: string): CrispError | undefined {
    const r = parse<{ ok: boolean; error?: ErrorInfo }>(text);
    return r.ok ? undefined : this.of(r.error!);
  }

  make(code: ErrorCode, message: string, param: string | null = null): CrispError {
    return this.of({
      code, message, endpoint: "events", param, status: null, reason: null,
      explanation: null, retryable: false, retryAfterMs: null, bloomStatus: null, data: null,
    });
  }
}

/** Calls every handler of `name`; answers whether all of them succeeded. A handler that throws is
 * surfaced as an uncaught error (never silence), and the others still run. */
export async function dispatchTo(handlers: Map<string, Set<Handler<never>>>, name: string, data: unknown): Promise<boolean> {
  let ok = true;
  for (const h of handlers.get(name) ?? []) {
    try {
      await (h as Handler<unknown>)(data);
    } catch (error) {
      ok = false;
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  return ok;
}

/** Listeners by event name, and the async iterators' queues. */
export class Dispatcher {
  readonly #handlers = new Map<string, Set<Handler<never>>>();
  readonly #queues = new Set<(e: CrispEvent | null) => void>();

  on(name: string, handler: Handler<never>): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => set!.delete(handler);
  }

  /** Feeds the iterators, then calls every handler of `name`; answers whether all of them succeeded. */
  dispatch(name: string, data: unknown): Promise<boolean> {
    for (const push of this.#queues) push({ name, data } as CrispEvent);
    return dispatchTo(this.#handlers, name, data);
  }

  async *iterate(signal: { closed: boolean; onClose(f: () => void): void }): AsyncGenerator<CrispEvent> {
    const buffer: (CrispEvent | null)[] = [];
    let wake: (() => void) | undefined;
    const push = (e: CrispEvent | null) => {
      buffer.push(e);
      wake?.();
    };
    this.#queues.add(push);
    signal.onClose(() => push(null));
    try {
      for (;;) {
        if (buffer.length === 0) {
          if (signal.closed) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        const e = buffer.shift()!;
        if (e === null) return;
        yield e;
      }
    } finally {
      this.#queues.delete(push);
    }
  }

  end(): void {
    for (const push of this.#queues) push(null);
  }
}
