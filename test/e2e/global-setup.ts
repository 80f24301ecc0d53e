import type { TestProject } from "vitest/node";
import { TestCluster } from "./cluster-helpers.js";

declare module "vitest" {
  export interface ProvidedContext {
    clusterUrl: string;
  }
}

let cluster: TestCluster | null = null;

// One local cluster (wrangler dev) for every end-to-end test file; stopped at the end.
export async function setup(project: TestProject): Promise<void> {
  cluster = await TestCluster.start();
  project.provide("clusterUrl", cluster.url);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
