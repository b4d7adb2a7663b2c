import { Agent } from "node:http";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { createPostgresStore, type PostgresStore } from "@credhooks/postgres";
import { describeWithPostgres, startPostgresServer, type PostgresServer } from "./support/postgres-server.js";
import { startChild, type Child } from "./fixtures/postgres/child-process.js";
import { deliver, type Answer } from "./fixtures/redis/receivers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RECEIVED = '{"received":true}';
const DUPLICATE = '{"received":true,"duplicate":true}';
const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { error?: { code: string } }).error?.code;

/** Redelivers like a sender until a 2xx; only 409 and 503 are acceptable meanwhile. */
async function deliverUntil2xx(url: string, credExId: string, agent: Agent | undefined): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const answer = await deliver(url, credExId, agent);
    if (answer.status === 200) return answer;
    expect([409, 503]).toContain(answer.status);
    if (attempt === 100) throw new Error(`still ${answer.status} after 100 retries`);
    await sleep(100);
  }
}

interface Receiver {
  readonly proc: Child;
  readonly url: string;
}

async function startReceiver(env: Record<string, string>): Promise<Receiver> {
  const proc = startChild("test/fixtures/postgres/receiver-process.ts", env);
  return { proc, url: await proc.listening(60_000) };
}

const runsOf = (receivers: Receiver[], kind: "ran" | "started") => receivers.flatMap((r) => r.proc.lines.filter((l) => l[kind] !== undefined)) as Array<{ ran?: string; started?: string; id: string; pid: number }>;

describeWithPostgres("credhooks instances in separate processes sharing one PostgreSQL", () => {
  let server: PostgresServer;
  let view: PostgresStore;
  const receivers: Receiver[] = [];
  let n = 0;

  beforeAll(async () => {
    server = await startPostgresServer();
    view = createPostgresStore({ connectionString: server.url });
    await view.pool.query("CREATE TABLE issued_credentials (cred_ex_id text NOT NULL, tenant_id text, pid integer)");
  }, 120_000);
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.proc.kill("SIGKILL")));
  });
  afterAll(async () => {
    await view?.close();
    await server?.destroy();
  });

  it("4 processes × 250 concurrent duplicate deliveries of each event: each handler runs exactly once per event, the transactional one's row written once", async () => {
    const env = { DATABASE_URL: server.url, TABLE_PREFIX: `procs${++n}_`, HANDLER_MS: "50" };
    receivers.push(...(await Promise.all(Array.from({ length: 4 }, () => startReceiver(env)))));
    const events = ["pg-a", "pg-b", "pg-c", "pg-d"];
    const agents = receivers.map(() => new Agent({ keepAlive: true, maxSockets: 250 }));
    try {
      const started = performance.now();
      const answers = await Promise.all(receivers.flatMap((r, i) => events.flatMap((ex) => Array.from({ length: 250 }, () => deliver(r.url, ex, agents[i])))));
      const elapsed = performance.now() - started;
      await sleep(200); // let the last lines arrive

      const received = answers.filter((a) => a.body === RECEIVED).length;
      const duplicates = answers.filter((a) => a.body === DUPLICATE).length;
      const inFlight = answers.filter((a) => a.status === 409 && codeOf(a) === "DUPLICATE_IN_FLIGHT").length;
      // On a busy machine a process can wait longer than the pool's 2 s for a connection:
      // that delivery is answered 503 (nothing ran, the sender retries), never 2xx without a run.
      const unavailable = answers.filter((a) => a.status === 503 && codeOf(a) === "STORE_UNAVAILABLE").length;
      expect(answers).toHaveLength(4 * 4 * 250);
      expect(received).toBeLessThanOrEqual(events.length);
      const other = answers.filter((a) => a.body !== RECEIVED && a.body !== DUPLICATE && !(a.status === 409 && codeOf(a) === "DUPLICATE_IN_FLIGHT") && !(a.status === 503 && codeOf(a) === "STORE_UNAVAILABLE"));
      expect(other, receivers.flatMap((r) => r.proc.stderr).slice(0, 20).join("\n")).toEqual([]); // nothing else: no 500

      // The sender retries every 409 and 503 until it gets a 2xx: exactly one run per handler and event, however it went.
      const retried = await Promise.all(receivers.flatMap((r, i) => events.map((ex) => deliverUntil2xx(r.url, ex, agents[i]))));
      expect(received + retried.filter((a) => a.body === RECEIVED).length).toBe(events.length);
      await sleep(100);
      const runs = runsOf(receivers, "ran");
      const perHandlerAndEvent = new Map<string, number>();
      for (const run of runs) perHandlerAndEvent.set(`${run.ran} ${run.id}`, (perHandlerAndEvent.get(`${run.ran} ${run.id}`) ?? 0) + 1);
      expect(perHandlerAndEvent.size).toBe(events.length * 2);
      expect([...perHandlerAndEvent.values()]).toEqual(Array(events.length * 2).fill(1));
      expect(runsOf(receivers, "started")).toHaveLength(events.length * 2); // nothing started twice
      const { rows } = await view.pool.query<{ cred_ex_id: string; n: number }>("SELECT cred_ex_id, count(*)::int AS n FROM issued_credentials WHERE cred_ex_id = ANY ($1) GROUP BY 1 ORDER BY 1", [events]);
      expect(rows).toEqual(events.map((ex) => ({ cred_ex_id: ex, n: 1 })));

      const reasons = new Set(receivers.flatMap((r) => r.proc.stderr.filter((l) => l.includes("dedupe store unavailable")).map((l) => /"err":"([^"]*)"/.exec(l)?.[1] ?? l)));
      const byProcess = receivers.map((r) => runsOf([r], "ran").length);
      console.info(
        `[postgres] 4 processes × 4 events × 250 concurrent deliveries = ${answers.length} in ${elapsed.toFixed(0)} ms: ` +
          `${received} processed, ${duplicates} duplicate 200, ${inFlight} in-flight 409, ${unavailable} store-unavailable 503, 0 other; ` +
          `handler runs: ${runs.length} (= 4 events × 2 handlers, each once; rows in the app's table: 1 per event), spread over the processes as ${byProcess.join("/")}` +
          (unavailable > 0 ? `; the 503s: ${[...reasons].slice(0, 3).join(", ")}` : ""),
      );
    } finally {
      for (const agent of agents) agent.destroy();
    }
  }, 120_000);
});
