/**
 * The replicated state machine of a simulated node: a tiny KV map ("key=value" payloads),
 * plus the applied index, the configuration as of that index, and a hash chain over every
 * applied entry so that "this member's state equals a replay of the committed log" is one
 * number compare. It is durable in the simulation: a crash keeps it (as the member's SQLite
 * tables would), and a snapshot carries all of it, so a member restored from a snapshot
 * really continues from the state it was sent.
 *
 * @module
 */
import type { ConfState, Entry } from "../../src/raft/types.js";
import { CHAIN_START, asciiBytes, asciiString, chainHash, entryDataHash } from "./sim-hash.js";

export interface StateMachineState {
  kv: Record<string, string>;
  appliedIndex: number;
  appliedTerm: number;
  hash: number;
  confState: ConfState;
}

export class KvStateMachine {
  kv = new Map<string, string>();
  appliedIndex: number;
  appliedTerm: number;
  hash: number;
  confState: ConfState;

  constructor(appliedIndex = 0, appliedTerm = 0, hash = CHAIN_START, confState: ConfState = { voters: [] }) {
    this.appliedIndex = appliedIndex;
    this.appliedTerm = appliedTerm;
    this.hash = hash;
    this.confState = confState;
  }

  /** Applies one committed entry; returns the payload string for a non-empty normal entry. */
  apply(entry: Entry): string | undefined {
    this.hash = chainHash(this.hash, entry.index, entry.term, entryDataHash(entry.type, entry.data));
    this.appliedIndex = entry.index;
    this.appliedTerm = entry.term;
    if (entry.type !== "normal" || entry.data.length === 0) return undefined;
    const payload = asciiString(entry.data);
    const eq = payload.indexOf("=");
    if (eq > 0) this.kv.set(payload.slice(0, eq), payload.slice(eq + 1));
    return payload;
  }

  encode(): Uint8Array {
    const state: StateMachineState = {
      kv: Object.fromEntries(this.kv),
      appliedIndex: this.appliedIndex,
      appliedTerm: this.appliedTerm,
      hash: this.hash,
      confState: { voters: [...this.confState.voters] },
    };
    return asciiBytes(JSON.stringify(state));
  }

  static decode(data: Uint8Array): KvStateMachine {
    const state = JSON.parse(asciiString(data)) as StateMachineState;
    const sm = new KvStateMachine(state.appliedIndex, state.appliedTerm, state.hash, state.confState);
    sm.kv = new Map(Object.entries(state.kv));
    return sm;
  }
}
