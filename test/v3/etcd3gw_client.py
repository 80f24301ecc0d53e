"""Drive a v3 gateway with the real etcd3gw client (Debian python3-etcd3gw) and print what it saw.

Usage: etcd3gw_client.py <base url> <key prefix> [no-watch]. Prints one JSON object; the vitest
e2e test (test/e2e/v3-etcd3gw.test.ts) runs it against a real etcd 3.4 and against ours and
compares them. etcd3gw parses each HTTP chunk of a watch stream as one JSON message; `no-watch`
leaves its watches out where a proxy in between re-chunks the stream (wrangler dev's does).
"""
import json
import sys
import time
from urllib.parse import urlparse

from etcd3gw.client import Etcd3Client


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def wait_for(cond, deadline_s=20.0):
    end = time.time() + deadline_s
    while not cond():
        if time.time() > end:
            raise SystemExit("condition not met in time")
        time.sleep(0.1)


def main():
    url = urlparse(sys.argv[1])
    p = sys.argv[2]
    c = Etcd3Client(host=url.hostname, port=url.port, api_path="/v3/", timeout=30)
    out = {}

    c.put(p + "a", "1")
    c.put(p + "b", "2")
    c.put(p + "c/x", "3")
    out["get"] = [text(v) for v in c.get(p + "a")]
    out["get_missing"] = c.get(p + "none")
    out["get_prefix"] = [[text(v), text(m["key"])] for v, m in c.get_prefix(p)]
    out["delete"] = c.delete(p + "b")
    out["delete_again"] = c.delete(p + "b")
    out["delete_prefix"] = c.delete_prefix(p + "c/")
    out["after_deletes"] = [text(m["key"]) for _, m in c.get_prefix(p)]

    # Transactions: etcd3gw's create and replace are compare-and-swap txns.
    out["create"] = c.create(p + "new", "x")
    out["create_again"] = c.create(p + "new", "y")
    out["replace"] = c.replace(p + "new", "x", "z")
    out["replace_stale"] = c.replace(p + "new", "x", "w")
    out["after_replace"] = [text(v) for v in c.get(p + "new")]

    # A lease kept alive past its TTL, then left to expire.
    lease = c.lease(ttl=3)
    c.put(p + "leased", "v", lease=lease)
    out["lease_keys"] = [text(k) for k in lease.keys()]
    out["lease_ttl_in_range"] = 0 < lease.ttl() <= 3
    started = time.time()
    kept = 0
    while time.time() - started < 5:
        time.sleep(1)
        kept = lease.refresh()
    out["refresh_ttl"] = kept
    out["kept_alive"] = [text(v) for v in c.get(p + "leased")]
    wait_for(lambda: c.get(p + "leased") == [])
    out["expired_ttl"] = lease.ttl()
    out["expired_refresh"] = lease.refresh()

    lease2 = c.lease(ttl=60)
    c.put(p + "leased2", "v", lease=lease2)
    out["revoke"] = lease2.revoke()
    out["after_revoke"] = c.get(p + "leased2")

    if len(sys.argv) > 3 and sys.argv[3] == "no-watch":
        print(json.dumps(out, sort_keys=True))
        return

    # Watches from the next revision, so events written right after are seen however late the
    # stream is set up.
    rev = int(c.status()["header"]["revision"])
    events, cancel = c.watch_prefix(p + "w/", start_revision=rev + 1)
    c.put(p + "w/1", "one")
    c.put(p + "w/2", "two")
    c.delete(p + "w/1")
    seen = []
    for e in events:
        seen.append([e.get("type", "PUT"), text(e["kv"]["key"]), text(e["kv"].get("value"))])
        if len(seen) == 3:
            break
    cancel()
    out["watch_prefix"] = seen
    rev = int(c.status()["header"]["revision"])
    c.put(p + "once", "1")
    e = c.watch_once(p + "once", timeout=20, start_revision=rev + 1)
    out["watch_once"] = [text(e["kv"]["key"]), text(e["kv"]["value"]), e["kv"]["version"]]

    print(json.dumps(out, sort_keys=True))


main()
