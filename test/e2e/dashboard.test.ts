/**
 * The /ui dashboard in headless Chromium (Debian's, through puppeteer-core): it lists the three
 * members with one leader, shows a key written with fetch, writes a key that fetch then reads,
 * and shows a watched change live. Leaves a screenshot in test-results/dashboard.png.
 */
import { mkdirSync } from "node:fs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TestCluster, names, rootAuth, rootPassword, withAuthOn } from "./cluster-helpers.js";

/**
 * The little of the DOM these page functions use: they run in Chromium, but this project
 * type-checks against the Workers types, which have no DOM (module scope: no global leaks).
 */
interface El {
  textContent: string | null;
  value: string;
  children: ArrayLike<El>;
  dataset: Record<string, string | undefined>;
  click(): void;
}
declare const document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> & Iterable<El>; getElementById(id: string): El | null };

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Every wait in the page; polls (the cluster pane every 2 s) fit well inside. */
const waitMs = 15_000;

let cluster: TestCluster;
let browser: Browser;
let page: Page;
const dir = `/e2e-ui-${Date.now()}`;

beforeAll(async () => {
  cluster = TestCluster.connect(inject("clusterUrl"));
  await cluster.leader();
  browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });
});

afterAll(async () => {
  await browser?.close();
  await fetch(`${cluster.url}/v2/keys${dir}?dir=true&recursive=true`, { method: "DELETE" });
});

const rowValue = (key: string) =>
  page.waitForFunction(
    (k) => {
      const tr = document.querySelector(`#keys tr[data-key="${k}"]`);
      return tr ? tr.children[1]!.textContent : null;
    },
    { timeout: waitMs },
    key,
  );

describe("the dashboard", () => {
  it("lists the members with one leader, browses, writes and watches keys", async () => {
    expect((await cluster.put(`${dir}/from-fetch`, "hello")).status).toBe(201);
    await page.goto(`${cluster.url}/ui`, { waitUntil: "load" });

    await page.waitForFunction((n) => document.querySelectorAll("#cluster tbody tr").length === n && document.querySelectorAll("#cluster tr.leader").length === 1, { timeout: waitMs }, names.length);
    const members = await page.evaluate(() => [...document.querySelectorAll("#cluster tbody tr td:first-child")].map((td) => td.textContent));
    expect(members.sort()).toEqual(names);

    // Into the test's directory, by clicking it in the tree.
    await page.waitForFunction((d) => [...document.querySelectorAll("#keys td")].some((td) => td.textContent === d + "/"), { timeout: waitMs }, dir);
    await page.evaluate((d) => ([...document.querySelectorAll("#keys td")].find((td) => td.textContent === d + "/"))!.click(), dir);
    expect(await (await rowValue(`${dir}/from-fetch`)).jsonValue()).toBe("hello");

    // Watch the directory, then write through the page and through fetch.
    await page.evaluate((d) => (document.getElementById("watchDir")!.value = d), dir);
    await page.click("#watchBtn");
    await page.waitForFunction(() => document.getElementById("events")!.dataset.from, { timeout: waitMs });
    await page.type("#key", "from-ui");
    await page.type("#value", "world");
    await page.click("#put");
    await rowValue(`${dir}/from-ui`);
    const read = await fetch(`${cluster.url}/v2/keys${dir}/from-ui`);
    expect(((await read.json()) as { node: { value: string } }).node.value).toBe("world");

    expect((await cluster.put(`${dir}/live`, "changed")).status).toBe(201);
    const events = () => page.evaluate(() => document.getElementById("events")!.textContent ?? "");
    await page.waitForFunction((d) => document.getElementById("events")!.textContent!.includes(`set ${d}/live = changed`), { timeout: waitMs }, dir);
    expect(await events()).toContain(`set ${dir}/from-ui = world`);

    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });
  });

  it("with auth on, shows the cluster only after signing in as root", async () => {
    await withAuthOn(cluster.url, async () => {
      expect((await fetch(`${cluster.url}/ui/cluster`)).status).toBe(401);
      expect((await fetch(`${cluster.url}/ui/cluster`, { headers: rootAuth })).status).toBe(200);
      await page.goto(`${cluster.url}/ui`, { waitUntil: "load" });
      await page.waitForFunction(() => document.getElementById("clusterErr")!.textContent!.includes("sign in as root"), { timeout: waitMs });
      await page.type("#user", "root");
      await page.type("#password", rootPassword);
      await page.click("#signin button");
      await page.waitForFunction((n) => document.querySelectorAll("#cluster tbody tr").length === n, { timeout: waitMs }, names.length);
      expect(await page.evaluate(() => document.getElementById("clusterErr")!.textContent)).toBe("");
      // The password is not kept in the form once used.
      expect(await page.evaluate(() => document.getElementById("password")!.value)).toBe("");
      await page.click("#signout");
    });
  });
});
