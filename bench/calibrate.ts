// The calibration: a fixed amount of work, timed before and after a run on the CPU the
// receivers run on (pinned by the runner). The same work takes the same time on the same
// quiet host, so a slow host, a throttled CPU or another process on that CPU shows up as a
// slower calibration, and a host that changed during the run as a difference between the
// two. Prints one JSON line (Calibration) on stdout: `calibrate.js [repetitions=5]`.
import { createHash } from "node:crypto";

/** One timed workload: every repetition, its median and its fastest. */
export interface Timing {
  samplesMs: number[];
  medianMs: number;
  minMs: number;
}

/** What one calibration measured. */
export interface Calibration {
  /** 20,000 SHA-256 digests of a 1 KiB buffer (node:crypto, as the receivers hash). */
  sha256: Timing;
  /** 50,000,000 rounds of an xorshift loop (JIT-compiled arithmetic, no allocation). */
  loop: Timing;
  /** CPU time over wall time of the whole calibration: below ~0.95 it shared its CPU. */
  cpuShare: number;
}

export const SHA256_DIGESTS = 20_000;
export const LOOP_ROUNDS = 50_000_000;

const repetitions = Math.max(1, Number(process.argv[2] ?? 5) || 5);

function time(work: () => number): number {
  const started = process.hrtime.bigint();
  const sink = work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (sink === 0.5) process.stderr.write(""); // keeps the result alive
  return ms;
}

function timing(samplesMs: number[]): Timing {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { samplesMs: samplesMs.map((x) => Math.round(x * 100) / 100), medianMs, minMs: sorted[0]! };
}

const block = Buffer.alloc(1024, 0x61);
const hashes = (): number => {
  let sink = 0;
  for (let i = 0; i < SHA256_DIGESTS; i++) sink ^= createHash("sha256").update(block).digest()[0]!;
  return sink;
};
const loop = (): number => {
  let x = 2463534242;
  for (let i = 0; i < LOOP_ROUNDS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
};

// One unmeasured repetition of each first, so that both are JIT-compiled when timed.
hashes();
loop();
const cpuBefore = process.cpuUsage();
const wallBefore = process.hrtime.bigint();
const sha: number[] = [];
const arithmetic: number[] = [];
for (let i = 0; i < repetitions; i++) {
  sha.push(time(hashes));
  arithmetic.push(time(loop));
}
const cpu = process.cpuUsage(cpuBefore);
const wallMicros = Number(process.hrtime.bigint() - wallBefore) / 1000;
const result: Calibration = { sha256: timing(sha), loop: timing(arithmetic), cpuShare: (cpu.user + cpu.system) / wallMicros };
process.stdout.write(JSON.stringify(result) + "\n");
