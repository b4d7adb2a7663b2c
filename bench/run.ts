// `pnpm bench`: every receiver in its own process on 127.0.0.1, loaded by autocannon from
// another process (server and load generator pinned to different CPUs when taskset is
// available), three rounds, then the memory cases; a fixed calibration workload before and
// after. Only a quiet run is evidence: every measured window is checked against /proc for
// other processes' CPU use, repeated when they used more than the limit, and a run that
// stays noisy (or whose calibration drifted) is marked "NOISY — not evidence" and exits 1.
// The store cases run credhooks on Redis and PostgreSQL: the runner starts both servers on
// free loopback ports (store-servers.ts, the tests' code), on the load generator's CPU
// (BENCH_STORE_CPU), and stops them at the end; without their binaries those cases are
// skipped, the reason in results.md.
// A full run writes bench/results.json and bench/results.md, and, when quiet,
// bench/README-section.md (the README's Performance section); quick and partial runs write
// to bench/dist/results/ only.
//
// `pnpm bench` builds the packages and this folder with tsc and runs bench/dist/bench/run.js
// with plain node (what users run; the build mirrors the repository's layout, since the
// benchmark shares test/support/servers/ with the tests).
// `node --conditions=source --import tsx bench/run.ts` also works, for quick iterations, but
// tsx makes every closure cost more (see tsconfig.json here), so its figures are not the results.
//
// Options, e.g. `pnpm bench --rounds 2 --only node-bare,node-credhooks-proven --memory 0`:
//   --rounds N (3)   --seconds S measured per round (3)   --warmup S before round 1 (4)
//   --connections C (32)   --only <case ids of cases.ts> (or BENCH_ONLY)
//   --memory N   deliveries through the store (1000000; N/10, at most 100000, through
//                handle() and into the inbox); 0 skips the memory cases
//   --profile    CPU profile of each measured window in bench/dist/profiles/; summarise one
//                with `node bench/dist/bench/profile-summary.js <file> [top] [filter]`
// Environment:
//   BENCH_QUICK=1          smoke test: 1 round of 1 s after 1 s of warm-up, small memory cases
//   BENCH_ALLOW_NOISY=1    exit 0 even when the run is NOISY (the results stay marked)
//   BENCH_NOISE_LIMIT=0.1  foreign CPU allowed in a measured window, in cores
//   BENCH_REPEATS=2        repeats of a noisy window (1 in quick mode)
//   BENCH_QUIET_WAIT=10    seconds to wait for a quiet second before the run and each repeat
//   BENCH_STORE_CPU=load   where the store cases' servers run: load (the load generator's CPU),
//                          receiver (the receivers' CPU) or any (not pinned)
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Calibration } from "./calibrate.js";
import { BUDGETS, CASES, FLOOR, type BenchCase } from "./cases.js";
import { bodyBytes } from "./deliveries.js";
import type { LoadCommand, LoadMessage, LoadResult } from "./load.js";
import { between, CLOCK_TICKS, KERNEL_HELPERS, mark, PROC_AVAILABLE, waitForQuiet } from "./proc.js";
import {
  evaluateBudgets,
  median,
  ratioOf,
  renderMarkdown,
  renderReadmeSection,
  type CalibrationSummary,
  type CaseSummary,
  type MemoryOutcome,
  type Results,
  type RoundResult,
  type Verdict,
} from "./report.js";
import type { ServerCommand, ServerMessage } from "./server.js";
import { missingBinaries, startStoreServers, type StoreCpu, type StoreServers } from "./store-servers.js";

// This file runs from bench/ (tsx) or bench/dist/bench/ (built); results always go under bench/.
const codeDir = dirname(fileURLToPath(import.meta.url));
const fromSource = import.meta.url.endsWith(".ts");
const script = (name: string): string => join(codeDir, name + (fromSource ? ".ts" : ".js"));
let root = codeDir;
while (!existsSync(join(root, "pnpm-workspace.yaml"))) {
  if (dirname(root) === root) throw new Error("run the benchmark inside the credhooks repository");
  root = dirname(root);
}
const benchDir = join(root, "bench");
const profileDir = join(benchDir, "dist", "profiles");

// --- Settings --------------------------------------------------------------------------
const quick = process.env["BENCH_QUICK"] === "1";
const allowNoisy = process.env["BENCH_ALLOW_NOISY"] === "1";
function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} needs a number`);
  return value;
}
function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number`);
  return value;
}
const DEFAULTS = { rounds: 3, seconds: 3, warmup: 4, connections: 32, memory: 1_000_000 };
const rounds = Math.max(1, option("rounds", quick ? 1 : DEFAULTS.rounds));
const seconds = option("seconds", quick ? 1 : DEFAULTS.seconds);
// credhooks runs more code than a bare receiver, so the JIT needs longer: 2 s of warm-up
// left its CPU per request ~40% above the steady state on the 2-core machine of results.md.
const warmup = option("warmup", quick ? 1 : DEFAULTS.warmup);
const REWARM_SECONDS = 1;
const rewarm = Math.min(warmup, REWARM_SECONDS);
const connections = option("connections", DEFAULTS.connections);
const memoryDeliveries = option("memory", quick ? 20_000 : DEFAULTS.memory);
const profile = process.argv.includes("--profile");
const onlyIndex = process.argv.indexOf("--only");
const onlyText = onlyIndex === -1 ? process.env["BENCH_ONLY"] : process.argv[onlyIndex + 1];
const only = onlyText ? new Set(onlyText.split(",").filter(Boolean)) : undefined;

// Noise: a measured window in which other processes used more than NOISE_LIMIT of a CPU is
// measured again, at most REPEATS times, and REPEAT_CAP times per run (a bound on the run's
// length); once a window stays noisy the run is NOISY and nothing more is repeated.
const NOISE_LIMIT = envNumber("BENCH_NOISE_LIMIT", 0.1);
const REPEATS = Math.floor(envNumber("BENCH_REPEATS", quick ? 1 : 2));
const REPEAT_CAP = quick ? 3 : 10;
const QUIET_WAIT = envNumber("BENCH_QUIET_WAIT", quick ? 2 : 10);
const CALIBRATION_DRIFT_LIMIT = 0.15;
const CALIBRATION_REPETITIONS = quick ? 3 : 5;

const unknown = only ? [...only].filter((id) => !CASES.some((c) => c.id === id)) : [];
if (unknown.length) throw new Error(`unknown case id(s): ${unknown.join(", ")} (see bench/cases.ts)`);
const defaults = rounds === DEFAULTS.rounds && seconds === DEFAULTS.seconds && warmup === DEFAULTS.warmup && connections === DEFAULTS.connections && memoryDeliveries === DEFAULTS.memory;
const mode: Results["mode"] = quick ? "quick" : !only && !profile && !fromSource && defaults ? "full" : "partial";
const outDir = mode === "full" ? benchDir : join(benchDir, "dist", "results");

const log = (line: string): void => void process.stderr.write(line + "\n");
const NODE_ARGS = fromSource ? ["--conditions=source", "--import", "tsx"] : [];

// --- CPU pinning ----------------------------------------------------------------------
const cpuCount = availableParallelism();
const hasTaskset = cpuCount >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;
const SERVER_CPU = "0";
const LOAD_CPU = String(cpuCount - 1);
// Where permitted (root), the receiver and the load generator also run at a raised priority,
// so that other processes on a shared machine disturb the measurement less.
const niceCheck = spawnSync("nice", ["-n", "-10", "true"], { encoding: "utf8" });
const canRenice = niceCheck.status === 0 && niceCheck.stderr === "";
// nice and taskset exec the next program: the child's pid is node's, whose /proc/<pid>/stat
// the noise check reads.
function command(cpu: string, args: string[]): [string, string[]] {
  const pinned = hasTaskset ? ["taskset", "-c", cpu, process.execPath, ...args] : [process.execPath, ...args];
  const full = canRenice ? ["nice", "-n", "-10", ...pinned] : pinned;
  return [full[0]!, full.slice(1)];
}
// Where the store servers run (BENCH_STORE_CPU): "load" (default), the load generator's CPU,
// so that the receiver keeps its CPU to itself as in every other case and its CPU per request
// compares with the in-memory case's; "receiver", the receivers' CPU (req/s is then what one
// CPU serves with credhooks and its store); "any", not pinned. At the receivers' priority.
const STORE_CPU_CHOICES: Record<StoreCpu, string | undefined> = { load: LOAD_CPU, receiver: SERVER_CPU, any: undefined };
const storeCpuChoice = process.env["BENCH_STORE_CPU"] || "load";
if (!Object.hasOwn(STORE_CPU_CHOICES, storeCpuChoice)) throw new Error("BENCH_STORE_CPU: load, receiver or any");
const STORE_CPU = hasTaskset ? STORE_CPU_CHOICES[storeCpuChoice as StoreCpu] : undefined;
const storeWhere: { cpu: StoreCpu; placement: string } = {
  cpu: STORE_CPU === undefined ? "any" : (storeCpuChoice as StoreCpu),
  placement: (STORE_CPU === undefined ? "not pinned" : `pinned to CPU ${STORE_CPU} (${storeCpuChoice === "load" ? "the load generator's" : "the receivers'"})`) + (canRenice ? ", nice -10" : ""),
};
/** Pins a store server's process (with -a, all its threads) and raises its priority; PostgreSQL's backends, forked later, inherit both. */
function placeStoreProcess(pid: number): void {
  if (STORE_CPU !== undefined) spawnSync("taskset", ["-a", "-p", "-c", STORE_CPU, String(pid)], { stdio: "ignore" });
  if (canRenice) spawnSync("renice", ["-n", "-10", "-p", String(pid)], { stdio: "ignore" });
}

// --- IPC helpers -----------------------------------------------------------------------
function nextMessage<T>(child: ChildProcess, accept: (message: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: T): void => {
      if (accept(message)) finish(undefined, message);
    };
    const onExit = (code: number | null): void => finish(new Error(`${what}: process exited (${code})`));
    function finish(error: Error | undefined, message?: T): void {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(message as T);
    }
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

interface RunningServer {
  child: ChildProcess;
  origin: string;
}

/** The Redis and PostgreSQL servers of the store cases, once started. */
let storeServers: StoreServers | undefined;

async function startServer(benchCase: BenchCase): Promise<RunningServer> {
  const [file, args] = command(SERVER_CPU, [...NODE_ARGS, script("server"), benchCase.id]);
  const child = spawn(file, args, { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"], env: { ...process.env, ...storeServers?.env, NODE_ENV: "production" } });
  const ready = await nextMessage<ServerMessage>(child, (m) => m.type === "ready" || m.type === "error", 30_000, `${benchCase.id} start`);
  if (ready.type === "error") {
    child.kill();
    throw new Error(ready.message);
  }
  if (ready.type !== "ready") throw new Error("unexpected message");
  return { child, origin: `http://127.0.0.1:${ready.port}` };
}

async function snapshot(server: RunningServer, profileAction?: "start" | { stopInto: string }): Promise<Extract<ServerMessage, { type: "snapshot" }>> {
  server.child.send((profileAction === undefined ? { type: "snapshot" } : { type: "snapshot", profile: profileAction }) satisfies ServerCommand);
  return nextMessage<Extract<ServerMessage, { type: "snapshot" }>>(server.child, (m) => (m as ServerMessage).type === "snapshot", 10_000, "snapshot");
}

async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  server.child.send({ type: "stop" } satisfies ServerCommand);
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function startLoad(): ChildProcess {
  const [file, args] = command(LOAD_CPU, [...NODE_ARGS, script("load")]);
  return spawn(file, args, { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

async function load(child: ChildProcess, message: LoadCommand, timeoutMs: number): Promise<LoadMessage> {
  child.send(message);
  return nextMessage<LoadMessage>(child, () => true, timeoutMs, message.type);
}

// --- One case, one round ---------------------------------------------------------------
// Each receiver process lives through all rounds (idle while others are loaded): round 1
// warms it up fully, later rounds and repeats only briefly, and its dedupe store keeps
// filling — towards the steady state of a long-running receiver, where a full LRU evicts on
// every new event.
const servers = new Map<string, RunningServer>();

/** The benchmark's own processes: their CPU is not foreign (idle receivers and store servers included). */
function ourPids(loader: ChildProcess): number[] {
  const pids = [process.pid, ...KERNEL_HELPERS];
  if (loader.pid !== undefined) pids.push(loader.pid);
  for (const server of servers.values()) if (server.child.pid !== undefined) pids.push(server.child.pid);
  if (storeServers) pids.push(...storeServers.pids());
  return pids;
}

async function measure(benchCase: BenchCase, round: number, warm: number, loader: ChildProcess): Promise<Omit<RoundResult, "attempts" | "discardedForeignCpu">> {
  let server = servers.get(benchCase.id);
  if (!server) {
    server = await startServer(benchCase);
    servers.set(benchCase.id, server);
    const smoke = await load(loader, { type: "smoke", origin: server.origin, scheme: benchCase.scheme }, 10_000);
    if (smoke.type === "error") throw new Error(smoke.message);
    if (smoke.type !== "smoke" || smoke.status < 200 || smoke.status > 299) {
      throw new Error(`the receiver answered ${smoke.type === "smoke" ? `${smoke.status} ${smoke.body}` : "nothing"} to a valid delivery`);
    }
  }
  if (warm > 0) await load(loader, { type: "run", origin: server.origin, scheme: benchCase.scheme, seconds: warm, connections }, (warm + 30) * 1000);
  // Profiling slows the receiver: figures of a --profile run are for finding hot spots only.
  const before = await snapshot(server, profile ? "start" : undefined);
  const pids = ourPids(loader);
  const storePidsBefore = benchCase.store ? (storeServers?.pids(benchCase.store) ?? []) : [];
  const loadAverage = loadavg()[0]!;
  const markBefore = mark(pids);
  const startedAt = process.hrtime.bigint();
  const answer = await load(loader, { type: "run", origin: server.origin, scheme: benchCase.scheme, seconds, connections }, (seconds + 30) * 1000);
  // Processes born during the window (a PostgreSQL backend for a new connection) are ours too.
  const markAfter = mark([...new Set([...pids, ...ourPids(loader)])]);
  const storePids = benchCase.store ? [...new Set([...storePidsBefore, ...(storeServers?.pids(benchCase.store) ?? [])])] : [];
  const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const after = await snapshot(server, profile ? { stopInto: join(profileDir, `${benchCase.id}.round${round}.cpuprofile`) } : undefined);
  if (answer.type === "error") throw new Error(answer.message);
  if (answer.type !== "result") throw new Error("no result");
  const result: LoadResult = answer.result;
  const requests = after.requests - before.requests;

  // Receiver and load-generator CPU from /proc (the receiver's own process.cpuUsage() over
  // IPC where /proc is missing); foreign CPU: the machine's busy time minus ours.
  const window = markBefore && markAfter ? between(markBefore, markAfter) : undefined;
  const serverTicks = window?.cpuSeconds(server.child.pid!);
  const loaderTicks = window?.cpuSeconds(loader.pid!);
  const windowSeconds = window?.wallSeconds ?? wallSeconds;
  const serverCpuMicros = serverTicks ? serverTicks.total * 1e6 : after.cpuMicros - before.cpuMicros;
  const serverUserMicros = serverTicks ? serverTicks.user * 1e6 : after.userMicros - before.userMicros;
  const foreignCpu = window?.foreignCores;
  // A store case: the store's round trips (counted by the receiver's client) and its server's CPU (/proc).
  let store: Pick<RoundResult, "storeRoundTripsPerDelivery" | "storeServerCpuPerRequestMicros" | "storeServerCpu"> = {};
  if (benchCase.store) {
    const storeSeconds = window ? storePids.reduce((sum, pid) => sum + (window.cpuSeconds(pid)?.total ?? 0), 0) : undefined;
    store = {
      storeRoundTripsPerDelivery: requests > 0 ? (after.storeCalls - before.storeCalls) / requests : Number.NaN,
      ...(storeSeconds === undefined ? {} : { storeServerCpuPerRequestMicros: requests > 0 ? (storeSeconds * 1e6) / requests : Number.NaN, storeServerCpu: storeSeconds / windowSeconds }),
    };
  }
  return {
    round,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    cpuPerRequestMicros: requests > 0 ? serverCpuMicros / requests : Number.NaN,
    userCpuPerRequestMicros: requests > 0 ? serverUserMicros / requests : Number.NaN,
    serverCpu: serverCpuMicros / (windowSeconds * 1e6),
    loadCpu: loaderTicks ? loaderTicks.total / windowSeconds : result.loadCpu,
    foreignCpu,
    quiet: foreignCpu === undefined ? undefined : foreignCpu <= NOISE_LIMIT,
    windowSeconds,
    loadAverage,
    requests: result.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rssMiB: after.rss / 2 ** 20,
    ...store,
  };
}

// --- Calibration and memory (each in its own process, pinned to the receivers' CPU) ----
function runJson<T>(args: string[], timeoutMs: number): T | { error: string } {
  const [file, full] = command(SERVER_CPU, args);
  const out = spawnSync(file, full, { cwd: root, encoding: "utf8", timeout: timeoutMs, maxBuffer: 1 << 20 });
  if (out.status !== 0) return { error: (out.stderr || out.error?.message || `exit ${out.status}`).trim().split("\n").slice(-3).join(" ") };
  try {
    return JSON.parse(out.stdout.trim().split("\n").pop()!) as T;
  } catch {
    return { error: `unreadable output: ${out.stdout.slice(0, 200)}` };
  }
}

function calibrate(when: string): Calibration | { error: string } {
  const result = runJson<Calibration>([...NODE_ARGS, script("calibrate"), String(CALIBRATION_REPETITIONS)], 120_000);
  if ("error" in result) log(`calibration ${when}: FAILED ${result.error}`);
  else log(`calibration ${when}: 20,000 SHA-256 ${result.sha256.medianMs.toFixed(1)} ms, xorshift loop ${result.loop.medianMs.toFixed(1)} ms (medians of ${CALIBRATION_REPETITIONS}), CPU share ${(result.cpuShare * 100).toFixed(0)}%`);
  return result;
}

function runMemory(memoryMode: "store" | "handle" | "inbox", deliveries: number): MemoryOutcome {
  const what = { store: "LruDedupeStore", handle: "createWebhooks().handle()", inbox: "the LruDedupeStore inbox (claims with a 1.2 KB record, left in flight)" }[memoryMode];
  log(`memory: ${deliveries.toLocaleString("en-US")} distinct deliveries through ${what}…`);
  const result = runJson<MemoryOutcome>(["--expose-gc", ...NODE_ARGS, script("memory"), memoryMode, String(deliveries)], 300_000);
  if ("unavailable" in result) log(`memory: ${result.unavailable}`);
  else if ("error" in result) log(`memory: FAILED ${result.error}`);
  else log(`memory: ${result.heapBytesPerEntry.toFixed(0)} bytes of heap per entry${result.recordBytes === undefined ? "" : ` (record ${result.recordBytes.toFixed(0)} bytes)`}`);
  return result;
}

// --- Main --------------------------------------------------------------------------------
const started = Date.now();
const providerLanded = (id: string): boolean => existsSync(`${root}/packages/core/src/providers/${id}/index.ts`);
const selected = CASES.filter((c) => !only || only.has(c.id));
const unavailable = new Map<string, string>();
for (const c of selected) if (c.provider && !providerLanded(c.provider)) unavailable.set(c.id, `not available: packages/core/src/providers/${c.provider}/index.ts does not exist yet`);
// The store cases need redis-server and PostgreSQL's binaries: without them, skipped (not a failure).
for (const c of selected) {
  const missing = c.store && !unavailable.has(c.id) ? missingBinaries(c.store) : undefined;
  if (missing !== undefined) unavailable.set(c.id, `skipped: ${missing}`);
}
const storeKinds = new Set(selected.flatMap((c) => (c.store && !unavailable.has(c.id) ? [c.store] : [])));
if (profile) mkdirSync(profileDir, { recursive: true });

const runnable = selected.filter((c) => !unavailable.has(c.id)).length;
const perCase = 1.5 + warmup + seconds + (rounds - 1) * (rewarm + seconds);
const memorySeconds = memoryDeliveries > 0 ? 3 + (memoryDeliveries / 1_000_000) * 12 : 0;
const storeSeconds = (storeKinds.has("redis") ? 0.5 : 0) + (storeKinds.has("postgres") ? 5 : 0);
const planned = 2 + storeSeconds + runnable * perCase + 2 * (1 + CALIBRATION_REPETITIONS * 0.3) + memorySeconds;
const worst = planned + REPEAT_CAP * (QUIET_WAIT + rewarm + seconds + 0.5);
log(
  `credhooks bench (${mode}): ${runnable} cases × ${rounds} round(s), ${warmup}s warm-up + ${seconds}s each, ${connections} connections; ` +
    `${hasTaskset ? `server on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}` : "no CPU pinning (taskset unavailable or one CPU)"}${canRenice ? ", nice -10" : ""}` +
    `${storeKinds.size > 0 ? `, store servers ${storeWhere.placement}` : ""}; ` +
    `about ${Math.round(planned)} s, at most about ${Math.round(worst)} s with repeats`,
);

// Ctrl-C or a kill: exit, which stops the store servers and removes PostgreSQL's data
// directory (their exit handlers); the receivers and the load generator exit with the IPC channel.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    process.exit(130);
  });
}

// The store servers first, so that the wait for a quiet moment below also lets them settle.
if (storeKinds.size > 0) {
  log(`stores: starting ${[...storeKinds].join(" and ")} on 127.0.0.1…`);
  storeServers = await startStoreServers(storeKinds, placeStoreProcess, storeWhere);
  for (const c of selected) {
    const problem = c.store ? storeServers.unavailable.get(c.store) : undefined;
    if (problem !== undefined && !unavailable.has(c.id)) unavailable.set(c.id, problem);
  }
  for (const [kind, info] of Object.entries(storeServers.info)) log(`stores: ${kind}: ${info.version} (${info.settings}); ${info.placement}`);
  for (const [kind, problem] of storeServers.unavailable) log(`stores: ${kind}: ${problem}`);
}

// Before anything: wait for a quiet moment; refuse to start on a busy machine.
let preflightForeignCpu: number | undefined;
if (PROC_AVAILABLE) {
  preflightForeignCpu = await waitForQuiet([process.pid, ...KERNEL_HELPERS, ...(storeServers?.pids() ?? [])], NOISE_LIMIT, QUIET_WAIT);
  const busy = preflightForeignCpu !== undefined && preflightForeignCpu > NOISE_LIMIT;
  log(`machine: other processes use ${((preflightForeignCpu ?? 0) * 100).toFixed(0)}% of a CPU (limit ${(NOISE_LIMIT * 100).toFixed(0)}%)${busy ? " — busy" : ""}`);
  if (busy && !allowNoisy) {
    log(`refusing to run: other processes kept using more than ${(NOISE_LIMIT * 100).toFixed(0)}% of a CPU for ${QUIET_WAIT} s, so no result would be evidence. Run on an idle machine, or set BENCH_ALLOW_NOISY=1 for figures marked NOISY.`);
    process.exit(1);
  }
} else {
  log("machine: /proc is unavailable — other processes' CPU use cannot be checked, the run will be marked NOISY");
  if (!allowNoisy) {
    log("refusing to run without /proc (Linux); set BENCH_ALLOW_NOISY=1 for figures marked NOISY.");
    process.exit(1);
  }
}

const calibrationBefore = calibrate("before");
const loader = startLoad();
const perCaseRounds = new Map<string, RoundResult[]>(selected.map((c) => [c.id, []]));
let repeated = 0;
let noisyMeasurements = 0;
let repeatsClosed = false;
const pctText = (cores: number | undefined): string => (cores === undefined ? "—" : `${(cores * 100).toFixed(0)}%`);
try {
  for (let round = 1; round <= rounds; round++) {
    for (const benchCase of selected) {
      if (unavailable.has(benchCase.id)) continue;
      try {
        let kept = await measure(benchCase, round, round === 1 ? warmup : rewarm, loader);
        const discarded: number[] = [];
        for (let again = 0; kept.quiet === false && again < REPEATS && !repeatsClosed && repeated < REPEAT_CAP; again++) {
          repeated++;
          log(`round ${round}  ${benchCase.id.padEnd(26)} noisy: other processes used ${pctText(kept.foreignCpu)} of a CPU (limit ${pctText(NOISE_LIMIT)}); measuring again`);
          await waitForQuiet(ourPids(loader), NOISE_LIMIT, QUIET_WAIT);
          const next = await measure(benchCase, round, rewarm, loader);
          // Keep the quieter of the two.
          if ((next.foreignCpu ?? 0) < (kept.foreignCpu ?? 0)) {
            discarded.push(kept.foreignCpu ?? Number.NaN);
            kept = next;
          } else discarded.push(next.foreignCpu ?? Number.NaN);
        }
        if (kept.quiet === false) {
          noisyMeasurements++;
          if (!repeatsClosed) log(`round ${round}  ${benchCase.id}: still noisy — the run is NOISY; no more repeats`);
          repeatsClosed = true;
        }
        const result: RoundResult = { ...kept, attempts: discarded.length + 1, discardedForeignCpu: discarded };
        perCaseRounds.get(benchCase.id)!.push(result);
        log(
          `round ${round}  ${benchCase.id.padEnd(26)} ${result.rps.toFixed(0).padStart(6)} req/s  ${result.cpuPerRequestMicros.toFixed(0).padStart(4)} µs CPU/req (${result.userCpuPerRequestMicros.toFixed(0)} user)  ` +
            `p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  foreign ${pctText(result.foreignCpu)}${result.quiet === false ? " NOISY" : ""}` +
            `${result.non2xx + result.errors > 0 ? `  (${result.non2xx} non-2xx, ${result.errors} errors)` : ""}`,
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`round ${round}  ${benchCase.id}: FAILED ${message}`);
        unavailable.set(benchCase.id, `failed: ${message}`);
      }
    }
  }
} finally {
  loader.disconnect();
  await Promise.all([...servers.values()].map(stopServer));
  await storeServers?.stop();
}

const smaller = Math.min(100_000, Math.ceil(memoryDeliveries / 10));
const memory = memoryDeliveries > 0 ? { store: runMemory("store", memoryDeliveries), handle: runMemory("handle", smaller), inbox: runMemory("inbox", smaller) } : null;
const calibrationAfter = calibrate("after");

// --- Summaries, budget, verdict ----------------------------------------------------------
const summaries: CaseSummary[] = selected.map((c) => {
  const mine = perCaseRounds.get(c.id)!;
  const theirs = (id: string | undefined): RoundResult[] | undefined => (id === undefined ? undefined : perCaseRounds.get(id));
  const ok = mine.length > 0;
  const medianOf = (pick: (r: RoundResult) => number | undefined): number | undefined => {
    const values = mine.map(pick).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const storeFields: Partial<CaseSummary> = c.store
    ? {
        store: c.store,
        inMemory: c.inMemory,
        storeRoundTripsPerDelivery: medianOf((r) => r.storeRoundTripsPerDelivery),
        storeServerCpuPerRequestMicros: medianOf((r) => r.storeServerCpuPerRequestMicros),
        rpsToInMemory: ratioOf(mine, theirs(c.inMemory), (r) => r.rps),
        cpuToInMemory: ratioOf(mine, theirs(c.inMemory), (r) => r.cpuPerRequestMicros),
        cpuToFloor: ratioOf(mine, theirs(FLOOR), (r) => r.cpuPerRequestMicros),
      }
    : {};
  return {
    id: c.id,
    label: c.label,
    framework: c.framework,
    kind: c.kind,
    scheme: c.scheme,
    bodyBytes: bodyBytes(c.scheme),
    counterpart: c.counterpart,
    status: unavailable.get(c.id) ?? (ok ? "ok" : "not run"),
    rounds: mine,
    rps: ok ? median(mine.map((r) => r.rps)) : undefined,
    p50: ok ? median(mine.map((r) => r.p50)) : undefined,
    p99: ok ? median(mine.map((r) => r.p99)) : undefined,
    cpuPerRequestMicros: ok ? median(mine.map((r) => r.cpuPerRequestMicros)) : undefined,
    rpsToCounterpart: ratioOf(mine, theirs(c.counterpart), (r) => r.rps),
    rpsToFloor: c.id === FLOOR ? undefined : ratioOf(mine, theirs(FLOOR), (r) => r.rps),
    cpuToCounterpart: ratioOf(mine, theirs(c.counterpart), (r) => r.cpuPerRequestMicros),
    p99ToCounterpart: ratioOf(mine, theirs(c.counterpart), (r) => r.p99),
    ...storeFields,
  };
});

const drift =
  "error" in calibrationBefore || "error" in calibrationAfter
    ? undefined
    : Math.max(Math.abs(calibrationAfter.sha256.medianMs / calibrationBefore.sha256.medianMs - 1), Math.abs(calibrationAfter.loop.medianMs / calibrationBefore.loop.medianMs - 1));
const calibration: CalibrationSummary = { before: calibrationBefore, after: calibrationAfter, drift, driftLimit: CALIBRATION_DRIFT_LIMIT, flagged: drift === undefined || drift > CALIBRATION_DRIFT_LIMIT };

const reasons: string[] = [];
if (!PROC_AVAILABLE) reasons.push("/proc is unavailable, so other processes' CPU use could not be checked.");
if (preflightForeignCpu !== undefined && preflightForeignCpu > NOISE_LIMIT) reasons.push(`Other processes used ${pctText(preflightForeignCpu)} of a CPU when the run started (limit ${pctText(NOISE_LIMIT)}).`);
if (noisyMeasurements > 0) {
  const worstForeign = Math.max(...[...perCaseRounds.values()].flat().map((r) => r.foreignCpu ?? 0));
  reasons.push(`${noisyMeasurements} measured window(s) stayed above ${pctText(NOISE_LIMIT)} of a CPU of foreign use after repeats (up to ${pctText(worstForeign)}).`);
}
if (drift === undefined) reasons.push("The calibration failed, so the host's speed could not be checked.");
else if (drift > CALIBRATION_DRIFT_LIMIT) reasons.push(`The calibration after the run differs from the one before by ${(drift * 100).toFixed(0)}% (limit ${(CALIBRATION_DRIFT_LIMIT * 100).toFixed(0)}%).`);
const verdict: Verdict = reasons.length === 0 ? { quiet: true, label: "quiet", reasons } : { quiet: false, label: "NOISY — not evidence", reasons };

const results: Results = {
  generatedAt: new Date().toISOString(),
  durationSeconds: Math.round((Date.now() - started) / 1000),
  verdict,
  mode,
  machine: {
    node: process.version,
    cpus: cpuCount,
    cpuModel: cpus()[0]?.model ?? "unknown",
    kernel: release(),
    pinned: hasTaskset ? { server: Number(SERVER_CPU), load: Number(LOAD_CPU) } : null,
    raisedPriority: canRenice,
  },
  noise: {
    source: PROC_AVAILABLE ? "/proc" : "unavailable",
    limitCores: NOISE_LIMIT,
    repeatsPerMeasurement: REPEATS,
    repeatCap: REPEAT_CAP,
    repeated,
    noisyMeasurements,
    preflightForeignCpu,
  },
  calibration,
  settings: { rounds, seconds, warmup, rewarm, connections, pipelining: 1, build: fromSource ? "source via tsx (not for results)" : "tsc build (dist)" },
  cases: summaries,
  ...(storeServers ? { stores: storeServers.info } : {}),
  budgets: evaluateBudgets(BUDGETS, summaries),
  memory,
};

mkdirSync(outDir, { recursive: true });
const written = ["results.json", "results.md"];
writeFileSync(join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(outDir, "results.md"), renderMarkdown(results));
// The README quotes only a quiet, full run.
if (mode === "full" && verdict.quiet) {
  writeFileSync(join(benchDir, "README-section.md"), renderReadmeSection(results));
  written.push("README-section.md");
}
const where = relative(root, outDir) || ".";
log(`wrote ${written.map((f) => (f === "README-section.md" ? "bench/" + f : `${where}/${f}`)).join(", ")} in ${results.durationSeconds} s (clock ticks: ${CLOCK_TICKS}/s)`);
for (const b of results.budgets) log(`budget ${b.id.padEnd(16)} ${b.verdict}${b.why.length ? ` (${b.why.join("; ")})` : ""}`);
if (verdict.quiet) log("verdict: quiet");
else {
  log(`verdict: NOISY — not evidence. ${verdict.reasons.join(" ")}`);
  if (!allowNoisy) {
    log("exiting 1 (BENCH_ALLOW_NOISY=1 to exit 0)");
    process.exitCode = 1;
  }
}
