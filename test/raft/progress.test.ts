import { describe, expect, it } from "vitest";
import { Inflights } from "../../src/raft/inflights.js";
import { Progress } from "../../src/raft/progress.js";

describe("inflights", () => {
  it("fills, frees in order and wraps around the ring", () => {
    const inf = new Inflights(3, 0);
    inf.add(1, 10);
    inf.add(2, 10);
    inf.add(3, 10);
    expect(inf.full()).toBe(true);
    expect(() => inf.add(4, 10)).toThrow(/full inflights/);
    inf.freeLE(2);
    expect(inf.size()).toBe(1);
    inf.add(4, 10);
    inf.add(5, 10); // wraps
    expect(inf.full()).toBe(true);
    inf.freeLE(0); // stale: nothing freed
    expect(inf.size()).toBe(3);
    inf.freeFirstOne();
    expect(inf.size()).toBe(2);
    inf.freeLE(100);
    expect(inf.size()).toBe(0);
    expect(inf.full()).toBe(false);
  });

  it("is full by bytes when a byte budget is set", () => {
    const inf = new Inflights(10, 100);
    inf.add(1, 60);
    expect(inf.full()).toBe(false);
    inf.add(2, 40);
    expect(inf.full()).toBe(true);
    inf.freeLE(1);
    expect(inf.full()).toBe(false);
  });
});

describe("progress", () => {
  it("probe sends one append at a time, then replicate pipelines", () => {
    const pr = new Progress(5, 2, 0);
    expect(pr.state).toBe("StateProbe");
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(2, 40);
    expect(pr.isPaused()).toBe(true);
    expect(pr.next).toBe(5); // probe does not advance next optimistically
    expect(pr.maybeUpdate(6)).toBe(true);
    expect(pr.isPaused()).toBe(false);
    pr.becomeReplicate();
    expect(pr.next).toBe(7);
    pr.sentEntries(3, 60);
    expect(pr.next).toBe(10);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(1, 20);
    expect(pr.isPaused()).toBe(true); // window of 2 is full
    pr.inflights.freeLE(9);
    expect(pr.maybeUpdate(9)).toBe(true);
    expect(pr.isPaused()).toBe(false);
    expect(pr.maybeUpdate(8)).toBe(false); // stale ack
  });

  it("maybeDecrTo ignores stale rejections and uses the hint", () => {
    const pr = new Progress(10, 4, 0);
    pr.match = 3;
    pr.sentEntries(0, 0);
    expect(pr.maybeDecrTo(5, 4)).toBe(false); // not the probe we sent (next-1 = 9)
    expect(pr.maybeDecrTo(9, 6)).toBe(true);
    expect(pr.next).toBe(7);
    expect(pr.isPaused()).toBe(false);
    // Never below match+1.
    pr.sentEntries(0, 0);
    expect(pr.maybeDecrTo(6, 0)).toBe(true);
    expect(pr.next).toBe(4);
    // In replicate a rejection at or below match is stale; otherwise next = match+1.
    pr.becomeReplicate();
    pr.next = 20;
    expect(pr.maybeDecrTo(3, 0)).toBe(false);
    expect(pr.maybeDecrTo(15, 0)).toBe(true);
    expect(pr.next).toBe(4);
  });

  it("snapshot state pauses until the snapshot is reported, then probes after it", () => {
    const pr = new Progress(3, 4, 0);
    pr.becomeSnapshot(10);
    expect(pr.isPaused()).toBe(true);
    expect(pr.pendingSnapshot).toBe(10);
    pr.becomeProbe();
    expect(pr.state).toBe("StateProbe");
    expect(pr.next).toBe(11);
    expect(pr.pendingSnapshot).toBe(0);
  });
});
