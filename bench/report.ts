// The shape of bench/results.json, the budget verdicts, and the renderings: bench/results.md
// and bench/README-section.md (the README's Performance section).
import type { Calibration } from "./calibrate.js";
import { FLOOR, type Budget } from "./cases.js";
import type { MemoryResult, MemoryUnavailable } from "./memory.js";
import type { StoreCpu, StoreServerInfo } from "./store-servers.js";
import type { StoreKind } from "./stores.js";

/** One case in one round: the measurement that was kept (the quietest of its attempts). */
export interface RoundResult {
  round: number;
  /** Measurements taken for this round (1 unless other processes disturbed the first). */
  attempts: number;
  /** Foreign CPU (cores) of the attempts that were discarded as noisy. */
  discardedForeignCpu: number[];
  rps: number;
  /** Latency of 2xx responses, ms. */
  p50: number;
  p99: number;
  /** Receiver CPU (utime + stime from /proc/<pid>/stat, all threads, GC included) per request, µs. */
  cpuPerRequestMicros: number;
  /** The user-space part of it (JavaScript, GC, crypto); the rest is the kernel's network work. */
  userCpuPerRequestMicros: number;
  /** Receiver CPU as a fraction of one core over the window (1 = saturated). */
  serverCpu: number;
  /** Load generator CPU as a fraction of one core (near 1: the load generator was the limit). */
  loadCpu: number;
  /** CPU other processes used during the window, in cores (from /proc); undefined without /proc. */
  foreignCpu: number | undefined;
  /** Whether foreignCpu stayed within the limit; undefined without /proc. */
  quiet: boolean | undefined;
  /** The measured window, s. */
  windowSeconds: number;
  /** 1-minute load average when the window started. */
  loadAverage: number;
  requests: number;
  non2xx: number;
  errors: number;
  rssMiB: number;
  /** Store cases: commands (Redis) or statements (PostgreSQL) the receiver sent during the window, per request it served. */
  storeRoundTripsPerDelivery?: number | undefined;
  /** Store cases: the store server's CPU (all its processes, from /proc) per request served, µs. */
  storeServerCpuPerRequestMicros?: number | undefined;
  /** Store cases: the store server's CPU as a fraction of one core over the window. */
  storeServerCpu?: number | undefined;
}

/** A ratio per round and their median. */
export interface Ratio {
  median: number;
  rounds: number[];
}

/** One case over all rounds. */
export interface CaseSummary {
  id: string;
  label: string;
  framework: string;
  kind: "bare" | "credhooks" | "peer";
  scheme: string;
  bodyBytes: number;
  counterpart: string | undefined;
  /** "ok", or why the case has no figures ("not available: …", "failed: …"). */
  status: string;
  rounds: RoundResult[];
  rps: number | undefined;
  p50: number | undefined;
  p99: number | undefined;
  cpuPerRequestMicros: number | undefined;
  rpsToCounterpart: Ratio | undefined;
  rpsToFloor: Ratio | undefined;
  /** CPU per request relative to the counterpart's (above 1: costs more). */
  cpuToCounterpart: Ratio | undefined;
  p99ToCounterpart: Ratio | undefined;
  /** Store cases: the durable store the receiver ran on. */
  store?: StoreKind | undefined;
  /** Store cases: the same receiver on the in-memory store. */
  inMemory?: string | undefined;
  /** Store cases: round trips to the store per delivery (median of the rounds). */
  storeRoundTripsPerDelivery?: number | undefined;
  /** Store cases: the store server's CPU per delivery, µs (median of the rounds). */
  storeServerCpuPerRequestMicros?: number | undefined;
  /** Store cases: req/s and receiver CPU per request over the in-memory case's. */
  rpsToInMemory?: Ratio | undefined;
  cpuToInMemory?: Ratio | undefined;
  /** Store cases: receiver CPU per request over bare node:http's. */
  cpuToFloor?: Ratio | undefined;
}

/** One target of the budget, evaluated. */
export interface BudgetResult extends Budget {
  subjectLabel: string;
  referenceLabel: string;
  /** req/s of the subject over the reference's. */
  rps: Ratio | undefined;
  /** CPU per request of the subject over the reference's. */
  cpu: Ratio | undefined;
  /** p99 of the subject over its counterpart's. */
  p99: Ratio | undefined;
  verdict: "met" | "missed" | "not measured";
  /** Why it was missed or not measured. */
  why: string[];
}

/** The quiet verdict of a run: only a quiet run is evidence. */
export interface Verdict {
  quiet: boolean;
  label: "quiet" | "NOISY — not evidence";
  reasons: string[];
}

/** The calibration before and after the run, and how far apart they are. */
export interface CalibrationSummary {
  before: Calibration | { error: string };
  after: Calibration | { error: string };
  /** The larger relative difference of the two workloads' medians, after vs before (0.1 = 10%). */
  drift: number | undefined;
  driftLimit: number;
  flagged: boolean;
}

export type MemoryOutcome = MemoryResult | MemoryUnavailable | { error: string };

/** bench/results.json. */
export interface Results {
  generatedAt: string;
  durationSeconds: number;
  verdict: Verdict;
  /** full: every case at the default settings; quick: BENCH_QUICK=1 smoke test; partial: --only or changed settings. */
  mode: "full" | "quick" | "partial";
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    kernel: string;
    pinned: { server: number; load: number } | null;
    raisedPriority: boolean;
  };
  noise: {
    source: "/proc" | "unavailable";
    /** Foreign CPU allowed during a measured window, in cores. */
    limitCores: number;
    repeatsPerMeasurement: number;
    repeatCap: number;
    /** Measurements repeated because of foreign CPU. */
    repeated: number;
    /** Kept measurements still above the limit. */
    noisyMeasurements: number;
    /** Foreign CPU before the run started (cores), after waiting for a quiet moment. */
    preflightForeignCpu: number | undefined;
  };
  calibration: CalibrationSummary;
  settings: { rounds: number; seconds: number; warmup: number; rewarm: number; connections: number; pipelining: number; build: string };
  cases: CaseSummary[];
  /** The store servers the store cases ran on (absent when none was started). */
  stores?: Partial<Record<StoreKind, StoreServerInfo>>;
  budgets: BudgetResult[];
  memory: { store: MemoryOutcome; handle: MemoryOutcome; inbox: MemoryOutcome } | null;
}

/** The median of a non-empty list; with two values, the mean. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * `pick` of `mine` over `pick` of `theirs`, per round (the two ran seconds apart, on the same
 * machine state), then the median of the rounds.
 */
export function ratioOf(mine: readonly RoundResult[], theirs: readonly RoundResult[] | undefined, pick: (r: RoundResult) => number): Ratio | undefined {
  if (!theirs) return undefined;
  const rounds = mine.flatMap((r) => {
    const t = theirs.find((x) => x.round === r.round);
    return t ? [pick(r) / pick(t)] : [];
  });
  return rounds.length ? { median: median(rounds), rounds } : undefined;
}

/**
 * Evaluates every target of the budget on the cases.
 *
 * @example
 * ```ts
 * const budgets = evaluateBudgets(BUDGETS, summaries);
 * ```
 */
export function evaluateBudgets(budgets: readonly Budget[], cases: readonly CaseSummary[]): BudgetResult[] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  return budgets.map((b) => {
    const subject = byId.get(b.subject);
    const reference = byId.get(b.reference);
    const base = { ...b, subjectLabel: subject?.label ?? b.subject, referenceLabel: reference?.label ?? b.reference };
    const missing = [subject, reference].flatMap((c, i) =>
      c === undefined ? [`${i === 0 ? b.subject : b.reference}: not run`] : c.status !== "ok" || c.rounds.length === 0 ? [`${c.label}: ${c.status === "ok" ? "no rounds" : c.status}`] : [],
    );
    if (missing.length > 0 || !subject || !reference) return { ...base, rps: undefined, cpu: undefined, p99: undefined, verdict: "not measured", why: missing };
    const rps = ratioOf(subject.rounds, reference.rounds, (r) => r.rps);
    const cpu = ratioOf(subject.rounds, reference.rounds, (r) => r.cpuPerRequestMicros);
    const p99 = b.maxP99 === undefined ? undefined : subject.p99ToCounterpart;
    const why: string[] = [];
    if (b.minRps !== undefined && !(rps && rps.median >= b.minRps)) why.push(`req/s ratio ${rps ? rps.median.toFixed(2) : "—"}× < ${b.minRps.toFixed(2)}×`);
    if (b.maxCpu !== undefined && !(cpu && (b.cheaper ? cpu.median < b.maxCpu : cpu.median <= b.maxCpu))) {
      why.push(`CPU/request ratio ${cpu ? cpu.median.toFixed(2) : "—"}× ${b.cheaper ? "≥" : ">"} ${b.maxCpu.toFixed(2)}×`);
    }
    if (b.maxP99 !== undefined && p99 !== undefined && p99.median > b.maxP99) why.push(`p99 ${p99.median.toFixed(2)}× its counterpart's > ${b.maxP99}×`);
    return { ...base, rps, cpu, p99, verdict: why.length === 0 ? "met" : "missed", why };
  });
}

const num = (value: number | undefined, digits = 0): string => (value === undefined || Number.isNaN(value) ? "—" : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ratio = (r: Ratio | undefined): string => (r === undefined ? "—" : `${r.median.toFixed(2)}×`);
const perRound = (r: Ratio | undefined): string => (r === undefined ? "" : ` (${r.rounds.map((x) => x.toFixed(2)).join(" / ")})`);
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const pct = (cores: number | undefined): string => (cores === undefined ? "—" : `${(cores * 100).toFixed(0)}%`);
const isResult = (m: MemoryOutcome | undefined): m is MemoryResult => m !== undefined && !("error" in m) && !("unavailable" in m);
const memoryProblem = (m: MemoryOutcome): string => ("error" in m ? `failed: ${m.error}` : "unavailable" in m ? m.unavailable : "");

function limits(b: Budget): string {
  const parts: string[] = [];
  if (b.minRps !== undefined) parts.push(`req/s ≥ ${b.minRps.toFixed(2)}×`);
  if (b.maxCpu !== undefined) parts.push(`CPU/req ${b.cheaper ? "<" : "≤"} ${b.maxCpu.toFixed(2)}×`);
  if (b.maxP99 !== undefined) parts.push(`p99 ≤ ${b.maxP99}× counterpart`);
  return parts.join(", ");
}

function calibrationRows(c: CalibrationSummary): string[] {
  const cell = (side: Calibration | { error: string }, pick: (k: Calibration) => string): string => ("error" in side ? `failed: ${side.error}` : pick(side));
  const drift = (pick: (k: Calibration) => number): string => ("error" in c.before || "error" in c.after ? "—" : `${(((pick(c.after) - pick(c.before)) / pick(c.before)) * 100).toFixed(1)}%`);
  return [
    "| workload (fixed) | before: median (fastest) | after: median (fastest) | after vs before |",
    "|---|---|---|---|",
    `| 20,000 SHA-256 of 1 KiB | ${cell(c.before, (k) => `${k.sha256.medianMs.toFixed(1)} ms (${k.sha256.minMs.toFixed(1)})`)} | ${cell(c.after, (k) => `${k.sha256.medianMs.toFixed(1)} ms (${k.sha256.minMs.toFixed(1)})`)} | ${drift((k) => k.sha256.medianMs)} |`,
    `| 50,000,000 xorshift rounds | ${cell(c.before, (k) => `${k.loop.medianMs.toFixed(1)} ms (${k.loop.minMs.toFixed(1)})`)} | ${cell(c.after, (k) => `${k.loop.medianMs.toFixed(1)} ms (${k.loop.minMs.toFixed(1)})`)} | ${drift((k) => k.loop.medianMs)} |`,
    `| CPU share of the calibration process | ${cell(c.before, (k) => pct(k.cpuShare))} | ${cell(c.after, (k) => pct(k.cpuShare))} | |`,
  ];
}

const STORE_NAMES: Record<StoreKind, string> = { redis: "Redis (`@credhooks/redis`)", postgres: "PostgreSQL (`@credhooks/postgres`)" };

/** How the store cases are set up and counted: the same words in results.md and the README section. */
const STORE_METHOD =
  "**Round trips per delivery** are counted on the client side, in the receiver: every command ioredis sends to Redis (its `sendCommand`; each store step is one `EVALSHA` of a Lua script) " +
  "and every statement a pooled `pg` client sends to PostgreSQL (its `query`), over the measured window, divided by the requests served in it — the periodic recovery pass (`claimDue` every 5 s) included. " +
  "**Store server CPU** is the CPU time of the server's processes (redis-server; PostgreSQL's postmaster, backends and background workers) from /proc over the window, per request served; " +
  "receiver CPU/req is the receiver process alone (credhooks and the client library).";

/** What the store servers' placement means for the figures (results.md). */
const STORE_PLACEMENT: Record<StoreCpu, string> = {
  load:
    "The receiver keeps its CPU to itself, as in every other case, so its CPU per request compares with the in-memory case's; the store server shares the load generator's CPU, " +
    "so when store server + autocannon near 100% of a core, that CPU was the limit and req/s understates the receiver.",
  receiver: "The store server shares the receiver's CPU: req/s is what one CPU serves with credhooks and its store on it (the load generator keeps its own CPU, as in every case).",
  any: "The store servers are not pinned: they share whichever CPU the kernel gives them.",
};

/** The medians of a store case's per-round figure, undefined when no round has it. */
function roundsMedian(c: CaseSummary, pick: (r: RoundResult) => number | undefined): number | undefined {
  const values = c.rounds.map(pick).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return values.length > 0 ? median(values) : undefined;
}

/** results.md: the store cases beside the in-memory case they repeat; nothing when none was selected. */
function storeSection(results: Results): string[] {
  const storeCases = results.cases.filter((c) => c.store !== undefined);
  if (storeCases.length === 0) return [];
  const byId = new Map(results.cases.map((c) => [c.id, c]));
  const floor = byId.get(FLOOR);
  const inMemory = byId.get(storeCases.find((c) => c.inMemory !== undefined)?.inMemory ?? "");
  const lines: string[] = [];
  const out = (line = ""): void => void lines.push(line);
  const infos = Object.values(results.stores ?? {});
  const servers = infos.map((info) => `${info.version}: ${info.settings}; ${info.placement}`);
  const placement = infos[0] ? STORE_PLACEMENT[infos[0].cpu] : "";
  out("## Durable stores (Redis, PostgreSQL)");
  out();
  out(
    `The credhooks core case (Proven, one no-op handler, a new event per request) again, on ${Object.values(STORE_NAMES).join(" and ")} instead of the in-memory \`LruDedupeStore\`, ` +
      "created as their READMEs show: `createRedisStore({ url })`, `createPostgresStore({ connectionString })` and `migrate()` (the recommended client settings; a pool of 10). " +
      `The benchmark starts each server itself on a free loopback port${servers.length ? ` (${servers.join(". ")})` : ""}. ${placement} ` +
      "In production the store usually has a machine of its own: expect more req/s there, and the same round trips.",
  );
  out();
  out(STORE_METHOD);
  out();
  out("| case | store | req/s | × in-memory | × node:http | receiver CPU/req µs | × in-memory | × node:http | store server CPU µs/delivery | CPU: receiver / store server / autocannon | round trips per delivery (rounds) | p50 ms | p99 ms |");
  out("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  if (inMemory) {
    const c = inMemory;
    if (c.status !== "ok") out(`| ${c.label} | in-memory (\`LruDedupeStore\`) | ${c.status} | | | | | | | | | | |`);
    else {
      const cpuToFloor = ratioOf(c.rounds, floor?.rounds, (r) => r.cpuPerRequestMicros);
      const shares = `${pct(roundsMedian(c, (r) => r.serverCpu))} / — / ${pct(roundsMedian(c, (r) => r.loadCpu))}`;
      out(`| ${c.label} | in-memory (\`LruDedupeStore\`) | ${num(c.rps)} | 1.00× | ${ratio(c.rpsToFloor)} | ${num(c.cpuPerRequestMicros)} | 1.00× | ${ratio(cpuToFloor)} | — | ${shares} | 0 | ${num(c.p50, 2)} | ${num(c.p99, 2)} |`);
    }
  }
  for (const c of storeCases) {
    const name = STORE_NAMES[c.store!];
    if (c.status !== "ok") {
      out(`| ${c.label} | ${name} | ${c.status} | | | | | | | | | | |`);
      continue;
    }
    const trips = c.rounds.map((r) => r.storeRoundTripsPerDelivery).filter((v): v is number => v !== undefined);
    const shares = `${pct(roundsMedian(c, (r) => r.serverCpu))} / ${pct(roundsMedian(c, (r) => r.storeServerCpu))} / ${pct(roundsMedian(c, (r) => r.loadCpu))}`;
    out(
      `| ${c.label} | ${name} | ${num(c.rps)} | ${ratio(c.rpsToInMemory)} | ${ratio(c.rpsToFloor)} | ${num(c.cpuPerRequestMicros)} | ${ratio(c.cpuToInMemory)} | ${ratio(c.cpuToFloor)} | ` +
        `${num(c.storeServerCpuPerRequestMicros)} | ${shares} | ${num(c.storeRoundTripsPerDelivery, 2)}${trips.length > 1 ? ` (${trips.map((t) => t.toFixed(2)).join(" / ")})` : ""} | ${num(c.p50, 2)} | ${num(c.p99, 2)} |`,
    );
  }
  out();
  out(
    "“× in-memory”: over the in-memory case's figure, “× node:http”: over bare node:http's, per round then the median (req/s: higher is better; CPU: lower is better). " +
      "CPU: each process's share of one core over the window (medians of the rounds); two sharing a CPU near 100% together means that CPU was the limit. A case whose server could not run here is listed with the reason (skipped: its binaries are not installed).",
  );
  out();
  return lines;
}

/**
 * Renders the results as the Markdown of bench/results.md.
 *
 * @example
 * ```ts
 * writeFileSync("bench/results.md", renderMarkdown(results));
 * ```
 */
export function renderMarkdown(results: Results): string {
  const byId = new Map(results.cases.map((c) => [c.id, c]));
  const label = (id: string | undefined): string => (id === undefined ? "—" : (byId.get(id)?.label ?? id));
  const lines: string[] = [];
  const out = (line = ""): void => void lines.push(line);
  const { machine, settings, noise, verdict } = results;

  out("# credhooks benchmark results");
  out();
  if (verdict.quiet) {
    out(`**Verdict: quiet.** Every measured window had at most ${pct(noise.limitCores)} of a CPU of foreign use, and the calibration after the run is within ${(results.calibration.driftLimit * 100).toFixed(0)}% of the one before.`);
  } else {
    out(`> **NOISY — not evidence.** ${verdict.reasons.join(" ")} The figures below describe a disturbed machine, not credhooks: do not quote them.`);
  }
  if (results.mode !== "full") out(`\n_${results.mode === "quick" ? "Quick mode (BENCH_QUICK=1): a smoke test of the harness, not a measurement." : "Partial run (--only, non-default settings, --profile, or from sources via tsx): not the full benchmark."}_`);
  out();
  out(
    `Generated by \`pnpm bench\` on ${results.generatedAt.slice(0, 16).replace("T", " ")} UTC in ${results.durationSeconds} s. Node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, Linux ${machine.kernel}; ` +
      (machine.pinned ? `receiver pinned to CPU ${machine.pinned.server}, autocannon to CPU ${machine.pinned.load} (taskset)` : "no CPU pinning") +
      (machine.raisedPriority ? ", both at nice −10." : "."),
  );
  out(
    `Each receiver: its own process on 127.0.0.1 for all ${settings.rounds} round(s); ${settings.warmup} s of warm-up before round 1 and ${settings.rewarm} s before each later round or repeat, then ${settings.seconds} s of autocannon with ${settings.connections} connections (no pipelining), each case right after its bare counterpart. ` +
      "Every request carries a new event id, so credhooks' dedupe claims, records and completes a new event each time; the figures are medians of the rounds." +
      (settings.build.startsWith("source") ? " **Run from TypeScript sources through tsx: not representative (tsx wraps every closure in a naming helper).**" : ""),
  );
  out();

  out("## Noise and calibration");
  out();
  out(
    noise.source === "/proc"
      ? `Foreign CPU of a window = the machine's busy time (/proc/stat: all CPUs, total − idle − iowait, interrupt time excluded) − the CPU time of the benchmark's own processes (receiver, autocannon, runner: utime + stime from /proc/<pid>/stat) and of the kernel's ksoftirqd threads, over the window's wall time. ` +
          `Limit: ${pct(noise.limitCores)} of one CPU; a window above it is measured again (at most ${noise.repeatsPerMeasurement} time(s) per measurement and ${noise.repeatCap} per run, after waiting for a quiet second). ` +
          `Before the run: ${pct(noise.preflightForeignCpu)} of a CPU in foreign use. ${noise.repeated} measurement(s) repeated; ${noise.noisyMeasurements} kept measurement(s) still above the limit.`
      : "/proc is unavailable (not Linux): foreign CPU could not be measured, so the run cannot be shown to be quiet.",
  );
  out();
  for (const row of calibrationRows(results.calibration)) out(row);
  out();
  out(
    `The calibration is a fixed amount of work on the receivers' CPU before and after the run (medians of its repetitions); a difference above ${(results.calibration.driftLimit * 100).toFixed(0)}% flags the run (the host changed speed, or shared the CPU). ` +
      "Compare the figures of two runs only when their calibrations agree.",
  );
  out();

  out("## Budget");
  out();
  out(
    "Targets of the README, never asserted in tests. Each ratio is the case's figure over the reference's, per round (the two run one after the other), then the median of the rounds. " +
      "req/s: higher is better; CPU/request (the receiver's utime + stime per request): lower is better; p99 against the case's hand-written counterpart.",
  );
  out();
  out("| target | limits | case vs reference | req/s ratio (rounds) | CPU/request ratio (rounds) | p99 vs counterpart | verdict |");
  out("|---|---|---|---|---|---|---|");
  for (const b of results.budgets) {
    const verdictText = b.verdict === "met" ? "**met**" : b.verdict === "missed" ? `**missed** (${b.why.join("; ")})` : `not measured (${b.why.join("; ")})`;
    out(`| ${b.text} | ${limits(b)} | ${b.subjectLabel} vs ${b.referenceLabel} | ${ratio(b.rps)}${perRound(b.rps)} | ${ratio(b.cpu)}${perRound(b.cpu)} | ${ratio(b.p99)} | ${verdictText} |`);
  }
  out();

  out("## All cases (median of rounds)");
  out();
  out("CPU/req is the receiver process's CPU time (utime + stime from /proc, all threads, GC included) per request. “× counterpart” compares with the same framework and auth scheme without credhooks; “× node:http” with the bare node:http floor.");
  out();
  out("| case | framework | body | req/s | CPU/req µs | p50 ms | p99 ms | × counterpart | × node:http | CPU × counterpart | p99 × counterpart |");
  out("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const c of results.cases) {
    if (c.status !== "ok") {
      out(`| ${c.label} | ${c.framework} | ${c.bodyBytes} B | ${c.status} | | | | | | | |`);
      continue;
    }
    out(`| ${c.label} | ${c.framework} | ${c.bodyBytes} B | ${num(c.rps)} | ${num(c.cpuPerRequestMicros)} | ${num(c.p50, 2)} | ${num(c.p99, 2)} | ${ratio(c.rpsToCounterpart)} | ${ratio(c.rpsToFloor)} | ${ratio(c.cpuToCounterpart)} | ${ratio(c.p99ToCounterpart)} |`);
  }
  out();
  const pairs = results.cases.filter((c) => c.counterpart);
  if (pairs.length) out("Counterparts: " + pairs.map((c) => `${c.label} → ${label(c.counterpart)}`).join("; ") + ".");
  out();
  for (const line of storeSection(results)) out(line);

  for (let round = 1; round <= settings.rounds; round++) {
    out(`## Round ${round}`);
    out();
    out("| case | req/s | CPU/req µs (user) | p50 ms | p99 ms | receiver CPU | autocannon CPU | foreign CPU | attempts (discarded: foreign CPU) | load avg | non-2xx / errors |");
    out("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const c of results.cases) {
      const r = c.rounds.find((x) => x.round === round);
      if (!r) continue;
      const foreign = `${pct(r.foreignCpu)}${r.quiet === false ? " **noisy**" : ""}`;
      const attempts = r.attempts > 1 ? `${r.attempts} (${r.discardedForeignCpu.map((x) => pct(x)).join(", ")})` : "1";
      out(`| ${c.label} | ${num(r.rps)} | ${num(r.cpuPerRequestMicros)} (${num(r.userCpuPerRequestMicros)}) | ${num(r.p50, 2)} | ${num(r.p99, 2)} | ${pct(r.serverCpu)} | ${pct(r.loadCpu)} | ${foreign} | ${attempts} | ${r.loadAverage.toFixed(1)} | ${r.non2xx} / ${r.errors} |`);
    }
    out();
  }
  out("Receiver CPU near 100% means the receiver was the bottleneck (as intended); autocannon CPU near 100% would mean the load generator was; foreign CPU is what other processes used during the window.");
  out();

  out("## Memory");
  out();
  const memory = results.memory;
  if (memory === null) out("Skipped (`--memory 0`).");
  else {
    const { store, handle, inbox } = memory;
    out("### Remembered deliveries (dedupe store)");
    out();
    if (!isResult(store)) out(`Store case ${memoryProblem(store)}`);
    else {
      out(
        `${store.deliveries.toLocaleString("en-US")} distinct deliveries through the default store, \`new LruDedupeStore({ max: ${store.deliveries.toLocaleString("en-US").replaceAll(",", "_")} })\`, ` +
          `exactly as the core settles an event with one handler (claim → handlerSucceeded → complete), with the ${store.keyLength}-character keys the core builds for Proven events ` +
          `(the store keeps keys of 32 characters or more as a 32-byte SHA-256); ${store.remembered.toLocaleString("en-US")} remembered, in ${store.seconds.toFixed(1)} s.`,
      );
      out();
      out("| measure | value |");
      out("|---|---|");
      out(`| **V8 heap per remembered delivery** | **${store.heapBytesPerEntry.toFixed(0)} bytes** (target ≤ 160) |`);
      out(`| heap + ArrayBuffers (the LRU's typed arrays) per delivery | ${store.heapAndBuffersBytesPerEntry.toFixed(0)} bytes |`);
      out(`| heap used before → after (full GCs) | ${mib(store.heapUsedBefore)} → ${mib(store.heapUsedAfter)} |`);
      out(`| RSS before → after | ${mib(store.rssBefore)} → ${mib(store.rssAfter)} |`);
    }
    out();
    if (!isResult(handle)) out(`Pipeline check ${memoryProblem(handle)}`);
    else {
      out(
        `Check through the whole pipeline: ${handle.deliveries.toLocaleString("en-US")} distinct Proven deliveries through \`createWebhooks().handle()\` (authentication, zod, dedupe, a no-op handler) ` +
          `leave ${handle.heapBytesPerEntry.toFixed(0)} bytes of heap (${handle.heapAndBuffersBytesPerEntry.toFixed(0)} with ArrayBuffers) per remembered delivery: nothing is kept per delivery beyond the store's entry.`,
      );
    }
    out();
    out("### In-flight events (the inbox)");
    out();
    if (!isResult(inbox)) out(`Inbox case: ${memoryProblem(inbox)}.`);
    else {
      const record = inbox.recordBytes ?? 0;
      out(
        `${inbox.deliveries.toLocaleString("en-US")} distinct events claimed into the inbox of \`new LruDedupeStore({ max: ${inbox.deliveries.toLocaleString("en-US").replaceAll(",", "_")} })\` with ` +
          `\`store.claim(key, 30000, { queue: "bench", record })\`, each record a ${record.toFixed(0)}-byte serialized Proven event, and left in flight; in ${inbox.seconds.toFixed(1)} s.`,
      );
      out();
      out("| measure | value |");
      out("|---|---|");
      out(`| **V8 heap per in-flight event** | **${inbox.heapBytesPerEntry.toFixed(0)} bytes** |`);
      out(`| of which the store, beyond the record's characters | ${(inbox.heapBytesPerEntry - record).toFixed(0)} bytes |`);
      out(`| heap + ArrayBuffers per event | ${inbox.heapAndBuffersBytesPerEntry.toFixed(0)} bytes |`);
      out(`| heap used before → after (full GCs) | ${mib(inbox.heapUsedBefore)} → ${mib(inbox.heapUsedAfter)} |`);
      out(`| RSS before → after | ${mib(inbox.rssBefore)} → ${mib(inbox.rssAfter)} |`);
    }
  }
  out();
  return lines.join("\n");
}

/** How to run the benchmark: the same text in the README section whatever the results. */
const HOW_TO_RUN = [
  "`pnpm bench` (a script, not a test) builds the packages, starts each receiver in its own process on 127.0.0.1 and loads it with " +
    "[autocannon](https://github.com/mcollina/autocannon) from another process, the two pinned to different CPUs with `taskset`. Every case gets the same " +
    "~1.2 KB body and a new event id on every request, so dedupe does real work; each credhooks case runs beside the same framework and " +
    "authentication scheme written by hand, and beside `@octokit/webhooks` as the peer. The core case runs again on `@credhooks/redis` and " +
    "`@credhooks/postgres`, whose servers the benchmark starts on loopback and stops at the end (without redis-server or PostgreSQL's binaries " +
    "those cases are reported as skipped, with the reason). It writes `bench/results.md` and `bench/results.json` " +
    "(verdict, calibration, every case and round: req/s, receiver CPU per request, p50/p99, foreign CPU; for the store cases, round trips to the " +
    "store per delivery and the store server's CPU; the memory cases).",
  "",
  "**A run takes about 6 minutes** on 2 vCPUs (17 cases × 3 rounds: 4 s of warm-up + 3 s measured in round 1, 1 s + 3 s in rounds 2 and 3, " +
    "plus the package build, starting Redis and PostgreSQL, two calibrations and the memory cases), **at most about 9 minutes** when measurements are repeated. " +
    "Run it on an otherwise idle Linux machine with at least 2 CPUs: it reads `/proc` to see other processes' CPU use, repeats a measured window in which " +
    "they used more than 10% of a CPU (twice at most per window, 10 times per run), and if a window stays noisy, or the fixed calibration workload " +
    "(SHA-256 digests and an arithmetic loop, timed on the receivers' CPU before and after the run) differs by more than 15%, marks the results " +
    "**NOISY — not evidence** and exits non-zero. Only a quiet, full run regenerates this section (`bench/README-section.md`).",
  "",
  "| knob | effect |",
  "|---|---|",
  "| `BENCH_QUICK=1` | smoke test of the harness in seconds: 1 round of 1 s after 1 s of warm-up, small memory cases, one repeat; results go to `bench/dist/results/`, never to the committed files |",
  "| `BENCH_ONLY=a,b` (or `--only a,b`) | only these case ids (see `bench/cases.ts`); results go to `bench/dist/results/` |",
  "| `BENCH_ALLOW_NOISY=1` | exit 0 even when the run is NOISY (the results stay marked) |",
  "| `BENCH_NOISE_LIMIT=0.10` | foreign CPU allowed in a measured window, in cores |",
  "| `BENCH_REPEATS=2` | repeats of a noisy window before it is kept as noisy |",
  "| `BENCH_QUIET_WAIT=10` | seconds to wait for a quiet second before the run and before each repeat |",
  "| `BENCH_STORE_CPU=load` | where the store cases' Redis and PostgreSQL run: `load` (the load generator's CPU, so the receiver keeps its own), `receiver` (the receiver's CPU), `any` (not pinned) |",
  "| `--rounds 3 --seconds 3 --warmup 4 --connections 32 --memory 1000000` | the measurement itself; other values make a partial run (`bench/dist/results/`) |",
  "| `--profile` | a V8 CPU profile of each measured window in `bench/dist/profiles/` (`node bench/dist/bench/profile-summary.js <file>`); slows the receivers, figures are not results |",
  "",
  "A smoke test of the harness (about 15 s after the build; on a busy machine too): `BENCH_QUICK=1 BENCH_ALLOW_NOISY=1 BENCH_ONLY=node-bare pnpm bench`, " +
    "or, once built, `BENCH_QUICK=1 BENCH_ALLOW_NOISY=1 BENCH_ONLY=node-bare node bench/dist/bench/run.js`; " +
    "the store cases beside the in-memory one: `BENCH_ONLY=node-bare,node-credhooks-proven,node-credhooks-proven-redis,node-credhooks-proven-postgres`.",
];

const WHERE_THE_TIME_GOES =
  "**Where the time goes.** A bare node:http receiver does very little — about 50 µs of CPU per request, most of it " +
  "Node's HTTP stack and `JSON.parse` — so every microsecond credhooks spends shows. Profiles (`pnpm bench --profile`, then " +
  "`node bench/dist/bench/profile-summary.js <file>`) put credhooks' own work for a Proven delivery, outside HTTP, at about 40 µs: the " +
  "`X-API-Key` comparison, the dedupe claim, handler record and completion, zod, and the pipeline (async stages, response objects); " +
  "a 200 with a JSON body and headers costs ~5–10 µs more to write than a bare 204. Behind Express, `express.json()` alone costs about as much " +
  "as credhooks' whole pipeline. Per provider: Truvera's dedupe id (canonical JSON of `data`, keys sorted at every level, then hashed) takes ~30 µs; " +
  "for Sovrin, Ed25519 verification is about three quarters of authentication and structured-field parsing and the signature base most of the rest.";

/** The README section's paragraph on the store cases: their figures when the run has them. */
function storeReadmeLines(results: Results | undefined): string[] {
  const cases = results?.cases ?? [];
  const measured = cases.filter((c) => c.store !== undefined && c.status === "ok");
  const intro =
    "**Durable stores.** `pnpm bench` runs the core case (Proven on node:http) again on `@credhooks/redis` and `@credhooks/postgres`, created as their READMEs show, " +
    "each server started by the benchmark on loopback (on the load generator's CPU, so the receiver keeps its own): req/s and receiver CPU per request against the in-memory case and bare node:http, " +
    "the store server's CPU per delivery, and the store's round trips per delivery.";
  if (measured.length === 0) {
    return [intro + " No quiet full run has recorded them yet: they are measured by `pnpm bench` (see `bench/results.md` after a run).", ""];
  }
  const byId = new Map(cases.map((c) => [c.id, c]));
  const inMemory = byId.get(measured[0]!.inMemory ?? "");
  const x = (r: Ratio | undefined): string => (r === undefined ? "—" : `${r.median.toFixed(2)}×`);
  const lines = [intro + " " + STORE_METHOD, "", "| store | req/s (× in-memory, × node:http) | receiver CPU/request (× in-memory) | store server CPU/delivery | round trips per delivery |", "|---|---|---|---|---|"];
  if (inMemory?.status === "ok") lines.push(`| in-memory (\`LruDedupeStore\`) | ${num(inMemory.rps)} (1.00×, ${x(inMemory.rpsToFloor)}) | ${num(inMemory.cpuPerRequestMicros)} µs (1.00×) | — | 0 |`);
  for (const c of cases.filter((k) => k.store !== undefined)) {
    const name = STORE_NAMES[c.store!];
    if (c.status !== "ok") lines.push(`| ${name} | ${c.status} | | | |`);
    else lines.push(`| ${name} | ${num(c.rps)} (${x(c.rpsToInMemory)}, ${x(c.rpsToFloor)}) | ${num(c.cpuPerRequestMicros)} µs (${x(c.cpuToInMemory)}) | ${num(c.storeServerCpuPerRequestMicros)} µs | ${num(c.storeRoundTripsPerDelivery, 2)} |`);
  }
  lines.push("");
  return lines;
}

/**
 * Renders the README's Performance section: how to run the benchmark, and the figures of the
 * last quiet, full run (`undefined`: none recorded yet).
 *
 * @example
 * ```ts
 * if (results.verdict.quiet && results.mode === "full") writeFileSync("bench/README-section.md", renderReadmeSection(results));
 * ```
 */
export function renderReadmeSection(results: Results | undefined): string {
  const lines: string[] = [];
  const out = (line = ""): void => void lines.push(line);
  const x = (r: Ratio | undefined): string => (r === undefined ? "—" : `${r.median.toFixed(2)}×`);

  out("## Performance");
  out();
  for (const line of HOW_TO_RUN) out(line);
  out();
  out(
    "**Budget** (targets for the benchmark, never asserted in tests): core on node:http with X-API-Key ≥ 0.80× bare node:http in req/s and ≤ 1.3× its CPU per request; " +
      "Koa adapter ≥ 0.90× bare Koa; Express adapter ≥ 0.95× bare Express; each signing scheme (Svix HMAC, RFC 9421 Ed25519) ≥ 0.90× the same scheme hand-written on node:http; " +
      "core cheaper per request than `@octokit/webhooks`; p99 ≤ 1.5× the hand-written counterpart's.",
  );
  out();
  if (!results) {
    out(
      "**No quiet run recorded yet.** The figures in `bench/results.md` were taken on a machine shared with other work (other processes used most of a CPU); " +
        "they are not evidence for or against the budget. Run `pnpm bench` on an idle machine to record them here.",
    );
    out();
    out(WHERE_THE_TIME_GOES);
    out();
    for (const line of storeReadmeLines(undefined)) out(line);
    return lines.join("\n");
  }

  const byId = new Map(results.cases.map((c) => [c.id, c]));
  const us = (id: string): string => {
    const c = byId.get(id);
    return c?.cpuPerRequestMicros === undefined ? "—" : `${c.cpuPerRequestMicros.toFixed(0)} µs`;
  };
  const { machine, settings, calibration } = results;
  const before = "error" in calibration.before ? undefined : calibration.before;
  out(
    `**Last quiet run** (${results.generatedAt.slice(0, 10)}, ${results.durationSeconds} s, Node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}; ${settings.rounds} rounds of ${settings.seconds} s, ${settings.connections} connections, medians of the rounds; ` +
      `foreign CPU ≤ ${(results.noise.limitCores * 100).toFixed(0)}% of a CPU in every window` +
      (before ? `; calibration ${before.sha256.medianMs.toFixed(0)} ms for 20,000 SHA-256, drift ${calibration.drift === undefined ? "—" : `${(calibration.drift * 100).toFixed(1)}%`}` : "") +
      "):",
  );
  out();
  out("| target | req/s ratio | CPU/request: case vs reference (ratio) | p99 vs counterpart | verdict |");
  out("|---|---|---|---|---|");
  for (const b of results.budgets) {
    const verdict = b.verdict === "met" ? "met" : b.verdict === "missed" ? `**missed** (${b.why.join("; ")})` : `not measured (${b.why.join("; ")})`;
    out(`| ${b.text} | ${x(b.rps)} | ${us(b.subject)} vs ${us(b.reference)} (${x(b.cpu)}) | ${x(b.p99)} | ${verdict} |`);
  }
  out();
  out(WHERE_THE_TIME_GOES);
  out();
  for (const line of storeReadmeLines(results)) out(line);

  const memory = results.memory;
  if (memory && isResult(memory.store)) {
    const { store } = memory;
    const perEntry = store.heapAndBuffersBytesPerEntry;
    out(
      `**Memory.** The default store keeps ${store.heapBytesPerEntry.toFixed(0)} bytes of heap per remembered delivery (${perEntry.toFixed(0)} with the LRU's typed arrays; target ≤ 160), ` +
        `whatever the length of the dedupe key: keys of 32 characters or more are stored as their SHA-256. ${store.deliveries.toLocaleString("en-US")} distinct deliveries ` +
        `take ${((store.heapUsedAfter - store.heapUsedBefore) / 2 ** 20).toFixed(0)} MiB of heap. The window a count-bounded store remembers is \`max ÷ arrival rate\`: ` +
        "use `@credhooks/redis` beyond that, or when several instances share the load." +
        (isResult(memory.inbox)
          ? ` Each event in flight in the inbox costs ${memory.inbox.heapBytesPerEntry.toFixed(0)} bytes of heap with a ${(memory.inbox.recordBytes ?? 0).toFixed(0)}-byte record ` +
            `(${(memory.inbox.heapBytesPerEntry - (memory.inbox.recordBytes ?? 0)).toFixed(0)} beyond the record), measured over ${memory.inbox.deliveries.toLocaleString("en-US")} events.`
          : ""),
    );
    out();
  }
  return lines.join("\n");
}
