/**
 * Errors the client throws. An etcd error body (`{"errorCode":…}`) becomes an EtcdError with the
 * same fields; other failures are told apart by class so callers can branch without parsing text.
 *
 * @module
 */

/** etcd's v2 error codes (api/v2error/error.go) that callers commonly branch on. */
export const ErrorCode = {
  KeyNotFound: 100,
  TestFailed: 101,
  NotFile: 102,
  NotDir: 104,
  NodeExist: 105,
  RootReadOnly: 107,
  DirNotEmpty: 108,
  Unauthorized: 110,
  RaftInternal: 300,
  LeaderElect: 301,
  EventIndexCleared: 401,
} as const;

/** An etcd keys-API error: `{"errorCode","message","cause","index"}` and the HTTP status. */
export class EtcdError extends Error {
  override readonly name = "EtcdError";
  constructor(
    readonly errorCode: number,
    message: string,
    /** etcd's detail, e.g. the missing key or `[a != b]`; "" when etcd sent none. */
    override readonly cause: string,
    /** The store index when the error happened (0 for validation and auth errors). */
    readonly index: number,
    readonly status: number,
  ) {
    super(cause ? `${message} (${cause}) [${index}]` : `${message} [${index}]`);
  }
}

/** A non-keys answer that is not a success: members/auth/stats `{"message"}` errors, a proxy's 503. */
export class EtcdHttpError extends Error {
  override readonly name = "EtcdHttpError";
  constructor(readonly status: number, readonly body: string, readonly endpoint: string) {
    super(`HTTP ${status} from ${endpoint}: ${body.slice(0, 200)}`);
  }
}

/** Every attempt failed with a network error, a timeout or a 5xx; `errors` holds each attempt's. */
export class EtcdUnavailableError extends Error {
  override readonly name = "EtcdUnavailableError";
  constructor(readonly errors: unknown[]) {
    super(`etcd unavailable after ${errors.length} attempt(s): ${errors.map(String).join("; ").slice(0, 500)}`);
  }
}

export function isEtcdError(e: unknown, code?: number): e is EtcdError {
  return e instanceof EtcdError && (code === undefined || e.errorCode === code);
}
