import { runMemberSeed } from "./run-member-seed.js";
const r = await runMemberSeed(Number(process.argv[2]), { steps: Number(process.argv[3] ?? 1000), traceAll: true });
console.log(r.trace!.join("\n"));
console.log(JSON.stringify(r.stats));
