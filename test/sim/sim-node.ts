/**
 * One simulated member: RawNode + MemoryStorage + the KV state machine. The Ready loop is
 * split into its phases (persist → send → apply → advance) so a crash can land between
 * them. MemoryStorage and the state machine are the node's "disk": a crash keeps them and
 * loses everything else (the RawNode's memory, an unfinished Ready, messages on the way in).
 *
 * @module
 */
import { RawNode, decodeConfChange } from "../../src/raft/index.js";
import { MemoryStorage } from "../../src/raft/storage.js";
import type { ConfChange, Entry, NodeId, RaftLogger, Ready, StateType } from "../../src/raft/types.js";
import type { SafetyChecker, VoterLog } from "./sim-checker.js";
import { SimViolation } from "./sim-checker.js";
import type { SimNetwork } from "./sim-network.js";
import { KvStateMachine } from "./sim-state-machine.js";

export interface RaftOptions {
  electionTick: number;
  heartbeatTick: number;
  checkQuorum: boolean;
  preVote: boolean;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
  quiesceAfterTicks?: number;
}

/** What the cluster learns from a node's Ready that it tracks beyond the checker. */
export interface ReadyHooks {
  onApplied(node: SimNode, entry: Entry, payload: string | undefined): void;
  onConfChange(node: SimNode, entry: Entry, cc: ConfChange): void;
  /** The node persisted that it quiesced as leader. */
  onLeaderQuiesced(node: SimNode): void;
}

/** How far a Ready gets before a crash: persist only, persist+send, or the whole loop. */
export type ReadyPhase = "persist" | "send" | "all";

export class SimNode {
  readonly id: NodeId;
  readonly storage: MemoryStorage;
  sm: KvStateMachine;
  raft: RawNode | undefined;
  /** Removed from the cluster: never runs again. */
  stopped = false;
  /** Down because it was evicted (idle), not crashed: the next message or request restarts it. */
  evicted = false;
  raftState: StateType = "StateFollower";
  lead: NodeId = "";
  /** Persisted HardState term and commit (what survives a crash). */
  term = 0;
  commit = 0;
  restarts = 0;

  constructor(id: NodeId, storage: MemoryStorage, sm: KvStateMachine) {
    this.id = id;
    this.storage = storage;
    this.sm = sm;
    const hs = storage.initialState().hardState;
    this.term = hs.term;
    this.commit = hs.commit;
  }

  get up(): boolean {
    return this.raft !== undefined;
  }

  get isLeader(): boolean {
    return this.raft !== undefined && this.raftState === "StateLeader";
  }

  start(opts: RaftOptions, rand: () => number, logger?: RaftLogger): void {
    this.raft = new RawNode({
      id: this.id,
      storage: this.storage,
      applied: this.sm.appliedIndex,
      rand,
      ...opts,
      ...(logger === undefined ? {} : { logger }),
    });
    // A member restarted asleep comes back as it slept: possibly leading (raft-quiesce.ts).
    this.raftState = this.raft.raft.state;
    this.lead = this.raft.raft.lead;
    this.evicted = false;
  }

  crash(): void {
    this.raft = undefined;
    this.raftState = "StateFollower";
    this.lead = "";
  }

  /** Runs one Ready through `phase`. Returns false when there was none. */
  handleReady(checker: SafetyChecker, net: SimNetwork, hooks: ReadyHooks, phase: ReadyPhase): boolean {
    const raft = this.raft;
    if (raft === undefined || !raft.hasReady()) return false;
    const rd = raft.ready();
    this.persist(rd, checker);
    if (rd.hardState?.quiescedUnder === this.id) hooks.onLeaderQuiesced(this);
    if (phase === "persist") return true;
    for (const m of rd.messages) net.send(m);
    if (phase === "send") return true;
    for (const e of rd.committedEntries) this.apply(e, checker, hooks);
    raft.advance();
    return true;
  }

  private persist(rd: Ready, checker: SafetyChecker): void {
    const snap = rd.snapshot;
    if (snap !== undefined && snap.metadata.index > 0) {
      this.storage.applySnapshot(snap);
      // The snapshot is the state machine: restoring it is part of the same atomic write.
      const sm = KvStateMachine.decode(snap.data);
      if (sm.appliedIndex !== snap.metadata.index) {
        throw new SimViolation("snapshot content", `${this.id} snapshot ${snap.metadata.index} holds state at ${sm.appliedIndex}`);
      }
      sm.confState = { voters: [...snap.metadata.confState.voters] };
      checker.onSnapshot(this.id, snap.metadata.index, snap.metadata.term, sm.hash);
      this.sm = sm;
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!;
      let prevTerm: number | undefined;
      try {
        prevTerm = this.storage.term(first.index - 1);
      } catch {
        prevTerm = undefined;
      }
      checker.onAppend(this.id, rd.entries, prevTerm, this.commit);
      this.storage.append(rd.entries);
    }
    if (rd.hardState !== undefined) {
      this.storage.setHardState(rd.hardState);
      this.term = rd.hardState.term;
      this.commit = rd.hardState.commit;
      checker.onCommit(this.id, rd.hardState.commit, (i) => this.storage.term(i));
    }
    if (rd.softState !== undefined) {
      const becameLeader = rd.softState.raftState === "StateLeader" && this.raftState !== "StateLeader";
      this.raftState = rd.softState.raftState;
      this.lead = rd.softState.lead;
      if (becameLeader) {
        checker.onLeader(this.id, this.term);
        checker.onLeaderLog(this.id, this.term, this.storage.firstIndex(), this.storage.lastIndex(), (i) =>
          this.storage.term(i),
        );
      }
    }
  }

  private apply(e: Entry, checker: SafetyChecker, hooks: ReadyHooks): void {
    const payload = this.sm.apply(e);
    let cc: ConfChange | undefined;
    if (e.type === "confChange") {
      cc = decodeConfChange(e.data);
      this.sm.confState = this.raft!.applyConfChange(cc);
      // Durable with the applied index, so a restart at `applied` knows the configuration.
      this.storage.setConfState(this.sm.confState);
    }
    checker.onApply(this.id, e, this.sm.hash);
    if (cc !== undefined) hooks.onConfChange(this, e, cc);
    hooks.onApplied(this, e, payload);
  }

  /** The persisted log as an election sees it (crashed nodes keep theirs). */
  voterLog(): VoterLog {
    const st = this.storage;
    const lastIndex = st.lastIndex();
    return {
      id: this.id,
      lastIndex,
      lastTerm: st.term(lastIndex),
      holds: (index, term) => {
        if (index <= st.firstIndex() - 1) return true; // in the snapshot, which is committed state
        if (index > lastIndex) return false;
        return st.term(index) === term;
      },
    };
  }

  /** Log compaction: snapshot the state machine at applied, keep `keepEntries` of log behind it. */
  compact(keepEntries: number): boolean {
    const applied = this.sm.appliedIndex;
    if (applied > this.storage.snapshot().metadata.index) {
      this.storage.createSnapshot(applied, this.sm.confState, this.sm.encode());
    }
    const to = applied - keepEntries;
    if (to <= this.storage.firstIndex() - 1) return false;
    this.storage.compact(to);
    return true;
  }
}
