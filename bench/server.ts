// One receiver in its own process: `node --conditions=source --import tsx bench/server.ts <case>`.
// Listens on 127.0.0.1 (a free port), reports the port over IPC, and answers snapshots
// (requests served, memory, process.cpuUsage: every thread of the process, GC included, and
// the round trips a durable store sent: stores.ts)
// so the runner can compute CPU per request over exactly the measured window; the runner
// takes the CPU time from /proc/<pid>/stat where it can, this process's own figure otherwise.
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { Session } from "node:inspector/promises";
import { RECEIVERS } from "./receivers.js";
import { storeCalls } from "./stores.js";

/**
 * Messages the runner sends. A snapshot may start the V8 CPU profiler (at the start of a
 * measured window) or stop it and write the profile to a file (at its end).
 */
export type ServerCommand = { type: "snapshot"; profile?: "start" | { stopInto: string } } | { type: "stop" };
/** Messages the server sends. */
export type ServerMessage =
  | { type: "ready"; port: number }
  | { type: "snapshot"; cpuMicros: number; userMicros: number; requests: number; rss: number; heapUsed: number; storeCalls: number }
  | { type: "error"; message: string };

const send = (message: ServerMessage): void => void process.send?.(message);

const caseId = process.argv[2] ?? "";
const factory = RECEIVERS[caseId];
if (!factory) {
  send({ type: "error", message: `unknown case ${JSON.stringify(caseId)}` });
  process.exit(2);
}

let listener;
try {
  listener = await factory();
} catch (error) {
  send({ type: "error", message: error instanceof Error ? error.message : String(error) });
  process.exit(3);
}

let requests = 0;
const server = createServer({ keepAliveTimeout: 60_000 }, listener);
server.prependListener("request", () => void requests++);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  send({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
});

// `--profile` runs: the profile covers exactly the measured window (no start-up, no warm-up).
let session: Session | undefined;
async function profiler(action: NonNullable<Extract<ServerCommand, { type: "snapshot" }>["profile"]>): Promise<void> {
  if (action === "start") {
    if (!session) {
      session = new Session();
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: 100 });
    }
    await session.post("Profiler.start");
    return;
  }
  if (!session) return;
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(action.stopInto, JSON.stringify(profile));
}

process.on("message", async (command: ServerCommand) => {
  if (command.type === "snapshot") {
    if (command.profile !== undefined && command.profile !== "start") await profiler(command.profile);
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    send({ type: "snapshot", cpuMicros: cpu.user + cpu.system, userMicros: cpu.user, requests, rss: memory.rss, heapUsed: memory.heapUsed, storeCalls: storeCalls.count });
    if (command.profile === "start") await profiler("start");
  } else if (command.type === "stop") {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
