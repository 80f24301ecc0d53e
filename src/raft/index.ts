/**
 * The public surface of the raft core.
 *
 * @module
 */
export * from "./types.js";
export { RawNode } from "./raw-node.js";
export { MemoryStorage } from "./storage.js";
export { encodeConfChange, decodeConfChange } from "./conf-change.js";
