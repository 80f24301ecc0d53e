/**
 * The interaction environment (after etcd-raft rafttest/interaction_env.go): several
 * RawNodes over MemoryStorage and one in-flight message queue, driven step by step from
 * scenario files. The shell here does exactly what a real one must: persist, send, apply,
 * advance, in that order.
 */
import { RawNode } from "../../../src/raft/raw-node.js";
import { MemoryStorage } from "../../../src/raft/storage.js";
import { decodeConfChange } from "../../../src/raft/conf-change.js";
import type { Config, ConfState, Message, NodeId, RaftLogger } from "../../../src/raft/types.js";
import { describeMessage, describeReady } from "./describe.js";

export type LogLevel = "debug" | "info" | "none";

export interface EnvNode {
  id: NodeId;
  storage: MemoryStorage;
  rn: RawNode;
  config: Config;
  /** The configuration as of the last applied entry (what a snapshot records). */
  confState: ConfState;
  applied: number;
}

export interface NodeOptions {
  voters?: NodeId[];
  index?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxInflightMsgs?: number;
  maxSizePerMsgBytes?: number;
  maxCommittedSizePerReadyBytes?: number;
  electionTick?: number;
  heartbeatTick?: number;
  quiesceAfterTicks?: number;
}

export class InteractionEnv {
  nodes: EnvNode[] = [];
  messages: Message[] = [];
  /** Nodes cut off from everyone: messages from or to them are dropped on delivery. */
  isolated = new Set<NodeId>();
  logLevel: LogLevel = "info";
  private out: string[] = [];
  private indent = "";

  /** Captured output of the current command; resets the buffer. */
  takeOutput(): string {
    const s = this.out.join("\n");
    this.out = [];
    return s;
  }

  print(line: string): void {
    for (const l of line.split("\n")) this.out.push(this.indent + l);
  }

  private logger(): RaftLogger {
    return {
      debug: (line) => {
        if (this.logLevel === "debug") this.print(`DEBUG ${line}`);
      },
      info: (line) => {
        if (this.logLevel !== "none") this.print(`INFO ${line}`);
      },
    };
  }

  node(id: NodeId): EnvNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`unknown node ${id}`);
    return n;
  }

  addNodes(count: number, opts: NodeOptions): void {
    for (let k = 0; k < count; k++) {
      const id = String(this.nodes.length + 1);
      const storage = new MemoryStorage();
      const voters = opts.voters ?? [];
      if ((opts.index ?? 0) > 0) {
        // Bootstrap: the initial configuration comes in as a snapshot at `index`, term 1.
        storage.applySnapshot({
          metadata: { index: opts.index!, term: 1, confState: { voters } },
          data: new Uint8Array(0),
        });
      }
      const config: Config = {
        id,
        electionTick: opts.electionTick ?? 3,
        heartbeatTick: opts.heartbeatTick ?? 1,
        storage,
        maxSizePerMsgBytes: opts.maxSizePerMsgBytes ?? Number.MAX_SAFE_INTEGER,
        maxCommittedSizePerReadyBytes: opts.maxCommittedSizePerReadyBytes ?? Number.MAX_SAFE_INTEGER,
        maxInflightMsgs: opts.maxInflightMsgs ?? 256,
        checkQuorum: opts.checkQuorum ?? false,
        preVote: opts.preVote ?? false,
        quiesceAfterTicks: opts.quiesceAfterTicks ?? 0,
        // Zero jitter: every randomized election timeout equals electionTick, so scenarios
        // can use tick-election to time out exactly.
        rand: () => 0,
        logger: this.logger(),
      };
      const rn = new RawNode(config);
      const applied = storage.firstIndex() - 1;
      this.nodes.push({ id, storage, rn, config, confState: { voters: [...voters] }, applied });
    }
  }

  /** A crash that keeps storage: a new RawNode over it, restarting at the applied index. */
  restart(id: NodeId): void {
    const n = this.node(id);
    n.rn = new RawNode({ ...n.config, applied: n.applied });
    const st = n.rn.status();
    this.print(`${id} restarted: ${st.softState.raftState} term=${st.hardState.term} lead=${st.softState.lead || "0"} quiesced=${n.rn.quiesced}`);
  }

  processReady(n: EnvNode): void {
    const rd = n.rn.ready();
    this.print(describeReady(rd));
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    if (rd.snapshot !== undefined) {
      if (rd.entries.length > 0) throw new Error("snapshot and entries in one Ready");
      n.storage.applySnapshot(rd.snapshot);
      n.confState = { voters: [...rd.snapshot.metadata.confState.voters] };
      n.applied = rd.snapshot.metadata.index;
    }
    n.storage.append(rd.entries);
    for (const e of rd.committedEntries) {
      if (e.type === "confChange") {
        n.confState = n.rn.applyConfChange(decodeConfChange(e.data));
        n.storage.setConfState(n.confState);
      }
      n.applied = e.index;
    }
    for (const m of rd.messages) this.messages.push(m);
    n.rn.advance();
  }

  /** Delivers (or drops) the queued messages addressed to `to`. Returns how many were handled. */
  deliverTo(to: NodeId, drop: boolean): number {
    const mine = this.messages.filter((m) => m.to === to);
    if (mine.length === 0) return 0;
    this.messages = this.messages.filter((m) => m.to !== to);
    const n = this.nodes.find((x) => x.id === to);
    for (const m of mine) {
      if (drop || n === undefined || this.isolated.has(m.to) || this.isolated.has(m.from)) {
        this.print(`dropped: ${describeMessage(m)}`);
        continue;
      }
      this.print(describeMessage(m));
      try {
        n.rn.step(m);
      } catch (err) {
        this.print(`error: ${(err as Error).message}`);
      }
    }
    return mine.length;
  }

  withIndent(fn: () => void): void {
    const prev = this.indent;
    this.indent += "  ";
    try {
      fn();
    } finally {
      this.indent = prev;
    }
  }

  /** Processes Readies and delivers messages among `ids` until nothing is left to do. */
  stabilize(ids: NodeId[]): void {
    const nodes = ids.map((id) => this.node(id));
    for (let round = 0; round < 1000; round++) {
      let done = true;
      for (const n of nodes) {
        if (!n.rn.hasReady()) continue;
        done = false;
        this.print(`> ${n.id} handling Ready`);
        this.withIndent(() => this.processReady(n));
      }
      for (const n of nodes) {
        if (!this.messages.some((m) => m.to === n.id)) continue;
        done = false;
        this.print(`> ${n.id} receiving messages`);
        this.withIndent(() => this.deliverTo(n.id, false));
      }
      if (done) return;
    }
    throw new Error("stabilize did not converge within 1000 rounds");
  }
}
