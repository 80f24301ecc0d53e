/**
 * Bootstrapping from DNS SRV records (etcd's --discovery-srv): the initial cluster is read from
 * `_etcd-server-ssl._tcp.<domain>` (https peer URLs) and `_etcd-server._tcp.<domain>` (http),
 * looked up over DNS-over-HTTPS (the JSON API of RFC 8484 resolvers, e.g. Cloudflare's
 * 1.1.1.1). A record's target names the member: its first label is the member's name and
 * `<scheme>://<target>:<port>` its peer URL, the form this project gives peer URLs.
 *
 * @module
 */
import { computeMemberId } from "./ids.js";
import type { MemberConfig } from "./config.js";

export const dohDefaultUrl = "https://cloudflare-dns.com/dns-query";
/** SRV records taken per service: more is a misconfiguration, not a cluster. */
export const srvRecordsMax = 9;
const srvType = 33;

export type SrvFetch = (url: string, init?: RequestInit) => Promise<Response>;

export type SrvResult = { ok: true; members: MemberConfig[] } | { ok: false; message: string };

export async function membersFromSrv(domain: string, token: string, dohUrl: string, fetchFn: SrvFetch): Promise<SrvResult> {
  const members: MemberConfig[] = [];
  for (const [service, scheme] of [["_etcd-server-ssl._tcp", "https"], ["_etcd-server._tcp", "http"]] as const) {
    const name = `${service}.${domain}`;
    let res: Response;
    try {
      res = await fetchFn(`${dohUrl}?name=${encodeURIComponent(name)}&type=SRV`, { headers: { Accept: "application/dns-json" } });
    } catch (e) {
      return { ok: false, message: `DNS-over-HTTPS lookup of ${name} failed: ${String(e)}` };
    }
    if (!res.ok) return { ok: false, message: `DNS-over-HTTPS lookup of ${name}: HTTP ${res.status}` };
    const body = (await res.json().catch(() => null)) as { Answer?: Array<{ type: number; data: string }> } | null;
    const records = (body?.Answer ?? []).filter((a) => a.type === srvType).slice(0, srvRecordsMax);
    for (const r of records) {
      const parts = r.data.trim().split(/\s+/);
      if (parts.length !== 4) return { ok: false, message: `bad SRV record for ${name}: ${r.data}` };
      const port = Number(parts[2]);
      const target = parts[3]!.replace(/\.$/, "");
      const memberName = target.split(".")[0] ?? "";
      if (!Number.isInteger(port) || port <= 0 || port > 65535 || !memberName) return { ok: false, message: `bad SRV record for ${name}: ${r.data}` };
      const peerURL = `${scheme}://${target}:${port}`;
      if (members.some((m) => m.name === memberName)) continue;
      members.push({ name: memberName, peerURL, locationHint: "", id: computeMemberId([peerURL], token) });
    }
  }
  if (members.length === 0) return { ok: false, message: `no SRV records under _etcd-server-ssl._tcp.${domain} or _etcd-server._tcp.${domain}` };
  return { ok: true, members };
}
