/**
 * `npm run example -- <name> --endpoint <url>`: runs one of the client SDK's examples (examples/)
 * against a cluster. Prints what happened, then `ok`; exits 1 if the demonstrated property fails.
 */
import { examples } from "../examples/index.js";
import { runExample } from "../examples/lib.js";

const args = process.argv.slice(2);
const name = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--endpoint");
const at = args.indexOf("--endpoint");
const endpoint = at >= 0 ? args[at + 1] : "http://127.0.0.1:8787";
const example = name ? examples[name] : undefined;
if (!example || !endpoint) {
  console.error(`usage: npm run example -- <${Object.keys(examples).join("|")}> [--endpoint <url>]`);
  process.exit(2);
}
try {
  await runExample(name!, example, endpoint, (line) => console.log(line));
  console.log("ok");
  process.exit(0);
} catch (e) {
  console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
