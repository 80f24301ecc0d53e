/**
 * etcd's v3 errors (etcdserver/api/v3rpc/rpctypes) with their gRPC codes, and the HTTP status
 * grpc-gateway's runtime.HTTPStatusFromCode gives each code.
 *
 * @module
 */
import type { V3Error } from "./types.js";

export const grpc = {
  ok: 0,
  canceled: 1,
  unknown: 2,
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  alreadyExists: 6,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  aborted: 10,
  outOfRange: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  dataLoss: 15,
  unauthenticated: 16,
} as const;

const err = (code: number, message: string): V3Error => ({ code, message });

export const errors = {
  emptyKey: err(grpc.invalidArgument, "etcdserver: key is not provided"),
  keyNotFound: err(grpc.invalidArgument, "etcdserver: key not found"),
  valueProvided: err(grpc.invalidArgument, "etcdserver: value is provided"),
  leaseProvided: err(grpc.invalidArgument, "etcdserver: lease is provided"),
  tooManyOps: err(grpc.invalidArgument, "etcdserver: too many operations in txn request"),
  duplicateKey: err(grpc.invalidArgument, "etcdserver: duplicate key given in txn request"),
  compacted: err(grpc.outOfRange, "etcdserver: mvcc: required revision has been compacted"),
  futureRev: err(grpc.outOfRange, "etcdserver: mvcc: required revision is a future revision"),
  requestTooLarge: err(grpc.invalidArgument, "etcdserver: request is too large"),
  leaseNotFound: err(grpc.notFound, "etcdserver: requested lease not found"),
  leaseExist: err(grpc.failedPrecondition, "etcdserver: lease already exists"),
  leaseTTLTooLarge: err(grpc.outOfRange, "etcdserver: too large lease TTL"),
  rangeTooLarge: err(grpc.resourceExhausted, "etcdserver: range result too large; ask for fewer keys with limit"),
  permissionDenied: err(grpc.permissionDenied, "etcdserver: permission denied"),
  timeout: err(grpc.unavailable, "etcdserver: request timed out"),
  noLeader: err(grpc.unavailable, "etcdserver: no leader"),
  removed: err(grpc.unavailable, "etcdserver: the member has been permanently removed from the cluster"),
};

/** grpc-gateway v1's HTTPStatusFromCode. */
export function httpStatusOf(code: number): number {
  switch (code) {
    case grpc.ok: return 200;
    case grpc.canceled: return 408;
    case grpc.invalidArgument: return 400;
    case grpc.deadlineExceeded: return 504;
    case grpc.notFound: return 404;
    case grpc.alreadyExists: return 409;
    case grpc.permissionDenied: return 403;
    case grpc.unauthenticated: return 401;
    case grpc.resourceExhausted: return 429;
    case grpc.failedPrecondition: return 412;
    case grpc.aborted: return 409;
    case grpc.outOfRange: return 400;
    case grpc.unimplemented: return 501;
    case grpc.unavailable: return 503;
    default: return 500;
  }
}
