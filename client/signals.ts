/** Small AbortSignal helpers that need nothing beyond the Web platform. */

/** A signal that aborts when any input aborts (AbortSignal.any is missing from older runtimes). */
export function anySignal(signals: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController();
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (s: AbortSignal) => () => ctl.abort(s.reason);
  const listeners = live.map((s) => {
    const fn = onAbort(s);
    if (s.aborted) ctl.abort(s.reason);
    else s.addEventListener("abort", fn, { once: true });
    return [s, fn] as const;
  });
  return { signal: ctl.signal, dispose: () => listeners.forEach(([s, fn]) => s.removeEventListener("abort", fn)) };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** Full-jitter exponential backoff (attempt 0 → up to `min`), capped at `max`. */
export function backoffMs(attempt: number, min: number, max: number): number {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 20));
  return min / 2 + Math.random() * (ceiling - min / 2);
}
