import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresFailureSink, createPostgresStore, type PostgresStore } from "@credhooks/postgres";
import { LISSI_SAMPLES, TRUVERA_SAMPLES, lissiDelivery, sovrinDelivery, truveraDelivery, type TestDelivery } from "@credhooks/testing";
import { describeWithPostgres, startPostgresServer, type PostgresServer } from "./support/postgres-server.js";
import { startChild, until, type Child } from "./fixtures/postgres/child-process.js";

/*
 * The kill tests of test/kill-recovery.test.ts, on PostgreSQL (its scenario, senders and
 * figures, mirrored here with a fixture of its own: test/fixtures/postgres/kill-receiver.ts).
 * The senders whose events credhooks writes to the inbox — Lissi and Truvera (they never
 * redeliver) and Sovrin (answered 202 at its 2.5 s deadline while the handlers go on) — each
 * send 200 deliveries to a receiver on one database, SIGKILLed at moments drawn from a seeded
 * PRNG, each time while handlers run; then started again, or (two instances) the survivor
 * recovers the victim's events.
 *
 * Each event has two handlers: "save", transactional — its side effect is a row of the app's
 * table written through `event.transaction`, committed with its success record — and
 * "notify", a plain handler whose side effect (a line in a file) and success record are two
 * steps. Measured per sender:
 *
 * - lost: accepted (2xx) events without a completed run of every handler at the end — must be 0;
 * - double-recorded: a success recorded twice, by two owners, forgotten by a later claim, or
 *   an event claimed again after its completion (from the store's own answers) — must be 0;
 * - repeated runs of "save" (rows of one event in the app's table beyond the first) — must
 *   be 0: a kill before the commit rolls the row back with the success record;
 * - repeated runs of "notify": a kill between its side effect and its success record —
 *   allowed and reported, the honest limit of "once" for a handler outside the transaction.
 *
 * KILL_SEED=<n> reproduces a run (the seed is printed).
 */

const DELIVERIES = 200;
const KILLS = 3;
const LEASE_MS = 2000;
const RECOVERY_MS = 250;
const SEED = Number(process.env["KILL_SEED"] ?? 0x6b696c6c);

type Sender = "lissi" | "truvera" | "sovrin";
type Mode = "restart" | "second instance";
const SENDER_LIST: readonly Sender[] = ["lissi", "truvera", "sovrin"];

/** How each sender behaves in the test: its handlers' delays, deliveries per second, its retries. */
const SENDERS: Record<Sender, { letter: string; delayMs: [number, number]; rate: number; retriesMs: number[] }> = {
  // Answered after the handlers (short ones here): never resent.
  lissi: { letter: "l", delayMs: [100, 700], rate: 10, retriesMs: [] },
  truvera: { letter: "t", delayMs: [100, 700], rate: 10, retriesMs: [] },
  // Handlers outlive the 2.5 s deadline: the sender gets 202 and they go on in the background.
  // A failed attempt is retried 3 times, exponentially.
  sovrin: { letter: "s", delayMs: [2700, 3500], rate: 10, retriesMs: [1000, 2000, 4000] },
};
const senderOfTag = (tag: string): Sender => SENDER_LIST.find((s) => SENDERS[s].letter === /^kr\d+([a-z])x/.exec(tag)?.[1])!;

function buildDelivery(sender: Sender, tag: string, origin: string): TestDelivery {
  if (sender === "lissi") return lissiDelivery("connection:update", { ...LISSI_SAMPLES["connection:update"], id: tag });
  if (sender === "truvera") return truveraDelivery("credential_issued", { ...TRUVERA_SAMPLES["credential_issued"], id: `urn:${tag}` });
  return sovrinDelivery("OpenIdCredentialIssued", undefined, { url: `${origin}/events/acme/sovrin`, eventId: tag });
}

/** mulberry32: a small seeded PRNG, [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POSTs a delivery on a fresh connection; the status, or 0 when the connection died. */
function post(origin: string, delivery: TestDelivery): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const body = delivery.body;
    const req = request(new URL(delivery.path, origin), { method: delivery.method, agent: false, headers: { ...delivery.headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", (error) => resolve({ status: 0, body: error.message }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error("no answer within 30 s")));
    req.on("error", (error) => resolve({ status: 0, body: error.message }));
    req.end(body);
  });
}

interface Instance {
  proc: Child;
  url: string;
  startedAt: number;
  killedAt: number | undefined;
}

/** Receiver processes loaded in advance (tsx needs seconds to load), started on demand. */
class Reserve {
  readonly #spares: Child[] = [];
  readonly all: Child[] = [];
  constructor(readonly size: number) {}
  fill(): void {
    while (this.#spares.length < this.size) {
      const spare = startChild("test/fixtures/postgres/kill-receiver.ts");
      this.#spares.push(spare);
      this.all.push(spare);
    }
  }
  /** A new receiver process on the scenario's store, listening. */
  async start(config: Record<string, unknown>): Promise<Instance> {
    this.fill();
    const proc = this.#spares.shift()!;
    this.fill();
    await proc.ready();
    proc.send(`start ${JSON.stringify(config)}`);
    const url = await proc.listening(30_000);
    return { proc, url, startedAt: Date.now(), killedAt: undefined };
  }
  async end(): Promise<void> {
    await Promise.all(this.all.map((p) => p.kill("SIGKILL")));
  }
}

/** The figures of one sender × store. */
interface Figures {
  scenario: string;
  deliveries: number;
  attempts: number;
  accepted: number;
  notAccepted: number;
  /** Not accepted, yet run from the inbox (their claim was written before the connection died). */
  notAcceptedRan: number;
  lost: number;
  doubleRecorded: number;
  repeatedRuns: number;
  repeatedEvents: number;
  /** Of the repeated runs: those whose earlier run's process had been killed (the rest: a lease ran out in a live process). */
  repeatedAfterKill: number;
  /** Completed by another process than one that had started them and was killed. */
  recovered: number;
  /** …of which by an instance that was already running at the kill. */
  recoveredBySurvivor: number;
  /** The longest time from a kill to the completion elsewhere of one of its events. */
  slowestRecoveryMs: number;
  /** Median and slowest time to a 2xx. */
  answerMs: [number, number];
  failedAttempts: string;
  deadLettered: number;
  kills: number;
  seconds: number;
}

interface RunLine {
  tag: string;
  h: string;
  id: string;
  pid: number;
  at: number;
}
type RecordLine =
  | { grant: true; rec?: undefined; key: string; token: string; succeeded: string[]; t0: number; t1: number; pid: number }
  | { grant?: undefined; rec: "h" | "done"; key: string; token: string; h?: string; t0: number; t1: number; pid: number };

const readLines = <T>(path: string): T[] =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as T)
    : [];

const running = (instance: Instance): number => {
  let count = 0;
  for (const line of instance.proc.lines) count += line["started"] !== undefined ? 1 : line["ran"] !== undefined ? -1 : 0;
  return count;
};

/**
 * What the store said and did, from the receivers' log: per key, the claims it granted and
 * the success records and completions it was sent. A record took effect unless another
 * claim of the key was granted between its own claim and the record (the store ignores a
 * stale token); a record that overlaps such a grant in time is counted as not taking effect.
 */
function storeViolations(records: RecordLine[], killedAt: Map<number, number | undefined>): { doubles: string[]; stale: number; selfTakeovers: number } {
  const byKey = new Map<string, RecordLine[]>();
  for (const line of records) (byKey.get(line.key) ?? byKey.set(line.key, []).get(line.key)!).push(line);
  const doubles: string[] = [];
  let stale = 0;
  let selfTakeovers = 0;
  for (const [key, lines] of byKey) {
    const grants = lines.filter((l) => l.grant === true);
    // A process granted an event it already held, unfinished and alive (its own recoverer
    // took it back after its lease ran out in the store while its handlers still ran).
    for (const [i, g] of grants.entries()) {
      const earlier = grants.slice(0, i).find((e) => e.pid === g.pid);
      const settled = lines.some((l) => l.rec !== undefined && l.token === earlier?.token && l.t1 < g.t0 && l.rec === "done");
      if (earlier && !settled && (killedAt.get(g.pid) ?? Infinity) > g.t1) selfTakeovers++;
    }
    const effective: Array<Extract<RecordLine, { rec: "h" | "done" }>> = [];
    for (const line of lines) {
      if (line.grant) continue;
      const own = grants.find((g) => g.token === line.token);
      if (!own) {
        stale++;
        continue;
      }
      const superseded = grants.some((g) => g.token !== line.token && g.t1 >= own.t0 && g.t0 <= line.t1 && g !== own && g.t0 >= own.t0);
      if (superseded) {
        stale++;
        continue;
      }
      if (line.rec === "h" && own.succeeded.includes(line.h!)) doubles.push(`${key}: ${line.h} recorded again though its claim reported it succeeded`);
      effective.push(line);
    }
    const perRecord = new Map<string, number>();
    for (const line of effective) perRecord.set(line.rec === "h" ? `h ${line.h}` : "done", (perRecord.get(line.rec === "h" ? `h ${line.h}` : "done") ?? 0) + 1);
    for (const [what, count] of perRecord) if (count > 1) doubles.push(`${key}: ${what} recorded ${count} times`);
    for (const line of effective) {
      for (const later of grants.filter((g) => g.t0 > line.t1)) {
        if (line.rec === "done") doubles.push(`${key}: claimed again after its completion`);
        else if (!later.succeeded.includes(line.h!)) doubles.push(`${key}: ${line.h}'s success forgotten by a later claim`);
      }
    }
  }
  return { doubles, stale, selfTakeovers };
}


describeWithPostgres(`receivers on PostgreSQL SIGKILLed while handlers run (${DELIVERIES} deliveries per sender, ${KILLS} kills, lease ${LEASE_MS} ms)`, () => {
  let server: PostgresServer;
  let app: PostgresStore;
  let dir: string;
  const reserve = new Reserve(3);
  const table: Array<Figures & { transactionalRepeats: number }> = [];
  let scenarioIndex = 0;

  beforeAll(async () => {
    reserve.fill();
    dir = mkdtempSync(join(tmpdir(), "credhooks-pg-kill-"));
    server = await startPostgresServer();
    // The app's own table, beside credhooks' tables: no unique key, so a second commit of one run shows.
    app = createPostgresStore({ connectionString: server.url });
    await app.pool.query("CREATE TABLE kill_runs (tag text NOT NULL, h text NOT NULL, id text NOT NULL, pid integer NOT NULL, at bigint NOT NULL)");
  }, 120_000);
  afterAll(async () => {
    await reserve.end();
    await app?.close();
    await server?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (table.length > 0) {
      const header =
        "| sender × store | deliveries | attempts | accepted | not accepted (ran from the inbox) | lost | double-recorded | repeated runs of the transactional handler | repeated runs of the plain handler (events; after a kill) | recovered by another process (by a survivor) | slowest recovery | 2xx median / max | scenario time |";
      const rows = table.map(
        (f) =>
          `| ${f.scenario} | ${f.deliveries} | ${f.attempts} | ${f.accepted} | ${f.notAccepted} (${f.notAcceptedRan}) | ${f.lost} | ${f.doubleRecorded} | ${f.transactionalRepeats} | ${f.repeatedRuns} (${f.repeatedEvents}; ${f.repeatedAfterKill}) | ${f.recovered} (${f.recoveredBySurvivor}) | ${(f.slowestRecoveryMs / 1000).toFixed(1)} s | ${f.answerMs[0]} / ${f.answerMs[1]} ms | ${f.seconds.toFixed(1)} s |`,
      );
      console.info(`[kill-recovery postgres] seed ${SEED}\n${header}\n|${"---|".repeat(13)}\n${rows.join("\n")}`);
    }
  });

  it("Lissi, Truvera and Sovrin, receiver killed and started again: nothing lost, no success recorded twice, the transactional handler's row written once", () => scenario("restart"), 180_000);
  it("Lissi, Truvera and Sovrin, two instances, the survivor recovering: nothing lost, no success recorded twice, the transactional handler's row written once", () => scenario("second instance"), 180_000);

  async function scenario(mode: Mode): Promise<void> {
    const index = ++scenarioIndex;
    const name = `postgres${mode === "second instance" ? " (2 instances)" : ""}`;
    const random = prng(SEED + index);
    const runsPath = join(dir, `runs-${index}.jsonl`);
    const recordsPath = join(dir, `records-${index}.jsonl`);
    const tablePrefix = `kill${index}_`;
    const config = {
      providers: SENDER_LIST,
      databaseUrl: server.url,
      tablePrefix,
      leaseMs: LEASE_MS,
      recoveryMs: RECOVERY_MS,
      runs: runsPath,
      records: recordsPath,
      delayMs: Object.fromEntries(SENDER_LIST.map((s) => [s, SENDERS[s].delayMs])),
    };

    // The test's own view of the store: the inbox, the done markers, the failure sink.
    const view = createPostgresStore({ connectionString: server.url, tablePrefix });
    await view.migrate();
    const sink = createPostgresFailureSink({ store: view });
    // Every run: "notify" lines in the runs file, "save" rows committed in the app's table.
    const readRuns = async (): Promise<RunLine[]> => {
      const { rows } = await app.pool.query<RunLine>("SELECT tag, h, id, pid, at::float8 AS at FROM kill_runs WHERE tag LIKE $1", [`kr${index}%`]);
      return [...readLines<RunLine>(runsPath), ...rows];
    };

    const started = Date.now();
    const live: Instance[] = [];
    const everyInstance: Instance[] = [];
    const instanceCount = mode === "second instance" ? 2 : 1;
    for (const instance of await Promise.all(Array.from({ length: instanceCount }, () => reserve.start(config)))) {
      live.push(instance);
      everyInstance.push(instance);
    }
    const replacements: Array<Promise<void>> = [];
    try {
      // The senders: one delivery of each in turn, at their rate.
      const total = DELIVERIES * SENDER_LIST.length;
      const rate = SENDER_LIST.reduce((sum, s) => sum + SENDERS[s].rate, 0);
      let sent = 0;
      let turn = 0;
      const tally = Object.fromEntries(SENDER_LIST.map((s) => [s, { attempts: 0, accepted: new Set<string>(), notAccepted: new Set<string>(), failed: new Map<string, number>(), answeredInMs: [] as number[] }]));
      const target = async (): Promise<Instance> => {
        await until(() => live.length > 0, 30_000, "a receiver listening");
        return live[turn++ % live.length]!;
      };
      const deliverOne = async (sender: Sender, tag: string): Promise<void> => {
        const t = tally[sender]!;
        const { retriesMs } = SENDERS[sender];
        for (let attempt = 0; attempt <= retriesMs.length; attempt++) {
          if (attempt > 0) await sleep(retriesMs[attempt - 1]!);
          const instance = await target();
          t.attempts++;
          const sentAt = Date.now();
          const answer = await post(instance.url, buildDelivery(sender, tag, instance.url));
          if (answer.status >= 200 && answer.status < 300) {
            t.answeredInMs.push(Date.now() - sentAt);
            return void t.accepted.add(tag);
          }
          const why = answer.status === 0 ? "connection died" : `${answer.status} ${/"code":"([A-Z_]+)"/.exec(answer.body)?.[1] ?? answer.body.slice(0, 60)}`;
          t.failed.set(why, (t.failed.get(why) ?? 0) + 1);
        }
        t.notAccepted.add(tag);
      };

      // The killer: KILLS moments drawn from the PRNG (after a number of deliveries, plus up
      // to 400 ms), each while handlers run in the victim. So that every kill falls while
      // deliveries are still coming, the senders hold back a little past each moment until
      // the killer is ready (a replacement instance listening) — never while it waits to kill.
      const thresholds = Array.from({ length: KILLS }, () => Math.floor(total * (0.1 + 0.7 * random()))).sort((a, b) => a - b);
      let kills = 0;
      let armed = false;
      const slack = Math.ceil(rate / 2);
      const sending = (async () => {
        const tasks: Array<Promise<void>> = [];
        for (let i = 0; i < total; i++) {
          await until(() => kills >= KILLS || armed || i < thresholds[kills]! + slack, 120_000, "the killer ready");
          sent++;
          const sender = SENDER_LIST[i % SENDER_LIST.length]!;
          tasks.push(deliverOne(sender, `kr${index}${SENDERS[sender].letter}x${Math.floor(i / SENDER_LIST.length)}`));
          await sleep(1000 / rate);
        }
        await Promise.all(tasks);
      })();
      const killer = (async () => {
        for (const threshold of thresholds) {
          await until(() => live.length === instanceCount, 30_000, "every instance listening");
          armed = true;
          await until(() => sent >= threshold, 120_000, `${threshold} deliveries sent`);
          await sleep(Math.floor(random() * 400)); // a random moment, not an assertion
          const victim = live[Math.floor(random() * live.length)]!;
          await until(() => running(victim) > 0, 20_000, "handlers running in the victim");
          armed = false;
          live.splice(live.indexOf(victim), 1);
          victim.killedAt = Date.now();
          await victim.proc.kill("SIGKILL");
          kills++;
          if (mode === "restart") {
            const fresh = await reserve.start(config);
            live.push(fresh);
            everyInstance.push(fresh);
          } else {
            // The survivor recovers the victim's events (their leases run out, its recoverer
            // takes them); the replacement comes once that could have happened.
            replacements.push(
              sleep(LEASE_MS + 4 * RECOVERY_MS).then(async () => {
                const fresh = await reserve.start(config);
                live.push(fresh);
                everyInstance.push(fresh);
              }),
            );
          }
        }
      })();
      await Promise.all([sending, killer]);
      await Promise.all(replacements);

      // Drain: every accepted event run by every handler, the inboxes empty.
      const completeTags = (runs: RunLine[]) => {
        const handlers = new Map<string, Set<string>>();
        for (const run of runs) (handlers.get(run.tag) ?? handlers.set(run.tag, new Set()).get(run.tag)!).add(run.h);
        return new Set([...handlers].filter(([, hs]) => hs.size === 2).map(([tag]) => tag));
      };
      const acceptedTags = () => SENDER_LIST.flatMap((s) => [...tally[s]!.accepted]);
      let inboxLeft = -1;
      await until(
        async () => {
          const done = completeTags(await readRuns());
          if (!acceptedTags().every((tag) => done.has(tag))) return false;
          inboxLeft = 0;
          for (const s of SENDER_LIST) inboxLeft += await view.inboxSize(s);
          return inboxLeft === 0;
        },
        60_000,
        "drained",
      ).catch(() => undefined); // measured below: what is missing then is lost
      const seconds = (Date.now() - started) / 1000;

      // What happened, from the runs file, the store's log and the store itself.
      const runs = await readRuns();
      const records = readLines<RecordLine>(recordsPath);
      const done = completeTags(runs);
      const pidKilledAt = new Map(everyInstance.map((i) => [i.proc.pid, i.killedAt]));
      const { doubles, stale, selfTakeovers } = storeViolations(records, pidKilledAt);
      const byPid = new Map(everyInstance.map((i) => [i.proc.pid, i]));
      const startedBy = new Map<string, Instance[]>();
      for (const instance of everyInstance) {
        for (const line of instance.proc.lines) {
          if (typeof line["tag"] !== "string" || line["started"] === undefined) continue;
          const list = startedBy.get(line["tag"]) ?? startedBy.set(line["tag"], []).get(line["tag"])!;
          if (!list.includes(instance)) list.push(instance);
        }
      }
      const ids = new Map(runs.map((r) => [r.tag, r.id]));
      const notDone: string[] = [];
      for (const [tag, id] of ids) {
        const claimed = await view.claim(`${senderOfTag(tag)}:acme:${id}`, LEASE_MS);
        if (claimed.status !== "done") notDone.push(`${tag}: ${claimed.status}`);
      }
      const deadLettered = await sink.list();

      for (const sender of SENDER_LIST) {
        const t = tally[sender]!;
        const mine = runs.filter((r) => senderOfTag(r.tag) === sender);
        const lost = [...t.accepted].filter((tag) => !done.has(tag));
        const perHandler = new Map<string, RunLine[]>();
        for (const run of mine) (perHandler.get(`${run.tag} ${run.h}`) ?? perHandler.set(`${run.tag} ${run.h}`, []).get(`${run.tag} ${run.h}`)!).push(run);
        const transactionalRepeats = [...perHandler.values()].filter((r) => r[0]!.h === "save").reduce((sum, r) => sum + r.length - 1, 0);
        const repeated = [...perHandler.values()].filter((r) => r.length > 1 && r[0]!.h !== "save");
        let repeatedAfterKill = 0;
        for (const group of repeated) {
          const sorted = [...group].sort((a, b) => a.at - b.at);
          for (let k = 1; k < sorted.length; k++) {
            const killedAt = pidKilledAt.get(sorted[k - 1]!.pid);
            if (killedAt !== undefined && killedAt <= sorted[k]!.at) repeatedAfterKill++;
          }
        }
        let recovered = 0;
        let recoveredBySurvivor = 0;
        let slowestRecoveryMs = 0;
        for (const tag of new Set(mine.map((r) => r.tag))) {
          if (!done.has(tag)) continue;
          const last = mine.filter((r) => r.tag === tag).reduce((a, b) => (b.at > a.at ? b : a));
          const finisher = byPid.get(last.pid);
          const interrupted = (startedBy.get(tag) ?? []).filter((i) => i !== finisher && i.killedAt !== undefined && i.killedAt < last.at);
          if (!finisher || interrupted.length === 0) continue;
          const victim = interrupted.reduce((a, b) => (b.killedAt! > a.killedAt! ? b : a));
          recovered++;
          slowestRecoveryMs = Math.max(slowestRecoveryMs, last.at - victim.killedAt!);
          if (finisher.startedAt < victim.killedAt!) recoveredBySurvivor++;
        }
        const keyOf = (key: string) => key.startsWith(`${sender}:`);
        const answered = [...t.answeredInMs].sort((a, b) => a - b);
        const figures: Figures = {
          scenario: `${sender} × ${name}`,
          deliveries: DELIVERIES,
          attempts: t.attempts,
          accepted: t.accepted.size,
          notAccepted: t.notAccepted.size,
          notAcceptedRan: [...t.notAccepted].filter((tag) => done.has(tag)).length,
          lost: lost.length,
          doubleRecorded: doubles.filter((d) => keyOf(d)).length,
          repeatedRuns: repeated.reduce((sum, r) => sum + r.length - 1, 0),
          repeatedEvents: new Set(repeated.map((r) => r[0]!.tag)).size,
          repeatedAfterKill,
          recovered,
          recoveredBySurvivor,
          slowestRecoveryMs,
          answerMs: [answered[Math.floor(answered.length / 2)] ?? 0, answered.at(-1) ?? 0],
          failedAttempts: [...t.failed].map(([why, n]) => `${why}: ${n}`).join(", ") || "none",
          deadLettered: deadLettered.filter((d) => d.provider === sender).length,
          kills,
          seconds,
        };
        table.push({ ...figures, transactionalRepeats });
        console.info(
          `[kill-recovery postgres] ${figures.scenario}: ${DELIVERIES} deliveries (${t.attempts} attempts; failed: ${figures.failedAttempts}), ${kills} kills of the receiver; ` +
            `accepted ${figures.accepted}, not accepted ${figures.notAccepted} (run from the inbox anyway: ${figures.notAcceptedRan}); ` +
            `lost ${figures.lost}, double-recorded ${figures.doubleRecorded}, repeated runs of the transactional handler ${transactionalRepeats}, of the plain one ${figures.repeatedRuns} (${figures.repeatedEvents} events; after a kill ${repeatedAfterKill}, after a lease ran out in a live process ${figures.repeatedRuns - repeatedAfterKill}); ` +
            `recovered by another process ${recovered}${mode === "second instance" ? ` (by a survivor: ${recoveredBySurvivor})` : ""}, the last ${(slowestRecoveryMs / 1000).toFixed(1)} s after its kill; ` +
            `2xx in ${figures.answerMs[0]} ms median, ${figures.answerMs[1]} ms at most; failure sink ${figures.deadLettered}; scenario ${seconds.toFixed(1)} s`,
        );
        expect.soft(lost, `${sender}: accepted events without a completed run`).toEqual([]);
        expect.soft(transactionalRepeats, `${sender}: rows of the transactional handler committed more than once`).toBe(0);
        expect.soft(t.accepted.size + t.notAccepted.size).toBe(DELIVERIES);
      }
      console.info(
        `[kill-recovery postgres] ${name}: success records the store ignored as a stale owner's: ${stale}; events a live process claimed again while it still ran them (its lease ran out in the store): ${selfTakeovers}; receiver processes: ${everyInstance.length}`,
      );

      expect(kills).toBe(KILLS);
      expect(doubles, "successes recorded twice").toEqual([]);
      expect(notDone, "events that ran but have no done marker").toEqual([]);
      expect(runs.filter((r) => r.tag.startsWith("untagged"))).toEqual([]);
      for (const s of SENDER_LIST) expect(await view.inboxSize(s)).toBe(0);
      expect(deadLettered).toEqual([]);
      if (mode === "second instance") expect(table.slice(-SENDER_LIST.length).reduce((sum, f) => sum + f.recoveredBySurvivor, 0)).toBeGreaterThan(0);

      for (const instance of live.splice(0)) expect(await instance.proc.kill("SIGTERM")).toEqual({ code: 0, signal: null });
    } finally {
      await Promise.allSettled(replacements);
      await Promise.all(everyInstance.map((i) => i.proc.kill("SIGKILL")));
      await view.close();
    }
  }
});
