/** A scripted fetch for the client's unit tests: each call goes to `answer`, which is recorded. */
export interface SeenRequest {
  url: URL;
  method: string;
  params: URLSearchParams;
  headers: Record<string, string>;
}

type Answer = Response | Error | "hang";

export function fakeFetch(answer: (req: SeenRequest, n: number) => Answer) {
  const seen: SeenRequest[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const params = method === "PUT" || method === "POST" ? new URLSearchParams(String(init?.body ?? "")) : url.searchParams;
    const req = { url, method, params, headers: { ...(init?.headers as Record<string, string>) } };
    seen.push(req);
    const a = answer(req, seen.length - 1);
    if (a === "hang") {
      // Like a real socket: only the request's signal ends it.
      return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true }));
    }
    if (a instanceof Error) throw a;
    return a;
  };
  return { fetch: fn as typeof fetch, seen };
}

export function json(status: number, body: unknown, etcdIndex = 0): Response {
  return new Response(body === "" ? "" : `${JSON.stringify(body)}\n`, { status, headers: { "Content-Type": "application/json", "X-Etcd-Index": String(etcdIndex) } });
}

export const notFound = (key: string, index: number) => json(404, { errorCode: 100, message: "Key not found", cause: key, index }, index);
