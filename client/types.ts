/** Wire shapes of the v2 keys API (etcd 3.4) and the client's options. */

export interface EtcdNode {
  /** Absent only for the root directory. */
  key?: string;
  value?: string;
  dir?: boolean;
  expiration?: string;
  ttl?: number;
  nodes?: EtcdNode[];
  modifiedIndex?: number;
  createdIndex?: number;
}

/** A keys-API answer: the event body plus the index headers. */
export interface EtcdResult {
  action: string;
  node: EtcdNode;
  prevNode?: EtcdNode;
  /** X-Etcd-Index: the store index when the answer was built. */
  etcdIndex: number;
  raftIndex?: number;
  raftTerm?: number;
}

export interface BasicAuth {
  username: string;
  password: string;
}

export interface ClientOptions {
  /** Client URLs, e.g. `http://127.0.0.1:8787` or a member's `<origin>/members/infra0`. */
  endpoints: string[];
  auth?: BasicAuth;
  /** Per attempt; a proposal waits up to 7 s in etcd before it answers "request timed out". */
  timeoutMs?: number;
  /** Attempts per call across all endpoints (idempotent calls only; see transport.ts). */
  maxAttempts?: number;
  backoffMsMin?: number;
  backoffMsMax?: number;
  /** Defaults to the global fetch; tests pass a fake. */
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface GetOptions extends CallOptions {
  recursive?: boolean;
  sorted?: boolean;
  /** Read through Raft (linearizable) instead of from the serving member. */
  quorum?: boolean;
}

export interface SetOptions extends CallOptions {
  ttl?: number;
  prevValue?: string;
  prevIndex?: number;
  prevExist?: boolean;
  dir?: boolean;
  refresh?: boolean;
}

export interface DeleteOptions extends CallOptions {
  recursive?: boolean;
  dir?: boolean;
  prevValue?: string;
  prevIndex?: number;
}

export interface Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}
