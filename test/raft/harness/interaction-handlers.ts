/**
 * Scenario commands (after etcd-raft rafttest/interaction_env_handler*.go):
 *
 *   log-level none|info|debug
 *   add-nodes N [voters=(1,2,3)] [index=I] [prevote=true] [checkquorum=true]
 *             [max-inflight=N] [max-size-per-msg=BYTES] [election-tick=N] [heartbeat-tick=N]
 *             [quiesce-after=N]
 *   campaign ID | propose ID DATA | propose-conf-change ID add|remove NODE
 *   tick-heartbeat ID | tick-election ID | tick ID [n=N]
 *   process-ready ID... | deliver-msgs [drop=(IDS)] ID... | stabilize [ID...]
 *   status ID | raft-state | raft-log ID | compact ID INDEX
 *   transfer-leadership from=ID to=ID | read-index ID CTX
 *   isolate ID | heal | report-unreachable ID PEER | report-snapshot ID PEER [failed]
 *   restart ID   (lose everything but storage, as a crash or a Durable Object's eviction)
 *   wake ID      (RawNode.wake: a client asked a quiesced follower for leader work)
 */
import { ErrProposalDropped } from "../../../src/raft/types.js";
import { argVal, argVals, positional, type TestCase } from "./datadriven.js";
import { describeEntry } from "./describe.js";
import { InteractionEnv, type LogLevel } from "./interaction-env.js";

const encoder = new TextEncoder();

function num(s: string | undefined, what: string): number {
  const n = Number(s);
  if (s === undefined || !Number.isInteger(n)) throw new Error(`${what}: expected an integer, got ${s}`);
  return n;
}

function ids(env: InteractionEnv, tc: TestCase): string[] {
  const p = positional(tc);
  return p.length > 0 ? p : env.nodes.map((n) => n.id);
}

function attempt(env: InteractionEnv, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err === ErrProposalDropped) env.print(`error: ${(err as Error).message}`);
    else throw err;
  }
}

export function handle(env: InteractionEnv, tc: TestCase): string {
  const p = positional(tc);
  switch (tc.cmd) {
    case "log-level":
      env.logLevel = (p[0] ?? "info") as LogLevel;
      break;
    case "add-nodes": {
      const opts: Parameters<InteractionEnv["addNodes"]>[1] = {};
      const voters = argVals(tc, "voters");
      if (voters !== undefined) opts.voters = voters;
      const index = argVal(tc, "index");
      if (index !== undefined) opts.index = num(index, "index");
      if (argVal(tc, "prevote") !== undefined) opts.preVote = argVal(tc, "prevote") === "true";
      if (argVal(tc, "checkquorum") !== undefined) opts.checkQuorum = argVal(tc, "checkquorum") === "true";
      const mi = argVal(tc, "max-inflight");
      if (mi !== undefined) opts.maxInflightMsgs = num(mi, "max-inflight");
      const ms = argVal(tc, "max-size-per-msg");
      if (ms !== undefined) opts.maxSizePerMsgBytes = num(ms, "max-size-per-msg");
      const et = argVal(tc, "election-tick");
      if (et !== undefined) opts.electionTick = num(et, "election-tick");
      const ht = argVal(tc, "heartbeat-tick");
      if (ht !== undefined) opts.heartbeatTick = num(ht, "heartbeat-tick");
      const qa = argVal(tc, "quiesce-after");
      if (qa !== undefined) opts.quiesceAfterTicks = num(qa, "quiesce-after");
      env.addNodes(num(p[0], "add-nodes count"), opts);
      break;
    }
    case "campaign":
      env.node(p[0]!).rn.campaign();
      break;
    case "propose":
      attempt(env, () => env.node(p[0]!).rn.propose(encoder.encode(p[1] ?? "")));
      break;
    case "propose-conf-change": {
      const type = p[1] === "add" ? "addNode" : p[1] === "remove" ? "removeNode" : undefined;
      if (type === undefined || p[2] === undefined) throw new Error("usage: propose-conf-change ID add|remove NODE");
      attempt(env, () => env.node(p[0]!).rn.proposeConfChange({ type, nodeId: p[2]! }));
      break;
    }
    case "tick-heartbeat":
    case "tick-election":
    case "tick": {
      const n = env.node(p[0]!);
      const count =
        tc.cmd === "tick-heartbeat" ? n.config.heartbeatTick : tc.cmd === "tick-election" ? n.config.electionTick : num(argVal(tc, "n") ?? "1", "n");
      for (let i = 0; i < count; i++) n.rn.tick();
      break;
    }
    case "process-ready":
      for (const id of ids(env, tc)) {
        const n = env.node(id);
        if (!n.rn.hasReady()) continue;
        env.print(`> ${id} handling Ready`);
        env.withIndent(() => env.processReady(n));
      }
      break;
    case "deliver-msgs": {
      const drop = argVals(tc, "drop") ?? [];
      for (const id of drop) env.deliverTo(id, true);
      for (const id of p) env.deliverTo(id, false);
      break;
    }
    case "stabilize":
      env.stabilize(ids(env, tc));
      break;
    case "status": {
      const st = env.node(p[0]!).rn.status();
      env.print(`${st.id}: term=${st.hardState.term} commit=${st.hardState.commit} applied=${st.applied} lastIndex=${st.lastIndex}`);
      if (st.progress === undefined) {
        env.print(`${st.softState.raftState} (not leader)`);
        break;
      }
      const r = env.node(p[0]!).rn.raft;
      for (const id of r.voters) env.print(`  ${id}: ${r.prs.get(id)!.toString()}`);
      break;
    }
    case "raft-state":
      for (const n of env.nodes) {
        const st = n.rn.status();
        const role = n.rn.raft.isVoter(n.id) ? "Voter" : "Non-Voter";
        env.print(`${n.id}: ${st.softState.raftState} (${role}) Term:${st.hardState.term} Lead:${st.softState.lead || "0"}${env.isolated.has(n.id) ? " (isolated)" : ""}`);
      }
      break;
    case "raft-log": {
      const s = env.node(p[0]!).storage;
      if (s.lastIndex() < s.firstIndex()) {
        env.print(`log is empty: first index=${s.firstIndex()}, last index=${s.lastIndex()}`);
        break;
      }
      for (const e of s.entries(s.firstIndex(), s.lastIndex() + 1, Number.MAX_SAFE_INTEGER)) env.print(describeEntry(e));
      break;
    }
    case "compact": {
      const n = env.node(p[0]!);
      const index = num(p[1], "compact index");
      if (index > n.applied) throw new Error(`cannot compact ${index} beyond applied ${n.applied}`);
      n.storage.createSnapshot(index, n.confState, new Uint8Array(0));
      n.storage.compact(index);
      env.print(`compacted ${n.id} to ${index}: first index=${n.storage.firstIndex()}, last index=${n.storage.lastIndex()}`);
      break;
    }
    case "transfer-leadership":
      env.node(argVal(tc, "from")!).rn.transferLeader(argVal(tc, "to")!);
      break;
    case "read-index":
      env.node(p[0]!).rn.readIndex(encoder.encode(p[1] ?? ""));
      break;
    case "isolate":
      env.isolated.add(p[0]!);
      break;
    case "heal":
      env.isolated.clear();
      break;
    case "report-unreachable":
      env.node(p[0]!).rn.reportUnreachable(p[1]!);
      break;
    case "restart":
      env.restart(p[0]!);
      break;
    case "wake":
      env.node(p[0]!).rn.wake();
      break;
    case "report-snapshot":
      env.node(p[0]!).rn.reportSnapshot(p[1]!, p[2] === "failed");
      break;
    default:
      throw new Error(`unknown command ${tc.cmd}`);
  }
  return env.takeOutput();
}
