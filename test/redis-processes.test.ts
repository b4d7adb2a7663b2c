import { Agent } from "node:http";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeWithRedis, startRedisServer, type RedisServer } from "./support/redis-server.js";
import { deliver, startReceiver, type Answer, type Receiver } from "./fixtures/redis/receivers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RECEIVED = '{"received":true}';
const DUPLICATE = '{"received":true,"duplicate":true}';
/** Redelivers like a sender until a 2xx; only 409 and 503 are acceptable meanwhile. */
async function deliverUntil2xx(url: string, credExId: string, agent: Agent | undefined): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const answer = await deliver(url, credExId, agent);
    if (answer.status === 200) return answer;
    expect([409, 503]).toContain(answer.status);
    if (attempt === 50) throw new Error(`still ${answer.status} after 50 retries`);
    await sleep(100);
  }
}
const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { error?: { code: string } }).error?.code;

describeWithRedis("credhooks instances in separate processes sharing one Redis", () => {
  let redis: RedisServer;
  const receivers: Receiver[] = [];
  let n = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("4 processes × 250 concurrent duplicate deliveries of each event: each handler runs exactly once per event", async () => {
    const env = { REDIS_URL: redis.url, KEY_PREFIX: `procs${++n}:`, HANDLER_MS: "50" };
    receivers.push(...(await Promise.all(Array.from({ length: 4 }, () => startReceiver(env)))));
    const events = ["ex-a", "ex-b", "ex-c", "ex-d"];
    const agents = receivers.map(() => new Agent({ keepAlive: true, maxSockets: 250 }));
    try {
      const started = performance.now();
      const answers = await Promise.all(receivers.flatMap((r, i) => events.flatMap((ex) => Array.from({ length: 250 }, () => deliver(r.url, ex, agents[i])))));
      const elapsed = performance.now() - started;
      await sleep(200); // let the last lines arrive

      const runs = receivers.flatMap((r) => r.lines.filter((l) => l.ran !== undefined));
      const perHandlerAndEvent = new Map<string, number>();
      for (const run of runs) perHandlerAndEvent.set(`${run.ran} ${run.id}`, (perHandlerAndEvent.get(`${run.ran} ${run.id}`) ?? 0) + 1);
      expect(perHandlerAndEvent.size).toBe(events.length * 2);
      expect([...perHandlerAndEvent.values()]).toEqual(Array(events.length * 2).fill(1));
      expect(receivers.flatMap((r) => r.lines.filter((l) => l.started !== undefined))).toHaveLength(events.length * 2); // nothing started twice

      const received = answers.filter((a) => a.body === RECEIVED).length;
      const duplicates = answers.filter((a) => a.body === DUPLICATE).length;
      const inFlight = answers.filter((a) => a.status === 409 && codeOf(a) === "DUPLICATE_IN_FLIGHT").length;
      // On a busy machine a process' event loop can lag past the 1 s commandTimeout: that
      // delivery is answered 503 (nothing ran, the sender retries), never 2xx without a run.
      const unavailable = answers.filter((a) => a.status === 503 && codeOf(a) === "STORE_UNAVAILABLE").length;
      expect(answers).toHaveLength(4 * 4 * 250);
      expect(received).toBeLessThanOrEqual(events.length);
      expect(received + duplicates + inFlight + unavailable).toBe(answers.length); // nothing else: no 500

      // The sender retries every 409 and 503 until it gets a 2xx: exactly one run per handler and event, however it went.
      const retried = await Promise.all(receivers.flatMap((r, i) => events.map((ex) => deliverUntil2xx(r.url, ex, agents[i]))));
      expect(received + retried.filter((a) => a.body === RECEIVED).length).toBe(events.length);
      await sleep(100);
      expect(receivers.flatMap((r) => r.lines.filter((l) => l.ran !== undefined))).toHaveLength(events.length * 2);

      // Why the 503s happened (a timeout, never a lost connection), as the receivers logged it.
      const reasons = new Set(receivers.flatMap((r) => r.stderr.filter((l) => l.includes("dedupe store unavailable")).map((l) => /"err":"([^"]*)"/.exec(l)?.[1] ?? l)));
      const byProcess = receivers.map((r) => r.lines.filter((l) => l.ran !== undefined).length);
      console.info(
        `[redis] 4 processes × 4 events × 250 concurrent deliveries = ${answers.length} in ${elapsed.toFixed(0)} ms: ` +
          `${received} processed, ${duplicates} duplicate 200, ${inFlight} in-flight 409, ${unavailable} store-unavailable 503, 0 other; ` +
          `handler runs: ${runs.length} (= 4 events × 2 handlers, each once), spread over the processes as ${byProcess.join("/")}` +
          (unavailable > 0 ? `; the 503s: ${[...reasons].join(", ")}` : ""),
      );
    } finally {
      for (const agent of agents) agent.destroy();
    }
  }, 60_000);

  it("a process killed mid-handler leaves a lease: a new process answers the retry 409 while it lives, then processes it", async () => {
    const leaseMs = 8000;
    const env = { REDIS_URL: redis.url, KEY_PREFIX: `procs${++n}:`, LEASE_MS: String(leaseMs) };
    const doomed = await startReceiver({ ...env, BLOCK_HANDLERS: "1" });
    receivers.push(doomed);
    const lost = deliver(doomed.url, "ex-crash").catch((error: Error) => error); // answered by the crash: socket hang up
    const deadline = Date.now() + 10_000;
    while (doomed.lines.filter((l) => l.started).length < 2 && Date.now() < deadline) await sleep(20);
    expect(doomed.lines.map((l) => l.started)).toEqual(["save", "notify"]);
    await doomed.kill();
    const killedAt = performance.now();
    expect(await lost).toBeInstanceOf(Error);

    const fresh = await startReceiver(env);
    receivers.push(fresh);
    const startedIn = performance.now() - killedAt;
    const answers: Array<{ at: number; status: number; code: string | undefined }> = [];
    for (;;) {
      const answer = await deliver(fresh.url, "ex-crash");
      answers.push({ at: Math.round(performance.now() - killedAt), status: answer.status, code: answer.status === 200 ? undefined : codeOf(answer) });
      if (answer.status === 200) {
        expect(answer.body).toBe(RECEIVED);
        break;
      }
      if (performance.now() - killedAt > leaseMs + 5000) throw new Error(`not processed ${leaseMs + 5000} ms after the crash: ${JSON.stringify(answers)}`);
      await sleep(250);
    }
    const processedAfter = answers.at(-1)!.at;
    // The lease was renewed every leaseMs/2 until the crash, so it outlived it by leaseMs/2 to leaseMs.
    expect(answers[0]).toMatchObject({ status: 409, code: "DUPLICATE_IN_FLIGHT" });
    expect(answers.slice(0, -1).every((a) => a.status === 409 && a.code === "DUPLICATE_IN_FLIGHT")).toBe(true);
    expect(processedAfter).toBeGreaterThanOrEqual(leaseMs / 2 - 500);
    expect(processedAfter).toBeLessThanOrEqual(leaseMs + 1500);
    await sleep(100);
    expect(fresh.lines.filter((l) => l.ran).map((l) => l.ran).sort()).toEqual(["notify", "save"]);
    expect((await deliver(fresh.url, "ex-crash")).body).toBe(DUPLICATE);
    console.info(
      `[redis] killed mid-handler (lease ${leaseMs} ms): new process up ${startedIn.toFixed(0)} ms after the kill; ` +
        `${answers.length - 1} retries answered 409, the retry ${processedAfter} ms after the kill was processed (each handler once)`,
    );
  }, 60_000);
});
