/** The error record crisp-core produces; every backend hands over exactly this shape. */
import type { ErrorCode } from "../generated/catalog.generated.js";

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  endpoint: string | null;
  param: string | null;
  status: number | null;
  reason: string | null;
  explanation: string | null;
  retryable: boolean;
  retryAfterMs: number | null;
  bloomStatus: string | null;
  data: unknown;
}

/**
 * The one error crisp-kit throws, from every backend (Node and browser) and every layer (bad
 * params, read-only refusals, Crisp's answers, network failures, timeouts, cancellation).
 *
 * `code` is stable and snake_case, one of `ErrorCode` (generated from crisp-core's list, with
 * each code's meaning; `ERROR_CODES` in `crisp-kit/catalog` lists them). Messages never contain
 * a key.
 */
export class CrispError extends Error {
  /** Stable snake_case code. */
  readonly code: ErrorCode;
  /** HTTP status, when Crisp answered. */
  readonly status: number | null;
  /** Crisp's raw `reason` (`invalid_session`, `not_found`, ...), when it gave one. */
  readonly reason: string | null;
  /**
   * Crisp's own explanation of a refusal ("`query.per_page` must be between 20 and 50"), keys
   * redacted; also at the end of `message`.
   */
  readonly explanation: string | null;
  /** The endpoint id. */
  readonly endpoint: string | null;
  /** The parameter (or option) at fault, for refusals. */
  readonly param: string | null;
  /** Whether the same read may succeed later (rate limits, 5xx, network, timeouts). */
  readonly retryable: boolean;
  /** `Retry-After` in milliseconds, when Crisp sent one. */
  readonly retryAfterMs: number | null;
  /** `Bloom-Status` (Crisp's cache), when present. */
  readonly bloomStatus: string | null;
  /** The envelope's `data`, when Crisp sent one with the error. */
  readonly data: unknown;

  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = "CrispError";
    this.code = info.code;
    this.status = info.status;
    this.reason = info.reason;
    this.explanation = info.explanation ?? null;
    this.endpoint = info.endpoint;
    this.param = info.param;
    this.retryable = info.retryable;
    this.retryAfterMs = info.retryAfterMs;
    this.bloomStatus = info.bloomStatus;
    this.data = info.data;
  }
}
