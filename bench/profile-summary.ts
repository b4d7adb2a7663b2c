// Summarises a V8 CPU profile (`node --cpu-prof`, or `pnpm bench --profile`): self time by
// function and by file, and inclusive time of functions whose name matches a filter.
// Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [filter]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, filter] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: profile-summary <file.cpuprofile> [top] [filter]\n");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfTime = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
  total += dt;
});

const shortUrl = (url: string): string => url.replace(/^file:\/\//, "").replace(/.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace("/work/main/", "");
const name = (n: ProfileNode): string => `${n.callFrame.functionName || "(anonymous)"} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const bySelf = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, t] of selfTime) {
  const node = byId.get(id)!;
  bySelf.set(name(node), (bySelf.get(name(node)) ?? 0) + t);
  const fileKey = node.callFrame.url ? shortUrl(node.callFrame.url) : node.callFrame.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + t);
}

const pct = (t: number): string => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`\n## ${title} (total ${(total / 1000).toFixed(0)} ms)\n`);
  for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t)}  ${key}\n`);
};
print("self time by function", bySelf);
print("self time by file", byFile);

if (filter) {
  // Inclusive time: a sample counts once for each distinct matching frame on its stack.
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = name(byId.get(cur)!);
      if (!seen.has(key) && new RegExp(filter).test(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
      }
    }
  });
  print(`inclusive time of /${filter}/`, inclusive);
}
