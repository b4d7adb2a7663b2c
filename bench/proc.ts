// CPU accounting from /proc (Linux): what the whole machine used over a window
// (/proc/stat, all CPUs) and what each of the benchmark's own processes used
// (/proc/<pid>/stat utime + stime, all threads). The difference is "foreign" CPU: other
// processes on the machine, which make a measurement untrustworthy.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: the unit of every tick count in /proc (100 on Linux, asked once from getconf). */
export const CLOCK_TICKS = ((): number => {
  const answer = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return Number.isInteger(answer) && answer > 0 ? answer : 100;
})();

/** Machine-wide ticks (all CPUs) from the first line of /proc/stat. */
interface MachineTicks {
  /** Everything but idle and iowait: user, nice, system, irq, softirq, steal. */
  busy: number;
  /** irq + softirq: the kernel's interrupt work, mostly the benchmark's own loopback traffic. */
  interrupts: number;
}

/** utime and stime of one process (all its threads), in ticks. */
export interface ProcessTicks {
  user: number;
  system: number;
}

function machineTicks(): MachineTicks | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    if (!line.startsWith("cpu ")) return undefined;
    // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return { busy: total - idle - iowait, interrupts: irq + softirq };
  } catch {
    return undefined;
  }
}

/** utime and stime of `pid` (fields 14 and 15 of /proc/<pid>/stat), or undefined once it is gone. */
export function processTicks(pid: number): ProcessTicks | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count from the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return Number.isFinite(user) && Number.isFinite(system) ? { user, system } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether /proc gives what the noise check needs (Linux). */
export const PROC_AVAILABLE = machineTicks() !== undefined && processTicks(process.pid) !== undefined;

/**
 * The kernel threads that run deferred network work (ksoftirqd/N): under loopback load they
 * process the benchmark's own packets, so their CPU is not counted as foreign.
 */
export const KERNEL_HELPERS: readonly number[] = (() => {
  if (!PROC_AVAILABLE) return [];
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, "utf8").startsWith("ksoftirqd/")) pids.push(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
})();

/** A point in time: machine ticks and the ticks of the benchmark's processes. */
export interface Mark {
  at: bigint;
  machine: MachineTicks;
  processes: Map<number, ProcessTicks | undefined>;
}

/** Takes a mark of the machine and of `pids` (the benchmark's processes); undefined without /proc. */
export function mark(pids: readonly number[]): Mark | undefined {
  const machine = machineTicks();
  if (!machine) return undefined;
  return { at: process.hrtime.bigint(), machine, processes: new Map(pids.map((pid) => [pid, processTicks(pid)])) };
}

/** What happened between two marks. */
export interface Window {
  wallSeconds: number;
  /** CPU seconds each process used (user + system, all threads) and the user part. */
  cpuSeconds(pid: number): { total: number; user: number } | undefined;
  /** CPU other processes used, in cores (0.10 = a tenth of one CPU over the window). */
  foreignCores: number;
}

/**
 * The window between `before` and `after`, taken with the same pids, or `after` with more: a
 * pid only `after` lists was born during the window (a PostgreSQL backend forked for a new
 * connection), so all its CPU time is the window's.
 */
export function between(before: Mark, after: Mark): Window {
  const wallSeconds = Number(after.at - before.at) / 1e9;
  const born: ProcessTicks = { user: 0, system: 0 };
  const cpuSeconds = (pid: number): { total: number; user: number } | undefined => {
    const a = before.processes.has(pid) ? before.processes.get(pid) : born;
    const b = after.processes.get(pid);
    if (!a || !b) return undefined;
    return { total: (b.user + b.system - a.user - a.system) / CLOCK_TICKS, user: (b.user - a.user) / CLOCK_TICKS };
  };
  let ours = 0;
  for (const pid of new Set([...before.processes.keys(), ...after.processes.keys()])) ours += cpuSeconds(pid)?.total ?? 0;
  const busy = (after.machine.busy - before.machine.busy) / CLOCK_TICKS;
  const interrupts = (after.machine.interrupts - before.machine.interrupts) / CLOCK_TICKS;
  return { wallSeconds, cpuSeconds, foreignCores: Math.max(0, busy - interrupts - ours) / Math.max(wallSeconds, 1e-3) };
}

/**
 * Watches the machine in windows of `windowSeconds` until one is quiet (foreign CPU at most
 * `limit` cores, the benchmark's processes `pids` being idle or not) or `maxSeconds` pass.
 * Returns the foreign CPU of the last window, or undefined without /proc.
 */
export async function waitForQuiet(pids: readonly number[], limit: number, maxSeconds: number, windowSeconds = 1): Promise<number | undefined> {
  const deadline = Date.now() + maxSeconds * 1000;
  let foreign: number | undefined;
  do {
    const before = mark(pids);
    await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
    const after = mark(pids);
    if (!before || !after) return undefined;
    foreign = between(before, after).foreignCores;
    if (foreign <= limit) return foreign;
  } while (Date.now() < deadline);
  return foreign;
}
