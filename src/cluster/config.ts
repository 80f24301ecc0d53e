/**
 * Cluster configuration from wrangler vars, in etcd's own names where they fit.
 * Pure: parses strings, derives ids; no Workers APIs.
 *
 * ETCD_INITIAL_CLUSTER: comma-separated members, each `name` or `name=peerURL`. A peer URL
 * names the member's Durable Object (see peerUrlFor); `?hint=weur` on it is the Durable Object
 * location hint. Default: three members infra0, infra1, infra2.
 *
 * @module
 */
import { dohDefaultUrl } from "./dns-srv.js";
import { computeClusterId, computeMemberId } from "./ids.js";
import { historyEventsMax } from "../store/history.js";

export interface MemberConfig {
  name: string;
  peerURL: string;
  /** Durable Object location hint (wnam, enam, sam, weur, eeur, apac, oc, afr, me), or "". */
  locationHint: string;
  id: string;
}

export interface ClusterConfig {
  token: string;
  state: "new" | "existing";
  members: MemberConfig[];
  clusterId: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCount: number;
  /** Events kept for `waitIndex` watches (etcd: 1000). */
  eventHistoryMax: number;
  debug: boolean;
  /** Discovery URL, or "" for a static initial cluster. */
  discoveryUrl: string;
  /** SRV domain, or "". */
  discoverySrv: string;
  dohUrl: string;
}

export interface ClusterEnv {
  ETCD_INITIAL_CLUSTER?: string;
  ETCD_INITIAL_CLUSTER_TOKEN?: string;
  ETCD_INITIAL_CLUSTER_STATE?: string;
  ETCD_HEARTBEAT_INTERVAL?: string;
  ETCD_ELECTION_TIMEOUT?: string;
  ETCD_SNAPSHOT_COUNT?: string;
  /** Events kept for waitIndex watches: 1000 (etcd's, the default) up to eventHistoryMaxLimit. */
  ETCD_EVENT_HISTORY_MAX?: string;
  ETCD_DEBUG?: string;
  /** Secret: the password of the root user that ETCD_AUTH_BOOTSTRAP creates on first boot. */
  ETCD_ROOT_PASSWORD?: string;
  /** An etcd discovery URL: the initial cluster is whoever registers there first (spec §9). */
  ETCD_DISCOVERY?: string;
  /** A domain whose _etcd-server(-ssl)._tcp SRV records list the initial cluster. */
  ETCD_DISCOVERY_SRV?: string;
  /** The DNS-over-HTTPS resolver (JSON API) for ETCD_DISCOVERY_SRV. */
  ETCD_DOH_URL?: string;
  /** "on" (default: the Worker proxies reads and writes) or "readonly" (501 for anything but GET). */
  ETCD_PROXY?: string;
  /** GET /metrics: public (default, as etcd), root (root-only while auth is on) or off (404). */
  ETCD_METRICS?: string;
  /** What the first request of a fresh cluster sets up: off | root | lockdown (see front/auth-bootstrap.ts). */
  ETCD_AUTH_BOOTSTRAP?: string;
}

export const defaults = {
  initialCluster: "infra0,infra1,infra2",
  token: "etcd-cluster",
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
  snapshotCount: 10_000,
  membersMax: 9,
} as const;

/**
 * The largest ETCD_EVENT_HISTORY_MAX, in events. The history is SQLite rows (one per event,
 * about the size of the event's JSON), so this bounds a member's history storage and the rows a
 * waitIndex scan may read: 1,000,000 events of 1 KB are 1 GB of a Durable Object's 10 GB.
 */
export const eventHistoryMaxLimit = 1_000_000;

const locationHints = new Set(["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"]);
const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The peer URL that names a member's Durable Object: http(s), with a port, without a path. */
export function peerUrlFor(name: string, token: string, hint = ""): string {
  return `https://${name}.${token}.peers.invalid:2380${hint ? `?hint=${hint}` : ""}`;
}

/** The Durable Object name of a member: one namespace serves many clusters. */
export function durableObjectName(token: string, memberName: string): string {
  return `${token}/${memberName}`;
}

export function parseClusterConfig(env: ClusterEnv): ClusterConfig {
  const token = (env.ETCD_INITIAL_CLUSTER_TOKEN ?? "").trim() || defaults.token;
  const spec = (env.ETCD_INITIAL_CLUSTER ?? "").trim() || defaults.initialCluster;
  const members: MemberConfig[] = [];
  for (const raw of spec.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf("=");
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!namePattern.test(name)) throw new Error(`ETCD_INITIAL_CLUSTER: bad member name ${JSON.stringify(name)}`);
    const peerURL = eq < 0 ? peerUrlFor(name, token) : item.slice(eq + 1);
    const locationHint = hintOf(peerURL);
    if (members.some((m) => m.name === name)) throw new Error(`ETCD_INITIAL_CLUSTER: duplicate member name ${name}`);
    members.push({ name, peerURL, locationHint, id: computeMemberId([peerURL], token) });
  }
  if (members.length === 0) throw new Error("ETCD_INITIAL_CLUSTER: no members");
  if (members.length > defaults.membersMax) throw new Error(`ETCD_INITIAL_CLUSTER: more than ${defaults.membersMax} members`);
  const state = (env.ETCD_INITIAL_CLUSTER_STATE ?? "new").trim() || "new";
  if (state !== "new" && state !== "existing") throw new Error(`ETCD_INITIAL_CLUSTER_STATE: must be new or existing, got ${state}`);
  const heartbeatIntervalMs = positiveInt(env.ETCD_HEARTBEAT_INTERVAL, defaults.heartbeatIntervalMs, "ETCD_HEARTBEAT_INTERVAL");
  const electionTimeoutMs = positiveInt(env.ETCD_ELECTION_TIMEOUT, defaults.electionTimeoutMs, "ETCD_ELECTION_TIMEOUT");
  // etcd refuses an election timeout below 5 heartbeats; raft needs election > heartbeat ticks.
  if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
    throw new Error("ETCD_ELECTION_TIMEOUT must be at least 5 times ETCD_HEARTBEAT_INTERVAL");
  }
  return {
    token,
    state,
    members,
    clusterId: computeClusterId(members.map((m) => m.id)),
    heartbeatIntervalMs,
    electionTimeoutMs,
    snapshotCount: positiveInt(env.ETCD_SNAPSHOT_COUNT, defaults.snapshotCount, "ETCD_SNAPSHOT_COUNT"),
    eventHistoryMax: eventHistoryMax(env.ETCD_EVENT_HISTORY_MAX),
    debug: env.ETCD_DEBUG === "1",
    discoveryUrl: (env.ETCD_DISCOVERY ?? "").trim(),
    discoverySrv: (env.ETCD_DISCOVERY_SRV ?? "").trim(),
    dohUrl: (env.ETCD_DOH_URL ?? "").trim() || dohDefaultUrl,
  };
}

function eventHistoryMax(raw: string | undefined): number {
  const n = positiveInt(raw, historyEventsMax, "ETCD_EVENT_HISTORY_MAX");
  if (n < historyEventsMax || n > eventHistoryMaxLimit) {
    throw new Error(`ETCD_EVENT_HISTORY_MAX must be between ${historyEventsMax} (etcd's) and ${eventHistoryMaxLimit}, got ${raw}`);
  }
  return n;
}

function hintOf(peerURL: string): string {
  const q = peerURL.indexOf("?");
  if (q < 0) return "";
  const hint = new URLSearchParams(peerURL.slice(q + 1)).get("hint") ?? "";
  if (hint && !locationHints.has(hint)) throw new Error(`unknown location hint ${hint} in ${peerURL}`);
  return hint;
}

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a positive integer, got ${raw}`);
  const n = Number(raw.trim());
  if (n <= 0 || !Number.isSafeInteger(n)) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}
