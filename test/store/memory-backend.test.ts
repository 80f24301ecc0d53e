import { expect, test } from "vitest";
import { MemoryBackend } from "../../src/store/memory-backend.js";
import { runBackendContract } from "./backend-contract.js";

runBackendContract("memory", () => new MemoryBackend());

test("memory backend asserts that a parent exists", () => {
  const b = new MemoryBackend();
  b.putNode({ path: "/", dir: true, value: "", createdIndex: 0, modifiedIndex: 0, expirationMs: null });
  expect(() =>
    b.putNode({ path: "/x/y", dir: false, value: "", createdIndex: 1, modifiedIndex: 1, expirationMs: null }),
  ).toThrow(/parent/);
});
