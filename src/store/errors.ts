/**
 * etcd v2 error codes, messages and HTTP statuses (etcd `api/v2error/error.go`), as data.
 * Errors are ordinary values: a failed operation returns a V2Error, it never throws.
 *
 * @module
 */
import type { V2Error } from "./types.js";

export const EcodeKeyNotFound = 100;
export const EcodeTestFailed = 101;
export const EcodeNotFile = 102;
export const EcodeNotDir = 104;
export const EcodeNodeExist = 105;
export const EcodeRootROnly = 107;
export const EcodeDirNotEmpty = 108;
export const EcodeUnauthorized = 110;
export const EcodePrevValueRequired = 201;
export const EcodeTTLNaN = 202;
export const EcodeIndexNaN = 203;
export const EcodeInvalidField = 209;
export const EcodeInvalidForm = 210;
export const EcodeRefreshValue = 211;
export const EcodeRefreshTTLRequired = 212;
export const EcodeRaftInternal = 300;
export const EcodeLeaderElect = 301;
export const EcodeWatcherCleared = 400;
export const EcodeEventIndexCleared = 401;

/** Every code etcd defines, with its fixed message (byte-exact). */
export const errorMessages: Readonly<Record<number, string>> = {
  100: "Key not found",
  101: "Compare failed",
  102: "Not a file",
  103: "Reached the max number of peers in the cluster",
  104: "Not a directory",
  105: "Key already exists",
  106: "The prefix of given key is a keyword in etcd",
  107: "Root is read only",
  108: "Directory not empty",
  109: "Peer address has existed",
  110: "The request requires user authentication",
  200: "Value is Required in POST form",
  201: "PrevValue is Required in POST form",
  202: "The given TTL in POST form is not a number",
  203: "The given index in POST form is not a number",
  204: "Value or TTL is required in POST form",
  205: "The given timeout in POST form is not a number",
  206: "Name is required in POST form",
  207: "Index or value is required",
  208: "Index and value cannot both be specified",
  209: "Invalid field",
  210: "Invalid POST form",
  211: "Value provided on refresh",
  212: "A TTL must be provided on refresh",
  300: "Raft Internal Error",
  301: "During Leader Election",
  400: "watcher is cleared due to etcd recovery",
  401: "The event in requested index is outdated and cleared",
  402: "Standby Internal Error",
  403: "Invalid active size",
  404: "Standby remove delay",
  500: "Client Internal Error",
};

/** HTTP status for codes that are not 400 (the default for every other code). */
const statusByCode: Readonly<Record<number, number>> = {
  100: 404,
  101: 412,
  105: 412,
  102: 403,
  108: 403,
  110: 401,
  300: 500,
  301: 500,
};

export function httpStatusOf(errorCode: number): number {
  return statusByCode[errorCode] ?? 400;
}

export function v2Error(errorCode: number, cause: string, index: number): V2Error {
  const message = errorMessages[errorCode];
  if (message === undefined) throw new Error(`unknown v2 error code ${errorCode}`);
  return { errorCode, message, cause, index };
}
