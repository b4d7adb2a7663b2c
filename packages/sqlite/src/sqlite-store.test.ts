import Database from "better-sqlite3";
import type { ClaimResult } from "@credhooks/core";
import { afterEach, describe, expect, it } from "vitest";
import { explainLoadError, keepUntilExit } from "./database.js";
import { SqliteStore, createSqliteStore, type SqliteStoreOptions } from "./index.js";

// better-sqlite3 is a native addon built for the Node that installed it: under another Node
// (`pnpm test:node24` after a Node 20 install) it does not load. Skipped then, with the reason
// in the name, unless CI=true (where the binary is built for the Node that runs the tests).
// Raw connections in these tests are kept until exit like the store's own (see keepUntilExit).
const loadError = (() => {
  try {
    keepUntilExit(new Database(":memory:")).close();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
})();
const skip = loadError !== undefined && process.env["CI"] !== "true" && process.env["CI"] !== "1";
const suite = (name: string) => (skip ? `${name} (skipped: better-sqlite3 does not load on Node ${process.version}; run pnpm rebuild better-sqlite3)` : name);

type Claimed = Extract<ClaimResult, { status: "claimed" }>;
function claimed(result: ClaimResult): Claimed {
  if (result.status !== "claimed") throw new Error(`expected a claim, got ${result.status}`);
  return result;
}
const ids = (set: ReadonlySet<string>) => [...set].sort();

const DAY = 86_400_000;
let now = 1_000_000;
const stores: SqliteStore[] = [];
function open(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  const store = createSqliteStore({ path: ":memory:", now: () => now, ...options });
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  now = 1_000_000;
});

describe.skipIf(skip)(suite("SqliteStore: claims, leases, successes, done TTL"), () => {
  it("moves an event from claimed to done, and remembers done for the done TTL", () => {
    const store = open();
    const claim = claimed(store.claim("k", 1000));
    expect(claim.attempts).toBe(0);
    expect(store.claim("k", 1000).status).toBe("in-flight");
    store.complete("k", claim.token, 10_000);
    now += 9_999;
    expect(store.claim("k", 1000).status).toBe("done");
    now += 2;
    expect(store.claim("k", 1000).status).toBe("claimed");
  });

  it("makes an event claimable again once its lease ran out, with a new token", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    now += 999;
    expect(store.claim("k", 1000).status).toBe("in-flight");
    now += 2;
    const second = claimed(store.claim("k", 1000));
    expect(second.token).not.toBe(first.token);
  });

  it("renews the owner's lease only; a renewed lease outlives its first term", () => {
    const store = open();
    const owner = claimed(store.claim("k", 1000));
    expect(store.renew("k", owner.token, 5000)).toBe(true);
    expect(store.renew("k", "someone-else", 5000)).toBe(false);
    expect(store.renew("never-claimed", owner.token, 5000)).toBe(false);
    now += 4000;
    expect(store.claim("k", 1000).status).toBe("in-flight");
    expect(store.renew("k", owner.token, 1000)).toBe(true);
  });

  it("lets an owner whose lease ran out but was not taken over renew it", () => {
    const store = open();
    const owner = claimed(store.claim("k", 1000));
    store.handlerSucceeded("k", owner.token, "a#0", 60_000);
    now += 2000;
    expect(store.renew("k", owner.token, 1000)).toBe(true);
    expect(store.claim("k", 1000).status).toBe("in-flight");
  });

  it("keeps handler successes across a release, so the next claim skips them", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    store.handlerSucceeded("k", first.token, "a#0", 60_000);
    store.handlerSucceeded("k", first.token, "a#0", 60_000); // recorded once
    store.handlerSucceeded("k", first.token, "b#1", 60_000);
    store.release("k", first.token, 60_000);
    const second = claimed(store.claim("k", 1000));
    expect(ids(second.succeeded)).toEqual(["a#0", "b#1"]);
    store.complete("k", second.token, 10_000);
    expect(store.claim("k", 1000).status).toBe("done");
  });

  it("keeps successes for their TTL after a release, then forgets the event", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    store.handlerSucceeded("k", first.token, "a#0", 60_000);
    store.release("k", first.token, 5000);
    now += 4999;
    const again = claimed(store.claim("k", 1000));
    expect(ids(again.succeeded)).toEqual(["a#0"]);
    store.release("k", again.token, 5000);
    now += 5001;
    expect(ids(claimed(store.claim("k", 1000)).succeeded)).toEqual([]);
  });

  it("keeps an event with successes at least their TTL past its lease", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    store.handlerSucceeded("k", first.token, "a#0", 60_000);
    now += 30_000; // lease gone, successes not
    expect(ids(claimed(store.claim("k", 1000)).succeeded)).toEqual(["a#0"]);
  });

  it("forgets an event released without any handler success", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    store.release("k", first.token, 60_000);
    const second = claimed(store.claim("k", 1000));
    expect(ids(second.succeeded)).toEqual([]);
  });

  it("ignores settlement by a holder whose lease expired and was taken over", () => {
    const store = open();
    const stale = claimed(store.claim("k", 100));
    now += 101;
    const fresh = claimed(store.claim("k", 100));
    store.handlerSucceeded("k", stale.token, "stale#0", 60_000);
    store.complete("k", stale.token, 10_000);
    expect(store.claim("k", 100).status).toBe("in-flight");
    store.release("k", stale.token, 10_000);
    expect(store.claim("k", 100).status).toBe("in-flight");
    expect(store.renew("k", stale.token, 100)).toBe(false);
    expect(store.renew("k", fresh.token, 100)).toBe(true);
    store.release("k", fresh.token, 10_000);
    expect(ids(claimed(store.claim("k", 100)).succeeded)).toEqual([]);
  });

  it("keeps a done event done whatever its old owner does", () => {
    const store = open();
    const owner = claimed(store.claim("k", 1000));
    store.complete("k", owner.token, DAY);
    expect(store.renew("k", owner.token, 1000)).toBe(false);
    store.handlerSucceeded("k", owner.token, "late#0", 1000);
    store.release("k", owner.token, 1000);
    store.complete("k", owner.token, 1);
    now += DAY - 1;
    expect(store.claim("k", 1000).status).toBe("done");
  });

  it("tells keys apart exactly: long keys, composed and decomposed forms, lone surrogates", () => {
    const store = open();
    const long = "proven:acme:" + "x".repeat(500);
    const composed = "lissi:t:caf\u00e9";
    const keys = [`${long}a`, `${long}b`, composed, composed.normalize("NFD"), "k\ud800", "k\ud801", "k\ufffd", "k\udc00\ud800"];
    const tokens = keys.map((key) => claimed(store.claim(key, 1000)).token);
    expect(new Set(tokens).size).toBe(keys.length);
    for (const key of keys) expect(store.claim(key, 1000).status).toBe("in-flight");
    store.complete("k\ud800", tokens[4]!, DAY);
    expect(store.claim("k\ud800", 1000).status).toBe("done");
    expect(store.claim("k\ud801", 1000).status).toBe("in-flight");
  });

  it("records handler ids exactly", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    const handlerIds = ["save", "caf\u00e9", "cafe\u0301", "odd\ud800", "🚀#0"];
    for (const id of handlerIds) store.handlerSucceeded("k", first.token, id, 60_000);
    store.release("k", first.token, 60_000);
    expect(ids(claimed(store.claim("k", 1000)).succeeded)).toEqual([...handlerIds].sort());
  });

  it("refuses leases and TTLs that are not finite numbers", () => {
    const store = open();
    expect(() => store.claim("k", Number.NaN)).toThrow(RangeError);
    expect(() => store.claim("k", Number.POSITIVE_INFINITY)).toThrow(/finite/);
    const owner = claimed(store.claim("k", 1000));
    expect(() => store.complete("k", owner.token, Number.NaN)).toThrow(RangeError);
    expect(store.claim("k", 1000).status).toBe("in-flight");
  });

  it("is durable on a file, not in memory, and says so", () => {
    expect(open().durable).toBe(false);
    expect(new SqliteStore({ path: ":memory:" }).durable).toBe(false);
  });
});

describe.skipIf(skip)(suite("SqliteStore: the inbox"), () => {
  const write = (label: string, queue = "lissi") => ({ queue, record: JSON.stringify({ provider: "lissi", id: label, text: "caf\u00e9 🚀 \u2028", pad: "x".repeat(10_000) }) });

  it("writes the event with its claim: attempt 1, in the inbox, due only when the lease ends", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000, write("k")));
    expect(first.attempts).toBe(1);
    expect(store.inboxSize("lissi")).toBe(1);
    expect(store.inboxSize("other")).toBe(0);
    expect(store.claimDue("lissi", 1000, 10)).toEqual([]);
    expect(store.claim("k", 1000, write("again")).status).toBe("in-flight");
    expect(store.inboxSize("lissi")).toBe(1);
    claimed(store.claim("plain", 1000));
    expect(store.inboxSize("lissi")).toBe(1);
  });

  it("gives back an entry whose lease ran out: record byte for byte, new token, one more attempt, successes kept", () => {
    const store = open();
    const w = write("crashed");
    const first = claimed(store.claim("crashed", 1000, w));
    claimed(store.claim("alive", 10 * DAY, write("alive")));
    store.handlerSucceeded("crashed", first.token, "a#0", 10); // a TTL far shorter than the entry's stay
    now += 999;
    expect(store.claimDue("lissi", 1000, 10)).toEqual([]);
    now += 100_000;
    const [entry, ...rest] = store.claimDue("lissi", 5000, 10);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ key: "crashed", record: w.record, attempts: 2 });
    expect(ids(entry!.succeeded)).toEqual(["a#0"]);
    expect(entry!.token).not.toBe(first.token);
    expect(store.claimDue("lissi", 5000, 10)).toEqual([]);
    expect(store.claim("crashed", 1000).status).toBe("in-flight");
    expect(store.renew("crashed", first.token, 1000)).toBe(false);
    expect(store.renew("crashed", entry!.token, 5000)).toBe(true);
    now += 4999;
    expect(store.claimDue("lissi", 5000, 10)).toEqual([]); // the renewal moved the due time
    store.complete("crashed", entry!.token, DAY);
    expect(store.claim("crashed", 1000).status).toBe("done");
    expect(store.inboxSize("lissi")).toBe(1);
  });

  it("moves the due time with every renewal", () => {
    const store = open();
    const owner = claimed(store.claim("k", 1000, write("k")));
    now += 900;
    expect(store.renew("k", owner.token, 1000)).toBe(true);
    now += 900;
    expect(store.claimDue("lissi", 1000, 10)).toEqual([]);
    now += 101;
    expect(store.claimDue("lissi", 1000, 10).map((due) => [due.key, due.attempts])).toEqual([["k", 2]]);
  });

  it("counts every attempt of an entry taken back again and again", () => {
    const store = open();
    claimed(store.claim("k", 100, write("k")));
    for (const attempts of [2, 3, 4]) {
      now += 101;
      expect(store.claimDue("lissi", 100, 10).map((due) => [due.key, due.attempts])).toEqual([["k", attempts]]);
    }
  });

  it("release with retryInMs keeps the entry and makes it due after the delay, not before", () => {
    const store = open();
    const later = claimed(store.claim("later", 60_000, write("later")));
    const w = write("soon");
    const soon = claimed(store.claim("soon", 60_000, w));
    store.handlerSucceeded("soon", soon.token, "a#0", 1);
    store.release("later", later.token, 60_000, 60_000);
    store.release("soon", soon.token, 1, 1000);
    expect(store.inboxSize("lissi")).toBe(2);
    now += 999;
    expect(store.claimDue("lissi", 1000, 10)).toEqual([]);
    now += 1;
    const taken = store.claimDue("lissi", 1000, 10);
    expect(taken.map((due) => [due.key, due.record === w.record, due.attempts, ids(due.succeeded)])).toEqual([["soon", true, 2, ["a#0"]]]);
    expect(store.inboxSize("lissi")).toBe(2);
  });

  it("keeps an entry waiting for a retry for ever, successes and all", () => {
    const store = open({ purgeEvery: 1 });
    const first = claimed(store.claim("k", 1000, write("k")));
    store.handlerSucceeded("k", first.token, "a#0", 10);
    store.release("k", first.token, 10, 30 * DAY);
    now += 30 * DAY;
    for (let i = 0; i < 5; i++) claimed(store.claim(`filler-${i}`, 1)); // lazy purges run
    expect(store.purgeExpired()).toBeGreaterThanOrEqual(0);
    expect(store.claimDue("lissi", 1000, 10).map((due) => [due.key, ids(due.succeeded)])).toEqual([["k", ["a#0"]]]);
  });

  it("lets a redelivery claim an entry waiting for its retry; the entry stays in the inbox with its record", () => {
    const store = open();
    const w = write("k");
    const first = claimed(store.claim("k", 1000, w));
    store.handlerSucceeded("k", first.token, "a#0", 60_000);
    store.release("k", first.token, 60_000, 60_000);
    const redelivery = claimed(store.claim("k", 500));
    expect(redelivery.attempts).toBe(2);
    expect(ids(redelivery.succeeded)).toEqual(["a#0"]);
    expect(store.inboxSize("lissi")).toBe(1);
    now += 501; // the redelivery's process died
    const taken = store.claimDue("lissi", 1000, 10);
    expect(taken.map((due) => [due.key, due.record === w.record, due.attempts])).toEqual([["k", true, 3]]);
    store.complete("k", taken[0]!.token, DAY);
    expect(store.inboxSize("lissi")).toBe(0);
    expect(store.claim("k", 1000, write("k")).status).toBe("done");
    expect(store.inboxSize("lissi")).toBe(0);
  });

  it("a claim with a record of an entry already in the inbox keeps counting and keeps the newest record", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000, write("one")));
    store.release("k", first.token, 60_000, 60_000);
    const second = claimed(store.claim("k", 1000, write("two")));
    expect(second.attempts).toBe(2);
    now += 1001;
    expect(store.claimDue("lissi", 1000, 10).map((due) => [due.record === write("two").record, due.attempts])).toEqual([[true, 3]]);
  });

  it("a claim with a record of an event released with successes (outside the inbox) brings it in, attempt 1", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    store.handlerSucceeded("k", first.token, "a#0", 60_000);
    store.release("k", first.token, 60_000);
    const second = claimed(store.claim("k", 1000, write("k")));
    expect([second.attempts, ids(second.succeeded)]).toEqual([1, ["a#0"]]);
    expect(store.inboxSize("lissi")).toBe(1);
  });

  it("release without retryInMs takes the entry out of the inbox; successes stay for ttlMs, else the row goes", () => {
    const store = open();
    const partly = claimed(store.claim("partly", 1000, write("partly")));
    const failed = claimed(store.claim("failed", 1000, write("failed")));
    store.handlerSucceeded("partly", partly.token, "a#0", 1);
    store.release("partly", partly.token, 5000);
    store.release("failed", failed.token, 5000);
    expect(store.inboxSize("lissi")).toBe(0);
    now += 2000;
    expect(store.claimDue("lissi", 1000, 10)).toEqual([]);
    const next = claimed(store.claim("partly", 1000));
    expect([next.attempts, ids(next.succeeded)]).toEqual([0, ["a#0"]]);
    expect(ids(claimed(store.claim("failed", 1000)).succeeded)).toEqual([]);
    store.release("partly", next.token, 5000);
    now += 5001;
    expect(ids(claimed(store.claim("partly", 1000)).succeeded)).toEqual([]);
  });

  it("retryInMs on an event outside the inbox is a plain release", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000));
    store.release("k", first.token, 60_000, 1000);
    expect(store.inboxSize("lissi")).toBe(0);
    now += 2000;
    expect(store.claimDue("lissi", 1000, 10)).toEqual([]);
    claimed(store.claim("k", 1000));
  });

  it("complete takes the entry out of the inbox and drops its record; done entries never come back", () => {
    const store = open();
    const first = claimed(store.claim("k", 1000, write("k")));
    store.complete("k", first.token, 5000);
    expect(store.inboxSize("lissi")).toBe(0);
    now += 2000;
    expect(store.claimDue("lissi", 1000, 10)).toEqual([]);
    expect(store.claim("k", 1000).status).toBe("done");
    now += 3001; // the done marker expires like any other
    expect(claimed(store.claim("k", 1000)).attempts).toBe(0);
  });

  it("keeps queues apart and takes at most `limit`, oldest due first, each once", () => {
    const store = open();
    for (let i = 0; i < 5; i++) {
      claimed(store.claim(`a${i}`, 1000 + i, write(`a${i}`, "lissi")));
      claimed(store.claim(`b${i}`, 1000, write(`b${i}`, "truvera")));
    }
    expect([store.inboxSize("lissi"), store.inboxSize("truvera")]).toEqual([5, 5]);
    now += 2000;
    expect(store.claimDue("lissi", 60_000, 0)).toEqual([]);
    expect(store.claimDue("lissi", 60_000, 2).map((due) => due.key)).toEqual(["a0", "a1"]);
    expect(store.claimDue("lissi", 60_000, 2).map((due) => due.key)).toEqual(["a2", "a3"]);
    expect(store.claimDue("lissi", 60_000, 2).map((due) => due.key)).toEqual(["a4"]);
    expect(store.claimDue("lissi", 60_000, 2)).toEqual([]);
    expect(store.claimDue("truvera", 60_000, 10)).toHaveLength(5);
    expect(store.claimDue("none", 60_000, 10)).toEqual([]);
  });

  it("never expires an inbox entry by itself, however long its lease is gone", () => {
    const store = open({ purgeEvery: 1 });
    claimed(store.claim("k", 1000, write("k")));
    now += 365 * DAY;
    store.purgeExpired();
    expect(store.inboxSize("lissi")).toBe(1);
    expect(store.claim("k", 1000).status).toBe("claimed");
  });

  it("keeps a record exactly, whatever its text (lone surrogates too)", () => {
    const store = open();
    const record = "{\"x\":\"\ud800 \u0000 caf\u00e9 \udc00\ud83d\ude80\"}";
    claimed(store.claim("k", 1, { queue: "lissi", record }));
    now += 2;
    expect(store.claimDue("lissi", 1000, 10)[0]!.record).toBe(record);
  });
});

describe.skipIf(skip)(suite("SqliteStore: expiry and purging"), () => {
  it("purges expired done markers and released rows, lazily every `purgeEvery` writes, and on demand", () => {
    const store = open({ purgeEvery: 0 });
    for (let i = 0; i < 10; i++) store.complete(`d${i}`, claimed(store.claim(`d${i}`, 1000)).token, 1000);
    const kept = claimed(store.claim("kept", 1000));
    store.complete("kept", kept.token, DAY);
    const released = claimed(store.claim("r", 1000));
    store.handlerSucceeded("r", released.token, "a#0", 500);
    store.release("r", released.token, 500);
    now += 1001;
    expect(store.purgeExpired()).toBe(11);
    expect(store.purgeExpired()).toBe(0);
    expect(store.claim("kept", 1000).status).toBe("done");
    expect(ids(claimed(store.claim("r", 1000)).succeeded)).toEqual([]);

    const lazy = open({ purgeEvery: 3 });
    for (let i = 0; i < 2; i++) lazy.complete(`d${i}`, claimed(lazy.claim(`d${i}`, 1000)).token, 10);
    now += 11;
    claimed(lazy.claim("x", 1000)); // the 5th write: one purge ran after the 3rd, the next after the 6th
    claimed(lazy.claim("y", 1000));
    expect(lazy.purgeExpired()).toBe(0);
  });

  it("treats an expired row as absent before any purge", () => {
    const store = open({ purgeEvery: 0 });
    const first = claimed(store.claim("k", 1000));
    store.complete("k", first.token, 100);
    now += 101;
    expect(claimed(store.claim("k", 1000)).attempts).toBe(0);
  });

  it("validates its options", () => {
    expect(() => open({ purgeEvery: -1 })).toThrow(RangeError);
    expect(() => open({ busyTimeoutMs: 1.5 })).toThrow(RangeError);
    expect(() => open({ tablePrefix: "x; DROP TABLE y" })).toThrow(/tablePrefix/);
    expect(() => open({ synchronous: "off" as never })).toThrow(/synchronous/);
    expect(open({ synchronous: "normal" }).claim("k", 1000).status).toBe("claimed");
    expect(() => createSqliteStore({} as SqliteStoreOptions)).toThrow(/path/);
  });
});

describe("explainLoadError", () => {
  it("says what to do when the native module was built for another Node, or never built", () => {
    const abi = Object.assign(new Error("The module '…/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115."), { code: "ERR_DLOPEN_FAILED" });
    const explained = explainLoadError(abi) as Error;
    expect(explained.message).toMatch(/does not load on Node v\d+.*npm rebuild better-sqlite3/);
    expect(explained.cause).toBe(abi);
    expect((explainLoadError(new Error("Could not locate the bindings file. Tried: …")) as Error).message).toMatch(/never built.*approve-builds/);
    const other = new Error("SQLITE_CANTOPEN");
    expect(explainLoadError(other)).toBe(other);
  });
});
